//! Reports in GraphQL: `Workspace.reportSummary` and `Organization.reportSummary`, each
//! making the call its REST route makes, with the same figures under the same names.

use async_graphql::{Context, Enum, ID, SimpleObject};
use chrono::{DateTime, NaiveDate, Utc};
use earshot_core::service::reports::{self, ReportQuery};
use earshot_core::tenancy::{OrgScope, WorkspaceScope};
use earshot_core::views::{
    self as v, ReportFigures as Figures, ReportGroup as Group, ReportGroupKey as Key,
};

use super::care_enums::GqlChannelKind;
use super::id;
use crate::graphql::context::{GqlResult, core};
use crate::graphql::gql;

/// How a report splits its figures.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(name = "ReportGroupBy", remote = "earshot_core::views::ReportGroupBy")]
pub enum GqlReportGroupBy {
    /// The UTC date of a conversation's creation (of a message's or a clock's own start).
    Day,
    /// The conversation's channel.
    Channel,
    /// The conversation's assignee.
    Agent,
    /// The conversation's team.
    Team,
}

/// What came in and what went out (see the REST document for each figure).
#[derive(SimpleObject)]
pub struct ReportVolume {
    /// Conversations created in the period.
    pub conversations: i64,
    /// Customer messages stored in the period.
    pub customer_messages: i64,
    /// Replies (notes excluded) written in the period.
    pub replies: i64,
}

/// A duration's count, median and p90 in whole seconds (exact nearest-rank).
#[derive(SimpleObject)]
pub struct ReportDuration {
    /// How many durations were measured.
    pub count: i64,
    /// The median.
    pub median: Option<i64>,
    /// The 90th percentile.
    pub p90: Option<i64>,
}

/// How one kind of SLA clock fared.
#[derive(SimpleObject)]
pub struct ReportSlaAttainment {
    /// Clocks achieved.
    pub achieved: i64,
    /// Clocks breached.
    pub breached: i64,
    /// achieved / (achieved + breached); null when both are 0.
    pub attainment: Option<f64>,
}

/// SLA compliance per clock kind, for clocks started in the period.
#[derive(SimpleObject)]
pub struct ReportSla {
    /// First response.
    pub first_response: ReportSlaAttainment,
    /// Next response.
    pub next_response: ReportSlaAttainment,
    /// Resolution.
    pub resolution: ReportSlaAttainment,
}

/// Conversations created in the period by label.
#[derive(SimpleObject)]
pub struct ReportSentiment {
    /// Adversaries.
    pub adversary: i64,
    /// Neutral.
    pub neutral: i64,
    /// Advocates.
    pub advocate: i64,
}

/// Conversations created before the end of the period still waiting now.
#[derive(SimpleObject)]
pub struct ReportBacklog {
    /// Open, pending and snoozed together.
    pub total: i64,
    /// Open.
    pub open: i64,
    /// Pending.
    pub pending: i64,
    /// Snoozed.
    pub snoozed: i64,
}

/// Commitments due in the period.
#[derive(SimpleObject)]
pub struct ReportCommitments {
    /// Due in the period (cancelled ones excluded).
    pub due: i64,
    /// Fulfilled before their due time.
    pub kept: i64,
    /// Their due time passed while open.
    pub breached: i64,
    /// kept / (kept + breached); null when both are 0.
    pub kept_rate: Option<f64>,
}

/// Satisfaction answers received in the period.
#[derive(SimpleObject)]
pub struct ReportCsat {
    /// Answers received.
    pub answers: i64,
    /// Scoring 4 or 5.
    pub satisfied: i64,
    /// satisfied / answers; null without answers.
    pub score: Option<f64>,
    /// Adversaries turned advocates.
    pub turned_advocates: i64,
}

/// The figures of a period, in total or for one group.
#[derive(SimpleObject)]
pub struct ReportFigures {
    /// Conversations, customer messages and replies.
    pub volume: ReportVolume,
    /// From creation to the first reply.
    pub first_response_seconds: ReportDuration,
    /// From creation to resolution.
    pub resolution_seconds: ReportDuration,
    /// SLA compliance.
    pub sla: ReportSla,
    /// Sentiment mix.
    pub sentiment: ReportSentiment,
    /// Backlog.
    pub backlog: ReportBacklog,
    /// Commitments due and kept.
    pub commitments: ReportCommitments,
    /// Satisfaction answers.
    pub csat: ReportCsat,
}

fn duration(d: v::DurationFigures) -> ReportDuration {
    ReportDuration {
        count: d.count,
        median: d.median,
        p90: d.p90,
    }
}

fn attainment(a: v::SlaAttainment) -> ReportSlaAttainment {
    ReportSlaAttainment {
        achieved: a.achieved,
        breached: a.breached,
        attainment: a.attainment,
    }
}

impl From<Figures> for ReportFigures {
    fn from(f: Figures) -> Self {
        let (volume, sentiment, backlog) = (f.volume, f.sentiment, f.backlog);
        Self {
            volume: ReportVolume {
                conversations: volume.conversations,
                customer_messages: volume.customer_messages,
                replies: volume.replies,
            },
            first_response_seconds: duration(f.first_response_seconds),
            resolution_seconds: duration(f.resolution_seconds),
            sla: ReportSla {
                first_response: attainment(f.sla.first_response),
                next_response: attainment(f.sla.next_response),
                resolution: attainment(f.sla.resolution),
            },
            sentiment: ReportSentiment {
                adversary: sentiment.adversary,
                neutral: sentiment.neutral,
                advocate: sentiment.advocate,
            },
            backlog: ReportBacklog {
                total: backlog.total,
                open: backlog.open,
                pending: backlog.pending,
                snoozed: backlog.snoozed,
            },
            commitments: ReportCommitments {
                due: f.commitments.due,
                kept: f.commitments.kept,
                breached: f.commitments.breached,
                kept_rate: f.commitments.kept_rate,
            },
            csat: ReportCsat {
                answers: f.csat.answers,
                satisfied: f.csat.satisfied,
                score: f.csat.score,
                turned_advocates: f.csat.turned_advocates,
            },
        }
    }
}

/// A channel a group is about.
#[derive(SimpleObject)]
pub struct ReportChannel {
    /// Id.
    pub id: ID,
    /// Name.
    pub name: String,
    /// Platform.
    pub kind: GqlChannelKind,
}

/// What a group's figures are about: the field of its grouping is set (`userId` and
/// `teamId` stay null for the unassigned and no-team groups).
#[derive(SimpleObject)]
pub struct ReportGroupKey {
    /// Which grouping.
    pub by: GqlReportGroupBy,
    /// The UTC day.
    pub day: Option<NaiveDate>,
    /// The channel.
    pub channel: Option<ReportChannel>,
    /// The assignee.
    pub user_id: Option<ID>,
    /// The team.
    pub team_id: Option<ID>,
}

/// The figures of one group.
#[derive(SimpleObject)]
pub struct ReportGroup {
    /// What the figures are about.
    pub key: ReportGroupKey,
    /// Its figures.
    pub figures: ReportFigures,
}

impl From<Group> for ReportGroup {
    fn from(g: Group) -> Self {
        let mut key = ReportGroupKey {
            by: GqlReportGroupBy::Day,
            day: None,
            channel: None,
            user_id: None,
            team_id: None,
        };
        match g.key {
            Key::Day { day } => key.day = Some(day),
            Key::Channel { channel } => {
                key.by = GqlReportGroupBy::Channel;
                key.channel = Some(ReportChannel {
                    id: id(channel.id),
                    name: channel.name,
                    kind: channel.kind.into(),
                });
            }
            Key::Agent { user_id } => {
                key.by = GqlReportGroupBy::Agent;
                key.user_id = user_id.map(id);
            }
            Key::Team { team_id } => {
                key.by = GqlReportGroupBy::Team;
                key.team_id = team_id.map(id);
            }
        }
        Self {
            key,
            figures: g.figures.into(),
        }
    }
}

fn groups(groups: Option<Vec<Group>>) -> Option<Vec<ReportGroup>> {
    groups.map(|groups| groups.into_iter().map(Into::into).collect())
}

/// One workspace's report.
#[derive(SimpleObject)]
pub struct WorkspaceReport {
    /// The workspace.
    pub workspace_id: ID,
    /// Start of the period (included).
    pub from: DateTime<Utc>,
    /// End of the period (excluded).
    pub to: DateTime<Utc>,
    /// How `groups` split the figures.
    pub group_by: Option<GqlReportGroupBy>,
    /// Whether the figures are the caller's own conversations only (an agent's).
    pub own_conversations_only: bool,
    /// The figures of the whole period.
    pub totals: ReportFigures,
    /// Per group, when grouped.
    pub groups: Option<Vec<ReportGroup>>,
}

/// One workspace in an organization's report.
#[derive(SimpleObject)]
pub struct OrgWorkspaceReport {
    /// The workspace.
    pub workspace_id: ID,
    /// Its name.
    pub name: String,
    /// Whether the figures are the caller's own conversations only.
    pub own_conversations_only: bool,
    /// Its figures of the whole period.
    pub totals: ReportFigures,
    /// Its figures per group, when grouped.
    pub groups: Option<Vec<ReportGroup>>,
}

/// An organization's report: the workspaces the caller may read reports in.
#[derive(SimpleObject)]
pub struct OrgReport {
    /// The organization.
    pub org_id: ID,
    /// Start of the period (included).
    pub from: DateTime<Utc>,
    /// End of the period (excluded).
    pub to: DateTime<Utc>,
    /// How each workspace's `groups` split its figures.
    pub group_by: Option<GqlReportGroupBy>,
    /// The figures across the workspaces listed.
    pub totals: ReportFigures,
    /// Each workspace, by name.
    pub workspaces: Vec<OrgWorkspaceReport>,
}

fn query(
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    group_by: Option<GqlReportGroupBy>,
) -> GqlResult<ReportQuery> {
    ReportQuery::new(from, to, group_by.map(Into::into)).map_err(gql)
}

/// `Workspace.reportSummary`.
pub(crate) async fn workspace(
    ctx: &Context<'_>,
    scope: &WorkspaceScope,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    group_by: Option<GqlReportGroupBy>,
) -> GqlResult<WorkspaceReport> {
    let query = query(from, to, group_by)?;
    let r = reports::workspace_summary(core(ctx)?, scope, &query)
        .await
        .map_err(gql)?;
    Ok(WorkspaceReport {
        workspace_id: id(r.workspace_id),
        from: r.from,
        to: r.to,
        group_by: r.group_by.map(Into::into),
        own_conversations_only: r.own_conversations_only,
        totals: r.totals.into(),
        groups: groups(r.groups),
    })
}

/// `Organization.reportSummary`.
pub(crate) async fn organization(
    ctx: &Context<'_>,
    scope: &OrgScope,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    group_by: Option<GqlReportGroupBy>,
) -> GqlResult<OrgReport> {
    let query = query(from, to, group_by)?;
    let r = reports::org_summary(core(ctx)?, scope, &query)
        .await
        .map_err(gql)?;
    let workspace = |w: v::OrgWorkspaceReport| OrgWorkspaceReport {
        workspace_id: id(w.workspace_id),
        name: w.name,
        own_conversations_only: w.own_conversations_only,
        totals: w.totals.into(),
        groups: groups(w.groups),
    };
    Ok(OrgReport {
        org_id: id(r.org_id),
        from: r.from,
        to: r.to,
        group_by: r.group_by.map(Into::into),
        totals: r.totals.into(),
        workspaces: r.workspaces.into_iter().map(workspace).collect(),
    })
}
