//! Processing the inbound-event log: the worker leases logged deliveries, reads each with its
//! platform's parser and applies what it says — a customer's message is ingested (contact,
//! thread, conversation, signals, events, in one transaction, once per platform id); the
//! brand's own messages echoed back are left out — then marks the delivery processed.
//!
//! A delivery that cannot be read, or an entry that cannot be stored, is recorded on its
//! row (`last_error`) and the rest goes on; a database that is away leaves the delivery to a
//! later turn (its lease runs out), until it has been tried `MAX_ATTEMPTS` times.

use chrono::{DateTime, TimeDelta, Utc};
use serde_json::Value;

use crate::channels::parse::{self, Account, Item};
use crate::entity::inbound_events;
use crate::ids::{ChannelId, OrgId, WorkspaceId};
use crate::repo::inbound_events::Finished;
use crate::tenancy::WorkspaceScope;
use crate::views::{ChannelKind, InboundMessageRef};
use crate::{Core, Error, Result, repo};

use super::{ingest, messages};
use crate::repo::messages::PlatformChange;

/// How long a worker holds a delivery before another may take it.
pub(crate) const LEASE: TimeDelta = TimeDelta::seconds(60);
/// Most deliveries one turn takes.
const BATCH: u64 = 100;
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

/// Applies deliveries this worker leased (their lease is counted as an attempt).
pub async fn process_leased(core: &Core, leased: Vec<inbound_events::Model>) -> Result<Processed> {
    let mut done = Processed::default();
    for delivery in leased {
        match process_one(core, &delivery).await {
            Ok(stored) => {
                done.deliveries += 1;
                done.messages += stored;
            }
            Err(err) if delivery.attempts + 1 >= MAX_ATTEMPTS => {
                let problem = format!("set aside after {MAX_ATTEMPTS} attempts: {err}");
                finish(core, delivery.id, Some(problem), Vec::new()).await?;
            }
            // Left leased: it is tried again when the lease runs out.
            Err(err) => return Err(err),
        }
    }
    Ok(done)
}

/// Applies one delivery; how many customers' messages it stored.
async fn process_one(core: &Core, delivery: &inbound_events::Model) -> Result<usize> {
    let Some((channel_id, kind, settings, scope)) = target(core, delivery).await? else {
        let gone = Some("the channel no longer exists".to_owned());
        finish(core, delivery.id, gone, Vec::new()).await?;
        return Ok(0);
    };
    let parsed = match parse::parse(kind, &delivery.body, &account(kind, &settings)) {
        Ok(parsed) => parsed,
        Err(unreadable) => {
            let problem = Some(format!("unreadable: {unreadable}"));
            finish(core, delivery.id, problem, Vec::new()).await?;
            return Ok(0);
        }
    };
    let mut stored = 0;
    let mut problems = Vec::new();
    let mut messages = Vec::new();
    for item in parsed.items {
        match apply(core, &scope, channel_id, item).await {
            Ok(applied) => {
                if let Applied::Stored(message) | Applied::Repeat(message) = &applied {
                    messages.push(message.clone());
                }
                stored += usize::from(matches!(applied, Applied::Stored(_)));
            }
            Err(err @ (Error::Unavailable(_) | Error::Internal(_))) => return Err(err),
            Err(refused) => problems.push(refused.to_string()),
        }
    }
    let problems = (!problems.is_empty()).then(|| problems.join("; "));
    finish(core, delivery.id, problems, messages).await?;
    Ok(stored)
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
    let finished = Finished {
        at: Utc::now(),
        problems,
        outcome: serde_json::to_value(messages).map_err(|e| Error::Internal(e.into()))?,
    };
    repo::inbound_events::mark_processed(core.db().conn(), id, finished).await
}

/// What applying one item did.
#[derive(Debug, Clone)]
enum Applied {
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

async fn apply(
    core: &Core,
    scope: &WorkspaceScope,
    channel: ChannelId,
    item: Item,
) -> Result<Applied> {
    let applied = match item {
        Item::Message(message) => {
            let outcome = ingest::ingest(core, scope, channel, *message).await?;
            let stored = InboundMessageRef {
                platform_message_id: outcome.message.platform_message_id.unwrap_or_default(),
                message_id: outcome.message.id,
                conversation_id: outcome.conversation.id,
            };
            match outcome.duplicate {
                true => Applied::Repeat(stored),
                false => Applied::Stored(stored),
            }
        }
        Item::Echo { .. } => Applied::Echo,
        Item::Edited {
            platform_message_id,
            text,
            at,
        } => {
            let at = at.unwrap_or_else(Utc::now);
            changed(
                core,
                scope,
                channel,
                &platform_message_id,
                PlatformChange::Edited { text, at },
            )
            .await?
        }
        Item::Deleted {
            platform_message_id,
            at,
        } => {
            let at = at.unwrap_or_else(Utc::now);
            changed(
                core,
                scope,
                channel,
                &platform_message_id,
                PlatformChange::Deleted { at },
            )
            .await?
        }
        Item::Status {
            platform_message_id,
            state,
            error,
            ..
        } => {
            let moved = super::outbound::apply_status(
                core,
                scope,
                channel,
                &platform_message_id,
                state,
                error,
            )
            .await?;
            match moved {
                true => Applied::Status,
                false => Applied::StatusUnchanged,
            }
        }
    };
    metrics::counter!("earshot_inbound_items_total", "outcome" => applied.label()).increment(1);
    Ok(applied)
}

async fn changed(
    core: &Core,
    scope: &WorkspaceScope,
    channel: ChannelId,
    platform_id: &str,
    change: PlatformChange,
) -> Result<Applied> {
    Ok(
        match messages::apply_platform_change(core, scope, channel, platform_id, change).await? {
            true => Applied::Changed,
            false => Applied::Unknown,
        },
    )
}

/// The channel a delivery came in on, and the workspace to apply it in (as Earshot itself).
async fn target(
    core: &Core,
    delivery: &inbound_events::Model,
) -> Result<Option<(ChannelId, ChannelKind, Value, WorkspaceScope)>> {
    let conn = core.db().conn();
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
