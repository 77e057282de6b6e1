//! Keyword listening rules: X recent-search queries whose matching public posts become
//! conversations tagged `listening:<name>`.

use actix_web::HttpResponse;
use actix_web::web::{Data, Json, Path, Query};
use earshot_core::ids::{ListeningRuleId, WorkspaceId};
use earshot_core::pagination::Page;
use earshot_core::service::listening::{self, ListeningRulePatch, NewListeningRule};
use earshot_core::views::ListeningRuleView;
use serde::Deserialize;

use crate::body::Body;
use crate::extract::{ListParams, Workspace};
use crate::problem::{ApiResult, Problem};
use crate::state::AppState;

/// Path of one listening rule.
#[derive(Debug, Deserialize)]
pub struct RulePath {
    /// Workspace.
    pub workspace_id: WorkspaceId,
    /// Listening rule.
    pub rule_id: ListeningRuleId,
}

/// Listening rules of the workspace, oldest first.
#[utoipa::path(get, path = "/v1/workspaces/{workspace_id}/listening-rules", tag = "listening",
    params(("workspace_id" = WorkspaceId, Path), ListParams),
    responses((status = 200, body = Page<ListeningRuleView>), (status = 401, body = Problem), (status = 404, body = Problem)),
    security(("bearer" = []), ("api_key" = [])))]
pub async fn list_listening_rules(
    state: Data<AppState>,
    ws: Workspace,
    query: Query<ListParams>,
) -> ApiResult<Json<Page<ListeningRuleView>>> {
    let page = query.page(&state.core)?;
    Ok(Json(listening::list(&state.core, &ws.0, page).await?))
}

/// Create a listening rule: the worker searches X with the channel's credentials on the
/// rule's interval, and matching posts become conversations tagged `listening:<name>`.
#[utoipa::path(post, path = "/v1/workspaces/{workspace_id}/listening-rules", tag = "listening", request_body = NewListeningRule,
    params(("workspace_id" = WorkspaceId, Path)),
    responses((status = 201, body = ListeningRuleView), (status = 403, body = Problem), (status = 404, body = Problem, description = "no such workspace or channel"),
        (status = 409, body = Problem, description = "the name is taken"), (status = 422, body = Problem)),
    security(("bearer" = []), ("api_key" = [])))]
pub async fn create_listening_rule(
    state: Data<AppState>,
    ws: Workspace,
    Body(body): Body<NewListeningRule>,
) -> ApiResult<HttpResponse> {
    let rule = listening::create(&state.core, &ws.0, body).await?;
    Ok(HttpResponse::Created().json(rule))
}

/// One listening rule, with when it was last searched, X's last refusal and posts heard.
#[utoipa::path(get, path = "/v1/workspaces/{workspace_id}/listening-rules/{rule_id}", tag = "listening",
    params(("workspace_id" = WorkspaceId, Path), ("rule_id" = ListeningRuleId, Path)),
    responses((status = 200, body = ListeningRuleView), (status = 404, body = Problem)),
    security(("bearer" = []), ("api_key" = [])))]
pub async fn get_listening_rule(
    state: Data<AppState>,
    ws: Workspace,
    path: Path<RulePath>,
) -> ApiResult<Json<ListeningRuleView>> {
    Ok(Json(
        listening::get(&state.core, &ws.0, path.rule_id).await?,
    ))
}

/// Change a listening rule; a new query or channel starts its search afresh.
#[utoipa::path(patch, path = "/v1/workspaces/{workspace_id}/listening-rules/{rule_id}", tag = "listening", request_body = ListeningRulePatch,
    params(("workspace_id" = WorkspaceId, Path), ("rule_id" = ListeningRuleId, Path)),
    responses((status = 200, body = ListeningRuleView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = []), ("api_key" = [])))]
pub async fn update_listening_rule(
    state: Data<AppState>,
    ws: Workspace,
    path: Path<RulePath>,
    Body(body): Body<ListeningRulePatch>,
) -> ApiResult<Json<ListeningRuleView>> {
    Ok(Json(
        listening::update(&state.core, &ws.0, path.rule_id, body).await?,
    ))
}

/// Delete a listening rule; the conversations it heard stay.
#[utoipa::path(delete, path = "/v1/workspaces/{workspace_id}/listening-rules/{rule_id}", tag = "listening",
    params(("workspace_id" = WorkspaceId, Path), ("rule_id" = ListeningRuleId, Path)),
    responses((status = 204), (status = 403, body = Problem), (status = 404, body = Problem)),
    security(("bearer" = []), ("api_key" = [])))]
pub async fn delete_listening_rule(
    state: Data<AppState>,
    ws: Workspace,
    path: Path<RulePath>,
) -> ApiResult<HttpResponse> {
    listening::delete(&state.core, &ws.0, path.rule_id).await?;
    Ok(HttpResponse::NoContent().finish())
}
