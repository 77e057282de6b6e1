//! `ingest`: signed webhooks at high concurrency into PostgreSQL and Redis with the worker
//! running, as in production: how many customers' messages are stored a second, how soon
//! each delivery is acknowledged, how soon a message is visible (to a live subscriber, and
//! to a REST reader searching the inbox) — and, on the same database in the same run,
//! PostgreSQL's own batched-insert ceiling for the same rows.

mod ceiling;
mod load;
mod watch;

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use anyhow::Context;
use clap::Args;
use sea_orm::{ConnectionTrait, Database, DatabaseConnection};
use serde_json::json;
use tokio::time::Instant;

use crate::DbArgs;
use crate::harness::{self, OWNER_EMAIL, OWNER_PASSWORD, Server};
use crate::stats::{self, Report};
use load::Shared;

/// Options of `ingest`.
#[derive(Debug, Args)]
pub struct IngestArgs {
    /// Concurrent senders.
    #[arg(long, default_value_t = 64)]
    pub clients: usize,
    /// Seconds measured (after the warm-up).
    #[arg(long, default_value_t = 20)]
    pub duration: u64,
    /// Seconds of load before measuring.
    #[arg(long, default_value_t = 3)]
    pub warmup: u64,
    /// Paced: deliveries a second in all, spread over the senders (default: each sends its
    /// next as soon as the last is acknowledged).
    #[arg(long)]
    pub rate: Option<f64>,
    /// Distinct customers writing (one conversation each).
    #[arg(long, default_value_t = 5_000)]
    pub customers: u64,
    /// The database pool size of the API and worker process.
    #[arg(long, default_value_t = 10)]
    pub pool: u32,
    /// Redis.
    #[arg(long, env = "REDIS_URL", default_value = "redis://127.0.0.1:6379")]
    pub redis_url: String,
    /// How often the REST reader looks for the newest message, in milliseconds.
    #[arg(long, default_value_t = 100)]
    pub rest_every_ms: u64,
    /// Longest wait for the worker to finish the backlog once the senders stop.
    #[arg(long, default_value_t = 60)]
    pub drain_seconds: u64,
    /// Seconds the batched-insert ceiling is measured.
    #[arg(long, default_value_t = 10)]
    pub ceiling_seconds: u64,
}

/// Runs the benchmark on a fresh database `<database>_ingest` and prints the report.
pub async fn ingest(db: &DbArgs, args: &IngestArgs) -> anyhow::Result<()> {
    let name = format!("{}_ingest", db.database);
    earshot_core::db::drop_postgres_database(&db.admin_url, &name).await?;
    let url = earshot_core::db::create_postgres_database(&db.admin_url, &name).await?;
    let prefix = format!("earshot-bench-{}:", uuid::Uuid::new_v4().simple());
    let redis = args.redis_url.clone();
    let server = Server::start_with(&url, args.pool, |config| {
        config.redis_url = Some(redis);
        config.redis_prefix = prefix;
    })
    .await?;
    let worker = tokio::spawn(earshot_worker::run(server.core.clone()));
    let desk = tenant(&server).await?;
    let sql = Database::connect(&url).await?;

    let shared = Arc::new(Shared::default());
    let measured = measure(&server, args, &desk, &shared, &sql).await?;
    let drained = drain(&sql, args.drain_seconds).await?;
    eprintln!("measuring PostgreSQL's batched-insert ceiling…");
    let cores = std::thread::available_parallelism().map_or(2, usize::from);
    let ceiling = ceiling::rows_per_second(&url, args.ceiling_seconds, cores).await?;
    worker.abort();
    server.stop();
    print_report(args, measured, drained, ceiling)
}

/// The workspace under load: its id, its owner's token and the Facebook channel.
struct Desk {
    workspace: String,
    token: String,
    channel: String,
}

/// What the measured window gave.
struct Measured {
    stored: u64,
    seconds: f64,
    report: Report,
}

async fn measure(
    server: &Server,
    args: &IngestArgs,
    desk: &Desk,
    shared: &Arc<Shared>,
    sql: &DatabaseConnection,
) -> anyhow::Result<Measured> {
    let base = &server.base;
    let (workspace, token, channel) = (&desk.workspace, &desk.token, &desk.channel);
    let client = harness::client(args.clients)?;
    let ws = watch::subscribe(base, token, workspace).await?;
    let hook = format!("{base}/v1/hooks/facebook/{channel}");
    let every = args
        .rate
        .map(|rate| Duration::from_secs_f64(args.clients as f64 / rate.max(0.001)));
    let senders: Vec<_> = (0..args.clients)
        .map(|_| {
            let (client, hook, shared) = (client.clone(), hook.clone(), shared.clone());
            tokio::spawn(load::send(client, hook, args.customers, every, shared))
        })
        .collect();
    eprintln!("warming up for {} s…", args.warmup);
    tokio::time::sleep(Duration::from_secs(args.warmup)).await;
    // A live database has statistics on its tables; autovacuum gathers them on a fresh one
    // only after a minute, and until then the planner takes the tables for empty.
    sql.execute_unprepared("ANALYZE").await?;
    let stored_before = count(sql, "messages").await?;
    shared.measuring.store(true, Ordering::Relaxed);
    let started = Instant::now();
    let follower = tokio::spawn(watch::follow(
        ws,
        shared.clone(),
        started + Duration::from_secs(args.duration + 15),
    ));
    let inbox = format!("{base}/v1/workspaces/{workspace}/conversations");
    let rest = tokio::spawn(watch::sample_rest(
        client.clone(),
        inbox,
        token.clone(),
        shared.clone(),
        Duration::from_millis(args.rest_every_ms),
    ));
    eprintln!("measuring for {} s…", args.duration);
    tokio::time::sleep(Duration::from_secs(args.duration)).await;
    let stored = count(sql, "messages").await? - stored_before;
    let seconds = started.elapsed().as_secs_f64();
    shared.measuring.store(false, Ordering::Relaxed);
    shared.stop.store(true, Ordering::Relaxed);
    let mut report = Report::new();
    for sender in senders {
        stats::merge(&mut report, [("ack", sender.await?)].into());
    }
    stats::merge(&mut report, [("visible: REST search", rest.await?)].into());
    stats::merge(
        &mut report,
        [("visible: subscription", follower.await?)].into(),
    );
    Ok(Measured {
        stored,
        seconds,
        report,
    })
}

/// How the backlog went once the senders stopped.
struct Drained {
    /// Deliveries logged and not yet processed when the senders stopped.
    backlog: u64,
    /// Seconds waited.
    seconds: f64,
    /// Deliveries still waiting at the end.
    left: u64,
}

/// Waits up to `limit` seconds for the worker to finish the backlog.
async fn drain(sql: &DatabaseConnection, limit: u64) -> anyhow::Result<Drained> {
    const WAITING: &str = "inbound_events WHERE processed_at IS NULL";
    let started = Instant::now();
    let backlog = count(sql, WAITING).await?;
    let mut left = backlog;
    while left > 0 && started.elapsed() < Duration::from_secs(limit) {
        tokio::time::sleep(Duration::from_millis(100)).await;
        left = count(sql, WAITING).await?;
    }
    Ok(Drained {
        backlog,
        seconds: started.elapsed().as_secs_f64(),
        left,
    })
}

async fn count(sql: &DatabaseConnection, from: &str) -> anyhow::Result<u64> {
    let statement = sea_orm::Statement::from_string(
        sql.get_database_backend(),
        format!("SELECT count(*) AS n FROM {from}"),
    );
    let row = sql.query_one_raw(statement).await?.context("count")?;
    Ok(u64::try_from(row.try_get::<i64>("", "n")?)?)
}

/// An organization, its owner's token and a Facebook channel for the bench page.
async fn tenant(server: &Server) -> anyhow::Result<Desk> {
    let client = harness::client(4)?;
    let base = &server.base;
    let created = harness::post(
        &client,
        &format!("{base}/v1/orgs"),
        Some(&server.platform_token),
        json!({ "name": "Bench", "workspace_name": "Ingest desk",
            "owner": { "email": OWNER_EMAIL, "password": OWNER_PASSWORD } }),
    )
    .await?;
    let workspace = harness::string_at(&created, &["workspace", "id"])?;
    let token = harness::login(&client, base).await?;
    let channel = harness::post(
        &client,
        &format!("{base}/v1/workspaces/{workspace}/channels"),
        Some(&token),
        json!({ "kind": "facebook", "name": "Bench page",
            "settings": { "page_id": load::PAGE_ID },
            "credentials": { "app_secret": load::APP_SECRET,
                "page_access_token": "bench", "verify_token": "bench" } }),
    )
    .await?;
    let channel = harness::string_at(&channel, &["id"])?;
    Ok(Desk {
        workspace,
        token,
        channel,
    })
}

fn print_report(
    args: &IngestArgs,
    mut measured: Measured,
    drained: Drained,
    ceiling: f64,
) -> anyhow::Result<()> {
    use std::io::Write as _;
    let stored_rate = measured.stored as f64 / measured.seconds;
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "\n{} senders{}, {} customers, {:.1} s measured\n",
        args.clients,
        args.rate.map(|r| format!(" at {r}/s")).unwrap_or_default(),
        args.customers,
        measured.seconds
    )?;
    let table = stats::table(&mut measured.report, measured.seconds, 20.0);
    writeln!(out, "{table}")?;
    for (name, samples) in &measured.report {
        if let Some(error) = &samples.first_error {
            writeln!(out, "first error of {name}: {error}")?;
        }
    }
    writeln!(
        out,
        "messages stored: {} ({stored_rate:.0}/s)",
        measured.stored
    )?;
    writeln!(
        out,
        "backlog when the senders stopped: {}; {} left {:.1} s later",
        drained.backlog, drained.left, drained.seconds
    )?;
    writeln!(
        out,
        "PostgreSQL batched-insert ceiling: {ceiling:.0} rows/s"
    )?;
    writeln!(out, "stored / ceiling: {:.3}", stored_rate / ceiling)?;
    Ok(())
}
