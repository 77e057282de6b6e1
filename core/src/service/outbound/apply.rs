//! What came of a send, recorded: on the message (its delivery state, the platform's id or
//! error), on the queue (gone, or due again later) and on the channel (rate limited, or in
//! need of re-authorising), with the message's event, in one transaction.

use chrono::{DateTime, TimeDelta, Utc};
use sea_orm::ConnectionTrait;

use crate::channels::parse::DeliveryState;
use crate::channels::send::Delivery;
use crate::entity::outbound_sends;
use crate::events::{self, Event};
use crate::ids::{ChannelId, ContactId, ConversationId, MessageId};
use crate::repo::messages::DeliveryUpdate;
use crate::tenancy::WorkspaceScope;
use crate::views::{ChannelHealth, DeliveryStatus, EventView};
use crate::{Core, Result, repo};

use super::super::channels::record_health_changed;
use super::super::conversation_views::view_one;
use super::super::messages::message_view;

/// Tries before a reply that keeps meeting a failing platform is given up.
const MAX_ATTEMPTS: i32 = 8;
/// The first wait after a failing platform; it doubles with every try.
const FIRST_BACKOFF: TimeDelta = TimeDelta::seconds(15);
/// The longest wait of our own between tries.
const MAX_BACKOFF: TimeDelta = TimeDelta::minutes(30);
/// The longest wait a platform may ask for before we try again anyway.
const MAX_PLATFORM_WAIT: TimeDelta = TimeDelta::hours(24);

/// Where a reply stands after a send.
pub(super) enum Outcome {
    Sent,
    Retried,
    Failed,
}

/// Records a send's `delivery`.
pub(super) async fn delivery(
    core: &Core,
    scope: &WorkspaceScope,
    send: &outbound_sends::Model,
    delivery: Delivery,
    now: DateTime<Utc>,
) -> Result<Outcome> {
    let txn = core.db().begin().await?;
    let channel = ChannelId::from(send.channel_id);
    let attempt = send.attempts + 1;
    let mut health_events = Vec::new();
    let (outcome, event) = match delivery {
        Delivery::Sent {
            platform_message_id,
        } => {
            if repo::channels::clear_rate_limit(&txn, scope, channel).await? {
                health_events.push(record_health_changed(core, &txn, scope, channel).await?);
            }
            let update = DeliveryUpdate {
                status: DeliveryStatus::Sent,
                platform_message_id: Some(platform_message_id),
                error: None,
            };
            let event = record(&txn, scope, send, update, now).await?;
            (Outcome::Sent, Some(event))
        }
        Delivery::Retry {
            after,
            rate_limited,
            error,
        } if attempt < MAX_ATTEMPTS => {
            let wait = wait_before_retry(attempt, after);
            if rate_limited {
                let until = (now + wait).to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
                let why = Some(format!("rate limited until {until}: {error}"));
                let state = ChannelHealth::RateLimited;
                if repo::channels::set_health(&txn, scope, channel, state, why).await? {
                    health_events.push(record_health_changed(core, &txn, scope, channel).await?);
                }
            }
            repo::outbound_sends::retry_at(&txn, send.id, now + wait, &error).await?;
            (Outcome::Retried, None)
        }
        Delivery::Retry { error, .. } => {
            let error = format!("gave up after {MAX_ATTEMPTS} attempts: {error}");
            (
                Outcome::Failed,
                Some(fail(&txn, scope, send, error, now).await?),
            )
        }
        Delivery::Reauth { error } => {
            let why = Some(error.clone());
            let state = ChannelHealth::NeedsReauth;
            if repo::channels::set_health(&txn, scope, channel, state, why).await? {
                health_events.push(record_health_changed(core, &txn, scope, channel).await?);
            }
            (
                Outcome::Failed,
                Some(fail(&txn, scope, send, error, now).await?),
            )
        }
        Delivery::Failed { error } => (
            Outcome::Failed,
            Some(fail(&txn, scope, send, error, now).await?),
        ),
    };
    txn.commit().await?;
    health_events.extend(event);
    events::committed(core, &health_events);
    Ok(outcome)
}

/// Our own wait after `attempt` tries, or the platform's when it asks for longer.
fn wait_before_retry(attempt: i32, platform: Option<std::time::Duration>) -> TimeDelta {
    let doubling = FIRST_BACKOFF * 2_i32.pow(attempt.clamp(1, 16) as u32 - 1);
    let ours = doubling.min(MAX_BACKOFF);
    let theirs = platform
        .and_then(|wait| TimeDelta::from_std(wait).ok())
        .map(|wait| wait.min(MAX_PLATFORM_WAIT));
    match theirs {
        Some(theirs) if theirs > ours => theirs,
        // A platform that names its wait is believed, however short.
        Some(theirs) => theirs.max(TimeDelta::seconds(1)),
        None => ours,
    }
}

async fn fail(
    conn: &impl ConnectionTrait,
    scope: &WorkspaceScope,
    send: &outbound_sends::Model,
    error: String,
    now: DateTime<Utc>,
) -> Result<crate::views::EventView> {
    let update = DeliveryUpdate {
        status: DeliveryStatus::Failed,
        platform_message_id: None,
        error: Some(error),
    };
    record(conn, scope, send, update, now).await
}

/// Updates the message, takes it off the queue, and records its event.
async fn record(
    conn: &impl ConnectionTrait,
    scope: &WorkspaceScope,
    send: &outbound_sends::Model,
    update: DeliveryUpdate,
    now: DateTime<Utc>,
) -> Result<crate::views::EventView> {
    let message =
        repo::messages::set_delivery(conn, scope, MessageId::from(send.id), update).await?;
    repo::outbound_sends::remove(conn, send.id).await?;
    delivery_event(conn, scope, message, now).await
}

/// `message.delivery_failed` for a reply that failed, else `message.updated`, recorded.
async fn delivery_event(
    conn: &impl ConnectionTrait,
    scope: &WorkspaceScope,
    message: crate::entity::messages::Model,
    now: DateTime<Utc>,
) -> Result<crate::views::EventView> {
    let id = ConversationId::from(message.conversation_id);
    let row = repo::conversations::get_any(conn, scope, id).await?;
    let conversation = view_one(conn, scope, row).await?;
    let message = message_view(message)?;
    let event = match message.delivery_status {
        Some(DeliveryStatus::Failed) => Event::message_delivery_failed(conversation, message),
        _ => Event::message_updated(conversation, message),
    };
    events::record(conn, scope, event, now).await
}

/// A platform's word on a reply we sent (WhatsApp statuses): applied only when it moves the
/// reply forward (`sent` → `delivered` → `read`; `failed` from any state short of `read`),
/// since statuses arrive out of order. Inside the caller's transaction; the event it
/// recorded, or `None` when nothing changed.
pub(crate) async fn apply_status_in(
    conn: &impl ConnectionTrait,
    scope: &WorkspaceScope,
    channel: ChannelId,
    platform_message_id: &str,
    state: DeliveryState,
    error: Option<String>,
) -> Result<Option<EventView>> {
    let Some(stored) =
        repo::messages::outbound_by_platform_id(conn, scope, channel, platform_message_id).await?
    else {
        return Ok(None);
    };
    let current: Option<DeliveryStatus> = stored
        .delivery_status
        .as_deref()
        .map(str::parse)
        .transpose()?;
    let next = status_of(state);
    if !moves_forward(current, next) {
        return Ok(None);
    }
    let update = DeliveryUpdate {
        status: next,
        platform_message_id: None,
        error: error.filter(|_| next == DeliveryStatus::Failed),
    };
    let message =
        repo::messages::set_delivery(conn, scope, MessageId::from(stored.id), update).await?;
    Ok(Some(
        delivery_event(conn, scope, message, Utc::now()).await?,
    ))
}

/// A read receipt that names no message, only a time: every reply sent to the customer on
/// the channel by then, and not yet read, is read now (each with its event).
pub(crate) async fn read_up_to(
    conn: &impl ConnectionTrait,
    scope: &WorkspaceScope,
    channel: ChannelId,
    customer: &str,
    up_to: DateTime<Utc>,
) -> Result<Vec<EventView>> {
    let kind = repo::channels::get(conn, scope, channel)
        .await?
        .kind
        .parse()?;
    let Some(identity) = repo::contacts::find_identity(conn, scope, kind, customer).await? else {
        return Ok(Vec::new());
    };
    let contact = ContactId::from(identity.contact_id);
    let replies = repo::messages::unread_replies(conn, scope, channel, contact, up_to).await?;
    let mut events = Vec::with_capacity(replies.len());
    for reply in replies {
        let read = DeliveryState::Read;
        if let Some(event) = apply_status_in(conn, scope, channel, &reply, read, None).await? {
            events.push(event);
        }
    }
    Ok(events)
}

fn status_of(state: DeliveryState) -> DeliveryStatus {
    match state {
        DeliveryState::Sent => DeliveryStatus::Sent,
        DeliveryState::Delivered => DeliveryStatus::Delivered,
        DeliveryState::Read => DeliveryStatus::Read,
        DeliveryState::Failed => DeliveryStatus::Failed,
    }
}

fn rank(status: DeliveryStatus) -> u8 {
    match status {
        DeliveryStatus::Queued => 0,
        DeliveryStatus::Sent => 1,
        DeliveryStatus::Delivered => 2,
        DeliveryStatus::Failed => 3,
        DeliveryStatus::Read => 4,
    }
}

fn moves_forward(current: Option<DeliveryStatus>, next: DeliveryStatus) -> bool {
    match current {
        None => true,
        Some(current) => rank(next) > rank(current),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_only_move_forward() {
        use DeliveryStatus::*;
        assert!(moves_forward(Some(Sent), Delivered));
        assert!(moves_forward(Some(Delivered), Read));
        assert!(moves_forward(Some(Sent), Read));
        assert!(!moves_forward(Some(Read), Delivered));
        assert!(!moves_forward(Some(Delivered), Sent));
        assert!(moves_forward(Some(Delivered), Failed));
        assert!(!moves_forward(Some(Read), Failed));
    }

    #[test]
    fn waits_double_and_a_platforms_own_wait_is_honoured() {
        assert_eq!(wait_before_retry(1, None), TimeDelta::seconds(15));
        assert_eq!(wait_before_retry(3, None), TimeDelta::seconds(60));
        assert_eq!(wait_before_retry(12, None), MAX_BACKOFF);
        let long = Some(std::time::Duration::from_secs(900));
        assert_eq!(wait_before_retry(1, long), TimeDelta::seconds(900));
        let short = Some(std::time::Duration::from_secs(2));
        assert_eq!(wait_before_retry(1, short), TimeDelta::seconds(2));
        let huge = Some(std::time::Duration::from_secs(10 * 86_400));
        assert_eq!(wait_before_retry(1, huge), MAX_PLATFORM_WAIT);
    }
}
