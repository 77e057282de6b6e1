//! The wake-up index alone in Redis: the bytes an entry costs, and the time to add every
//! entry and to take them all out as the worker does (`due` then `done`, a batch at a
//! time). Synthetic clock wake-ups go through the real index under a key prefix of their
//! own, deleted at the end; no database is involved.

use std::io::Write;
use std::time::Instant;

use clap::{Args, ValueEnum};
use earshot_core::schedule::{RedisIndex, WakeKind, WakeUp};
use earshot_core::service::wake_ups::WAKE_BATCH;
use rand::Rng;
use rand::seq::SliceRandom;
use redis::aio::ConnectionManager;

/// What to index.
#[derive(Debug, Args)]
pub struct WakeIndexArgs {
    /// Redis to measure (only keys under a fresh prefix are written, then deleted).
    #[arg(long, env = "REDIS_URL", default_value = "redis://127.0.0.1:6379")]
    pub redis_url: String,
    /// Wake-ups to index.
    #[arg(long, default_value_t = 1_000_000)]
    pub entries: usize,
    /// Seconds their times are spread over, evenly at random (0: all in one millisecond).
    #[arg(long, default_value_t = 60)]
    pub window_seconds: u64,
    /// The order they are added in.
    #[arg(long, value_enum, default_value_t = Order::Shuffled)]
    pub order: Order,
}

/// The order wake-ups reach the index.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Order {
    /// Any order, as clocks of many conversations are indexed.
    Shuffled,
    /// Earliest first, as the worker's re-index adds them.
    Ascending,
}

/// Wake-ups one `add` carries: a page of the worker's re-index.
const ADD_BATCH: usize = 1_000;

/// Indexes the wake-ups, measures, takes them all out, and prints one table row.
pub async fn wake_index(args: &WakeIndexArgs) -> anyhow::Result<()> {
    let client = redis::Client::open(args.redis_url.as_str())?;
    let mut conn = ConnectionManager::new(client).await?;
    let prefix = format!("earshot-bench-wake-{}:", uuid::Uuid::new_v4().simple());
    let index = RedisIndex::new(conn.clone(), &prefix);
    let wake_ups = wake_ups(args);
    let end = wake_ups.iter().map(|w| w.at).max().unwrap_or_default();

    let started = Instant::now();
    for batch in wake_ups.chunks(ADD_BATCH) {
        index.add(batch).await?;
    }
    let adding = started.elapsed();
    let keys = keys(&mut conn, &prefix).await?;
    let bytes = bytes(&mut conn, &keys).await?;
    eprintln!("indexed {} wake-ups in {} keys", wake_ups.len(), keys.len());

    let started = Instant::now();
    let (taken, in_order) = take_all(&index, end).await?;
    let taking = started.elapsed();
    let left = keys_left(&mut conn, &prefix).await?;
    let flat = flat_set_bytes(&mut conn, &prefix, &wake_ups).await?;

    let n = wake_ups.len().max(1) as f64;
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "| {} | {} s | {:?} | {} | {:.1} | {:.1} | {:.1} s | {:.1} s | {} | {} |",
        wake_ups.len(),
        args.window_seconds,
        args.order,
        keys.len(),
        bytes as f64 / n,
        flat as f64 / n,
        adding.as_secs_f64(),
        taking.as_secs_f64(),
        if taken == wake_ups.len() && in_order {
            "all, in order"
        } else {
            "NO"
        },
        left,
    )?;
    Ok(())
}

/// Clock wake-ups due an hour from now, spread over the window.
fn wake_ups(args: &WakeIndexArgs) -> Vec<WakeUp> {
    let start = chrono::Utc::now() + chrono::Duration::hours(1);
    let window_micros = (args.window_seconds * 1_000_000).max(1);
    let mut rng = rand::rng();
    let mut wake_ups: Vec<WakeUp> = (0..args.entries)
        .map(|_| {
            let offset = match args.window_seconds {
                0 => 0,
                _ => rng.random_range(0..window_micros) as i64,
            };
            WakeUp {
                kind: WakeKind::Clock,
                id: uuid::Uuid::now_v7(),
                at: start + chrono::Duration::microseconds(offset),
            }
        })
        .collect();
    match args.order {
        Order::Shuffled => wake_ups.shuffle(&mut rng),
        Order::Ascending => wake_ups.sort_by_key(|w| w.at),
    }
    wake_ups
}

/// Takes every entry out as the worker does; how many came out, and whether in time order.
async fn take_all(
    index: &RedisIndex,
    end: chrono::DateTime<chrono::Utc>,
) -> anyhow::Result<(usize, bool)> {
    let (mut taken, mut in_order) = (0, true);
    let mut last = None;
    loop {
        let batch = index.due(end, WAKE_BATCH as usize).await?;
        if batch.is_empty() {
            return Ok((taken, in_order));
        }
        in_order &= batch.is_sorted_by_key(|w| w.at) && last <= batch.first().map(|w| w.at);
        last = batch.last().map(|w| w.at);
        index.done(&batch).await?;
        taken += batch.len();
    }
}

/// The keys under `prefix`, found with SCAN.
pub(crate) async fn keys(
    conn: &mut ConnectionManager,
    prefix: &str,
) -> anyhow::Result<Vec<String>> {
    let mut found = Vec::new();
    let mut cursor = 0_u64;
    loop {
        let (next, page): (u64, Vec<String>) = redis::cmd("SCAN")
            .arg(cursor)
            .arg("MATCH")
            .arg(format!("{prefix}*"))
            .arg("COUNT")
            .arg(1_000)
            .query_async(conn)
            .await?;
        found.extend(page);
        if next == 0 {
            return Ok(found);
        }
        cursor = next;
    }
}

/// Redis's own count of the keys' bytes (`MEMORY USAGE … SAMPLES 0`: every element).
pub(crate) async fn bytes(conn: &mut ConnectionManager, keys: &[String]) -> anyhow::Result<u64> {
    let mut total = 0;
    for key in keys {
        let usage: Option<u64> = redis::cmd("MEMORY")
            .arg("USAGE")
            .arg(key)
            .arg("SAMPLES")
            .arg(0)
            .query_async(conn)
            .await?;
        total += usage.unwrap_or(0);
    }
    Ok(total)
}

/// How many keys the index left behind; deletes them.
async fn keys_left(conn: &mut ConnectionManager, prefix: &str) -> anyhow::Result<usize> {
    let left = keys(conn, prefix).await?;
    for key in &left {
        redis::cmd("UNLINK")
            .arg(key)
            .query_async::<()>(conn)
            .await?;
    }
    Ok(left.len())
}

/// For comparison: the bytes of the same entries in one plain sorted set (the former
/// index), deleted after.
async fn flat_set_bytes(
    conn: &mut ConnectionManager,
    prefix: &str,
    wake_ups: &[WakeUp],
) -> anyhow::Result<u64> {
    let key = format!("{prefix}{{schedule}}:flat");
    for batch in wake_ups.chunks(ADD_BATCH) {
        let mut zadd = redis::cmd("ZADD");
        zadd.arg(&key);
        for wake_up in batch {
            let mut member = vec![b'c'];
            member.extend_from_slice(wake_up.id.as_bytes());
            zadd.arg(wake_up.at.timestamp_millis()).arg(member);
        }
        zadd.query_async::<()>(conn).await?;
    }
    let bytes = bytes(conn, std::slice::from_ref(&key)).await?;
    redis::cmd("UNLINK")
        .arg(&key)
        .query_async::<()>(conn)
        .await?;
    Ok(bytes)
}
