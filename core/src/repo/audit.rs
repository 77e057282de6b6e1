//! Audit-log rows.

use chrono::Utc;
use sea_orm::{ColumnTrait, ConnectionTrait, QueryFilter};

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
    insert_many(conn, scope, vec![entry]).await
}

/// Records many changes by the scope's actor, many per statement.
pub(crate) async fn insert_many(
    conn: &impl ConnectionTrait,
    scope: &WorkspaceScope,
    entries: Vec<NewEntry>,
) -> Result<()> {
    let actor = scope.actor();
    let (actor_kind, actor_id) = match actor.principal() {
        Principal::User { user_id, .. } => ("user", Some(user_id.as_uuid())),
        Principal::ApiKey { key_id, .. } => ("api_key", Some(key_id.as_uuid())),
        Principal::System => ("system", None),
    };
    let now = Utc::now();
    let rows = entries
        .into_iter()
        .map(|entry| audit_log::Model {
            id: AuditEntryId::new().as_uuid(),
            workspace_id: scope.workspace_id().as_uuid(),
            actor_kind: actor_kind.to_owned(),
            actor_id,
            action: entry.action.to_owned(),
            target_kind: entry.target_kind.to_owned(),
            target_id: entry.target_id,
            ip: actor.client().ip.clone(),
            request_id: actor.client().request_id.clone(),
            details: entry.details,
            created_at: now,
        })
        .collect();
    super::insert_rows::<audit_log::Entity, _>(conn, rows).await
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
