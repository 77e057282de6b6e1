//! Sessions: login, refresh, logout, invitations, and `GET /v1/me`.

use actix_web::web::{Data, Json};
use actix_web::{HttpRequest, HttpResponse};
use earshot_core::service::auth::{self, AcceptInvitation, LoginInput};
use earshot_core::service::me;
use earshot_core::views::{MeView, TokenPair};
use serde::Deserialize;

use crate::body::{Body, OptionalBody};
use crate::extract::{self, Authenticated, Client};
use crate::problem::{ApiResult, Problem};
use crate::state::AppState;

/// `POST /v1/auth/refresh`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefreshInput {
    /// The refresh token of the last pair.
    pub refresh_token: String,
}

/// `POST /v1/auth/logout`: with an access token in `Authorization`, or a refresh token here.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LogoutInput {
    /// The session's refresh token, when no access token is sent.
    pub refresh_token: Option<String>,
}

/// Log in with email and password (rate-limited per account and per address).
#[utoipa::path(post, path = "/v1/auth/login", tag = "auth", request_body = LoginInput,
    responses((status = 200, body = TokenPair), (status = 401, body = Problem), (status = 429, body = Problem)))]
pub async fn login(
    state: Data<AppState>,
    client: Client,
    Body(body): Body<LoginInput>,
) -> ApiResult<Json<TokenPair>> {
    Ok(Json(auth::login(&state.core, body, client.0).await?))
}

/// Exchange a refresh token for a new pair; a reused token ends the session.
#[utoipa::path(post, path = "/v1/auth/refresh", tag = "auth", request_body = RefreshInput,
    responses((status = 200, body = TokenPair), (status = 401, body = Problem)))]
pub async fn refresh(
    state: Data<AppState>,
    Body(body): Body<RefreshInput>,
) -> ApiResult<Json<TokenPair>> {
    Ok(Json(auth::refresh(&state.core, &body.refresh_token).await?))
}

/// End the session: its access and refresh tokens stop working.
#[utoipa::path(post, path = "/v1/auth/logout", tag = "auth", request_body(content = LogoutInput, description = "optional"),
    responses((status = 204), (status = 401, body = Problem)),
    security(("bearer" = [])))]
pub async fn logout(
    state: Data<AppState>,
    req: HttpRequest,
    body: OptionalBody<LogoutInput>,
) -> ApiResult<HttpResponse> {
    let refresh_token = body.0.and_then(|b| b.refresh_token);
    match (extract::bearer(&req), refresh_token) {
        (None, Some(token)) => auth::logout_with_refresh(&state.core, &token).await?,
        _ => {
            let actor = extract::authenticate(&req).await?;
            auth::logout(&state.core, &actor).await?;
        }
    }
    Ok(HttpResponse::NoContent().finish())
}

/// Accept an invitation: set a password and log in.
#[utoipa::path(post, path = "/v1/auth/invitations/accept", tag = "auth", request_body = AcceptInvitation,
    responses((status = 200, body = TokenPair), (status = 401, body = Problem), (status = 422, body = Problem)))]
pub async fn accept_invitation(
    state: Data<AppState>,
    client: Client,
    Body(body): Body<AcceptInvitation>,
) -> ApiResult<Json<TokenPair>> {
    Ok(Json(
        auth::accept_invitation(&state.core, body, client.0).await?,
    ))
}

/// The caller, their organizations and workspaces, with roles.
#[utoipa::path(get, path = "/v1/me", tag = "auth",
    responses((status = 200, body = MeView), (status = 401, body = Problem)),
    security(("bearer" = [])))]
pub async fn me(state: Data<AppState>, caller: Authenticated) -> ApiResult<Json<MeView>> {
    Ok(Json(me::me(&state.core, &caller.0).await?))
}
