//! The queue on Redis Streams. Each workspace with work has a stream and in it one consumer
//! group; a set names the workspaces with work. Every key carries the hash tag `{inbound}`,
//! so on Redis Cluster they share a slot and a script may touch several. A worker reads its
//! own unacknowledged entries first, then claims entries another worker has left idle
//! (`XAUTOCLAIM`: that worker died or stalled), then new ones — up to a share per workspace.
//! Acknowledged entries are deleted, and a drained workspace leaves the set. The log keeps
//! every delivery: the sweep applies any whose entry was trimmed or flushed away.

use std::collections::HashSet;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use redis::aio::ConnectionManager;
use redis::streams::{StreamAutoClaimReply, StreamId, StreamReadReply};
use redis::{RedisResult, Value};

use super::{Claimed, Entry, Token};
use crate::Result;

/// The consumer group every worker joins.
const GROUP: &str = "inbound";
/// About how many entries a workspace's stream keeps.
const MAX_LEN: usize = 100_000;

/// Takes a workspace out of the set once its stream is empty, atomically, so an entry
/// added meanwhile keeps it in.
const FORGET_DRAINED: &str = r"
if redis.call('XLEN', KEYS[1]) == 0 then
  return redis.call('SREM', KEYS[2], ARGV[1])
end
return 0";

/// The streams of one deployment (by key prefix).
#[derive(Clone)]
pub(crate) struct Streams {
    conn: ConnectionManager,
    /// This process's name in the consumer groups.
    consumer: Arc<str>,
    prefix: Arc<str>,
    /// Streams whose group this process made (or found made).
    grouped: Arc<Mutex<HashSet<uuid::Uuid>>>,
}

impl std::fmt::Debug for Streams {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Streams")
            .field("consumer", &self.consumer)
            .field("prefix", &self.prefix)
            .finish()
    }
}

impl Streams {
    /// The streams under `prefix`, read as `consumer` (unique to the process).
    pub(crate) fn new(conn: ConnectionManager, prefix: &str, consumer: String) -> Self {
        Self {
            conn,
            consumer: consumer.into(),
            prefix: prefix.into(),
            grouped: Arc::default(),
        }
    }

    fn stream(&self, workspace: uuid::Uuid) -> String {
        format!("{}{{inbound}}:w:{workspace}", self.prefix)
    }

    fn workspaces(&self) -> String {
        format!("{}{{inbound}}:workspaces", self.prefix)
    }

    fn dead(&self) -> String {
        format!("{}{{inbound}}:dead", self.prefix)
    }

    pub(crate) async fn publish(&self, entries: &[Entry]) -> Result<()> {
        let mut pipe = redis::pipe();
        for entry in entries {
            pipe.cmd("XADD")
                .arg(self.stream(entry.workspace))
                .arg("MAXLEN")
                .arg("~")
                .arg(MAX_LEN)
                .arg("*")
                .arg("d")
                .arg(entry.delivery.to_string())
                .ignore();
            pipe.cmd("SADD")
                .arg(self.workspaces())
                .arg(entry.workspace.to_string())
                .ignore();
        }
        pipe.query_async::<()>(&mut self.conn.clone()).await?;
        Ok(())
    }

    pub(crate) async fn claim(&self, per_workspace: usize, idle: Duration) -> Result<Vec<Claimed>> {
        match self.claim_once(per_workspace, idle).await {
            // A stream or its group went away (Redis restarted empty, or was flushed): make
            // the groups again; the sweep applies what the lost entries named.
            Err(err) if lost_group(&err) => {
                self.forget_groups();
                Ok(self.claim_once(per_workspace, idle).await?)
            }
            other => Ok(other?),
        }
    }

    async fn claim_once(&self, limit: usize, idle: Duration) -> RedisResult<Vec<Claimed>> {
        let members: Vec<String> = redis::cmd("SMEMBERS")
            .arg(self.workspaces())
            .query_async(&mut self.conn.clone())
            .await?;
        let lines: Vec<uuid::Uuid> = members.iter().filter_map(|m| m.parse().ok()).collect();
        if lines.is_empty() {
            return Ok(Vec::new());
        }
        self.make_groups(&lines).await?;
        let mut claimed = self.read(&lines, &vec![limit; lines.len()], "0").await?;
        let room: Vec<usize> = claimed
            .iter()
            .map(|c| limit.saturating_sub(c.len()))
            .collect();
        for (line, taken) in self
            .claim_idle(&lines, &room, idle)
            .await?
            .into_iter()
            .enumerate()
        {
            // Its own entries are among those idle too: each is claimed once.
            let own: HashSet<String> = claimed[line].iter().map(|c| c.token.id.clone()).collect();
            claimed[line].extend(taken.into_iter().filter(|c| !own.contains(&c.token.id)));
        }
        let room: Vec<usize> = claimed
            .iter()
            .map(|c| limit.saturating_sub(c.len()))
            .collect();
        for (line, taken) in self.read(&lines, &room, ">").await?.into_iter().enumerate() {
            claimed[line].extend(taken);
        }
        self.forget_drained(&lines, &claimed).await?;
        Ok(claimed.into_iter().flatten().collect())
    }

    /// Each line's entries from `from` (`0`: this consumer's unacknowledged ones, `>`: new
    /// ones), up to its room.
    async fn read(
        &self,
        lines: &[uuid::Uuid],
        room: &[usize],
        from: &str,
    ) -> RedisResult<Vec<Vec<Claimed>>> {
        let mut read = vec![Vec::new(); lines.len()];
        let wanted: Vec<usize> = (0..lines.len()).filter(|l| room[*l] > 0).collect();
        if wanted.is_empty() {
            return Ok(read);
        }
        let mut pipe = redis::pipe();
        for line in &wanted {
            pipe.cmd("XREADGROUP")
                .arg("GROUP")
                .arg(GROUP)
                .arg(&*self.consumer)
                .arg("COUNT")
                .arg(room[*line])
                .arg("STREAMS")
                .arg(self.stream(lines[*line]))
                .arg(from);
        }
        let replies: Vec<Value> = pipe.query_async(&mut self.conn.clone()).await?;
        let mut trimmed = Vec::new();
        for (line, reply) in wanted.into_iter().zip(replies) {
            let reply: Option<StreamReadReply> = redis::from_redis_value(reply)?;
            let ids = reply.into_iter().flat_map(|r| r.keys).flat_map(|k| k.ids);
            let (good, gone) = entries(lines[line], ids);
            read[line] = good;
            trimmed.extend(gone);
        }
        self.ack_raw(&trimmed).await?;
        Ok(read)
    }

    /// Entries other consumers have held idle for `idle`, up to each line's room.
    async fn claim_idle(
        &self,
        lines: &[uuid::Uuid],
        room: &[usize],
        idle: Duration,
    ) -> RedisResult<Vec<Vec<Claimed>>> {
        let mut claimed = vec![Vec::new(); lines.len()];
        let wanted: Vec<usize> = (0..lines.len()).filter(|l| room[*l] > 0).collect();
        if wanted.is_empty() {
            return Ok(claimed);
        }
        let mut pipe = redis::pipe();
        for line in &wanted {
            pipe.cmd("XAUTOCLAIM")
                .arg(self.stream(lines[*line]))
                .arg(GROUP)
                .arg(&*self.consumer)
                .arg(idle.as_millis() as u64)
                .arg("0-0")
                .arg("COUNT")
                .arg(room[*line]);
        }
        let replies: Vec<Value> = pipe.query_async(&mut self.conn.clone()).await?;
        let mut trimmed = Vec::new();
        for (line, reply) in wanted.into_iter().zip(replies) {
            let reply: StreamAutoClaimReply = redis::from_redis_value(reply)?;
            let (good, gone) = entries(lines[line], reply.claimed);
            if !good.is_empty() {
                metrics::counter!("earshot_inbound_queue_reclaimed_total")
                    .increment(good.len() as u64);
            }
            claimed[line] = good;
            trimmed.extend(gone);
        }
        self.ack_raw(&trimmed).await?;
        Ok(claimed)
    }

    /// Takes the workspaces that had nothing to claim out of the set, if their stream is
    /// empty.
    async fn forget_drained(
        &self,
        lines: &[uuid::Uuid],
        claimed: &[Vec<Claimed>],
    ) -> RedisResult<()> {
        let script = redis::Script::new(FORGET_DRAINED);
        for (line, taken) in lines.iter().zip(claimed) {
            if taken.is_empty() {
                script
                    .key(self.stream(*line))
                    .key(self.workspaces())
                    .arg(line.to_string())
                    .invoke_async::<i64>(&mut self.conn.clone())
                    .await?;
            }
        }
        Ok(())
    }

    pub(crate) async fn ack(&self, done: &[Claimed]) -> Result<()> {
        Ok(self.ack_raw(done).await?)
    }

    /// Acknowledges entries and deletes them: a drained stream is empty.
    async fn ack_raw(&self, done: &[Claimed]) -> RedisResult<()> {
        if done.is_empty() {
            return Ok(());
        }
        let mut pipe = redis::pipe();
        for one in done {
            let stream = self.stream(one.token.workspace);
            pipe.cmd("XACK")
                .arg(&stream)
                .arg(GROUP)
                .arg(&one.token.id)
                .ignore();
            pipe.cmd("XDEL").arg(&stream).arg(&one.token.id).ignore();
        }
        pipe.query_async::<()>(&mut self.conn.clone()).await
    }

    pub(crate) async fn dead_letter(&self, entry: Entry, why: &str) -> Result<()> {
        redis::cmd("XADD")
            .arg(self.dead())
            .arg("MAXLEN")
            .arg("~")
            .arg(MAX_LEN)
            .arg("*")
            .arg("d")
            .arg(entry.delivery.to_string())
            .arg("w")
            .arg(entry.workspace.to_string())
            .arg("reason")
            .arg(why)
            .query_async::<()>(&mut self.conn.clone())
            .await?;
        Ok(())
    }

    fn forget_groups(&self) {
        self.grouped
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clear();
    }

    /// Makes the group of each stream this process has not seen yet. The group reads from
    /// the stream's start, so entries added before it was made are not skipped.
    async fn make_groups(&self, lines: &[uuid::Uuid]) -> RedisResult<()> {
        let unseen: Vec<uuid::Uuid> = {
            let grouped = self.grouped.lock().unwrap_or_else(PoisonError::into_inner);
            lines
                .iter()
                .filter(|l| !grouped.contains(l))
                .copied()
                .collect()
        };
        for line in unseen {
            let made = redis::cmd("XGROUP")
                .arg("CREATE")
                .arg(self.stream(line))
                .arg(GROUP)
                .arg("0")
                .arg("MKSTREAM")
                .query_async::<()>(&mut self.conn.clone())
                .await;
            match made {
                Ok(()) => {}
                Err(err) if err.code() == Some("BUSYGROUP") => {}
                Err(err) => return Err(err),
            }
            self.grouped
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .insert(line);
        }
        Ok(())
    }
}

/// Whether Redis no longer has a stream's group (it restarted empty, or was flushed); in a
/// pipeline's answer the code is part of the message.
fn lost_group(err: &redis::RedisError) -> bool {
    err.code() == Some("NOGROUP") || err.to_string().contains("NOGROUP")
}

/// The entries read from a workspace's stream, and those whose fields are gone (deleted
/// or trimmed while pending), to acknowledge away.
fn entries(
    workspace: uuid::Uuid,
    ids: impl IntoIterator<Item = StreamId>,
) -> (Vec<Claimed>, Vec<Claimed>) {
    let mut good = Vec::new();
    let mut gone = Vec::new();
    for id in ids {
        let token = Token {
            workspace,
            id: id.id.clone(),
        };
        match id.get::<String>("d").and_then(|d| d.parse().ok()) {
            Some(delivery) => good.push(Claimed {
                entry: Entry {
                    delivery,
                    workspace,
                },
                token,
            }),
            None => gone.push(Claimed {
                entry: Entry {
                    delivery: uuid::Uuid::nil(),
                    workspace,
                },
                token,
            }),
        }
    }
    (good, gone)
}
