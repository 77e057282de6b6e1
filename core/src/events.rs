//! Events: written to the outbox in the same transaction as the change they describe, then
//! published to live subscribers — in process, or across API processes through Redis
//! pub/sub. Subscribers get at-most-once live delivery; the outbox is the durable record.

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use futures_util::{Stream, StreamExt};
use sea_orm::ConnectionTrait;
use serde::{Deserialize, Serialize};
use tokio::sync::{broadcast, watch};

use crate::ids::{ApiKeyId, ConversationId, SessionId};
use crate::repo;
use crate::service::access;
use crate::tenancy::{Capability, ConversationAccess, WorkspaceScope};
use crate::views::{ConversationView, EventView, MessageView};
use crate::{Core, Error, Result};

/// A conversation was created.
pub const CONVERSATION_CREATED: &str = "conversation.created";
/// A conversation changed (status, assignment, tags, priority, label, …).
pub const CONVERSATION_UPDATED: &str = "conversation.updated";
/// A message, reply or note was stored.
pub const MESSAGE_CREATED: &str = "message.created";

/// What travels on the bus.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum BusMessage {
    /// A workspace event.
    Event(EventView),
    /// A login session ended: its live subscriptions end too.
    SessionRevoked {
        /// The session.
        session_id: SessionId,
    },
    /// An API key was revoked: its live subscriptions end too.
    KeyRevoked {
        /// The key.
        key_id: ApiKeyId,
    },
}

/// Writes an event to the outbox inside the caller's transaction and returns it, for
/// publishing once the transaction commits.
pub(crate) async fn record(
    conn: &impl ConnectionTrait,
    scope: &WorkspaceScope,
    event_type: &'static str,
    conversation: &ConversationView,
    message: Option<&MessageView>,
    at: DateTime<Utc>,
) -> Result<EventView> {
    let mut data = serde_json::json!({ "conversation": conversation });
    if let Some(message) = message {
        data["message"] =
            serde_json::to_value(message).map_err(|e| crate::Error::Internal(e.into()))?;
    }
    let event = EventView {
        id: uuid::Uuid::now_v7(),
        event_type: event_type.to_owned(),
        workspace_id: scope.workspace_id(),
        conversation_id: Some(conversation.id),
        occurred_at: at,
        data,
    };
    repo::outbox::insert(
        conn,
        scope,
        event.id,
        event_type,
        Some(conversation.id.as_uuid()),
        serde_json::to_value(&event).map_err(|e| crate::Error::Internal(e.into()))?,
        at,
    )
    .await?;
    Ok(event)
}

/// The event types live subscriptions deliver.
pub const LIVE_TYPES: [&str; 3] = [CONVERSATION_CREATED, CONVERSATION_UPDATED, MESSAGE_CREATED];

/// How long a live subscription trusts the scope it was opened with before entering the
/// workspace again (membership, role and `agent_visibility` may have changed meanwhile).
const SCOPE_RECHECK: Duration = Duration::from_secs(30);

/// Fans messages out to every subscriber of every API process.
#[derive(Clone)]
pub struct EventBus {
    local: broadcast::Sender<Arc<BusMessage>>,
    redis: Option<(redis::aio::ConnectionManager, String)>,
    connected: watch::Receiver<bool>,
}

impl std::fmt::Debug for EventBus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EventBus")
            .field("redis", &self.redis.is_some())
            .finish()
    }
}

const LOCAL_CAPACITY: usize = 4096;

/// Longest a change waits to publish an event to Redis before leaving it to the relay.
const PUBLISH_WAIT: Duration = Duration::from_secs(1);

impl EventBus {
    /// A bus inside this process only (the embedded default).
    pub fn in_process() -> Self {
        let (local, _) = broadcast::channel(LOCAL_CAPACITY);
        let (_, connected) = watch::channel(true);
        Self {
            local,
            redis: None,
            connected,
        }
    }

    /// A bus over Redis pub/sub on `{prefix}events`; a background task relays what Redis
    /// delivers to this process's subscribers, reconnecting when Redis goes away.
    pub fn over_redis(
        client: redis::Client,
        publisher: redis::aio::ConnectionManager,
        prefix: &str,
    ) -> Self {
        let (local, _) = broadcast::channel(LOCAL_CAPACITY);
        let channel = format!("{prefix}events");
        let (connected_tx, connected) = watch::channel(false);
        tokio::spawn(relay_from_redis(
            client,
            channel.clone(),
            local.downgrade(),
            connected_tx,
        ));
        Self {
            local,
            redis: Some((publisher, channel)),
            connected,
        }
    }

    /// Waits until this process receives what other processes publish (at once in
    /// process; over Redis, once the relay has subscribed). `false` when `timeout` passed first.
    pub async fn wait_until_connected(&self, timeout: Duration) -> bool {
        let mut connected = self.connected.clone();
        matches!(
            tokio::time::timeout(timeout, connected.wait_for(|up| *up)).await,
            Ok(Ok(_))
        )
    }

    /// A receiver of every message published from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<BusMessage>> {
        self.local.subscribe()
    }

    /// Publishes messages; whether all were sent. Failures are logged, never returned: the
    /// change is committed, and its events wait in the outbox for the relay.
    pub async fn publish(&self, messages: Vec<BusMessage>) -> bool {
        match &self.redis {
            None => {
                for message in messages {
                    let _ = self.local.send(Arc::new(message));
                }
                true
            }
            // While the subscription to Redis is down, Redis is taken to be away: nothing
            // waits on it, and the relay publishes what waited once it is back.
            Some(_) if !*self.connected.borrow() => false,
            Some((conn, channel)) => {
                for message in messages {
                    let Ok(text) = serde_json::to_string(&message) else {
                        continue;
                    };
                    let mut conn = conn.clone();
                    let mut command = redis::cmd("PUBLISH");
                    command.arg(channel).arg(text);
                    let publish = command.query_async::<i64>(&mut conn);
                    let sent = tokio::time::timeout(PUBLISH_WAIT, publish)
                        .await
                        .unwrap_or_else(|_| {
                            Err(redis::RedisError::from((
                                redis::ErrorKind::Io,
                                "no answer in time",
                            )))
                        });
                    if let Err(err) = sent {
                        // The rest wait too: the relay publishes them, in order, once Redis
                        // answers again.
                        tracing::warn!(error = %err, "publishing an event to Redis failed");
                        return false;
                    }
                }
                true
            }
        }
    }
}

/// Runs until the bus it feeds is dropped.
async fn relay_from_redis(
    client: redis::Client,
    channel: String,
    local: broadcast::WeakSender<Arc<BusMessage>>,
    connected: watch::Sender<bool>,
) {
    while local.upgrade().is_some() {
        match client.get_async_pubsub().await {
            Ok(mut pubsub) => {
                if let Err(err) = pubsub.subscribe(&channel).await {
                    tracing::warn!(error = %err, "subscribing to Redis events failed");
                } else {
                    connected.send_replace(true);
                    let mut stream = pubsub.on_message();
                    while let Some(message) = stream.next().await {
                        let Ok(text) = message.get_payload::<String>() else {
                            continue;
                        };
                        let Some(sender) = local.upgrade() else {
                            return;
                        };
                        match serde_json::from_str::<BusMessage>(&text) {
                            Ok(parsed) => drop(sender.send(Arc::new(parsed))),
                            Err(err) => {
                                tracing::warn!(error = %err, "an unreadable event arrived from Redis")
                            }
                        }
                    }
                    connected.send_replace(false);
                }
            }
            Err(err) => tracing::warn!(error = %err, "Redis pub/sub unreachable; retrying"),
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

/// Publishes committed events and marks them published in the outbox.
pub(crate) async fn publish_committed(core: &Core, events: Vec<EventView>) -> bool {
    if events.is_empty() {
        return true;
    }
    let ids: Vec<uuid::Uuid> = events.iter().map(|e| e.id).collect();
    let published = core
        .bus()
        .publish(events.into_iter().map(BusMessage::Event).collect())
        .await;
    if !published {
        return false;
    }
    if let Err(err) = repo::outbox::mark_published(core.db().conn(), &ids).await {
        tracing::warn!(error = %err, "marking events published failed");
    }
    true
}

/// Publishes events that were committed but not published (a process stopped in between,
/// or Redis was away) before `before`; returns how many were published.
pub async fn relay_unpublished(core: &Core, before: DateTime<Utc>) -> Result<usize> {
    let rows = repo::outbox::unpublished(core.db().conn(), before, 500).await?;
    let mut events = Vec::with_capacity(rows.len());
    for row in rows {
        match serde_json::from_value::<EventView>(row.payload) {
            Ok(event) => events.push(event),
            Err(err) => {
                tracing::warn!(error = %err, outbox_id = %row.id, "an unreadable outbox row")
            }
        }
    }
    let count = events.len();
    match publish_committed(core, events).await {
        true => Ok(count),
        false => Ok(0),
    }
}

/// The live events of the scope's workspace that the scope may see, from now on:
/// [`LIVE_TYPES`] only, of one conversation when `conversation` is given. A conversation the
/// scope may not see is `NotFound`, as everywhere. Each event is shown only to those who may
/// read its conversation as the event left it (agents under `agent_visibility` see theirs,
/// or their teams'). Every [`SCOPE_RECHECK`] the workspace is entered again, so a member who
/// was removed gets one `NotFound` and the stream ends.
pub async fn live(
    core: &Core,
    scope: WorkspaceScope,
    conversation: Option<ConversationId>,
) -> Result<impl Stream<Item = Result<EventView>> + Send + use<>> {
    scope.require(Capability::ReadConversations)?;
    // Subscribe before checking, so nothing committed after the check is missed.
    let receiver = core.bus().subscribe();
    if let Some(id) = conversation {
        repo::conversations::get(core.db().conn(), &scope, id).await?;
    }
    let live = Live {
        core: core.clone(),
        scope,
        entered_at: Instant::now(),
        conversation,
        receiver,
        ended: false,
    };
    Ok(futures_util::stream::unfold(live, |mut live| async move {
        if live.ended {
            return None;
        }
        let next = live.next().await?;
        live.ended = next.is_err();
        Some((next, live))
    }))
}

/// Whether the scope may read the conversation as an event shows it: the rule of
/// `repo::conversations::visible_to`, applied to the event's copy instead of the table.
pub(crate) async fn may_see(
    core: &Core,
    scope: &WorkspaceScope,
    conversation: &ConversationView,
) -> Result<bool> {
    Ok(match scope.conversation_access() {
        ConversationAccess::All => true,
        ConversationAccess::AssignedTo(user) => conversation.assignee_id == Some(user),
        ConversationAccess::TeamsOf(user) => {
            conversation.assignee_id == Some(user)
                || match conversation.team_id {
                    Some(team) => {
                        repo::teams::has_member(core.db().conn(), scope, team, user).await?
                    }
                    None => false,
                }
        }
    })
}

/// One live subscription's state.
struct Live {
    core: Core,
    scope: WorkspaceScope,
    entered_at: Instant,
    conversation: Option<ConversationId>,
    receiver: broadcast::Receiver<Arc<BusMessage>>,
    ended: bool,
}

impl Live {
    /// The next event to deliver; an error ends the stream, `None` means the bus closed.
    async fn next(&mut self) -> Option<Result<EventView>> {
        loop {
            let message = match self.receiver.recv().await {
                Ok(message) => message,
                Err(broadcast::error::RecvError::Lagged(skipped)) => {
                    tracing::warn!(skipped, "a live subscriber fell behind; events skipped");
                    continue;
                }
                Err(broadcast::error::RecvError::Closed) => return None,
            };
            let BusMessage::Event(event) = &*message else {
                continue;
            };
            if !self.wants(event) {
                continue;
            }
            if let Err(err) = self.recheck_scope().await {
                return Some(Err(err));
            }
            let Some(conversation) = event
                .data
                .get("conversation")
                .and_then(|c| serde_json::from_value::<ConversationView>(c.clone()).ok())
            else {
                continue;
            };
            match may_see(&self.core, &self.scope, &conversation).await {
                Ok(true) => return Some(Ok(event.clone())),
                Ok(false) => {}
                Err(err) => tracing::warn!(error = %err, "checking an event's visibility failed"),
            }
        }
    }

    /// Never another workspace's event, only the live types, only the chosen conversation.
    fn wants(&self, event: &EventView) -> bool {
        event.workspace_id == self.scope.workspace_id()
            && LIVE_TYPES.contains(&event.event_type.as_str())
            && self
                .conversation
                .is_none_or(|id| event.conversation_id == Some(id))
    }

    /// Enters the workspace again when the scope is older than [`SCOPE_RECHECK`]. Losing
    /// access ends the subscription; a database hiccup keeps the scope it has.
    async fn recheck_scope(&mut self) -> Result<()> {
        if self.entered_at.elapsed() < SCOPE_RECHECK {
            return Ok(());
        }
        let entered =
            access::enter_workspace(&self.core, self.scope.actor(), self.scope.workspace_id())
                .await
                .and_then(|scope| {
                    scope.require(Capability::ReadConversations)?;
                    Ok(scope)
                });
        match entered {
            Ok(scope) => {
                self.scope = scope;
                self.entered_at = Instant::now();
                Ok(())
            }
            Err(err @ (Error::NotFound | Error::Forbidden(_) | Error::Unauthenticated { .. })) => {
                Err(err)
            }
            Err(err) => {
                tracing::warn!(error = %err, "re-entering a live subscription's workspace failed");
                Ok(())
            }
        }
    }
}
