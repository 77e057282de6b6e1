//! The figures that are durations: from a conversation's creation to its first reply and to
//! its resolution, as a count, a median and a p90 in whole seconds (rounded down).
//!
//! Medians and p90 are exact nearest-rank values: the value at position ⌈p·n⌉ of the n
//! values in ascending order. PostgreSQL computes them in SQL (`percentile_disc`, which
//! picks exactly that position); SQLite reads the durations and ranks them in memory the
//! same way, so both answer alike.

use std::collections::BTreeMap;

use chrono::{DateTime, TimeDelta, Utc};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Func, JoinType, Query, SelectStatement};
use sea_orm::{ConnectionTrait, DatabaseBackend};

use crate::Result;
use crate::entity::{conversations, messages};
use crate::views::{Direction, DurationFigures, Status};

use super::{C, Frame, Grouping, RowKey, Source, Tallies, col};

/// A percentile as the fraction `numerator / denominator`.
#[derive(Debug, Clone, Copy)]
struct Percentile {
    numerator: i64,
    denominator: i64,
}

const MEDIAN: Percentile = Percentile {
    numerator: 1,
    denominator: 2,
};
const P90: Percentile = Percentile {
    numerator: 9,
    denominator: 10,
};

impl Percentile {
    /// The 1-based position ⌈p·n⌉ of its value among n values in ascending order.
    fn position(self, n: i64) -> i64 {
        (self.numerator * n + self.denominator - 1) / self.denominator
    }

    /// `percentile_disc` of this percentile, ordered by `expr`.
    fn in_sql(self, expr: &str) -> Expr {
        let fraction = self.numerator as f64 / self.denominator as f64;
        Expr::cust(format!(
            "percentile_disc({fraction}) WITHIN GROUP (ORDER BY {expr})"
        ))
    }
}

/// From creation to the first reply, for conversations created in the period.
pub(super) async fn first_response(
    conn: &impl ConnectionTrait,
    frame: &Frame<'_>,
    tallies: &mut Tallies,
) -> Result<()> {
    for (key, spread) in spreads(conn, frame, first_replies(frame)).await? {
        tallies.entry(key).or_default().first_response_seconds = spread;
    }
    Ok(())
}

/// From creation to resolution, for conversations created in the period and resolved now.
pub(super) async fn resolution(
    conn: &impl ConnectionTrait,
    frame: &Frame<'_>,
    tallies: &mut Tallies,
) -> Result<()> {
    for (key, spread) in spreads(conn, frame, resolutions(frame)).await? {
        tallies.entry(key).or_default().resolution_seconds = spread;
    }
    Ok(())
}

/// The conversations created in the period, with their keys and `started_at`; the caller
/// adds `ended_at`.
fn created_in_period(frame: &Frame<'_>) -> SelectStatement {
    let mut select = Query::select();
    select
        .from_as(conversations::Entity, Alias::new(C))
        .expr_as(col(C, "created_at"), Alias::new("started_at"))
        .and_where(col(C, "created_at").gte(frame.period.from))
        .and_where(col(C, "created_at").lt(frame.period.to));
    frame.restrict(&mut select, Source::Conversations);
    for (expr, name) in frame.keys(Source::Conversations) {
        select.expr_as(expr, Alias::new(name));
    }
    select
}

/// Each conversation created in the period that has a reply, with its first reply's time.
fn first_replies(frame: &Frame<'_>) -> SelectStatement {
    let first = Query::select()
        .expr_as(col("m", "conversation_id"), Alias::new("conversation_id"))
        .expr_as(Func::min(col("m", "created_at")), Alias::new("replied_at"))
        .from_as(messages::Entity, Alias::new("m"))
        .and_where(col("m", "workspace_id").is_in(frame.reach.workspaces()))
        .and_where(col("m", "direction").eq(Direction::Outbound.as_str()))
        // No reply precedes its conversation, so none written before the period is the
        // first of a conversation created in it: the index range starts at `from`.
        .and_where(col("m", "created_at").gte(frame.period.from))
        .add_group_by([col("m", "conversation_id")])
        .to_owned();
    let mut select = created_in_period(frame);
    select
        .join_subquery(
            JoinType::InnerJoin,
            first,
            Alias::new("f"),
            col("f", "conversation_id").equals((Alias::new(C), Alias::new("id"))),
        )
        .expr_as(col("f", "replied_at"), Alias::new("ended_at"));
    select
}

/// Each conversation created in the period that is resolved (or closed after resolution)
/// now, with the time it was resolved.
fn resolutions(frame: &Frame<'_>) -> SelectStatement {
    let done = [Status::Resolved, Status::Closed].map(Status::as_str);
    let mut select = created_in_period(frame);
    select
        .expr_as(col(C, "resolved_at"), Alias::new("ended_at"))
        .and_where(col(C, "resolved_at").is_not_null())
        .and_where(col(C, "status").is_in(done));
    select
}

/// The count, median and p90 of `ended_at - started_at` per key of `spans`, at the frame's
/// split and at each coarser one.
async fn spreads(
    conn: &impl ConnectionTrait,
    frame: &Frame<'_>,
    spans: SelectStatement,
) -> Result<BTreeMap<RowKey, DurationFigures>> {
    match frame.backend {
        DatabaseBackend::Postgres => ranked_in_sql(conn, frame, spans).await,
        _ => ranked_in_memory(conn, frame, spans).await,
    }
}

/// Every split in one statement: `GROUPING SETS`, one set per split, and `GROUPING()` to
/// tell a key column left out of a set from a null key (unassigned, no team).
async fn ranked_in_sql(
    conn: &impl ConnectionTrait,
    frame: &Frame<'_>,
    spans: SelectStatement,
) -> Result<BTreeMap<RowKey, DurationFigures>> {
    let seconds = r#"CAST(FLOOR(EXTRACT(EPOCH FROM ("ended_at" - "started_at"))) AS BIGINT)"#;
    let keys: Vec<&str> = frame
        .keys(Source::Conversations)
        .into_iter()
        .map(|(_, name)| name)
        .collect();
    let set_of = |level: &Grouping| {
        let names: Vec<String> = keys
            .iter()
            .filter(|key| match **key {
                "k_ws" => level.per_workspace,
                _ => level.by.is_some(),
            })
            .map(|key| format!("\"{key}\""))
            .collect();
        format!("({})", names.join(", "))
    };
    let sets: Vec<String> = std::iter::once(&frame.grouping)
        .chain(frame.coarser)
        .map(set_of)
        .collect();
    let mut spread = Query::select();
    for key in &keys {
        spread.column(Alias::new(*key)).expr_as(
            Expr::cust(format!("GROUPING(\"{key}\")")),
            Alias::new(format!("g_{key}")),
        );
    }
    spread
        .expr_as(Expr::cust("COUNT(*)"), Alias::new("n"))
        .expr_as(MEDIAN.in_sql(seconds), Alias::new("median"))
        .expr_as(P90.in_sql(seconds), Alias::new("p90"))
        .from_subquery(spans, Alias::new("d"))
        .add_group_by([Expr::cust(format!("GROUPING SETS ({})", sets.join(", ")))]);
    let mut spreads = BTreeMap::new();
    for row in conn.query_all(&spread).await? {
        let count: i64 = row.try_get("", "n")?;
        // A set without keys answers one row even for no rows at all.
        if count == 0 {
            continue;
        }
        let present = |key: &str| -> Result<bool> {
            Ok(keys.contains(&key) && row.try_get::<i32>("", &format!("g_{key}"))? == 0)
        };
        let level = Grouping {
            per_workspace: present("k_ws")?,
            by: match present("k_day")? || present("k_id")? {
                true => frame.grouping.by,
                false => None,
            },
        };
        let figures = DurationFigures {
            count,
            median: row.try_get("", "median")?,
            p90: row.try_get("", "p90")?,
        };
        spreads.insert(frame.key_at(&row, level)?, figures);
    }
    Ok(spreads)
}

async fn ranked_in_memory(
    conn: &impl ConnectionTrait,
    frame: &Frame<'_>,
    spans: SelectStatement,
) -> Result<BTreeMap<RowKey, DurationFigures>> {
    let mut seconds: BTreeMap<RowKey, Vec<i64>> = BTreeMap::new();
    for row in conn.query_all(&spans).await? {
        let started: DateTime<Utc> = row.try_get("", "started_at")?;
        let ended: DateTime<Utc> = row.try_get("", "ended_at")?;
        let value = whole_seconds(ended - started);
        let key = frame.key_of(&row)?;
        seconds.entry(key).or_default().push(value);
        for level in frame.coarser {
            seconds.entry(level.coarsen(key)).or_default().push(value);
        }
    }
    Ok(seconds
        .into_iter()
        .map(|(key, mut values)| {
            values.sort_unstable();
            (key, spread_of(&values))
        })
        .collect())
}

/// Count, median and p90 of values in ascending order.
fn spread_of(sorted: &[i64]) -> DurationFigures {
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
fn whole_seconds(delta: TimeDelta) -> i64 {
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
