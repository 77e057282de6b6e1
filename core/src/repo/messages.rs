//! Messages, replies and notes.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Order, Query};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};

use crate::Result;
use crate::entity::{conversations, messages};
use crate::error::OnConflict;
use crate::ids::{ChannelId, ContactId, ConversationId, MessageId};
use crate::pagination::PageRequest;
use crate::tenancy::WorkspaceScope;
use crate::views::{DeliveryStatus, Direction as MessageDirection, Visibility};

use super::scoped::scoped;
use super::{Direction, paged};

/// Who wrote a message, as stored.
#[derive(Debug, Clone)]
pub(crate) enum Author {
    Contact(ContactId),
    User(uuid::Uuid),
    ApiKey(uuid::Uuid),
    /// Earshot itself (automations).
    System,
}

/// A message about to be stored.
pub(crate) struct NewMessage {
    pub conversation_id: ConversationId,
    pub channel_id: ChannelId,
    pub direction: MessageDirection,
    pub visibility: Option<Visibility>,
    pub author: Author,
    pub text: String,
    pub platform_message_id: Option<String>,
    pub reply_to_platform_id: Option<String>,
    pub attachments: serde_json::Value,
    pub mentions: serde_json::Value,
    pub delivery_status: Option<DeliveryStatus>,
    pub sentiment: Option<f64>,
    pub sent_at: DateTime<Utc>,
}

pub(crate) async fn insert(
    conn: &impl ConnectionTrait,
    scope: &WorkspaceScope,
    new: NewMessage,
) -> Result<messages::Model> {
    let row = new_row(scope, new, Utc::now());
    messages::ActiveModel::from(row)
        .reset_all()
        .insert(conn)
        .await
        .on_unique(
            "duplicate_message",
            "a message with this platform id is already stored",
        )
}

/// Stores many messages in one statement (the worker's batches).
pub(crate) async fn insert_many(
    conn: &impl ConnectionTrait,
    rows: Vec<messages::Model>,
) -> Result<()> {
    super::insert_rows::<messages::Entity, _>(conn, rows).await
}

/// The row a new message becomes.
pub(crate) fn new_row(
    scope: &WorkspaceScope,
    new: NewMessage,
    created_at: DateTime<Utc>,
) -> messages::Model {
    let (author_kind, user, key, contact) = match new.author {
        Author::Contact(c) => ("contact", None, None, Some(c.as_uuid())),
        Author::User(u) => ("user", Some(u), None, None),
        Author::ApiKey(k) => ("api_key", None, Some(k), None),
        Author::System => ("system", None, None, None),
    };
    messages::Model {
        id: MessageId::new().as_uuid(),
        workspace_id: scope.workspace_id().as_uuid(),
        conversation_id: new.conversation_id.as_uuid(),
        channel_id: new.channel_id.as_uuid(),
        direction: new.direction.as_str().to_owned(),
        visibility: new.visibility.map(|v| v.as_str().to_owned()),
        author_kind: author_kind.to_owned(),
        author_user_id: user,
        author_key_id: key,
        contact_id: contact,
        text: new.text,
        platform_message_id: new.platform_message_id,
        reply_to_platform_id: new.reply_to_platform_id,
        attachments: new.attachments,
        mentions: new.mentions,
        delivery_status: new.delivery_status.map(|d| d.as_str().to_owned()),
        delivery_error: None,
        sentiment: new.sentiment,
        sent_at: new.sent_at,
        created_at,
        edited_at: None,
        deleted_at: None,
    }
}

/// The message with this platform id on the channel, if stored.
pub(crate) async fn by_platform_id(
    conn: &impl ConnectionTrait,
    scope: &WorkspaceScope,
    channel: ChannelId,
    platform_id: &str,
) -> Result<Option<messages::Model>> {
    Ok(scoped::<messages::Entity>(scope)
        .filter(messages::Column::ChannelId.eq(channel.as_uuid()))
        .filter(messages::Column::PlatformMessageId.eq(platform_id))
        .one(conn)
        .await?)
}

/// What a customer did to a message on the platform.
#[derive(Debug, Clone)]
pub(crate) enum PlatformChange {
    /// New text.
    Edited { text: String, at: DateTime<Utc> },
    /// Gone: its text and attachments are removed.
    Deleted { at: DateTime<Utc> },
}

/// Applies a customer's edit or deletion to a stored customer message, locking it; returns
/// the message as it now stands, or `None` when no such customer message is stored.
pub(crate) async fn apply_platform_change(
    conn: &impl ConnectionTrait,
    scope: &WorkspaceScope,
    channel: ChannelId,
    platform_id: &str,
    change: PlatformChange,
) -> Result<Option<messages::Model>> {
    let Some(stored) = scoped::<messages::Entity>(scope)
        .filter(messages::Column::ChannelId.eq(channel.as_uuid()))
        .filter(messages::Column::PlatformMessageId.eq(platform_id))
        .filter(messages::Column::Direction.eq(MessageDirection::Inbound.as_str()))
        .lock(sea_orm::sea_query::LockType::Update)
        .one(conn)
        .await?
    else {
        return Ok(None);
    };
    let mut active: messages::ActiveModel = stored.into();
    match change {
        PlatformChange::Edited { text, at } => {
            active.text = Set(text);
            active.edited_at = Set(Some(at));
        }
        PlatformChange::Deleted { at } => {
            active.text = Set(String::new());
            active.attachments = Set(serde_json::json!([]));
            active.deleted_at = Set(Some(at));
        }
    }
    Ok(Some(active.update(conn).await?))
}

/// Messages of a conversation, oldest first.
pub(crate) async fn list(
    conn: &impl ConnectionTrait,
    scope: &WorkspaceScope,
    conversation: ConversationId,
    page: PageRequest,
) -> Result<Vec<messages::Model>> {
    let select = scoped::<messages::Entity>(scope)
        .filter(messages::Column::ConversationId.eq(conversation.as_uuid()));
    Ok(
        paged(select, messages::Column::Id, page, Direction::OldestFirst)
            .all(conn)
            .await?,
    )
}

/// The latest inbound sentiments of a conversation, newest first.
pub(crate) async fn recent_sentiments(
    conn: &impl ConnectionTrait,
    scope: &WorkspaceScope,
    conversation: ConversationId,
    count: u64,
) -> Result<Vec<f64>> {
    use sea_orm::QuerySelect;
    Ok(scoped::<messages::Entity>(scope)
        .filter(messages::Column::ConversationId.eq(conversation.as_uuid()))
        .filter(messages::Column::Direction.eq(MessageDirection::Inbound.as_str()))
        .filter(messages::Column::Sentiment.is_not_null())
        .order_by_desc(messages::Column::Id)
        .limit(count)
        .all(conn)
        .await?
        .into_iter()
        .filter_map(|m| m.sentiment)
        .collect())
}

/// Every message of the given conversations (export).
pub(crate) async fn of_conversations(
    conn: &impl ConnectionTrait,
    scope: &WorkspaceScope,
    conversations: &[uuid::Uuid],
) -> Result<Vec<messages::Model>> {
    Ok(scoped::<messages::Entity>(scope)
        .filter(messages::Column::ConversationId.is_in(conversations.to_vec()))
        .order_by_asc(messages::Column::Id)
        .all(conn)
        .await?)
}

/// The latest message of each of the given conversations, in one statement however many
/// conversations: for each, a seek on the `(workspace_id, conversation_id, id)` index picks
/// its newest message id (ids are time-ordered).
pub(crate) async fn latest_of(
    conn: &impl ConnectionTrait,
    scope: &WorkspaceScope,
    conversations: &[uuid::Uuid],
) -> Result<Vec<messages::Model>> {
    if conversations.is_empty() {
        return Ok(Vec::new());
    }
    let workspace = scope.workspace_id().as_uuid();
    let newest = Alias::new("newest");
    let newest_id = Query::select()
        .column((newest.clone(), messages::Column::Id))
        .from_as(messages::Entity, newest.clone())
        .and_where(Expr::col((newest.clone(), messages::Column::WorkspaceId)).eq(workspace))
        .and_where(
            Expr::col((newest.clone(), messages::Column::ConversationId))
                .equals((conversations::Entity, conversations::Column::Id)),
        )
        .order_by((newest, messages::Column::Id), Order::Desc)
        .limit(1)
        .to_owned();
    let one_per_conversation = Query::select()
        .expr(Expr::SubQuery(None, Box::new(newest_id.into())))
        .from(conversations::Entity)
        .and_where(
            Expr::col((conversations::Entity, conversations::Column::WorkspaceId)).eq(workspace),
        )
        .and_where(
            Expr::col((conversations::Entity, conversations::Column::Id))
                .is_in(conversations.to_vec()),
        )
        .to_owned();
    Ok(scoped::<messages::Entity>(scope)
        .filter(messages::Column::Id.in_subquery(one_per_conversation))
        .all(conn)
        .await?)
}

/// The conversations a contact wrote in, its own and others' (public threads), in id order.
pub(crate) async fn conversations_written_by(
    conn: &impl ConnectionTrait,
    scope: &WorkspaceScope,
    contact: ContactId,
) -> Result<Vec<uuid::Uuid>> {
    use sea_orm::QuerySelect;
    Ok(scoped::<messages::Entity>(scope)
        .select_only()
        .column(messages::Column::ConversationId)
        .distinct()
        .filter(messages::Column::ContactId.eq(contact.as_uuid()))
        .order_by_asc(messages::Column::ConversationId)
        .into_tuple()
        .all(conn)
        .await?)
}

/// Erasure: replaces the text and drops the attachments of every message the contact wrote,
/// wherever, and of every reply and note in the contact's own conversations (they speak to
/// and of the contact). Other customers' messages in the contact's public threads are theirs
/// and stay.
pub(crate) async fn erase_by_contact(
    conn: &impl ConnectionTrait,
    scope: &WorkspaceScope,
    contact: ContactId,
    conversations: &[uuid::Uuid],
) -> Result<u64> {
    let result = messages::Entity::update_many()
        .col_expr(messages::Column::Text, Expr::value(""))
        .col_expr(
            messages::Column::Attachments,
            Expr::value(serde_json::json!([])),
        )
        .filter(messages::Column::WorkspaceId.eq(scope.workspace_id().as_uuid()))
        .filter(
            sea_orm::Condition::any()
                .add(messages::Column::ContactId.eq(contact.as_uuid()))
                .add(
                    sea_orm::Condition::all()
                        .add(messages::Column::ConversationId.is_in(conversations.to_vec()))
                        .add(messages::Column::ContactId.is_null()),
                ),
        )
        .exec(conn)
        .await?;
    Ok(result.rows_affected)
}

/// Moves the authorship of a contact's messages to another contact (merge).
pub(crate) async fn move_contact(
    conn: &impl ConnectionTrait,
    scope: &WorkspaceScope,
    from: ContactId,
    to: ContactId,
) -> Result<()> {
    messages::Entity::update_many()
        .col_expr(messages::Column::ContactId, Expr::value(to.as_uuid()))
        .filter(messages::Column::WorkspaceId.eq(scope.workspace_id().as_uuid()))
        .filter(messages::Column::ContactId.eq(from.as_uuid()))
        .exec(conn)
        .await?;
    Ok(())
}

/// The customer's latest message in a conversation.
/// The conversation's first customer message.
pub(crate) async fn first_inbound(
    conn: &impl ConnectionTrait,
    scope: &WorkspaceScope,
    conversation: ConversationId,
) -> Result<Option<messages::Model>> {
    Ok(scoped::<messages::Entity>(scope)
        .filter(messages::Column::ConversationId.eq(conversation.as_uuid()))
        .filter(messages::Column::Direction.eq(MessageDirection::Inbound.as_str()))
        .order_by_asc(messages::Column::SentAt)
        .order_by_asc(messages::Column::Id)
        .one(conn)
        .await?)
}

pub(crate) async fn latest_inbound(
    conn: &impl ConnectionTrait,
    scope: &WorkspaceScope,
    conversation: ConversationId,
) -> Result<Option<messages::Model>> {
    Ok(scoped::<messages::Entity>(scope)
        .filter(messages::Column::ConversationId.eq(conversation.as_uuid()))
        .filter(messages::Column::Direction.eq(MessageDirection::Inbound.as_str()))
        .order_by_desc(messages::Column::SentAt)
        .order_by_desc(messages::Column::Id)
        .one(conn)
        .await?)
}

/// Whether a private reply to this platform message was sent or is on its way.
pub(crate) async fn private_reply_exists(
    conn: &impl ConnectionTrait,
    scope: &WorkspaceScope,
    channel: ChannelId,
    reply_to: &str,
) -> Result<bool> {
    Ok(scoped::<messages::Entity>(scope)
        .filter(messages::Column::ChannelId.eq(channel.as_uuid()))
        .filter(messages::Column::Direction.eq(MessageDirection::Outbound.as_str()))
        .filter(messages::Column::Visibility.eq(Visibility::Private.as_str()))
        .filter(messages::Column::ReplyToPlatformId.eq(reply_to))
        .filter(messages::Column::DeliveryStatus.ne(DeliveryStatus::Failed.as_str()))
        .one(conn)
        .await?
        .is_some())
}

/// Where an outbound message stands now.
pub(crate) struct DeliveryUpdate {
    pub status: DeliveryStatus,
    pub platform_message_id: Option<String>,
    pub error: Option<String>,
}

/// Records how far an outbound message got; returns it as it now stands.
pub(crate) async fn set_delivery(
    conn: &impl ConnectionTrait,
    scope: &WorkspaceScope,
    id: MessageId,
    update: DeliveryUpdate,
) -> Result<messages::Model> {
    let stored = scoped::<messages::Entity>(scope)
        .filter(messages::Column::Id.eq(id.as_uuid()))
        .lock(sea_orm::sea_query::LockType::Update)
        .one(conn)
        .await?
        .ok_or(crate::Error::NotFound)?;
    let mut active: messages::ActiveModel = stored.into();
    active.delivery_status = Set(Some(update.status.as_str().to_owned()));
    if update.platform_message_id.is_some() {
        active.platform_message_id = Set(update.platform_message_id);
    }
    active.delivery_error = Set(update.error);
    Ok(active.update(conn).await?)
}

/// Our outbound message with this platform id on the channel, locked.
pub(crate) async fn outbound_by_platform_id(
    conn: &impl ConnectionTrait,
    scope: &WorkspaceScope,
    channel: ChannelId,
    platform_id: &str,
) -> Result<Option<messages::Model>> {
    Ok(scoped::<messages::Entity>(scope)
        .filter(messages::Column::ChannelId.eq(channel.as_uuid()))
        .filter(messages::Column::PlatformMessageId.eq(platform_id))
        .filter(messages::Column::Direction.eq(MessageDirection::Outbound.as_str()))
        .lock(sea_orm::sea_query::LockType::Update)
        .one(conn)
        .await?)
}

/// A message of the scope's workspace by id.
pub(crate) async fn find(
    conn: &impl ConnectionTrait,
    scope: &WorkspaceScope,
    id: MessageId,
) -> Result<Option<messages::Model>> {
    Ok(scoped::<messages::Entity>(scope)
        .filter(messages::Column::Id.eq(id.as_uuid()))
        .one(conn)
        .await?)
}

/// The platform ids of the replies sent to a contact on a channel by `up_to` that the
/// platform has not yet reported read.
pub(crate) async fn unread_replies(
    conn: &impl ConnectionTrait,
    scope: &WorkspaceScope,
    channel: ChannelId,
    contact: ContactId,
    up_to: DateTime<Utc>,
) -> Result<Vec<String>> {
    let theirs = Query::select()
        .column(conversations::Column::Id)
        .from(conversations::Entity)
        .and_where(conversations::Column::WorkspaceId.eq(scope.workspace_id().as_uuid()))
        .and_where(conversations::Column::ChannelId.eq(channel.as_uuid()))
        .and_where(conversations::Column::ContactId.eq(contact.as_uuid()))
        .to_owned();
    let unread = [
        DeliveryStatus::Sent.as_str(),
        DeliveryStatus::Delivered.as_str(),
    ];
    let ids: Vec<Option<String>> = scoped::<messages::Entity>(scope)
        .select_only()
        .column(messages::Column::PlatformMessageId)
        .filter(messages::Column::ChannelId.eq(channel.as_uuid()))
        .filter(messages::Column::ConversationId.in_subquery(theirs))
        .filter(messages::Column::Direction.eq(MessageDirection::Outbound.as_str()))
        .filter(messages::Column::DeliveryStatus.is_in(unread))
        .filter(messages::Column::SentAt.lte(up_to))
        .filter(messages::Column::PlatformMessageId.is_not_null())
        .order_by_asc(messages::Column::Id)
        .into_tuple()
        .all(conn)
        .await?;
    Ok(ids.into_iter().flatten().collect())
}
