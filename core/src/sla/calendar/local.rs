//! Wall-clock times to instants, through gaps and repeats.

use chrono::{DateTime, LocalResult, NaiveDateTime, Offset, TimeZone, Utc};
use chrono_tz::Tz;

/// The instant a local wall-clock time names: itself when it exists once, the earlier
/// instant when it exists twice (fall-back), and the first instant after the gap when the
/// clocks skipped it (spring-forward).
pub(super) fn instant(tz: Tz, local: NaiveDateTime) -> DateTime<Utc> {
    match tz.from_local_datetime(&local) {
        LocalResult::Single(t) => t.with_timezone(&Utc),
        LocalResult::Ambiguous(a, b) => a.with_timezone(&Utc).min(b.with_timezone(&Utc)),
        LocalResult::None => end_of_gap(tz, local),
    }
}

/// The UTC offset, in seconds, of a local wall-clock time that exists exactly once.
pub(super) fn unique_offset(tz: Tz, local: NaiveDateTime) -> Option<i32> {
    match tz.from_local_datetime(&local) {
        LocalResult::Single(t) => Some(t.offset().fix().local_minus_utc()),
        _ => None,
    }
}

/// The first instant whose wall-clock time is past `local`, a time inside a gap: the
/// moment the clocks jumped. Found by bisection over a window wide enough for every
/// offset (UTC−12 to UTC+14), in which wall-clock time only moves forward around a gap.
fn end_of_gap(tz: Tz, local: NaiveDateTime) -> DateTime<Utc> {
    let wall = |t: DateTime<Utc>| t.with_timezone(&tz).naive_local();
    let at =
        |seconds: i64| DateTime::from_timestamp(seconds, 0).unwrap_or(DateTime::<Utc>::MAX_UTC);
    let as_utc = local.and_utc().timestamp();
    // Invariant: the wall clock at `before` is not past `local`; at `after` it is.
    let (mut before, mut after) = (as_utc - 15 * 3600, as_utc + 13 * 3600);
    while after - before > 1 {
        let middle = before + (after - before) / 2;
        match wall(at(middle)) > local {
            true => after = middle,
            false => before = middle,
        }
    }
    at(after)
}
