//! Reports as callers see them: the figures of a period, in total and per group, for one
//! workspace or for the workspaces of an organization the caller may read reports in.
//!
//! Every figure is counted over the half-open period `[from, to)` in UTC; each field's
//! documentation says exactly what it counts (the README and the OpenAPI document repeat it).

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

use crate::ids::{ChannelId, OrgId, TeamId, UserId, WorkspaceId};
use crate::views::ChannelKind;

/// How a report splits its figures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReportGroupBy {
    /// The UTC date of a conversation's creation (of a message's or a clock's own start).
    Day,
    /// The conversation's channel.
    Channel,
    /// The conversation's assignee.
    Agent,
    /// The conversation's team.
    Team,
}

impl ReportGroupBy {
    /// Every value.
    pub const ALL: [ReportGroupBy; 4] = [
        ReportGroupBy::Day,
        ReportGroupBy::Channel,
        ReportGroupBy::Agent,
        ReportGroupBy::Team,
    ];

    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            ReportGroupBy::Day => "day",
            ReportGroupBy::Channel => "channel",
            ReportGroupBy::Agent => "agent",
            ReportGroupBy::Team => "team",
        }
    }
}

/// What came in and what went out.
#[derive(Debug, Clone, Default, PartialEq, Serialize, utoipa::ToSchema)]
pub struct VolumeFigures {
    /// Conversations created in the period.
    pub conversations: i64,
    /// Customer messages (inbound) stored in the period, whenever their conversation began.
    pub customer_messages: i64,
    /// Replies (outbound messages, public or private; notes excluded) written in the
    /// period, whenever their conversation began and whatever became of their delivery.
    pub replies: i64,
}

/// The spread of a duration in whole seconds (rounded down). Median and p90 are exact
/// nearest-rank values: with `count` values in ascending order, the value at position
/// ⌈p·count⌉ (p = 0.5 and 0.9); both `null` when `count` is 0.
#[derive(Debug, Clone, Default, PartialEq, Serialize, utoipa::ToSchema)]
pub struct DurationFigures {
    /// How many durations were measured.
    pub count: i64,
    /// The median, in seconds.
    pub median: Option<i64>,
    /// The 90th percentile, in seconds.
    pub p90: Option<i64>,
}

/// How one kind of SLA clock fared: clocks started in the period.
#[derive(Debug, Clone, Default, PartialEq, Serialize, utoipa::ToSchema)]
pub struct SlaAttainment {
    /// Clocks that stopped in time (outcome `achieved`).
    pub achieved: i64,
    /// Clocks that passed their deadline, running or stopped (a `breached_at`).
    pub breached: i64,
    /// `achieved / (achieved + breached)`, from 0 to 1; `null` when both are 0. Clocks
    /// still running in time or cancelled count in neither.
    pub attainment: Option<f64>,
}

impl SlaAttainment {
    /// The attainment of so many clocks achieved and breached.
    pub fn of(achieved: i64, breached: i64) -> Self {
        let judged = achieved + breached;
        Self {
            achieved,
            breached,
            attainment: (judged > 0).then(|| achieved as f64 / judged as f64),
        }
    }
}

/// SLA compliance per clock kind.
#[derive(Debug, Clone, Default, PartialEq, Serialize, utoipa::ToSchema)]
pub struct SlaFigures {
    /// From the first customer message to the first reply.
    pub first_response: SlaAttainment,
    /// From a customer message after a reply to the next reply.
    pub next_response: SlaAttainment,
    /// From creation (or re-opening) to resolution.
    pub resolution: SlaAttainment,
}

/// Conversations created in the period by their `label` now.
#[derive(Debug, Clone, Default, PartialEq, Serialize, utoipa::ToSchema)]
pub struct SentimentFigures {
    /// Labelled `adversary`.
    pub adversary: i64,
    /// Labelled `neutral`.
    pub neutral: i64,
    /// Labelled `advocate`.
    pub advocate: i64,
}

/// Conversations created before the end of the period that are still waiting now.
#[derive(Debug, Clone, Default, PartialEq, Serialize, utoipa::ToSchema)]
pub struct BacklogFigures {
    /// `open`, `pending` and `snoozed` together.
    pub total: i64,
    /// `open` now.
    pub open: i64,
    /// `pending` now.
    pub pending: i64,
    /// `snoozed` now.
    pub snoozed: i64,
}

/// Commitments due in the period (not cancelled): kept in time, or breached.
#[derive(Debug, Clone, Default, PartialEq, Serialize, utoipa::ToSchema)]
pub struct CommitmentFigures {
    /// Commitments due in the period, whatever became of them (cancelled ones excluded).
    pub due: i64,
    /// Of those, fulfilled before their due time passed.
    pub kept: i64,
    /// Of those, whose due time passed while open (fulfilled late or still open).
    pub breached: i64,
    /// `kept / (kept + breached)`, from 0 to 1; `null` when both are 0.
    pub kept_rate: Option<f64>,
}

impl CommitmentFigures {
    /// The figures of so many commitments due, kept and breached.
    pub fn of(due: i64, kept: i64, breached: i64) -> Self {
        let judged = kept + breached;
        Self {
            due,
            kept,
            breached,
            kept_rate: (judged > 0).then(|| kept as f64 / judged as f64),
        }
    }
}

/// Satisfaction answers received in the period.
#[derive(Debug, Clone, Default, PartialEq, Serialize, utoipa::ToSchema)]
pub struct CsatFigures {
    /// Answers to the satisfaction question received in the period.
    pub answers: i64,
    /// Of those, scoring 4 or 5.
    pub satisfied: i64,
    /// The CSAT score: `satisfied / answers`, from 0 to 1; `null` without answers.
    pub score: Option<f64>,
    /// Of those, customers whose first message was an adversary's and who scored 4 or 5:
    /// adversaries turned advocates.
    pub turned_advocates: i64,
}

impl CsatFigures {
    /// The figures of so many answers, satisfied ones and adversaries turned advocates.
    pub fn of(answers: i64, satisfied: i64, turned_advocates: i64) -> Self {
        Self {
            answers,
            satisfied,
            score: (answers > 0).then(|| satisfied as f64 / answers as f64),
            turned_advocates,
        }
    }
}

/// The figures of a period, in total or for one group.
#[derive(Debug, Clone, Default, PartialEq, Serialize, utoipa::ToSchema)]
pub struct ReportFigures {
    /// Conversations, customer messages and replies.
    pub volume: VolumeFigures,
    /// From a conversation's creation to its first reply (outbound message; notes do not
    /// count), in wall-clock seconds: conversations created in the period that have one.
    pub first_response_seconds: DurationFigures,
    /// From a conversation's creation to its resolution (`resolved_at`), in wall-clock
    /// seconds: conversations created in the period that are `resolved` or `closed` now
    /// after being resolved (one re-opened since counts again once resolved again).
    pub resolution_seconds: DurationFigures,
    /// SLA clocks started in the period, per kind.
    pub sla: SlaFigures,
    /// Conversations created in the period by label.
    pub sentiment: SentimentFigures,
    /// Conversations created before `to` that are `open`, `pending` or `snoozed` now. In
    /// `day` groups: those created that day.
    pub backlog: BacklogFigures,
    /// Commitments due in the period (`day` groups: by due date).
    pub commitments: CommitmentFigures,
    /// Satisfaction answers received in the period (`day` groups: by answer date), with
    /// the adversaries turned advocates.
    pub csat: CsatFigures,
}

/// A channel a group is about.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct ReportChannel {
    /// Id.
    pub id: ChannelId,
    /// Name.
    pub name: String,
    /// Platform.
    pub kind: ChannelKind,
}

/// What a group's figures are about; `by` says which grouping.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
#[serde(tag = "by", rename_all = "snake_case")]
pub enum ReportGroupKey {
    /// One UTC day.
    Day {
        /// The date.
        day: NaiveDate,
    },
    /// One channel.
    Channel {
        /// The channel.
        channel: ReportChannel,
    },
    /// One assignee; `null`: unassigned conversations.
    Agent {
        /// The assignee.
        user_id: Option<UserId>,
    },
    /// One team; `null`: conversations of no team.
    Team {
        /// The team.
        team_id: Option<TeamId>,
    },
}

/// The figures of one group.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct ReportGroup {
    /// What the figures are about.
    pub key: ReportGroupKey,
    /// Its figures.
    pub figures: ReportFigures,
}

/// One workspace's report.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct WorkspaceReport {
    /// The workspace.
    pub workspace_id: WorkspaceId,
    /// Start of the period (included).
    pub from: DateTime<Utc>,
    /// End of the period (excluded).
    pub to: DateTime<Utc>,
    /// How `groups` split the figures; `null` when not grouped.
    pub group_by: Option<ReportGroupBy>,
    /// Whether the figures are the caller's own conversations only (an agent's: those
    /// assigned to them) rather than the whole workspace's.
    pub own_conversations_only: bool,
    /// The figures of the whole period.
    pub totals: ReportFigures,
    /// Per group, when grouped (`null` otherwise): every day of the period in order (days
    /// with nothing count zeros); or each channel, assignee or team with something to
    /// count, by channel name or by id (unassigned and no team first).
    pub groups: Option<Vec<ReportGroup>>,
}

/// One workspace in an organization's report.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct OrgWorkspaceReport {
    /// The workspace.
    pub workspace_id: WorkspaceId,
    /// Its name.
    pub name: String,
    /// Whether the figures are the caller's own conversations only (see
    /// `WorkspaceReport`).
    pub own_conversations_only: bool,
    /// Its figures of the whole period.
    pub totals: ReportFigures,
    /// Its figures per group, when grouped.
    pub groups: Option<Vec<ReportGroup>>,
}

/// An organization's report (the agency roll-up): the workspaces of the organization the
/// caller may read reports in, and nothing of any other.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct OrgReport {
    /// The organization.
    pub org_id: OrgId,
    /// Start of the period (included).
    pub from: DateTime<Utc>,
    /// End of the period (excluded).
    pub to: DateTime<Utc>,
    /// How each workspace's `groups` split its figures; `null` when not grouped.
    pub group_by: Option<ReportGroupBy>,
    /// The figures across the workspaces listed (medians and p90 over all their values,
    /// not averaged).
    pub totals: ReportFigures,
    /// Each workspace the caller may read reports in, by name.
    pub workspaces: Vec<OrgWorkspaceReport>,
}
