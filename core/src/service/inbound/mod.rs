//! Processing the inbound-event log: the worker takes logged deliveries from the inbound
//! queue (and sweeps the log for any the queue lost), leases them, reads each with its
//! platform's parser and applies what it says — a customer's message is ingested (contact,
//! thread, conversation, signals, events, once per platform id); the brand's own messages
//! echoed back are left out — then marks the delivery processed and acknowledges its entry.
//!
//! A leased batch is applied in one transaction, each item in a savepoint of its own: a
//! storm costs one commit per batch, not one per message. A delivery that cannot be read, or
//! an item the product refuses, is recorded on its row (`last_error`) and the rest goes on.
//! A database that is away leaves the batch to a later turn (the leases run out); any other
//! fault sends the batch through again one delivery at a time, so one bad delivery is set
//! aside after `MAX_ATTEMPTS` without holding the others back.

mod apply;
mod batch;
mod reading;

use apply::{Applied, DeliveryOutcome};
use reading::{Prepared, Reading, Targets, read};

use chrono::{DateTime, TimeDelta, Utc};

use crate::channels::parse::Item;
use crate::entity::inbound_events;
use crate::events;
use crate::ids::ChannelId;
use crate::inbound::queue::{Claimed, Entry};
use crate::repo::inbound_events::Finished;
use crate::views::InboundMessageRef;
use crate::{Core, Error, Result, repo};

/// How long a worker holds a delivery before another may take it.
pub(crate) const LEASE: TimeDelta = TimeDelta::seconds(60);
/// Most deliveries the sweep takes in one turn.
const BATCH: u64 = 200;
/// Most deliveries of one workspace a turn claims from the queue, so that a brand's storm
/// shares the worker with the other brands.
const PER_WORKSPACE: usize = 100;
/// How old a delivery must be before the sweep takes it from the log without a queue
/// entry (one lost with Redis, or never published).
const SWEEP_AFTER: TimeDelta = TimeDelta::seconds(10);
/// How often the sweep runs while the queue keeps the worker busy: in a storm the queue
/// hands out the work, and the sweep (which reads the whole backlog) only looks for strays.
pub(crate) const SWEEP_EVERY: std::time::Duration = std::time::Duration::from_secs(5);
/// Tries before a delivery that keeps failing is set aside with its error.
const MAX_ATTEMPTS: i32 = 5;

/// What one turn did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Processed {
    /// Deliveries marked processed.
    pub deliveries: usize,
    /// Customers' messages stored (repeats not counted).
    pub messages: usize,
}

/// Processes what the queue hands this worker, then sweeps the log for deliveries the
/// queue does not know about.
#[tracing::instrument(skip_all, fields(job = "inbound"), err)]
pub async fn process_due(core: &Core, now: DateTime<Utc>) -> Result<Processed> {
    let (queued, busy) = match process_queued(core, now).await {
        Ok(done) => done,
        // The log is the truth: without the queue, the sweep still finds every delivery.
        Err(err) => {
            metrics::counter!("earshot_inbound_queue_failures_total").increment(1);
            tracing::warn!(error = %err, "the inbound queue cannot be read; sweeping the log");
            (Processed::default(), false)
        }
    };
    let swept = match core.inbound_sweep().due(!busy) {
        true => sweep(core, now).await?,
        false => Processed::default(),
    };
    Ok(Processed {
        deliveries: queued.deliveries + swept.deliveries,
        messages: queued.messages + swept.messages,
    })
}

/// Claims entries from the queue, applies their deliveries, and acknowledges those done;
/// whether the queue had a full share for some workspace (more is waiting).
async fn process_queued(core: &Core, now: DateTime<Utc>) -> Result<(Processed, bool)> {
    let queue = core.inbound_queue();
    let idle = LEASE.to_std().unwrap_or_default();
    let claimed = queue.claim(PER_WORKSPACE, idle).await?;
    let busy = full_share(&claimed);
    let ids: Vec<uuid::Uuid> = claimed.iter().map(|c| c.entry.delivery).collect();
    let txn = core.db().begin().await?;
    let leased = repo::inbound_events::lease_named(&txn, &ids, now, now + LEASE).await?;
    txn.commit().await?;
    let done = process_leased(core, leased).await?;
    let waiting = repo::inbound_events::unprocessed(core.db().conn(), &ids).await?;
    let finished: Vec<Claimed> = claimed
        .into_iter()
        .filter(|c| !waiting.contains(&c.entry.delivery))
        .collect();
    queue.ack(&finished).await?;
    Ok((done, busy))
}

/// Whether some workspace had as many entries claimed as a turn takes.
fn full_share(claimed: &[Claimed]) -> bool {
    let mut per_workspace: std::collections::HashMap<uuid::Uuid, usize> = Default::default();
    for one in claimed {
        *per_workspace.entry(one.entry.workspace).or_default() += 1;
    }
    per_workspace.values().any(|&n| n >= PER_WORKSPACE)
}

/// Applies deliveries logged at least `SWEEP_AFTER` ago that are still unprocessed and not
/// leased: those whose queue entry was lost, a held push whose request went away, a retry.
async fn sweep(core: &Core, now: DateTime<Utc>) -> Result<Processed> {
    let txn = core.db().begin().await?;
    let logged_by = now - SWEEP_AFTER;
    let leased = repo::inbound_events::lease(&txn, now, logged_by, now + LEASE, BATCH).await?;
    txn.commit().await?;
    if !leased.is_empty() {
        metrics::counter!("earshot_inbound_swept_total").increment(leased.len() as u64);
    }
    process_leased(core, leased).await
}

/// Applies deliveries this worker leased (their lease is counted as an attempt).
pub async fn process_leased(core: &Core, leased: Vec<inbound_events::Model>) -> Result<Processed> {
    if leased.is_empty() {
        return Ok(Processed::default());
    }
    let mut prepared = Vec::with_capacity(leased.len());
    let mut targets = Targets::new();
    // Read before the batch's transaction: the embedded database has one connection.
    for delivery in leased {
        let reading = read(core, &mut targets, &delivery).await?;
        prepared.push(Prepared { delivery, reading });
    }
    metrics::histogram!("earshot_inbound_batch_size").record(prepared.len() as f64);
    match apply_batch(core, &prepared).await {
        Ok(done) => Ok(done),
        Err(err @ Error::Unavailable(_)) => Err(err),
        Err(err) => {
            tracing::warn!(error = %err, deliveries = prepared.len(), "a batch failed; applying its deliveries one at a time");
            one_at_a_time(core, prepared).await
        }
    }
}

/// After a batch failed: each delivery in a transaction of its own; one that fails again is
/// left to its lease, or set aside once it has used its attempts.
async fn one_at_a_time(core: &Core, prepared: Vec<Prepared>) -> Result<Processed> {
    let mut done = Processed::default();
    for one in prepared {
        match apply_batch(core, std::slice::from_ref(&one)).await {
            Ok(applied) => {
                done.deliveries += applied.deliveries;
                done.messages += applied.messages;
            }
            Err(err @ Error::Unavailable(_)) => return Err(err),
            Err(err) if one.delivery.attempts + 1 >= MAX_ATTEMPTS => {
                set_aside(core, &one.delivery, &err).await?;
            }
            Err(err) => {
                tracing::warn!(error = %err, delivery = %one.delivery.id, "a delivery failed; it is tried again when its lease runs out");
            }
        }
    }
    Ok(done)
}

/// Records a delivery that used its attempts as failed (admins list and retry it) and
/// tells the queue's dead letters.
async fn set_aside(core: &Core, delivery: &inbound_events::Model, err: &Error) -> Result<()> {
    let problem = format!("set aside after {MAX_ATTEMPTS} attempts: {err}");
    let finished = finished(Some(problem.clone()), Vec::new())?;
    repo::inbound_events::mark_processed(core.db().conn(), delivery.id, finished).await?;
    let entry = Entry {
        delivery: delivery.id,
        workspace: delivery.workspace_id,
    };
    if let Err(err) = core.inbound_queue().dead_letter(entry, &problem).await {
        tracing::warn!(error = %err, "the dead letter was not recorded in the queue");
    }
    Ok(())
}

/// Applies the deliveries and marks them processed, in one transaction: the customers'
/// messages of all of them together first, then, one at a time and in order, what the
/// set-based path left and the other items (edits, deletions, delivery states).
async fn apply_batch(core: &Core, prepared: &[Prepared]) -> Result<Processed> {
    let txn = core.db().begin().await?;
    let mut outcomes: Vec<DeliveryOutcome> = prepared
        .iter()
        .map(|_| DeliveryOutcome::default())
        .collect();
    let (customers, others) = split(prepared, &mut outcomes);
    let stored = batch::store(&txn, &customers).await?;
    let mut each = Vec::new();
    for (customer, fate) in customers.iter().zip(stored.fates) {
        let Some(outcome) = outcomes.get_mut(customer.delivery) else {
            continue;
        };
        match fate {
            batch::Fate::Stored(message) => outcome.record(Applied::Stored(message), Vec::new()),
            batch::Fate::Repeat(message) => outcome.record(Applied::Repeat(message), Vec::new()),
            batch::Fate::Refused(why) => outcome.problems.push(why),
            batch::Fate::Later => each.push(apply::Work {
                delivery: customer.delivery,
                channel: ChannelId::from(customer.channel.id),
                scope: customer.scope,
                item: Item::Message(Box::new(customer.message.clone())),
                tags: customer.tags,
            }),
        }
    }
    each.extend(others);
    apply::apply_each(&txn, each, &mut outcomes).await?;
    let mut done = Processed::default();
    let mut recorded = stored.events;
    let mut finished_rows = Vec::with_capacity(prepared.len());
    for (one, outcome) in prepared.iter().zip(outcomes) {
        done.messages += outcome.stored;
        done.deliveries += 1;
        recorded.extend(outcome.events);
        let problems = (!outcome.problems.is_empty()).then(|| outcome.problems.join("; "));
        finished_rows.push((one.delivery.id, finished(problems, outcome.messages)?));
    }
    repo::inbound_events::mark_processed_many(&txn, finished_rows).await?;
    txn.commit().await?;
    events::committed(core, &recorded);
    Ok(done)
}

/// The customers' messages of a batch, for the set-based path, and its other items; a
/// delivery that cannot be applied gets its problem.
fn split<'a>(
    prepared: &'a [Prepared],
    outcomes: &mut [DeliveryOutcome],
) -> (Vec<batch::Customer<'a>>, Vec<apply::Work<'a>>) {
    let mut customers = Vec::new();
    let mut others = Vec::new();
    for ((delivery, one), outcome) in prepared.iter().enumerate().zip(outcomes) {
        let (channel, kind, scope, items, tags) = match &one.reading {
            Reading::Gone => {
                outcome
                    .problems
                    .push("the channel no longer exists".to_owned());
                continue;
            }
            Reading::Unreadable(why) => {
                outcome.problems.push(format!("unreadable: {why}"));
                continue;
            }
            Reading::Items {
                channel,
                kind,
                scope,
                items,
                tags,
            } => (channel, *kind, scope, items, tags),
        };
        for item in items {
            match item {
                Item::Message(message) => customers.push(batch::Customer {
                    delivery,
                    channel,
                    kind,
                    scope,
                    message,
                    tags,
                }),
                other => others.push(apply::Work {
                    delivery,
                    channel: ChannelId::from(channel.id),
                    scope,
                    item: other.clone(),
                    tags,
                }),
            }
        }
    }
    (customers, others)
}

/// A pushed message stored (or refused) before its answer: its logged delivery is done.
/// When the database was away, the delivery is left to the worker once its hold runs out.
pub(crate) async fn record_pushed(
    core: &Core,
    id: uuid::Uuid,
    stored: &Result<super::ingest::IngestOutcome>,
) -> Result<()> {
    match stored {
        Ok(outcome) => {
            let message = InboundMessageRef {
                platform_message_id: outcome
                    .message
                    .platform_message_id
                    .clone()
                    .unwrap_or_default(),
                message_id: outcome.message.id,
                conversation_id: outcome.conversation.id,
            };
            finish(core, id, None, vec![message]).await
        }
        Err(Error::Unavailable(_) | Error::Internal(_)) => Ok(()),
        Err(refused) => finish(core, id, Some(refused.to_string()), Vec::new()).await,
    }
}

async fn finish(
    core: &Core,
    id: uuid::Uuid,
    problems: Option<String>,
    messages: Vec<InboundMessageRef>,
) -> Result<()> {
    let finished = finished(problems, messages)?;
    repo::inbound_events::mark_processed(core.db().conn(), id, finished).await
}

fn finished(problems: Option<String>, messages: Vec<InboundMessageRef>) -> Result<Finished> {
    Ok(Finished {
        at: Utc::now(),
        problems,
        outcome: serde_json::to_value(messages).map_err(|e| Error::Internal(e.into()))?,
    })
}
