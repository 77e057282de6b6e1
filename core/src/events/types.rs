//! The domain events: one enum, each variant with its own payload. Its wire name and shape
//! are what subscriptions, the outbox and (later) webhooks carry:
//! `{"type": "conversation.created", "data": {"conversation": …}}`.

use serde::{Deserialize, Serialize};

use crate::views::{
    ChannelView, CommitmentView, ConversationView, FollowupView, MessageView, SlaClockView,
};

/// Something that happened in a workspace.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "type", content = "data")]
pub enum Event {
    /// A conversation started: a customer's first message, or an agent's outreach.
    #[serde(rename = "conversation.created")]
    ConversationCreated(Box<ConversationChanged>),
    /// A conversation changed: status, assignment, tags, priority, label, contact, ….
    #[serde(rename = "conversation.updated")]
    ConversationUpdated(Box<ConversationChanged>),
    /// A message, reply or note was stored.
    #[serde(rename = "message.created")]
    MessageCreated(Box<MessageAdded>),
    /// A message changed: a customer edited or deleted it on the platform, or a reply
    /// got further (sent, delivered, read).
    #[serde(rename = "message.updated")]
    MessageUpdated(Box<MessageAdded>),
    /// A reply could not be delivered: the platform refused it (see `delivery_error`).
    #[serde(rename = "message.delivery_failed")]
    MessageDeliveryFailed(Box<MessageAdded>),
    /// A channel's health changed: a platform refused its credentials, rate-limited it,
    /// a connect check passed, or an admin disabled or enabled it.
    #[serde(rename = "channel.health_changed")]
    ChannelHealthChanged(Box<ChannelChanged>),
    /// An SLA clock reached its warning threshold.
    #[serde(rename = "sla.warning")]
    SlaWarning(Box<ClockChanged>),
    /// An SLA clock's deadline passed.
    #[serde(rename = "sla.breached")]
    SlaBreached(Box<ClockChanged>),
    /// An SLA clock's promise was kept in time.
    #[serde(rename = "sla.achieved")]
    SlaAchieved(Box<ClockChanged>),
    /// An agent recorded a commitment to the customer.
    #[serde(rename = "commitment.created")]
    CommitmentCreated(Box<CommitmentChanged>),
    /// A commitment's text, due time or owner changed.
    #[serde(rename = "commitment.updated")]
    CommitmentUpdated(Box<CommitmentChanged>),
    /// A commitment was kept.
    #[serde(rename = "commitment.fulfilled")]
    CommitmentFulfilled(Box<CommitmentChanged>),
    /// A commitment was withdrawn.
    #[serde(rename = "commitment.cancelled")]
    CommitmentCancelled(Box<CommitmentChanged>),
    /// A commitment reached its warning time while open.
    #[serde(rename = "commitment.warning")]
    CommitmentWarning(Box<CommitmentChanged>),
    /// A commitment's due time passed while open.
    #[serde(rename = "commitment.breached")]
    CommitmentBreached(Box<CommitmentChanged>),
    /// A customer answered the satisfaction question.
    #[serde(rename = "csat.received")]
    CsatReceived(Box<CsatAnswered>),
}

/// A customer's satisfaction answer and its conversation.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CsatAnswered {
    /// The conversation.
    pub conversation: ConversationView,
    /// The follow-up with the answer.
    pub followup: FollowupView,
}

/// A commitment and its conversation, as a change left them.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CommitmentChanged {
    /// The conversation.
    pub conversation: ConversationView,
    /// The commitment.
    pub commitment: CommitmentView,
}

/// What a commitment's event says happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CommitmentNews {
    Created,
    Updated,
    Fulfilled,
    Cancelled,
    Warning,
    Breached,
}

/// An SLA clock and its conversation, as a firing or a stop left them.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ClockChanged {
    /// The conversation.
    pub conversation: ConversationView,
    /// The clock.
    pub clock: SlaClockView,
}

/// What an SLA clock's event says happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SlaNews {
    Warning,
    Breached,
    Achieved,
}

/// The channel as a change left it (credentials never shown).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ChannelChanged {
    /// The channel.
    pub channel: ChannelView,
}

/// The conversation as a change left it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ConversationChanged {
    /// The conversation.
    pub conversation: ConversationView,
}

/// A message and its conversation as the message left it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MessageAdded {
    /// The conversation.
    pub conversation: ConversationView,
    /// The message.
    pub message: MessageView,
}

impl Event {
    /// `conversation.created` for a conversation that just started.
    pub fn conversation_created(conversation: ConversationView) -> Self {
        Event::ConversationCreated(Box::new(ConversationChanged { conversation }))
    }

    /// `conversation.updated` for a conversation that changed.
    pub fn conversation_updated(conversation: ConversationView) -> Self {
        Event::ConversationUpdated(Box::new(ConversationChanged { conversation }))
    }

    /// `message.created` for a message stored in a conversation.
    pub fn message_created(conversation: ConversationView, message: MessageView) -> Self {
        Event::MessageCreated(Box::new(MessageAdded {
            conversation,
            message,
        }))
    }

    /// `message.updated` for a message a customer edited or deleted.
    pub fn message_updated(conversation: ConversationView, message: MessageView) -> Self {
        Event::MessageUpdated(Box::new(MessageAdded {
            conversation,
            message,
        }))
    }

    /// `message.delivery_failed` for a reply its platform refused.
    pub fn message_delivery_failed(conversation: ConversationView, message: MessageView) -> Self {
        Event::MessageDeliveryFailed(Box::new(MessageAdded {
            conversation,
            message,
        }))
    }

    /// `channel.health_changed` for a channel whose health changed.
    pub fn channel_health_changed(channel: ChannelView) -> Self {
        Event::ChannelHealthChanged(Box::new(ChannelChanged { channel }))
    }

    /// `sla.warning`, `sla.breached` or `sla.achieved` for a clock.
    pub fn sla(firing: SlaNews, conversation: ConversationView, clock: SlaClockView) -> Self {
        let changed = Box::new(ClockChanged {
            conversation,
            clock,
        });
        match firing {
            SlaNews::Warning => Event::SlaWarning(changed),
            SlaNews::Breached => Event::SlaBreached(changed),
            SlaNews::Achieved => Event::SlaAchieved(changed),
        }
    }

    /// A commitment's event.
    pub fn commitment(
        news: CommitmentNews,
        conversation: ConversationView,
        commitment: CommitmentView,
    ) -> Self {
        let changed = Box::new(CommitmentChanged {
            conversation,
            commitment,
        });
        match news {
            CommitmentNews::Created => Event::CommitmentCreated(changed),
            CommitmentNews::Updated => Event::CommitmentUpdated(changed),
            CommitmentNews::Fulfilled => Event::CommitmentFulfilled(changed),
            CommitmentNews::Cancelled => Event::CommitmentCancelled(changed),
            CommitmentNews::Warning => Event::CommitmentWarning(changed),
            CommitmentNews::Breached => Event::CommitmentBreached(changed),
        }
    }

    /// The wire name, such as `conversation.created`.
    pub fn name(&self) -> &'static str {
        match self {
            Event::ConversationCreated(_) => "conversation.created",
            Event::ConversationUpdated(_) => "conversation.updated",
            Event::MessageCreated(_) => "message.created",
            Event::MessageUpdated(_) => "message.updated",
            Event::MessageDeliveryFailed(_) => "message.delivery_failed",
            Event::ChannelHealthChanged(_) => "channel.health_changed",
            Event::SlaWarning(_) => "sla.warning",
            Event::SlaBreached(_) => "sla.breached",
            Event::SlaAchieved(_) => "sla.achieved",
            Event::CommitmentCreated(_) => "commitment.created",
            Event::CommitmentUpdated(_) => "commitment.updated",
            Event::CommitmentFulfilled(_) => "commitment.fulfilled",
            Event::CommitmentCancelled(_) => "commitment.cancelled",
            Event::CommitmentWarning(_) => "commitment.warning",
            Event::CommitmentBreached(_) => "commitment.breached",
            Event::CsatReceived(_) => "csat.received",
        }
    }

    /// The conversation the event is about, as the change left it; `None` for an event about
    /// the workspace's setup (a channel).
    pub fn conversation(&self) -> Option<&ConversationView> {
        match self {
            Event::ConversationCreated(changed) | Event::ConversationUpdated(changed) => {
                Some(&changed.conversation)
            }
            Event::MessageCreated(added)
            | Event::MessageUpdated(added)
            | Event::MessageDeliveryFailed(added) => Some(&added.conversation),
            Event::SlaWarning(changed)
            | Event::SlaBreached(changed)
            | Event::SlaAchieved(changed) => Some(&changed.conversation),
            Event::CommitmentCreated(changed)
            | Event::CommitmentUpdated(changed)
            | Event::CommitmentFulfilled(changed)
            | Event::CommitmentCancelled(changed)
            | Event::CommitmentWarning(changed)
            | Event::CommitmentBreached(changed) => Some(&changed.conversation),
            Event::CsatReceived(answered) => Some(&answered.conversation),
            Event::ChannelHealthChanged(_) => None,
        }
    }

    /// The clock, for `sla.warning`, `sla.breached` and `sla.achieved`.
    pub fn clock(&self) -> Option<&SlaClockView> {
        match self {
            Event::SlaWarning(changed)
            | Event::SlaBreached(changed)
            | Event::SlaAchieved(changed) => Some(&changed.clock),
            _ => None,
        }
    }

    /// The commitment, for `commitment.*`.
    pub fn commitment_of(&self) -> Option<&CommitmentView> {
        match self {
            Event::CommitmentCreated(changed)
            | Event::CommitmentUpdated(changed)
            | Event::CommitmentFulfilled(changed)
            | Event::CommitmentCancelled(changed)
            | Event::CommitmentWarning(changed)
            | Event::CommitmentBreached(changed) => Some(&changed.commitment),
            _ => None,
        }
    }

    /// The message, for `message.created`.
    pub fn message(&self) -> Option<&MessageView> {
        match self {
            Event::MessageCreated(added)
            | Event::MessageUpdated(added)
            | Event::MessageDeliveryFailed(added) => Some(&added.message),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::views::EventView;

    fn conversation() -> ConversationView {
        serde_json::from_value(json!({
            "id": "01a24e0f-1456-77e4-af4e-fbedf562fd41",
            "channel_id": "01a24e0f-1456-77e4-af4e-fbedf562fd42",
            "channel_kind": "api",
            "contact": { "id": "01a24e0f-1456-77e4-af4e-fbedf562fd43", "display_name": "Ada", "verified": false },
            "visibility": "private", "status": "open", "snoozed_until": null,
            "priority": "normal", "priority_auto": true, "label": "neutral",
            "sentiment": 0.0, "influence": 0.0, "thread_key": null,
            "assignee_id": null, "team_id": null, "tags": [], "message_count": 1,
            "last_activity_at": "2026-12-07T01:00:00Z", "last_inbound_at": null,
            "resolved_at": null, "sla_due_at": null,
            "created_at": "2026-12-07T01:00:00Z", "updated_at": "2026-12-07T01:00:00Z"
        }))
        .unwrap()
    }

    #[test]
    fn an_event_travels_as_its_type_and_data_inside_the_envelope() {
        let view = EventView {
            id: uuid::Uuid::now_v7(),
            workspace_id: crate::ids::WorkspaceId::new(),
            conversation_id: None,
            occurred_at: chrono::Utc::now(),
            event: Event::conversation_updated(conversation()),
        };
        let wire = serde_json::to_value(&view).unwrap();
        assert_eq!(wire["type"], "conversation.updated");
        assert_eq!(
            wire["data"]["conversation"]["contact"]["display_name"],
            "Ada"
        );
        assert!(wire.get("event").is_none(), "{wire}");
        let back: EventView = serde_json::from_value(wire).unwrap();
        assert_eq!(back.event.name(), "conversation.updated");
        assert_eq!(
            back.event.conversation().map(|c| c.id),
            view.event.conversation().map(|c| c.id)
        );
        assert!(back.event.message().is_none());
    }
}
