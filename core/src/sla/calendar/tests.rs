//! Table tests: real clock changes, overnight shifts across the week's end, holidays,
//! split shifts, and every refusal.

use chrono::{DateTime, Duration, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;

use super::spec::parse;
use super::{Calendar, HoursInterval, Invalid, WeeklyHours};

const H: i64 = 3600;

fn interval(start: &str, end: &str) -> HoursInterval {
    HoursInterval {
        start: start.into(),
        end: end.into(),
    }
}

/// A week from `(weekday from Monday = 0, start, end)` triples.
fn week(shifts: &[(usize, &str, &str)]) -> WeeklyHours {
    let mut days: [Vec<HoursInterval>; 7] = Default::default();
    for (day, start, end) in shifts {
        days[*day].push(interval(start, end));
    }
    let [
        monday,
        tuesday,
        wednesday,
        thursday,
        friday,
        saturday,
        sunday,
    ] = days;
    WeeklyHours {
        monday,
        tuesday,
        wednesday,
        thursday,
        friday,
        saturday,
        sunday,
    }
}

fn calendar(tz: &str, shifts: &[(usize, &str, &str)], holidays: &[&str]) -> Calendar {
    let holidays: Vec<String> = holidays.iter().map(|d| (*d).to_owned()).collect();
    parse(tz, &week(shifts), &holidays).unwrap()
}

fn every_day(tz: &str, start: &str, end: &str) -> Calendar {
    let shifts: Vec<(usize, &str, &str)> = (0..7).map(|d| (d, start, end)).collect();
    calendar(tz, &shifts, &[])
}

fn utc(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text).unwrap().to_utc()
}

/// A wall-clock time (`YYYY-MM-DD HH:MM`) that exists once in the zone.
fn wall(tz: &str, text: &str) -> DateTime<Utc> {
    let tz: Tz = tz.parse().unwrap();
    let naive = NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M").unwrap();
    tz.from_local_datetime(&naive).single().unwrap().to_utc()
}

/// Business seconds on one local date of an every-day calendar.
fn day_length(c: &Calendar, tz: &str, date: &str, next: &str) -> i64 {
    c.between(
        wall(tz, &format!("{date} 00:00")),
        wall(tz, &format!("{next} 00:00")),
    )
}

#[test]
fn always_counts_every_second() {
    let c = Calendar::always();
    let t = utc("2026-12-07T10:15:30Z");
    assert_eq!(c.add(t, 0), Some(t));
    assert_eq!(c.add(t, 90 * 24 * H), Some(t + Duration::days(90)));
    assert_eq!(c.between(t, t + Duration::days(400)), 400 * 24 * H);
    assert_eq!(c.between(t, t - Duration::seconds(1)), 0);
    assert_eq!(c.week_seconds(), 7 * 24 * H);
}

#[test]
fn berlin_days_are_23_and_25_hours_long_on_its_clock_changes() {
    let tz = "Europe/Berlin";
    let c = every_day(tz, "00:00", "24:00");
    assert_eq!(day_length(&c, tz, "2026-03-29", "2026-03-30"), 23 * H);
    assert_eq!(day_length(&c, tz, "2026-10-25", "2026-10-26"), 25 * H);
    assert_eq!(day_length(&c, tz, "2026-03-22", "2026-03-23"), 24 * H);
    // A week of a whole-day calendar over the spring change is an hour short.
    let (monday, next) = (wall(tz, "2026-03-23 00:00"), wall(tz, "2026-03-30 00:00"));
    assert_eq!(c.between(monday, next), 7 * 24 * H - H);
    assert_eq!(c.between(monday, monday + Duration::days(7)), 7 * 24 * H);
}

#[test]
fn berlin_shifts_cover_the_real_time_between_their_ends() {
    let tz = "Europe/Berlin";
    let early = calendar(tz, &[(6, "01:00", "04:00")], &[]);
    let sunday = |c: &Calendar, date: &str, next: &str| day_length(c, tz, date, next);
    assert_eq!(sunday(&early, "2026-03-22", "2026-03-23"), 3 * H);
    assert_eq!(sunday(&early, "2026-03-29", "2026-03-30"), 2 * H);
    assert_eq!(sunday(&early, "2026-10-25", "2026-10-26"), 4 * H);

    // 02:30 does not exist on 29 March: the shift starts when the clocks jump, 03:00 CEST.
    let gap = calendar(tz, &[(6, "02:30", "03:30")], &[]);
    let saturday = utc("2026-03-28T12:00:00Z");
    assert_eq!(gap.add(saturday, 0), Some(utc("2026-03-29T01:00:00Z")));
    assert_eq!(gap.add(saturday, 1800), Some(utc("2026-03-29T01:30:00Z")));
    assert_eq!(sunday(&gap, "2026-03-29", "2026-03-30"), 1800);
    // 02:30 exists twice on 25 October: the earlier one (CEST) starts it.
    assert_eq!(sunday(&gap, "2026-10-25", "2026-10-26"), 2 * H);
    assert_eq!(
        gap.add(utc("2026-10-24T12:00:00Z"), 0),
        Some(utc("2026-10-25T00:30:00Z"))
    );
}

#[test]
fn new_york_clock_changes_move_due_times_by_real_hours() {
    let tz = "America/New_York";
    let c = every_day(tz, "00:00", "24:00");
    assert_eq!(day_length(&c, tz, "2026-03-08", "2026-03-09"), 23 * H);
    assert_eq!(day_length(&c, tz, "2026-11-01", "2026-11-02"), 25 * H);
    // Sunday 8 March from midnight EST: 2 hours to the jump, then 03:00 EDT, one more hour.
    let sundays = calendar(tz, &[(6, "00:00", "24:00")], &[]);
    let saturday_night = wall(tz, "2026-03-07 23:00");
    assert_eq!(
        sundays.add(saturday_night, 3 * H),
        Some(utc("2026-03-08T08:00:00Z"))
    );
    // 01:00–02:00 on 1 November starts at the first 01:00 (EDT) and ends at 02:00 EST.
    let repeat = calendar(tz, &[(6, "01:00", "02:00")], &[]);
    assert_eq!(day_length(&repeat, tz, "2026-11-01", "2026-11-02"), 2 * H);
    assert_eq!(
        repeat.add(utc("2026-10-31T12:00:00Z"), 0),
        Some(utc("2026-11-01T05:00:00Z"))
    );
    assert_eq!(
        repeat.add(utc("2026-10-31T12:00:00Z"), 2 * H),
        Some(utc("2026-11-01T07:00:00Z"))
    );
}

#[test]
fn lord_howe_moves_its_clocks_by_half_an_hour() {
    let tz = "Australia/Lord_Howe";
    let c = every_day(tz, "00:00", "24:00");
    assert_eq!(
        day_length(&c, tz, "2026-04-05", "2026-04-06"),
        24 * H + 1800
    );
    assert_eq!(
        day_length(&c, tz, "2026-10-04", "2026-10-05"),
        24 * H - 1800
    );
    // 02:00–02:30 does not exist on 4 October: 02:00–03:00 is half an hour.
    let gap = calendar(tz, &[(6, "02:00", "03:00")], &[]);
    assert_eq!(day_length(&gap, tz, "2026-10-04", "2026-10-05"), 1800);
    assert_eq!(day_length(&gap, tz, "2026-10-11", "2026-10-12"), H);
    // 01:30–02:00 happens twice on 5 April: 01:00 (+11:00) to 03:00 (+10:30) is 2.5 hours.
    let repeat = calendar(tz, &[(6, "01:00", "03:00")], &[]);
    assert_eq!(
        day_length(&repeat, tz, "2026-04-05", "2026-04-06"),
        2 * H + 1800
    );
    assert_eq!(
        repeat.add(utc("2026-04-04T12:00:00Z"), 2 * H + 1800),
        Some(utc("2026-04-04T16:30:00Z"))
    );
}

#[test]
fn sundays_overnight_shift_runs_into_monday_across_the_weeks_end() {
    let c = calendar("UTC", &[(6, "22:00", "06:00")], &[]);
    let sunday = utc("2026-12-06T21:00:00Z");
    assert_eq!(c.add(sunday, 0), Some(utc("2026-12-06T22:00:00Z")));
    assert_eq!(c.add(sunday, H), Some(utc("2026-12-06T23:00:00Z")));
    assert_eq!(c.add(sunday, 8 * H), Some(utc("2026-12-07T06:00:00Z")));
    assert_eq!(c.add(sunday, 8 * H + 1), Some(utc("2026-12-13T22:00:01Z")));
    let monday = utc("2026-12-07T03:00:00Z");
    assert_eq!(c.add(monday, H), Some(utc("2026-12-07T04:00:00Z")));
    assert_eq!(c.between(utc("2026-12-06T20:00:00Z"), monday), 5 * H);
    assert_eq!(c.between(sunday, utc("2026-12-07T12:00:00Z")), 8 * H);
    assert_eq!(c.week_seconds(), 8 * H);
    // Berlin's clocks change in the night from Saturday to Sunday: such a shift then lasts
    // 7 hours in spring and 9 in autumn.
    let berlin = calendar("Europe/Berlin", &[(5, "22:00", "06:00")], &[]);
    let weekend = |from: &str, to: &str| {
        berlin.between(wall("Europe/Berlin", from), wall("Europe/Berlin", to))
    };
    assert_eq!(weekend("2026-03-28 12:00", "2026-03-29 12:00"), 7 * H);
    assert_eq!(weekend("2026-10-24 12:00", "2026-10-25 12:00"), 9 * H);
}

#[test]
fn holidays_remove_the_shifts_that_start_on_them() {
    let tz = "Europe/Berlin";
    let weekdays: Vec<(usize, &str, &str)> = (0..5).map(|d| (d, "09:00", "17:00")).collect();
    let c = calendar(tz, &weekdays, &["2026-12-24", "2026-12-25"]);
    let wednesday = wall(tz, "2026-12-23 16:00");
    assert_eq!(c.add(wednesday, 2 * H), Some(wall(tz, "2026-12-28 10:00")));
    let span = (wall(tz, "2026-12-23 00:00"), wall(tz, "2026-12-29 00:00"));
    assert_eq!(c.between(span.0, span.1), 16 * H);

    // The shift that started the evening before runs on into the holiday.
    let nights = calendar(
        "UTC",
        &(0..7).map(|d| (d, "22:00", "06:00")).collect::<Vec<_>>(),
        &["2026-12-08"],
    );
    let (from, to) = (utc("2026-12-07T00:00:00Z"), utc("2026-12-10T00:00:00Z"));
    assert_eq!(nights.between(from, to), 6 * H + 8 * H + 2 * H);
    assert_eq!(
        nights.add(utc("2026-12-08T05:00:00Z"), H + 1),
        Some(utc("2026-12-09T22:00:01Z"))
    );
}

#[test]
fn split_shifts_leave_the_gap_between_them_out() {
    let c = calendar("UTC", &[(0, "13:00", "17:00"), (0, "09:00", "12:00")], &[]);
    let monday = |time: &str| utc(&format!("2026-12-07T{time}:00Z"));
    assert_eq!(c.add(monday("11:00"), 2 * H), Some(monday("14:00")));
    assert_eq!(c.add(monday("12:00"), 0), Some(monday("13:00")));
    assert_eq!(c.add(monday("12:30"), 0), Some(monday("13:00")));
    assert_eq!(c.add(monday("10:00"), 0), Some(monday("10:00")));
    assert_eq!(c.add(monday("17:00"), 0), Some(utc("2026-12-14T09:00:00Z")));
    assert_eq!(c.add(monday("09:00"), 3 * H), Some(monday("12:00")));
    assert_eq!(
        c.between(monday("00:00"), utc("2026-12-08T00:00:00Z")),
        7 * H
    );
    assert_eq!(WeeklyHours::of(&c).monday[0], interval("09:00", "12:00"));
}

#[test]
fn large_amounts_jump_whole_weeks_and_agree_with_the_day_by_day_walk() {
    let tz = "Europe/Berlin";
    let weekdays: Vec<(usize, &str, &str)> = (0..5).map(|d| (d, "09:00", "17:00")).collect();
    let c = calendar(tz, &weekdays, &["2027-01-01", "2028-12-25", "2030-05-01"]);
    let start = utc("2026-12-07T10:00:00Z");
    let ten_years = 10 * 52 * 40 * H;
    let due = c.add(start, ten_years).unwrap();
    assert_eq!(Some(due), c.add_walking(start, ten_years, false));
    assert_eq!(c.between(start, due), ten_years);
    assert_eq!(c.between_walking(start, due, false), ten_years);
    // 520 weeks on, plus the three holidays.
    assert!(
        due > utc("2036-11-26T00:00:00Z") && due < utc("2036-11-28T00:00:00Z"),
        "{due}"
    );
}

#[test]
fn impossible_amounts_have_no_due_time() {
    let c = calendar("UTC", &[(0, "09:00", "10:00")], &[]);
    let start = utc("2026-12-07T10:00:00Z");
    assert_eq!(c.add(start, -1), None);
    assert_eq!(c.add(start, i64::MAX), None);
    assert_eq!(Calendar::always().add(start, i64::MAX), None);
}

#[test]
fn fractions_of_a_second_count_from_the_next_whole_second() {
    let c = Calendar::always();
    let start = utc("2026-12-07T10:00:00.400Z");
    assert_eq!(c.add(start, 0), Some(utc("2026-12-07T10:00:01Z")));
    assert_eq!(c.between(start, utc("2026-12-07T10:00:11Z")), 10);
}

fn refusal(
    tz: &str,
    shifts: &[(usize, &str, &str)],
    holidays: &[String],
) -> Vec<(String, &'static str)> {
    let errors: Vec<Invalid> = parse(tz, &week(shifts), holidays).unwrap_err();
    errors.into_iter().map(|e| (e.field, e.code)).collect()
}

fn one(field: &str, code: &'static str) -> Vec<(String, &'static str)> {
    vec![(field.to_owned(), code)]
}

#[test]
fn bad_calendars_are_refused_naming_the_field() {
    let nine = [(0, "09:00", "17:00")];
    assert_eq!(
        refusal("Mars/Olympus", &nine, &[]),
        one("timezone", "unknown_time_zone")
    );
    assert_eq!(refusal("UTC", &[], &[]), one("weekly", "no_hours"));
    for (start, end, field) in [
        ("9:00", "17:00", "start"),
        ("24:00", "17:00", "start"),
        ("09:00", "24:01", "end"),
        ("09:00", "12:60", "end"),
        ("09:00", "5pm", "end"),
    ] {
        let field = format!("weekly.monday[0].{field}");
        assert_eq!(
            refusal("UTC", &[(0, start, end)], &[]),
            one(&field, "invalid_time")
        );
    }
    let same_day = [(0, "09:00", "12:00"), (0, "11:00", "13:00")];
    let overlap = one("weekly.monday[1]", "overlapping_intervals");
    assert_eq!(refusal("UTC", &same_day, &[]), overlap);
    let overnight = [(0, "22:00", "06:00"), (1, "05:00", "09:00")];
    let overlap = one("weekly.tuesday[0]", "overlapping_intervals");
    assert_eq!(refusal("UTC", &overnight, &[]), overlap);
    let sunday_into_monday = [(6, "22:00", "06:00"), (0, "05:00", "09:00")];
    let overlap = one("weekly.monday[0]", "overlapping_intervals");
    assert_eq!(refusal("UTC", &sunday_into_monday, &[]), overlap);
    let twice: Vec<String> = vec!["2026-12-25".into(), "2026-12-25".into()];
    assert_eq!(
        refusal("UTC", &nine, &twice),
        one("holidays[1]", "duplicate_holiday")
    );
    let bad_date = vec!["2026-02-30".to_owned()];
    assert_eq!(
        refusal("UTC", &nine, &bad_date),
        one("holidays[0]", "invalid_date")
    );
    let crowded: Vec<(usize, &str, &str)> = (0..13).map(|_| (0, "09:00", "09:01")).collect();
    assert!(
        refusal("UTC", &crowded, &[]).contains(&("weekly.monday".into(), "too_many_intervals"))
    );
    let many: Vec<String> = (0..401)
        .map(|i| {
            (chrono::NaiveDate::from_ymd_opt(2026, 1, 1).unwrap() + Duration::days(i)).to_string()
        })
        .collect();
    assert_eq!(
        refusal("UTC", &nine, &many),
        one("holidays", "too_many_holidays")
    );
}

#[test]
fn touching_shifts_and_whole_days_are_accepted() {
    let touching = [
        (0, "22:00", "06:00"),
        (1, "06:00", "09:00"),
        (1, "09:00", "24:00"),
    ];
    assert!(parse("UTC", &week(&touching), &[]).is_ok());
    let around_the_clock = calendar("UTC", &[(2, "09:00", "09:00")], &[]);
    assert_eq!(around_the_clock.week_seconds(), 24 * H);
    let c = every_day("Asia/Kolkata", "00:00", "24:00");
    assert_eq!(c.week_seconds(), 7 * 24 * H);
}
