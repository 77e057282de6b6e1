//! Logged platform deliveries, as admins and partners see them.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::ids::{ChannelId, ConversationId, MessageId};

use super::ChannelKind;

/// Where a logged delivery stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum InboundStatus {
    /// Waiting for the worker.
    Pending,
    /// Applied in full.
    Processed,
    /// Processed with problems (see `last_error`), or set aside after repeated failures;
    /// `POST …/retry` puts it back in line.
    Failed,
}

/// A message a delivery stored (or found stored).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct InboundMessageRef {
    /// The platform's id of the message.
    pub platform_message_id: String,
    /// The message.
    pub message_id: MessageId,
    /// Its conversation.
    pub conversation_id: ConversationId,
}

/// A platform delivery in the inbound-event log (its body is not shown: it holds the
/// customers' words, which live on in their messages).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct InboundEventView {
    /// Id.
    pub id: Uuid,
    /// The channel it came in on.
    pub channel_id: ChannelId,
    /// Its platform.
    pub kind: ChannelKind,
    /// What makes a redelivery the same delivery.
    pub platform_event_id: String,
    /// Where it stands.
    pub status: InboundStatus,
    /// Times the worker took it up.
    pub attempts: i32,
    /// What could not be applied.
    pub last_error: Option<String>,
    /// The messages it stored or found stored.
    pub messages: Vec<InboundMessageRef>,
    /// When it arrived.
    pub received_at: DateTime<Utc>,
    /// When the worker finished with it.
    pub processed_at: Option<DateTime<Utc>>,
}
