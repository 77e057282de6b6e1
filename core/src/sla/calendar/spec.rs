//! A calendar as callers write it (`HH:MM` strings, ISO dates, a zone name), and the checks
//! that turn it into a [`Calendar`] or name every field that is wrong.

use std::str::FromStr;

use chrono::NaiveDate;
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use super::{
    Calendar, ClockTime, DAY_MINUTES, Invalid, MAX_SHIFTS_PER_DAY, Shift, WEEK_MINUTES, WEEKDAYS,
};

/// One shift: local wall-clock `start` and `end` as `HH:MM`. An `end` at or before `start`
/// runs overnight into the next day; `24:00` is allowed as an `end`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HoursInterval {
    /// `HH:MM`, such as `09:00`.
    #[schema(example = "09:00")]
    pub start: String,
    /// `HH:MM` or `24:00`, such as `17:30`; at or before `start` means the next day.
    #[schema(example = "17:30")]
    pub end: String,
}

/// Shifts per weekday (several a day for split shifts; none for a day off).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WeeklyHours {
    /// Monday's shifts.
    #[serde(default)]
    pub monday: Vec<HoursInterval>,
    /// Tuesday's shifts.
    #[serde(default)]
    pub tuesday: Vec<HoursInterval>,
    /// Wednesday's shifts.
    #[serde(default)]
    pub wednesday: Vec<HoursInterval>,
    /// Thursday's shifts.
    #[serde(default)]
    pub thursday: Vec<HoursInterval>,
    /// Friday's shifts.
    #[serde(default)]
    pub friday: Vec<HoursInterval>,
    /// Saturday's shifts.
    #[serde(default)]
    pub saturday: Vec<HoursInterval>,
    /// Sunday's shifts (an overnight one runs into Monday).
    #[serde(default)]
    pub sunday: Vec<HoursInterval>,
}

/// Weekday names as fields, from Monday.
const DAY_NAMES: [&str; 7] = [
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
];

impl WeeklyHours {
    /// Each weekday's shifts from Monday.
    pub fn days(&self) -> [&[HoursInterval]; 7] {
        [
            &self.monday,
            &self.tuesday,
            &self.wednesday,
            &self.thursday,
            &self.friday,
            &self.saturday,
            &self.sunday,
        ]
    }

    /// The calendar's week as written, each day's shifts in order of start.
    pub fn of(calendar: &Calendar) -> WeeklyHours {
        let day = |i: usize| {
            calendar
                .shifts(WEEKDAYS[i])
                .iter()
                .map(|s| HoursInterval {
                    start: s.start.to_string(),
                    end: s.end.to_string(),
                })
                .collect()
        };
        WeeklyHours {
            monday: day(0),
            tuesday: day(1),
            wednesday: day(2),
            thursday: day(3),
            friday: day(4),
            saturday: day(5),
            sunday: day(6),
        }
    }
}

/// A calendar from what a caller wrote, or every field that is wrong.
pub fn parse(
    timezone: &str,
    weekly: &WeeklyHours,
    holidays: &[String],
) -> Result<Calendar, Vec<Invalid>> {
    let mut errors = Vec::new();
    let tz = Tz::from_str(timezone.trim()).map_err(|_| {
        let message = format!("{timezone:?} is not an IANA time zone, such as Europe/Berlin");
        Invalid::new("timezone", "unknown_time_zone", message)
    });
    if let Err(e) = &tz {
        errors.push(e.clone());
    }
    let mut week: [Vec<Shift>; 7] = Default::default();
    for (i, day) in weekly.days().into_iter().enumerate() {
        for (j, interval) in day.iter().enumerate() {
            let field = format!("weekly.{}[{j}]", DAY_NAMES[i]);
            match parse_shift(interval, &field) {
                Ok(shift) => week[i].push(shift),
                Err(mut e) => errors.append(&mut e),
            }
        }
    }
    let mut dates = Vec::with_capacity(holidays.len());
    for (i, text) in holidays.iter().enumerate() {
        match NaiveDate::parse_from_str(text, "%Y-%m-%d") {
            Ok(date) => dates.push(date),
            Err(_) => errors.push(Invalid::new(
                format!("holidays[{i}]"),
                "invalid_date",
                format!("{text:?} is not a date written YYYY-MM-DD"),
            )),
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    Calendar::new(tz.unwrap_or(Tz::UTC), week, &dates)
}

fn parse_shift(interval: &HoursInterval, field: &str) -> Result<Shift, Vec<Invalid>> {
    let start = ClockTime::parse(&interval.start, false);
    let end = ClockTime::parse(&interval.end, true);
    let mut errors = Vec::new();
    if start.is_none() {
        let message = "a start is written HH:MM, from 00:00 to 23:59";
        errors.push(Invalid::new(
            format!("{field}.start"),
            "invalid_time",
            message,
        ));
    }
    if end.is_none() {
        let message = "an end is written HH:MM, from 00:00 to 24:00";
        errors.push(Invalid::new(
            format!("{field}.end"),
            "invalid_time",
            message,
        ));
    }
    match (start, end) {
        (Some(start), Some(end)) => Ok(Shift { start, end }),
        _ => Err(errors),
    }
}

/// One shift placed on the week, in minutes after Monday 00:00.
struct Placed {
    day: usize,
    index: usize,
    start: u32,
    end: u32,
}

/// The week's structural problems: too many shifts a day, overlaps (Sunday's overnight
/// shift running into Monday included), no hours at all.
pub(super) fn check_shifts(week: &[Vec<Shift>; 7]) -> Vec<Invalid> {
    let mut errors = Vec::new();
    let mut placed = Vec::new();
    for (day, shifts) in week.iter().enumerate() {
        if shifts.len() > MAX_SHIFTS_PER_DAY {
            let message = format!("at most {MAX_SHIFTS_PER_DAY} intervals a day");
            let field = format!("weekly.{}", DAY_NAMES[day]);
            errors.push(Invalid::new(field, "too_many_intervals", message));
        }
        for (index, shift) in shifts.iter().enumerate() {
            let start = day as u32 * DAY_MINUTES + shift.start.0;
            let end = start + shift.minutes();
            placed.push(Placed {
                day,
                index,
                start,
                end,
            });
        }
    }
    if placed.is_empty() {
        let message = "a calendar needs at least one interval in its week";
        errors.push(Invalid::new("weekly", "no_hours", message));
        return errors;
    }
    placed.sort_by_key(|p| (p.start, p.day, p.index));
    let mut latest = &placed[0];
    for next in &placed[1..] {
        if next.start < latest.end {
            errors.push(overlap(next, latest));
        }
        if next.end > latest.end {
            latest = next;
        }
    }
    // Sunday's overnight shift runs into the next week's Monday.
    let first = &placed[0];
    if latest.end > WEEK_MINUTES && latest.end - WEEK_MINUTES > first.start {
        errors.push(overlap(first, latest));
    }
    errors
}

fn overlap(shift: &Placed, other: &Placed) -> Invalid {
    let message = format!(
        "overlaps {}'s interval {}",
        DAY_NAMES[other.day],
        other.index + 1
    );
    let field = format!("weekly.{}[{}]", DAY_NAMES[shift.day], shift.index);
    Invalid::new(field, "overlapping_intervals", message)
}
