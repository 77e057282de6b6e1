//! Audit-log entries.

use chrono::{DateTime, Utc};
use serde::Serialize;
use uuid::Uuid;

use crate::ids::AuditEntryId;

/// Who made a change.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AuditActor {
    /// `user`, `api_key` or `system`.
    pub kind: String,
    /// The user or key id.
    pub id: Option<Uuid>,
}

/// One recorded change.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AuditEntryView {
    /// Id.
    pub id: AuditEntryId,
    /// Who.
    pub actor: AuditActor,
    /// What, such as `team.created`.
    pub action: String,
    /// The kind of object changed, such as `team`.
    pub target_kind: String,
    /// Its id.
    pub target_id: Option<String>,
    /// Client address.
    pub ip: Option<String>,
    /// The request that made the change.
    pub request_id: Option<String>,
    /// What changed.
    pub details: Option<serde_json::Value>,
    /// When.
    pub created_at: DateTime<Utc>,
}
