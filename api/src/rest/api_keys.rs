//! Workspace API keys.

use actix_web::HttpResponse;
use actix_web::web::{Data, Json, Path, Query};
use earshot_core::ids::{ApiKeyId, WorkspaceId};
use earshot_core::pagination::Page;
use earshot_core::service::api_keys::{self, ApiKeyPatch, NewApiKey};
use earshot_core::views::{ApiKeyView, CreatedApiKey};
use serde::Deserialize;

use crate::body::Body;
use crate::extract::{ListParams, Workspace};
use crate::problem::{ApiResult, Problem};
use crate::state::AppState;

/// Path of one key.
#[derive(Debug, Deserialize)]
pub struct KeyPath {
    /// Workspace.
    pub workspace_id: WorkspaceId,
    /// Key.
    pub key_id: ApiKeyId,
}

/// Keys of the workspace (never their secrets).
#[utoipa::path(get, path = "/v1/workspaces/{workspace_id}/api-keys", tag = "api-keys",
    params(("workspace_id" = WorkspaceId, Path), ListParams),
    responses((status = 200, body = Page<ApiKeyView>), (status = 403, body = Problem), (status = 404, body = Problem)),
    security(("bearer" = [])))]
pub async fn list_api_keys(
    state: Data<AppState>,
    ws: Workspace,
    query: Query<ListParams>,
) -> ApiResult<Json<Page<ApiKeyView>>> {
    let page = query.page(&state.core)?;
    Ok(Json(api_keys::list(&state.core, &ws.0, page).await?))
}

/// Create a key; its secret is in this answer and never again.
#[utoipa::path(post, path = "/v1/workspaces/{workspace_id}/api-keys", tag = "api-keys", request_body = NewApiKey,
    params(("workspace_id" = WorkspaceId, Path)),
    responses((status = 201, body = CreatedApiKey), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn create_api_key(
    state: Data<AppState>,
    ws: Workspace,
    Body(body): Body<NewApiKey>,
) -> ApiResult<HttpResponse> {
    let created = api_keys::create(&state.core, &ws.0, body).await?;
    Ok(HttpResponse::Created().json(created))
}

/// One key.
#[utoipa::path(get, path = "/v1/workspaces/{workspace_id}/api-keys/{key_id}", tag = "api-keys",
    params(("workspace_id" = WorkspaceId, Path), ("key_id" = ApiKeyId, Path)),
    responses((status = 200, body = ApiKeyView), (status = 403, body = Problem), (status = 404, body = Problem)),
    security(("bearer" = [])))]
pub async fn get_api_key(
    state: Data<AppState>,
    ws: Workspace,
    path: Path<KeyPath>,
) -> ApiResult<Json<ApiKeyView>> {
    Ok(Json(api_keys::get(&state.core, &ws.0, path.key_id).await?))
}

/// Rename a key.
#[utoipa::path(patch, path = "/v1/workspaces/{workspace_id}/api-keys/{key_id}", tag = "api-keys", request_body = ApiKeyPatch,
    params(("workspace_id" = WorkspaceId, Path), ("key_id" = ApiKeyId, Path)),
    responses((status = 200, body = ApiKeyView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn rename_api_key(
    state: Data<AppState>,
    ws: Workspace,
    path: Path<KeyPath>,
    Body(body): Body<ApiKeyPatch>,
) -> ApiResult<Json<ApiKeyView>> {
    Ok(Json(
        api_keys::rename(&state.core, &ws.0, path.key_id, body).await?,
    ))
}

/// Revoke a key: it stops working at once.
#[utoipa::path(delete, path = "/v1/workspaces/{workspace_id}/api-keys/{key_id}", tag = "api-keys",
    params(("workspace_id" = WorkspaceId, Path), ("key_id" = ApiKeyId, Path)),
    responses((status = 204), (status = 403, body = Problem), (status = 404, body = Problem)),
    security(("bearer" = [])))]
pub async fn revoke_api_key(
    state: Data<AppState>,
    ws: Workspace,
    path: Path<KeyPath>,
) -> ApiResult<HttpResponse> {
    api_keys::revoke(&state.core, &ws.0, path.key_id).await?;
    Ok(HttpResponse::NoContent().finish())
}
