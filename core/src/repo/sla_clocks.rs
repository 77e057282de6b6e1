//! SLA clocks: a conversation's clocks, written many at a time and changed only at the
//! version they were read at; and, across every workspace for the worker, what is due
//! (their wake times: `wake_times`).

use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
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

/// Clocks by id, in any workspace (the worker's firing re-reads them under their
/// conversations' locks).
pub(crate) async fn by_ids(conn: &impl ConnectionTrait, ids: &[Uuid]) -> Result<Vec<Model>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(sla_clocks::Entity::find()
        .filter(C::Id.is_in(ids.to_vec()))
        .all(conn)
        .await?)
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

/// Writes what firing changed on many clocks in one statement — when each warned or
/// breached, when each next wakes — each only if it is still at the version read.
/// `Conflict` unless every one of them was.
pub(crate) async fn fired_many(
    conn: &impl ConnectionTrait,
    fired: &[(Model, i32)],
    now: DateTime<Utc>,
) -> Result<()> {
    use sea_orm::sea_query::{CaseStatement, Expr, ExprTrait};
    if fired.is_empty() {
        return Ok(());
    }
    let mut columns: Vec<(C, CaseStatement)> = [C::WarnedAt, C::BreachedAt, C::WakeAt]
        .into_iter()
        .map(|c| (c, CaseStatement::new()))
        .collect();
    let mut read = Condition::any();
    for (row, read_version) in fired {
        let values = [row.warned_at, row.breached_at, row.wake_at];
        for ((_, case), value) in columns.iter_mut().zip(values) {
            *case = std::mem::take(case).case(C::Id.eq(row.id), Expr::value(value));
        }
        read = read.add(C::Id.eq(row.id).and(C::Version.eq(*read_version)));
    }
    let mut update = sla_clocks::Entity::update_many()
        .col_expr(C::Version, Expr::col(C::Version).add(1))
        .col_expr(C::UpdatedAt, Expr::value(now));
    for (column, case) in columns {
        update = update.col_expr(column, case.finally(Expr::col(column)).into());
    }
    let result = update.filter(read).exec(conn).await?;
    if result.rows_affected == fired.len() as u64 {
        Ok(())
    } else {
        Err(Error::conflict(
            "sla_clock_changed",
            "an SLA clock changed meanwhile; try again",
        ))
    }
}
