//! Events: written to the outbox in the same transaction as the change they describe, then
//! published to live subscribers — in process, or across API processes through Redis
//! pub/sub. Subscribers get at-most-once live delivery; the outbox is the durable record.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use futures_util::StreamExt;
use sea_orm::ConnectionTrait;
use serde::{Deserialize, Serialize};
use tokio::sync::broadcast;

use crate::ids::{ApiKeyId, SessionId};
use crate::repo;
use crate::tenancy::WorkspaceScope;
use crate::views::{ConversationView, EventView, MessageView};
use crate::{Core, Result};

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

/// Fans messages out to every subscriber of every API process.
#[derive(Clone)]
pub struct EventBus {
    local: broadcast::Sender<Arc<BusMessage>>,
    redis: Option<(redis::aio::ConnectionManager, String)>,
}

impl std::fmt::Debug for EventBus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EventBus")
            .field("redis", &self.redis.is_some())
            .finish()
    }
}

const LOCAL_CAPACITY: usize = 4096;

impl EventBus {
    /// A bus inside this process only (the embedded default).
    pub fn in_process() -> Self {
        let (local, _) = broadcast::channel(LOCAL_CAPACITY);
        Self { local, redis: None }
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
        tokio::spawn(relay_from_redis(client, channel.clone(), local.downgrade()));
        Self {
            local,
            redis: Some((publisher, channel)),
        }
    }

    /// A receiver of every message published from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<BusMessage>> {
        self.local.subscribe()
    }

    /// Publishes messages; failures are logged, never returned (the change is committed).
    pub async fn publish(&self, messages: Vec<BusMessage>) {
        match &self.redis {
            None => {
                for message in messages {
                    let _ = self.local.send(Arc::new(message));
                }
            }
            Some((conn, channel)) => {
                for message in messages {
                    let Ok(text) = serde_json::to_string(&message) else {
                        continue;
                    };
                    let mut conn = conn.clone();
                    let sent: redis::RedisResult<i64> = redis::cmd("PUBLISH")
                        .arg(channel)
                        .arg(text)
                        .query_async(&mut conn)
                        .await;
                    if let Err(err) = sent {
                        tracing::warn!(error = %err, "publishing an event to Redis failed");
                    }
                }
            }
        }
    }
}

/// Runs until the bus it feeds is dropped.
async fn relay_from_redis(
    client: redis::Client,
    channel: String,
    local: broadcast::WeakSender<Arc<BusMessage>>,
) {
    while local.upgrade().is_some() {
        match client.get_async_pubsub().await {
            Ok(mut pubsub) => {
                if let Err(err) = pubsub.subscribe(&channel).await {
                    tracing::warn!(error = %err, "subscribing to Redis events failed");
                } else {
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
                }
            }
            Err(err) => tracing::warn!(error = %err, "Redis pub/sub unreachable; retrying"),
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

/// Publishes committed events and marks them published in the outbox.
pub(crate) async fn publish_committed(core: &Core, events: Vec<EventView>) {
    if events.is_empty() {
        return;
    }
    let ids: Vec<uuid::Uuid> = events.iter().map(|e| e.id).collect();
    core.bus()
        .publish(events.into_iter().map(BusMessage::Event).collect())
        .await;
    if let Err(err) = repo::outbox::mark_published(core.db().conn(), &ids).await {
        tracing::warn!(error = %err, "marking events published failed");
    }
}

/// Publishes events that were committed but not published (a process stopped in between),
/// older than `grace`; returns how many.
pub async fn relay_unpublished(core: &Core, grace: Duration) -> Result<usize> {
    let before = Utc::now() - chrono::Duration::from_std(grace).unwrap_or_default();
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
    publish_committed(core, events).await;
    Ok(count)
}
