//! Commitments — what an agent told a customer the company would do, by when, and who owns
//! it — and the satisfaction follow-ups after a resolution.

use actix_web::HttpResponse;
use actix_web::web::{Data, Json, Path};
use earshot_core::ids::{CommitmentId, ConversationId, WorkspaceId};
use earshot_core::service::commitments::{self, CommitmentPatch, NewCommitment};
use earshot_core::service::followups;
use earshot_core::views::{CommitmentView, FollowupView};
use serde::Deserialize;

use crate::body::Body;
use crate::extract::Workspace;
use crate::problem::{ApiResult, Problem};
use crate::rest::conversations::ConversationPath;
use crate::state::AppState;

/// Path of one commitment.
#[derive(Debug, Deserialize)]
pub struct CommitmentPath {
    /// Workspace.
    pub workspace_id: WorkspaceId,
    /// Conversation.
    pub conversation_id: ConversationId,
    /// Commitment.
    pub commitment_id: CommitmentId,
}

/// A conversation's commitments, by due time: open ones and those kept or withdrawn.
#[utoipa::path(get, path = "/v1/workspaces/{workspace_id}/conversations/{conversation_id}/commitments", tag = "commitments",
    params(("workspace_id" = WorkspaceId, Path), ("conversation_id" = ConversationId, Path)),
    responses((status = 200, body = Vec<CommitmentView>), (status = 403, body = Problem), (status = 404, body = Problem)),
    security(("bearer" = []), ("api_key" = [])))]
pub async fn list_commitments(
    state: Data<AppState>,
    ws: Workspace,
    path: Path<ConversationPath>,
) -> ApiResult<Json<Vec<CommitmentView>>> {
    let found = commitments::list(&state.core, &ws.0, path.conversation_id).await?;
    Ok(Json(found))
}

/// Records a commitment made to the customer. It warns at `warning_percent` of the time to
/// `due_at` and breaches at `due_at` while open (`commitment.warning`, `commitment.breached`;
/// the owner and assignee are notified, and a breach escalates as the conversation's SLA
/// policy says). Its due time counts in the conversation's `sla_due_at`.
#[utoipa::path(post, path = "/v1/workspaces/{workspace_id}/conversations/{conversation_id}/commitments", tag = "commitments",
    params(("workspace_id" = WorkspaceId, Path), ("conversation_id" = ConversationId, Path)),
    request_body = NewCommitment,
    responses((status = 201, body = CommitmentView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = []), ("api_key" = [])))]
pub async fn create_commitment(
    state: Data<AppState>,
    ws: Workspace,
    path: Path<ConversationPath>,
    Body(body): Body<NewCommitment>,
) -> ApiResult<HttpResponse> {
    let created = commitments::create(&state.core, &ws.0, path.conversation_id, body).await?;
    Ok(HttpResponse::Created().json(created))
}

/// One commitment.
#[utoipa::path(get, path = "/v1/workspaces/{workspace_id}/conversations/{conversation_id}/commitments/{commitment_id}", tag = "commitments",
    params(("workspace_id" = WorkspaceId, Path), ("conversation_id" = ConversationId, Path), ("commitment_id" = CommitmentId, Path)),
    responses((status = 200, body = CommitmentView), (status = 403, body = Problem), (status = 404, body = Problem)),
    security(("bearer" = []), ("api_key" = [])))]
pub async fn get_commitment(
    state: Data<AppState>,
    ws: Workspace,
    path: Path<CommitmentPath>,
) -> ApiResult<Json<CommitmentView>> {
    let id = (path.conversation_id, path.commitment_id);
    Ok(Json(
        commitments::get(&state.core, &ws.0, id.0, id.1).await?,
    ))
}

/// Changes an open commitment's text, due time or owner, or fulfils (`state: fulfilled`)
/// or cancels it — each a recorded action with its event. One no longer open answers
/// `409 commitment_closed`.
#[utoipa::path(patch, path = "/v1/workspaces/{workspace_id}/conversations/{conversation_id}/commitments/{commitment_id}", tag = "commitments",
    params(("workspace_id" = WorkspaceId, Path), ("conversation_id" = ConversationId, Path), ("commitment_id" = CommitmentId, Path)),
    request_body = CommitmentPatch,
    responses((status = 200, body = CommitmentView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = []), ("api_key" = [])))]
pub async fn update_commitment(
    state: Data<AppState>,
    ws: Workspace,
    path: Path<CommitmentPath>,
    Body(patch): Body<CommitmentPatch>,
) -> ApiResult<Json<CommitmentView>> {
    let id = (path.conversation_id, path.commitment_id);
    Ok(Json(
        commitments::update(&state.core, &ws.0, id.0, id.1, patch).await?,
    ))
}

/// A conversation's satisfaction follow-ups, oldest first: when each question goes (went)
/// out, and the customer's score and words.
#[utoipa::path(get, path = "/v1/workspaces/{workspace_id}/conversations/{conversation_id}/follow-ups", tag = "commitments",
    params(("workspace_id" = WorkspaceId, Path), ("conversation_id" = ConversationId, Path)),
    responses((status = 200, body = Vec<FollowupView>), (status = 403, body = Problem), (status = 404, body = Problem)),
    security(("bearer" = []), ("api_key" = [])))]
pub async fn list_followups(
    state: Data<AppState>,
    ws: Workspace,
    path: Path<ConversationPath>,
) -> ApiResult<Json<Vec<FollowupView>>> {
    let found = followups::list(&state.core, &ws.0, path.conversation_id).await?;
    Ok(Json(found))
}
