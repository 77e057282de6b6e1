//! SLA policies: the targets, warning threshold, calendar, conditions and breach actions
//! of the clocks of the conversations each applies to, and which applies to a conversation.

use actix_web::HttpResponse;
use actix_web::web::{Data, Json, Path, Query};
use earshot_core::ids::{ConversationId, SlaPolicyId, WorkspaceId};
use earshot_core::pagination::Page;
use earshot_core::service::sla_policies::{self, NewSlaPolicy, SlaPolicyPatch};
use earshot_core::views::{MatchingPolicyView, SlaPolicyView};
use serde::Deserialize;

use crate::body::Body;
use crate::extract::{ListParams, Workspace};
use crate::problem::{ApiResult, Problem};
use crate::rest::conversations::ConversationPath;
use crate::state::AppState;

/// Path of one policy.
#[derive(Debug, Deserialize)]
pub struct PolicyPath {
    /// Workspace.
    pub workspace_id: WorkspaceId,
    /// Policy.
    pub policy_id: SlaPolicyId,
}

/// The workspace's SLA policies, oldest first (`position` says the order they apply in).
#[utoipa::path(get, path = "/v1/workspaces/{workspace_id}/sla-policies", tag = "sla-policies",
    params(("workspace_id" = WorkspaceId, Path), ListParams),
    responses((status = 200, body = Page<SlaPolicyView>), (status = 401, body = Problem), (status = 404, body = Problem)),
    security(("bearer" = []), ("api_key" = [])))]
pub async fn list_sla_policies(
    state: Data<AppState>,
    ws: Workspace,
    query: Query<ListParams>,
) -> ApiResult<Json<Page<SlaPolicyView>>> {
    let page = query.page(&state.core)?;
    Ok(Json(sla_policies::list(&state.core, &ws.0, page).await?))
}

/// Create an SLA policy. The first enabled policy, by position then creation, whose
/// conditions a conversation meets applies to it.
#[utoipa::path(post, path = "/v1/workspaces/{workspace_id}/sla-policies", tag = "sla-policies", request_body = NewSlaPolicy,
    params(("workspace_id" = WorkspaceId, Path)),
    responses((status = 201, body = SlaPolicyView), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem, description = "the name is taken"),
        (status = 422, body = Problem, description = "a bad name, position, target or threshold, no target, an unknown calendar (`unknown_business_hours`) or team (`unknown_team`), an unknown value in a condition, a bad tag")),
    security(("bearer" = []), ("api_key" = [])))]
pub async fn create_sla_policy(
    state: Data<AppState>,
    ws: Workspace,
    Body(body): Body<NewSlaPolicy>,
) -> ApiResult<HttpResponse> {
    let policy = sla_policies::create(&state.core, &ws.0, body).await?;
    Ok(HttpResponse::Created().json(policy))
}

/// One SLA policy.
#[utoipa::path(get, path = "/v1/workspaces/{workspace_id}/sla-policies/{policy_id}", tag = "sla-policies",
    params(("workspace_id" = WorkspaceId, Path), ("policy_id" = SlaPolicyId, Path)),
    responses((status = 200, body = SlaPolicyView), (status = 404, body = Problem)),
    security(("bearer" = []), ("api_key" = [])))]
pub async fn get_sla_policy(
    state: Data<AppState>,
    ws: Workspace,
    path: Path<PolicyPath>,
) -> ApiResult<Json<SlaPolicyView>> {
    Ok(Json(
        sla_policies::get(&state.core, &ws.0, path.policy_id).await?,
    ))
}

/// Change an SLA policy; `targets`, `conditions` or `breach_actions` given replace the
/// whole of it, `business_hours_id: null` counts around the clock. Editing a policy
/// applies to clocks started after the edit; running clocks keep the targets they started
/// with.
#[utoipa::path(patch, path = "/v1/workspaces/{workspace_id}/sla-policies/{policy_id}", tag = "sla-policies", request_body = SlaPolicyPatch,
    params(("workspace_id" = WorkspaceId, Path), ("policy_id" = SlaPolicyId, Path)),
    responses((status = 200, body = SlaPolicyView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = []), ("api_key" = [])))]
pub async fn update_sla_policy(
    state: Data<AppState>,
    ws: Workspace,
    path: Path<PolicyPath>,
    Body(body): Body<SlaPolicyPatch>,
) -> ApiResult<Json<SlaPolicyView>> {
    Ok(Json(
        sla_policies::update(&state.core, &ws.0, path.policy_id, body).await?,
    ))
}

/// Delete an SLA policy.
#[utoipa::path(delete, path = "/v1/workspaces/{workspace_id}/sla-policies/{policy_id}", tag = "sla-policies",
    params(("workspace_id" = WorkspaceId, Path), ("policy_id" = SlaPolicyId, Path)),
    responses((status = 204), (status = 403, body = Problem), (status = 404, body = Problem)),
    security(("bearer" = []), ("api_key" = [])))]
pub async fn delete_sla_policy(
    state: Data<AppState>,
    ws: Workspace,
    path: Path<PolicyPath>,
) -> ApiResult<HttpResponse> {
    sla_policies::delete(&state.core, &ws.0, path.policy_id).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The SLA policy that applies to a conversation now: the first enabled one, by position
/// then creation, whose conditions it meets (`policy: null` when none does).
#[utoipa::path(get, path = "/v1/workspaces/{workspace_id}/conversations/{conversation_id}/sla-policy", tag = "sla-policies",
    params(("workspace_id" = WorkspaceId, Path), ("conversation_id" = ConversationId, Path)),
    responses((status = 200, body = MatchingPolicyView), (status = 403, body = Problem), (status = 404, body = Problem)),
    security(("bearer" = []), ("api_key" = [])))]
pub async fn conversation_sla_policy(
    state: Data<AppState>,
    ws: Workspace,
    path: Path<ConversationPath>,
) -> ApiResult<Json<MatchingPolicyView>> {
    let found = sla_policies::for_conversation(&state.core, &ws.0, path.conversation_id).await?;
    Ok(Json(found))
}
