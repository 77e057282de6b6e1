//! Workspace members and roles.

use actix_web::HttpResponse;
use actix_web::web::{Data, Json, Path, Query};
use earshot_core::ids::{UserId, WorkspaceId};
use earshot_core::pagination::Page;
use earshot_core::service::members::{self, MemberPatch, NewMember};
use earshot_core::views::{AddedMember, MemberView};
use serde::Deserialize;

use crate::body::Body;
use crate::extract::{ListParams, Workspace};
use crate::problem::{ApiResult, Problem};
use crate::state::AppState;

/// Path of one member.
#[derive(Debug, Deserialize)]
pub struct MemberPath {
    /// Workspace.
    pub workspace_id: WorkspaceId,
    /// Member.
    pub user_id: UserId,
}

/// Members of the workspace.
#[utoipa::path(get, path = "/v1/workspaces/{workspace_id}/members", tag = "members",
    params(("workspace_id" = WorkspaceId, Path), ListParams),
    responses((status = 200, body = Page<MemberView>), (status = 401, body = Problem), (status = 404, body = Problem)),
    security(("bearer" = []), ("api_key" = [])))]
pub async fn list_members(
    state: Data<AppState>,
    ws: Workspace,
    query: Query<ListParams>,
) -> ApiResult<Json<Page<MemberView>>> {
    let page = query.page(&state.core)?;
    Ok(Json(members::list(&state.core, &ws.0, page).await?))
}

/// Add a member; an unknown email creates the user and returns an invitation token once.
#[utoipa::path(post, path = "/v1/workspaces/{workspace_id}/members", tag = "members", request_body = NewMember,
    params(("workspace_id" = WorkspaceId, Path)),
    responses((status = 201, body = AddedMember), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn add_member(
    state: Data<AppState>,
    ws: Workspace,
    Body(body): Body<NewMember>,
) -> ApiResult<HttpResponse> {
    let added = members::add(&state.core, &ws.0, body).await?;
    Ok(HttpResponse::Created().json(added))
}

/// One member.
#[utoipa::path(get, path = "/v1/workspaces/{workspace_id}/members/{user_id}", tag = "members",
    params(("workspace_id" = WorkspaceId, Path), ("user_id" = UserId, Path)),
    responses((status = 200, body = MemberView), (status = 404, body = Problem)),
    security(("bearer" = []), ("api_key" = [])))]
pub async fn get_member(
    state: Data<AppState>,
    ws: Workspace,
    path: Path<MemberPath>,
) -> ApiResult<Json<MemberView>> {
    Ok(Json(members::get(&state.core, &ws.0, path.user_id).await?))
}

/// Change a member's role (admins cannot touch owners; the last owner stays).
#[utoipa::path(patch, path = "/v1/workspaces/{workspace_id}/members/{user_id}", tag = "members", request_body = MemberPatch,
    params(("workspace_id" = WorkspaceId, Path), ("user_id" = UserId, Path)),
    responses((status = 200, body = MemberView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem)),
    security(("bearer" = [])))]
pub async fn update_member(
    state: Data<AppState>,
    ws: Workspace,
    path: Path<MemberPath>,
    Body(body): Body<MemberPatch>,
) -> ApiResult<Json<MemberView>> {
    Ok(Json(
        members::update_role(&state.core, &ws.0, path.user_id, body).await?,
    ))
}

/// Remove a member from the workspace and its teams.
#[utoipa::path(delete, path = "/v1/workspaces/{workspace_id}/members/{user_id}", tag = "members",
    params(("workspace_id" = WorkspaceId, Path), ("user_id" = UserId, Path)),
    responses((status = 204), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem)),
    security(("bearer" = [])))]
pub async fn remove_member(
    state: Data<AppState>,
    ws: Workspace,
    path: Path<MemberPath>,
) -> ApiResult<HttpResponse> {
    members::remove(&state.core, &ws.0, path.user_id).await?;
    Ok(HttpResponse::NoContent().finish())
}
