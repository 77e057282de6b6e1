//! Ranking durations: from a conversation's creation to its first reply and to its
//! resolution, as a count, a median and a p90 in whole seconds (rounded down).
//!
//! Medians and p90 are exact nearest-rank values: the value at position ⌈p·n⌉ of the n
//! values in ascending order. PostgreSQL computes them in SQL (`percentile_disc`, which
//! picks exactly that position); SQLite reads the durations and ranks them in memory the
//! same way, so both answer alike.

use chrono::TimeDelta;
use sea_orm::sea_query::Expr;

use crate::views::DurationFigures;

/// A percentile as the fraction `numerator / denominator`.
#[derive(Debug, Clone, Copy)]
pub(super) struct Percentile {
    numerator: i64,
    denominator: i64,
}

pub(super) const MEDIAN: Percentile = Percentile {
    numerator: 1,
    denominator: 2,
};
pub(super) const P90: Percentile = Percentile {
    numerator: 9,
    denominator: 10,
};

impl Percentile {
    /// The 1-based position ⌈p·n⌉ of its value among n values in ascending order.
    fn position(self, n: i64) -> i64 {
        (self.numerator * n + self.denominator - 1) / self.denominator
    }

    /// `percentile_disc` of this percentile, ordered by `expr`.
    pub(super) fn in_sql(self, expr: &str) -> Expr {
        let fraction = self.numerator as f64 / self.denominator as f64;
        Expr::cust(format!(
            "percentile_disc({fraction}) WITHIN GROUP (ORDER BY {expr})"
        ))
    }
}

/// Count, median and p90 of values in ascending order.
pub(super) fn spread_of(sorted: &[i64]) -> DurationFigures {
    let count = i64::try_from(sorted.len()).unwrap_or(i64::MAX);
    let at = |p: Percentile| {
        let position = usize::try_from(p.position(count)).ok()?;
        sorted.get(position.checked_sub(1)?).copied()
    };
    DurationFigures {
        count,
        median: at(MEDIAN),
        p90: at(P90),
    }
}

/// Whole seconds of a duration, rounded down (as PostgreSQL's `FLOOR`).
pub(super) fn whole_seconds(delta: TimeDelta) -> i64 {
    let seconds = delta.num_seconds();
    match delta < TimeDelta::seconds(seconds) {
        true => seconds - 1,
        false => seconds,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_are_nearest_ranks() {
        let cases = [
            (1, 1, 1),
            (2, 1, 2),
            (4, 2, 4),
            (5, 3, 5),
            (10, 5, 9),
            (11, 6, 10),
        ];
        for (n, median, p90) in cases {
            assert_eq!(MEDIAN.position(n), median, "median of {n}");
            assert_eq!(P90.position(n), p90, "p90 of {n}");
        }
    }

    /// PostgreSQL's `percentile_disc` takes position ⌈p·n⌉ computed in floating point.
    #[test]
    fn postgresql_picks_the_same_positions() {
        for p in [MEDIAN, P90] {
            let fraction = p.numerator as f64 / p.denominator as f64;
            for n in 1..200_000_i64 {
                assert_eq!(
                    (fraction * n as f64).ceil() as i64,
                    p.position(n),
                    "{p:?} {n}"
                );
            }
        }
    }

    #[test]
    fn a_spread_picks_the_values_at_those_ranks() {
        let values: Vec<i64> = (1..=70).map(|v| v * 10).collect();
        let spread = spread_of(&values);
        assert_eq!(spread.count, 70);
        assert_eq!(spread.median, Some(350));
        assert_eq!(spread.p90, Some(630));
        assert_eq!(spread_of(&[]), DurationFigures::default());
        let one = spread_of(&[42]);
        assert_eq!((one.count, one.median, one.p90), (1, Some(42), Some(42)));
    }

    #[test]
    fn durations_round_down_to_whole_seconds() {
        assert_eq!(whole_seconds(TimeDelta::milliseconds(59_999)), 59);
        assert_eq!(whole_seconds(TimeDelta::seconds(60)), 60);
        assert_eq!(whole_seconds(TimeDelta::milliseconds(-500)), -1);
    }
}
