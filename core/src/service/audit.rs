//! The audit log: every change records who, what, when and from where.

use sea_orm::ConnectionTrait;
use serde::Deserialize;

use crate::entity::audit_log;
use crate::ids::AuditEntryId;
use crate::pagination::{Page, PageRequest};
use crate::repo;
use crate::repo::audit::{AuditFilter, NewEntry};
use crate::tenancy::{Capability, WorkspaceScope};
use crate::views::{AuditActor, AuditEntryView};
use crate::{Core, Result};

/// Filters of `GET /v1/workspaces/{ws}/audit-log`.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
pub struct AuditQuery {
    /// Only this action, such as `team.created`.
    pub action: Option<String>,
    /// Only changes to this kind of object, such as `member`.
    pub target_kind: Option<String>,
}

/// Records a change inside the caller's transaction, so it is stored with the change or not
/// at all.
pub(crate) async fn record(
    conn: &impl ConnectionTrait,
    scope: &WorkspaceScope,
    action: &'static str,
    target_kind: &'static str,
    target_id: impl ToString,
    details: serde_json::Value,
) -> Result<()> {
    repo::audit::insert(
        conn,
        scope,
        NewEntry {
            action,
            target_kind,
            target_id: Some(target_id.to_string()),
            details: Some(details),
        },
    )
    .await
}

fn entry_view(model: audit_log::Model) -> AuditEntryView {
    AuditEntryView {
        id: AuditEntryId::from(model.id),
        actor: AuditActor {
            kind: model.actor_kind,
            id: model.actor_id,
        },
        action: model.action,
        target_kind: model.target_kind,
        target_id: model.target_id,
        ip: model.ip,
        request_id: model.request_id,
        details: model.details,
        created_at: model.created_at,
    }
}

/// Audit entries, newest first.
pub async fn list(
    core: &Core,
    scope: &WorkspaceScope,
    query: AuditQuery,
    page: PageRequest,
) -> Result<Page<AuditEntryView>> {
    scope.require(Capability::ReadAuditLog)?;
    let filter = AuditFilter {
        action: query.action,
        target_kind: query.target_kind,
    };
    let rows = repo::audit::list(core.db().conn(), scope, filter, page).await?;
    Ok(core.cursors().page(rows, page, |e| e.id)?.map(entry_view))
}
