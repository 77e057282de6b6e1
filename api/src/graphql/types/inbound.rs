//! Logged platform deliveries in GraphQL: the same view and rules as
//! `GET …/inbound-events`.

use async_graphql::{Context, Enum, ID, SimpleObject};
use chrono::{DateTime, Utc};
use earshot_core::ids::ChannelId;
use earshot_core::pagination::PageRequest;
use earshot_core::service::inbound_events;
use earshot_core::tenancy::WorkspaceScope;
use earshot_core::views::{InboundEventView, InboundMessageRef};

use super::care_enums::GqlChannelKind;
use super::{PageOf, id};
use crate::graphql::context::{GqlResult, core, parse_id};
use crate::graphql::gql;

/// Where a logged delivery stands.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(name = "InboundStatus", remote = "earshot_core::views::InboundStatus")]
pub enum GqlInboundStatus {
    /// Waiting for the worker.
    Pending,
    /// Applied in full.
    Processed,
    /// Processed with problems, or set aside; `retryInboundEvent` puts it back in line.
    Failed,
}

/// A message a delivery stored (or found stored).
#[derive(SimpleObject)]
pub struct InboundMessage {
    /// The platform's id of the message.
    pub platform_message_id: String,
    /// The message.
    pub message_id: ID,
    /// Its conversation.
    pub conversation_id: ID,
}

impl From<InboundMessageRef> for InboundMessage {
    fn from(v: InboundMessageRef) -> Self {
        Self {
            platform_message_id: v.platform_message_id,
            message_id: id(v.message_id),
            conversation_id: id(v.conversation_id),
        }
    }
}

/// A platform delivery in the inbound-event log.
#[derive(SimpleObject)]
pub struct InboundEvent {
    /// Id.
    pub id: ID,
    /// The channel it came in on.
    pub channel_id: ID,
    /// Its platform.
    pub kind: GqlChannelKind,
    /// What makes a redelivery the same delivery.
    pub platform_event_id: String,
    /// Where it stands.
    pub status: GqlInboundStatus,
    /// Times the worker took it up.
    pub attempts: i32,
    /// What could not be applied.
    pub last_error: Option<String>,
    /// The messages it stored or found stored.
    pub messages: Vec<InboundMessage>,
    /// When it arrived.
    pub received_at: DateTime<Utc>,
    /// When the worker finished with it.
    pub processed_at: Option<DateTime<Utc>>,
}

impl From<InboundEventView> for InboundEvent {
    fn from(v: InboundEventView) -> Self {
        Self {
            id: ID(v.id.to_string()),
            channel_id: id(v.channel_id),
            kind: v.kind.into(),
            platform_event_id: v.platform_event_id,
            status: v.status.into(),
            attempts: v.attempts,
            last_error: v.last_error,
            messages: v.messages.into_iter().map(Into::into).collect(),
            received_at: v.received_at,
            processed_at: v.processed_at,
        }
    }
}

/// `Workspace.inboundEvents`.
pub(crate) async fn list(
    ctx: &Context<'_>,
    scope: &WorkspaceScope,
    channel_id: Option<ID>,
    status: Option<GqlInboundStatus>,
    page: PageRequest,
) -> GqlResult<PageOf<InboundEvent>> {
    let channel: Option<ChannelId> = channel_id.as_ref().map(parse_id).transpose()?;
    let listed = inbound_events::list(core(ctx)?, scope, channel, status.map(Into::into), page)
        .await
        .map_err(gql)?;
    Ok(PageOf::from_page(listed, InboundEvent::from))
}

/// `Workspace.inboundEvent`.
pub(crate) async fn one(
    ctx: &Context<'_>,
    scope: &WorkspaceScope,
    event: &ID,
) -> GqlResult<InboundEvent> {
    let event: uuid::Uuid = parse_id(event)?;
    Ok(inbound_events::get(core(ctx)?, scope, event)
        .await
        .map_err(gql)?
        .into())
}
