//! Processing the inbound-event log: the worker leases logged deliveries, reads each with its
//! platform's parser and applies what it says — a customer's message is ingested (contact,
//! thread, conversation, signals, events, once per platform id); the brand's own messages
//! echoed back are left out — then marks the delivery processed.
//!
//! A leased batch is applied in one transaction, each item in a savepoint of its own: a
//! storm costs one commit per batch, not one per message. A delivery that cannot be read, or
//! an item the product refuses, is recorded on its row (`last_error`) and the rest goes on.
//! A database that is away leaves the batch to a later turn (the leases run out); any other
//! fault sends the batch through again one delivery at a time, so one bad delivery is set
//! aside after `MAX_ATTEMPTS` without holding the others back.

mod apply;

use chrono::{DateTime, TimeDelta, Utc};
use sea_orm::ConnectionTrait;
use serde_json::Value;

use crate::channels::parse::{self, Account, Item};
use crate::entity::inbound_events;
use crate::events;
use crate::ids::{ChannelId, OrgId, WorkspaceId};
use crate::repo::inbound_events::Finished;
use crate::tenancy::WorkspaceScope;
use crate::views::{ChannelKind, InboundMessageRef};
use crate::{Core, Error, Result, repo};

/// How long a worker holds a delivery before another may take it.
pub(crate) const LEASE: TimeDelta = TimeDelta::seconds(60);
/// Most deliveries one turn takes.
const BATCH: u64 = 200;
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

/// Processes the deliveries due as of `now`.
#[tracing::instrument(skip_all, fields(job = "inbound"), err)]
pub async fn process_due(core: &Core, now: DateTime<Utc>) -> Result<Processed> {
    let txn = core.db().begin().await?;
    let leased = repo::inbound_events::lease(&txn, now, now + LEASE, BATCH).await?;
    txn.commit().await?;
    process_leased(core, leased).await
}

/// A leased delivery, read: where it applies and what it says.
struct Prepared {
    delivery: inbound_events::Model,
    reading: Reading,
}

enum Reading {
    /// Its channel (or workspace) is gone.
    Gone,
    /// The parser could not read it.
    Unreadable(String),
    /// The items to apply, in the channel's workspace.
    Items {
        channel: ChannelId,
        scope: Box<WorkspaceScope>,
        items: Vec<Item>,
        /// Tags for the conversations of the messages it stores.
        tags: Vec<String>,
    },
}

/// Applies deliveries this worker leased (their lease is counted as an attempt).
pub async fn process_leased(core: &Core, leased: Vec<inbound_events::Model>) -> Result<Processed> {
    if leased.is_empty() {
        return Ok(Processed::default());
    }
    let mut prepared = Vec::with_capacity(leased.len());
    // Read before the batch's transaction: the embedded database has one connection.
    for delivery in leased {
        let reading = read(core, &delivery).await?;
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
                let problem = format!("set aside after {MAX_ATTEMPTS} attempts: {err}");
                let finished = finished(Some(problem), Vec::new())?;
                repo::inbound_events::mark_processed(core.db().conn(), one.delivery.id, finished)
                    .await?;
            }
            Err(err) => {
                tracing::warn!(error = %err, delivery = %one.delivery.id, "a delivery failed; it is tried again when its lease runs out");
            }
        }
    }
    Ok(done)
}

/// Applies the deliveries and marks them processed, in one transaction.
async fn apply_batch(core: &Core, prepared: &[Prepared]) -> Result<Processed> {
    let txn = core.db().begin().await?;
    let mut done = Processed::default();
    let mut recorded = Vec::new();
    for one in prepared {
        let (problems, messages) = match &one.reading {
            Reading::Gone => (vec!["the channel no longer exists".to_owned()], Vec::new()),
            Reading::Unreadable(why) => (vec![format!("unreadable: {why}")], Vec::new()),
            Reading::Items {
                channel,
                scope,
                items,
                tags,
            } => {
                let outcome =
                    apply::apply_items(&txn, scope, *channel, items.clone(), tags).await?;
                done.messages += outcome.stored;
                recorded.extend(outcome.events);
                (outcome.problems, outcome.messages)
            }
        };
        let problems = (!problems.is_empty()).then(|| problems.join("; "));
        repo::inbound_events::mark_processed(&txn, one.delivery.id, finished(problems, messages)?)
            .await?;
        done.deliveries += 1;
    }
    txn.commit().await?;
    events::committed(core, &recorded);
    Ok(done)
}

/// Finds where a delivery applies and parses it.
async fn read(core: &Core, delivery: &inbound_events::Model) -> Result<Reading> {
    let Some((channel, kind, settings, scope)) = target(core.db().conn(), delivery).await? else {
        return Ok(Reading::Gone);
    };
    Ok(
        match parse::parse(kind, &delivery.body, &account(kind, &settings)) {
            Ok(parsed) => Reading::Items {
                channel,
                scope: Box::new(scope),
                items: parsed.items,
                tags: parsed.tags,
            },
            Err(unreadable) => Reading::Unreadable(unreadable.to_string()),
        },
    )
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

/// The channel a delivery came in on, and the workspace to apply it in (as Earshot itself).
async fn target(
    conn: &impl ConnectionTrait,
    delivery: &inbound_events::Model,
) -> Result<Option<(ChannelId, ChannelKind, Value, WorkspaceScope)>> {
    let channel_id = ChannelId::from(delivery.channel_id);
    let Some(channel) = repo::channels::find_for_hook(conn, channel_id).await? else {
        return Ok(None);
    };
    let workspace_id = WorkspaceId::from(channel.workspace_id);
    let Some(workspace) = repo::workspaces::find_for_entry(conn, workspace_id).await? else {
        return Ok(None);
    };
    let scope = WorkspaceScope::system(workspace_id, OrgId::from(workspace.org_id));
    Ok(Some((
        channel_id,
        channel.kind.parse()?,
        channel.settings,
        scope,
    )))
}

/// The brand's own account on the platform, from the channel's settings.
fn account(kind: ChannelKind, settings: &Value) -> Account {
    let field = match kind {
        ChannelKind::X | ChannelKind::Instagram => "account_id",
        ChannelKind::Facebook => "page_id",
        ChannelKind::Whatsapp => "phone_number_id",
        ChannelKind::Telegram => "bot_username",
        ChannelKind::Api => return Account::default(),
    };
    Account {
        id: settings
            .get(field)
            .and_then(Value::as_str)
            .map(str::to_owned),
    }
}
