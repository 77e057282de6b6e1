//! Channels, and the API channel's inbound door.

use actix_web::web::{Data, Json, Path, Query};
use actix_web::{HttpRequest, HttpResponse};
use earshot_core::ids::{ChannelId, WorkspaceId};
use earshot_core::pagination::Page;
use earshot_core::service::channel_check::{self, ChannelCheck};
use earshot_core::service::channels::{self, ChannelPatch, NewChannel};
use earshot_core::service::ingest::{self, InboundMessage, IngestOutcome};
use earshot_core::views::ChannelView;
use serde::{Deserialize, Serialize};

use crate::body::Body;
use crate::extract::{ListParams, Workspace};
use crate::problem::{ApiResult, Problem};
use crate::state::AppState;

/// Path of one channel.
#[derive(Debug, Deserialize)]
pub struct ChannelPath {
    /// Workspace.
    pub workspace_id: WorkspaceId,
    /// Channel.
    pub channel_id: ChannelId,
}

/// Channels of the workspace.
#[utoipa::path(get, path = "/v1/workspaces/{workspace_id}/channels", tag = "channels",
    params(("workspace_id" = WorkspaceId, Path), ListParams),
    responses((status = 200, body = Page<ChannelView>), (status = 401, body = Problem), (status = 404, body = Problem)),
    security(("bearer" = []), ("api_key" = [])))]
pub async fn list_channels(
    state: Data<AppState>,
    ws: Workspace,
    query: Query<ListParams>,
) -> ApiResult<Json<Page<ChannelView>>> {
    let page = query.page(&state.core)?;
    Ok(Json(channels::list(&state.core, &ws.0, page).await?))
}

/// Create a channel; credentials are sealed at rest and never returned.
#[utoipa::path(post, path = "/v1/workspaces/{workspace_id}/channels", tag = "channels", request_body = NewChannel,
    params(("workspace_id" = WorkspaceId, Path)),
    responses((status = 201, body = ChannelView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = []), ("api_key" = [])))]
pub async fn create_channel(
    state: Data<AppState>,
    ws: Workspace,
    Body(body): Body<NewChannel>,
) -> ApiResult<HttpResponse> {
    Ok(HttpResponse::Created().json(channels::create(&state.core, &ws.0, body).await?))
}

/// One channel.
#[utoipa::path(get, path = "/v1/workspaces/{workspace_id}/channels/{channel_id}", tag = "channels",
    params(("workspace_id" = WorkspaceId, Path), ("channel_id" = ChannelId, Path)),
    responses((status = 200, body = ChannelView), (status = 404, body = Problem)),
    security(("bearer" = []), ("api_key" = [])))]
pub async fn get_channel(
    state: Data<AppState>,
    ws: Workspace,
    path: Path<ChannelPath>,
) -> ApiResult<Json<ChannelView>> {
    Ok(Json(
        channels::get(&state.core, &ws.0, path.channel_id).await?,
    ))
}

/// Change a channel's name, credentials, settings, or enable/disable it.
#[utoipa::path(patch, path = "/v1/workspaces/{workspace_id}/channels/{channel_id}", tag = "channels", request_body = ChannelPatch,
    params(("workspace_id" = WorkspaceId, Path), ("channel_id" = ChannelId, Path)),
    responses((status = 200, body = ChannelView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = []), ("api_key" = [])))]
pub async fn update_channel(
    state: Data<AppState>,
    ws: Workspace,
    path: Path<ChannelPath>,
    Body(body): Body<ChannelPatch>,
) -> ApiResult<Json<ChannelView>> {
    Ok(Json(
        channels::update(&state.core, &ws.0, path.channel_id, body).await?,
    ))
}

/// Check a channel against its platform (scope `channels:manage`): asks the platform who
/// the credentials belong to and sets the channel's health from the answer — `active`,
/// `needs_reauth` (refused, or another account than the settings name; the platform's error
/// in `last_error`) or `rate_limited`. A missing `account_id` / `bot_username` is filled in
/// from the answer. `channel.health_changed` is emitted when the health moves.
#[utoipa::path(post, path = "/v1/workspaces/{workspace_id}/channels/{channel_id}/check", tag = "channels",
    params(("workspace_id" = WorkspaceId, Path), ("channel_id" = ChannelId, Path)),
    responses((status = 200, body = ChannelCheck), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem, description = "disabled, missing credentials or settings")),
    security(("bearer" = []), ("api_key" = [])))]
pub async fn check_channel(
    state: Data<AppState>,
    ws: Workspace,
    path: Path<ChannelPath>,
) -> ApiResult<Json<ChannelCheck>> {
    Ok(Json(
        channel_check::check(&state.core, &ws.0, path.channel_id).await?,
    ))
}

/// Delete a channel and its conversations.
#[utoipa::path(delete, path = "/v1/workspaces/{workspace_id}/channels/{channel_id}", tag = "channels",
    params(("workspace_id" = WorkspaceId, Path), ("channel_id" = ChannelId, Path)),
    responses((status = 204), (status = 403, body = Problem), (status = 404, body = Problem)),
    security(("bearer" = []), ("api_key" = [])))]
pub async fn delete_channel(
    state: Data<AppState>,
    ws: Workspace,
    path: Path<ChannelPath>,
) -> ApiResult<HttpResponse> {
    channels::delete(&state.core, &ws.0, path.channel_id).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// A pushed message logged for the worker to store (`Prefer: respond-async`).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PushAccepted {
    /// The logged delivery: `GET …/inbound-events/{id}` tells when it is stored, and where.
    pub id: uuid::Uuid,
    /// The same `platform_message_id` was pushed before; `id` is that delivery.
    pub duplicate: bool,
}

/// Push a customer message into an `api` channel (scope `messages:ingest`). Idempotent on
/// `platform_message_id`: a repeat answers `200` with `duplicate: true` and changes nothing.
///
/// Every pushed message is first written to the inbound-event log. By default it is also
/// stored before the answer, which names its conversation. With `Prefer: respond-async` the
/// answer is `202` as soon as the message is logged (the fastest way to push many), with
/// `Location` pointing at the logged delivery; the worker stores it moments later. When the
/// log cannot be written in time the answer is `503` with `Retry-After`: push again.
#[utoipa::path(post, path = "/v1/workspaces/{workspace_id}/channels/{channel_id}/inbound", tag = "channels", request_body = InboundMessage,
    params(("workspace_id" = WorkspaceId, Path), ("channel_id" = ChannelId, Path),
        ("Prefer" = Option<String>, Header, description = "`respond-async`: answer `202` once the message is logged")),
    responses((status = 201, body = IngestOutcome), (status = 200, body = IngestOutcome, description = "already stored"),
        (status = 202, body = PushAccepted, description = "logged; the worker stores it (`Prefer: respond-async`)",
            headers(("Location" = String, description = "the logged delivery"), ("Preference-Applied" = String))),
        (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem),
        (status = 503, body = Problem)),
    security(("api_key" = []), ("bearer" = [])))]
pub async fn push_inbound(
    state: Data<AppState>,
    request: HttpRequest,
    ws: Workspace,
    path: Path<ChannelPath>,
    Body(body): Body<InboundMessage>,
) -> ApiResult<HttpResponse> {
    if !prefers_respond_async(&request) {
        let outcome = ingest::push(&state.core, &ws.0, path.channel_id, body).await?;
        let mut response = if outcome.duplicate {
            HttpResponse::Ok()
        } else {
            HttpResponse::Created()
        };
        return Ok(response.json(outcome));
    }
    let appended = ingest::push_async(&state.core, &ws.0, path.channel_id, body).await?;
    let location = format!(
        "/v1/workspaces/{}/inbound-events/{}",
        ws.0.workspace_id(),
        appended.id
    );
    Ok(HttpResponse::Accepted()
        .insert_header(("Location", location))
        .insert_header(("Preference-Applied", "respond-async"))
        .json(PushAccepted {
            id: appended.id,
            duplicate: appended.duplicate,
        }))
}

/// Whether the `Prefer` header (RFC 7240) asks for `respond-async`.
fn prefers_respond_async(request: &HttpRequest) -> bool {
    request
        .headers()
        .get_all("Prefer")
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .filter_map(|preference| preference.split(';').next())
        .any(|token| token.trim().eq_ignore_ascii_case("respond-async"))
}
