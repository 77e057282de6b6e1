//! An audit-log entry as GraphQL shows it.

use async_graphql::{ID, Json, SimpleObject};
use chrono::{DateTime, Utc};
use earshot_core::views::AuditEntryView;

use super::id;

/// One audit entry.
#[derive(SimpleObject)]
pub struct AuditEntry {
    /// Id.
    pub id: ID,
    /// `user` or `api_key`.
    pub actor_kind: String,
    /// The user or key.
    pub actor_id: Option<ID>,
    /// What, such as `team.created`.
    pub action: String,
    /// The kind of object changed.
    pub target_kind: String,
    /// Its id.
    pub target_id: Option<String>,
    /// Client address.
    pub ip: Option<String>,
    /// Request id.
    pub request_id: Option<String>,
    /// What changed.
    pub details: Option<Json<serde_json::Value>>,
    /// When.
    pub created_at: DateTime<Utc>,
}

impl From<AuditEntryView> for AuditEntry {
    fn from(v: AuditEntryView) -> Self {
        Self {
            id: id(v.id),
            actor_kind: v.actor.kind,
            actor_id: v.actor.id.map(id),
            action: v.action,
            target_kind: v.target_kind,
            target_id: v.target_id,
            ip: v.ip,
            request_id: v.request_id,
            details: v.details.map(Json),
            created_at: v.created_at,
        }
    }
}
