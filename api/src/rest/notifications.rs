//! The caller's notifications.

use actix_web::HttpResponse;
use actix_web::web::{Data, Json, Path, Query};
use earshot_core::ids::{NotificationId, WorkspaceId};
use earshot_core::pagination::Page;
use earshot_core::service::notifications;
use earshot_core::views::NotificationView;
use serde::Deserialize;

use crate::extract::{ListParams, Workspace};
use crate::problem::{ApiResult, Problem};
use crate::state::AppState;

/// Query of the notification list.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct NotificationParams {
    /// Only unread ones.
    #[serde(default)]
    pub unread: bool,
    /// Page size, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u64>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// Path of one notification.
#[derive(Debug, Deserialize)]
pub struct NotificationPath {
    /// Workspace.
    pub workspace_id: WorkspaceId,
    /// Notification.
    pub notification_id: NotificationId,
}

/// The caller's notifications (mentions), newest first.
#[utoipa::path(get, path = "/v1/workspaces/{workspace_id}/notifications", tag = "notifications",
    params(("workspace_id" = WorkspaceId, Path), NotificationParams),
    responses((status = 200, body = Page<NotificationView>), (status = 404, body = Problem)),
    security(("bearer" = [])))]
pub async fn list_notifications(
    state: Data<AppState>,
    ws: Workspace,
    query: Query<NotificationParams>,
) -> ApiResult<Json<Page<NotificationView>>> {
    let query = query.into_inner();
    let page = ListParams {
        limit: query.limit,
        cursor: query.cursor,
    }
    .page(&state.core)?;
    Ok(Json(
        notifications::list(&state.core, &ws.0, query.unread, page).await?,
    ))
}

/// Mark a notification read.
#[utoipa::path(post, path = "/v1/workspaces/{workspace_id}/notifications/{notification_id}/read", tag = "notifications",
    params(("workspace_id" = WorkspaceId, Path), ("notification_id" = NotificationId, Path)),
    responses((status = 204), (status = 404, body = Problem)),
    security(("bearer" = [])))]
pub async fn mark_notification_read(
    state: Data<AppState>,
    ws: Workspace,
    path: Path<NotificationPath>,
) -> ApiResult<HttpResponse> {
    notifications::mark_read(&state.core, &ws.0, path.notification_id).await?;
    Ok(HttpResponse::NoContent().finish())
}
