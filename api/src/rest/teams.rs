//! Teams and their members.

use actix_web::HttpResponse;
use actix_web::web::{Data, Json, Path, Query};
use earshot_core::ids::{TeamId, WorkspaceId};
use earshot_core::pagination::Page;
use earshot_core::service::teams::{self, NewTeam, TeamPatch};
use earshot_core::views::TeamView;
use serde::Deserialize;

use crate::body::Body;
use crate::extract::{ListParams, Workspace};
use crate::problem::{ApiResult, Problem};
use crate::state::AppState;

/// Path of one team.
#[derive(Debug, Deserialize)]
pub struct TeamPath {
    /// Workspace.
    pub workspace_id: WorkspaceId,
    /// Team.
    pub team_id: TeamId,
}

/// Teams of the workspace.
#[utoipa::path(get, path = "/v1/workspaces/{workspace_id}/teams", tag = "teams",
    params(("workspace_id" = WorkspaceId, Path), ListParams),
    responses((status = 200, body = Page<TeamView>), (status = 401, body = Problem), (status = 404, body = Problem)),
    security(("bearer" = []), ("api_key" = [])))]
pub async fn list_teams(
    state: Data<AppState>,
    ws: Workspace,
    query: Query<ListParams>,
) -> ApiResult<Json<Page<TeamView>>> {
    let page = query.page(&state.core)?;
    Ok(Json(teams::list(&state.core, &ws.0, page).await?))
}

/// Create a team.
#[utoipa::path(post, path = "/v1/workspaces/{workspace_id}/teams", tag = "teams", request_body = NewTeam,
    params(("workspace_id" = WorkspaceId, Path)),
    responses((status = 201, body = TeamView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = []), ("api_key" = [])))]
pub async fn create_team(
    state: Data<AppState>,
    ws: Workspace,
    Body(body): Body<NewTeam>,
) -> ApiResult<HttpResponse> {
    let team = teams::create(&state.core, &ws.0, body).await?;
    Ok(HttpResponse::Created().json(team))
}

/// One team.
#[utoipa::path(get, path = "/v1/workspaces/{workspace_id}/teams/{team_id}", tag = "teams",
    params(("workspace_id" = WorkspaceId, Path), ("team_id" = TeamId, Path)),
    responses((status = 200, body = TeamView), (status = 404, body = Problem)),
    security(("bearer" = []), ("api_key" = [])))]
pub async fn get_team(
    state: Data<AppState>,
    ws: Workspace,
    path: Path<TeamPath>,
) -> ApiResult<Json<TeamView>> {
    Ok(Json(teams::get(&state.core, &ws.0, path.team_id).await?))
}

/// Change a team's name, description or members.
#[utoipa::path(patch, path = "/v1/workspaces/{workspace_id}/teams/{team_id}", tag = "teams", request_body = TeamPatch,
    params(("workspace_id" = WorkspaceId, Path), ("team_id" = TeamId, Path)),
    responses((status = 200, body = TeamView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = []), ("api_key" = [])))]
pub async fn update_team(
    state: Data<AppState>,
    ws: Workspace,
    path: Path<TeamPath>,
    Body(body): Body<TeamPatch>,
) -> ApiResult<Json<TeamView>> {
    Ok(Json(
        teams::update(&state.core, &ws.0, path.team_id, body).await?,
    ))
}

/// Delete a team no SLA policy's breach assigns.
#[utoipa::path(delete, path = "/v1/workspaces/{workspace_id}/teams/{team_id}", tag = "teams",
    params(("workspace_id" = WorkspaceId, Path), ("team_id" = TeamId, Path)),
    responses((status = 204), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem, description = "an SLA policy's breach assigns the team (`team_in_use`)")),
    security(("bearer" = []), ("api_key" = [])))]
pub async fn delete_team(
    state: Data<AppState>,
    ws: Workspace,
    path: Path<TeamPath>,
) -> ApiResult<HttpResponse> {
    teams::delete(&state.core, &ws.0, path.team_id).await?;
    Ok(HttpResponse::NoContent().finish())
}
