//! Platform deliveries in the inbound-event log become conversations and messages.

use chrono::{DateTime, Utc};
use earshot_core::Core;
use earshot_core::service::inbound;

/// Processes the deliveries due; how many deliveries were processed.
pub(super) async fn run_once(core: &Core, now: DateTime<Utc>) -> earshot_core::Result<usize> {
    let done = inbound::process_due(core, now).await?;
    metrics::counter!("earshot_worker_inbound_messages_stored_total")
        .increment(done.messages as u64);
    Ok(done.deliveries)
}
