//! Property tests over random calendars in zones with unusual clock changes (half-hour
//! shifts, changes at midnight, changes twice within weeks) and random instants.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use chrono_tz::Tz;
use proptest::prelude::*;

use super::{Calendar, ClockTime, DAY_MINUTES, Shift};

const ZONES: [Tz; 8] = [
    Tz::UTC,
    Tz::Europe__Berlin,
    Tz::America__New_York,
    Tz::Australia__Lord_Howe,
    Tz::America__Santiago,
    Tz::Asia__Kolkata,
    Tz::Africa__Casablanca,
    Tz::Pacific__Chatham,
];

/// 2025-01-01 to 2030-01-01, in seconds.
const FROM: i64 = 1_735_689_600;
const TO: i64 = 1_893_456_000;
const DAY: i64 = 86_400;

/// A shift from its weekday, start (in quarter hours) and length (1 to 96 quarter hours).
fn shift(start_quarters: u32, length_quarters: u32) -> Shift {
    let start = start_quarters * 15;
    let end = start + length_quarters * 15;
    let end = match end {
        DAY_MINUTES => DAY_MINUTES,
        e => e % DAY_MINUTES,
    };
    Shift {
        start: ClockTime(start),
        end: ClockTime(end),
    }
}

fn calendars() -> impl Strategy<Value = Calendar> {
    let shifts = prop::collection::vec((0usize..7, 0u32..96, 1u32..=96), 1..6);
    let holidays = prop::collection::btree_set(0u64..1900, 0..6);
    (0..ZONES.len(), shifts, holidays).prop_filter_map("overlapping shifts", |(z, s, h)| {
        let mut week: [Vec<Shift>; 7] = Default::default();
        for (day, start, length) in s {
            week[day].push(shift(start, length));
        }
        let first = NaiveDate::from_ymd_opt(2025, 1, 1)?;
        let dates: Vec<NaiveDate> = h
            .into_iter()
            .filter_map(|d| first.checked_add_days(chrono::Days::new(d)))
            .collect();
        Calendar::new(ZONES[z], week, &dates).ok()
    })
}

fn instants() -> impl Strategy<Value = DateTime<Utc>> {
    (FROM..TO).prop_map(|s| DateTime::from_timestamp(s, 0).unwrap_or_default())
}

fn amounts() -> impl Strategy<Value = i64> {
    prop_oneof![0i64..3600, 0i64..(40 * DAY)]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn adding_then_measuring_gives_back_the_amount(cal in calendars(), s in instants(), n in amounts()) {
        let due = cal.add(s, n).unwrap();
        prop_assert_eq!(cal.between(s, due), n);
        if n > 0 {
            // And it is the earliest such instant.
            prop_assert_eq!(cal.between(s, due - Duration::seconds(1)), n - 1);
        }
    }

    #[test]
    fn add_is_monotonic_in_the_amount(cal in calendars(), s in instants(), a in amounts(), b in amounts()) {
        let (low, high) = (a.min(b), a.max(b));
        prop_assert!(cal.add(s, low).unwrap() <= cal.add(s, high).unwrap());
    }

    #[test]
    fn add_is_monotonic_in_the_start(cal in calendars(), a in instants(), b in instants(), n in amounts()) {
        let (early, late) = (a.min(b), a.max(b));
        prop_assert!(cal.add(early, n).unwrap() <= cal.add(late, n).unwrap());
    }

    #[test]
    fn between_is_additive(cal in calendars(), a in instants(), b in instants(), c in instants()) {
        let mut points = [a, b, c];
        points.sort();
        let [a, b, c] = points;
        prop_assert_eq!(cal.between(a, b) + cal.between(b, c), cal.between(a, c));
        prop_assert_eq!(cal.between(c, a), 0);
    }

    #[test]
    fn zero_is_the_first_business_second_from_the_start(cal in calendars(), s in instants()) {
        let first = cal.add(s, 0).unwrap();
        prop_assert!(first >= s);
        prop_assert_eq!(cal.between(s, first), 0);
        prop_assert_eq!(cal.between(first, first + Duration::seconds(1)), 1);
    }

    #[test]
    fn jumping_whole_weeks_agrees_with_walking_day_by_day(
        cal in calendars(),
        s in instants(),
        n in 0i64..(20 * DAY),
        span in 0i64..(3 * 365 * DAY),
    ) {
        prop_assert_eq!(cal.add(s, n), cal.add_walking(s, n, false));
        let b = s + Duration::seconds(span);
        prop_assert_eq!(cal.between(s, b), cal.between_walking(s, b, false));
    }
}
