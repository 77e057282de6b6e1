//! SLA clocks at scale: many running clocks on a seeded database, their deadlines spread
//! over a short window, fired by the worker's wake-up consumer from the Redis index.
//! Measured: how late each breach fired, the process's peak memory, and the index's
//! bytes per clock.

use std::io::Write;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use clap::Args;
use sea_orm::{ConnectionTrait, Database, DatabaseConnection, Statement};

use crate::DbArgs;
use crate::harness::Server;

/// What to fire.
#[derive(Debug, Args)]
pub struct ClocksArgs {
    /// Running clocks, one per seeded conversation (at most as many as were seeded).
    #[arg(long, default_value_t = 20_000)]
    pub clocks: i64,
    /// Seconds over which the deadlines are spread.
    #[arg(long, default_value_t = 60)]
    pub window_seconds: i64,
    /// Seconds from the start to the first deadline (time to index the clocks).
    #[arg(long, default_value_t = 20)]
    pub lead_seconds: i64,
    /// Seconds to wait after the window for late firings.
    #[arg(long, default_value_t = 60)]
    pub drain_seconds: u64,
    /// Database pool size.
    #[arg(long, default_value_t = 10)]
    pub pool: u32,
    /// Conversations paused and resumed afterwards (0: skip that measure).
    #[arg(long, default_value_t = 2_000)]
    pub pause_conversations: i64,
    /// Seconds each way of pausing and resuming is measured.
    #[arg(long, default_value_t = 10)]
    pub pause_seconds: u64,
    /// Agents (and connections) pausing and resuming at once.
    #[arg(long, default_value_t = 8)]
    pub pause_workers: usize,
    /// Redis for the wake-up index.
    #[arg(long, env = "REDIS_URL", default_value = "redis://127.0.0.1:6379")]
    pub redis_url: String,
}

/// Loads the clocks on the seeded database, runs the worker's wake-ups and prints the report.
pub async fn clocks(db: &DbArgs, args: &ClocksArgs) -> anyhow::Result<()> {
    let url = db.url();
    let sql = Database::connect(&url).await?;
    let first_due = load(&sql, args).await?;
    let prefix = format!("earshot-bench-{}:", uuid::Uuid::new_v4().simple());
    let redis = args.redis_url.clone();
    let server = Server::start_with(&url, args.pool, |config| {
        config.redis_url = Some(redis);
        config.redis_prefix = prefix.clone();
    })
    .await?;
    let peak = Arc::new(AtomicU64::new(0));
    let sampler = tokio::spawn(sample_rss(peak.clone()));
    let consumers = [
        earshot_worker::Consumer::Reindex,
        earshot_worker::Consumer::WakeUps,
        earshot_worker::Consumer::FanOut,
    ];
    let worker: Vec<_> = consumers
        .into_iter()
        .map(|c| tokio::spawn(c.run(server.core.clone())))
        .collect();
    let index = index_size(&args.redis_url, &prefix, args.clocks, first_due).await?;
    let end = first_due + chrono::Duration::seconds(args.window_seconds);
    wait_until(end).await;
    let fired = drain(&sql, args.clocks, args.drain_seconds).await?;
    let lateness = lateness(&sql).await?;
    let pausing = match args.pause_conversations {
        0 => None,
        n => {
            eprintln!("pausing and resuming {n} conversations…");
            let (workers, seconds) = (args.pause_workers, args.pause_seconds);
            Some(crate::clocks_pause::measure(&server, &url, n, workers, seconds).await?)
        }
    };
    worker.iter().for_each(tokio::task::JoinHandle::abort);
    sampler.abort();
    server.stop();
    let rss_mb = peak.load(Ordering::Relaxed) as f64 / 1024.0;
    let per_clock = index.0 as f64 / index.1.max(1) as f64;
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "clocks: {} over {} s",
        args.clocks, args.window_seconds
    )?;
    writeln!(out, "breaches fired: {fired} of {}", args.clocks)?;
    let (p50, p99, max) = lateness;
    writeln!(out, "lateness ms: p50 {p50:.1}  p99 {p99:.1}  max {max:.1}")?;
    writeln!(
        out,
        "peak RSS (API and worker in one process): {rss_mb:.1} MB"
    )?;
    writeln!(
        out,
        "index: {} bytes for {} entries, {per_clock:.1} bytes per clock",
        index.0, index.1
    )?;
    if let Some(p) = pausing {
        let ratio = p.api_per_second / p.sql_per_second.max(f64::MIN_POSITIVE);
        writeln!(
            out,
            "pause/resume: {:.0}/s through the API, {:.0}/s single-row SQL ceiling, ratio {ratio:.3}",
            p.api_per_second, p.sql_per_second
        )?;
    }
    Ok(())
}

/// One running first-response clock per seeded conversation, already warned, due from
/// `lead` seconds on, evenly over the window; the first deadline.
async fn load(
    sql: &DatabaseConnection,
    args: &ClocksArgs,
) -> anyhow::Result<chrono::DateTime<chrono::Utc>> {
    exec(sql, "DELETE FROM sla_clocks").await?;
    let first = chrono::Utc::now() + chrono::Duration::seconds(args.lead_seconds);
    let (n, window) = (args.clocks, args.window_seconds);
    let start = first.timestamp_millis() as f64 / 1000.0;
    let insert = format!(
        "INSERT INTO sla_clocks (id, workspace_id, conversation_id, kind, policy_id, \
         target_seconds, warning_percent, business_hours_id, state, started_at, resumed_at, \
         remaining_seconds, due_at, warn_at, wake_at, warned_at, breached_at, stopped_at, \
         outcome, version, updated_at) \
         SELECT gen_random_uuid(), c.workspace_id, c.id, 'first_response', NULL, 3600, 80, \
         NULL, 'running', now(), now(), 3600, d.due, d.due, d.due, now(), NULL, NULL, NULL, \
         0, now() \
         FROM (SELECT id, workspace_id, row_number() OVER (ORDER BY id) AS n \
               FROM conversations ORDER BY id LIMIT {n}) c, \
         LATERAL (SELECT to_timestamp({start} + {window}.0 * (c.n - 1) / {n}) AS due) d"
    );
    let loaded = exec(sql, &insert).await?;
    exec(sql, "ANALYZE sla_clocks").await?;
    eprintln!("loaded {loaded} running clocks; the first is due at {first}");
    Ok(first)
}

async fn exec(sql: &DatabaseConnection, text: &str) -> anyhow::Result<u64> {
    let statement = Statement::from_string(sql.get_database_backend(), text);
    Ok(sql.execute_raw(statement).await?.rows_affected())
}

/// The index's bytes (every key of the index, however it lays its entries out)
/// and the clocks it holds, measured just before the first deadline, by when the worker has
/// indexed every clock.
async fn index_size(
    redis_url: &str,
    prefix: &str,
    clocks: i64,
    first_due: chrono::DateTime<chrono::Utc>,
) -> anyhow::Result<(u64, u64)> {
    wait_until(first_due - chrono::Duration::seconds(1)).await;
    let client = redis::Client::open(redis_url)?;
    let mut redis = redis::aio::ConnectionManager::new(client).await?;
    let keys = crate::wake_index::keys(&mut redis, &format!("{prefix}{{schedule}}")).await?;
    let bytes = crate::wake_index::bytes(&mut redis, &keys).await?;
    eprintln!("index: {} keys, {bytes} bytes", keys.len());
    Ok((bytes, clocks as u64))
}

async fn wait_until(at: chrono::DateTime<chrono::Utc>) {
    let wait = (at - chrono::Utc::now()).to_std().unwrap_or_default();
    tokio::time::sleep(wait).await;
}

/// Waits for every breach, at most `seconds` after the window; how many fired.
async fn drain(sql: &DatabaseConnection, clocks: i64, seconds: u64) -> anyhow::Result<i64> {
    let mut fired = 0;
    for _ in 0..(seconds * 2).max(1) {
        fired = scalar(
            sql,
            "SELECT count(*) FROM sla_clocks WHERE breached_at IS NOT NULL",
        )
        .await?;
        if fired >= clocks {
            break;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    Ok(fired)
}

async fn scalar(sql: &DatabaseConnection, text: &str) -> anyhow::Result<i64> {
    let statement = Statement::from_string(sql.get_database_backend(), text);
    let row = sql.query_one_raw(statement).await?;
    Ok(row
        .map(|r| r.try_get_by_index::<i64>(0))
        .transpose()?
        .unwrap_or(0))
}

/// Milliseconds from each deadline to its breach: p50, p99 and max.
async fn lateness(sql: &DatabaseConnection) -> anyhow::Result<(f64, f64, f64)> {
    let text = "SELECT \
        percentile_disc(0.5) WITHIN GROUP (ORDER BY l), \
        percentile_disc(0.99) WITHIN GROUP (ORDER BY l), max(l) \
        FROM (SELECT EXTRACT(EPOCH FROM breached_at - due_at)::float8 * 1000 AS l \
              FROM sla_clocks WHERE breached_at IS NOT NULL) late";
    let statement = Statement::from_string(sql.get_database_backend(), text);
    let Some(row) = sql.query_one_raw(statement).await? else {
        return Ok((f64::NAN, f64::NAN, f64::NAN));
    };
    let get = |i| {
        row.try_get_by_index::<Option<f64>>(i)
            .map(|v| v.unwrap_or(f64::NAN))
    };
    Ok((get(0)?, get(1)?, get(2)?))
}

/// Keeps the largest resident set size seen, in KiB.
async fn sample_rss(peak: Arc<AtomicU64>) {
    loop {
        if let Ok(status) = std::fs::read_to_string("/proc/self/status") {
            let rss = status
                .lines()
                .find_map(|l| l.strip_prefix("VmRSS:"))
                .and_then(|v| v.split_whitespace().next()?.parse::<u64>().ok());
            if let Some(rss) = rss {
                peak.fetch_max(rss, Ordering::Relaxed);
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
