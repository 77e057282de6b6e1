//! The wake-up index is filled again from the database when the worker starts, when the
//! index was lost, and every ten minutes, beside the firing, so that a lost index only
//! delays a wake-up.

use chrono::{DateTime, Utc};
use earshot_core::Core;
use earshot_core::service::wake_sweep;

/// Re-indexes the next rows of the sweep under way, if any; how many.
pub(super) async fn run_once(core: &Core, now: DateTime<Utc>) -> earshot_core::Result<usize> {
    let swept = wake_sweep::sweep_some(core, now).await?;
    metrics::counter!("earshot_worker_wake_ups_reindexed_total").increment(swept as u64);
    Ok(swept)
}
