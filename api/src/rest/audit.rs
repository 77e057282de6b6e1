//! The audit log.

use actix_web::web::{Data, Json, Query};
use earshot_core::ids::WorkspaceId;
use earshot_core::pagination::Page;
use earshot_core::service::audit::{self, AuditQuery};
use earshot_core::views::AuditEntryView;
use serde::Deserialize;

use crate::extract::{ListParams, Workspace};
use crate::problem::{ApiResult, Problem};
use crate::state::AppState;

/// Query of the audit log: filters and paging.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AuditParams {
    /// Only this action, such as `team.created`.
    pub action: Option<String>,
    /// Only changes to this kind of object, such as `member`.
    pub target_kind: Option<String>,
    /// Page size, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u64>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// Audit entries, newest first (owner and admin, or a key with `audit:read`).
#[utoipa::path(get, path = "/v1/workspaces/{workspace_id}/audit-log", tag = "audit-log",
    params(("workspace_id" = WorkspaceId, Path), AuditParams),
    responses((status = 200, body = Page<AuditEntryView>), (status = 403, body = Problem), (status = 404, body = Problem)),
    security(("bearer" = []), ("api_key" = [])))]
pub async fn list_audit_log(
    state: Data<AppState>,
    ws: Workspace,
    query: Query<AuditParams>,
) -> ApiResult<Json<Page<AuditEntryView>>> {
    let query = query.into_inner();
    let page = ListParams {
        limit: query.limit,
        cursor: query.cursor,
    }
    .page(&state.core)?;
    let filter = AuditQuery {
        action: query.action,
        target_kind: query.target_kind,
    };
    Ok(Json(audit::list(&state.core, &ws.0, filter, page).await?))
}
