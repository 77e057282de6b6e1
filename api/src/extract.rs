//! Extractors: the caller, the workspace or organization it enters, paging, client info.
//!
//! `Workspace` is the only way into a workspace route: it authenticates the caller and
//! calls `service::access::enter_workspace`, so a handler cannot forget the membership
//! check, and another tenant's ids answer 404.

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::web::Data;
use actix_web::{FromRequest, HttpMessage, HttpRequest};
use earshot_core::ids::{OrgId, WorkspaceId};
use earshot_core::pagination::PageRequest;
use earshot_core::service::access::{self as service_access, Caller};
use earshot_core::service::orgs::OrgCreator;
use earshot_core::tenancy::{Actor, ClientInfo, OrgScope, WorkspaceScope};
use earshot_core::{Core, Error};
use futures_util::future::LocalBoxFuture;
use serde::Deserialize;
use tracing_actix_web::RootSpan;

use crate::access::{self, Need};
use crate::middleware::request_id::RequestId;
use crate::problem::ApiError;
use crate::rest::RoutePattern;
use crate::state::AppState;

/// Where the request came from: address (honouring `X-Forwarded-For` only when
/// configured), request id and user agent.
pub fn client_info(req: &HttpRequest, trust_forwarded_for: bool) -> ClientInfo {
    let ip = if trust_forwarded_for {
        req.connection_info().realip_remote_addr().map(strip_port)
    } else {
        req.peer_addr().map(|a| a.ip().to_string())
    };
    ClientInfo {
        ip,
        request_id: req.extensions().get::<RequestId>().map(|r| r.0.clone()),
        user_agent: req
            .headers()
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .map(String::from),
    }
}

fn strip_port(addr: &str) -> String {
    match addr.parse::<std::net::SocketAddr>() {
        Ok(socket) => socket.ip().to_string(),
        Err(_) => addr.to_owned(),
    }
}

/// Where the request came from, as an extractor.
pub struct Client(pub ClientInfo);

impl FromRequest for Client {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let trust = state(req)
            .map(|s| s.core.config().trust_forwarded_for)
            .unwrap_or(false);
        std::future::ready(Ok(Client(client_info(req, trust))))
    }
}

fn state(req: &HttpRequest) -> Result<Data<AppState>, ApiError> {
    req.app_data::<Data<AppState>>().cloned().ok_or_else(|| {
        ApiError(Error::Internal(anyhow::anyhow!(
            "application state missing"
        )))
    })
}

/// The bearer credential of the `Authorization` header, if any.
pub fn bearer(req: &HttpRequest) -> Option<String> {
    let value = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim().to_owned())
}

fn missing_credentials() -> ApiError {
    ApiError(Error::unauthenticated(
        "unauthenticated",
        "send an access token or API key as `Authorization: Bearer …`",
    ))
}

fn record_on_span(req: &HttpRequest, field: &str, value: &str) {
    if let Some(span) = req.extensions().get::<RootSpan>() {
        span.record(field, value);
    }
}

/// Authenticates the request's bearer credential, once per request: the actor is kept in
/// the request's extensions, so a second call (a middleware, then an extractor) neither
/// looks the credential up again nor counts twice against the rate limit.
pub async fn authenticate(req: &HttpRequest) -> Result<Actor, ApiError> {
    match identify(req).await? {
        Identified::Known(actor) => Ok(actor),
        Identified::New(caller) => {
            let state = state(req)?;
            let actor = service_access::confirm(&state.core, caller).await?;
            req.extensions_mut().insert(actor.clone());
            Ok(actor)
        }
    }
}

/// The request's caller: an actor authenticated earlier in the request, or a credential
/// whose login session is still to be checked.
enum Identified {
    Known(Actor),
    New(Caller),
}

async fn identify(req: &HttpRequest) -> Result<Identified, ApiError> {
    let known = req.extensions().get::<Actor>().cloned();
    if let Some(actor) = known {
        return Ok(Identified::Known(actor));
    }
    let state = state(req)?;
    let token = bearer(req).ok_or_else(missing_credentials)?;
    let client = client_info(req, state.core.config().trust_forwarded_for);
    let caller = service_access::identify(&state.core, &token, client).await?;
    record_on_span(req, "actor", &caller.label());
    Ok(Identified::New(caller))
}

/// What the matched route needs, from `access::ROUTES`. A route missing from the table
/// is refused: a new route cannot be served before it says what it needs.
fn route_need(req: &HttpRequest) -> Result<Need, ApiError> {
    req.app_data::<RoutePattern>()
        .and_then(|pattern| access::route_need(req.method().as_str(), pattern.0))
        .ok_or_else(|| {
            ApiError(Error::Internal(anyhow::anyhow!(
                "{} {} is not in the access table",
                req.method(),
                req.path()
            )))
        })
}

/// The route's need, checked against a scope entered in the path's workspace.
fn require_route(req: &HttpRequest, scope: &WorkspaceScope) -> Result<(), ApiError> {
    match route_need(req)? {
        Need::Workspace(capabilities) => {
            for capability in capabilities {
                scope.require(*capability)?;
            }
            Ok(())
        }
        Need::Public => Ok(()),
        Need::Person if scope.actor().user_id().is_some() => Ok(()),
        Need::Person | Need::Platform => Err(ApiError(Error::PeopleOnly(
            "this route is for people signed in, not API keys",
        ))),
    }
}

/// An authenticated caller.
pub struct Authenticated(pub Actor);

impl FromRequest for Authenticated {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let actor = authenticate(&req).await?;
            if route_need(&req)? == Need::Person && actor.user_id().is_none() {
                return Err(ApiError(Error::PeopleOnly(
                    "this route is for people signed in, not API keys",
                )));
            }
            Ok(Authenticated(actor))
        })
    }
}

fn path_id<T: std::str::FromStr>(req: &HttpRequest, name: &str) -> Result<T, ApiError> {
    req.match_info()
        .get(name)
        .and_then(|v| v.parse().ok())
        .ok_or(ApiError(Error::NotFound))
}

/// The caller's scope in the workspace named by the `{workspace_id}` path segment.
pub struct Workspace(pub WorkspaceScope);

impl FromRequest for Workspace {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let identified = identify(&req).await?;
            let core = &state(&req)?.core;
            let workspace_id: WorkspaceId = match path_id(&req, "workspace_id") {
                Ok(id) => id,
                Err(not_found) => {
                    // A credential no longer in force hears so before anything else.
                    if let Identified::New(caller) = identified {
                        service_access::confirm(core, caller).await?;
                    }
                    return Err(not_found);
                }
            };
            record_on_span(&req, "workspace_id", &workspace_id.to_string());
            // A new caller's login session is checked in the workspace-entry statement.
            let scope = match identified {
                Identified::Known(actor) => {
                    service_access::enter_workspace(core, &actor, workspace_id).await?
                }
                Identified::New(caller) => {
                    let scope =
                        service_access::enter_workspace_as(core, caller, workspace_id).await?;
                    req.extensions_mut().insert(scope.actor().clone());
                    scope
                }
            };
            require_route(&req, &scope)?;
            Ok(Workspace(scope))
        })
    }
}

/// The caller's scope in the organization named by the `{org_id}` path segment.
pub struct Org(pub OrgScope);

impl FromRequest for Org {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let actor = authenticate(&req).await?;
            let org_id: OrgId = path_id(&req, "org_id")?;
            let state = state(&req)?;
            Ok(Org(
                service_access::enter_org(&state.core, &actor, org_id).await?
            ))
        })
    }
}

/// Who may create an organization: the platform operator's token, or anyone when open
/// sign-up is on.
pub struct OrgCreatorCredential(pub OrgCreator);

impl FromRequest for OrgCreatorCredential {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let result = state(req).and_then(|state| {
            let core: &Core = &state.core;
            match bearer(req) {
                Some(token) if core.is_platform_token(&token) => {
                    Ok(OrgCreatorCredential(OrgCreator::Platform))
                }
                Some(_) if !core.config().open_signup => Err(ApiError(Error::unauthenticated(
                    "unauthenticated",
                    "the platform token is not valid",
                ))),
                _ if core.config().open_signup => Ok(OrgCreatorCredential(OrgCreator::OpenSignup)),
                _ => Err(missing_credentials()),
            }
        });
        std::future::ready(result)
    }
}

/// `limit` and `cursor` of a list.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// Page size, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u64>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

impl ListParams {
    /// The validated page request.
    pub fn page(&self, core: &Core) -> Result<PageRequest, ApiError> {
        Ok(core.cursors().request(self.limit, self.cursor.as_deref())?)
    }
}
