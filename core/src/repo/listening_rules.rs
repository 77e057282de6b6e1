//! Keyword listening rules: per workspace, read and changed through the scope; the worker
//! reads them across workspaces to search each on its schedule.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};

use crate::entity::listening_rules::{self, Column as C};
use crate::error::OnConflict;
use crate::ids::{ChannelId, ListeningRuleId};
use crate::pagination::PageRequest;
use crate::tenancy::WorkspaceScope;
use crate::{Error, Result};

use super::scoped::{delete_one, scoped};
use super::{Direction, paged};

const NAME_TAKEN: &str = "a listening rule with this name already exists in the workspace";

/// A rule's fields as the caller sets them.
pub(crate) struct RuleFields {
    pub name: String,
    pub query: String,
    pub channel_id: ChannelId,
    pub enabled: bool,
    pub poll_every_secs: i32,
}

pub(crate) async fn insert(
    conn: &impl ConnectionTrait,
    scope: &WorkspaceScope,
    fields: RuleFields,
) -> Result<listening_rules::Model> {
    let now = Utc::now();
    listening_rules::ActiveModel {
        id: Set(ListeningRuleId::new().as_uuid()),
        workspace_id: Set(scope.workspace_id().as_uuid()),
        channel_id: Set(fields.channel_id.as_uuid()),
        name: Set(fields.name),
        query: Set(fields.query),
        enabled: Set(fields.enabled),
        poll_every_secs: Set(fields.poll_every_secs),
        posts_heard: Set(0),
        last_polled_at: Set(None),
        last_error: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(conn)
    .await
    .on_unique("listening_rule_name_taken", NAME_TAKEN)
}

pub(crate) async fn get(
    conn: &impl ConnectionTrait,
    scope: &WorkspaceScope,
    id: ListeningRuleId,
) -> Result<listening_rules::Model> {
    scoped::<listening_rules::Entity>(scope)
        .filter(C::Id.eq(id.as_uuid()))
        .one(conn)
        .await?
        .ok_or(Error::NotFound)
}

pub(crate) async fn list(
    conn: &impl ConnectionTrait,
    scope: &WorkspaceScope,
    page: PageRequest,
) -> Result<Vec<listening_rules::Model>> {
    let select = scoped::<listening_rules::Entity>(scope);
    Ok(paged(select, C::Id, page, Direction::OldestFirst)
        .all(conn)
        .await?)
}

/// Replaces a rule's caller-set fields.
pub(crate) async fn update(
    conn: &impl ConnectionTrait,
    scope: &WorkspaceScope,
    rule: listening_rules::Model,
    fields: RuleFields,
) -> Result<listening_rules::Model> {
    if rule.workspace_id != scope.workspace_id().as_uuid() {
        return Err(Error::NotFound);
    }
    let mut active: listening_rules::ActiveModel = rule.into();
    active.name = Set(fields.name);
    active.query = Set(fields.query);
    active.channel_id = Set(fields.channel_id.as_uuid());
    active.enabled = Set(fields.enabled);
    active.poll_every_secs = Set(fields.poll_every_secs);
    active.updated_at = Set(Utc::now());
    active
        .update(conn)
        .await
        .on_unique("listening_rule_name_taken", NAME_TAKEN)
}

pub(crate) async fn delete(
    conn: &impl ConnectionTrait,
    scope: &WorkspaceScope,
    id: ListeningRuleId,
) -> Result<()> {
    delete_one::<listening_rules::Entity>(conn, scope, C::Id, id.as_uuid()).await
}

/// Every enabled rule, in every workspace: the worker's schedule.
pub(crate) async fn enabled(conn: &impl ConnectionTrait) -> Result<Vec<listening_rules::Model>> {
    Ok(listening_rules::Entity::find()
        .filter(C::Enabled.eq(true))
        .all(conn)
        .await?)
}

/// One rule by id, in whichever workspace: for the worker, which re-enters its scope.
pub(crate) async fn find_for_poll(
    conn: &impl ConnectionTrait,
    id: ListeningRuleId,
) -> Result<Option<listening_rules::Model>> {
    Ok(listening_rules::Entity::find_by_id(id.as_uuid())
        .one(conn)
        .await?)
}

/// Records a search of the rule: when, what went wrong (if anything), posts it fetched.
pub(crate) async fn record_poll(
    conn: &impl ConnectionTrait,
    id: ListeningRuleId,
    heard: u64,
    error: Option<String>,
    at: DateTime<Utc>,
) -> Result<()> {
    let heard = i64::try_from(heard).unwrap_or(i64::MAX);
    listening_rules::Entity::update_many()
        .col_expr(C::PostsHeard, Expr::col(C::PostsHeard).add(heard))
        .col_expr(C::LastPolledAt, Expr::value(at))
        .col_expr(C::LastError, Expr::value(error))
        .filter(C::Id.eq(id.as_uuid()))
        .exec(conn)
        .await?;
    Ok(())
}
