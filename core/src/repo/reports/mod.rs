//! The report queries: every figure of a period is aggregated in the database (`COUNT … GROUP
//! BY` over the indexes of migrations `m20261211_000001_report_indexes` and, on PostgreSQL,
//! `m20261212_000002_report_covering_indexes`, which carry every column a report reads of a
//! conversation or a message, first reply included), over the workspaces
//! a [`Reach`] names and no other, in total, per workspace, per group, or per workspace and
//! group. Nothing is loaded whole into memory, except the durations whose medians SQLite
//! ranks in memory (see `created`).

mod counts;
mod created;
mod durations;
mod promises;

use std::collections::{BTreeMap, BTreeSet};

use anyhow::Context;
use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::sea_query::{
    Alias, Condition, Expr, ExprTrait, Func, IntoCondition, JoinType, SelectStatement,
};
use sea_orm::{ConnectionTrait, DatabaseBackend, QueryResult};
use uuid::Uuid;

use crate::entity::conversations;
use crate::ids::ChannelId;
use crate::tenancy::WorkspaceScope;
use crate::views::{ReportChannel, ReportFigures, ReportGroupBy};
use crate::{Error, Result};

/// The alias of `conversations` in every report query.
const C: &str = "c";

/// Which conversations a report counts: every one of some workspaces, and only those
/// assigned to the acting user in others (an agent's own figures). Built from scopes only,
/// so a report reaches no workspace its caller has not entered.
#[derive(Debug, Clone, Default)]
pub(crate) struct Reach {
    whole: BTreeSet<Uuid>,
    /// Per user, the workspaces where only their conversations count.
    assigned: BTreeMap<Uuid, BTreeSet<Uuid>>,
}

impl Reach {
    /// Every conversation of the scope's workspace.
    pub(crate) fn add_whole(&mut self, scope: &WorkspaceScope) {
        self.whole.insert(scope.workspace_id().as_uuid());
    }

    /// The conversations of the scope's workspace assigned to the person acting.
    pub(crate) fn add_assigned(&mut self, scope: &WorkspaceScope) -> Result<()> {
        let user = scope
            .actor()
            .user_id()
            .ok_or_else(|| Error::Internal(anyhow::anyhow!("own figures need a person acting")))?;
        self.assigned
            .entry(user.as_uuid())
            .or_default()
            .insert(scope.workspace_id().as_uuid());
        Ok(())
    }

    fn is_empty(&self) -> bool {
        self.whole.is_empty() && self.assigned.is_empty()
    }

    /// Whether some workspace counts only some of its conversations.
    fn is_partial(&self) -> bool {
        !self.assigned.is_empty()
    }

    /// Every workspace reached, in whole or in part.
    fn workspaces(&self) -> Vec<Uuid> {
        let mut all = self.whole.clone();
        all.extend(self.assigned.values().flatten());
        all.into_iter().collect()
    }

    /// The conversations reached, on the `conversations` table under the alias `c`.
    fn on_conversations(&self) -> Condition {
        let workspace = Expr::col((Alias::new(C), conversations::Column::WorkspaceId));
        let mut any = Condition::any();
        if !self.whole.is_empty() {
            any = any.add(workspace.clone().is_in(self.whole.iter().copied()));
        }
        for (user, workspaces) in &self.assigned {
            let assignee = Expr::col((Alias::new(C), conversations::Column::AssigneeId));
            any = any.add(
                Condition::all()
                    .add(workspace.clone().is_in(workspaces.iter().copied()))
                    .add(assignee.eq(*user)),
            );
        }
        any
    }
}

/// The period counted: `from` included, `to` excluded.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Period {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
}

/// How figures are split: per workspace or not, and per group or not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Grouping {
    pub per_workspace: bool,
    pub by: Option<ReportGroupBy>,
}

impl Grouping {
    /// Whether a key is of this split.
    pub(crate) fn holds(&self, key: &RowKey) -> bool {
        key.workspace.is_some() == self.per_workspace
            && (key.bucket != Bucket::All) == self.by.is_some()
    }

    /// The key of this (coarser) split that a finer key falls in.
    pub(crate) fn coarsen(&self, key: RowKey) -> RowKey {
        RowKey {
            workspace: key.workspace.filter(|_| self.per_workspace),
            bucket: match self.by {
                Some(_) => key.bucket,
                None => Bucket::All,
            },
        }
    }
}

/// The group a row of figures belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct RowKey {
    /// The workspace, when split per workspace.
    pub workspace: Option<Uuid>,
    /// The group, when split per group.
    pub bucket: Bucket,
}

/// A group inside a workspace.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum Bucket {
    /// Not split.
    All,
    /// One UTC day.
    Day(NaiveDate),
    /// A channel, assignee or team (`None`: unassigned, no team).
    Id(Option<Uuid>),
}

/// The figures of every group with something to count; a group absent counts zeros.
pub(crate) type Tallies = BTreeMap<RowKey, ReportFigures>;

/// Readies a report's transaction: on PostgreSQL, room for the hash tables and sorts of a
/// year of a large workspace in memory rather than on disk, for this transaction only.
pub(crate) async fn prepare(conn: &impl ConnectionTrait) -> Result<()> {
    if conn.get_database_backend() == DatabaseBackend::Postgres {
        conn.execute_unprepared("SET LOCAL work_mem = '64MB'")
            .await?;
    }
    Ok(())
}

/// Which figures a call reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Reads {
    /// Conversations created, labels, messages, SLA clocks: counts that add up across
    /// groups and workspaces.
    pub counts: bool,
    /// The backlog: it adds up too, except from `day` groups (which count only the
    /// conversations created in the period).
    pub backlog: bool,
    /// Count, median and p90 of the durations, which never add up.
    pub durations: bool,
}

impl Reads {
    /// Every figure.
    pub(crate) const ALL: Reads = Reads {
        counts: true,
        backlog: true,
        durations: true,
    };
}

/// The figures of the period over the reach, split as `grouping` says, and the durations
/// also at each `coarser` split (sums of groups give every other figure there; see
/// `service::reports::rollup`), read from the same rows. The conversations created in the
/// period are read once for all their figures (`created`); every other figure is one query
/// below.
pub(crate) async fn figures(
    conn: &impl ConnectionTrait,
    reach: &Reach,
    period: Period,
    (grouping, coarser): (Grouping, &[Grouping]),
    reads: Reads,
) -> Result<Tallies> {
    let mut tallies = Tallies::new();
    if reach.is_empty() {
        return Ok(tallies);
    }
    let frame = Frame {
        reach,
        period,
        grouping,
        coarser,
        backend: conn.get_database_backend(),
    };
    if reads.counts || reads.durations {
        created::created(conn, &frame, reads, &mut tallies).await?;
    }
    if reads.counts {
        counts::messages(conn, &frame, &mut tallies).await?;
        counts::sla(conn, &frame, &mut tallies).await?;
        promises::commitments(conn, &frame, &mut tallies).await?;
        promises::csat(conn, &frame, &mut tallies).await?;
    }
    if reads.backlog {
        counts::backlog(conn, &frame, &mut tallies).await?;
    }
    Ok(tallies)
}

/// The table a query counts rows of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Source {
    /// `conversations c`.
    Conversations,
    /// `messages m`, grouped by its own date and channel.
    Messages,
    /// `sla_clocks s`, grouped by its own start date.
    Clocks,
    /// `commitments cm`, grouped by its due date.
    Commitments,
    /// `followups f`, grouped by its answer date.
    Followups,
}

impl Source {
    fn alias(self) -> &'static str {
        match self {
            Source::Conversations => C,
            Source::Messages => "m",
            Source::Clocks => "s",
            Source::Commitments => "cm",
            Source::Followups => "f",
        }
    }

    /// The column that dates a row for `day` groups.
    fn dated_by(self) -> &'static str {
        match self {
            Source::Conversations | Source::Messages => "created_at",
            Source::Clocks => "started_at",
            Source::Commitments => "due_at",
            Source::Followups => "answered_at",
        }
    }

    /// The column of the row's channel, when the row has one.
    fn own_channel(self) -> Option<&'static str> {
        match self {
            Source::Conversations | Source::Messages => Some("channel_id"),
            Source::Clocks | Source::Commitments | Source::Followups => None,
        }
    }
}

/// What every query of one report shares.
struct Frame<'a> {
    reach: &'a Reach,
    period: Period,
    grouping: Grouping,
    /// Coarser splits the durations are also read at.
    coarser: &'a [Grouping],
    backend: DatabaseBackend,
}

/// `"table"."column"`.
fn col(table: &str, column: &str) -> Expr {
    Expr::col((Alias::new(table), Alias::new(column)))
}

/// `COUNT(CASE WHEN condition THEN 1 END)`: how many rows meet it.
fn count_if(condition: impl IntoCondition) -> Expr {
    Func::count(Expr::case(condition, 1)).into()
}

impl Frame<'_> {
    /// The UTC date of a timestamp column: a `date` on PostgreSQL, `YYYY-MM-DD` text on
    /// SQLite.
    fn day_of(&self, table: &str, column: &str) -> Expr {
        match self.backend {
            DatabaseBackend::Postgres => Expr::cust(format!(
                r#"CAST("{table}"."{column}" AT TIME ZONE 'UTC' AS DATE)"#
            )),
            _ => Expr::cust(format!(r#"date("{table}"."{column}")"#)),
        }
    }

    /// The expressions a query groups by, with their output names.
    fn keys(&self, source: Source) -> Vec<(Expr, &'static str)> {
        let own = source.alias();
        let mut keys = Vec::new();
        if self.grouping.per_workspace {
            keys.push((col(own, "workspace_id"), "k_ws"));
        }
        let bucket = match self.grouping.by {
            None => None,
            Some(ReportGroupBy::Day) => Some((self.day_of(own, source.dated_by()), "k_day")),
            Some(ReportGroupBy::Channel) => {
                let table = source.own_channel().map_or(C, |_| own);
                Some((col(table, "channel_id"), "k_id"))
            }
            Some(ReportGroupBy::Agent) => Some((col(C, "assignee_id"), "k_id")),
            Some(ReportGroupBy::Team) => Some((col(C, "team_id"), "k_id")),
        };
        keys.extend(bucket);
        keys
    }

    /// Whether a query on `source` needs its rows' conversations: to group by them, or to
    /// count only some conversations of a workspace.
    fn needs_conversations(&self, source: Source) -> bool {
        let grouped_by_conversation = match self.grouping.by {
            Some(ReportGroupBy::Agent | ReportGroupBy::Team) => true,
            Some(ReportGroupBy::Channel) => source.own_channel().is_none(),
            Some(ReportGroupBy::Day) | None => false,
        };
        source != Source::Conversations && (grouped_by_conversation || self.reach.is_partial())
    }

    /// Confines a query on `source` to the reach and groups it by the frame's keys.
    fn confine(&self, select: &mut SelectStatement, source: Source) {
        self.restrict(select, source);
        for (expr, name) in self.keys(source) {
            select.expr_as(expr.clone(), Alias::new(name));
            select.add_group_by([expr]);
        }
    }

    /// Confines a query on `source` to the reach, joining its rows' conversations when
    /// needed (`needs_conversations`).
    fn restrict(&self, select: &mut SelectStatement, source: Source) {
        let own = source.alias();
        if source == Source::Conversations {
            select.cond_where(self.reach.on_conversations());
            return;
        }
        select.and_where(col(own, "workspace_id").is_in(self.reach.workspaces()));
        if self.needs_conversations(source) {
            select.join_as(
                JoinType::InnerJoin,
                conversations::Entity,
                Alias::new(C),
                col(C, "id").equals((Alias::new(own), Alias::new("conversation_id"))),
            );
            select.cond_where(self.reach.on_conversations());
        }
    }

    /// The group a result row belongs to, read from the columns `keys` named.
    fn key_of(&self, row: &QueryResult) -> Result<RowKey> {
        self.key_at(row, self.grouping)
    }

    /// The group a result row belongs to at `level`: the frame's split or a coarser one,
    /// whose key columns are absent or null.
    fn key_at(&self, row: &QueryResult, level: Grouping) -> Result<RowKey> {
        let workspace = match level.per_workspace {
            true => Some(row.try_get::<Uuid>("", "k_ws")?),
            false => None,
        };
        let bucket = match level.by {
            None => Bucket::All,
            Some(ReportGroupBy::Day) if self.backend == DatabaseBackend::Postgres => {
                Bucket::Day(row.try_get("", "k_day")?)
            }
            Some(ReportGroupBy::Day) => {
                let day: String = row.try_get("", "k_day")?;
                let day = NaiveDate::parse_from_str(&day, "%Y-%m-%d")
                    .with_context(|| format!("a report day that is not a date: {day}"))?;
                Bucket::Day(day)
            }
            Some(_) => Bucket::Id(row.try_get::<Option<Uuid>>("", "k_id")?),
        };
        Ok(RowKey { workspace, bucket })
    }
}

/// The channels of the scope's workspace among `ids`, as a report names them.
pub(crate) async fn channels(
    conn: &impl ConnectionTrait,
    scope: &WorkspaceScope,
    ids: &[Uuid],
) -> Result<Vec<ReportChannel>> {
    super::channels::by_ids(conn, scope, ids)
        .await?
        .into_iter()
        .map(|channel| {
            Ok(ReportChannel {
                id: ChannelId::from(channel.id),
                kind: channel.kind.parse()?,
                name: channel.name,
            })
        })
        .collect()
}
