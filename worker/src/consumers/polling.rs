//! Channels that poll their platform (X mentions) and keyword listening rules (X recent
//! search) fetch what is new.

use chrono::{DateTime, Utc};
use earshot_core::Core;
use earshot_core::service::polling;

/// Polls the channels and rules due; how many were polled.
pub(super) async fn run_once(core: &Core, now: DateTime<Utc>) -> earshot_core::Result<usize> {
    let done = polling::poll_due(core, now).await?;
    Ok(done.channels)
}
