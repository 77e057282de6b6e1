//! `earshot`: the one binary — `serve`, `demo`, `worker`, `migrate`, `openapi`.

use std::io::Write;
use std::time::Duration;

use anyhow::Context;
use clap::{Parser, Subcommand};
use earshot_api::demo::{self, Demo, DemoOptions};
use earshot_api::{Api, openapi, telemetry};
use earshot_core::service::{bootstrap, demo_channels};
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
    /// Serve like `serve`, with a local fake of the platforms streaming demo customers in
    /// (no platform credentials needed).
    Demo {
        /// About one customer message this often, such as `2s` or `500ms`.
        #[arg(long, default_value = "2s", value_parser = parse_every)]
        every: Duration,
        /// Stop the traffic after this many messages (the instance keeps serving).
        #[arg(long)]
        count: Option<u64>,
    },
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
        Command::Serve => serve(config, None).await,
        Command::Demo { every, count } => serve(config, Some(DemoOptions { every, count })).await,
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

/// A duration such as `2s`, `500ms` or `1.5` (seconds).
fn parse_every(text: &str) -> Result<Duration, String> {
    let (number, unit) = match text.strip_suffix("ms") {
        Some(number) => (number, 0.001),
        None => (text.strip_suffix('s').unwrap_or(text), 1.0),
    };
    let seconds = number
        .trim()
        .parse::<f64>()
        .ok()
        .map(|n| n * unit)
        .filter(|s| (0.01..=3600.0).contains(s))
        .ok_or_else(|| format!("`{text}`: a duration from 10ms to 3600s, such as 2s or 500ms"))?;
    Ok(Duration::from_secs_f64(seconds))
}

/// Serves until SIGTERM or SIGINT; with `demo`, the demo's fake and traffic beside it.
async fn serve(mut config: Config, demo: Option<DemoOptions>) -> anyhow::Result<()> {
    if demo.is_some() {
        demo::allow_fake(&mut config);
    }
    let bootstrap_demo = config.bootstrap_demo || demo.is_some();
    let embedded_worker = config.redis_url.is_none();
    let core = Core::build(config).await?;
    let login = if bootstrap_demo {
        bootstrap::demo_if_empty(&core).await?
    } else {
        None
    };
    let api = Api::build(core.clone())?;
    stop_on_signals(api.handle())?;
    let base = base_url(&core, api.port());
    let running = match demo {
        Some(options) => Some((start_demo(&core, &base, options).await?, options)),
        None => None,
    };
    // A closed stdout (a detached process) must not stop the server.
    if let Err(err) = announce(&base, login, running.as_ref()) {
        tracing::warn!(error = %err, "could not print the start banner");
    }
    let worker = embedded_worker.then(|| tokio::spawn(earshot_worker::run(core.clone())));
    let result = api.run_until_stopped().await;
    drop(running);
    if let Some(worker) = worker {
        worker.abort();
    }
    core.shutdown().await;
    tracing::info!("stopped");
    Ok(result?)
}

async fn start_demo(core: &Core, base: &str, options: DemoOptions) -> anyhow::Result<Demo> {
    let workspace = demo_channels::demo_workspace(core).await?.context(
        "the demo runs in the demo workspace, created on an empty database; \
         point EARSHOT_DATA_DIR or DATABASE_URL at a fresh one",
    )?;
    demo::start(core, base, workspace, options).await
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

/// The instance's own address, reachable from this machine.
fn base_url(core: &Core, port: u16) -> String {
    let host = match core.config().bind.rsplit_once(':').map(|(h, _)| h) {
        None | Some("0.0.0.0") => "127.0.0.1",
        Some("[::]") => "[::1]",
        Some(host) => host,
    };
    format!("http://{host}:{port}")
}

fn announce(
    base: &str,
    demo: Option<bootstrap::DemoLogin>,
    running: Option<&(Demo, DemoOptions)>,
) -> anyhow::Result<()> {
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
    } else if running.is_some() {
        writeln!(
            out,
            "\nLog in as {} with the password printed on the first run.",
            bootstrap::DEMO_EMAIL
        )?;
    }
    if let Some((demo, options)) = running {
        let kinds: Vec<&str> = demo.channels().iter().map(|c| c.kind.as_str()).collect();
        writeln!(
            out,
            "\nDemo traffic: customers write in on {} about every {:?}, from a local fake of \
             the platforms ({}).",
            kinds.join(", "),
            options.every,
            demo.fake().address()
        )?;
        writeln!(
            out,
            "Reply to one and the fake answers as the platform would: a WhatsApp reply goes \
             sent, delivered, read."
        )?;
    }
    out.flush()?;
    Ok(())
}
