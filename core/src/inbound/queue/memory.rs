//! The in-process queue: the embedded default, where one process serves and works. It
//! keeps what the Redis implementation keeps — a line per workspace, entries claimed but
//! not acknowledged, and who claimed them when — so the worker behaves the same on both.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use super::{Claimed, Entry, Token};

/// One workspace's line: entries not yet claimed, and those claimed and not acknowledged.
#[derive(Debug, Default)]
struct Line {
    waiting: VecDeque<(u64, Entry)>,
    claimed: BTreeMap<u64, Held>,
}

#[derive(Debug)]
struct Held {
    entry: Entry,
    consumer: String,
    since: Instant,
}

#[derive(Debug, Default)]
struct Lines {
    next: u64,
    by_workspace: HashMap<uuid::Uuid, Line>,
}

/// The queue, behind one lock (its operations are a few map steps each).
#[derive(Debug, Default)]
pub(crate) struct Memory {
    lines: Mutex<Lines>,
}

impl Memory {
    fn lock(&self) -> MutexGuard<'_, Lines> {
        self.lines.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub(crate) fn publish(&self, entries: &[Entry]) {
        let mut lines = self.lock();
        for entry in entries {
            lines.next += 1;
            let seq = lines.next;
            let line = lines.by_workspace.entry(entry.workspace).or_default();
            line.waiting.push_back((seq, *entry));
        }
    }

    pub(crate) fn claim(&self, consumer: &str, per_line: usize, idle: Duration) -> Vec<Claimed> {
        let now = Instant::now();
        let mut lines = self.lock();
        let mut claimed = Vec::new();
        for (workspace, line) in &mut lines.by_workspace {
            for seq in line.take(consumer, per_line, idle, now) {
                if let Some(held) = line.claimed.get(&seq) {
                    claimed.push(Claimed {
                        entry: held.entry,
                        token: Token {
                            workspace: *workspace,
                            id: seq.to_string(),
                        },
                    });
                }
            }
        }
        claimed
    }

    pub(crate) fn ack(&self, done: &[Claimed]) {
        let mut lines = self.lock();
        for one in done {
            let Ok(seq) = one.token.id.parse::<u64>() else {
                continue;
            };
            if let Some(line) = lines.by_workspace.get_mut(&one.token.workspace) {
                line.claimed.remove(&seq);
                if line.claimed.is_empty() && line.waiting.is_empty() {
                    lines.by_workspace.remove(&one.token.workspace);
                }
            }
        }
    }
}

impl Line {
    /// Claims for `consumer`: its own unacknowledged entries, then others' idle ones, then
    /// waiting ones, up to `limit`; returns their sequence numbers.
    fn take(&mut self, consumer: &str, limit: usize, idle: Duration, now: Instant) -> Vec<u64> {
        let mine = self
            .claimed
            .iter()
            .filter(|(_, held)| held.consumer == consumer)
            .map(|(seq, _)| *seq);
        let stale = self
            .claimed
            .iter()
            .filter(|(_, held)| held.consumer != consumer && now - held.since >= idle)
            .map(|(seq, _)| *seq);
        let mut taken: Vec<u64> = mine.chain(stale).take(limit).collect();
        while taken.len() < limit {
            let Some((seq, entry)) = self.waiting.pop_front() else {
                break;
            };
            let held = Held {
                entry,
                consumer: String::new(),
                since: now,
            };
            self.claimed.insert(seq, held);
            taken.push(seq);
        }
        for seq in &taken {
            if let Some(held) = self.claimed.get_mut(seq) {
                held.consumer = consumer.to_owned();
                held.since = now;
            }
        }
        taken
    }
}
