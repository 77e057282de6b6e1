//! Stored idempotent answers are forgotten once their retention ends.

use chrono::{DateTime, Utc};
use earshot_core::Core;
use earshot_core::service::idempotency;

/// Deletes the records expired by `now`; how many.
pub(super) async fn run_once(core: &Core, now: DateTime<Utc>) -> earshot_core::Result<usize> {
    let purged = idempotency::purge_expired(core, now).await?;
    if purged > 0 {
        tracing::info!(purged, "expired idempotency records deleted");
    }
    metrics::counter!("earshot_worker_idempotency_records_purged_total").increment(purged);
    Ok(purged as usize)
}
