//! What one parsed item of a delivery does on its own, inside the transaction of its batch:
//! edits, deletions, delivery states, and the customers' messages the set-based path left
//! to it. Each item runs in a savepoint of its own, so one the product refuses is rolled
//! back alone and the rest of the batch is applied.

use chrono::Utc;
use sea_orm::{DatabaseTransaction, TransactionTrait};

use crate::channels::parse::Item;
use crate::ids::{ChannelId, ConversationId};
use crate::repo::messages::PlatformChange;
use crate::tenancy::WorkspaceScope;
use crate::views::{EventView, InboundMessageRef};
use crate::{Error, Result, repo};

use super::super::{ingest, messages, outbound};

/// What applying one item did.
#[derive(Debug, Clone)]
pub(super) enum Applied {
    /// A customer's message, stored.
    Stored(InboundMessageRef),
    /// A customer's message stored before (a redelivery).
    Repeat(InboundMessageRef),
    /// The brand's own message coming back: left out.
    Echo,
    /// A customer's edit or deletion, reflected on the stored message.
    Changed,
    /// An edit or deletion of a message not stored here: nothing to change.
    Unknown,
    /// A reply we sent got further (or failed).
    Status,
    /// A delivery state that is no news (out of order, or of a message not sent from here).
    StatusUnchanged,
}

impl Applied {
    fn label(&self) -> &'static str {
        match self {
            Applied::Stored(_) => "stored",
            Applied::Repeat(_) => "repeat",
            Applied::Echo => "echo",
            Applied::Changed => "changed",
            Applied::Unknown => "unknown_message",
            Applied::Status => "status",
            Applied::StatusUnchanged => "status_unchanged",
        }
    }
}

/// What the items of one delivery did.
#[derive(Debug, Default)]
pub(super) struct DeliveryOutcome {
    /// Customers' messages stored (repeats not counted).
    pub stored: usize,
    /// The messages it stored or found stored.
    pub messages: Vec<InboundMessageRef>,
    /// What the product refused, item by item.
    pub problems: Vec<String>,
    /// The events the items recorded.
    pub events: Vec<EventView>,
}

impl DeliveryOutcome {
    /// Counts what an item did.
    pub(super) fn record(&mut self, applied: Applied, events: Vec<EventView>) {
        metrics::counter!("earshot_inbound_items_total", "outcome" => applied.label()).increment(1);
        if let Applied::Stored(message) | Applied::Repeat(message) = &applied {
            self.messages.push(message.clone());
        }
        self.stored += usize::from(matches!(applied, Applied::Stored(_)));
        self.events.extend(events);
    }
}

/// An item of a batch to apply on its own, and where it came.
pub(super) struct Work<'a> {
    /// Its delivery, by position in the batch.
    pub delivery: usize,
    pub channel: ChannelId,
    pub scope: &'a WorkspaceScope,
    pub item: Item,
    /// Tags for the conversation of a message it stores.
    pub tags: &'a [String],
}

/// Applies items one at a time, in order, each in a savepoint; what each did goes to its
/// delivery's outcome. A refused item is recorded and skipped; a database that is away (or
/// a fault) fails the whole batch, which is then tried again.
pub(super) async fn apply_each(
    txn: &DatabaseTransaction,
    work: Vec<Work<'_>>,
    outcomes: &mut [DeliveryOutcome],
) -> Result<()> {
    for one in work {
        let Some(outcome) = outcomes.get_mut(one.delivery) else {
            continue;
        };
        let savepoint = txn.begin().await?;
        match apply(&savepoint, one.scope, one.channel, one.item, one.tags).await {
            Ok((applied, events)) => {
                savepoint.commit().await?;
                outcome.record(applied, events);
            }
            Err(err @ (Error::Unavailable(_) | Error::Internal(_))) => return Err(err),
            Err(refused) => {
                savepoint.rollback().await?;
                outcome.problems.push(refused.to_string());
            }
        }
    }
    Ok(())
}

async fn apply(
    txn: &DatabaseTransaction,
    scope: &WorkspaceScope,
    channel: ChannelId,
    item: Item,
    tags: &[String],
) -> Result<(Applied, Vec<EventView>)> {
    Ok(match item {
        Item::Message(message) => {
            let (outcome, events) = ingest::ingest_within(txn, scope, channel, *message).await?;
            let stored = InboundMessageRef {
                platform_message_id: outcome.message.platform_message_id.unwrap_or_default(),
                message_id: outcome.message.id,
                conversation_id: outcome.conversation.id,
            };
            let applied = match outcome.duplicate {
                true => Applied::Repeat(stored),
                false => {
                    tag(txn, scope, stored.conversation_id, tags).await?;
                    Applied::Stored(stored)
                }
            };
            (applied, events)
        }
        Item::Echo { .. } => (Applied::Echo, Vec::new()),
        Item::Edited {
            platform_message_id,
            text,
            at,
        } => {
            let at = at.unwrap_or_else(Utc::now);
            let change = PlatformChange::Edited { text, at };
            changed(txn, scope, channel, &platform_message_id, change).await?
        }
        Item::Deleted {
            platform_message_id,
            at,
        } => {
            let at = at.unwrap_or_else(Utc::now);
            let change = PlatformChange::Deleted { at };
            changed(txn, scope, channel, &platform_message_id, change).await?
        }
        Item::Status {
            platform_message_id,
            state,
            error,
            ..
        } => {
            let moved =
                outbound::apply_status_in(txn, scope, channel, &platform_message_id, state, error)
                    .await?;
            match moved {
                Some(event) => (Applied::Status, vec![event]),
                None => (Applied::StatusUnchanged, Vec::new()),
            }
        }
        Item::ReadUpTo { customer, up_to } => {
            let events = outbound::read_up_to(txn, scope, channel, &customer, up_to).await?;
            match events.is_empty() {
                true => (Applied::StatusUnchanged, events),
                false => (Applied::Status, events),
            }
        }
    })
}

/// Tags the conversation of a newly stored message (a message stored before keeps what it
/// had: a post heard by listening that came as a mention first is no listening find).
async fn tag(
    txn: &DatabaseTransaction,
    scope: &WorkspaceScope,
    conversation: ConversationId,
    tags: &[String],
) -> Result<()> {
    if tags.is_empty() {
        return Ok(());
    }
    let row = repo::conversations::get_any(txn, scope, conversation).await?;
    repo::conversations::add_tags(txn, scope, &row, tags).await
}

async fn changed(
    txn: &DatabaseTransaction,
    scope: &WorkspaceScope,
    channel: ChannelId,
    platform_id: &str,
    change: PlatformChange,
) -> Result<(Applied, Vec<EventView>)> {
    let event =
        messages::apply_platform_change_in(txn, scope, channel, platform_id, change).await?;
    Ok(match event {
        Some(event) => (Applied::Changed, vec![event]),
        None => (Applied::Unknown, Vec::new()),
    })
}
