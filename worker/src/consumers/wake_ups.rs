//! Snoozed conversations wake at their wake time.

use chrono::{DateTime, Utc};
use earshot_core::Core;
use earshot_core::service::wake_ups;

/// Re-opens the conversations due by `now`; how many woke.
pub(super) async fn run_once(core: &Core, now: DateTime<Utc>) -> earshot_core::Result<usize> {
    let woken = wake_ups::wake_due(core, now).await?;
    metrics::counter!("earshot_worker_conversations_woken_total").increment(woken as u64);
    Ok(woken)
}

/// How long to rest before the next wake-up is due.
pub(super) async fn rest(core: &Core) -> std::time::Duration {
    wake_ups::rest(core).await
}
