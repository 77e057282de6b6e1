//! One SLA clock as pure data: started with a target in business seconds, paused and
//! resumed keeping what is left, re-targeted when another policy applies, stopped when its
//! promise is kept or no longer owed, and firing its warning and its breach once each.
//!
//! A running clock counts down from `resumed_at`: `remaining_seconds` is what was left
//! then. Its deadlines (`warn_at`, `due_at`) are where the calendar says that much business
//! time runs out, and `wake_at` is the next of them still to fire.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::calendar::Calendar;
use crate::views::wire_enum;

wire_enum!(
    /// Which promise a clock keeps: `first_response` (from a conversation's first customer
    /// message to the first reply), `next_response` (from a customer message that follows a
    /// reply to the next reply) or `resolution` (from the start of a conversation, or its
    /// re-opening after resolution, to resolution).
    ClockKind { FirstResponse = "first_response", NextResponse = "next_response", Resolution = "resolution" }
);
wire_enum!(
    /// Where a clock stands: `running`, `paused` (while the conversation is pending or
    /// snoozed, keeping what is left) or `stopped` (see its outcome).
    ClockState { Running = "running", Paused = "paused", Stopped = "stopped" }
);
wire_enum!(
    /// How a stopped clock ended: `achieved` (kept in time), `breached` (the deadline passed
    /// first) or `cancelled` (no longer owed: resolved without a reply, or no policy sets it
    /// any more).
    Outcome { Achieved = "achieved", Breached = "breached", Cancelled = "cancelled" }
);

/// What a clock fires.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Firing {
    /// Its warning threshold was reached.
    Warning,
    /// Its deadline passed.
    Breach,
}

impl ClockKind {
    /// A reply keeps the promise of a response clock.
    pub fn is_response(self) -> bool {
        matches!(self, ClockKind::FirstResponse | ClockKind::NextResponse)
    }
}

/// The terms a clock runs on, copied from its policy when it starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Terms {
    pub target_seconds: i64,
    /// Percent of the target after which it warns.
    pub warning_percent: i16,
}

impl Terms {
    /// Business seconds left when the warning is due.
    fn left_at_warning(self) -> i64 {
        self.target_seconds - self.target_seconds * i64::from(self.warning_percent) / 100
    }
}

/// A clock's state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Clock {
    pub kind: ClockKind,
    pub terms: Terms,
    pub state: ClockState,
    pub started_at: DateTime<Utc>,
    /// When the current running stretch began; `None` unless running.
    pub resumed_at: Option<DateTime<Utc>>,
    /// Business seconds left at `resumed_at` (or at the pause); below zero once overdue.
    pub remaining_seconds: i64,
    pub due_at: Option<DateTime<Utc>>,
    pub warn_at: Option<DateTime<Utc>>,
    pub wake_at: Option<DateTime<Utc>>,
    pub warned_at: Option<DateTime<Utc>>,
    pub breached_at: Option<DateTime<Utc>>,
    pub stopped_at: Option<DateTime<Utc>>,
    pub outcome: Option<Outcome>,
}

impl Clock {
    /// A clock started at `at` with the whole target left.
    pub fn start(kind: ClockKind, terms: Terms, at: DateTime<Utc>, calendar: &Calendar) -> Clock {
        let mut clock = Clock {
            kind,
            terms,
            state: ClockState::Running,
            started_at: at,
            resumed_at: Some(at),
            remaining_seconds: terms.target_seconds,
            due_at: None,
            warn_at: None,
            wake_at: None,
            warned_at: None,
            breached_at: None,
            stopped_at: None,
            outcome: None,
        };
        clock.plan(calendar);
        clock
    }

    /// Whether it still counts (running or paused).
    pub fn is_open(&self) -> bool {
        self.state != ClockState::Stopped
    }

    /// Business seconds left at `at` (below zero once overdue).
    pub fn remaining_at(&self, at: DateTime<Utc>, calendar: &Calendar) -> i64 {
        match (self.state, self.resumed_at) {
            (ClockState::Running, Some(since)) => {
                self.remaining_seconds - calendar.between(since, at)
            }
            _ => self.remaining_seconds,
        }
    }

    /// Holds a running clock, keeping the business time left.
    pub fn pause(&mut self, at: DateTime<Utc>, calendar: &Calendar) {
        if self.state != ClockState::Running {
            return;
        }
        self.remaining_seconds = self.remaining_at(at, calendar);
        self.state = ClockState::Paused;
        self.resumed_at = None;
        self.clear_deadlines();
    }

    /// Runs a paused clock again from `at` with what it had left.
    pub fn resume(&mut self, at: DateTime<Utc>, calendar: &Calendar) {
        if self.state != ClockState::Paused {
            return;
        }
        self.state = ClockState::Running;
        self.resumed_at = Some(at);
        self.plan(calendar);
    }

    /// Counts against new terms from `at`: the business time already used stays used.
    pub fn retarget(&mut self, terms: Terms, at: DateTime<Utc>, old: &Calendar, new: &Calendar) {
        let used = self.terms.target_seconds - self.remaining_at(at, old);
        self.terms = terms;
        self.remaining_seconds = terms.target_seconds - used;
        if self.state == ClockState::Running {
            self.resumed_at = Some(at);
            self.plan(new);
        }
    }

    /// Stops the clock at `at`: `kept` when its promise was kept (a reply, a resolution).
    /// A deadline that passed unfired counts as a breach now; the firing says so.
    pub fn stop(&mut self, at: DateTime<Utc>, kept: bool) -> Option<Firing> {
        if !self.is_open() {
            return None;
        }
        let overdue = self.state == ClockState::Running && self.due_at.is_some_and(|d| d <= at);
        let late_breach = overdue && self.breached_at.is_none();
        if late_breach {
            self.breached_at = Some(at);
        }
        self.outcome = Some(match (self.breached_at.is_some(), kept) {
            (true, _) => Outcome::Breached,
            (false, true) => Outcome::Achieved,
            (false, false) => Outcome::Cancelled,
        });
        self.state = ClockState::Stopped;
        self.stopped_at = Some(at);
        self.resumed_at = None;
        self.clear_deadlines();
        late_breach.then_some(Firing::Breach)
    }

    /// Fires what is due by `now` and not fired yet, warning before breach.
    pub fn fire(&mut self, now: DateTime<Utc>) -> Vec<Firing> {
        if self.state != ClockState::Running {
            return Vec::new();
        }
        let fired = self.alarm().fire(now);
        for firing in &fired {
            match firing {
                Firing::Warning => self.warned_at = Some(now),
                Firing::Breach => self.breached_at = Some(now),
            }
        }
        self.wake_at = self.next_wake();
        fired
    }

    fn alarm(&self) -> Alarm {
        Alarm {
            warn_at: self.warn_at,
            due_at: self.due_at,
            warned_at: self.warned_at,
            breached_at: self.breached_at,
        }
    }

    fn clear_deadlines(&mut self) {
        self.due_at = None;
        self.warn_at = None;
        self.wake_at = None;
    }

    /// Sets the deadlines of a running clock from `resumed_at`. Time already overdue is due
    /// at once, not at the next business hour.
    fn plan(&mut self, calendar: &Calendar) {
        let Some(from) = self.resumed_at else {
            return;
        };
        let deadline = |left: i64| {
            if left <= 0 {
                Some(from)
            } else {
                calendar.add(from, left)
            }
        };
        self.due_at = deadline(self.remaining_seconds);
        self.warn_at = deadline(self.remaining_seconds - self.terms.left_at_warning());
        self.wake_at = self.next_wake();
    }

    /// The next deadline still to fire.
    fn next_wake(&self) -> Option<DateTime<Utc>> {
        self.alarm().next_wake()
    }
}

/// A warning time and a deadline, and whether each has fired: what every promise — a clock,
/// a commitment — fires once each.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Alarm {
    pub warn_at: Option<DateTime<Utc>>,
    pub due_at: Option<DateTime<Utc>>,
    pub warned_at: Option<DateTime<Utc>>,
    pub breached_at: Option<DateTime<Utc>>,
}

impl Alarm {
    /// What is due by `now` and has not fired, warning before breach.
    pub fn fire(&self, now: DateTime<Utc>) -> Vec<Firing> {
        let mut fired = Vec::new();
        if self.warned_at.is_none() && self.warn_at.is_some_and(|w| w <= now) {
            fired.push(Firing::Warning);
        }
        if self.breached_at.is_none() && self.due_at.is_some_and(|d| d <= now) {
            fired.push(Firing::Breach);
        }
        fired
    }

    /// The next time still to fire.
    pub fn next_wake(&self) -> Option<DateTime<Utc>> {
        let warn = self.warn_at.filter(|_| self.warned_at.is_none());
        let due = self.due_at.filter(|_| self.breached_at.is_none());
        match (warn, due) {
            (Some(w), Some(d)) => Some(w.min(d)),
            (w, d) => w.or(d),
        }
    }
}

#[cfg(test)]
mod tests;
