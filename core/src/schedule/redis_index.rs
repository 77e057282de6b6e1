//! The wake-up index on Redis: one sorted set per deployment, scored by due time in
//! milliseconds, each member a kind tag and a row id (17 bytes). The key carries the hash
//! tag `{schedule}` for Redis Cluster.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use redis::aio::ConnectionManager;

use super::WakeUp;
use crate::Result;

/// Takes a member out only if its score is still the one acted on: a wake-up moved to a
/// later time meanwhile stays.
const DONE_IF_UNMOVED: &str = r"
local removed = 0
for i = 1, #ARGV, 2 do
  if redis.call('ZSCORE', KEYS[1], ARGV[i]) == ARGV[i + 1] then
    removed = removed + redis.call('ZREM', KEYS[1], ARGV[i])
  end
end
return removed";

#[derive(Clone)]
pub(crate) struct RedisIndex {
    conn: ConnectionManager,
    key: Arc<str>,
}

impl std::fmt::Debug for RedisIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisIndex")
            .field("key", &self.key)
            .finish()
    }
}

impl RedisIndex {
    pub(crate) fn new(conn: ConnectionManager, prefix: &str) -> Self {
        Self {
            conn,
            key: format!("{prefix}{{schedule}}:due").into(),
        }
    }

    pub(crate) async fn add(&self, wake_ups: &[WakeUp]) -> Result<()> {
        let mut zadd = redis::cmd("ZADD");
        zadd.arg(&*self.key);
        for wake_up in wake_ups {
            zadd.arg(wake_up.score()).arg(wake_up.member());
        }
        zadd.query_async::<()>(&mut self.conn.clone()).await?;
        Ok(())
    }

    pub(crate) async fn due(&self, now: DateTime<Utc>, limit: usize) -> Result<Vec<WakeUp>> {
        let found: Vec<(Vec<u8>, i64)> = redis::cmd("ZRANGE")
            .arg(&*self.key)
            .arg("-inf")
            .arg(super::ceil_millis(now))
            .arg("BYSCORE")
            .arg("LIMIT")
            .arg(0)
            .arg(limit)
            .arg("WITHSCORES")
            .query_async(&mut self.conn.clone())
            .await?;
        Ok(found
            .into_iter()
            .filter_map(|(member, at)| WakeUp::from_member(&member, at))
            .collect())
    }

    pub(crate) async fn done(&self, wake_ups: &[WakeUp]) -> Result<()> {
        let script = redis::Script::new(DONE_IF_UNMOVED);
        let mut invocation = script.key(&*self.key);
        for wake_up in wake_ups {
            invocation.arg(wake_up.member()).arg(wake_up.score());
        }
        invocation
            .invoke_async::<i64>(&mut self.conn.clone())
            .await?;
        Ok(())
    }

    pub(crate) async fn next(&self) -> Result<Option<DateTime<Utc>>> {
        let first: Vec<(Vec<u8>, i64)> = redis::cmd("ZRANGE")
            .arg(&*self.key)
            .arg(0)
            .arg(0)
            .arg("WITHSCORES")
            .query_async(&mut self.conn.clone())
            .await?;
        Ok(first
            .into_iter()
            .find_map(|(member, at)| WakeUp::from_member(&member, at))
            .map(|w| w.at))
    }
}
