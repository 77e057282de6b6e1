//! The care model as clients see it: channels, contacts, conversations, messages.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::ids::{ChannelId, ContactId, ConversationId, MessageId, NotificationId, TeamId, UserId};

macro_rules! wire_enum {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $variant:ident = $wire:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, utoipa::ToSchema)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($(#[$vdoc])* $variant),+ }

        impl $name {
            /// Every value.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The wire and stored name.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $wire),+ }
            }
        }

        impl std::str::FromStr for $name {
            type Err = crate::Error;
            fn from_str(s: &str) -> crate::Result<Self> {
                match s {
                    $($wire => Ok($name::$variant),)+
                    other => Err(crate::Error::invalid(
                        stringify!($name),
                        "unknown_value",
                        format!("unknown {}: {other}", stringify!($name)),
                    )),
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}
pub(crate) use wire_enum;

wire_enum!(
    /// The platform a channel speaks to.
    ChannelKind { X = "x", Facebook = "facebook", Instagram = "instagram", Whatsapp = "whatsapp", Telegram = "telegram", Api = "api" }
);
wire_enum!(
    /// Whether a channel works.
    ChannelHealth { Active = "active", NeedsCredentials = "needs_credentials", NeedsReauth = "needs_reauth", RateLimited = "rate_limited", Disabled = "disabled" }
);
wire_enum!(
    /// Public (a mention, a comment thread) or private (a DM).
    Visibility { Public = "public", Private = "private" }
);
wire_enum!(
    /// Where a conversation stands.
    Status { Open = "open", Pending = "pending", Resolved = "resolved", Closed = "closed", Snoozed = "snoozed" }
);
wire_enum!(
    /// How urgent a conversation is.
    Priority { Low = "low", Normal = "normal", High = "high", Urgent = "urgent" }
);
wire_enum!(
    /// How the customer feels about the brand, following their latest messages.
    Label { Adversary = "adversary", Neutral = "neutral", Advocate = "advocate" }
);
wire_enum!(
    /// Who a message goes to.
    Direction { Inbound = "inbound", Outbound = "outbound", Note = "note" }
);
wire_enum!(
    /// Where an outbound message is on its way to the platform.
    DeliveryStatus { Queued = "queued", Sent = "sent", Delivered = "delivered", Read = "read", Failed = "failed" }
);

impl Priority {
    /// The stored rank: low 0 … urgent 3.
    pub fn rank(self) -> i16 {
        match self {
            Priority::Low => 0,
            Priority::Normal => 1,
            Priority::High => 2,
            Priority::Urgent => 3,
        }
    }

    /// The priority of a stored rank (out-of-range ranks clamp).
    pub fn from_rank(rank: i16) -> Self {
        match rank {
            i16::MIN..=0 => Priority::Low,
            1 => Priority::Normal,
            2 => Priority::High,
            _ => Priority::Urgent,
        }
    }
}

/// A channel's health.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ChannelHealthView {
    /// State.
    pub state: ChannelHealth,
    /// The last error the platform gave.
    pub last_error: Option<String>,
    /// When the state last changed.
    pub changed_at: Option<DateTime<Utc>>,
}

/// A channel (credentials are never shown).
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ChannelView {
    /// Id.
    pub id: ChannelId,
    /// Platform.
    pub kind: ChannelKind,
    /// Name.
    pub name: String,
    /// Non-secret settings: the fields of the channel's kind (`XSettings`, …).
    #[schema(schema_with = crate::channels::schema::shown_settings_schema)]
    pub settings: serde_json::Value,
    /// Whether every credential the kind requires is stored.
    pub has_credentials: bool,
    /// The names of the credentials stored (never their values).
    pub credentials_set: Vec<String>,
    /// Health.
    pub health: ChannelHealthView,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

/// One platform identity of a contact.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct IdentityView {
    /// Id.
    pub id: Uuid,
    /// Platform.
    pub channel_kind: ChannelKind,
    /// The platform's user id.
    pub platform_user_id: String,
    /// Handle (`@name`).
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

/// A customer.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ContactView {
    /// Id.
    pub id: ContactId,
    /// Name shown to agents.
    pub display_name: Option<String>,
    /// Custom attributes.
    pub attributes: serde_json::Value,
    /// Platform identities.
    pub identities: Vec<IdentityView>,
    /// Erased under GDPR: personal data removed.
    pub erased: bool,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

/// The contact as a conversation shows it.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ContactSummary {
    /// Id.
    pub id: ContactId,
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

/// A conversation in the inbox.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ConversationView {
    /// Id.
    pub id: ConversationId,
    /// Channel.
    pub channel_id: ChannelId,
    /// The channel's platform.
    pub channel_kind: ChannelKind,
    /// The customer.
    pub contact: ContactSummary,
    /// Public thread or private messages.
    pub visibility: Visibility,
    /// Status.
    pub status: Status,
    /// When a snoozed conversation wakes.
    pub snoozed_until: Option<DateTime<Utc>>,
    /// Priority.
    pub priority: Priority,
    /// Whether the priority was set by the signals (not by a person).
    pub priority_auto: bool,
    /// Assigned agent.
    pub assignee_id: Option<UserId>,
    /// Assigned team.
    pub team_id: Option<TeamId>,
    /// Tags.
    pub tags: Vec<String>,
    /// `adversary`, `neutral` or `advocate`.
    pub label: Label,
    /// Sentiment of the latest customer messages, -1 to 1.
    pub sentiment: Option<f64>,
    /// The customer's reach, 0 to 1.
    pub influence: Option<f64>,
    /// The platform thread (root post) of a public conversation.
    pub thread_key: Option<String>,
    /// Messages and notes.
    pub message_count: i32,
    /// Last message or change.
    pub last_activity_at: DateTime<Utc>,
    /// Last customer message.
    pub last_inbound_at: Option<DateTime<Utc>>,
    /// When it was last resolved.
    pub resolved_at: Option<DateTime<Utc>>,
    /// The earliest deadline of its running SLA clocks.
    pub sla_due_at: Option<DateTime<Utc>>,
    /// Where its running SLA clocks stand when this was read: `none` (no clock running),
    /// `ok`, `at_risk` (past a warning threshold) or `breached` (past a deadline).
    #[serde(default)]
    pub sla_status: SlaStatus,
    /// The customer's latest satisfaction score (1–5) for it, if they answered.
    #[serde(default)]
    pub csat_score: Option<i16>,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

/// Where a conversation's running SLA clocks stand.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SlaStatus {
    /// No clock is running.
    #[default]
    None,
    /// Every running clock is short of its warning threshold.
    Ok,
    /// A running clock is past its warning threshold.
    AtRisk,
    /// A running clock is past its deadline.
    Breached,
}

impl SlaStatus {
    /// Where clocks with this earliest deadline and warning time stand at `now`.
    pub fn at(
        due: Option<DateTime<Utc>>,
        warn: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> SlaStatus {
        match (due, warn) {
            (None, _) => SlaStatus::None,
            (Some(due), _) if due <= now => SlaStatus::Breached,
            (Some(_), Some(warn)) if warn <= now => SlaStatus::AtRisk,
            (Some(_), _) => SlaStatus::Ok,
        }
    }
}

/// Who wrote a message.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct MessageAuthor {
    /// `contact`, `user`, `api_key` or `system`.
    pub kind: String,
    /// The agent.
    pub user_id: Option<UserId>,
    /// The API key.
    pub api_key_id: Option<Uuid>,
    /// The customer.
    pub contact_id: Option<ContactId>,
}

/// A file or media attached to a message.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Attachment {
    /// `image`, `video`, `audio`, `file`, `sticker`, …
    #[serde(rename = "type")]
    pub kind: String,
    /// Where to fetch it.
    pub url: String,
    /// File name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// MIME type.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mime_type: Option<String>,
}

/// A message, reply or internal note.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct MessageView {
    /// Id.
    pub id: MessageId,
    /// Conversation.
    pub conversation_id: ConversationId,
    /// `inbound`, `outbound` or `note`.
    pub direction: Direction,
    /// For replies: public or private.
    pub visibility: Option<Visibility>,
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
    pub mentions: Vec<UserId>,
    /// Outbound delivery state.
    pub delivery_status: Option<DeliveryStatus>,
    /// The platform's error when delivery failed.
    pub delivery_error: Option<String>,
    /// Sentiment of an inbound message.
    pub sentiment: Option<f64>,
    /// When it was written (the platform's time for inbound messages).
    pub sent_at: DateTime<Utc>,
    /// When Earshot stored it.
    pub created_at: DateTime<Utc>,
    /// When the customer last edited it on the platform.
    #[serde(default)]
    pub edited_at: Option<DateTime<Utc>>,
    /// When the customer deleted it on the platform (its text and attachments are gone).
    #[serde(default)]
    pub deleted_at: Option<DateTime<Utc>>,
}

/// A notification for a colleague, such as an @mention in a note.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct NotificationView {
    /// Id.
    pub id: NotificationId,
    /// `mention`.
    pub kind: String,
    /// Conversation.
    pub conversation_id: ConversationId,
    /// The note.
    pub message_id: Option<MessageId>,
    /// When.
    pub created_at: DateTime<Utc>,
    /// When it was read.
    pub read_at: Option<DateTime<Utc>>,
}

/// An event as the outbox stores it and subscriptions and webhooks receive it: the envelope
/// (`id`, `workspace_id`, `conversation_id`, `occurred_at`) around the event's `type` and
/// `data`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EventView {
    /// Event id.
    pub id: Uuid,
    /// Workspace.
    pub workspace_id: crate::ids::WorkspaceId,
    /// Conversation.
    pub conversation_id: Option<ConversationId>,
    /// When.
    pub occurred_at: DateTime<Utc>,
    /// `type` and `data`.
    #[serde(flatten)]
    pub event: crate::events::Event,
}
