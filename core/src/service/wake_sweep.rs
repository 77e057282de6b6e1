//! The wake-up index's safety net: the worker re-indexes every snooze, clock, commitment and
//! follow-up from the database when it starts and every `REINDEX_EVERY`, so that a lost
//! index (Redis flushed, a write that failed) only delays a wake-up. The sweep is a consumer
//! of its own, beside the one that fires, and goes a few pages per turn, earliest deadline
//! first within each kind, so that a million waiting rows never hold up the firing of those
//! due now.

use std::sync::{Mutex, PoisonError};

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::entity;
use crate::repo;
use crate::repo::wake_times::Wakes;
use crate::schedule::{WakeKind, WakeUp};
use crate::{Core, Result};

use super::pace::Pace;

/// How often a sweep starts.
pub(crate) const REINDEX_EVERY: std::time::Duration = std::time::Duration::from_secs(60);

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

/// This process's sweep: when the last began, and where the current one stands.
#[derive(Debug)]
pub(crate) struct Sweep {
    pace: Pace,
    at: Mutex<Option<Stage>>,
}

impl Sweep {
    pub(crate) fn new() -> Self {
        Self {
            pace: Pace::new(REINDEX_EVERY),
            at: Mutex::new(None),
        }
    }

    /// Where to go on from: the current sweep's stage, or the start of a new one when due.
    fn current(&self) -> Option<Stage> {
        let mut at = self.at.lock().unwrap_or_else(PoisonError::into_inner);
        if at.is_none() && self.pace.due(false) {
            *at = Some(Stage::Snoozes(None));
        }
        *at
    }

    fn set(&self, stage: Option<Stage>) {
        *self.at.lock().unwrap_or_else(PoisonError::into_inner) = stage;
    }
}

/// Re-indexes the next rows of the sweep, if one is under way or due; how many. A page
/// that fails is read again at the next turn.
pub async fn sweep_some(core: &Core) -> Result<usize> {
    let Some(mut stage) = core.wake_sweep().current() else {
        return Ok(0);
    };
    let mut indexed = 0;
    while indexed < PER_TURN {
        let (count, next) = page(core, stage).await?;
        indexed += count;
        match next {
            Some(next) => stage = next,
            None => {
                core.wake_sweep().set(None);
                return Ok(indexed);
            }
        }
    }
    core.wake_sweep().set(Some(stage));
    Ok(indexed)
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
