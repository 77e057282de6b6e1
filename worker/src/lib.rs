//! Earshot's background worker: a set of independent consumers (see [`consumers`]) —
//! snoozed conversations waking and SLA clocks firing, the wake-up index re-filled from the
//! database, events fanned out to live subscribers, idempotent answers forgotten, platform
//! deliveries ingested, replies sent, platforms polled.

pub mod consumers;

use chrono::{DateTime, Utc};
use earshot_core::Core;

pub use consumers::Consumer;

/// What one pass of every consumer did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// Idempotency records deleted.
    pub idempotency_records_purged: u64,
    /// Events published by the fan-out.
    pub events_relayed: usize,
    /// Snoozed conversations re-opened.
    pub conversations_woken: usize,
    /// Wake-ups re-indexed from the database.
    pub wake_ups_reindexed: usize,
    /// Platform deliveries processed from the inbound-event log.
    pub deliveries_processed: usize,
    /// Replies sent, put off or failed.
    pub replies_handled: usize,
    /// Channels and listening rules polled.
    pub channels_polled: usize,
    /// The consumers whose turn failed (each logged and counted on `/metrics`).
    pub failed: Vec<&'static str>,
}

/// One turn of every consumer now (tests step the worker with it).
pub async fn run_once(core: &Core) -> earshot_core::Result<Outcome> {
    run_once_at(core, Utc::now()).await
}

/// One turn of every consumer as of `now`, each on its own: one failing does not keep the
/// others from their turn. Fails only when every consumer failed, with the first error.
pub async fn run_once_at(core: &Core, now: DateTime<Utc>) -> earshot_core::Result<Outcome> {
    let mut outcome = Outcome::default();
    let mut first_error = None;
    for consumer in Consumer::ALL {
        match consumer.run_once(core, now).await {
            Ok(items) => match consumer {
                Consumer::WakeUps => outcome.conversations_woken = items,
                Consumer::Reindex => outcome.wake_ups_reindexed = items,
                Consumer::FanOut => outcome.events_relayed = items,
                Consumer::IdempotencyPurge => outcome.idempotency_records_purged = items as u64,
                Consumer::Inbound => outcome.deliveries_processed = items,
                Consumer::Outbound => outcome.replies_handled = items,
                Consumer::Polling => outcome.channels_polled = items,
            },
            Err(err) => {
                outcome.failed.push(consumer.name());
                first_error.get_or_insert(err);
            }
        }
    }
    match first_error {
        Some(err) if outcome.failed.len() == Consumer::ALL.len() => Err(err),
        _ => Ok(outcome),
    }
}

/// Runs every consumer, each on its own schedule, until the process stops.
pub async fn run(core: Core) -> anyhow::Result<()> {
    let turns: Vec<_> = Consumer::ALL
        .into_iter()
        .map(|consumer| tokio::spawn(consumer.run(core.clone())))
        .collect();
    for turn in turns {
        turn.await?;
    }
    Ok(())
}
