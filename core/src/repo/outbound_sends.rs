//! Replies waiting for their platform. Within a conversation they go out in the order they
//! were written: a reply is taken only when no earlier one of its conversation waits.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, LockBehavior, LockType};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};

use crate::Result;
use crate::entity::outbound_sends;
use crate::entity::outbound_sends::Column as C;

/// A reply to queue.
pub(crate) struct NewSend {
    /// The outbound message.
    pub id: uuid::Uuid,
    pub workspace_id: uuid::Uuid,
    pub channel_id: uuid::Uuid,
    pub conversation_id: uuid::Uuid,
    pub created_at: DateTime<Utc>,
}

/// Queues a reply (stored in the same transaction as the message).
pub(crate) async fn insert(
    conn: &impl ConnectionTrait,
    send: NewSend,
    due_at: DateTime<Utc>,
) -> Result<()> {
    outbound_sends::Entity::insert(outbound_sends::ActiveModel {
        id: Set(send.id),
        workspace_id: Set(send.workspace_id),
        channel_id: Set(send.channel_id),
        conversation_id: Set(send.conversation_id),
        attempts: Set(0),
        due_at: Set(due_at),
        leased_until: Set(None),
        last_error: Set(None),
        created_at: Set(send.created_at),
    })
    .exec_without_returning(conn)
    .await?;
    Ok(())
}

/// Leases up to `limit` due replies, each the first waiting in its conversation, until
/// `until`, counting the attempt.
pub(crate) async fn lease(
    conn: &impl ConnectionTrait,
    now: DateTime<Utc>,
    until: DateTime<Utc>,
    limit: u64,
) -> Result<Vec<outbound_sends::Model>> {
    let first_in_conversation = Expr::cust(
        "NOT EXISTS (SELECT 1 FROM outbound_sends AS earlier \
         WHERE earlier.conversation_id = outbound_sends.conversation_id \
         AND earlier.created_at < outbound_sends.created_at)",
    );
    let due = outbound_sends::Entity::find()
        .filter(C::DueAt.lte(now))
        .filter(
            Condition::any()
                .add(C::LeasedUntil.is_null())
                .add(C::LeasedUntil.lt(now)),
        )
        .filter(first_in_conversation)
        .order_by_asc(C::DueAt)
        .limit(limit)
        .lock_with_behavior(LockType::Update, LockBehavior::SkipLocked)
        .all(conn)
        .await?;
    let ids: Vec<uuid::Uuid> = due.iter().map(|row| row.id).collect();
    if !ids.is_empty() {
        outbound_sends::Entity::update_many()
            .col_expr(C::LeasedUntil, Expr::value(until))
            .col_expr(C::Attempts, Expr::col(C::Attempts).add(1))
            .filter(C::Id.is_in(ids))
            .exec(conn)
            .await?;
    }
    Ok(due)
}

/// The reply left the queue: sent, or refused for good.
pub(crate) async fn remove(conn: &impl ConnectionTrait, id: uuid::Uuid) -> Result<()> {
    outbound_sends::Entity::delete_by_id(id).exec(conn).await?;
    Ok(())
}

/// The reply is tried again at `due_at`.
pub(crate) async fn retry_at(
    conn: &impl ConnectionTrait,
    id: uuid::Uuid,
    due_at: DateTime<Utc>,
    error: &str,
) -> Result<()> {
    outbound_sends::Entity::update_many()
        .col_expr(C::DueAt, Expr::value(due_at))
        .col_expr(C::LeasedUntil, Expr::value(Option::<DateTime<Utc>>::None))
        .col_expr(C::LastError, Expr::value(error))
        .filter(C::Id.eq(id))
        .exec(conn)
        .await?;
    Ok(())
}
