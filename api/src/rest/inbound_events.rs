//! The inbound-event log: platform deliveries (and pushed messages), where they stand, the
//! messages they stored, and a retry for those that had problems.

use actix_web::web::{Data, Json, Path, Query};
use earshot_core::ids::{ChannelId, WorkspaceId};
use earshot_core::pagination::Page;
use earshot_core::service::inbound_events;
use earshot_core::views::{InboundEventView, InboundStatus};
use serde::Deserialize;

use crate::extract::{ListParams, Workspace};
use crate::problem::{ApiResult, Problem};
use crate::state::AppState;

/// Query of the inbound-event list.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct InboundEventParams {
    /// Only this channel's.
    pub channel_id: Option<ChannelId>,
    /// Only those pending, processed or failed.
    pub status: Option<InboundStatus>,
    /// Page size, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u64>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// Path of one logged delivery.
#[derive(Debug, Deserialize)]
pub struct InboundEventPath {
    /// Workspace.
    pub workspace_id: WorkspaceId,
    /// Logged delivery.
    pub event_id: uuid::Uuid,
}

/// Logged deliveries, newest first (admins: `channels:manage`; partners: `messages:ingest`).
#[utoipa::path(get, path = "/v1/workspaces/{workspace_id}/inbound-events", tag = "channels",
    params(("workspace_id" = WorkspaceId, Path), InboundEventParams),
    responses((status = 200, body = Page<InboundEventView>), (status = 403, body = Problem), (status = 404, body = Problem)),
    security(("bearer" = []), ("api_key" = [])))]
pub async fn list_inbound_events(
    state: Data<AppState>,
    ws: Workspace,
    query: Query<InboundEventParams>,
) -> ApiResult<Json<Page<InboundEventView>>> {
    let query = query.into_inner();
    let page = ListParams {
        limit: query.limit,
        cursor: query.cursor,
    }
    .page(&state.core)?;
    let listed =
        inbound_events::list(&state.core, &ws.0, query.channel_id, query.status, page).await?;
    Ok(Json(listed))
}

/// One logged delivery: where it stands and the messages it stored.
#[utoipa::path(get, path = "/v1/workspaces/{workspace_id}/inbound-events/{event_id}", tag = "channels",
    params(("workspace_id" = WorkspaceId, Path), ("event_id" = uuid::Uuid, Path)),
    responses((status = 200, body = InboundEventView), (status = 403, body = Problem), (status = 404, body = Problem)),
    security(("bearer" = []), ("api_key" = [])))]
pub async fn get_inbound_event(
    state: Data<AppState>,
    ws: Workspace,
    path: Path<InboundEventPath>,
) -> ApiResult<Json<InboundEventView>> {
    Ok(Json(
        inbound_events::get(&state.core, &ws.0, path.event_id).await?,
    ))
}

/// Put a delivery that had problems back in line for the worker.
#[utoipa::path(post, path = "/v1/workspaces/{workspace_id}/inbound-events/{event_id}/retry", tag = "channels",
    params(("workspace_id" = WorkspaceId, Path), ("event_id" = uuid::Uuid, Path)),
    responses((status = 200, body = InboundEventView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem)),
    security(("bearer" = []), ("api_key" = [])))]
pub async fn retry_inbound_event(
    state: Data<AppState>,
    ws: Workspace,
    path: Path<InboundEventPath>,
) -> ApiResult<Json<InboundEventView>> {
    Ok(Json(
        inbound_events::retry(&state.core, &ws.0, path.event_id).await?,
    ))
}
