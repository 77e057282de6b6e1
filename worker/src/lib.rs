//! Earshot's background worker: snoozed conversations waking, the outbox relay and periodic
//! upkeep now; ingestion, SLA clocks and deliveries join it as they arrive.

use std::time::Duration;

use chrono::{DateTime, Utc};
use earshot_core::Core;
use earshot_core::service::{idempotency, wake_ups};

/// What one pass of the worker did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// Stored idempotent answers past their retention that were deleted.
    pub idempotency_records_purged: u64,
    /// Committed events published late (their process stopped before publishing them).
    pub events_relayed: usize,
    /// Snoozed conversations whose wake time came, re-opened.
    pub conversations_woken: usize,
}

/// How long a committed event may wait for its own process to publish it.
const PUBLISH_GRACE: chrono::TimeDelta = chrono::TimeDelta::seconds(10);

/// One pass of every periodic job; tests step the worker with it, without sleeping.
pub async fn run_once(core: &Core) -> earshot_core::Result<Outcome> {
    run_once_at(core, Utc::now()).await
}

/// One pass as of `now`: what is due by then is done (tests move the clock forward with it).
#[tracing::instrument(skip_all, fields(job = "upkeep"), err)]
pub async fn run_once_at(core: &Core, now: DateTime<Utc>) -> earshot_core::Result<Outcome> {
    let woken = wake_ups::wake_due(core, now).await?;
    let purged = idempotency::purge_expired(core, now).await?;
    if purged > 0 {
        tracing::info!(purged, "expired idempotency records deleted");
    }
    let relayed = earshot_core::events::relay_unpublished(core, now - PUBLISH_GRACE).await?;
    if relayed > 0 {
        tracing::info!(relayed, "unpublished events relayed");
    }
    record_metrics(purged, relayed, woken);
    Ok(Outcome {
        idempotency_records_purged: purged,
        events_relayed: relayed,
        conversations_woken: woken,
    })
}

/// Counts what a pass did, for `/metrics` (exported when the worker runs inside `serve`).
fn record_metrics(purged: u64, relayed: usize, woken: usize) {
    metrics::counter!("earshot_worker_passes_total").increment(1);
    metrics::counter!("earshot_worker_idempotency_records_purged_total").increment(purged);
    metrics::counter!("earshot_worker_events_relayed_total").increment(relayed as u64);
    metrics::counter!("earshot_worker_conversations_woken_total").increment(woken as u64);
}

/// Runs until the task is dropped, one pass every few seconds.
pub async fn run(core: Core) -> anyhow::Result<()> {
    let mut tick = tokio::time::interval(Duration::from_secs(5));
    loop {
        tick.tick().await;
        if let Err(err) = run_once(&core).await {
            tracing::warn!(error = %err, "worker pass failed");
        }
    }
}
