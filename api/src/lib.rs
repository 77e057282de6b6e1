//! Earshot's HTTP face: REST under `/v1`, GraphQL at `/graphql`, documents and operations
//! routes, all over one `core` service layer.

pub mod access;
pub mod body;
pub mod demo;
pub mod extract;
pub mod graphql;
pub mod middleware;
pub mod openapi;
pub mod problem;
pub mod rest;
pub mod state;
pub mod telemetry;

use std::net::TcpListener;

use actix_cors::Cors;
use actix_web::dev::{Server, ServerHandle};
use actix_web::middleware::from_fn;
use actix_web::web::{self, Data};
use actix_web::{App, HttpServer};
use anyhow::Context;
use earshot_core::Core;
use tracing_actix_web::TracingLogger;

use crate::middleware::{
    access_first, edge_errors, idempotency, input_limits, metrics, request_id::RequestIds,
};
use crate::state::AppState;

/// A bound, not yet running API server.
pub struct Api {
    port: u16,
    server: Server,
}

impl Api {
    /// Binds the configured address.
    pub fn build(core: Core) -> anyhow::Result<Self> {
        let bind = core.config().bind.clone();
        let listener =
            TcpListener::bind(&bind).with_context(|| format!("binding EARSHOT_BIND {bind}"))?;
        Self::build_with_listener(core, listener)
    }

    /// Serves on an already bound listener (tests bind port 0).
    pub fn build_with_listener(core: Core, listener: TcpListener) -> anyhow::Result<Self> {
        let port = listener.local_addr()?.port();
        metrics::handle();
        let state = Data::new(AppState {
            schema: graphql::build_schema(core.clone()),
            core: core.clone(),
        });
        let config = core.config().clone();
        let server = HttpServer::new(move || {
            App::new()
                .app_data(state.clone())
                .app_data(json_config(config.body_limit_bytes))
                .app_data(web::PayloadConfig::new(config.body_limit_bytes))
                .app_data(web::QueryConfig::default().error_handler(edge_errors::query_error))
                .app_data(web::PathConfig::default().error_handler(edge_errors::path_error))
                .wrap(from_fn(access_first::access_before_input))
                .wrap(from_fn(idempotency::idempotent_posts))
                .wrap(from_fn(input_limits::limit_input))
                .wrap(cors(&config.cors_origins))
                .wrap(from_fn(edge_errors::problem_bodies))
                .wrap(from_fn(metrics::record))
                .wrap(TracingLogger::<telemetry::EarshotRootSpan>::new())
                .wrap(RequestIds)
                .configure(rest::configure)
                .default_service(web::to(edge_errors::not_found))
        })
        .listen(listener)?
        // The binary handles SIGTERM/SIGINT itself (see main.rs), before it announces itself.
        .disable_signals()
        .shutdown_timeout(config.shutdown_timeout.as_secs())
        .run();
        Ok(Self { port, server })
    }

    /// The port it listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// A handle to stop the server.
    pub fn handle(&self) -> ServerHandle {
        self.server.handle()
    }

    /// Serves until `handle().stop()`.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }
}

fn json_config(limit: usize) -> web::JsonConfig {
    web::JsonConfig::default()
        .limit(limit)
        .error_handler(edge_errors::json_error)
}

/// CORS grants nothing unless origins are configured.
fn cors(origins: &[String]) -> Cors {
    let mut cors = Cors::default()
        .allowed_methods(["GET", "POST", "PATCH", "PUT", "DELETE"])
        .allowed_headers([
            "authorization",
            "content-type",
            "idempotency-key",
            "x-request-id",
        ])
        .expose_headers(["x-request-id", "retry-after", "idempotent-replayed"])
        .max_age(3600);
    for origin in origins {
        cors = cors.allowed_origin(origin);
    }
    cors
}
