//! The wake-up index: what is due when — a snoozed conversation's wake time, and the SLA
//! clocks' deadlines to come. The worker sleeps until the earliest entry is due instead of
//! polling the database. The database stays the truth: an entry names a row and a time,
//! nothing more, so a lost index (Redis flushed or restarted empty) loses nothing — the
//! worker re-indexes from the database at start and sweeps it now and then — and acting on
//! an entry is a conditional change of its row, so a stale or repeated entry changes nothing.
//!
//! Two implementations with one contract: Redis (any number of processes; small sorted sets
//! in buckets, `redis_index`) and an in-process index for the embedded default. The contract:
//! entries come due in time order, each with its exact time (to the millisecond); a row's
//! latest scheduled time is in the index; acting on an entry and calling `done` takes out
//! that entry only if it is still at the time acted on, so a row moved meanwhile keeps its
//! new time. An entry for a row moved since it was added may come back at its old time
//! (Redis does not look for a row's old time when adding): acting on it changes nothing,
//! as its row is not due, and `done` takes it out. The in-process index keeps one time per
//! row, the latest scheduled.
//!
//! Sweeps: the index records when the last complete re-index from the database began
//! (`last_sweep`). A sweep records that it began (`sweep_begun`, only where no record is) and
//! that it completed (`sweep_done`, only where the record is still there). Losing the index
//! loses the record with it, so a worker sees at once that the index must be filled again,
//! and a sweep that was under way when it was lost does not count as complete.

mod memory;
mod redis_index;
#[cfg(test)]
mod tests;

use chrono::{DateTime, TimeZone, Utc};

use crate::Result;

pub(crate) use memory::Memory;
pub use redis_index::RedisIndex;

/// What a wake-up is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum WakeKind {
    /// A snoozed conversation re-opens.
    Snooze,
    /// An SLA clock reaches its warning threshold or its deadline.
    Clock,
    /// A commitment reaches its warning time or its due time.
    Commitment,
    /// A satisfaction question is due to go out.
    Followup,
}

impl WakeKind {
    fn tag(self) -> u8 {
        match self {
            WakeKind::Snooze => b's',
            WakeKind::Clock => b'c',
            WakeKind::Commitment => b'm',
            WakeKind::Followup => b'f',
        }
    }

    fn from_tag(tag: u8) -> Option<Self> {
        match tag {
            b's' => Some(WakeKind::Snooze),
            b'c' => Some(WakeKind::Clock),
            b'm' => Some(WakeKind::Commitment),
            b'f' => Some(WakeKind::Followup),
            _ => None,
        }
    }
}

/// A row to act on at a time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct WakeUp {
    pub kind: WakeKind,
    pub id: uuid::Uuid,
    pub at: DateTime<Utc>,
}

impl WakeUp {
    /// The index member: the kind's tag and the row's id, 17 bytes.
    fn member(&self) -> Vec<u8> {
        let mut member = Vec::with_capacity(17);
        member.push(self.kind.tag());
        member.extend_from_slice(self.id.as_bytes());
        member
    }

    fn from_member(member: &[u8], millis: i64) -> Option<Self> {
        let (&tag, id) = member.split_first()?;
        Some(Self {
            kind: WakeKind::from_tag(tag)?,
            id: uuid::Uuid::from_slice(id).ok()?,
            at: Utc.timestamp_millis_opt(millis).single()?,
        })
    }

    /// The index score: milliseconds since the epoch, rounded up, so that an entry is due
    /// only once its time has fully come (the row's own check agrees).
    fn score(&self) -> i64 {
        ceil_millis(self.at)
    }
}

/// Milliseconds since the epoch, rounded up.
fn ceil_millis(at: DateTime<Utc>) -> i64 {
    let partial = !at.timestamp_subsec_nanos().is_multiple_of(1_000_000);
    at.timestamp_millis() + i64::from(partial)
}

/// The index a process schedules into and its worker wakes from.
#[derive(Clone, Debug)]
pub(crate) enum Schedule {
    /// In this process: the embedded default.
    Memory(std::sync::Arc<Memory>),
    /// Redis, shared by every process of the deployment.
    Redis(RedisIndex),
}

impl Schedule {
    /// Adds wake-ups, or moves them to their new time (Redis may keep the old one too).
    pub(crate) async fn add(&self, wake_ups: &[WakeUp]) -> Result<()> {
        if wake_ups.is_empty() {
            return Ok(());
        }
        match self {
            Schedule::Memory(index) => {
                index.add(wake_ups);
                Ok(())
            }
            Schedule::Redis(index) => index.add(wake_ups).await,
        }
    }

    /// Wake-ups due by `now` (to the millisecond, rounded up), earliest first, at most
    /// `limit`. Each comes back with its time rounded up to the millisecond: one later
    /// than `now` may be due by its row's own reckoning and not yet by the index's.
    pub(crate) async fn due(&self, now: DateTime<Utc>, limit: usize) -> Result<Vec<WakeUp>> {
        match self {
            Schedule::Memory(index) => Ok(index.due(now, limit)),
            Schedule::Redis(index) => index.due(now, limit).await,
        }
    }

    /// Takes out wake-ups acted on — each only if it was not moved meanwhile.
    pub(crate) async fn done(&self, wake_ups: &[WakeUp]) -> Result<()> {
        if wake_ups.is_empty() {
            return Ok(());
        }
        match self {
            Schedule::Memory(index) => {
                index.done(wake_ups);
                Ok(())
            }
            Schedule::Redis(index) => index.done(wake_ups).await,
        }
    }

    /// When the last complete sweep began: `Ok(None)` when the index has no record of any
    /// (lost, or never filled), the epoch while the first sweep is under way.
    pub(crate) async fn last_sweep(&self) -> Result<Option<DateTime<Utc>>> {
        let millis = match self {
            Schedule::Memory(index) => index.last_sweep(),
            Schedule::Redis(index) => index.last_sweep().await?,
        };
        Ok(millis.and_then(|ms| Utc.timestamp_millis_opt(ms).single()))
    }

    /// Records that a sweep began, where the index has no record of one.
    pub(crate) async fn sweep_begun(&self) -> Result<()> {
        match self {
            Schedule::Memory(index) => {
                index.sweep_begun();
                Ok(())
            }
            Schedule::Redis(index) => index.sweep_begun().await,
        }
    }

    /// Records that the sweep begun at `began` completed; `false` when the index was lost
    /// while it ran (the sweep must start over).
    pub(crate) async fn sweep_done(&self, began: DateTime<Utc>) -> Result<bool> {
        let began = began.timestamp_millis();
        match self {
            Schedule::Memory(index) => Ok(index.sweep_done(began)),
            Schedule::Redis(index) => index.sweep_done(began).await,
        }
    }

    /// When the earliest wake-up is due, if any.
    pub(crate) async fn next(&self) -> Result<Option<DateTime<Utc>>> {
        match self {
            Schedule::Memory(index) => Ok(index.next()),
            Schedule::Redis(index) => index.next().await,
        }
    }
}
