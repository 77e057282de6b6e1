//! Contacts: CRUD, merge, GDPR export and erasure.

use actix_web::HttpResponse;
use actix_web::web::{Data, Json, Path, Query};
use earshot_core::ids::{ContactId, WorkspaceId};
use earshot_core::pagination::Page;
use earshot_core::service::contacts::{
    self, ContactExport, ContactPatch, MergeContacts, NewContact,
};
use earshot_core::views::ContactView;
use serde::Deserialize;

use crate::body::Body;
use crate::extract::Workspace;
use crate::problem::{ApiResult, Problem};
use crate::state::AppState;

/// Path of one contact.
#[derive(Debug, Deserialize)]
pub struct ContactPath {
    /// Workspace.
    pub workspace_id: WorkspaceId,
    /// Contact.
    pub contact_id: ContactId,
}

/// `limit`, `cursor` and `q` of the contact list.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ContactListParams {
    /// Page size, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u64>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// Finds a customer: every word must be in a name, handle, platform user id or the
    /// `email` attribute (at most 200 characters).
    #[param(max_length = 200)]
    pub q: Option<String>,
}

/// Contacts, newest first; `q` finds a customer.
#[utoipa::path(get, path = "/v1/workspaces/{workspace_id}/contacts", tag = "contacts",
    params(("workspace_id" = WorkspaceId, Path), ContactListParams),
    responses((status = 200, body = Page<ContactView>), (status = 403, body = Problem), (status = 404, body = Problem)),
    security(("bearer" = []), ("api_key" = [])))]
pub async fn list_contacts(
    state: Data<AppState>,
    ws: Workspace,
    query: Query<ContactListParams>,
) -> ApiResult<Json<Page<ContactView>>> {
    let page = state
        .core
        .cursors()
        .request(query.limit, query.cursor.as_deref())?;
    Ok(Json(
        contacts::list(&state.core, &ws.0, page, query.q.as_deref()).await?,
    ))
}

/// Create a contact with identities.
#[utoipa::path(post, path = "/v1/workspaces/{workspace_id}/contacts", tag = "contacts", request_body = NewContact,
    params(("workspace_id" = WorkspaceId, Path)),
    responses((status = 201, body = ContactView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = []), ("api_key" = [])))]
pub async fn create_contact(
    state: Data<AppState>,
    ws: Workspace,
    Body(body): Body<NewContact>,
) -> ApiResult<HttpResponse> {
    Ok(HttpResponse::Created().json(contacts::create(&state.core, &ws.0, body).await?))
}

/// One contact.
#[utoipa::path(get, path = "/v1/workspaces/{workspace_id}/contacts/{contact_id}", tag = "contacts",
    params(("workspace_id" = WorkspaceId, Path), ("contact_id" = ContactId, Path)),
    responses((status = 200, body = ContactView), (status = 404, body = Problem)),
    security(("bearer" = []), ("api_key" = [])))]
pub async fn get_contact(
    state: Data<AppState>,
    ws: Workspace,
    path: Path<ContactPath>,
) -> ApiResult<Json<ContactView>> {
    Ok(Json(
        contacts::get(&state.core, &ws.0, path.contact_id).await?,
    ))
}

/// Change a contact's name or attributes.
#[utoipa::path(patch, path = "/v1/workspaces/{workspace_id}/contacts/{contact_id}", tag = "contacts", request_body = ContactPatch,
    params(("workspace_id" = WorkspaceId, Path), ("contact_id" = ContactId, Path)),
    responses((status = 200, body = ContactView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem, description = "erased"), (status = 422, body = Problem)),
    security(("bearer" = []), ("api_key" = [])))]
pub async fn update_contact(
    state: Data<AppState>,
    ws: Workspace,
    path: Path<ContactPath>,
    Body(body): Body<ContactPatch>,
) -> ApiResult<Json<ContactView>> {
    Ok(Json(
        contacts::update(&state.core, &ws.0, path.contact_id, body).await?,
    ))
}

/// Delete a contact and their conversations.
#[utoipa::path(delete, path = "/v1/workspaces/{workspace_id}/contacts/{contact_id}", tag = "contacts",
    params(("workspace_id" = WorkspaceId, Path), ("contact_id" = ContactId, Path)),
    responses((status = 204), (status = 403, body = Problem), (status = 404, body = Problem)),
    security(("bearer" = []), ("api_key" = [])))]
pub async fn delete_contact(
    state: Data<AppState>,
    ws: Workspace,
    path: Path<ContactPath>,
) -> ApiResult<HttpResponse> {
    contacts::delete(&state.core, &ws.0, path.contact_id).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Merge another contact into this one: identities, conversations and history move here.
#[utoipa::path(post, path = "/v1/workspaces/{workspace_id}/contacts/{contact_id}/merge", tag = "contacts", request_body = MergeContacts,
    params(("workspace_id" = WorkspaceId, Path), ("contact_id" = ContactId, Path)),
    responses((status = 200, body = ContactView), (status = 403, body = Problem), (status = 404, body = Problem, description = "either contact is not in this workspace"),
        (status = 409, body = Problem, description = "either contact is erased"), (status = 422, body = Problem)),
    security(("bearer" = []), ("api_key" = [])))]
pub async fn merge_contacts(
    state: Data<AppState>,
    ws: Workspace,
    path: Path<ContactPath>,
    Body(body): Body<MergeContacts>,
) -> ApiResult<Json<ContactView>> {
    Ok(Json(
        contacts::merge(&state.core, &ws.0, path.contact_id, body).await?,
    ))
}

/// Everything held on a contact, as one JSON document (GDPR export).
#[utoipa::path(get, path = "/v1/workspaces/{workspace_id}/contacts/{contact_id}/export", tag = "contacts",
    params(("workspace_id" = WorkspaceId, Path), ("contact_id" = ContactId, Path)),
    responses((status = 200, body = ContactExport), (status = 403, body = Problem), (status = 404, body = Problem)),
    security(("bearer" = []), ("api_key" = [])))]
pub async fn export_contact(
    state: Data<AppState>,
    ws: Workspace,
    path: Path<ContactPath>,
) -> ApiResult<Json<ContactExport>> {
    Ok(Json(
        contacts::export(&state.core, &ws.0, path.contact_id).await?,
    ))
}

/// Erase a contact's personal data (GDPR): message text and identities removed, an audit
/// entry kept.
#[utoipa::path(post, path = "/v1/workspaces/{workspace_id}/contacts/{contact_id}/erase", tag = "contacts",
    params(("workspace_id" = WorkspaceId, Path), ("contact_id" = ContactId, Path)),
    responses((status = 200, body = ContactView), (status = 403, body = Problem), (status = 404, body = Problem)),
    security(("bearer" = []), ("api_key" = [])))]
pub async fn erase_contact(
    state: Data<AppState>,
    ws: Workspace,
    path: Path<ContactPath>,
) -> ApiResult<Json<ContactView>> {
    Ok(Json(
        contacts::erase(&state.core, &ws.0, path.contact_id).await?,
    ))
}
