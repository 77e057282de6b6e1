//! The wake-up index's safety net: the worker re-indexes every snooze, clock, commitment and
//! follow-up from the database when it starts, at once when the index was lost (Redis
//! flushed or restarted empty: the index's record of its last sweep is gone with it), and
//! every `REINDEX_EVERY` otherwise, for writes to the index that failed. The sweep is a
//! consumer of its own, beside the one that fires, and goes a few pages per turn, earliest
//! deadline first within each kind, so that a million waiting rows never hold up the firing
//! of those due now. Several workers may sweep side by side; adding an entry twice is
//! harmless.

use std::sync::{Mutex, PoisonError};

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::entity;
use crate::repo;
use crate::repo::wake_times::Wakes;
use crate::schedule::{WakeKind, WakeUp};
use crate::{Core, Result};

/// How often the index is filled again while nothing says it was lost: a sweep of a
/// million rows keeps Redis busy for seconds, and only a write that failed needs it.
pub(crate) const REINDEX_EVERY: chrono::TimeDelta = chrono::TimeDelta::minutes(10);

/// Rows one page reads.
const PAGE: u64 = 1_000;

/// Rows one turn re-indexes at most.
const PER_TURN: usize = 2_000;

/// Where a sweep stands: the kind it is on, and the last row indexed of it.
#[derive(Debug, Clone, Copy)]
enum Stage {
    Snoozes(Option<Uuid>),
    Times(WakeKind, Option<(DateTime<Utc>, Uuid)>),
}

/// A sweep under way: when it began, and where it stands.
#[derive(Debug, Clone, Copy)]
struct Under {
    began: DateTime<Utc>,
    stage: Stage,
}

/// This process's sweep: whether it swept since it started, and the sweep under way.
#[derive(Debug, Default)]
pub(crate) struct Sweep {
    at: Mutex<(bool, Option<Under>)>,
}

impl Sweep {
    pub(crate) fn new() -> Self {
        Self::default()
    }

    fn under_way(&self) -> (bool, Option<Under>) {
        *self.at.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn set(&self, under: Option<Under>) {
        *self.at.lock().unwrap_or_else(PoisonError::into_inner) = (true, under);
    }
}

/// The sweep to go on with: the one under way, or a new one when it is time for one.
async fn current(core: &Core, now: DateTime<Utc>) -> Result<Option<Under>> {
    let (swept_here, under) = core.wake_sweep().under_way();
    if under.is_some() {
        return Ok(under);
    }
    let due = !swept_here
        || match core.schedule().last_sweep().await? {
            None => true,
            Some(began) => now - began >= REINDEX_EVERY,
        };
    if !due {
        return Ok(None);
    }
    core.schedule().sweep_begun().await?;
    let under = Under {
        began: now,
        stage: Stage::Snoozes(None),
    };
    core.wake_sweep().set(Some(under));
    Ok(Some(under))
}

/// Re-indexes the next rows of the sweep, if one is under way or due; how many. A page
/// that fails is read again at the next turn.
pub async fn sweep_some(core: &Core, now: DateTime<Utc>) -> Result<usize> {
    let Some(mut under) = current(core, now).await? else {
        return Ok(0);
    };
    let mut indexed = 0;
    while indexed < PER_TURN {
        let (count, next) = page(core, under.stage).await?;
        indexed += count;
        match next {
            Some(next) => under.stage = next,
            None => {
                finish(core, under.began).await?;
                return Ok(indexed);
            }
        }
    }
    core.wake_sweep().set(Some(under));
    Ok(indexed)
}

/// Records a sweep complete; if the index was lost while it ran, the next turn starts over.
async fn finish(core: &Core, began: DateTime<Utc>) -> Result<()> {
    core.wake_sweep().set(None);
    if !core.schedule().sweep_done(began).await? {
        tracing::warn!("the wake-up index was lost during a sweep; sweeping again");
    }
    Ok(())
}

/// Indexes one page; how many rows, and the stage after it (`None`: the sweep is done).
async fn page(core: &Core, stage: Stage) -> Result<(usize, Option<Stage>)> {
    match stage {
        Stage::Snoozes(after) => {
            let rows = repo::snoozes::snoozed_page(core.db().conn(), after, PAGE).await?;
            let wake_ups = rows
                .iter()
                .map(|&(id, at)| wake_up(WakeKind::Snooze, id, at));
            core.schedule().add(&wake_ups.collect::<Vec<_>>()).await?;
            let next = match rows.last() {
                Some(&(last, _)) if rows.len() as u64 == PAGE => Stage::Snoozes(Some(last)),
                _ => Stage::Times(WakeKind::Clock, None),
            };
            Ok((rows.len(), Some(next)))
        }
        Stage::Times(kind, after) => {
            let rows = match kind {
                WakeKind::Clock => times::<entity::sla_clocks::Entity>(core, after).await?,
                WakeKind::Commitment => times::<entity::commitments::Entity>(core, after).await?,
                WakeKind::Followup => times::<entity::followups::Entity>(core, after).await?,
                WakeKind::Snooze => Vec::new(),
            };
            let wake_ups = rows.iter().map(|&(id, at)| wake_up(kind, id, at));
            core.schedule().add(&wake_ups.collect::<Vec<_>>()).await?;
            let next = match rows.last() {
                Some(&(last, at)) if rows.len() as u64 == PAGE => {
                    Some(Stage::Times(kind, Some((at, last))))
                }
                _ => next_kind(kind).map(|k| Stage::Times(k, None)),
            };
            Ok((rows.len(), next))
        }
    }
}

async fn times<E: Wakes>(
    core: &Core,
    after: Option<(DateTime<Utc>, Uuid)>,
) -> Result<Vec<(Uuid, DateTime<Utc>)>>
where
    E::Column: sea_orm::ColumnTrait,
{
    repo::wake_times::waking_page::<E>(core.db().conn(), after, PAGE).await
}

/// The kind swept after `kind`, if any.
fn next_kind(kind: WakeKind) -> Option<WakeKind> {
    match kind {
        WakeKind::Snooze => Some(WakeKind::Clock),
        WakeKind::Clock => Some(WakeKind::Commitment),
        WakeKind::Commitment => Some(WakeKind::Followup),
        WakeKind::Followup => None,
    }
}

fn wake_up(kind: WakeKind, id: Uuid, at: DateTime<Utc>) -> WakeUp {
    WakeUp { kind, id, at }
}
