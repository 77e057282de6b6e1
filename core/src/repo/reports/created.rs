//! The figures of the conversations created in the period, read in one pass over their
//! rows (on PostgreSQL, over the conversations' report index alone): how many, how many
//! carry each label now, and the durations from creation to the first reply
//! (`first_reply_at`) and to resolution (those resolved or closed now). The counts are read
//! at the frame's split; the durations, which do not add up, also at each coarser one.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Query, SelectStatement};
use sea_orm::{ConnectionTrait, DatabaseBackend, QueryResult};

use crate::Result;
use crate::entity::conversations;
use crate::views::{DurationFigures, Label, ReportFigures, Status};

use super::durations::{MEDIAN, P90, spread_of, whole_seconds};
use super::{C, Frame, Grouping, Reads, RowKey, Source, Tallies, col, count_if};

/// Resolved conversations, whose resolution time counts.
const DONE: [Status; 2] = [Status::Resolved, Status::Closed];

/// The labels counted, each with the figure it adds to.
const LABELS: [(Label, &str); 3] = [
    (Label::Adversary, "adversary"),
    (Label::Neutral, "neutral"),
    (Label::Advocate, "advocate"),
];

/// The two durations, each as the column the per-conversation rows name it by.
const FIRST_RESPONSE: &str = "first_response";
const RESOLUTION: &str = "resolution";

/// Reads the figures `reads` asks for (counts, durations or both) into `tallies`.
pub(super) async fn created(
    conn: &impl ConnectionTrait,
    frame: &Frame<'_>,
    reads: Reads,
    tallies: &mut Tallies,
) -> Result<()> {
    match frame.backend {
        DatabaseBackend::Postgres => in_sql(conn, frame, reads, tallies).await,
        _ => in_memory(conn, frame, reads, tallies).await,
    }
}

/// The conversations created in the period, with their keys and label.
fn created_in_period(frame: &Frame<'_>) -> SelectStatement {
    let mut select = Query::select();
    select
        .from_as(conversations::Entity, Alias::new(C))
        .expr_as(col(C, "label"), Alias::new("label"))
        .and_where(col(C, "created_at").gte(frame.period.from))
        .and_where(col(C, "created_at").lt(frame.period.to));
    frame.restrict(&mut select, Source::Conversations);
    for (expr, name) in frame.keys(Source::Conversations) {
        select.expr_as(expr, Alias::new(name));
    }
    select
}

/// Whole seconds from a conversation's creation to `column`, rounded down; `NULL` when the
/// column is.
fn seconds_until(column: &str) -> Expr {
    Expr::cust(format!(
        r#"CAST(FLOOR(EXTRACT(EPOCH FROM ("{C}"."{column}" - "{C}"."created_at"))) AS BIGINT)"#
    ))
}

/// One statement: `GROUPING SETS`, one set per split, and `GROUPING()` to tell a key column
/// left out of a set from a null key (unassigned, no team). `percentile_disc` skips the
/// nulls of conversations without a reply or not resolved.
async fn in_sql(
    conn: &impl ConnectionTrait,
    frame: &Frame<'_>,
    reads: Reads,
    tallies: &mut Tallies,
) -> Result<()> {
    let done = DONE.map(Status::as_str);
    let mut rows = created_in_period(frame);
    rows.expr_as(seconds_until("first_reply_at"), Alias::new(FIRST_RESPONSE))
        .expr_as(
            Expr::case(col(C, "status").is_in(done), seconds_until("resolved_at")),
            Alias::new(RESOLUTION),
        );
    let keys: Vec<&str> = frame
        .keys(Source::Conversations)
        .into_iter()
        .map(|(_, name)| name)
        .collect();
    let mut select = Query::select();
    for key in &keys {
        select.column(Alias::new(*key)).expr_as(
            Expr::cust(format!("GROUPING(\"{key}\")")),
            Alias::new(format!("g_{key}")),
        );
    }
    select.expr_as(Expr::cust("COUNT(*)"), Alias::new("created"));
    for (label, name) in LABELS {
        let labelled = Expr::col(Alias::new("label")).eq(label.as_str());
        select.expr_as(count_if(labelled), Alias::new(name));
    }
    for duration in [FIRST_RESPONSE, RESOLUTION] {
        let ordered = format!("\"{duration}\"");
        select
            .expr_as(
                Expr::cust(format!("COUNT({ordered})")),
                Alias::new(format!("{duration}_n")),
            )
            .expr_as(
                MEDIAN.in_sql(&ordered),
                Alias::new(format!("{duration}_median")),
            )
            .expr_as(P90.in_sql(&ordered), Alias::new(format!("{duration}_p90")));
    }
    // `OFFSET 0` keeps the period's rows a subquery of their own: merged into the grouping,
    // the planner would read a year of a workspace in key order through the assignee or
    // team index, visiting the table row by row (twice as slow as reading it and sorting).
    rows.offset(0);
    select
        .from_subquery(rows, Alias::new("d"))
        .add_group_by([Expr::cust(format!(
            "GROUPING SETS ({})",
            grouping_sets(frame, &keys)
        ))]);
    for row in conn.query_all(&select).await? {
        let created: i64 = row.try_get("", "created")?;
        // A set without keys answers one row even for no rows at all.
        if created == 0 {
            continue;
        }
        let level = level_of(frame, &row, &keys)?;
        let figures = tallies.entry(frame.key_at(&row, level)?).or_default();
        if reads.counts && level == frame.grouping {
            figures.volume.conversations = created;
            figures.sentiment.adversary = row.try_get("", "adversary")?;
            figures.sentiment.neutral = row.try_get("", "neutral")?;
            figures.sentiment.advocate = row.try_get("", "advocate")?;
        }
        if reads.durations {
            figures.first_response_seconds = spread_in(&row, FIRST_RESPONSE)?;
            figures.resolution_seconds = spread_in(&row, RESOLUTION)?;
        }
    }
    Ok(())
}

/// `(k_ws, k_day), (k_ws), ()`: the key columns of the frame's split and of each coarser
/// one.
fn grouping_sets(frame: &Frame<'_>, keys: &[&str]) -> String {
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
    sets.join(", ")
}

/// The split a row of a `GROUPING SETS` statement is at.
fn level_of(frame: &Frame<'_>, row: &QueryResult, keys: &[&str]) -> Result<Grouping> {
    let present = |key: &str| -> Result<bool> {
        Ok(keys.contains(&key) && row.try_get::<i32>("", &format!("g_{key}"))? == 0)
    };
    Ok(Grouping {
        per_workspace: present("k_ws")?,
        by: match present("k_day")? || present("k_id")? {
            true => frame.grouping.by,
            false => None,
        },
    })
}

/// The count, median and p90 a row holds of one duration.
fn spread_in(row: &QueryResult, duration: &str) -> Result<DurationFigures> {
    Ok(DurationFigures {
        count: row.try_get("", &format!("{duration}_n"))?,
        median: row.try_get("", &format!("{duration}_median"))?,
        p90: row.try_get("", &format!("{duration}_p90"))?,
    })
}

/// The durations of one key, unsorted.
#[derive(Default)]
struct Durations {
    first_response: Vec<i64>,
    resolution: Vec<i64>,
}

/// Every conversation of the period read, counted and its durations ranked here.
async fn in_memory(
    conn: &impl ConnectionTrait,
    frame: &Frame<'_>,
    reads: Reads,
    tallies: &mut Tallies,
) -> Result<()> {
    let mut rows = created_in_period(frame);
    rows.expr_as(col(C, "status"), Alias::new("status"))
        .expr_as(col(C, "created_at"), Alias::new("started_at"))
        .expr_as(col(C, "first_reply_at"), Alias::new("replied_at"))
        .expr_as(col(C, "resolved_at"), Alias::new("resolved_at"));
    let mut durations: BTreeMap<RowKey, Durations> = BTreeMap::new();
    for row in conn.query_all(&rows).await? {
        let key = frame.key_of(&row)?;
        if reads.counts {
            count(
                tallies.entry(key).or_default(),
                &row.try_get::<String>("", "label")?,
            );
        }
        let started: DateTime<Utc> = row.try_get("", "started_at")?;
        let since = |column: &str| -> Result<Option<i64>> {
            let at: Option<DateTime<Utc>> = row.try_get("", column)?;
            Ok(at.map(|at| whole_seconds(at - started)))
        };
        let replied = since("replied_at")?;
        let status: String = row.try_get("", "status")?;
        let done = DONE.iter().any(|done| done.as_str() == status);
        let resolved = since("resolved_at")?.filter(|_| done);
        let levels = std::iter::once(key).chain(frame.coarser.iter().map(|l| l.coarsen(key)));
        for key in levels {
            let of_key = durations.entry(key).or_default();
            of_key.first_response.extend(replied);
            of_key.resolution.extend(resolved);
        }
    }
    if !reads.durations {
        return Ok(());
    }
    for (key, mut of_key) in durations {
        let figures = tallies.entry(key).or_default();
        of_key.first_response.sort_unstable();
        of_key.resolution.sort_unstable();
        figures.first_response_seconds = spread_of(&of_key.first_response);
        figures.resolution_seconds = spread_of(&of_key.resolution);
    }
    Ok(())
}

/// Counts one conversation of `label` in `figures`.
fn count(figures: &mut ReportFigures, label: &str) {
    figures.volume.conversations += 1;
    let sentiment = &mut figures.sentiment;
    if label == Label::Adversary.as_str() {
        sentiment.adversary += 1;
    } else if label == Label::Neutral.as_str() {
        sentiment.neutral += 1;
    } else if label == Label::Advocate.as_str() {
        sentiment.advocate += 1;
    }
}
