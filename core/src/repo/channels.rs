//! Channels.

use std::collections::HashMap;
use std::sync::{LazyLock, RwLock};

use chrono::Utc;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use uuid::Uuid;

use crate::entity::channels;
use crate::ids::ChannelId;
use crate::pagination::PageRequest;
use crate::tenancy::WorkspaceScope;
use crate::views::{ChannelHealth, ChannelKind};
use crate::{Error, Result};

use super::scoped::{delete_one, scoped};
use super::{Direction, paged};

/// A channel about to be stored; credentials already encrypted.
pub(crate) struct NewChannel {
    pub kind: ChannelKind,
    pub name: String,
    pub credentials: Option<String>,
    pub settings: serde_json::Value,
    pub health: ChannelHealth,
    pub last_error: Option<String>,
}

pub(crate) async fn insert(
    conn: &impl ConnectionTrait,
    scope: &WorkspaceScope,
    new: NewChannel,
) -> Result<channels::Model> {
    let now = Utc::now();
    Ok(channels::ActiveModel {
        id: Set(ChannelId::new().as_uuid()),
        workspace_id: Set(scope.workspace_id().as_uuid()),
        kind: Set(new.kind.as_str().to_owned()),
        name: Set(new.name),
        credentials: Set(new.credentials),
        settings: Set(new.settings),
        health: Set(new.health.as_str().to_owned()),
        last_error: Set(new.last_error),
        health_changed_at: Set(Some(now)),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(conn)
    .await?)
}

/// A channel by id alone, for a platform's webhook: the delivery names the channel, and its
/// signature (checked with this channel's secret) is what lets it in.
pub(crate) async fn find_for_hook(
    conn: &impl ConnectionTrait,
    id: ChannelId,
) -> Result<Option<channels::Model>> {
    Ok(channels::Entity::find_by_id(id.as_uuid()).one(conn).await?)
}

/// The channels of `kind`, in any workspace, whose settings name `account` as their own
/// (`field` is the kind's account setting): where a delivery for that account belongs.
pub(crate) async fn by_account(
    conn: &impl ConnectionTrait,
    kind: ChannelKind,
    field: &'static str,
    account: &str,
) -> Result<Vec<channels::Model>> {
    use sea_orm::sea_query::{Expr, ExprTrait};
    // `field` is one of the kinds' own setting names, never input.
    let named = Expr::cust(format!("settings ->> '{field}'"));
    Ok(channels::Entity::find()
        .filter(channels::Column::Kind.eq(kind.as_str()))
        .filter(named.eq(account))
        .all(conn)
        .await?)
}

pub(crate) async fn get(
    conn: &impl ConnectionTrait,
    scope: &WorkspaceScope,
    id: ChannelId,
) -> Result<channels::Model> {
    scoped::<channels::Entity>(scope)
        .filter(channels::Column::Id.eq(id.as_uuid()))
        .one(conn)
        .await?
        .ok_or(Error::NotFound)
}

/// The workspace's channel of `kind` named `name` (the oldest, should there be several).
pub(crate) async fn named(
    conn: &impl ConnectionTrait,
    scope: &WorkspaceScope,
    kind: ChannelKind,
    name: &str,
) -> Result<Option<channels::Model>> {
    use sea_orm::QueryOrder;
    Ok(scoped::<channels::Entity>(scope)
        .filter(channels::Column::Kind.eq(kind.as_str()))
        .filter(channels::Column::Name.eq(name))
        .order_by_asc(channels::Column::CreatedAt)
        .one(conn)
        .await?)
}

pub(crate) async fn list(
    conn: &impl ConnectionTrait,
    scope: &WorkspaceScope,
    page: PageRequest,
) -> Result<Vec<channels::Model>> {
    Ok(paged(
        scoped::<channels::Entity>(scope),
        channels::Column::Id,
        page,
        Direction::OldestFirst,
    )
    .all(conn)
    .await?)
}

pub(crate) async fn by_ids(
    conn: &impl ConnectionTrait,
    scope: &WorkspaceScope,
    ids: &[Uuid],
) -> Result<Vec<channels::Model>> {
    Ok(scoped::<channels::Entity>(scope)
        .filter(channels::Column::Id.is_in(ids.to_vec()))
        .all(conn)
        .await?)
}

/// A channel's kind never changes once created, so it is read from the database once per
/// process.
static CHANNEL_KINDS: LazyLock<RwLock<HashMap<Uuid, ChannelKind>>> =
    LazyLock::new(Default::default);

/// The kinds of channels by id. Only ids taken from rows the scope already read are
/// looked up.
pub(crate) async fn kinds_of(
    conn: &impl ConnectionTrait,
    scope: &WorkspaceScope,
    ids: &[Uuid],
) -> Result<HashMap<Uuid, ChannelKind>> {
    let mut kinds = HashMap::with_capacity(ids.len());
    let mut missing = Vec::new();
    {
        let known = CHANNEL_KINDS.read().unwrap_or_else(|e| e.into_inner());
        for id in ids {
            match known.get(id) {
                Some(kind) => drop(kinds.insert(*id, *kind)),
                None => missing.push(*id),
            }
        }
    }
    if missing.is_empty() {
        return Ok(kinds);
    }
    let read: Vec<(Uuid, ChannelKind)> = by_ids(conn, scope, &missing)
        .await?
        .into_iter()
        .map(|c| Ok((c.id, c.kind.parse()?)))
        .collect::<Result<_>>()?;
    let mut known = CHANNEL_KINDS.write().unwrap_or_else(|e| e.into_inner());
    for (id, kind) in read {
        known.insert(id, kind);
        kinds.insert(id, kind);
    }
    Ok(kinds)
}

/// Saves changed columns of a channel of the scope's workspace.
pub(crate) async fn save(
    conn: &impl ConnectionTrait,
    scope: &WorkspaceScope,
    mut model: channels::ActiveModel,
) -> Result<channels::Model> {
    if model.workspace_id.as_ref() != &scope.workspace_id().as_uuid() {
        return Err(Error::NotFound);
    }
    model.updated_at = Set(Utc::now());
    Ok(model.update(conn).await?)
}

pub(crate) async fn delete(
    conn: &impl ConnectionTrait,
    scope: &WorkspaceScope,
    id: ChannelId,
) -> Result<()> {
    delete_one::<channels::Entity>(conn, scope, channels::Column::Id, id.as_uuid()).await
}

/// Moves a channel to `health` with `last_error` (the platform told us); `false` when it
/// was in that state with that error already. An operator's `disabled` is never overridden.
pub(crate) async fn set_health(
    conn: &impl ConnectionTrait,
    scope: &WorkspaceScope,
    id: ChannelId,
    health: ChannelHealth,
    last_error: Option<String>,
) -> Result<bool> {
    use sea_orm::sea_query::Expr;
    let now = Utc::now();
    let changed = channels::Entity::update_many()
        .col_expr(channels::Column::Health, Expr::value(health.as_str()))
        .col_expr(channels::Column::LastError, Expr::value(last_error.clone()))
        .col_expr(channels::Column::HealthChangedAt, Expr::value(now))
        .col_expr(channels::Column::UpdatedAt, Expr::value(now))
        .filter(channels::Column::WorkspaceId.eq(scope.workspace_id().as_uuid()))
        .filter(channels::Column::Id.eq(id.as_uuid()))
        .filter(channels::Column::Health.ne(ChannelHealth::Disabled.as_str()))
        .filter(differs(health, last_error))
        .exec(conn)
        .await?;
    Ok(changed.rows_affected > 0)
}

/// A rate-limited channel that sent again is active.
pub(crate) async fn clear_rate_limit(
    conn: &impl ConnectionTrait,
    scope: &WorkspaceScope,
    id: ChannelId,
) -> Result<bool> {
    use sea_orm::sea_query::Expr;
    let now = Utc::now();
    let changed = channels::Entity::update_many()
        .col_expr(
            channels::Column::Health,
            Expr::value(ChannelHealth::Active.as_str()),
        )
        .col_expr(
            channels::Column::LastError,
            Expr::value(Option::<String>::None),
        )
        .col_expr(channels::Column::HealthChangedAt, Expr::value(now))
        .col_expr(channels::Column::UpdatedAt, Expr::value(now))
        .filter(channels::Column::WorkspaceId.eq(scope.workspace_id().as_uuid()))
        .filter(channels::Column::Id.eq(id.as_uuid()))
        .filter(channels::Column::Health.eq(ChannelHealth::RateLimited.as_str()))
        .exec(conn)
        .await?;
    Ok(changed.rows_affected > 0)
}

/// A channel whose health or last error is not these.
fn differs(health: ChannelHealth, last_error: Option<String>) -> sea_orm::Condition {
    let other_state = sea_orm::Condition::any().add(channels::Column::Health.ne(health.as_str()));
    match last_error {
        Some(error) => other_state
            .add(channels::Column::LastError.is_null())
            .add(channels::Column::LastError.ne(error)),
        None => other_state.add(channels::Column::LastError.is_not_null()),
    }
}

/// Every channel of a kind, across workspaces (the worker's pollers).
pub(crate) async fn of_kind(
    conn: &impl ConnectionTrait,
    kind: ChannelKind,
) -> Result<Vec<channels::Model>> {
    Ok(channels::Entity::find()
        .filter(channels::Column::Kind.eq(kind.as_str()))
        .all(conn)
        .await?)
}
