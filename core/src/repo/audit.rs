//! Audit-log rows.

use chrono::Utc;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, QueryFilter, Set};

use crate::Result;
use crate::entity::audit_log;
use crate::ids::AuditEntryId;
use crate::pagination::PageRequest;
use crate::tenancy::{Principal, WorkspaceScope};

use super::scoped::scoped;
use super::{Direction, paged};

/// One change to record.
pub(crate) struct NewEntry {
    pub action: &'static str,
    pub target_kind: &'static str,
    pub target_id: Option<String>,
    pub details: Option<serde_json::Value>,
}

pub(crate) async fn insert(
    conn: &impl ConnectionTrait,
    scope: &WorkspaceScope,
    entry: NewEntry,
) -> Result<()> {
    let actor = scope.actor();
    let (actor_kind, actor_id) = match actor.principal() {
        Principal::User { user_id, .. } => ("user", Some(user_id.as_uuid())),
        Principal::ApiKey { key_id, .. } => ("api_key", Some(key_id.as_uuid())),
        Principal::System => ("system", None),
    };
    audit_log::ActiveModel {
        id: Set(AuditEntryId::new().as_uuid()),
        workspace_id: Set(scope.workspace_id().as_uuid()),
        actor_kind: Set(actor_kind.to_owned()),
        actor_id: Set(actor_id),
        action: Set(entry.action.to_owned()),
        target_kind: Set(entry.target_kind.to_owned()),
        target_id: Set(entry.target_id),
        ip: Set(actor.client().ip.clone()),
        request_id: Set(actor.client().request_id.clone()),
        details: Set(entry.details),
        created_at: Set(Utc::now()),
    }
    .insert(conn)
    .await?;
    Ok(())
}

/// Filters on the audit log.
#[derive(Default)]
pub(crate) struct AuditFilter {
    pub action: Option<String>,
    pub target_kind: Option<String>,
}

pub(crate) async fn list(
    conn: &impl ConnectionTrait,
    scope: &WorkspaceScope,
    filter: AuditFilter,
    page: PageRequest,
) -> Result<Vec<audit_log::Model>> {
    let mut select = scoped::<audit_log::Entity>(scope);
    if let Some(action) = filter.action {
        select = select.filter(audit_log::Column::Action.eq(action));
    }
    if let Some(kind) = filter.target_kind {
        select = select.filter(audit_log::Column::TargetKind.eq(kind));
    }
    Ok(
        paged(select, audit_log::Column::Id, page, Direction::NewestFirst)
            .all(conn)
            .await?,
    )
}

/// Removes the details of entries about one object (erasure keeps that a change happened,
/// not what it said).
pub(crate) async fn scrub_target(
    conn: &impl ConnectionTrait,
    scope: &WorkspaceScope,
    target_kind: &str,
    target_id: &str,
) -> Result<()> {
    use sea_orm::EntityTrait;
    use sea_orm::sea_query::Expr;
    audit_log::Entity::update_many()
        .col_expr(
            audit_log::Column::Details,
            Expr::value(Option::<serde_json::Value>::None),
        )
        .filter(audit_log::Column::WorkspaceId.eq(scope.workspace_id().as_uuid()))
        .filter(audit_log::Column::TargetKind.eq(target_kind))
        .filter(audit_log::Column::TargetId.eq(target_id))
        .exec(conn)
        .await?;
    Ok(())
}
