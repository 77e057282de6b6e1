//! Conversations with their lazy relations (contact, assignee, team, last message, history),
//! resolved through the DataLoaders of the scope they were read in; and the objects that
//! carry conversations: an ingest outcome and a live event.

use std::sync::Arc;

use async_graphql::{ComplexObject, Context, ID, SimpleObject};
use chrono::{DateTime, Utc};
use earshot_core::service::ingest::IngestOutcome;
use earshot_core::service::{commitments, messages, sla_clocks, sla_policies};
use earshot_core::views::{ConversationView, EventView};

use super::care::{Contact, ContactSummary, Message};
use super::care_enums::{GqlChannelKind, GqlLabel, GqlPriority, GqlStatus, GqlVisibility};
use super::commitments::Commitment;
use super::sla_clocks::{GqlSlaStatus, SlaClock};
use super::sla_policies::SlaPolicy;
use super::{Member, PageOf, Team, id};
use crate::graphql::context::{GqlResult, page};
use crate::graphql::gql;
use crate::graphql::loaders::CareLoaders;

/// A conversation in the inbox, with its relations resolved lazily and in batches.
#[derive(SimpleObject)]
#[graphql(complex)]
pub struct Conversation {
    /// Id.
    pub id: ID,
    /// Channel.
    pub channel_id: ID,
    /// The channel's platform.
    pub channel_kind: GqlChannelKind,
    /// The customer's id.
    pub contact_id: ID,
    /// The customer as the conversation shows them (REST's `contact`).
    pub contact_summary: ContactSummary,
    /// Public thread or private messages.
    pub visibility: GqlVisibility,
    /// Status.
    pub status: GqlStatus,
    /// When a snoozed conversation wakes.
    pub snoozed_until: Option<DateTime<Utc>>,
    /// Priority.
    pub priority: GqlPriority,
    /// Whether the priority was set by the signals.
    pub priority_auto: bool,
    /// Assigned agent's id.
    pub assignee_id: Option<ID>,
    /// Assigned team's id.
    pub team_id: Option<ID>,
    /// Tags.
    pub tags: Vec<String>,
    /// Label.
    pub label: GqlLabel,
    /// Sentiment of the latest customer messages, -1 to 1.
    pub sentiment: Option<f64>,
    /// The customer's reach, 0 to 1.
    pub influence: Option<f64>,
    /// The platform thread of a public conversation.
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
    /// Where its running SLA clocks stand.
    pub sla_status: GqlSlaStatus,
    /// The customer's latest satisfaction score (1–5), if they answered.
    pub csat_score: Option<i32>,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
    #[graphql(skip)]
    view: ConversationView,
    #[graphql(skip)]
    loaders: Arc<CareLoaders>,
}

impl Conversation {
    /// Wraps a read model; relations load through `loaders` (the scope it was read in).
    pub(crate) fn new(v: ConversationView, loaders: Arc<CareLoaders>) -> Self {
        Self {
            id: id(v.id),
            channel_id: id(v.channel_id),
            channel_kind: v.channel_kind.into(),
            contact_id: id(v.contact.id),
            contact_summary: v.contact.clone().into(),
            visibility: v.visibility.into(),
            status: v.status.into(),
            snoozed_until: v.snoozed_until,
            priority: v.priority.into(),
            priority_auto: v.priority_auto,
            assignee_id: v.assignee_id.map(id),
            team_id: v.team_id.map(id),
            tags: v.tags.clone(),
            label: v.label.into(),
            sentiment: v.sentiment,
            influence: v.influence,
            thread_key: v.thread_key.clone(),
            message_count: v.message_count,
            last_activity_at: v.last_activity_at,
            last_inbound_at: v.last_inbound_at,
            resolved_at: v.resolved_at,
            sla_due_at: v.sla_due_at,
            sla_status: v.sla_status.into(),
            csat_score: v.csat_score.map(i32::from),
            created_at: v.created_at,
            updated_at: v.updated_at,
            view: v,
            loaders,
        }
    }
}

#[ComplexObject]
impl Conversation {
    /// The customer, with every identity (batched across the page).
    async fn contact(&self) -> GqlResult<Option<Contact>> {
        let found = self.loaders.contacts.load_one(self.view.contact.id).await?;
        Ok(found.map(Into::into))
    }

    /// The assigned agent; null when unassigned (batched across the page).
    async fn assignee(&self) -> GqlResult<Option<Member>> {
        let Some(user) = self.view.assignee_id else {
            return Ok(None);
        };
        Ok(self.loaders.members.load_one(user).await?.map(Into::into))
    }

    /// The assigned team; null when none (batched across the page).
    async fn team(&self) -> GqlResult<Option<Team>> {
        let Some(team) = self.view.team_id else {
            return Ok(None);
        };
        Ok(self.loaders.teams.load_one(team).await?.map(Into::into))
    }

    /// The latest message or note (batched across the page).
    async fn last_message(&self) -> GqlResult<Option<Message>> {
        let found = self.loaders.last_messages.load_one(self.view.id).await?;
        Ok(found.map(Into::into))
    }

    /// The SLA policy that applies to it now: the first enabled one, by position then
    /// creation, whose conditions it meets; null when none does. Looked up per
    /// conversation: ask for it on one conversation, not across a long page.
    async fn sla_policy(&self) -> GqlResult<Option<SlaPolicy>> {
        let (core, scope) = (self.loaders.core(), self.loaders.scope());
        let found = sla_policies::for_conversation(core, scope, self.view.id)
            .await
            .map_err(gql)?;
        Ok(found.policy.map(Into::into))
    }

    /// Its SLA clocks, oldest first: kind, state, due time, business seconds left and
    /// whether each warned or breached. Read per conversation.
    async fn sla_clocks(&self) -> GqlResult<Vec<SlaClock>> {
        let (core, scope) = (self.loaders.core(), self.loaders.scope());
        let found = sla_clocks::of_conversation(core, scope, self.view.id)
            .await
            .map_err(gql)?;
        Ok(found.clocks.into_iter().map(Into::into).collect())
    }

    /// Its commitments, by due time. Read per conversation.
    async fn commitments(&self) -> GqlResult<Vec<Commitment>> {
        let (core, scope) = (self.loaders.core(), self.loaders.scope());
        let found = commitments::list(core, scope, self.view.id)
            .await
            .map_err(gql)?;
        Ok(found.into_iter().map(Into::into).collect())
    }

    /// The history, oldest first.
    async fn messages(
        &self,
        ctx: &Context<'_>,
        limit: Option<u64>,
        cursor: Option<String>,
    ) -> GqlResult<PageOf<Message>> {
        let page = page(ctx, limit, cursor)?;
        let (core, scope) = (self.loaders.core(), self.loaders.scope());
        let result = messages::list(core, scope, self.view.id, page)
            .await
            .map_err(gql)?;
        Ok(PageOf::from_page(result, Message::from))
    }
}

/// What pushing an inbound message did.
#[derive(SimpleObject)]
pub struct IngestResult {
    /// The message was stored before (same platform id): nothing changed.
    pub duplicate: bool,
    /// The conversation it joined or started.
    pub conversation: Conversation,
    /// The stored message.
    pub message: Message,
}

impl IngestResult {
    pub(crate) fn new(outcome: IngestOutcome, loaders: Arc<CareLoaders>) -> Self {
        Self {
            duplicate: outcome.duplicate,
            conversation: Conversation::new(outcome.conversation, loaders),
            message: outcome.message.into(),
        }
    }
}

/// Something that happened to a conversation, delivered live.
#[derive(SimpleObject)]
pub struct Event {
    /// Event id (the same as in the outbox and webhooks).
    pub id: ID,
    /// `conversation.created`, `conversation.updated`, `message.created`,
    /// `message.updated`, `message.delivery_failed`, `sla.warning`, `sla.breached`,
    /// `sla.achieved` or `commitment.*`.
    #[graphql(name = "type")]
    pub event_type: String,
    /// Workspace.
    pub workspace_id: ID,
    /// When.
    pub occurred_at: DateTime<Utc>,
    /// The conversation as the change left it.
    pub conversation: Conversation,
    /// The message, for `message.created`.
    pub message: Option<Message>,
    /// The SLA clock, for `sla.warning`, `sla.breached` and `sla.achieved`.
    pub sla_clock: Option<SlaClock>,
    /// The commitment, for `commitment.*`.
    pub commitment: Option<Commitment>,
}

impl Event {
    /// The event's objects; `None` for an event that is not a conversation's (live streams
    /// carry only those).
    pub(crate) fn new(view: EventView, loaders: Arc<CareLoaders>) -> Option<Self> {
        let conversation = view.event.conversation()?.clone();
        Some(Self {
            id: id(view.id),
            event_type: view.event.name().to_owned(),
            workspace_id: id(view.workspace_id),
            occurred_at: view.occurred_at,
            message: view.event.message().cloned().map(Into::into),
            sla_clock: view.event.clock().cloned().map(Into::into),
            commitment: view.event.commitment_of().cloned().map(Into::into),
            conversation: Conversation::new(conversation, loaders),
        })
    }
}
