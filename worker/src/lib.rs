//! Earshot's background worker: periodic upkeep now; ingestion, SLA clocks and deliveries
//! join it as they arrive.

use std::time::Duration;

use earshot_core::Core;
use earshot_core::service::idempotency;

/// What one pass of the worker did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// Stored idempotent answers past their retention that were deleted.
    pub idempotency_records_purged: u64,
    /// Committed events published late (their process stopped before publishing them).
    pub events_relayed: usize,
}

/// How long a committed event may wait for its own process to publish it.
const PUBLISH_GRACE: Duration = Duration::from_secs(10);

/// One pass of every periodic job; tests step the worker with it, without sleeping.
#[tracing::instrument(skip_all, fields(job = "upkeep"), err)]
pub async fn run_once(core: &Core) -> earshot_core::Result<Outcome> {
    let purged = idempotency::purge_expired(core).await?;
    if purged > 0 {
        tracing::info!(purged, "expired idempotency records deleted");
    }
    let relayed = earshot_core::events::relay_unpublished(core, PUBLISH_GRACE).await?;
    if relayed > 0 {
        tracing::info!(relayed, "unpublished events relayed");
    }
    Ok(Outcome {
        idempotency_records_purged: purged,
        events_relayed: relayed,
    })
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
