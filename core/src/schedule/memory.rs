//! The wake-up index in this process: one time per member, ordered by time.

use std::collections::{BTreeSet, HashMap};
use std::sync::{Mutex, PoisonError};

use chrono::{DateTime, Utc};

use super::WakeUp;

#[derive(Debug, Default)]
pub(crate) struct Memory {
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    by_time: BTreeSet<(i64, Vec<u8>)>,
    times: HashMap<Vec<u8>, i64>,
    /// When the last complete sweep began (ms; `0` while the first is under way).
    swept: Option<i64>,
}

impl Memory {
    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub(crate) fn last_sweep(&self) -> Option<i64> {
        self.state().swept
    }

    pub(crate) fn sweep_begun(&self) {
        self.state().swept.get_or_insert(0);
    }

    /// The index lives as long as the process, so a sweep's record is always still there.
    pub(crate) fn sweep_done(&self, began: i64) -> bool {
        self.state().swept = Some(began);
        true
    }

    pub(crate) fn add(&self, wake_ups: &[WakeUp]) {
        let mut state = self.state();
        for wake_up in wake_ups {
            let member = wake_up.member();
            if let Some(old) = state.times.insert(member.clone(), wake_up.score()) {
                state.by_time.remove(&(old, member.clone()));
            }
            state.by_time.insert((wake_up.score(), member));
        }
    }

    pub(crate) fn due(&self, now: DateTime<Utc>, limit: usize) -> Vec<WakeUp> {
        let now = super::ceil_millis(now);
        self.state()
            .by_time
            .iter()
            .take_while(|(at, _)| *at <= now)
            .take(limit)
            .filter_map(|(at, member)| WakeUp::from_member(member, *at))
            .collect()
    }

    pub(crate) fn done(&self, wake_ups: &[WakeUp]) {
        let mut state = self.state();
        for wake_up in wake_ups {
            let member = wake_up.member();
            if state.times.get(&member) == Some(&wake_up.score()) {
                state.times.remove(&member);
                state.by_time.remove(&(wake_up.score(), member));
            }
        }
    }

    pub(crate) fn next(&self) -> Option<DateTime<Utc>> {
        let state = self.state();
        let (at, member) = state.by_time.first()?;
        WakeUp::from_member(member, *at).map(|w| w.at)
    }
}
