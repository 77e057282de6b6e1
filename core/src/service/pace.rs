//! How often a worker repeats a safety-net job (a sweep of the database for what an index
//! or a queue lost): the first call is always due, then once per period — or at every call
//! while the caller says it is idle.

use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

/// When this process last ran one job.
#[derive(Debug)]
pub(crate) struct Pace {
    every: Duration,
    last: Mutex<Option<Instant>>,
}

impl Pace {
    pub(crate) const fn new(every: Duration) -> Self {
        Self {
            every,
            last: Mutex::new(None),
        }
    }

    /// Whether to run now: always when `idle`, else once per period; a run is recorded.
    pub(crate) fn due(&self, idle: bool) -> bool {
        let mut last = self.last.lock().unwrap_or_else(PoisonError::into_inner);
        let now = Instant::now();
        let due = idle || last.is_none_or(|at| now.duration_since(at) >= self.every);
        if due {
            *last = Some(now);
        }
        due
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_always_then_once_a_period_unless_idle() {
        let pace = Pace::new(Duration::from_secs(3600));
        assert!(pace.due(false), "the first run");
        assert!(!pace.due(false), "within the period");
        assert!(pace.due(true), "idle: every call");
    }
}
