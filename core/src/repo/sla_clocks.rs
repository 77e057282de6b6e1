//! SLA clocks: a conversation's clocks, written many at a time and changed only at the
//! version they were read at; and, across every workspace for the worker, what is due
//! (their wake times: `wake_times`).

use chrono::{DateTime, Utc};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};
use uuid::Uuid;

use crate::entity::sla_clocks::{self, Column as C, Model};
use crate::ids::ConversationId;
use crate::sla::clock::{ClockKind, ClockState};
use crate::tenancy::WorkspaceScope;
use crate::{Error, Result};

use super::scoped::scoped;

/// Of these conversations: every clock still open, and every first-response clock ever
/// (whether a response clock to come is the first or a next one).
pub(crate) async fn open_and_first(
    conn: &impl ConnectionTrait,
    scope: &WorkspaceScope,
    conversations: &[Uuid],
) -> Result<Vec<Model>> {
    if conversations.is_empty() {
        return Ok(Vec::new());
    }
    let which = Condition::any()
        .add(C::State.ne(ClockState::Stopped.as_str()))
        .add(C::Kind.eq(ClockKind::FirstResponse.as_str()));
    Ok(scoped::<sla_clocks::Entity>(scope)
        .filter(C::ConversationId.is_in(conversations.to_vec()))
        .filter(which)
        .order_by_asc(C::StartedAt)
        .all(conn)
        .await?)
}

/// Every clock of one conversation, oldest first.
pub(crate) async fn of_conversation(
    conn: &impl ConnectionTrait,
    scope: &WorkspaceScope,
    conversation: ConversationId,
) -> Result<Vec<Model>> {
    Ok(scoped::<sla_clocks::Entity>(scope)
        .filter(C::ConversationId.eq(conversation.as_uuid()))
        .order_by_asc(C::StartedAt)
        .order_by_asc(C::Id)
        .all(conn)
        .await?)
}

/// One clock, in any workspace (the worker's firing re-reads it under its conversation's lock).
pub(crate) async fn by_id(conn: &impl ConnectionTrait, id: Uuid) -> Result<Option<Model>> {
    Ok(sla_clocks::Entity::find_by_id(id).one(conn).await?)
}

pub(crate) async fn insert_many(conn: &impl ConnectionTrait, rows: Vec<Model>) -> Result<()> {
    super::insert_rows::<sla_clocks::Entity, _>(conn, rows).await
}

/// Writes a changed clock if it is still at `read_version`; the row carries the next version.
/// `Conflict` when someone changed it meanwhile.
pub(crate) async fn update_at_version(
    conn: &impl ConnectionTrait,
    row: Model,
    read_version: i32,
) -> Result<()> {
    let changed = Error::conflict(
        "sla_clock_changed",
        "the SLA clock changed meanwhile; try again",
    );
    let id = row.id;
    super::wake_times::update_at_version::<sla_clocks::Entity>(conn, row, id, read_version, changed)
        .await
}

/// Across every workspace: running clocks with something to fire by `now`, earliest
/// first — among `ids` only, when given.
pub(crate) async fn due(
    conn: &impl ConnectionTrait,
    now: DateTime<Utc>,
    among: Option<&[Uuid]>,
    limit: u64,
) -> Result<Vec<Model>> {
    let mut select = sla_clocks::Entity::find()
        .filter(C::WakeAt.lte(now))
        .filter(C::State.eq(ClockState::Running.as_str()));
    if let Some(ids) = among {
        select = select.filter(C::Id.is_in(ids.to_vec()));
    }
    Ok(select
        .order_by_asc(C::WakeAt)
        .limit(limit)
        .all(conn)
        .await?)
}
