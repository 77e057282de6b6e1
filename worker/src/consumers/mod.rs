//! The worker's consumers. Each claims its own work, applies it and records its progress on
//! its own schedule; one failing is logged, counted and retried at its next turn, and never
//! stops another.

mod fan_out;
mod idempotency;
mod inbound;
mod outbound;
mod polling;
mod reindex;
mod wake_ups;

use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use earshot_core::Core;
use earshot_core::events::BusMessage;
use tokio::sync::broadcast;

/// One kind of background work.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Consumer {
    /// Snoozed conversations whose wake time has come re-open, and SLA clocks, commitments
    /// and follow-ups fire at their due times.
    WakeUps,
    /// The wake-up index is filled again from the database at start, when it was lost and
    /// every ten minutes, a few pages a turn.
    Reindex,
    /// Committed events go out to live subscribers (Redis pub/sub or the in-process bus),
    /// as soon as the bus says a change committed some.
    FanOut,
    /// Stored idempotent answers are forgotten once their retention ends.
    IdempotencyPurge,
    /// Platform deliveries in the inbound-event log become conversations and messages, as
    /// soon as the bus says one was logged.
    Inbound,
    /// Agents' replies go out on their platforms, as soon as the bus says one was queued.
    Outbound,
    /// Channels that poll their platform (X mentions) and keyword listening rules (X recent
    /// search) fetch what is new, each on its own interval.
    Polling,
}

impl Consumer {
    /// Every consumer.
    pub const ALL: [Consumer; 7] = [
        Consumer::Polling,
        Consumer::Inbound,
        Consumer::Outbound,
        Consumer::Reindex,
        Consumer::WakeUps,
        Consumer::FanOut,
        Consumer::IdempotencyPurge,
    ];

    /// The name in logs and metrics.
    pub fn name(self) -> &'static str {
        match self {
            Consumer::WakeUps => "wake_ups",
            Consumer::Reindex => "reindex",
            Consumer::FanOut => "fan_out",
            Consumer::IdempotencyPurge => "idempotency_purge",
            Consumer::Inbound => "inbound",
            Consumer::Outbound => "outbound",
            Consumer::Polling => "polling",
        }
    }

    /// How long it rests between turns.
    pub fn every(self) -> Duration {
        match self {
            Consumer::WakeUps
            | Consumer::Reindex
            | Consumer::FanOut
            | Consumer::Inbound
            | Consumer::Outbound
            | Consumer::Polling => Duration::from_secs(1),
            Consumer::IdempotencyPurge => Duration::from_secs(60),
        }
    }

    /// One turn as of `now`: how many items it handled. Counted on `/metrics` by consumer:
    /// turns, failures, items and how long the turn took.
    pub async fn run_once(self, core: &Core, now: DateTime<Utc>) -> earshot_core::Result<usize> {
        let started = Instant::now();
        let result = match self {
            Consumer::WakeUps => wake_ups::run_once(core, now).await,
            Consumer::Reindex => reindex::run_once(core, now).await,
            Consumer::FanOut => fan_out::run_once(core, now).await,
            Consumer::IdempotencyPurge => idempotency::run_once(core, now).await,
            Consumer::Inbound => inbound::run_once(core, now).await,
            Consumer::Outbound => outbound::run_once(core, now).await,
            Consumer::Polling => polling::run_once(core, now).await,
        };
        let labels = [("consumer", self.name())];
        metrics::counter!("earshot_worker_consumer_runs_total", &labels).increment(1);
        metrics::histogram!("earshot_worker_consumer_run_seconds", &labels)
            .record(started.elapsed().as_secs_f64());
        match &result {
            Ok(items) => {
                metrics::counter!("earshot_worker_consumer_items_total", &labels)
                    .increment(*items as u64);
            }
            Err(err) => {
                metrics::counter!("earshot_worker_consumer_failures_total", &labels).increment(1);
                tracing::warn!(consumer = self.name(), error = %err, "consumer turn failed");
            }
        }
        result
    }

    /// The bus message that calls for a turn at once, if any.
    fn woken_by(self) -> Option<fn(&BusMessage) -> bool> {
        match self {
            Consumer::FanOut => Some(|m| matches!(m, BusMessage::Committed)),
            Consumer::Inbound => Some(|m| matches!(m, BusMessage::InboundLogged)),
            Consumer::Outbound => Some(|m| matches!(m, BusMessage::RepliesQueued)),
            Consumer::WakeUps
            | Consumer::Reindex
            | Consumer::IdempotencyPurge
            | Consumer::Polling => None,
        }
    }

    /// Takes turns until the process stops: at its interval, as soon as the bus says there
    /// is work (for the consumers it wakes), and straight after a turn that found work.
    pub async fn run(self, core: Core) {
        let mut tick = tokio::time::interval(self.every());
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut bus = core.bus().subscribe();
        let mut busy = false;
        loop {
            match self.woken_by() {
                // A turn that found work may have left more: take the next one at once.
                _ if busy => tokio::task::yield_now().await,
                Some(wake) => tokio::select! {
                    _ = tick.tick() => {}
                    () = woken(&mut bus, wake) => {}
                },
                // Wakes when the next wake-up is due, not on a coarse tick.
                None if self == Consumer::WakeUps => {
                    tokio::time::sleep(wake_ups::rest(&core).await).await;
                }
                None => {
                    tick.tick().await;
                }
            }
            // The failure is counted and logged in `run_once`; the next turn retries.
            busy = matches!(self.run_once(&core, Utc::now()).await, Ok(items) if items > 0);
        }
    }
}

/// Returns when the bus carries a message `wake` picks (or fell behind, so one may have).
async fn woken(
    bus: &mut broadcast::Receiver<std::sync::Arc<BusMessage>>,
    wake: fn(&BusMessage) -> bool,
) {
    loop {
        match bus.recv().await {
            Ok(message) if wake(&message) => return,
            Ok(_) => {}
            Err(broadcast::error::RecvError::Lagged(_)) => return,
            // The bus is gone with its process; the interval keeps the turns.
            Err(broadcast::error::RecvError::Closed) => std::future::pending().await,
        }
    }
}
