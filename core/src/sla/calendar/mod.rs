//! Business-hours calendars and business-time arithmetic. Pure: no I/O, no clock.
//!
//! A [`Calendar`] is an IANA time zone, weekly shifts per weekday in local wall-clock time
//! and holidays (local dates). The rules, in one place:
//!
//! - A shift `start`–`end` starts on its weekday at `start`; when `end` is at or before
//!   `start` it runs overnight and ends on the next day (`22:00`–`06:00`; `09:00`–`09:00`
//!   is 24 hours). `24:00` is allowed as an end and means the next day's midnight.
//! - A holiday removes the shifts that *start* on that date. An overnight shift that
//!   started the evening before runs on into the holiday until its end; one starting on
//!   the holiday is removed whole, also the part after midnight.
//! - Each shift's ends are turned into instants on their own: a wall-clock time that does
//!   not exist (in a spring-forward gap) is the first instant after the gap, and one that
//!   exists twice (fall-back) is the earlier instant. A shift therefore covers the real time
//!   elapsed between those instants: `01:00`–`04:00` is 2 hours on Berlin's spring-forward
//!   night and 4 on its fall-back night.
//! - Business time is the union of those half-open intervals `[start, end)`.

mod arith;
mod local;
mod spec;

#[cfg(test)]
mod props;
#[cfg(test)]
mod tests;

use std::collections::BTreeSet;

use chrono::{NaiveDate, Weekday};
use chrono_tz::Tz;

pub use spec::{HoursInterval, WeeklyHours, parse};

/// Minutes in a day and in a week.
const DAY_MINUTES: u32 = 24 * 60;
const WEEK_MINUTES: u32 = 7 * DAY_MINUTES;

/// Most shifts on one weekday.
pub const MAX_SHIFTS_PER_DAY: usize = 12;
/// Most holidays a calendar keeps (a few years of them).
pub const MAX_HOLIDAYS: usize = 400;

/// A wall-clock time of day, `00:00` to `24:00`, in minutes after midnight.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct ClockTime(u32);

impl ClockTime {
    /// Parses `HH:MM` (two digits each); `24:00` only when `end_of_day` is allowed.
    pub fn parse(text: &str, end_of_day: bool) -> Option<ClockTime> {
        let (hours, minutes) = text.split_once(':')?;
        let two_digits = |s: &str| s.len() == 2 && s.bytes().all(|b| b.is_ascii_digit());
        if !two_digits(hours) || !two_digits(minutes) {
            return None;
        }
        let (hours, minutes): (u32, u32) = (hours.parse().ok()?, minutes.parse().ok()?);
        match (hours, minutes) {
            (24, 0) if end_of_day => Some(ClockTime(DAY_MINUTES)),
            (0..=23, 0..=59) => Some(ClockTime(hours * 60 + minutes)),
            _ => None,
        }
    }

    /// Minutes after midnight.
    pub fn minutes(self) -> u32 {
        self.0
    }
}

impl std::fmt::Display for ClockTime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:02}:{:02}", self.0 / 60, self.0 % 60)
    }
}

/// One shift of a weekday, in local wall-clock time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shift {
    /// When it starts (never `24:00`).
    pub start: ClockTime,
    /// When it ends; at or before `start` means on the next day.
    pub end: ClockTime,
}

impl Shift {
    /// Its length in local minutes (as if no clock changed).
    fn minutes(self) -> u32 {
        match self.end > self.start {
            true => self.end.0 - self.start.0,
            false => DAY_MINUTES - self.start.0 + self.end.0,
        }
    }
}

/// Why a calendar was refused: the field (as a path into the request), a stable code and
/// a sentence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invalid {
    /// Such as `timezone`, `weekly.monday[1].end` or `holidays[3]`.
    pub field: String,
    /// Such as `unknown_time_zone` or `overlapping_intervals`.
    pub code: &'static str,
    /// A sentence for a person.
    pub message: String,
}

impl Invalid {
    fn new(field: impl Into<String>, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            code,
            message: message.into(),
        }
    }
}

/// Weekdays from Monday, as the week is stored.
pub const WEEKDAYS: [Weekday; 7] = [
    Weekday::Mon,
    Weekday::Tue,
    Weekday::Wed,
    Weekday::Thu,
    Weekday::Fri,
    Weekday::Sat,
    Weekday::Sun,
];

/// A business-hours calendar: see the module's documentation for its rules.
#[derive(Debug, Clone)]
pub struct Calendar {
    tz: Tz,
    /// Shifts per weekday from Monday, each day's sorted by start.
    week: [Vec<Shift>; 7],
    holidays: BTreeSet<NaiveDate>,
    /// Local minutes of business in a week, times 60: the real length of a week without a
    /// holiday or a clock change.
    week_seconds: i64,
}

impl Calendar {
    /// A calendar from its zone, its shifts per weekday from Monday and its holidays.
    /// Refuses overlapping shifts (within a day, and with an overnight shift of the day
    /// before, Sunday's running into Monday), a week without hours, more than
    /// [`MAX_SHIFTS_PER_DAY`] shifts a day, more than [`MAX_HOLIDAYS`] holidays and a
    /// holiday given twice.
    pub fn new(
        tz: Tz,
        mut week: [Vec<Shift>; 7],
        holidays: &[NaiveDate],
    ) -> Result<Calendar, Vec<Invalid>> {
        let mut errors = spec::check_shifts(&week);
        let mut kept = BTreeSet::new();
        if holidays.len() > MAX_HOLIDAYS {
            let message = format!("at most {MAX_HOLIDAYS} holidays");
            errors.push(Invalid::new("holidays", "too_many_holidays", message));
        }
        for (i, date) in holidays.iter().enumerate() {
            if !kept.insert(*date) {
                let message = format!("{date} is listed twice");
                errors.push(Invalid::new(
                    format!("holidays[{i}]"),
                    "duplicate_holiday",
                    message,
                ));
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        for day in &mut week {
            day.sort_by_key(|s| s.start);
        }
        let minutes: u32 = week.iter().flatten().map(|s| s.minutes()).sum();
        Ok(Calendar {
            tz,
            week,
            holidays: kept,
            week_seconds: i64::from(minutes) * 60,
        })
    }

    /// Every hour of every day in UTC: what applies when no calendar is named.
    pub fn always() -> Calendar {
        let whole_day = Shift {
            start: ClockTime(0),
            end: ClockTime(DAY_MINUTES),
        };
        Calendar {
            tz: Tz::UTC,
            week: std::array::from_fn(|_| vec![whole_day]),
            holidays: BTreeSet::new(),
            week_seconds: i64::from(WEEK_MINUTES) * 60,
        }
    }

    /// The time zone.
    pub fn tz(&self) -> Tz {
        self.tz
    }

    /// The shifts of a weekday, sorted by start.
    pub fn shifts(&self, day: Weekday) -> &[Shift] {
        &self.week[day.num_days_from_monday() as usize]
    }

    /// The holidays, in order.
    pub fn holidays(&self) -> impl Iterator<Item = NaiveDate> + '_ {
        self.holidays.iter().copied()
    }
}
