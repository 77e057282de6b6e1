//! `/v1/orgs`: organizations and their members.

use actix_web::HttpResponse;
use actix_web::web::{Data, Json, Path, Query};
use earshot_core::ids::{OrgId, UserId};
use earshot_core::pagination::Page;
use earshot_core::service::orgs::{self, NewOrg};
use earshot_core::tenancy::OrgRole;
use earshot_core::views::{OrgCreated, OrgMemberView, OrgView};
use serde::Deserialize;

use crate::body::Body;
use crate::extract::{ListParams, Org, OrgCreatorCredential};
use crate::problem::{ApiResult, Problem};
use crate::state::AppState;

/// `PATCH /v1/orgs/{org_id}/members/{user_id}`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrgMemberPatch {
    /// The new organization role.
    pub role: OrgRole,
}

/// Path of one organization member.
#[derive(Debug, Deserialize)]
pub struct OrgMemberPath {
    /// Organization.
    pub org_id: OrgId,
    /// Member.
    pub user_id: UserId,
}

/// Create an organization and its first `org_owner` (platform token, or open sign-up).
#[utoipa::path(post, path = "/v1/orgs", tag = "orgs", request_body = NewOrg,
    responses((status = 201, body = OrgCreated), (status = 401, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)),
    security(("platform_token" = [])))]
pub async fn create_org(
    state: Data<AppState>,
    creator: OrgCreatorCredential,
    Body(body): Body<NewOrg>,
) -> ApiResult<HttpResponse> {
    let created = orgs::create(&state.core, creator.0, body).await?;
    Ok(HttpResponse::Created().json(created))
}

/// One organization the caller belongs to.
#[utoipa::path(get, path = "/v1/orgs/{org_id}", tag = "orgs",
    params(("org_id" = OrgId, Path)),
    responses((status = 200, body = OrgView), (status = 401, body = Problem), (status = 404, body = Problem)),
    security(("bearer" = [])))]
pub async fn get_org(state: Data<AppState>, org: Org) -> ApiResult<Json<OrgView>> {
    Ok(Json(orgs::get(&state.core, &org.0).await?))
}

/// Members of the organization and their organization roles.
#[utoipa::path(get, path = "/v1/orgs/{org_id}/members", tag = "orgs",
    params(("org_id" = OrgId, Path), ListParams),
    responses((status = 200, body = Page<OrgMemberView>), (status = 401, body = Problem), (status = 404, body = Problem)),
    security(("bearer" = [])))]
pub async fn list_org_members(
    state: Data<AppState>,
    org: Org,
    query: Query<ListParams>,
) -> ApiResult<Json<Page<OrgMemberView>>> {
    let page = query.page(&state.core)?;
    Ok(Json(orgs::list_members(&state.core, &org.0, page).await?))
}

/// Change a member's organization role (`org_owner` changes need an `org_owner`).
#[utoipa::path(patch, path = "/v1/orgs/{org_id}/members/{user_id}", tag = "orgs", request_body = OrgMemberPatch,
    params(("org_id" = OrgId, Path), ("user_id" = UserId, Path)),
    responses((status = 200, body = OrgMemberView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem)),
    security(("bearer" = [])))]
pub async fn update_org_member(
    state: Data<AppState>,
    org: Org,
    path: Path<OrgMemberPath>,
    Body(body): Body<OrgMemberPatch>,
) -> ApiResult<Json<OrgMemberView>> {
    Ok(Json(
        orgs::set_member_role(&state.core, &org.0, path.user_id, body.role).await?,
    ))
}

/// Remove a person from the organization and all its workspaces.
#[utoipa::path(delete, path = "/v1/orgs/{org_id}/members/{user_id}", tag = "orgs",
    params(("org_id" = OrgId, Path), ("user_id" = UserId, Path)),
    responses((status = 204), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem)),
    security(("bearer" = [])))]
pub async fn remove_org_member(
    state: Data<AppState>,
    org: Org,
    path: Path<OrgMemberPath>,
) -> ApiResult<HttpResponse> {
    orgs::remove_member(&state.core, &org.0, path.user_id).await?;
    Ok(HttpResponse::NoContent().finish())
}
