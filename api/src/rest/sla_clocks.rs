//! SLA clocks: where each promise made to a conversation's customer stands.

use actix_web::web::{Data, Json, Path};
use earshot_core::ids::{ConversationId, WorkspaceId};
use earshot_core::service::sla_clocks;
use earshot_core::views::SlaClocksView;

use crate::extract::Workspace;
use crate::problem::{ApiResult, Problem};
use crate::rest::conversations::ConversationPath;
use crate::state::AppState;

/// A conversation's SLA clocks, oldest first: each one's kind, state, due and warning
/// times, business seconds left (as of this read), and whether it warned or breached.
#[utoipa::path(get, path = "/v1/workspaces/{workspace_id}/conversations/{conversation_id}/sla-clocks", tag = "sla-policies",
    params(("workspace_id" = WorkspaceId, Path), ("conversation_id" = ConversationId, Path)),
    responses((status = 200, body = SlaClocksView), (status = 403, body = Problem), (status = 404, body = Problem)),
    security(("bearer" = []), ("api_key" = [])))]
pub async fn conversation_sla_clocks(
    state: Data<AppState>,
    ws: Workspace,
    path: Path<ConversationPath>,
) -> ApiResult<Json<SlaClocksView>> {
    let found = sla_clocks::of_conversation(&state.core, &ws.0, path.conversation_id).await?;
    Ok(Json(found))
}
