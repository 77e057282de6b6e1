//! Workspaces: listed and created per organization, read and changed by id.

use actix_web::HttpResponse;
use actix_web::web::{Data, Json, Query};
use earshot_core::ids::{OrgId, WorkspaceId};
use earshot_core::pagination::Page;
use earshot_core::service::workspaces::{self, NewWorkspace, TransferOwnership, WorkspacePatch};
use earshot_core::views::WorkspaceView;

use crate::body::Body;
use crate::extract::{ListParams, Org, Workspace};
use crate::problem::{ApiResult, Problem};
use crate::state::AppState;

/// Workspaces of the organization the caller can enter.
#[utoipa::path(get, path = "/v1/orgs/{org_id}/workspaces", tag = "workspaces",
    params(("org_id" = OrgId, Path), ListParams),
    responses((status = 200, body = Page<WorkspaceView>), (status = 401, body = Problem), (status = 404, body = Problem)),
    security(("bearer" = [])))]
pub async fn list_workspaces(
    state: Data<AppState>,
    org: Org,
    query: Query<ListParams>,
) -> ApiResult<Json<Page<WorkspaceView>>> {
    let page = query.page(&state.core)?;
    Ok(Json(workspaces::list(&state.core, &org.0, page).await?))
}

/// Create a workspace (`org_owner` or `org_admin`); the caller becomes its owner.
#[utoipa::path(post, path = "/v1/orgs/{org_id}/workspaces", tag = "workspaces", request_body = NewWorkspace,
    params(("org_id" = OrgId, Path)),
    responses((status = 201, body = WorkspaceView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn create_workspace(
    state: Data<AppState>,
    org: Org,
    Body(body): Body<NewWorkspace>,
) -> ApiResult<HttpResponse> {
    let view = workspaces::create(&state.core, &org.0, body).await?;
    Ok(HttpResponse::Created().json(view))
}

/// One workspace and its settings.
#[utoipa::path(get, path = "/v1/workspaces/{workspace_id}", tag = "workspaces",
    params(("workspace_id" = WorkspaceId, Path)),
    responses((status = 200, body = WorkspaceView), (status = 401, body = Problem), (status = 404, body = Problem)),
    security(("bearer" = []), ("api_key" = [])))]
pub async fn get_workspace(state: Data<AppState>, ws: Workspace) -> ApiResult<Json<WorkspaceView>> {
    Ok(Json(workspaces::get(&state.core, &ws.0).await?))
}

/// Change the name or settings (`agent_visibility`, `reopen_window_secs`, `followup_delay_secs`).
#[utoipa::path(patch, path = "/v1/workspaces/{workspace_id}", tag = "workspaces", request_body = WorkspacePatch,
    params(("workspace_id" = WorkspaceId, Path)),
    responses((status = 200, body = WorkspaceView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn update_workspace(
    state: Data<AppState>,
    ws: Workspace,
    Body(body): Body<WorkspacePatch>,
) -> ApiResult<Json<WorkspaceView>> {
    Ok(Json(workspaces::update(&state.core, &ws.0, body).await?))
}

/// Delete the workspace and everything in it (owner only).
#[utoipa::path(delete, path = "/v1/workspaces/{workspace_id}", tag = "workspaces",
    params(("workspace_id" = WorkspaceId, Path)),
    responses((status = 204), (status = 403, body = Problem), (status = 404, body = Problem)),
    security(("bearer" = [])))]
pub async fn delete_workspace(state: Data<AppState>, ws: Workspace) -> ApiResult<HttpResponse> {
    workspaces::delete(&state.core, &ws.0).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Make another member owner; the caller becomes admin (owner only).
#[utoipa::path(post, path = "/v1/workspaces/{workspace_id}/transfer-ownership", tag = "workspaces", request_body = TransferOwnership,
    params(("workspace_id" = WorkspaceId, Path)),
    responses((status = 204), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn transfer_ownership(
    state: Data<AppState>,
    ws: Workspace,
    Body(body): Body<TransferOwnership>,
) -> ApiResult<HttpResponse> {
    workspaces::transfer_ownership(&state.core, &ws.0, body).await?;
    Ok(HttpResponse::NoContent().finish())
}
