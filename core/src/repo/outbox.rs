//! Outbox rows: events written in the same transaction as the change they describe.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, LockBehavior, LockType};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};

use crate::Result;
use crate::entity::outbox;
use crate::tenancy::WorkspaceScope;

/// The stored names of the events that quote a message: `message.created` and
/// `message.updated`.
const MESSAGE_EVENTS: [&str; 2] = ["message.created", "message.updated"];

/// One event about to be stored.
pub(crate) struct NewOutboxRow {
    pub id: uuid::Uuid,
    pub event_type: &'static str,
    pub conversation: Option<uuid::Uuid>,
    pub payload: serde_json::Value,
    pub at: DateTime<Utc>,
}

/// Stores a change's events in one statement.
pub(crate) async fn insert(
    conn: &impl ConnectionTrait,
    scope: &WorkspaceScope,
    rows: Vec<NewOutboxRow>,
) -> Result<()> {
    if rows.is_empty() {
        return Ok(());
    }
    let models = rows.into_iter().map(|row| outbox::ActiveModel {
        id: Set(row.id),
        workspace_id: Set(scope.workspace_id().as_uuid()),
        event_type: Set(row.event_type.to_owned()),
        conversation_id: Set(row.conversation),
        payload: Set(row.payload),
        created_at: Set(row.at),
        published_at: Set(None),
    });
    outbox::Entity::insert_many(models).exec(conn).await?;
    Ok(())
}

/// Marks events published.
pub(crate) async fn mark_published(conn: &impl ConnectionTrait, ids: &[uuid::Uuid]) -> Result<()> {
    if ids.is_empty() {
        return Ok(());
    }
    outbox::Entity::update_many()
        .col_expr(outbox::Column::PublishedAt, Expr::value(Utc::now()))
        .filter(outbox::Column::Id.is_in(ids.to_vec()))
        .exec(conn)
        .await?;
    Ok(())
}

/// Events not yet published, oldest first, locked until the
/// transaction ends (every workspace: the fan-out is system work).
pub(crate) async fn claim_unpublished(
    conn: &impl ConnectionTrait,
    limit: u64,
) -> Result<Vec<outbox::Model>> {
    Ok(outbox::Entity::find()
        .filter(outbox::Column::PublishedAt.is_null())
        .order_by_asc(outbox::Column::Id)
        .limit(limit)
        // A lease: workers running side by side take different rows (PostgreSQL; SQLite
        // has one writer at a time anyway).
        .lock_with_behavior(LockType::Update, LockBehavior::SkipLocked)
        .all(conn)
        .await?)
}

/// Deletes the events of the given conversations (erasure: payloads hold message text).
pub(crate) async fn delete_for_conversations(
    conn: &impl ConnectionTrait,
    scope: &WorkspaceScope,
    conversations: &[uuid::Uuid],
) -> Result<()> {
    outbox::Entity::delete_many()
        .filter(outbox::Column::WorkspaceId.eq(scope.workspace_id().as_uuid()))
        .filter(outbox::Column::ConversationId.is_in(conversations.to_vec()))
        .exec(conn)
        .await?;
    Ok(())
}

/// Erasure: deletes the events quoting a message (`message.created`, `message.updated`), in
/// the given conversations, of messages the contact wrote. Returns how many.
pub(crate) async fn delete_messages_by_contact(
    conn: &impl ConnectionTrait,
    scope: &WorkspaceScope,
    conversations: &[uuid::Uuid],
    contact: uuid::Uuid,
) -> Result<u64> {
    let rows = outbox::Entity::find()
        .filter(outbox::Column::WorkspaceId.eq(scope.workspace_id().as_uuid()))
        .filter(outbox::Column::ConversationId.is_in(conversations.to_vec()))
        .filter(outbox::Column::EventType.is_in(MESSAGE_EVENTS))
        .all(conn)
        .await?;
    let contact = contact.to_string();
    let written: Vec<uuid::Uuid> = rows
        .into_iter()
        .filter(|row| row.payload["data"]["message"]["author"]["contact_id"] == contact.as_str())
        .map(|row| row.id)
        .collect();
    if written.is_empty() {
        return Ok(0);
    }
    let deleted = outbox::Entity::delete_many()
        .filter(outbox::Column::WorkspaceId.eq(scope.workspace_id().as_uuid()))
        .filter(outbox::Column::Id.is_in(written))
        .exec(conn)
        .await?;
    Ok(deleted.rows_affected)
}
