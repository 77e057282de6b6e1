//! Agents' replies go out on their platforms.

use chrono::{DateTime, Utc};
use earshot_core::Core;
use earshot_core::service::outbound;

/// Sends the replies due; how many were handled (sent, put off or failed).
pub(super) async fn run_once(core: &Core, now: DateTime<Utc>) -> earshot_core::Result<usize> {
    let done = outbound::process_due(core, now).await?;
    metrics::counter!("earshot_worker_replies_sent_total").increment(done.sent as u64);
    metrics::counter!("earshot_worker_replies_retried_total").increment(done.retried as u64);
    metrics::counter!("earshot_worker_replies_failed_total").increment(done.failed as u64);
    Ok(done.handled())
}
