//! Committed events go out to live subscribers: woken by the bus as soon as a change
//! commits, and at every turn for what could not go out before (Redis was away, a process
//! stopped).

use chrono::{DateTime, Utc};
use earshot_core::Core;

/// Publishes every committed event not yet published; how many.
pub(super) async fn run_once(core: &Core, _now: DateTime<Utc>) -> earshot_core::Result<usize> {
    let published = earshot_core::events::fan_out(core).await?;
    metrics::counter!("earshot_worker_events_relayed_total").increment(published as u64);
    Ok(published)
}
