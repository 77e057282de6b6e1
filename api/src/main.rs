//! `earshot`: the one binary — `serve`, `worker`, `migrate`, `openapi`.

use std::io::Write;

use anyhow::Context;
use clap::{Parser, Subcommand};
use earshot_api::{Api, openapi, telemetry};
use earshot_core::service::bootstrap;
use earshot_core::{Config, Core};

/// Earshot: social customer care, self-hosted.
#[derive(Parser)]
#[command(name = "earshot", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the API; without REDIS_URL the worker runs in the same process.
    Serve,
    /// Run the background worker only.
    Worker,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Print the table of what each API-key scope reaches (as in README.md).
    Scopes,
    /// Write the OpenAPI document to a file (or standard output).
    Openapi {
        /// Where to write it; `-` for standard output.
        #[arg(long, default_value = "openapi/openapi.json")]
        output: String,
    },
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match &cli.command {
        Some(Command::Openapi { output }) => return write_openapi(output),
        Some(Command::Scopes) => {
            std::io::stdout().write_all(earshot_api::access::scope_table().as_bytes())?;
            return Ok(());
        }
        _ => {}
    }
    let config = match Config::load() {
        Ok(config) => config,
        Err(err) => {
            let _ = writeln!(std::io::stderr(), "earshot: {err}");
            std::process::exit(2);
        }
    };
    telemetry::init(&config);
    let _ = rustls::crypto::ring::default_provider().install_default();
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve(config).await,
        Command::Worker => earshot_worker::run(Core::build(config).await?).await,
        Command::Migrate => migrate(config).await,
        Command::Openapi { .. } | Command::Scopes => Ok(()),
    }
}

fn write_openapi(output: &str) -> anyhow::Result<()> {
    let text = openapi::document()?;
    if output == "-" {
        std::io::stdout().write_all(text.as_bytes())?;
    } else {
        std::fs::write(output, text).with_context(|| format!("writing {output}"))?;
    }
    Ok(())
}

async fn migrate(mut config: Config) -> anyhow::Result<()> {
    config.database.migrate_on_start = true;
    let db = earshot_core::db::connect(&config.database).await?;
    db.close().await?;
    tracing::info!("migrations applied");
    Ok(())
}

async fn serve(config: Config) -> anyhow::Result<()> {
    let bootstrap_demo = config.bootstrap_demo;
    let embedded_worker = config.redis_url.is_none();
    let core = Core::build(config).await?;
    let demo = if bootstrap_demo {
        bootstrap::demo_if_empty(&core).await?
    } else {
        None
    };
    let api = Api::build(core.clone())?;
    stop_on_signals(api.handle())?;
    // A closed stdout (a detached process) must not stop the server.
    if let Err(err) = announce(&core, api.port(), demo) {
        tracing::warn!(error = %err, "could not print the start banner");
    }
    let worker = embedded_worker.then(|| tokio::spawn(earshot_worker::run(core.clone())));
    let result = api.run_until_stopped().await;
    if let Some(worker) = worker {
        worker.abort();
    }
    core.shutdown().await;
    tracing::info!("stopped");
    Ok(result?)
}

/// Stops the server gracefully on SIGTERM or SIGINT: requests in flight get the configured
/// grace period.
fn stop_on_signals(handle: actix_web::dev::ServerHandle) -> anyhow::Result<()> {
    let mut terminate = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    tokio::spawn(async move {
        tokio::select! {
            _ = terminate.recv() => tracing::info!("SIGTERM received; shutting down"),
            _ = tokio::signal::ctrl_c() => tracing::info!("SIGINT received; shutting down"),
        }
        handle.stop(true).await;
    });
    Ok(())
}

fn announce(core: &Core, port: u16, demo: Option<bootstrap::DemoLogin>) -> anyhow::Result<()> {
    let host = core
        .config()
        .bind
        .rsplit_once(':')
        .map(|(h, _)| h)
        .unwrap_or("127.0.0.1");
    let base = format!("http://{host}:{port}");
    tracing::info!(address = %base, "listening");
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "Earshot is listening on {base}  (API docs: {base}/docs, GraphQL: {base}/graphql)"
    )?;
    if let Some(demo) = demo {
        writeln!(
            out,
            "\nA demo organization was created. Log in once with these credentials (shown only now):"
        )?;
        writeln!(out, "  email:     {}", demo.email)?;
        writeln!(out, "  password:  {}", demo.password)?;
        writeln!(out, "  workspace: {}", demo.workspace_id)?;
        writeln!(
            out,
            "\n  curl -s {base}/v1/auth/login -H 'content-type: application/json' \\"
        )?;
        writeln!(
            out,
            "    -d '{{\"email\":\"{}\",\"password\":\"{}\"}}'",
            demo.email, demo.password
        )?;
    }
    out.flush()?;
    Ok(())
}
