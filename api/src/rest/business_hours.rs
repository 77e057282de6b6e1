//! Business-hours calendars: the time zone, weekly shifts and holidays SLA targets count
//! business time in, and when a target counted in one falls due.

use actix_web::HttpResponse;
use actix_web::web::{Data, Json, Path, Query};
use earshot_core::ids::{BusinessHoursId, WorkspaceId};
use earshot_core::pagination::Page;
use earshot_core::service::business_hours::{self, BusinessHoursPatch, DueQuery, NewBusinessHours};
use earshot_core::views::{BusinessDueView, BusinessHoursView};
use serde::Deserialize;

use crate::body::Body;
use crate::extract::{ListParams, Workspace};
use crate::problem::{ApiResult, Problem};
use crate::state::AppState;

/// Path of one calendar.
#[derive(Debug, Deserialize)]
pub struct HoursPath {
    /// Workspace.
    pub workspace_id: WorkspaceId,
    /// Calendar.
    pub hours_id: BusinessHoursId,
}

/// The workspace's business-hours calendars, oldest first.
#[utoipa::path(get, path = "/v1/workspaces/{workspace_id}/business-hours", tag = "business-hours",
    params(("workspace_id" = WorkspaceId, Path), ListParams),
    responses((status = 200, body = Page<BusinessHoursView>), (status = 401, body = Problem), (status = 404, body = Problem)),
    security(("bearer" = []), ("api_key" = [])))]
pub async fn list_business_hours(
    state: Data<AppState>,
    ws: Workspace,
    query: Query<ListParams>,
) -> ApiResult<Json<Page<BusinessHoursView>>> {
    let page = query.page(&state.core)?;
    Ok(Json(business_hours::list(&state.core, &ws.0, page).await?))
}

/// Create a business-hours calendar: an IANA time zone, shifts per weekday (split and
/// overnight shifts allowed, none overlapping) and holidays.
#[utoipa::path(post, path = "/v1/workspaces/{workspace_id}/business-hours", tag = "business-hours", request_body = NewBusinessHours,
    params(("workspace_id" = WorkspaceId, Path)),
    responses((status = 201, body = BusinessHoursView), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem, description = "the name is taken"),
        (status = 422, body = Problem, description = "unknown time zone, malformed time or date, overlapping intervals, no hours in the week, a holiday twice, too many intervals or holidays")),
    security(("bearer" = []), ("api_key" = [])))]
pub async fn create_business_hours(
    state: Data<AppState>,
    ws: Workspace,
    Body(body): Body<NewBusinessHours>,
) -> ApiResult<HttpResponse> {
    let hours = business_hours::create(&state.core, &ws.0, body).await?;
    Ok(HttpResponse::Created().json(hours))
}

/// One business-hours calendar.
#[utoipa::path(get, path = "/v1/workspaces/{workspace_id}/business-hours/{hours_id}", tag = "business-hours",
    params(("workspace_id" = WorkspaceId, Path), ("hours_id" = BusinessHoursId, Path)),
    responses((status = 200, body = BusinessHoursView), (status = 404, body = Problem)),
    security(("bearer" = []), ("api_key" = [])))]
pub async fn get_business_hours(
    state: Data<AppState>,
    ws: Workspace,
    path: Path<HoursPath>,
) -> ApiResult<Json<BusinessHoursView>> {
    Ok(Json(
        business_hours::get(&state.core, &ws.0, path.hours_id).await?,
    ))
}

/// Change a business-hours calendar; a `weekly` or `holidays` given replaces the whole week
/// or list.
#[utoipa::path(patch, path = "/v1/workspaces/{workspace_id}/business-hours/{hours_id}", tag = "business-hours", request_body = BusinessHoursPatch,
    params(("workspace_id" = WorkspaceId, Path), ("hours_id" = BusinessHoursId, Path)),
    responses((status = 200, body = BusinessHoursView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = []), ("api_key" = [])))]
pub async fn update_business_hours(
    state: Data<AppState>,
    ws: Workspace,
    path: Path<HoursPath>,
    Body(body): Body<BusinessHoursPatch>,
) -> ApiResult<Json<BusinessHoursView>> {
    Ok(Json(
        business_hours::update(&state.core, &ws.0, path.hours_id, body).await?,
    ))
}

/// Delete a business-hours calendar no SLA policy counts in.
#[utoipa::path(delete, path = "/v1/workspaces/{workspace_id}/business-hours/{hours_id}", tag = "business-hours",
    params(("workspace_id" = WorkspaceId, Path), ("hours_id" = BusinessHoursId, Path)),
    responses((status = 204), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem, description = "an SLA policy counts in the calendar (`business_hours_in_use`)")),
    security(("bearer" = []), ("api_key" = [])))]
pub async fn delete_business_hours(
    state: Data<AppState>,
    ws: Workspace,
    path: Path<HoursPath>,
) -> ApiResult<HttpResponse> {
    business_hours::delete(&state.core, &ws.0, path.hours_id).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// When `seconds` business seconds counted from `from` (default now) have passed in this
/// calendar; with `seconds=0`, the first business instant from `from`.
#[utoipa::path(get, path = "/v1/workspaces/{workspace_id}/business-hours/{hours_id}/due", tag = "business-hours",
    params(("workspace_id" = WorkspaceId, Path), ("hours_id" = BusinessHoursId, Path), DueQuery),
    responses((status = 200, body = BusinessDueView), (status = 404, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = []), ("api_key" = [])))]
pub async fn business_due(
    state: Data<AppState>,
    ws: Workspace,
    path: Path<HoursPath>,
    query: Query<DueQuery>,
) -> ApiResult<Json<BusinessDueView>> {
    let due = business_hours::due(&state.core, &ws.0, path.hours_id, query.into_inner()).await?;
    Ok(Json(due))
}
