//! Operations and documents: health, readiness, metrics, JWKS, OpenAPI and its docs page.

use actix_web::HttpResponse;
use actix_web::http::header;
use actix_web::web::{self, Data, Json, ServiceConfig};
use earshot_core::{Error, Readiness};
use serde::Serialize;
use utoipa::OpenApi;
use utoipa_swagger_ui::SwaggerUi;

use crate::openapi::ApiDoc;
use crate::problem::{ApiError, ApiResult, Problem};
use crate::state::AppState;

/// What `/healthz` says.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Health {
    /// Always `ok` while the process serves.
    pub status: &'static str,
}

/// The process is up.
#[utoipa::path(get, path = "/healthz", tag = "operations", responses((status = 200, body = Health)))]
pub async fn healthz() -> Json<Health> {
    Json(Health { status: "ok" })
}

/// The database and (when configured) Redis answer; `503 unavailable` otherwise.
#[utoipa::path(get, path = "/readyz", tag = "operations",
    responses((status = 200, body = Readiness), (status = 503, body = Problem)))]
pub async fn readyz(state: Data<AppState>) -> ApiResult<Json<Readiness>> {
    let readiness = state.core.readiness().await;
    if !readiness.ready {
        let detail = format!(
            "database: {}, redis: {}",
            readiness.database, readiness.redis
        );
        return Err(ApiError(Error::Unavailable(detail)));
    }
    Ok(Json(readiness))
}

/// Prometheus metrics.
#[utoipa::path(get, path = "/metrics", tag = "operations", responses((status = 200, content_type = "text/plain", body = String)))]
pub async fn metrics() -> HttpResponse {
    let body = crate::middleware::metrics::handle()
        .map(|h| h.render())
        .unwrap_or_default();
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4")
        .body(body)
}

/// The public keys that verify access tokens.
#[utoipa::path(get, path = "/.well-known/jwks.json", tag = "operations", responses((status = 200, body = Object)))]
pub async fn jwks(state: Data<AppState>) -> Json<serde_json::Value> {
    Json(state.core.jwks())
}

/// `/openapi.json` and the docs page at `/docs`, with assets served from the binary.
pub fn configure_docs(cfg: &mut ServiceConfig) {
    cfg.service(web::resource("/docs").route(web::get().to(|| async {
        HttpResponse::Found()
            .insert_header((header::LOCATION, "/docs/"))
            .finish()
    })))
    .service(SwaggerUi::new("/docs/{_:.*}").url("/openapi.json", ApiDoc::openapi()));
}
