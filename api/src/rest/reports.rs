//! Reports: the figures of a period for one workspace, and the organization roll-up over
//! the workspaces of an agency the caller may read reports in.

use actix_web::web::{Data, Json, Query};
use earshot_core::ids::{OrgId, WorkspaceId};
use earshot_core::service::reports::{self, ReportParams};
use earshot_core::views::{OrgReport, WorkspaceReport};

use crate::extract::{Org, Workspace};
use crate::problem::{ApiResult, Problem};
use crate::state::AppState;

/// The figures of a workspace over a period `[from, to)` (at most 366 days), in total and,
/// with `group_by`, per UTC day, channel, agent (assignee) or team.
///
/// - `volume`: conversations created in the period; customer messages (inbound) and
///   replies (outbound, notes excluded) written in the period, whenever their conversation
///   began.
/// - `first_response_seconds`: from a conversation's creation to its first reply, for
///   conversations created in the period that have one: count, median and p90 (exact
///   nearest-rank, whole seconds).
/// - `resolution_seconds`: from creation to `resolved_at`, for conversations created in the
///   period that are resolved (or closed after resolution) now.
/// - `sla`: per clock kind, clocks started in the period that were achieved or breached,
///   and `attainment` = achieved / (achieved + breached), `null` when both are 0.
/// - `sentiment`: conversations created in the period by label now.
/// - `backlog`: conversations created before `to` that are open, pending or snoozed now
///   (in `day` groups, those created that day).
///
/// Owners, admins, supervisors, viewers and keys with `reports:read` read the whole
/// workspace; an agent reads its own figures, those of the conversations assigned to it
/// (`own_conversations_only`).
#[utoipa::path(get, path = "/v1/workspaces/{workspace_id}/reports/summary", tag = "reports",
    params(("workspace_id" = WorkspaceId, Path), ReportParams),
    responses((status = 200, body = WorkspaceReport),
        (status = 400, body = Problem, description = "an unknown query parameter (`invalid_query`)"),
        (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 422, body = Problem, description = "`from` or `to` missing (`required`) or not RFC 3339 (`invalid_timestamp`), `to` not after `from` (`not_after_from`) or more than 366 days later (`period_too_long`), an unknown `group_by` (`unknown_group_by`)")),
    security(("bearer" = []), ("api_key" = [])))]
pub async fn workspace_report(
    state: Data<AppState>,
    ws: Workspace,
    params: Query<ReportParams>,
) -> ApiResult<Json<WorkspaceReport>> {
    let query = params.parse()?;
    Ok(Json(
        reports::workspace_summary(&state.core, &ws.0, &query).await?,
    ))
}

/// The agency roll-up: the figures of a period across the organization's workspaces the
/// caller may read reports in (an `org_owner` or `org_admin`: every workspace; an
/// `org_member`: the workspaces it belongs to, an agent's own figures in those where it is
/// an agent), and each of those workspaces' own report, with `group_by` applied inside
/// each. The figures are those of `GET /v1/workspaces/{workspace_id}/reports/summary`;
/// the totals' medians and p90 are taken over all the workspaces' values together.
#[utoipa::path(get, path = "/v1/orgs/{org_id}/reports/summary", tag = "reports",
    params(("org_id" = OrgId, Path), ReportParams),
    responses((status = 200, body = OrgReport),
        (status = 400, body = Problem, description = "an unknown query parameter (`invalid_query`)"),
        (status = 401, body = Problem), (status = 403, body = Problem, description = "an API key (`people_only`)"), (status = 404, body = Problem),
        (status = 422, body = Problem, description = "as for a workspace's report")),
    security(("bearer" = [])))]
pub async fn org_report(
    state: Data<AppState>,
    org: Org,
    params: Query<ReportParams>,
) -> ApiResult<Json<OrgReport>> {
    let query = params.parse()?;
    Ok(Json(
        reports::org_summary(&state.core, &org.0, &query).await?,
    ))
}
