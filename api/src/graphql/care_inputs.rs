//! The inputs of the care model's mutations, each turned into the core input type its REST
//! route deserializes, so both doors feed the services the same values.

use async_graphql::{ID, InputObject, Json, MaybeUndefined};
use chrono::{DateTime, Utc};
use earshot_core::service::channels::{ChannelPatch, NewChannel};
use earshot_core::service::contacts::{ContactPatch, NewContact, NewIdentity};
use earshot_core::service::conversations::{ConversationPatch, StartConversation};
use earshot_core::service::ingest::{InboundAuthor, InboundMessage};
use earshot_core::service::messages::NewMessage;
use earshot_core::views::Attachment as AttachmentView;

use super::context::{GqlResult, parse_id};
use super::types::care_enums::{
    GqlChannelHealth, GqlChannelKind, GqlMessageKind, GqlPriority, GqlStatus, GqlVisibility,
};

/// A new channel.
#[derive(InputObject)]
pub struct CreateChannelInput {
    kind: GqlChannelKind,
    name: String,
    /// Secrets: sealed at rest, never returned.
    credentials: Option<Json<serde_json::Value>>,
    /// Non-secret settings, such as `api_base_url`.
    settings: Option<Json<serde_json::Value>>,
}

/// Channel fields to change; absent fields stay, `credentials: null` removes them.
#[derive(InputObject, Default)]
pub struct UpdateChannelInput {
    name: Option<String>,
    #[graphql(default)]
    credentials: MaybeUndefined<Json<serde_json::Value>>,
    settings: Option<Json<serde_json::Value>>,
    /// `ACTIVE` or `DISABLED`.
    health: Option<GqlChannelHealth>,
}

/// An identity given when creating a contact.
#[derive(InputObject)]
pub struct IdentityInput {
    channel_kind: GqlChannelKind,
    platform_user_id: String,
    handle: Option<String>,
    display_name: Option<String>,
}

/// A new contact.
#[derive(InputObject)]
pub struct CreateContactInput {
    display_name: Option<String>,
    attributes: Option<Json<serde_json::Value>>,
    #[graphql(default)]
    identities: Vec<IdentityInput>,
}

/// Contact fields to change; `displayName: null` clears the name.
#[derive(InputObject, Default)]
pub struct UpdateContactInput {
    #[graphql(default)]
    display_name: MaybeUndefined<String>,
    attributes: Option<Json<serde_json::Value>>,
}

/// A conversation started with a contact (proactive outreach).
#[derive(InputObject)]
pub struct StartConversationInput {
    contact_id: ID,
    channel_id: ID,
    /// `PRIVATE` when absent.
    visibility: Option<GqlVisibility>,
    /// The first message, queued for delivery.
    text: String,
    assignee_id: Option<ID>,
    team_id: Option<ID>,
}

/// Changes to a conversation; absent fields stay, `assigneeId: null` unassigns and
/// `teamId: null` removes the team.
#[derive(InputObject, Default)]
pub struct UpdateConversationInput {
    status: Option<GqlStatus>,
    snoozed_until: Option<DateTime<Utc>>,
    priority: Option<GqlPriority>,
    #[graphql(default)]
    assignee_id: MaybeUndefined<ID>,
    #[graphql(default)]
    team_id: MaybeUndefined<ID>,
    #[graphql(default)]
    add_tags: Vec<String>,
    #[graphql(default)]
    remove_tags: Vec<String>,
}

/// An attachment.
#[derive(InputObject)]
pub struct AttachmentInput {
    /// `image`, `video`, `audio`, `file`, …
    #[graphql(name = "type")]
    kind: String,
    url: String,
    name: Option<String>,
    mime_type: Option<String>,
}

/// A reply to the customer or an internal note.
#[derive(InputObject)]
pub struct SendMessageInput {
    kind: GqlMessageKind,
    text: String,
    /// Replies only: `PUBLIC` or `PRIVATE` (the conversation's own when absent).
    visibility: Option<GqlVisibility>,
    /// Replies only.
    #[graphql(default)]
    attachments: Vec<AttachmentInput>,
    /// Notes only: colleagues to notify.
    #[graphql(default)]
    mentions: Vec<ID>,
}

/// The author of a pushed message, as the platform tells it.
#[derive(InputObject)]
pub struct InboundAuthorInput {
    platform_user_id: String,
    handle: Option<String>,
    display_name: Option<String>,
    avatar_url: Option<String>,
    follower_count: Option<u64>,
    /// When absent, what was known stays.
    verified: Option<bool>,
}

/// A customer message a partner pushes into an `api` channel.
#[derive(InputObject)]
pub struct InboundMessageInput {
    /// Idempotency: a second push with the same id changes nothing.
    platform_message_id: String,
    author: InboundAuthorInput,
    #[graphql(default)]
    text: String,
    timestamp: Option<DateTime<Utc>>,
    reply_to: Option<String>,
    thread_id: Option<String>,
    visibility: Option<GqlVisibility>,
    #[graphql(default)]
    attachments: Vec<AttachmentInput>,
}

fn json(value: Option<Json<serde_json::Value>>) -> Option<serde_json::Value> {
    value.map(|j| j.0)
}

fn patch_field<T, U>(
    value: MaybeUndefined<T>,
    f: impl Fn(T) -> GqlResult<U>,
) -> GqlResult<Option<Option<U>>> {
    Ok(match value {
        MaybeUndefined::Undefined => None,
        MaybeUndefined::Null => Some(None),
        MaybeUndefined::Value(v) => Some(Some(f(v)?)),
    })
}

fn attachments(list: Vec<AttachmentInput>) -> Vec<AttachmentView> {
    list.into_iter()
        .map(|a| AttachmentView {
            kind: a.kind,
            url: a.url,
            name: a.name,
            mime_type: a.mime_type,
        })
        .collect()
}

impl UpdateConversationInput {
    pub(crate) fn into_patch(self) -> GqlResult<ConversationPatch> {
        Ok(ConversationPatch {
            status: self.status.map(Into::into),
            snoozed_until: self.snoozed_until,
            priority: self.priority.map(Into::into),
            assignee_id: patch_field(self.assignee_id, |id| parse_id(&id))?,
            team_id: patch_field(self.team_id, |id| parse_id(&id))?,
            add_tags: self.add_tags,
            remove_tags: self.remove_tags,
        })
    }
}

impl InboundMessageInput {
    pub(crate) fn into_message(self) -> InboundMessage {
        InboundMessage {
            platform_message_id: self.platform_message_id,
            author: InboundAuthor {
                platform_user_id: self.author.platform_user_id,
                handle: self.author.handle,
                display_name: self.author.display_name,
                avatar_url: self.author.avatar_url,
                follower_count: self.author.follower_count,
                verified: self.author.verified,
            },
            text: self.text,
            timestamp: self.timestamp,
            reply_to: self.reply_to,
            thread_id: self.thread_id,
            visibility: self.visibility.map(Into::into),
            attachments: attachments(self.attachments),
        }
    }
}

impl CreateChannelInput {
    pub(crate) fn into_new(self) -> NewChannel {
        NewChannel {
            kind: self.kind.into(),
            name: self.name,
            credentials: json(self.credentials),
            settings: json(self.settings),
        }
    }
}

impl UpdateChannelInput {
    pub(crate) fn into_patch(self) -> GqlResult<ChannelPatch> {
        Ok(ChannelPatch {
            name: self.name,
            credentials: patch_field(self.credentials, |j| Ok(j.0))?,
            settings: json(self.settings),
            health: self.health.map(Into::into),
        })
    }
}

impl CreateContactInput {
    pub(crate) fn into_new(self) -> NewContact {
        NewContact {
            display_name: self.display_name,
            attributes: json(self.attributes),
            identities: self
                .identities
                .into_iter()
                .map(|i| NewIdentity {
                    channel_kind: i.channel_kind.into(),
                    platform_user_id: i.platform_user_id,
                    handle: i.handle,
                    display_name: i.display_name,
                })
                .collect(),
        }
    }
}

impl UpdateContactInput {
    pub(crate) fn into_patch(self) -> GqlResult<ContactPatch> {
        Ok(ContactPatch {
            display_name: patch_field(self.display_name, Ok)?,
            attributes: json(self.attributes),
        })
    }
}

impl StartConversationInput {
    pub(crate) fn into_start(self) -> GqlResult<StartConversation> {
        Ok(StartConversation {
            contact_id: parse_id(&self.contact_id)?,
            channel_id: parse_id(&self.channel_id)?,
            visibility: self.visibility.map(Into::into),
            text: self.text,
            assignee_id: self.assignee_id.as_ref().map(parse_id).transpose()?,
            team_id: self.team_id.as_ref().map(parse_id).transpose()?,
        })
    }
}

impl SendMessageInput {
    pub(crate) fn into_message(self) -> GqlResult<NewMessage> {
        Ok(match self.kind {
            GqlMessageKind::Reply => NewMessage::Reply {
                text: self.text,
                visibility: self.visibility.map(Into::into),
                attachments: attachments(self.attachments),
            },
            GqlMessageKind::Note => NewMessage::Note {
                text: self.text,
                mentions: self
                    .mentions
                    .iter()
                    .map(parse_id)
                    .collect::<GqlResult<_>>()?,
            },
        })
    }
}
