//! The care model's plain objects: channels, contacts and their identities, messages,
//! notifications. Each wraps the core read model REST serves, field for field.

use async_graphql::{ID, Json, SimpleObject};
use chrono::{DateTime, Utc};
use earshot_core::views::{
    Attachment as AttachmentView, ChannelView, ContactSummary as ContactSummaryView, ContactView,
    IdentityView, MessageView, NotificationView,
};

use super::care_enums::{
    GqlChannelHealth, GqlChannelKind, GqlDeliveryStatus, GqlDirection, GqlVisibility,
};
use super::id;

/// A channel's health.
#[derive(SimpleObject)]
pub struct ChannelHealth {
    /// State.
    pub state: GqlChannelHealth,
    /// The last error the platform gave.
    pub last_error: Option<String>,
    /// When the state last changed.
    pub changed_at: Option<DateTime<Utc>>,
}

/// What a connect check found.
#[derive(SimpleObject)]
pub struct ChannelCheckResult {
    /// The platform accepted the credentials, for the channel's account.
    pub ok: bool,
    /// The platform's id of the account the credentials belong to.
    pub account_id: Option<String>,
    /// Its handle or name.
    pub account_name: Option<String>,
    /// Why not, as the platform said.
    pub error: Option<String>,
    /// The channel as the check left it.
    pub channel: Channel,
}

impl From<earshot_core::service::channel_check::ChannelCheck> for ChannelCheckResult {
    fn from(v: earshot_core::service::channel_check::ChannelCheck) -> Self {
        let (account_id, account_name) = match v.account {
            Some(account) => (Some(account.id), account.name),
            None => (None, None),
        };
        Self {
            ok: v.ok,
            account_id,
            account_name,
            error: v.error,
            channel: v.channel.into(),
        }
    }
}

/// A channel (credentials are never shown).
#[derive(SimpleObject)]
pub struct Channel {
    /// Id.
    pub id: ID,
    /// Platform.
    pub kind: GqlChannelKind,
    /// Name.
    pub name: String,
    /// Non-secret settings: the fields of the channel's kind.
    pub settings: Json<serde_json::Value>,
    /// Whether every credential the kind requires is stored.
    pub has_credentials: bool,
    /// The names of the credentials stored (never their values).
    pub credentials_set: Vec<String>,
    /// Health.
    pub health: ChannelHealth,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

impl From<ChannelView> for Channel {
    fn from(v: ChannelView) -> Self {
        Self {
            id: id(v.id),
            kind: v.kind.into(),
            name: v.name,
            settings: Json(v.settings),
            has_credentials: v.has_credentials,
            credentials_set: v.credentials_set,
            health: ChannelHealth {
                state: v.health.state.into(),
                last_error: v.health.last_error,
                changed_at: v.health.changed_at,
            },
            created_at: v.created_at,
            updated_at: v.updated_at,
        }
    }
}

/// One platform identity of a contact.
#[derive(SimpleObject)]
pub struct Identity {
    /// Id.
    pub id: ID,
    /// Platform.
    pub channel_kind: GqlChannelKind,
    /// The platform's user id.
    pub platform_user_id: String,
    /// Handle.
    pub handle: Option<String>,
    /// Display name.
    pub display_name: Option<String>,
    /// Avatar URL.
    pub avatar_url: Option<String>,
    /// Followers.
    pub follower_count: Option<i64>,
    /// Verified account.
    pub verified: bool,
}

impl From<IdentityView> for Identity {
    fn from(v: IdentityView) -> Self {
        Self {
            id: id(v.id),
            channel_kind: v.channel_kind.into(),
            platform_user_id: v.platform_user_id,
            handle: v.handle,
            display_name: v.display_name,
            avatar_url: v.avatar_url,
            follower_count: v.follower_count,
            verified: v.verified,
        }
    }
}

/// A customer.
#[derive(SimpleObject)]
pub struct Contact {
    /// Id.
    pub id: ID,
    /// Name shown to agents.
    pub display_name: Option<String>,
    /// Custom attributes.
    pub attributes: Json<serde_json::Value>,
    /// Platform identities.
    pub identities: Vec<Identity>,
    /// Erased under GDPR.
    pub erased: bool,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

impl From<ContactView> for Contact {
    fn from(v: ContactView) -> Self {
        Self {
            id: id(v.id),
            display_name: v.display_name,
            attributes: Json(v.attributes),
            identities: v.identities.into_iter().map(Into::into).collect(),
            erased: v.erased,
            created_at: v.created_at,
            updated_at: v.updated_at,
        }
    }
}

/// The contact as a conversation shows it (REST's `contact` of a conversation).
#[derive(SimpleObject)]
pub struct ContactSummary {
    /// Id.
    pub id: ID,
    /// Name.
    pub display_name: Option<String>,
    /// Handle on the conversation's platform.
    pub handle: Option<String>,
    /// Avatar.
    pub avatar_url: Option<String>,
    /// Followers on the conversation's platform.
    pub follower_count: Option<i64>,
    /// Verified on the conversation's platform.
    pub verified: bool,
}

impl From<ContactSummaryView> for ContactSummary {
    fn from(v: ContactSummaryView) -> Self {
        Self {
            id: id(v.id),
            display_name: v.display_name,
            handle: v.handle,
            avatar_url: v.avatar_url,
            follower_count: v.follower_count,
            verified: v.verified,
        }
    }
}

/// Who wrote a message.
#[derive(SimpleObject)]
pub struct MessageAuthor {
    /// `contact`, `user`, `api_key` or `system`.
    pub kind: String,
    /// The agent.
    pub user_id: Option<ID>,
    /// The API key.
    pub api_key_id: Option<ID>,
    /// The customer.
    pub contact_id: Option<ID>,
}

/// A file or media attached to a message.
#[derive(SimpleObject)]
pub struct Attachment {
    /// `image`, `video`, `audio`, `file`, `sticker`, …
    #[graphql(name = "type")]
    pub kind: String,
    /// Where to fetch it.
    pub url: String,
    /// File name.
    pub name: Option<String>,
    /// MIME type.
    pub mime_type: Option<String>,
}

impl From<AttachmentView> for Attachment {
    fn from(v: AttachmentView) -> Self {
        Self {
            kind: v.kind,
            url: v.url,
            name: v.name,
            mime_type: v.mime_type,
        }
    }
}

/// A message, reply or internal note.
#[derive(SimpleObject)]
pub struct Message {
    /// Id.
    pub id: ID,
    /// Conversation.
    pub conversation_id: ID,
    /// Direction.
    pub direction: GqlDirection,
    /// For replies: public or private.
    pub visibility: Option<GqlVisibility>,
    /// Who wrote it.
    pub author: MessageAuthor,
    /// Text (empty after erasure).
    pub text: String,
    /// The platform's id of the message.
    pub platform_message_id: Option<String>,
    /// The platform message it replies to.
    pub reply_to_platform_id: Option<String>,
    /// Attachments.
    pub attachments: Vec<Attachment>,
    /// Colleagues mentioned in a note.
    pub mentions: Vec<ID>,
    /// Outbound delivery state.
    pub delivery_status: Option<GqlDeliveryStatus>,
    /// The platform's error when delivery failed.
    pub delivery_error: Option<String>,
    /// Sentiment of an inbound message.
    pub sentiment: Option<f64>,
    /// When it was written.
    pub sent_at: DateTime<Utc>,
    /// When Earshot stored it.
    pub created_at: DateTime<Utc>,
    /// When the customer last edited it on the platform.
    pub edited_at: Option<DateTime<Utc>>,
    /// When the customer deleted it on the platform (its text and attachments are gone).
    pub deleted_at: Option<DateTime<Utc>>,
}

impl From<MessageView> for Message {
    fn from(v: MessageView) -> Self {
        Self {
            id: id(v.id),
            conversation_id: id(v.conversation_id),
            direction: v.direction.into(),
            visibility: v.visibility.map(Into::into),
            author: MessageAuthor {
                kind: v.author.kind,
                user_id: v.author.user_id.map(id),
                api_key_id: v.author.api_key_id.map(id),
                contact_id: v.author.contact_id.map(id),
            },
            text: v.text,
            platform_message_id: v.platform_message_id,
            reply_to_platform_id: v.reply_to_platform_id,
            attachments: v.attachments.into_iter().map(Into::into).collect(),
            mentions: v.mentions.into_iter().map(id).collect(),
            delivery_status: v.delivery_status.map(Into::into),
            delivery_error: v.delivery_error,
            sentiment: v.sentiment,
            sent_at: v.sent_at,
            created_at: v.created_at,
            edited_at: v.edited_at,
            deleted_at: v.deleted_at,
        }
    }
}

/// A notification for the caller, such as an @mention in a note.
#[derive(SimpleObject)]
pub struct Notification {
    /// Id.
    pub id: ID,
    /// `mention`.
    pub kind: String,
    /// Conversation.
    pub conversation_id: ID,
    /// The note.
    pub message_id: Option<ID>,
    /// When.
    pub created_at: DateTime<Utc>,
    /// When it was read.
    pub read_at: Option<DateTime<Utc>>,
}

impl From<NotificationView> for Notification {
    fn from(v: NotificationView) -> Self {
        Self {
            id: id(v.id),
            kind: v.kind,
            conversation_id: id(v.conversation_id),
            message_id: v.message_id.map(id),
            created_at: v.created_at,
            read_at: v.read_at,
        }
    }
}
