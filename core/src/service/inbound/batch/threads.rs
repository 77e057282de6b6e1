//! Threading a batch's messages in memory: the conversations they may join are read at once
//! (under the threads' locks), then each message, in the order it came, joins or starts its
//! conversation and scores it, exactly as one message at a time would.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Duration, Utc};
use sea_orm::DatabaseTransaction;
use uuid::Uuid;

use crate::care::{self, CustomerMessageEffect};
use crate::entity::{contact_identities, conversations, messages};
use crate::ids::{ChannelId, ContactId, ConversationId, MessageId};
use crate::repo::conversations::{NewConversation, time_key};
use crate::tenancy::WorkspaceScope;
use crate::views::{InboundMessageRef, Priority, Status, Visibility};
use crate::{Error, Result, repo, signals};

use super::super::super::ingest;
use super::authors::Author;
use super::{Customer, Fate};

/// Where a message's conversation is looked for: its channel and its lock's name (the
/// public thread, or the contact's private conversation).
type Place = (Uuid, String);

/// A message to thread, with what was found before.
pub(super) struct Todo<'a> {
    pub index: usize,
    pub customer: &'a Customer<'a>,
    pub author: Author,
    pub attachments: Vec<crate::views::Attachment>,
    /// The stored message it replies to, by conversation.
    pub parent: Option<Uuid>,
    /// It replies to a message of this same batch: left to the one-at-a-time path.
    pub parent_in_batch: bool,
}

/// What threading the batch decided, to be written.
#[derive(Default)]
pub(super) struct Threaded {
    /// Conversations the batch starts, as it leaves them.
    pub created: Vec<conversations::Model>,
    /// Conversations it changes: as read, and as it leaves them.
    pub changed: Vec<(conversations::Model, conversations::Model)>,
    pub messages: Vec<messages::Model>,
    /// The conversation at each event, in order: started (no message), or with a message.
    pub snapshots: Vec<Snapshot>,
    /// Conversations to tag.
    pub tagged: Vec<(Uuid, Vec<String>)>,
    /// The fate of each message, by index.
    pub fates: Vec<(usize, Fate)>,
}

/// A conversation as one event shows it.
pub(super) struct Snapshot {
    pub conversation: conversations::Model,
    /// The message added (none: the conversation started).
    pub message: Option<messages::Model>,
    /// The message's author's identity as it was then.
    pub author: contact_identities::Model,
}

/// The conversations as the batch goes.
struct State {
    now: DateTime<Utc>,
    window: Duration,
    conversations: HashMap<Uuid, conversations::Model>,
    read: HashMap<Uuid, conversations::Model>,
    latest: HashMap<Place, Uuid>,
    recent: HashMap<Uuid, Vec<f64>>,
    /// Places left to the one-at-a-time path: their later messages follow.
    later: HashSet<Place>,
    /// Messages stored by this batch, by channel and platform id.
    stored: HashMap<(Uuid, String), InboundMessageRef>,
    out: Threaded,
}

/// Threads the messages, in order.
pub(super) async fn thread(
    txn: &DatabaseTransaction,
    scope: &WorkspaceScope,
    todo: Vec<Todo<'_>>,
    now: DateTime<Utc>,
) -> Result<Threaded> {
    let parent_ids: Vec<Uuid> = todo.iter().filter_map(|t| t.parent).collect();
    let parents: HashMap<Uuid, conversations::Model> =
        repo::ingest_batch::conversations_by_id(txn, scope, parent_ids)
            .await?
            .into_iter()
            .map(|c| (c.id, c))
            .collect();
    let places: Vec<Place> = todo.iter().map(|t| place(t, &parents)).collect();
    let locks: Vec<(ChannelId, String)> = places
        .iter()
        .map(|(channel, name)| (ChannelId::from(*channel), name.clone()))
        .collect();
    repo::conversations::lock_threads(txn, scope, &locks).await?;
    let latest = latest(txn, scope, &todo, &places, &parents).await?;
    let mut read = parents;
    read.extend(latest.values().map(|c| (c.id, c.clone())));
    let ids: Vec<Uuid> = read.keys().copied().collect();
    let limit = ingest::LABEL_WINDOW - 1;
    let recent = repo::ingest_batch::recent_sentiments(txn, scope, ids, limit).await?;
    let mut state = State {
        now,
        window: ingest::reopen_window(txn, scope).await?,
        conversations: read.clone(),
        read,
        latest: latest.into_iter().map(|(p, c)| (p, c.id)).collect(),
        recent,
        later: HashSet::new(),
        stored: HashMap::new(),
        out: Threaded::default(),
    };
    for (one, place) in todo.into_iter().zip(places) {
        state.one(scope, one, place)?;
    }
    Ok(state.finish())
}

/// Where a message's conversation is looked for, as one message at a time would find it.
fn place(todo: &Todo<'_>, parents: &HashMap<Uuid, conversations::Model>) -> Place {
    let message = todo.customer.message;
    let visibility = message.visibility.unwrap_or(Visibility::Private);
    let parent = joined_parent(todo, parents, visibility);
    let key = ingest::thread_key(visibility, parent, message);
    let name = ingest::lock_name(key.as_deref(), todo.author.contact);
    (todo.customer.channel.id, name)
}

fn joined_parent<'p>(
    todo: &Todo<'_>,
    conversations: &'p HashMap<Uuid, conversations::Model>,
    visibility: Visibility,
) -> Option<&'p conversations::Model> {
    let parent = conversations.get(&todo.parent?)?;
    ingest::joins_parent(parent, todo.author.contact, visibility).then_some(parent)
}

/// The latest conversation of each place, read at once.
async fn latest(
    txn: &DatabaseTransaction,
    scope: &WorkspaceScope,
    todo: &[Todo<'_>],
    places: &[Place],
    parents: &HashMap<Uuid, conversations::Model>,
) -> Result<HashMap<Place, conversations::Model>> {
    let mut private = Vec::new();
    let mut threads = Vec::new();
    for (one, (channel, _)) in todo.iter().zip(places) {
        let message = one.customer.message;
        let visibility = message.visibility.unwrap_or(Visibility::Private);
        let parent = joined_parent(one, parents, visibility);
        match ingest::thread_key(visibility, parent, message) {
            Some(key) => threads.push((*channel, key)),
            None => private.push((*channel, one.author.contact.as_uuid())),
        }
    }
    let wanted: HashSet<&Place> = places.iter().collect();
    let mut found = repo::ingest_batch::private_conversations(txn, scope, &private).await?;
    found.extend(repo::ingest_batch::thread_conversations(txn, scope, &threads).await?);
    let mut latest: HashMap<Place, conversations::Model> = HashMap::new();
    for row in found {
        let name = ingest::lock_name(row.thread_key.as_deref(), ContactId::from(row.contact_id));
        let place = (row.channel_id, name);
        if !wanted.contains(&place) {
            continue;
        }
        let newer = latest
            .get(&place)
            .is_none_or(|seen| (row.created_at, row.id) > (seen.created_at, seen.id));
        if newer {
            latest.insert(place, row);
        }
    }
    Ok(latest)
}

impl State {
    /// Threads one message: it joins or starts its conversation, or is left for later.
    fn one(&mut self, scope: &WorkspaceScope, todo: Todo<'_>, place: Place) -> Result<()> {
        let message = todo.customer.message;
        let key = (
            todo.customer.channel.id,
            message.platform_message_id.clone(),
        );
        if let Some(first) = self.stored.get(&key) {
            let fate = Fate::Repeat(first.clone());
            self.out.fates.push((todo.index, fate));
            return Ok(());
        }
        if todo.parent_in_batch || self.later.contains(&place) {
            self.leave(todo.index, place);
            return Ok(());
        }
        let visibility = message.visibility.unwrap_or(Visibility::Private);
        let parent = joined_parent(&todo, &self.conversations, visibility).map(|p| p.id);
        let mut candidate = None;
        if let Some(id) = parent {
            let effect = self.effect(id)?;
            if effect != CustomerMessageEffect::StartNew {
                candidate = Some((id, effect));
            }
        }
        if candidate.is_none()
            && let Some(&id) = self.latest.get(&place)
        {
            candidate = Some((id, self.effect(id)?));
        }
        let conversation = match candidate {
            Some((id, CustomerMessageEffect::Join)) => id,
            Some((_, CustomerMessageEffect::Reopen)) => {
                self.leave(todo.index, place);
                return Ok(());
            }
            // A closed conversation's customer may be answering its satisfaction question:
            // the one-item path knows.
            Some((id, CustomerMessageEffect::StartNew))
                if self.row(id)?.status == Status::Closed.as_str()
                    && signals::csat::parse(&message.text).is_some() =>
            {
                self.leave(todo.index, place);
                return Ok(());
            }
            _ => self.start(scope, &todo, visibility, place),
        };
        self.add(scope, todo, conversation, visibility, key)
    }

    fn leave(&mut self, index: usize, place: Place) {
        self.later.insert(place);
        self.out.fates.push((index, Fate::Later));
    }

    fn row(&self, id: Uuid) -> Result<&conversations::Model> {
        self.conversations
            .get(&id)
            .ok_or_else(|| Error::Internal(anyhow::anyhow!("conversation {id} left the batch")))
    }

    fn effect(&self, id: Uuid) -> Result<CustomerMessageEffect> {
        let row = self.row(id)?;
        Ok(care::on_customer_message(
            row.status.parse()?,
            row.resolved_at,
            self.window,
            self.now,
        ))
    }

    fn start(
        &mut self,
        scope: &WorkspaceScope,
        todo: &Todo<'_>,
        visibility: Visibility,
        place: Place,
    ) -> Uuid {
        let message = todo.customer.message;
        let parent = joined_parent(todo, &self.conversations, visibility);
        let new = NewConversation {
            channel_id: ChannelId::from(todo.customer.channel.id),
            contact_id: todo.author.contact,
            visibility,
            priority: Priority::Normal,
            priority_auto: true,
            thread_key: ingest::thread_key(visibility, parent, message),
            assignee_id: None,
            team_id: None,
            at: self.now,
        };
        let row = repo::conversations::new_row(scope, new);
        let id = row.id;
        self.out.snapshots.push(Snapshot {
            conversation: row.clone(),
            message: None,
            author: todo.author.identity.clone(),
        });
        self.conversations.insert(id, row);
        self.latest.insert(place, id);
        id
    }

    /// Adds the message to its conversation, scored and counted.
    fn add(
        &mut self,
        scope: &WorkspaceScope,
        todo: Todo<'_>,
        id: Uuid,
        visibility: Visibility,
        key: (Uuid, String),
    ) -> Result<()> {
        let message = todo.customer.message;
        let sentiment = signals::sentiment::score(&message.text);
        let recent = self.recent.get(&id).cloned().unwrap_or_default();
        let mut scored = ingest::rescored(
            self.row(id)?,
            recent,
            todo.author.influence,
            visibility,
            sentiment,
            self.now,
        );
        self.recent.entry(id).or_default().insert(0, sentiment);
        scored.message_count += 1;
        scored.last_activity_at = self.now;
        scored.last_activity_key = time_key(self.now);
        scored.updated_at = self.now;
        let new = ingest::customer_message(
            &scored,
            todo.author.contact,
            message,
            todo.attachments,
            sentiment,
        )?;
        let stored = repo::messages::new_row(scope, new, self.now);
        let reference = InboundMessageRef {
            platform_message_id: key.1.clone(),
            message_id: MessageId::from(stored.id),
            conversation_id: ConversationId::from(id),
        };
        self.out.snapshots.push(Snapshot {
            conversation: scored.clone(),
            message: Some(stored.clone()),
            author: todo.author.identity.clone(),
        });
        self.out.messages.push(stored);
        if !todo.customer.tags.is_empty() {
            self.out.tagged.push((id, todo.customer.tags.to_vec()));
        }
        self.conversations.insert(id, scored);
        self.stored.insert(key, reference.clone());
        self.out.fates.push((todo.index, Fate::Stored(reference)));
        Ok(())
    }

    /// The conversations as the batch leaves them: started, or changed from what was read.
    fn finish(mut self) -> Threaded {
        let mut out = std::mem::take(&mut self.out);
        for (id, row) in self.conversations {
            match self.read.remove(&id) {
                None => out.created.push(row),
                Some(read) if read != row => out.changed.push((read, row)),
                Some(_) => {}
            }
        }
        // Oldest first, as they were started.
        out.created.sort_by_key(|c| c.id);
        out
    }
}
