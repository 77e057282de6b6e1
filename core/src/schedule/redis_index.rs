//! The wake-up index on Redis, in small buckets. A plain sorted set costs about 128 bytes
//! an entry (skiplist node, dict entry, member); Redis keeps a sorted set of at most 128
//! entries as a listpack instead, a few bytes an entry. So entries live in buckets of at
//! most 128, each holding a range of times, and one sorted set lists the buckets by start
//! time. Each operation is one Lua script (`lua/`), atomic like the single command it
//! replaces. Every key carries the hash tag `{schedule}`, so Redis Cluster keeps them in one
//! slot.
//!
//! An entry is a kind tag and a row id (17 bytes), scored by its due time in milliseconds.
//! Adding a row finds the bucket for its new time only, so an entry at its old time may stay
//! behind until that time comes: it is handed out then, acting on it changes nothing, and
//! `done` takes it out.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use redis::Script;
use redis::aio::ConnectionManager;

use super::WakeUp;
use crate::Result;

/// Entries one script call handles: a script blocks Redis while it runs.
const PER_CALL: usize = 1_000;

/// The index's scripts, each with the bucket helpers it relies on.
struct Scripts {
    add: Script,
    due: Script,
    done: Script,
}

impl Scripts {
    fn new() -> Self {
        Self {
            add: Script::new(concat!(
                include_str!("lua/buckets.lua"),
                include_str!("lua/add.lua")
            )),
            due: Script::new(concat!(
                include_str!("lua/buckets.lua"),
                include_str!("lua/due.lua")
            )),
            done: Script::new(concat!(
                include_str!("lua/buckets.lua"),
                include_str!("lua/done.lua")
            )),
        }
    }
}

/// The wake-up index of a deployment in Redis. The product reaches it through `Core`;
/// it is public for the benchmark, which measures it alone.
#[derive(Clone)]
pub struct RedisIndex {
    conn: ConnectionManager,
    /// The list of buckets; a bucket is this key, `:` and its name.
    key: Arc<str>,
    /// The single sorted set of earlier versions, taken away by `retire_flat_set`.
    flat_key: Arc<str>,
    /// When the last complete re-index from the database began (ms), `0` while the first
    /// is under way; absent when the index was lost (`mod.rs`, "Sweeps").
    swept_key: Arc<str>,
    scripts: Arc<Scripts>,
}

impl std::fmt::Debug for RedisIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisIndex")
            .field("key", &self.key)
            .finish()
    }
}

impl RedisIndex {
    /// The index under `prefix` (every key starts with it).
    pub fn new(conn: ConnectionManager, prefix: &str) -> Self {
        Self {
            conn,
            key: format!("{prefix}{{schedule}}:wake").into(),
            flat_key: format!("{prefix}{{schedule}}:due").into(),
            swept_key: format!("{prefix}{{schedule}}:swept").into(),
            scripts: Arc::new(Scripts::new()),
        }
    }

    /// Adds wake-ups, each at its time.
    pub async fn add(&self, wake_ups: &[WakeUp]) -> Result<()> {
        for chunk in wake_ups.chunks(PER_CALL) {
            let mut invocation = self.scripts.add.key(&*self.key);
            for wake_up in chunk {
                invocation.arg(wake_up.score()).arg(wake_up.member());
            }
            invocation
                .invoke_async::<i64>(&mut self.conn.clone())
                .await?;
        }
        Ok(())
    }

    /// Entries due by `now`, earliest first, at most `limit`, with their exact times.
    pub async fn due(&self, now: DateTime<Utc>, limit: usize) -> Result<Vec<WakeUp>> {
        self.first(super::ceil_millis(now).to_string(), limit).await
    }

    async fn first(&self, until: String, limit: usize) -> Result<Vec<WakeUp>> {
        if limit == 0 {
            return Ok(Vec::new());
        }
        let found: Vec<(Vec<u8>, i64)> = self
            .scripts
            .due
            .key(&*self.key)
            .arg(until)
            .arg(limit)
            .invoke_async(&mut self.conn.clone())
            .await?;
        Ok(found
            .into_iter()
            .filter_map(|(member, at)| WakeUp::from_member(&member, at))
            .collect())
    }

    /// Takes out entries acted on, each only if it is still at the time acted on.
    pub async fn done(&self, wake_ups: &[WakeUp]) -> Result<()> {
        for chunk in wake_ups.chunks(PER_CALL) {
            let mut invocation = self.scripts.done.key(&*self.key);
            for wake_up in chunk {
                invocation.arg(wake_up.member()).arg(wake_up.score());
            }
            invocation
                .invoke_async::<i64>(&mut self.conn.clone())
                .await?;
        }
        Ok(())
    }

    /// When the earliest entry is due, if any.
    pub async fn next(&self) -> Result<Option<DateTime<Utc>>> {
        let first = self.first("+inf".to_owned(), 1).await?;
        Ok(first.first().map(|w| w.at))
    }

    /// When the last complete sweep began (ms since the epoch; `0`: none has completed since
    /// the index was last found empty); `None` when the index was lost.
    pub(crate) async fn last_sweep(&self) -> Result<Option<i64>> {
        let at: Option<i64> = redis::cmd("GET")
            .arg(&*self.swept_key)
            .query_async(&mut self.conn.clone())
            .await?;
        Ok(at)
    }

    /// Records that a sweep began, if the index has no record of one.
    pub(crate) async fn sweep_begun(&self) -> Result<()> {
        redis::cmd("SET")
            .arg(&*self.swept_key)
            .arg(0)
            .arg("NX")
            .query_async::<()>(&mut self.conn.clone())
            .await?;
        Ok(())
    }

    /// Records that a sweep begun at `began` (ms) completed — only if the record written
    /// when it began is still there; whether it was (if not, the index was lost meanwhile).
    pub(crate) async fn sweep_done(&self, began: i64) -> Result<bool> {
        let set: Option<String> = redis::cmd("SET")
            .arg(&*self.swept_key)
            .arg(began)
            .arg("XX")
            .query_async(&mut self.conn.clone())
            .await?;
        Ok(set.is_some())
    }

    /// Takes away the single sorted set earlier versions kept (in the background: it may
    /// hold millions); the worker re-indexes into the buckets when it starts.
    pub(crate) async fn retire_flat_set(&self) -> Result<()> {
        redis::cmd("UNLINK")
            .arg(&*self.flat_key)
            .query_async::<()>(&mut self.conn.clone())
            .await?;
        Ok(())
    }
}
