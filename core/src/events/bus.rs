//! The bus: fans published messages out to every subscriber of every API process — in
//! process, or across processes through Redis pub/sub.

use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt;
use serde::{Deserialize, Serialize};
use tokio::sync::{broadcast, watch};

use crate::ids::{ApiKeyId, SessionId};
use crate::views::EventView;

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
    /// Events were committed to the outbox: the fan-out publishes them.
    Committed,
    /// Platform deliveries were logged: the inbound consumer processes them.
    InboundLogged,
    /// Replies were queued: the outbound consumer sends them.
    RepliesQueued,
}

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

    /// Wakes the fan-out of every process: events wait in the outbox. The caller does not
    /// wait for it (a change's answer never waits on Redis); a lost wake-up only delays the
    /// events until the fan-out's next turn.
    pub fn committed(&self) {
        self.wake(BusMessage::Committed);
    }

    /// Wakes the inbound consumer of every worker: deliveries wait in the log. As with
    /// [`EventBus::committed`], nobody waits for it.
    pub fn inbound_logged(&self) {
        self.wake(BusMessage::InboundLogged);
    }

    /// Wakes the outbound consumer of every worker: replies wait to be sent. As with
    /// [`EventBus::committed`], nobody waits for it.
    pub fn replies_queued(&self) {
        self.wake(BusMessage::RepliesQueued);
    }

    fn wake(&self, message: BusMessage) {
        let bus = self.clone();
        tokio::spawn(async move {
            bus.publish(vec![message]).await;
        });
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
