//! Group commit: concurrent appends share one multi-row insert. One task writes; while it
//! commits a batch, new deliveries queue, and the next batch takes all of them — so a lone
//! delivery waits for nothing but its own insert, and a storm costs a statement per batch
//! rather than per delivery. Each caller hears once its row is committed (or was there
//! already), or that it could not be within the database wait (`503`, so the platform
//! retries and nothing acknowledged is lost).

use std::time::Duration;

use tokio::sync::{mpsc, oneshot};

use super::queue::{Entry, InboundQueue};
use crate::db::Db;
pub(crate) use crate::repo::inbound_events::NewInboundEvent;
use crate::{Error, Result, repo};

/// Most deliveries one insert carries.
const MAX_BATCH: usize = 512;
/// Most deliveries waiting for the writer; more are refused (`503`).
const QUEUE: usize = 16_384;

/// What appending a delivery did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Appended {
    /// The log row written, or for a duplicate the row logged before.
    pub id: uuid::Uuid,
    /// The same delivery (same channel and platform id) was logged before: nothing changed.
    pub duplicate: bool,
}

struct Pending {
    row: NewInboundEvent,
    reply: oneshot::Sender<Result<Appended>>,
}

/// The handle requests append through; the writer task lives as long as one handle does.
#[derive(Clone, Debug)]
pub struct InboundLog {
    queue: mpsc::Sender<Pending>,
}

impl InboundLog {
    /// Starts the writer on the database; what it logs is published to `queue`.
    pub(crate) fn start(db: Db, queue: InboundQueue) -> Self {
        let (sender, incoming) = mpsc::channel(QUEUE);
        tokio::spawn(write_batches(db, queue, incoming));
        Self { queue: sender }
    }

    /// Appends one delivery and returns once it is committed; `Unavailable` when that does
    /// not happen within `wait`.
    pub(crate) async fn append(&self, row: NewInboundEvent, wait: Duration) -> Result<Appended> {
        let (reply, answer) = oneshot::channel();
        if self.queue.try_send(Pending { row, reply }).is_err() {
            return Err(unavailable());
        }
        match tokio::time::timeout(wait, answer).await {
            Ok(Ok(result)) => result,
            Ok(Err(_)) | Err(_) => Err(unavailable()),
        }
    }
}

fn unavailable() -> Error {
    Error::Unavailable("the inbound-event log cannot be written now".into())
}

async fn write_batches(db: Db, queue: InboundQueue, mut incoming: mpsc::Receiver<Pending>) {
    while let Some(first) = incoming.recv().await {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match incoming.try_recv() {
                Ok(next) => batch.push(next),
                Err(_) => break,
            }
        }
        write_batch(&db, &queue, batch).await;
    }
}

/// Longest the writer waits for the queue to take a batch's entries.
const PUBLISH_WAIT: Duration = Duration::from_millis(250);

/// Tells the workers about deliveries just logged, before their senders hear (who then
/// wake the workers). A queue that cannot take them in time loses nothing: the worker's
/// sweep finds them in the log.
async fn publish(queue: &InboundQueue, logged: &[Entry]) {
    let failed = match tokio::time::timeout(PUBLISH_WAIT, queue.publish(logged)).await {
        Ok(Ok(())) => return,
        Ok(Err(err)) => err.to_string(),
        Err(_) => "no answer in time".to_owned(),
    };
    metrics::counter!("earshot_inbound_queue_publish_failures_total").increment(1);
    tracing::warn!(error = %failed, deliveries = logged.len(), "the inbound queue did not take entries; the sweep will find them");
}

type LoggedBefore = std::collections::HashMap<(uuid::Uuid, String), uuid::Uuid>;

/// Writes the rows; returns the ids written and, for the repeats, the rows logged before.
async fn append_rows(
    db: &Db,
    rows: Vec<NewInboundEvent>,
) -> Result<(Vec<uuid::Uuid>, LoggedBefore)> {
    let keys: Vec<(uuid::Uuid, String)> = rows
        .iter()
        .map(|row| (row.channel_id, row.platform_event_id.clone()))
        .collect();
    let ids: Vec<uuid::Uuid> = rows.iter().map(|row| row.id).collect();
    let written = repo::inbound_events::append(db.conn(), rows).await?;
    let repeats: Vec<(uuid::Uuid, String)> = keys
        .into_iter()
        .zip(ids)
        .filter(|(_, id)| !written.contains(id))
        .map(|(key, _)| key)
        .collect();
    let logged_before = repo::inbound_events::logged_ids(db.conn(), &repeats).await?;
    Ok((written, logged_before))
}

/// Writes a batch, publishes the rows written that the worker should take (not those a
/// request is storing itself), and answers the callers.
async fn write_batch(db: &Db, queue: &InboundQueue, batch: Vec<Pending>) {
    metrics::histogram!("earshot_inbound_log_batch_size").record(batch.len() as f64);
    let rows: Vec<NewInboundEvent> = batch.iter().map(|p| p.row.clone()).collect();
    match append_rows(db, rows).await {
        Ok((written, logged_before)) => {
            let entries: Vec<Entry> = batch
                .iter()
                .filter(|p| p.row.held_until.is_none() && written.contains(&p.row.id))
                .map(|p| Entry {
                    delivery: p.row.id,
                    workspace: p.row.workspace_id,
                })
                .collect();
            publish(queue, &entries).await;
            for pending in batch {
                let row = &pending.row;
                let duplicate = !written.contains(&row.id);
                let key = (row.channel_id, row.platform_event_id.clone());
                let id = match logged_before.get(&key) {
                    Some(logged) if duplicate => *logged,
                    _ => row.id,
                };
                let _ = pending.reply.send(Ok(Appended { id, duplicate }));
            }
        }
        Err(err) => {
            tracing::warn!(error = %err, deliveries = batch.len(), "appending to the inbound-event log failed");
            let unreachable = matches!(err, Error::Unavailable(_));
            for pending in batch {
                let failed = if unreachable {
                    unavailable()
                } else {
                    Error::Internal(anyhow::anyhow!("the inbound-event log refused a batch"))
                };
                let _ = pending.reply.send(Err(failed));
            }
        }
    }
}
