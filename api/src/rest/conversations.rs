//! The inbox: conversations, their messages and notes, and bulk changes.

use actix_web::HttpResponse;
use actix_web::web::{Data, Json, Path, Query};
use earshot_core::ids::{ConversationId, WorkspaceId};
use earshot_core::pagination::Page;
use earshot_core::service::conversations::{
    self, BulkUpdate, ConversationPatch, StartConversation,
};
use earshot_core::service::inbox::{self, InboxParams};
use earshot_core::service::messages::{self, NewMessage};
use earshot_core::views::{ConversationView, MessageView};
use serde::{Deserialize, Serialize};

use crate::body::Body;
use crate::extract::{ListParams, Workspace};
use crate::problem::{ApiResult, Problem};
use crate::state::AppState;

/// Path of one conversation.
#[derive(Debug, Deserialize)]
pub struct ConversationPath {
    /// Workspace.
    pub workspace_id: WorkspaceId,
    /// Conversation.
    pub conversation_id: ConversationId,
}

/// What a bulk change returns.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct BulkResult {
    /// The changed conversations.
    pub items: Vec<ConversationView>,
}

/// The inbox: filters `status`, `assignee_id`, `team_id`, `channel_id`, `tag`, `priority`,
/// `sla`, `q`; sorted by `last_activity`, `priority` or `sla_due`.
#[utoipa::path(get, path = "/v1/workspaces/{workspace_id}/conversations", tag = "conversations",
    params(("workspace_id" = WorkspaceId, Path), InboxParams),
    responses((status = 200, body = Page<ConversationView>), (status = 400, body = Problem), (status = 404, body = Problem)),
    security(("bearer" = []), ("api_key" = [])))]
pub async fn list_conversations(
    state: Data<AppState>,
    ws: Workspace,
    params: Query<InboxParams>,
) -> ApiResult<Json<Page<ConversationView>>> {
    let query = params.parse(&ws.0)?;
    Ok(Json(
        inbox::list(
            &state.core,
            &ws.0,
            &query,
            params.limit,
            params.cursor.as_deref(),
        )
        .await?,
    ))
}

/// Start a conversation with a contact on a channel (proactive outreach). The first
/// message follows its platform's rules like any reply: `409` when the channel is disabled
/// or the platform would refuse it (`outside_reply_window`, such as WhatsApp after 24 hours).
#[utoipa::path(post, path = "/v1/workspaces/{workspace_id}/conversations", tag = "conversations", request_body = StartConversation,
    params(("workspace_id" = WorkspaceId, Path)),
    responses((status = 201, body = ConversationView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = []), ("api_key" = [])))]
pub async fn start_conversation(
    state: Data<AppState>,
    ws: Workspace,
    Body(body): Body<StartConversation>,
) -> ApiResult<HttpResponse> {
    Ok(HttpResponse::Created().json(conversations::start(&state.core, &ws.0, body).await?))
}

/// Change many conversations at once (assign, tag, status): all or none.
#[utoipa::path(post, path = "/v1/workspaces/{workspace_id}/conversations/bulk", tag = "conversations", request_body = BulkUpdate,
    params(("workspace_id" = WorkspaceId, Path)),
    responses((status = 200, body = BulkResult), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = []), ("api_key" = [])))]
pub async fn bulk_update(
    state: Data<AppState>,
    ws: Workspace,
    Body(body): Body<BulkUpdate>,
) -> ApiResult<Json<BulkResult>> {
    Ok(Json(BulkResult {
        items: conversations::bulk_update(&state.core, &ws.0, body).await?,
    }))
}

/// One conversation.
#[utoipa::path(get, path = "/v1/workspaces/{workspace_id}/conversations/{conversation_id}", tag = "conversations",
    params(("workspace_id" = WorkspaceId, Path), ("conversation_id" = ConversationId, Path)),
    responses((status = 200, body = ConversationView), (status = 404, body = Problem)),
    security(("bearer" = []), ("api_key" = [])))]
pub async fn get_conversation(
    state: Data<AppState>,
    ws: Workspace,
    path: Path<ConversationPath>,
) -> ApiResult<Json<ConversationView>> {
    Ok(Json(
        conversations::get(&state.core, &ws.0, path.conversation_id).await?,
    ))
}

/// Change status, priority, assignment or tags.
#[utoipa::path(patch, path = "/v1/workspaces/{workspace_id}/conversations/{conversation_id}", tag = "conversations", request_body = ConversationPatch,
    params(("workspace_id" = WorkspaceId, Path), ("conversation_id" = ConversationId, Path)),
    responses((status = 200, body = ConversationView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = []), ("api_key" = [])))]
pub async fn update_conversation(
    state: Data<AppState>,
    ws: Workspace,
    path: Path<ConversationPath>,
    Body(body): Body<ConversationPatch>,
) -> ApiResult<Json<ConversationView>> {
    Ok(Json(
        conversations::update(&state.core, &ws.0, path.conversation_id, body).await?,
    ))
}

/// The history, oldest first.
#[utoipa::path(get, path = "/v1/workspaces/{workspace_id}/conversations/{conversation_id}/messages", tag = "conversations",
    params(("workspace_id" = WorkspaceId, Path), ("conversation_id" = ConversationId, Path), ListParams),
    responses((status = 200, body = Page<MessageView>), (status = 404, body = Problem)),
    security(("bearer" = []), ("api_key" = [])))]
pub async fn list_messages(
    state: Data<AppState>,
    ws: Workspace,
    path: Path<ConversationPath>,
    query: Query<ListParams>,
) -> ApiResult<Json<Page<MessageView>>> {
    let page = query.page(&state.core)?;
    Ok(Json(
        messages::list(&state.core, &ws.0, path.conversation_id, page).await?,
    ))
}

/// Reply (`{"kind":"reply","text":…,"visibility":"public"|"private"}`) or add a note
/// (`{"kind":"note","text":…,"mentions":[…]}`).
#[utoipa::path(post, path = "/v1/workspaces/{workspace_id}/conversations/{conversation_id}/messages", tag = "conversations", request_body = NewMessage,
    params(("workspace_id" = WorkspaceId, Path), ("conversation_id" = ConversationId, Path)),
    responses((status = 201, body = MessageView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = []), ("api_key" = [])))]
pub async fn create_message(
    state: Data<AppState>,
    ws: Workspace,
    path: Path<ConversationPath>,
    Body(body): Body<NewMessage>,
) -> ApiResult<HttpResponse> {
    Ok(HttpResponse::Created()
        .json(messages::create(&state.core, &ws.0, path.conversation_id, body).await?))
}
