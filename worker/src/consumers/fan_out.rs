//! Committed events not yet published go out to live subscribers.

use chrono::{DateTime, TimeDelta, Utc};
use earshot_core::Core;

/// How long a change has to publish its own events before this consumer does.
const PUBLISH_GRACE: TimeDelta = TimeDelta::seconds(10);

/// Publishes what was committed before `now` less the grace; how many were published.
pub(super) async fn run_once(core: &Core, now: DateTime<Utc>) -> earshot_core::Result<usize> {
    let relayed = earshot_core::events::relay_unpublished(core, now - PUBLISH_GRACE).await?;
    if relayed > 0 {
        tracing::info!(relayed, "unpublished events relayed");
    }
    metrics::counter!("earshot_worker_events_relayed_total").increment(relayed as u64);
    Ok(relayed)
}
