//! Reports (SPEC §5): the figures of a period — volume, first response and resolution
//! times, SLA compliance, sentiment mix and backlog — for one workspace, or rolled up over
//! the workspaces of an organization (the agency view), in total and split by day, channel,
//! agent or team. `views::reports` documents each figure.
//!
//! Who reads what: every role but `agent` and keys holding `reports:read` read the whole
//! workspace's figures; an agent reads its own figures — those of the conversations
//! assigned to it (SPEC §1). An organization's report covers the workspaces of that
//! organization the caller may enter, each as its own report would, and counts nothing of
//! any other workspace.

mod groups;
mod query;
mod rollup;

use std::collections::HashMap;

use crate::repo;
use crate::repo::reports::{Bucket, Grouping, Period, Reach, Reads, RowKey, Tallies};
use crate::tenancy::{Capability, OrgScope, WorkspaceScope};
use crate::views::{OrgReport, OrgWorkspaceReport, ReportFigures, ReportGroupBy, WorkspaceReport};
use crate::{Core, Error, Result};

pub use query::{MAX_DAYS, ReportParams, ReportQuery};

/// How much of a workspace a caller's report counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Extent {
    /// Every conversation.
    Whole,
    /// The conversations assigned to the person asking.
    Own,
}

/// What the scope may read: the whole workspace with `ReadReports`, its own conversations
/// with `ReadOwnReports` (a person only), nothing otherwise.
fn extent_of(scope: &WorkspaceScope) -> Result<Extent> {
    if scope.can(Capability::ReadReports) {
        Ok(Extent::Whole)
    } else if scope.can(Capability::ReadOwnReports) && scope.actor().user_id().is_some() {
        Ok(Extent::Own)
    } else {
        Err(Error::Forbidden(Capability::ReadReports))
    }
}

fn reach_into(reach: &mut Reach, scope: &WorkspaceScope, extent: Extent) -> Result<()> {
    match extent {
        Extent::Whole => reach.add_whole(scope),
        Extent::Own => reach.add_assigned(scope)?,
    }
    Ok(())
}

fn split(per_workspace: bool, by: Option<ReportGroupBy>) -> Grouping {
    Grouping { per_workspace, by }
}

/// The report of one workspace.
#[tracing::instrument(skip_all, fields(workspace_id = %scope.workspace_id()), err(level = "debug"))]
pub async fn workspace_summary(
    core: &Core,
    scope: &WorkspaceScope,
    query: &ReportQuery,
) -> Result<WorkspaceReport> {
    let extent = extent_of(scope)?;
    let mut reach = Reach::default();
    reach_into(&mut reach, scope, extent)?;
    let period = period_of(query);
    let txn = core.db().begin_snapshot().await?;
    repo::reports::prepare(&txn).await?;
    let (mut totals, groups) = match query.group_by {
        None => {
            let totals = figures(&txn, &reach, period, (split(false, None), &[])).await?;
            (totals, None)
        }
        Some(by) => {
            let (fine, whole) = (split(false, Some(by)), split(false, None));
            let read = figures(&txn, &reach, period, (fine, &[whole])).await?;
            let totals =
                rollup::rolled_up(&txn, (&reach, period), (&read, &read), (fine, whole)).await?;
            let buckets = read
                .into_iter()
                .filter(|(key, _)| fine.holds(key))
                .map(|(key, figures)| (key.bucket, figures))
                .collect();
            (
                totals,
                Some(groups::of(&txn, scope, query, by, buckets).await?),
            )
        }
    };
    txn.commit().await?;
    Ok(WorkspaceReport {
        workspace_id: scope.workspace_id(),
        from: query.from,
        to: query.to,
        group_by: query.group_by,
        own_conversations_only: extent == Extent::Own,
        totals: take(&mut totals, None),
        groups,
    })
}

/// The report of an organization: its totals across the workspaces the caller may enter,
/// and each of those workspaces' own report, by name. An organization the caller does not
/// belong to never gets here (`enter_org` answers `NotFound`).
#[tracing::instrument(skip_all, fields(org_id = %scope.org_id()), err(level = "debug"))]
pub async fn org_summary(core: &Core, scope: &OrgScope, query: &ReportQuery) -> Result<OrgReport> {
    let mut readable = Vec::new();
    let mut reach = Reach::default();
    for (workspace, name) in super::access::enter_org_workspaces(core, scope).await? {
        let Ok(extent) = extent_of(&workspace) else {
            continue;
        };
        reach_into(&mut reach, &workspace, extent)?;
        readable.push((workspace, name, extent));
    }
    readable.sort_by(|a, b| (&a.1, a.0.workspace_id()).cmp(&(&b.1, b.0.workspace_id())));
    let period = period_of(query);
    let txn = core.db().begin_snapshot().await?;
    repo::reports::prepare(&txn).await?;
    let (each_split, whole) = (split(true, None), split(false, None));
    let (read, mut each, mut grouped) = match query.group_by {
        None => {
            let read = figures(&txn, &reach, period, (each_split, &[whole])).await?;
            (read.clone(), read, HashMap::new())
        }
        Some(by) => {
            let fine = split(true, Some(by));
            let read = figures(&txn, &reach, period, (fine, &[each_split, whole])).await?;
            let splits = (fine, each_split);
            let each = rollup::rolled_up(&txn, (&reach, period), (&read, &read), splits).await?;
            let grouped = per_workspace(read.iter().filter(|(key, _)| fine.holds(key)));
            (read, each, grouped)
        }
    };
    let splits = (each_split, whole);
    let mut totals = rollup::rolled_up(&txn, (&reach, period), (&each, &read), splits).await?;
    let mut workspaces = Vec::with_capacity(readable.len());
    for (workspace, name, extent) in readable {
        let id = workspace.workspace_id();
        let groups = match query.group_by {
            None => None,
            Some(by) => {
                let buckets = grouped.remove(&id.as_uuid()).unwrap_or_default();
                Some(groups::of(&txn, &workspace, query, by, buckets).await?)
            }
        };
        workspaces.push(OrgWorkspaceReport {
            workspace_id: id,
            name,
            own_conversations_only: extent == Extent::Own,
            totals: take(&mut each, Some(id.as_uuid())),
            groups,
        });
    }
    txn.commit().await?;
    Ok(OrgReport {
        org_id: scope.org_id(),
        from: query.from,
        to: query.to,
        group_by: query.group_by,
        totals: take(&mut totals, None),
        workspaces,
    })
}

fn period_of(query: &ReportQuery) -> Period {
    Period {
        from: query.from,
        to: query.to,
    }
}

/// Every figure of the period over the reach, split as the first grouping says, with the
/// durations also at each coarser one.
async fn figures(
    conn: &impl sea_orm::ConnectionTrait,
    reach: &Reach,
    period: Period,
    splits: (Grouping, &[Grouping]),
) -> Result<Tallies> {
    repo::reports::figures(conn, reach, period, splits, Reads::ALL).await
}

/// The whole figures of one workspace (or of all, `None`); zeros when nothing was counted.
fn take(tallies: &mut Tallies, workspace: Option<uuid::Uuid>) -> ReportFigures {
    let key = RowKey {
        workspace,
        bucket: Bucket::All,
    };
    tallies.remove(&key).unwrap_or_default()
}

/// Figures split per workspace and group, as each workspace's groups.
fn per_workspace<'a>(
    tallies: impl Iterator<Item = (&'a RowKey, &'a ReportFigures)>,
) -> HashMap<uuid::Uuid, Vec<(Bucket, ReportFigures)>> {
    let mut split: HashMap<uuid::Uuid, Vec<(Bucket, ReportFigures)>> = HashMap::new();
    for (key, figures) in tallies {
        if let Some(workspace) = key.workspace {
            split
                .entry(workspace)
                .or_default()
                .push((key.bucket, figures.clone()));
        }
    }
    split
}
