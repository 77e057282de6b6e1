//! Logging: JSON (or pretty) lines, and one span per request carrying the request id, the
//! workspace and the actor.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::{Error, HttpMessage};
use earshot_core::config::{Config, LogFormat};
use tracing::Span;
use tracing::field::Empty;
use tracing_actix_web::{DefaultRootSpanBuilder, RootSpanBuilder};
use tracing_subscriber::EnvFilter;

use crate::middleware::request_id::RequestId;

/// Installs the global subscriber; later calls (tests) are ignored.
pub fn init(config: &Config) {
    let filter = EnvFilter::try_new(format!("{},sqlx=warn,sea_orm=warn", config.log_filter))
        .unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let result = match config.log_format {
        LogFormat::Json => builder
            .json()
            .with_current_span(true)
            .with_span_list(false)
            .try_init(),
        LogFormat::Pretty => builder.try_init(),
    };
    // Already installed (several apps in one test process): keep the first.
    drop(result);
}

/// Builds the request span with the OpenTelemetry-named fields and ours.
pub struct EarshotRootSpan;

impl RootSpanBuilder for EarshotRootSpan {
    fn on_request_start(request: &ServiceRequest) -> Span {
        let request_id = request
            .extensions()
            .get::<RequestId>()
            .map(|r| r.0.clone())
            .unwrap_or_default();
        tracing::info_span!(
            "HTTP request",
            http.method = %request.method(),
            http.route = Empty,
            http.target = %request.uri().path(),
            http.client_ip = %request.connection_info().realip_remote_addr().unwrap_or(""),
            http.status_code = Empty,
            otel.kind = "server",
            otel.status_code = Empty,
            exception.message = Empty,
            exception.details = Empty,
            request_id = %request_id,
            workspace_id = Empty,
            actor = Empty,
            code = Empty,
        )
    }

    fn on_request_end<B: MessageBody>(span: Span, outcome: &Result<ServiceResponse<B>, Error>) {
        if let Ok(response) = outcome {
            // Known once routed, and then read from the route's index without matching again.
            let route = response.request().match_pattern();
            span.record("http.route", route.as_deref().unwrap_or("default"));
            span.in_scope(|| {
                tracing::info!(status = response.status().as_u16(), "request finished");
            });
        }
        DefaultRootSpanBuilder::on_request_end(span, outcome);
    }
}
