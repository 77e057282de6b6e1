//! Messages: the history of a conversation, agents' replies and internal notes.

use chrono::{DateTime, Utc};
use sea_orm::ConnectionTrait;
use serde::Deserialize;

use crate::entity::{conversations, messages};
use crate::events::{self, Event};
use crate::ids::{ContactId, ConversationId, MessageId, UserId};
use crate::pagination::{Page, PageRequest};
use crate::repo;
use crate::repo::messages::{Author, NewMessage as StoredMessage};
use crate::tenancy::{Capability, Principal, WorkspaceScope};
use crate::views::{
    Attachment, DeliveryStatus, Direction, EventView, MessageAuthor, MessageView, Status,
    Visibility,
};
use crate::{Core, Error, FieldError, Result};

use super::conversation_views::view_one;
use super::outbound::Content;
use super::sla_clocks::{self, Trigger};

/// Longest message text.
pub const MAX_TEXT: usize = 20_000;
/// Most attachments on one message.
pub const MAX_ATTACHMENTS: usize = 20;

/// `POST /v1/workspaces/{ws}/conversations/{id}/messages`.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum NewMessage {
    /// A reply to the customer, queued for delivery on the conversation's channel.
    Reply {
        /// Text; may be empty when the reply is one attachment (a photo of the receipt).
        #[schema(max_length = 20000)]
        #[serde(default)]
        text: String,
        /// `public` (in the thread) or `private` (a DM; moves a public complaint to private).
        visibility: Option<Visibility>,
        /// Attachments.
        #[serde(default)]
        attachments: Vec<Attachment>,
    },
    /// An internal note; colleagues in `mentions` are notified.
    Note {
        /// Text.
        #[schema(min_length = 1, max_length = 20000)]
        text: String,
        /// Colleagues to notify.
        #[serde(default)]
        mentions: Vec<UserId>,
    },
}

/// A reply, validated.
pub(crate) struct NewReplyParts {
    pub text: String,
    pub visibility: Visibility,
    pub attachments: Vec<Attachment>,
}

/// The latest message of each of the given conversations the caller may see.
pub async fn latest_of(
    core: &Core,
    scope: &WorkspaceScope,
    conversations: &[ConversationId],
) -> Result<Vec<MessageView>> {
    scope.require(Capability::ReadConversations)?;
    let ids: Vec<uuid::Uuid> = conversations.iter().map(|c| c.as_uuid()).collect();
    repo::messages::latest_of(core.db().conn(), scope, &ids)
        .await?
        .into_iter()
        .map(message_view)
        .collect()
}

/// Checks a message text: not blank, not longer than [`MAX_TEXT`].
pub(crate) fn clean_text(text: &str) -> Result<String> {
    if text.trim().is_empty() {
        return Err(Error::invalid(
            "text",
            "required",
            "the text must not be empty",
        ));
    }
    if text.chars().count() > MAX_TEXT {
        return Err(Error::invalid(
            "text",
            "too_long",
            format!("the text has at most {MAX_TEXT} characters"),
        ));
    }
    Ok(text.to_owned())
}

/// Checks attachments: few, with http(s) URLs.
pub(crate) fn clean_attachments(attachments: Vec<Attachment>) -> Result<Vec<Attachment>> {
    if attachments.len() > MAX_ATTACHMENTS {
        return Err(Error::invalid(
            "attachments",
            "too_many",
            format!("at most {MAX_ATTACHMENTS} attachments"),
        ));
    }
    for (i, a) in attachments.iter().enumerate() {
        let url_ok =
            (a.url.starts_with("https://") || a.url.starts_with("http://")) && a.url.len() <= 2048;
        if !url_ok || a.kind.is_empty() || a.kind.len() > 32 {
            return Err(Error::invalid(
                format!("attachments[{i}]"),
                "invalid_attachment",
                "an attachment needs a type and an http(s) URL",
            ));
        }
    }
    Ok(attachments)
}

pub(crate) fn message_view(model: messages::Model) -> Result<MessageView> {
    Ok(MessageView {
        id: MessageId::from(model.id),
        conversation_id: ConversationId::from(model.conversation_id),
        direction: model.direction.parse()?,
        visibility: model.visibility.as_deref().map(str::parse).transpose()?,
        author: MessageAuthor {
            kind: model.author_kind,
            user_id: model.author_user_id.map(UserId::from),
            api_key_id: model.author_key_id,
            contact_id: model.contact_id.map(ContactId::from),
        },
        text: model.text,
        platform_message_id: model.platform_message_id,
        reply_to_platform_id: model.reply_to_platform_id,
        attachments: serde_json::from_value(model.attachments).unwrap_or_default(),
        mentions: serde_json::from_value(model.mentions).unwrap_or_default(),
        delivery_status: model
            .delivery_status
            .as_deref()
            .map(str::parse)
            .transpose()?,
        delivery_error: model.delivery_error,
        sentiment: model.sentiment,
        sent_at: model.sent_at,
        created_at: model.created_at,
        edited_at: model.edited_at,
        deleted_at: model.deleted_at,
    })
}

/// The history of a conversation the caller may see, oldest first.
pub async fn list(
    core: &Core,
    scope: &WorkspaceScope,
    conversation: ConversationId,
    page: PageRequest,
) -> Result<Page<MessageView>> {
    scope.require(Capability::ReadConversations)?;
    let conn = core.db().conn();
    repo::conversations::get(conn, scope, conversation).await?;
    let rows = repo::messages::list(conn, scope, conversation, page).await?;
    let page = core.cursors().page(rows, page, |m| m.id)?;
    Ok(Page {
        items: page
            .items
            .into_iter()
            .map(message_view)
            .collect::<Result<_>>()?,
        next_cursor: page.next_cursor,
    })
}

fn author_of(scope: &WorkspaceScope) -> Author {
    match scope.actor().principal() {
        Principal::User { user_id, .. } => Author::User(user_id.as_uuid()),
        Principal::ApiKey { key_id, .. } => Author::ApiKey(key_id.as_uuid()),
        Principal::System => Author::System,
    }
}

/// Stores a reply inside a transaction; returns the message and its event.
pub(crate) async fn reply_in(
    conn: &impl ConnectionTrait,
    scope: &WorkspaceScope,
    row: conversations::Model,
    reply: NewReplyParts,
    at: DateTime<Utc>,
) -> Result<(MessageView, EventView)> {
    let content = Content {
        has_text: !reply.text.trim().is_empty(),
        attachments: reply.attachments.len(),
    };
    let plan =
        super::outbound::plan_reply(conn, scope, &row, reply.visibility, content, at).await?;
    let stored = StoredMessage {
        conversation_id: ConversationId::from(row.id),
        channel_id: row.channel_id.into(),
        direction: Direction::Outbound,
        visibility: Some(reply.visibility),
        author: author_of(scope),
        text: reply.text,
        platform_message_id: None,
        reply_to_platform_id: plan.route.reply_to().map(str::to_owned),
        attachments: serde_json::to_value(&reply.attachments)
            .map_err(|e| Error::Internal(e.into()))?,
        mentions: serde_json::json!([]),
        delivery_status: Some(if plan.send {
            DeliveryStatus::Queued
        } else {
            DeliveryStatus::Sent
        }),
        sentiment: None,
        sent_at: at,
    };
    let channel = row.channel_id;
    let (message, event) = store(conn, scope, row, stored, at).await?;
    if plan.send {
        let send = repo::outbound_sends::NewSend {
            id: message.id.as_uuid(),
            workspace_id: scope.workspace_id().as_uuid(),
            channel_id: channel,
            conversation_id: message.conversation_id.as_uuid(),
            created_at: message.created_at,
        };
        repo::outbound_sends::insert(conn, send, at).await?;
    }
    Ok((message, event))
}

/// Stores a message and counts it on its conversation; returns the message and its event.
pub(crate) async fn store(
    conn: &impl ConnectionTrait,
    scope: &WorkspaceScope,
    row: conversations::Model,
    stored: StoredMessage,
    at: DateTime<Utc>,
) -> Result<(MessageView, EventView)> {
    let stored_direction = stored.direction;
    let trigger = match stored_direction {
        Direction::Inbound => Some(Trigger::CustomerMessage),
        Direction::Outbound => Some(Trigger::Reply),
        Direction::Note => None,
    };
    let inserted = repo::messages::insert(conn, scope, stored).await?;
    // A reply's own time, as the message stores it, is the conversation's first reply time
    // if none came earlier.
    let replied_at = (stored_direction == Direction::Outbound).then_some(inserted.created_at);
    let message = message_view(inserted)?;
    let id = ConversationId::from(row.id);
    let saved = repo::conversations::count_message(conn, scope, id, at, replied_at).await?;
    let (saved, news) = match trigger {
        Some(trigger) => sla_clocks::reconcile_one(conn, scope, saved, trigger, at).await?,
        None => (saved, Vec::new()),
    };
    let conversation = view_one(conn, scope, saved).await?;
    let added = Event::message_created(conversation.clone(), message.clone());
    let event = events::record(conn, scope, added, at).await?;
    for clock in news {
        events::record(conn, scope, clock.event(conversation.clone()), at).await?;
    }
    Ok((message, event))
}

async fn check_mentions(
    conn: &impl ConnectionTrait,
    scope: &WorkspaceScope,
    mentions: &[UserId],
) -> Result<Vec<UserId>> {
    let mut unique = mentions.to_vec();
    unique.sort();
    unique.dedup();
    let known = repo::members::existing(conn, scope, &unique).await?;
    let errors: Vec<FieldError> = mentions
        .iter()
        .enumerate()
        .filter(|(_, m)| !known.contains(m))
        .map(|(i, _)| {
            FieldError::new(
                format!("mentions[{i}]"),
                "not_a_member",
                "not a member of this workspace",
            )
        })
        .collect();
    if errors.is_empty() {
        Ok(unique)
    } else {
        Err(Error::Validation(errors))
    }
}

async fn note_in(
    conn: &impl ConnectionTrait,
    scope: &WorkspaceScope,
    row: conversations::Model,
    text: String,
    mentions: Vec<UserId>,
    at: DateTime<Utc>,
) -> Result<(MessageView, EventView)> {
    let stored = StoredMessage {
        conversation_id: ConversationId::from(row.id),
        channel_id: row.channel_id.into(),
        direction: Direction::Note,
        visibility: None,
        author: author_of(scope),
        text,
        platform_message_id: None,
        reply_to_platform_id: None,
        attachments: serde_json::json!([]),
        mentions: serde_json::to_value(&mentions).map_err(|e| Error::Internal(e.into()))?,
        delivery_status: None,
        sentiment: None,
        sent_at: at,
    };
    let conversation = ConversationId::from(row.id);
    let (message, event) = store(conn, scope, row, stored, at).await?;
    for user in mentions
        .iter()
        .filter(|u| Some(**u) != scope.actor().user_id())
    {
        repo::notifications::insert(
            conn,
            scope,
            *user,
            "mention",
            conversation,
            Some(message.id),
        )
        .await?;
    }
    Ok((message, event))
}

/// Replies to the customer or adds a note.
#[tracing::instrument(skip_all, fields(conversation_id = %conversation), err(level = "debug"))]
pub async fn create(
    core: &Core,
    scope: &WorkspaceScope,
    conversation: ConversationId,
    input: NewMessage,
) -> Result<MessageView> {
    scope.require(Capability::Reply)?;
    let txn = core.db().begin().await?;
    let row = repo::conversations::get_for_update(&txn, scope, conversation).await?;
    let now = Utc::now();
    let (message, event) = match input {
        NewMessage::Reply {
            text,
            visibility,
            attachments,
        } => {
            if row.status == Status::Closed.as_str() {
                return Err(Error::conflict(
                    "conversation_closed",
                    "a closed conversation takes no replies; start a new one",
                ));
            }
            let visibility = match visibility {
                Some(v) => v,
                None => row.visibility.parse()?,
            };
            let attachments = clean_attachments(attachments)?;
            let text = match attachments.is_empty() {
                false if text.trim().is_empty() => String::new(),
                _ => clean_text(&text)?,
            };
            let parts = NewReplyParts {
                text,
                visibility,
                attachments,
            };
            reply_in(&txn, scope, row, parts, now).await?
        }
        NewMessage::Note { text, mentions } => {
            let text = clean_text(&text)?;
            let mentions = check_mentions(&txn, scope, &mentions).await?;
            note_in(&txn, scope, row, text, mentions, now).await?
        }
    };
    txn.commit().await?;
    events::committed(core, std::slice::from_ref(&event));
    if message.delivery_status == Some(DeliveryStatus::Queued) {
        core.bus().replies_queued();
    }
    Ok(message)
}

/// A customer's edit or deletion, reflected on the stored message inside the caller's
/// transaction: the event it recorded, if a stored message changed.
pub(crate) async fn apply_platform_change_in(
    conn: &impl ConnectionTrait,
    scope: &WorkspaceScope,
    channel: crate::ids::ChannelId,
    platform_id: &str,
    change: repo::messages::PlatformChange,
) -> Result<Option<EventView>> {
    let Some(changed) =
        repo::messages::apply_platform_change(conn, scope, channel, platform_id, change).await?
    else {
        return Ok(None);
    };
    let conversation_id = ConversationId::from(changed.conversation_id);
    let row = repo::conversations::get_any(conn, scope, conversation_id).await?;
    let conversation = view_one(conn, scope, row).await?;
    let updated = Event::message_updated(conversation, message_view(changed)?);
    Ok(Some(
        events::record(conn, scope, updated, chrono::Utc::now()).await?,
    ))
}
