//! Customers' messages of a batch, stored together: what they need is read in a handful of
//! statements per workspace, each message is threaded and scored in memory in the order it
//! came, and contacts, identities, conversations, messages and events are written many rows
//! per statement. A storm costs a few statements per batch, not a round per message.
//!
//! What needs the database's own rules at the moment it happens — a customer re-opening a
//! conversation, a reply to a message of the same batch — is left to the one-item path,
//! with every later message of the same thread, so each conversation keeps its order.

mod authors;
mod threads;
mod write;

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::Utc;
use sea_orm::DatabaseTransaction;
use uuid::Uuid;

use crate::Result;
use crate::entity::channels;
use crate::ids::{ConversationId, MessageId};
use crate::repo;
use crate::service::ingest::InboundMessage;
use crate::tenancy::WorkspaceScope;
use crate::views::{ChannelKind, EventView, InboundMessageRef};

use super::super::{channels as channel_service, ingest};
use threads::Todo;

/// A customer's message of the batch and where it came.
pub(super) struct Customer<'a> {
    /// Its delivery, by position in the batch.
    pub delivery: usize,
    pub channel: &'a channels::Model,
    pub kind: ChannelKind,
    pub scope: &'a WorkspaceScope,
    pub message: &'a InboundMessage,
    /// Tags for the conversation of the message, when stored.
    pub tags: &'a [String],
}

/// What became of a message.
#[derive(Debug, Clone)]
pub(super) enum Fate {
    Stored(InboundMessageRef),
    /// Stored before (a redelivery).
    Repeat(InboundMessageRef),
    /// Refused by the product, with why.
    Refused(String),
    /// Left to the one-item path.
    Later,
}

/// What storing the batch's messages did: each message's fate, in order, and the events.
pub(super) struct Stored {
    pub fates: Vec<Fate>,
    pub events: Vec<EventView>,
}

/// Stores the customers' messages of a batch, workspace by workspace.
pub(super) async fn store(txn: &DatabaseTransaction, customers: &[Customer<'_>]) -> Result<Stored> {
    let mut by_workspace: BTreeMap<Uuid, Vec<usize>> = BTreeMap::new();
    for (i, customer) in customers.iter().enumerate() {
        let workspace = customer.scope.workspace_id().as_uuid();
        by_workspace.entry(workspace).or_default().push(i);
    }
    let mut fates: Vec<Fate> = vec![Fate::Later; customers.len()];
    let mut events = Vec::new();
    for indices in by_workspace.into_values() {
        let group: Vec<&Customer<'_>> = indices.iter().map(|&i| &customers[i]).collect();
        let (decided, recorded) = store_in(txn, &group).await?;
        for (at, fate) in decided {
            if let Some(&i) = indices.get(at) {
                fates[i] = fate;
            }
        }
        events.extend(recorded);
    }
    Ok(Stored { fates, events })
}

/// Stores messages of one workspace; each fate names its message by position in `customers`.
async fn store_in(
    txn: &DatabaseTransaction,
    customers: &[&Customer<'_>],
) -> Result<(Vec<(usize, Fate)>, Vec<EventView>)> {
    let Some(scope) = customers.first().map(|c| c.scope) else {
        return Ok((Vec::new(), Vec::new()));
    };
    let now = Utc::now();
    let mut fates = Vec::with_capacity(customers.len());
    let mut accepted = Vec::new();
    for (i, customer) in customers.iter().enumerate() {
        let checked = channel_service::ensure_enabled(customer.channel)
            .and_then(|()| ingest::checked(customer.message));
        match checked {
            Ok(attachments) => accepted.push((i, attachments)),
            Err(refused) => fates.push((i, Fate::Refused(refused.to_string()))),
        }
    }
    let known = known_messages(txn, scope, customers, &accepted).await?;
    let mut fresh = Vec::new();
    for (i, attachments) in accepted {
        let customer = customers[i];
        let id = (
            customer.channel.id,
            customer.message.platform_message_id.clone(),
        );
        match known.get(&id) {
            Some(stored) => fates.push((i, Fate::Repeat(reference(stored)))),
            None => fresh.push((i, attachments)),
        }
    }
    let indices: Vec<usize> = fresh.iter().map(|(i, _)| *i).collect();
    let authors = authors::resolve(txn, scope, customers, &indices, now).await?;
    let in_batch: HashSet<(Uuid, &str)> = customers
        .iter()
        .map(|c| (c.channel.id, c.message.platform_message_id.as_str()))
        .collect();
    let mut todo = Vec::with_capacity(fresh.len());
    for (i, attachments) in fresh {
        let customer = customers[i];
        let Some(author) = authors.get(&i).cloned() else {
            continue;
        };
        let reply_to = customer.message.reply_to.as_deref();
        let parent = reply_to.and_then(|r| known.get(&(customer.channel.id, r.to_owned())));
        let parent_in_batch = parent.is_none()
            && reply_to.is_some_and(|r| in_batch.contains(&(customer.channel.id, r)));
        todo.push(Todo {
            index: i,
            customer,
            author,
            attachments,
            parent: parent.map(|m| m.conversation_id),
            parent_in_batch,
        });
    }
    let mut threaded = threads::thread(txn, scope, todo, now).await?;
    fates.append(&mut threaded.fates);
    let events = write::write(txn, scope, threaded, now).await?;
    Ok((fates, events))
}

/// The messages already stored among those of the batch and those they reply to.
async fn known_messages(
    txn: &DatabaseTransaction,
    scope: &WorkspaceScope,
    customers: &[&Customer<'_>],
    accepted: &[(usize, Vec<crate::views::Attachment>)],
) -> Result<HashMap<(Uuid, String), crate::entity::messages::Model>> {
    let mut ids = Vec::new();
    for (i, _) in accepted {
        let customer = customers[*i];
        let channel = customer.channel.id;
        ids.push((channel, customer.message.platform_message_id.clone()));
        if let Some(parent) = &customer.message.reply_to {
            ids.push((channel, parent.clone()));
        }
    }
    repo::ingest_batch::messages_by_platform_id(txn, scope, &ids).await
}

fn reference(message: &crate::entity::messages::Model) -> InboundMessageRef {
    InboundMessageRef {
        platform_message_id: message.platform_message_id.clone().unwrap_or_default(),
        message_id: MessageId::from(message.id),
        conversation_id: ConversationId::from(message.conversation_id),
    }
}
