//! A clock through its life: deadlines in business time, pause and resume keeping what is
//! left, re-targeting keeping what was used, firing once each, and stopping.

use chrono::{DateTime, Duration, TimeZone, Utc};

use super::super::calendar::{Calendar, HoursInterval, WeeklyHours, parse};
use super::{Clock, ClockKind, ClockState, Firing, Outcome, Terms};

const H: i64 = 3600;

/// Weekdays 09:00–17:00 in Berlin.
fn office() -> Calendar {
    let day = || {
        vec![HoursInterval {
            start: "09:00".into(),
            end: "17:00".into(),
        }]
    };
    let weekly = WeeklyHours {
        monday: day(),
        tuesday: day(),
        wednesday: day(),
        thursday: day(),
        friday: day(),
        ..WeeklyHours::default()
    };
    parse("Europe/Berlin", &weekly, &[]).unwrap()
}

/// A Berlin wall-clock time in December 2026 (UTC+1).
fn berlin(day: u32, hour: u32, minute: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, day, hour - 1, minute, 0)
        .unwrap()
}

fn terms(target_seconds: i64) -> Terms {
    Terms {
        target_seconds,
        warning_percent: 75,
    }
}

#[test]
fn deadlines_count_business_time_only() {
    // Friday 16:00, a 2-hour target: one hour on Friday, one on Monday.
    let clock = Clock::start(
        ClockKind::FirstResponse,
        terms(2 * H),
        berlin(4, 16, 0),
        &office(),
    );
    assert_eq!(clock.due_at, Some(berlin(7, 10, 0)));
    // 75 % used: 30 minutes left, Monday 09:30.
    assert_eq!(clock.warn_at, Some(berlin(7, 9, 30)));
    assert_eq!(clock.wake_at, clock.warn_at);
}

#[test]
fn a_pause_keeps_the_business_time_left_and_a_resume_counts_from_then() {
    let calendar = office();
    let mut clock = Clock::start(
        ClockKind::Resolution,
        terms(4 * H),
        berlin(7, 9, 0),
        &calendar,
    );
    clock.pause(berlin(7, 10, 30), &calendar);
    assert_eq!(clock.state, ClockState::Paused);
    assert_eq!(clock.remaining_seconds, 4 * H - 90 * 60);
    assert_eq!((clock.due_at, clock.wake_at), (None, None));
    // Paused time, overnight included, does not count.
    clock.resume(berlin(8, 16, 0), &calendar);
    assert_eq!(clock.remaining_at(berlin(8, 16, 0), &calendar), 150 * 60);
    // One hour on Tuesday, 90 minutes on Wednesday.
    assert_eq!(clock.due_at, Some(berlin(9, 10, 30)));
}

#[test]
fn warning_then_breach_fire_once_each() {
    let calendar = Calendar::always();
    let start = berlin(7, 9, 0);
    let mut clock = Clock::start(ClockKind::FirstResponse, terms(100), start, &calendar);
    assert!(clock.fire(start + Duration::seconds(74)).is_empty());
    assert_eq!(
        clock.fire(start + Duration::seconds(75)),
        vec![Firing::Warning]
    );
    assert_eq!(clock.wake_at, Some(start + Duration::seconds(100)));
    assert!(
        clock.fire(start + Duration::seconds(80)).is_empty(),
        "no second warning"
    );
    assert_eq!(
        clock.fire(start + Duration::seconds(100)),
        vec![Firing::Breach]
    );
    assert_eq!(clock.wake_at, None);
    assert!(
        clock.fire(start + Duration::seconds(500)).is_empty(),
        "no second breach"
    );
    assert_eq!(clock.stop(start + Duration::seconds(600), true), None);
    assert_eq!(
        clock.outcome,
        Some(Outcome::Breached),
        "a late reply keeps the breach"
    );
}

#[test]
fn a_late_wake_up_fires_the_warning_and_the_breach_together() {
    let calendar = Calendar::always();
    let start = berlin(7, 9, 0);
    let mut clock = Clock::start(ClockKind::NextResponse, terms(100), start, &calendar);
    let fired = clock.fire(start + Duration::seconds(200));
    assert_eq!(fired, vec![Firing::Warning, Firing::Breach]);
}

#[test]
fn stopping_in_time_achieves_and_past_the_deadline_breaches() {
    let calendar = Calendar::always();
    let start = berlin(7, 9, 0);
    let mut kept = Clock::start(ClockKind::FirstResponse, terms(100), start, &calendar);
    assert_eq!(kept.stop(start + Duration::seconds(99), true), None);
    assert_eq!(kept.outcome, Some(Outcome::Achieved));
    assert_eq!(kept.state, ClockState::Stopped);

    // The deadline passed before the worker fired it: the stop counts the breach.
    let mut late = Clock::start(ClockKind::FirstResponse, terms(100), start, &calendar);
    let at = start + Duration::seconds(100);
    assert_eq!(late.stop(at, true), Some(Firing::Breach));
    assert_eq!(
        (late.outcome, late.breached_at),
        (Some(Outcome::Breached), Some(at))
    );

    let mut dropped = Clock::start(ClockKind::NextResponse, terms(100), start, &calendar);
    assert_eq!(dropped.stop(start + Duration::seconds(10), false), None);
    assert_eq!(dropped.outcome, Some(Outcome::Cancelled));
    assert_eq!(
        dropped.stop(start + Duration::seconds(20), true),
        None,
        "stops once"
    );
    assert_eq!(dropped.outcome, Some(Outcome::Cancelled));
}

#[test]
fn retargeting_keeps_the_time_used() {
    let calendar = office();
    let start = berlin(7, 9, 0);
    let mut clock = Clock::start(ClockKind::FirstResponse, terms(4 * H), start, &calendar);
    // An hour used; the new policy allows 90 minutes in all.
    clock.retarget(terms(90 * 60), berlin(7, 10, 0), &calendar, &calendar);
    assert_eq!(clock.remaining_seconds, 30 * 60);
    assert_eq!(clock.due_at, Some(berlin(7, 10, 30)));
    // Already past a stricter target: due at once, not at the next business hour.
    clock.retarget(terms(30 * 60), berlin(7, 10, 0), &calendar, &calendar);
    assert_eq!(clock.due_at, Some(berlin(7, 10, 0)));
}

#[test]
fn a_paused_clock_past_its_deadline_is_due_when_resumed_outside_hours() {
    let calendar = office();
    let mut clock = Clock::start(ClockKind::Resolution, terms(H), berlin(7, 9, 0), &calendar);
    clock.pause(berlin(7, 11, 0), &calendar);
    assert_eq!(clock.remaining_seconds, -H);
    clock.resume(berlin(7, 20, 0), &calendar);
    assert_eq!(clock.due_at, Some(berlin(7, 20, 0)));
}
