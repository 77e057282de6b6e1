//! Writing what threading a batch decided: new conversations and messages many rows per
//! statement, each changed conversation once, and the events in one statement.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::DatabaseTransaction;
use uuid::Uuid;

use crate::entity::conversations;
use crate::events::{self, Event};
use crate::tenancy::WorkspaceScope;
use crate::views::EventView;
use crate::{Result, repo};

use super::super::super::conversation_views;
use super::super::super::messages::message_view;
use super::super::super::sla_clocks;
use super::threads::{Snapshot, Threaded};

/// Writes the batch's conversations, messages, tags and events; returns the events.
pub(super) async fn write(
    txn: &DatabaseTransaction,
    scope: &WorkspaceScope,
    mut threaded: Threaded,
    now: DateTime<Utc>,
) -> Result<Vec<EventView>> {
    let clocks = plan_clocks(txn, scope, &mut threaded, now).await?;
    let mut finals: HashMap<Uuid, conversations::Model> = HashMap::new();
    finals.extend(threaded.created.iter().map(|c| (c.id, c.clone())));
    repo::conversations::insert_many(txn, threaded.created).await?;
    repo::messages::insert_many(txn, threaded.messages).await?;
    repo::conversations::save_counted_many(txn, scope, &threaded.changed).await?;
    // Customers' messages only start and resume clocks: they have no news to tell.
    sla_clocks::write(txn, clocks).await?;
    finals.extend(threaded.changed.into_iter().map(|(_, row)| (row.id, row)));
    tag(txn, scope, threaded.tagged, &finals).await?;
    let events = events_of(txn, scope, threaded.snapshots).await?;
    events::write(txn, scope, events, now).await
}

/// Starts the clocks the batch's messages owe, and sets each conversation's deadline on
/// the rows written and the events shown.
async fn plan_clocks(
    txn: &DatabaseTransaction,
    scope: &WorkspaceScope,
    threaded: &mut Threaded,
    now: DateTime<Utc>,
) -> Result<sla_clocks::Planned> {
    let mut rows: Vec<conversations::Model> = threaded.created.clone();
    rows.extend(threaded.changed.iter().map(|(_, row)| row.clone()));
    let triggers = vec![sla_clocks::Trigger::CustomerMessage; rows.len()];
    let planned = sla_clocks::plan(txn, scope, &mut rows, &triggers, now).await?;
    let deadlines: HashMap<Uuid, conversations::Model> =
        rows.into_iter().map(|row| (row.id, row)).collect();
    let changed = threaded.changed.iter_mut().map(|(_, row)| row);
    let snapshots = threaded.snapshots.iter_mut().map(|s| &mut s.conversation);
    for row in threaded.created.iter_mut().chain(changed).chain(snapshots) {
        if let Some(planned) = deadlines.get(&row.id) {
            row.sla_due_at = planned.sla_due_at;
            row.sla_due_key = planned.sla_due_key;
            row.sla_warn_at = planned.sla_warn_at;
        }
    }
    Ok(planned)
}

/// Tags the conversations of messages heard with tags (listening), each once.
async fn tag(
    txn: &DatabaseTransaction,
    scope: &WorkspaceScope,
    tagged: Vec<(Uuid, Vec<String>)>,
    finals: &HashMap<Uuid, conversations::Model>,
) -> Result<()> {
    let mut by_conversation: Vec<(Uuid, Vec<String>)> = Vec::new();
    for (id, tags) in tagged {
        match by_conversation.iter_mut().find(|(seen, _)| *seen == id) {
            Some((_, all)) => all.extend(tags),
            None => by_conversation.push((id, tags)),
        }
    }
    for (id, mut tags) in by_conversation {
        tags.sort();
        tags.dedup();
        if let Some(row) = finals.get(&id) {
            repo::conversations::add_tags(txn, scope, row, &tags).await?;
        }
    }
    Ok(())
}

/// `conversation.created` for each conversation started and `message.created` for each
/// message, each showing the conversation, and its author's handle and reach, as they were
/// then.
async fn events_of(
    txn: &DatabaseTransaction,
    scope: &WorkspaceScope,
    snapshots: Vec<Snapshot>,
) -> Result<Vec<Event>> {
    let rows = snapshots.iter().map(|s| s.conversation.clone()).collect();
    let views = conversation_views::views(txn, scope, rows).await?;
    views
        .into_iter()
        .zip(snapshots)
        .map(|(mut view, snapshot)| {
            let author = &snapshot.author;
            if view.contact.id.as_uuid() == author.contact_id {
                view.contact.handle.clone_from(&author.handle);
                view.contact.avatar_url.clone_from(&author.avatar_url);
                view.contact.follower_count = author.follower_count;
                view.contact.verified = author.verified;
            }
            Ok(match snapshot.message {
                None => Event::conversation_created(view),
                Some(message) => Event::message_created(view, message_view(message)?),
            })
        })
        .collect()
}
