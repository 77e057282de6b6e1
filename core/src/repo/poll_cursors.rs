//! Where polling each channel stands. A worker leases a cursor while it polls; the cursor
//! moves only once every page it fetched is stored.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, LockBehavior, LockType, OnConflict};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};

use crate::Result;
use crate::entity::poll_cursors;
use crate::entity::poll_cursors::Column as C;

/// Starts polling a channel's source (due at once) unless it is polled already.
pub(crate) async fn ensure(
    conn: &impl ConnectionTrait,
    workspace_id: uuid::Uuid,
    channel_id: uuid::Uuid,
    source: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    let row = poll_cursors::ActiveModel {
        id: Set(uuid::Uuid::now_v7()),
        workspace_id: Set(workspace_id),
        channel_id: Set(channel_id),
        source: Set(source.to_owned()),
        since_id: Set(None),
        due_at: Set(now),
        leased_until: Set(None),
        polled_at: Set(None),
        last_error: Set(None),
    };
    poll_cursors::Entity::insert(row)
        .on_conflict(
            OnConflict::columns([C::ChannelId, C::Source])
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(conn)
        .await?;
    Ok(())
}

/// Leases up to `limit` cursors due as of `now`, until `until`.
pub(crate) async fn lease(
    conn: &impl ConnectionTrait,
    now: DateTime<Utc>,
    until: DateTime<Utc>,
    limit: u64,
) -> Result<Vec<poll_cursors::Model>> {
    let due = poll_cursors::Entity::find()
        .filter(C::DueAt.lte(now))
        .filter(
            Condition::any()
                .add(C::LeasedUntil.is_null())
                .add(C::LeasedUntil.lt(now)),
        )
        .order_by_asc(C::DueAt)
        .limit(limit)
        .lock_with_behavior(LockType::Update, LockBehavior::SkipLocked)
        .all(conn)
        .await?;
    let ids: Vec<uuid::Uuid> = due.iter().map(|row| row.id).collect();
    if !ids.is_empty() {
        poll_cursors::Entity::update_many()
            .col_expr(C::LeasedUntil, Expr::value(until))
            .filter(C::Id.is_in(ids))
            .exec(conn)
            .await?;
    }
    Ok(due)
}

/// How a poll ended.
pub(crate) struct Polled {
    /// The new cursor, when the poll stored posts.
    pub since_id: Option<String>,
    pub next_due: DateTime<Utc>,
    pub error: Option<String>,
    pub at: DateTime<Utc>,
}

/// Records a poll and releases the cursor.
pub(crate) async fn finish(
    conn: &impl ConnectionTrait,
    id: uuid::Uuid,
    polled: Polled,
) -> Result<()> {
    let mut update = poll_cursors::Entity::update_many()
        .col_expr(C::DueAt, Expr::value(polled.next_due))
        .col_expr(C::LeasedUntil, Expr::value(Option::<DateTime<Utc>>::None))
        .col_expr(C::PolledAt, Expr::value(polled.at))
        .col_expr(C::LastError, Expr::value(polled.error));
    if let Some(since_id) = polled.since_id {
        update = update.col_expr(C::SinceId, Expr::value(since_id));
    }
    update.filter(C::Id.eq(id)).exec(conn).await?;
    Ok(())
}

/// Forgets a source's cursor: it starts again from X's reach when next polled.
pub(crate) async fn forget(
    conn: &impl ConnectionTrait,
    workspace_id: uuid::Uuid,
    source: &str,
) -> Result<()> {
    poll_cursors::Entity::delete_many()
        .filter(C::WorkspaceId.eq(workspace_id))
        .filter(C::Source.eq(source))
        .exec(conn)
        .await?;
    Ok(())
}
