//! The inbound queue: spreads logged deliveries over the workers and wakes them. The
//! inbound-event log stays the truth — an entry names a logged row, nothing more — so a
//! queue that loses entries (Redis flushed, the process restarted) loses no delivery: the
//! worker's sweep applies what the log holds unprocessed.
//!
//! Two implementations with one contract: Redis Streams (a consumer group per stream, idle
//! entries of a dead worker claimed by another, a dead-letter stream) and an in-process
//! queue for the embedded default. Each workspace has its own line, and a claim takes a
//! bounded share from every line, so one brand's storm does not hold back another brand's
//! customers.

mod memory;
mod streams;

use std::time::Duration;

use crate::Result;

pub(crate) use memory::Memory;
pub(crate) use streams::Streams;

/// The one consumer of the in-process queue.
const LOCAL: &str = "local";

/// What a queue entry names: a row of the inbound-event log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Entry {
    pub delivery: uuid::Uuid,
    pub workspace: uuid::Uuid,
}

/// An entry a worker claimed: it stays the worker's until acknowledged, or until it has
/// been idle so long that another worker claims it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Claimed {
    pub entry: Entry,
    /// Where the entry sits in its line (a stream entry id, or a sequence number).
    pub(crate) token: Token,
}

/// An entry's place in its workspace's line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Token {
    pub workspace: uuid::Uuid,
    pub id: String,
}

/// The queue a process publishes to and its worker claims from.
#[derive(Clone, Debug)]
pub(crate) enum InboundQueue {
    /// In this process: the embedded default (one process serves and works).
    Memory(std::sync::Arc<Memory>),
    /// Redis Streams: any number of API and worker processes.
    Streams(Streams),
}

impl InboundQueue {
    /// Adds entries for deliveries just logged.
    pub(crate) async fn publish(&self, entries: &[Entry]) -> Result<()> {
        if entries.is_empty() {
            return Ok(());
        }
        match self {
            Self::Memory(queue) => {
                queue.publish(entries);
                Ok(())
            }
            Self::Streams(queue) => queue.publish(entries).await,
        }
    }

    /// Up to `per_workspace` entries of every workspace for this process: first those it
    /// claimed before and has not acknowledged, then those another process has left idle
    /// for `idle`, then new ones.
    pub(crate) async fn claim(&self, per_workspace: usize, idle: Duration) -> Result<Vec<Claimed>> {
        match self {
            Self::Memory(queue) => Ok(queue.claim(LOCAL, per_workspace, idle)),
            Self::Streams(queue) => queue.claim(per_workspace, idle).await,
        }
    }

    /// Marks entries done.
    pub(crate) async fn ack(&self, done: &[Claimed]) -> Result<()> {
        if done.is_empty() {
            return Ok(());
        }
        match self {
            Self::Memory(queue) => {
                queue.ack(done);
                Ok(())
            }
            Self::Streams(queue) => queue.ack(done).await,
        }
    }

    /// Records a delivery set aside after its attempts, with why, where operators look for
    /// such (the dead-letter stream; in process, the log line and the counter).
    pub(crate) async fn dead_letter(&self, entry: Entry, why: &str) -> Result<()> {
        metrics::counter!("earshot_inbound_dead_letters_total").increment(1);
        tracing::warn!(delivery = %entry.delivery, workspace = %entry.workspace, reason = why, "a delivery was set aside");
        match self {
            Self::Memory(_) => Ok(()),
            Self::Streams(queue) => queue.dead_letter(entry, why).await,
        }
    }
}

#[cfg(test)]
mod tests;
