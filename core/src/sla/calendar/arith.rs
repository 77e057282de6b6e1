//! Adding business seconds to an instant and counting them between two instants.
//!
//! Both walk the calendar a local date at a time, taking the shifts that start on each
//! date, and jump a whole week at once where nothing irregular happens in it (no holiday,
//! one UTC offset throughout), because such a week holds exactly the calendar's weekly
//! business seconds. Instants count in whole seconds: one with a fraction starts counting
//! at the next whole second.

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveDateTime, Utc};

use super::{Calendar, local};

/// The last year the arithmetic walks into; beyond it `add` answers `None`.
const LAST_YEAR: i32 = 9999;

/// One business interval `[from, to)`.
type Span = (DateTime<Utc>, DateTime<Utc>);

impl Calendar {
    /// The instant at which `business_seconds` of business time have passed since `start`.
    /// With `0`, the earliest instant at or after `start` that is in business time (`start`
    /// itself when it is). `None` when `business_seconds` is negative or the answer lies
    /// beyond the year 9999.
    pub fn add(&self, start: DateTime<Utc>, business_seconds: i64) -> Option<DateTime<Utc>> {
        self.add_walking(start, business_seconds, true)
    }

    /// Business seconds in `[a, b)`; `0` when `b` is not after `a`.
    pub fn between(&self, a: DateTime<Utc>, b: DateTime<Utc>) -> i64 {
        self.between_walking(a, b, true)
    }

    /// The weekly business seconds of the calendar (a week without holidays or clock
    /// changes).
    pub fn week_seconds(&self) -> i64 {
        self.week_seconds
    }

    pub(super) fn add_walking(
        &self,
        start: DateTime<Utc>,
        business_seconds: i64,
        skip_weeks: bool,
    ) -> Option<DateTime<Utc>> {
        let start = whole_second(start)?;
        let first = self.local_date(start);
        let years_left = i64::from(LAST_YEAR - first.year()).max(0) + 1;
        if business_seconds < 0 || business_seconds / self.week_seconds > years_left * 53 {
            return None;
        }
        let mut remaining = business_seconds;
        let mut date = first.pred_opt()?;
        loop {
            if date.year() > LAST_YEAR {
                return None;
            }
            let skippable = remaining > self.week_seconds && date > first;
            if skip_weeks && skippable && self.midnight(date)? >= start && self.plain_week(date) {
                remaining -= self.week_seconds;
                date = date.checked_add_days(chrono::Days::new(7))?;
                continue;
            }
            for (from, to) in self.spans(date)? {
                let from = from.max(start);
                if to <= from {
                    continue;
                }
                if remaining == 0 {
                    return Some(from);
                }
                let length = (to - from).num_seconds();
                if remaining <= length {
                    return Some(from + Duration::seconds(remaining));
                }
                remaining -= length;
            }
            date = date.succ_opt()?;
        }
    }

    pub(super) fn between_walking(
        &self,
        a: DateTime<Utc>,
        b: DateTime<Utc>,
        skip_weeks: bool,
    ) -> i64 {
        let (Some(a), Some(b)) = (whole_second(a), whole_second(b)) else {
            return 0;
        };
        let first = self.local_date(a);
        let Some(mut date) = first.pred_opt() else {
            return 0;
        };
        let mut total = 0;
        loop {
            let Some(midnight) = self.midnight(date) else {
                return total;
            };
            if midnight >= b || date.year() > LAST_YEAR {
                return total;
            }
            let week_inside = date > first
                && midnight >= a
                && date
                    .checked_add_days(chrono::Days::new(8))
                    .and_then(|end| self.midnight(end))
                    .is_some_and(|end| end <= b);
            if skip_weeks && week_inside && self.plain_week(date) {
                let Some(next) = date.checked_add_days(chrono::Days::new(7)) else {
                    return total;
                };
                total += self.week_seconds;
                date = next;
                continue;
            }
            for (from, to) in self.spans(date).unwrap_or_default() {
                let (from, to) = (from.max(a), to.min(b));
                if to > from {
                    total += (to - from).num_seconds();
                }
            }
            let Some(next) = date.succ_opt() else {
                return total;
            };
            date = next;
        }
    }

    /// The business intervals of the shifts starting on `date`, in order; none on a
    /// holiday. `None` only at the ends of the representable dates.
    fn spans(&self, date: NaiveDate) -> Option<Vec<Span>> {
        if self.holidays.contains(&date) {
            return Some(Vec::new());
        }
        let midnight = date.and_hms_opt(0, 0, 0)?;
        let at = |minutes: u32| -> Option<DateTime<Utc>> {
            let wall = midnight.checked_add_signed(Duration::minutes(i64::from(minutes)))?;
            Some(local::instant(self.tz, wall))
        };
        self.shifts(date.weekday())
            .iter()
            .map(|shift| {
                let from = at(shift.start.minutes())?;
                let to = at(shift.start.minutes() + shift.minutes())?;
                Some((from, to))
            })
            .collect()
    }

    /// Whether the seven dates from `date` hold exactly the weekly business seconds: no
    /// holiday among them, and one UTC offset at every local midnight from `date` to the
    /// eighth day after (an overnight shift of the seventh date ends by then). Clock
    /// changes happen at most once in a day, so equal offsets at the midnights mean none
    /// happened in the week.
    fn plain_week(&self, date: NaiveDate) -> bool {
        let Some(last) = date.checked_add_days(chrono::Days::new(6)) else {
            return false;
        };
        if self.holidays.range(date..=last).next().is_some() {
            return false;
        }
        let offsets = (0..=8).map(|days| {
            let day = date.checked_add_days(chrono::Days::new(days))?;
            local::unique_offset(self.tz, day.and_hms_opt(0, 0, 0)?)
        });
        let mut offsets = offsets.collect::<Option<Vec<i32>>>().unwrap_or_default();
        offsets.dedup();
        offsets.len() == 1
    }

    /// The local date of an instant.
    fn local_date(&self, at: DateTime<Utc>) -> NaiveDate {
        at.with_timezone(&self.tz).date_naive()
    }

    /// The instant a local date starts.
    fn midnight(&self, date: NaiveDate) -> Option<DateTime<Utc>> {
        let wall: NaiveDateTime = date.and_hms_opt(0, 0, 0)?;
        Some(local::instant(self.tz, wall))
    }
}

/// The instant rounded up to a whole second.
fn whole_second(at: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let up = i64::from(at.timestamp_subsec_nanos() > 0);
    DateTime::from_timestamp(at.timestamp().checked_add(up)?, 0)
}
