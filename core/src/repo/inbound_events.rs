//! The inbound-event log: verified deliveries, appended in batches, once per platform id.
//! Rows are written for the workspace their channel belongs to, which the hook found
//! before verifying the delivery.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, LockBehavior, LockType, Query, SelectStatement};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};

use crate::Result;
use crate::entity::inbound_events;
use crate::entity::inbound_events::Column as C;
use crate::views::InboundStatus;

/// One verified delivery about to be logged.
#[derive(Debug, Clone)]
pub(crate) struct NewInboundEvent {
    pub id: uuid::Uuid,
    pub workspace_id: uuid::Uuid,
    pub channel_id: uuid::Uuid,
    pub kind: String,
    pub platform_event_id: String,
    pub body: String,
    pub received_at: DateTime<Utc>,
    /// Kept from the worker until then: the request that logged it is storing it itself.
    pub held_until: Option<DateTime<Utc>>,
}

/// Appends deliveries in one statement; those already logged (same channel and platform
/// id) are left as they are. Returns the ids of the rows written.
pub(crate) async fn append(
    conn: &impl ConnectionTrait,
    rows: Vec<NewInboundEvent>,
) -> Result<Vec<uuid::Uuid>> {
    use sea_orm::TryInsertResult;
    let models = rows.into_iter().map(|row| inbound_events::ActiveModel {
        id: Set(row.id),
        workspace_id: Set(row.workspace_id),
        channel_id: Set(row.channel_id),
        kind: Set(row.kind),
        platform_event_id: Set(row.platform_event_id),
        body: Set(row.body),
        received_at: Set(row.received_at),
        attempts: Set(0),
        leased_until: Set(row.held_until),
        processed_at: Set(None),
        last_error: Set(None),
        outcome: Set(None),
    });
    let written = inbound_events::Entity::insert_many(models)
        .on_conflict_do_nothing_on([
            inbound_events::Column::ChannelId,
            inbound_events::Column::PlatformEventId,
        ])
        .exec_with_returning_keys(conn)
        .await?;
    Ok(match written {
        TryInsertResult::Inserted(ids) => ids,
        TryInsertResult::Empty | TryInsertResult::Conflicted => Vec::new(),
    })
}

/// The rows already logged for these (channel, platform id) pairs, by pair.
pub(crate) async fn logged_ids(
    conn: &impl ConnectionTrait,
    keys: &[(uuid::Uuid, String)],
) -> Result<std::collections::HashMap<(uuid::Uuid, String), uuid::Uuid>> {
    if keys.is_empty() {
        return Ok(std::collections::HashMap::new());
    }
    let channels = keys.iter().map(|(channel, _)| *channel);
    let platform_ids = keys.iter().map(|(_, id)| id.clone());
    let rows: Vec<(uuid::Uuid, uuid::Uuid, String)> = inbound_events::Entity::find()
        .select_only()
        .columns([C::Id, C::ChannelId, C::PlatformEventId])
        .filter(C::ChannelId.is_in(channels))
        .filter(C::PlatformEventId.is_in(platform_ids))
        .into_tuple()
        .all(conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(id, channel, platform_id)| ((channel, platform_id), id))
        .collect())
}

/// Leases up to `limit` deliveries logged by `logged_by` and not yet processed (nor held or
/// leased by another worker), oldest first, until `until`, counting the attempt. A delivery
/// waits while an earlier one of its channel is being applied elsewhere: a channel's
/// deliveries apply in the order they were logged.
pub(crate) async fn lease(
    conn: &impl ConnectionTrait,
    now: DateTime<Utc>,
    logged_by: DateTime<Utc>,
    until: DateTime<Utc>,
    limit: u64,
) -> Result<Vec<inbound_events::Model>> {
    let due = inbound_events::Entity::find()
        .filter(C::ProcessedAt.is_null())
        .filter(C::ReceivedAt.lte(logged_by))
        .filter(free(now))
        .filter(Expr::exists(earlier_in_channel(now)).not())
        .order_by_asc(C::Id)
        .limit(limit)
        .lock_with_behavior(LockType::Update, LockBehavior::SkipLocked)
        .all(conn)
        .await?;
    take_leases(conn, due, until).await
}

/// Leases the named deliveries that are due, as [`lease`] does.
pub(crate) async fn lease_named(
    conn: &impl ConnectionTrait,
    ids: &[uuid::Uuid],
    now: DateTime<Utc>,
    until: DateTime<Utc>,
) -> Result<Vec<inbound_events::Model>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let due = inbound_events::Entity::find()
        .filter(C::Id.is_in(ids.iter().copied()))
        .filter(C::ProcessedAt.is_null())
        .filter(free(now))
        .filter(Expr::exists(earlier_in_channel(now)).not())
        .order_by_asc(C::Id)
        .lock_with_behavior(LockType::Update, LockBehavior::SkipLocked)
        .all(conn)
        .await?;
    take_leases(conn, due, until).await
}

/// Neither held nor leased as of `now`.
fn free(now: DateTime<Utc>) -> Condition {
    Condition::any()
        .add(C::LeasedUntil.is_null())
        .add(C::LeasedUntil.lt(now))
}

/// An earlier delivery of the same channel, still to be processed and leased (or held) by
/// another worker as of `now`: the row waits until that one is applied. (`leased_until IS
/// NOT NULL` spelled out lets both databases use the partial index of rows in flight.)
fn earlier_in_channel(now: DateTime<Utc>) -> SelectStatement {
    let earlier = Alias::new("earlier");
    let this = inbound_events::Entity;
    Query::select()
        .expr(Expr::val(1))
        .from_as(this, earlier.clone())
        .and_where(Expr::col((earlier.clone(), C::ChannelId)).equals((this, C::ChannelId)))
        .and_where(Expr::col((earlier.clone(), C::ProcessedAt)).is_null())
        .and_where(Expr::col((earlier.clone(), C::LeasedUntil)).is_not_null())
        .and_where(Expr::col((earlier.clone(), C::Id)).lt(Expr::col((this, C::Id))))
        .and_where(Expr::col((earlier, C::LeasedUntil)).gt(now))
        .to_owned()
}

async fn take_leases(
    conn: &impl ConnectionTrait,
    due: Vec<inbound_events::Model>,
    until: DateTime<Utc>,
) -> Result<Vec<inbound_events::Model>> {
    let ids: Vec<uuid::Uuid> = due.iter().map(|row| row.id).collect();
    if !ids.is_empty() {
        inbound_events::Entity::update_many()
            .col_expr(C::LeasedUntil, Expr::value(until))
            .col_expr(C::Attempts, Expr::col(C::Attempts).add(1))
            .filter(C::Id.is_in(ids))
            .exec(conn)
            .await?;
    }
    Ok(due)
}

/// Which of these deliveries are still to be processed.
pub(crate) async fn unprocessed(
    conn: &impl ConnectionTrait,
    ids: &[uuid::Uuid],
) -> Result<std::collections::HashSet<uuid::Uuid>> {
    if ids.is_empty() {
        return Ok(Default::default());
    }
    let rows: Vec<uuid::Uuid> = inbound_events::Entity::find()
        .select_only()
        .column(C::Id)
        .filter(C::Id.is_in(ids.iter().copied()))
        .filter(C::ProcessedAt.is_null())
        .into_tuple()
        .all(conn)
        .await?;
    Ok(rows.into_iter().collect())
}

/// How processing a delivery ended.
pub(crate) struct Finished {
    pub at: DateTime<Utc>,
    /// What could not be applied, if anything.
    pub problems: Option<String>,
    /// The messages it stored or found stored (ids only).
    pub outcome: serde_json::Value,
}

/// Records that a delivery was processed. A delivery applied in full no longer keeps its
/// body: the customers' words are in their messages now, where erasure finds them; one with
/// problems keeps it, to be retried.
pub(crate) async fn mark_processed(
    conn: &impl ConnectionTrait,
    id: uuid::Uuid,
    finished: Finished,
) -> Result<()> {
    let mut update = inbound_events::Entity::update_many()
        .col_expr(C::ProcessedAt, Expr::value(finished.at))
        .col_expr(C::LeasedUntil, Expr::value(Option::<DateTime<Utc>>::None))
        .col_expr(C::Outcome, Expr::value(finished.outcome));
    if finished.problems.is_none() {
        update = update.col_expr(C::Body, Expr::value(""));
    }
    update
        .col_expr(C::LastError, Expr::value(finished.problems))
        .filter(C::Id.eq(id))
        .exec(conn)
        .await?;
    Ok(())
}

/// [`mark_processed`] for the deliveries of a batch, in one statement per hundred.
pub(crate) async fn mark_processed_many(
    conn: &impl ConnectionTrait,
    finished: Vec<(uuid::Uuid, Finished)>,
) -> Result<()> {
    use sea_orm::sea_query::CaseStatement;
    for chunk in finished.chunks(100) {
        let (mut at, mut outcome, mut error, mut body) = (
            CaseStatement::new(),
            CaseStatement::new(),
            CaseStatement::new(),
            CaseStatement::new(),
        );
        for (id, done) in chunk {
            at = at.case(C::Id.eq(*id), Expr::value(done.at));
            outcome = outcome.case(C::Id.eq(*id), Expr::value(done.outcome.clone()));
            error = error.case(C::Id.eq(*id), Expr::value(done.problems.clone()));
            if done.problems.is_none() {
                body = body.case(C::Id.eq(*id), Expr::value(""));
            }
        }
        let ids: Vec<uuid::Uuid> = chunk.iter().map(|(id, _)| *id).collect();
        let mut update = inbound_events::Entity::update_many()
            .col_expr(C::ProcessedAt, at.finally(Expr::col(C::ProcessedAt)).into())
            .col_expr(C::LeasedUntil, Expr::value(Option::<DateTime<Utc>>::None))
            .col_expr(C::Outcome, outcome.finally(Expr::col(C::Outcome)).into())
            .col_expr(C::LastError, error.finally(Expr::col(C::LastError)).into());
        // A CASE needs at least one branch: bodies are dropped only when some delivery is done.
        if chunk.iter().any(|(_, done)| done.problems.is_none()) {
            update = update.col_expr(C::Body, body.finally(Expr::col(C::Body)).into());
        }
        update.filter(C::Id.is_in(ids)).exec(conn).await?;
    }
    Ok(())
}

/// A page of a workspace's logged deliveries, newest first.
pub(crate) async fn list(
    conn: &impl ConnectionTrait,
    scope: &crate::tenancy::WorkspaceScope,
    filter: &InboundFilter,
    page: crate::pagination::PageRequest,
) -> Result<Vec<inbound_events::Model>> {
    let mut select = super::scoped::scoped::<inbound_events::Entity>(scope);
    if let Some(channel) = filter.channel {
        select = select.filter(C::ChannelId.eq(channel));
    }
    select = match filter.status {
        Some(InboundStatus::Pending) => select.filter(C::ProcessedAt.is_null()),
        Some(InboundStatus::Processed) => select
            .filter(C::ProcessedAt.is_not_null())
            .filter(C::LastError.is_null()),
        Some(InboundStatus::Failed) => select.filter(C::LastError.is_not_null()),
        None => select,
    };
    Ok(
        super::paged(select, C::Id, page, super::Direction::NewestFirst)
            .all(conn)
            .await?,
    )
}

/// Which deliveries a list shows.
#[derive(Debug, Clone, Default)]
pub(crate) struct InboundFilter {
    pub channel: Option<uuid::Uuid>,
    pub status: Option<InboundStatus>,
}

/// One logged delivery of the scope's workspace.
pub(crate) async fn get(
    conn: &impl ConnectionTrait,
    scope: &crate::tenancy::WorkspaceScope,
    id: uuid::Uuid,
) -> Result<inbound_events::Model> {
    super::scoped::scoped::<inbound_events::Entity>(scope)
        .filter(C::Id.eq(id))
        .one(conn)
        .await?
        .ok_or(crate::Error::NotFound)
}

/// Puts a delivery that had problems back in line; `false` when it had none.
pub(crate) async fn requeue_failed(
    conn: &impl ConnectionTrait,
    scope: &crate::tenancy::WorkspaceScope,
    id: uuid::Uuid,
) -> Result<bool> {
    let done = inbound_events::Entity::update_many()
        .col_expr(C::ProcessedAt, Expr::value(Option::<DateTime<Utc>>::None))
        .col_expr(C::LastError, Expr::value(Option::<String>::None))
        .col_expr(C::Attempts, Expr::value(0))
        .filter(C::WorkspaceId.eq(scope.workspace_id().as_uuid()))
        .filter(C::Id.eq(id))
        .filter(C::LastError.is_not_null())
        .exec(conn)
        .await?;
    Ok(done.rows_affected == 1)
}
