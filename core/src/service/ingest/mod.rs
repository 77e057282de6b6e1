//! Inbound customer messages: one service for the API channel today and the platform
//! connectors tomorrow. Resolves the contact, threads the message, scores it and stores it
//! with its events, in one transaction; a platform message id already stored changes nothing.

use chrono::{DateTime, Duration, Utc};
use sea_orm::{ConnectionTrait, DatabaseTransaction, Set, TransactionTrait};

use crate::entity::{contact_identities, conversations};
use crate::events;
use crate::ids::{ChannelId, ContactId, ConversationId};
use crate::inbound::{Appended, NewInboundEvent};
use crate::repo;
use crate::repo::contacts::IdentityFields;
use crate::repo::messages::{Author, NewMessage as StoredMessage};
use crate::tenancy::{Capability, WorkspaceScope};
use crate::views::{Attachment, ChannelKind, Direction, EventView, Status, Visibility};
use crate::{Core, Error, Result, signals};

mod input;
mod thread;

pub(crate) use input::checked;
pub use input::{InboundAuthor, InboundMessage, IngestOutcome};
pub(crate) use thread::{joins_parent, lock_name, thread_key};

use input::validate;
use thread::thread;

use super::conversation_views::view_one;
use super::messages::{clean_attachments, message_view, store};

/// How often an ingest runs again after losing a race to create the author's contact.
const MAX_ATTEMPTS: u32 = 3;

/// How many recent customer messages the label follows.
pub(crate) const LABEL_WINDOW: u64 = 5;

/// A message a partner pushes into an `api` channel, stored before the answer. It goes
/// through the inbound-event log as platform deliveries do.
pub async fn push(
    core: &Core,
    scope: &WorkspaceScope,
    channel_id: ChannelId,
    input: InboundMessage,
) -> Result<IngestOutcome> {
    // Held from the worker while this request stores it; the worker takes it if that fails.
    let appended = log_push(core, scope, channel_id, &input, true).await?;
    let stored = ingest(core, scope, channel_id, input).await;
    if !appended.duplicate {
        // Not recorded now, the delivery is processed again by the worker: a repeat.
        if let Err(err) = super::inbound::record_pushed(core, appended.id, &stored).await {
            tracing::warn!(error = %err, delivery = %appended.id, "recording a pushed message failed");
        }
    }
    stored
}

/// A message a partner pushes into an `api` channel, answered once it is logged; the worker
/// stores it (`GET …/inbound-events/{id}` tells where it stands).
pub async fn push_async(
    core: &Core,
    scope: &WorkspaceScope,
    channel_id: ChannelId,
    input: InboundMessage,
) -> Result<Appended> {
    let appended = log_push(core, scope, channel_id, &input, false).await?;
    if !appended.duplicate {
        core.bus().inbound_logged();
    }
    Ok(appended)
}

/// Checks a pushed message as ingesting it would, and appends it to the inbound-event log.
async fn log_push(
    core: &Core,
    scope: &WorkspaceScope,
    channel_id: ChannelId,
    input: &InboundMessage,
    held: bool,
) -> Result<Appended> {
    scope.require(Capability::IngestMessages)?;
    let channel = repo::channels::get(core.db().conn(), scope, channel_id).await?;
    if channel.kind != ChannelKind::Api.as_str() {
        return Err(Error::conflict(
            "not_an_api_channel",
            "only api channels take pushed messages; platforms deliver to /v1/hooks",
        ));
    }
    super::channels::ensure_enabled(&channel)?;
    validate(input)?;
    clean_attachments(input.attachments.clone())?;
    let row = NewInboundEvent {
        id: uuid::Uuid::now_v7(),
        workspace_id: channel.workspace_id,
        channel_id: channel.id,
        kind: ChannelKind::Api.as_str().to_owned(),
        platform_event_id: input.platform_message_id.clone(),
        body: serde_json::to_string(input).map_err(|e| Error::Internal(e.into()))?,
        received_at: Utc::now(),
        held_until: held.then(|| Utc::now() + super::inbound::LEASE),
    };
    core.inbound_log()
        .append(row, core.config().database.wait)
        .await
}

/// Ingests one inbound message on a channel of the scope's workspace.
#[tracing::instrument(skip_all, fields(channel_id = %channel_id), err(level = "debug"))]
pub async fn ingest(
    core: &Core,
    scope: &WorkspaceScope,
    channel_id: ChannelId,
    input: InboundMessage,
) -> Result<IngestOutcome> {
    scope.require(Capability::IngestMessages)?;
    validate(&input)?;
    let txn = core.db().begin().await?;
    let (outcome, events) = ingest_within(&txn, scope, channel_id, input).await?;
    txn.commit().await?;
    events::committed(core, &events);
    Ok(outcome)
}

/// Ingests one message inside the caller's transaction — the worker applies a whole batch of
/// deliveries in one — and returns the events it recorded. Each attempt runs in a savepoint,
/// so a lost race (the same message, or a new author's contact, stored concurrently) is
/// rolled back alone and the transaction goes on.
pub(crate) async fn ingest_within(
    txn: &DatabaseTransaction,
    scope: &WorkspaceScope,
    channel_id: ChannelId,
    input: InboundMessage,
) -> Result<(IngestOutcome, Vec<EventView>)> {
    scope.require(Capability::IngestMessages)?;
    let attachments = checked(&input)?;
    let platform_id = &input.platform_message_id;
    if let Some(existing) = find_duplicate(txn, scope, channel_id, platform_id).await? {
        return Ok((existing, Vec::new()));
    }
    let mut attempts = 0;
    loop {
        attempts += 1;
        let savepoint = txn.begin().await?;
        let result = ingest_in(&savepoint, scope, channel_id, &input, attachments.clone()).await;
        match result {
            Ok(done) => {
                savepoint.commit().await?;
                return Ok(done);
            }
            // A concurrent delivery of the same message won the race: answer with its result.
            Err(Error::Conflict {
                code: "duplicate_message",
                ..
            }) => {
                savepoint.rollback().await?;
                let existing = find_duplicate(txn, scope, channel_id, platform_id).await?;
                return existing
                    .map(|found| (found, Vec::new()))
                    .ok_or(Error::conflict(
                        "duplicate_message",
                        "the message is being stored",
                    ));
            }
            // A concurrent message from the same new author created the contact first:
            // go again, and this time find it.
            Err(Error::Conflict {
                code: "identity_taken",
                ..
            }) if attempts < MAX_ATTEMPTS => savepoint.rollback().await?,
            Err(err) => {
                savepoint.rollback().await?;
                return Err(err);
            }
        }
    }
}

async fn find_duplicate(
    conn: &impl ConnectionTrait,
    scope: &WorkspaceScope,
    channel: ChannelId,
    platform_id: &str,
) -> Result<Option<IngestOutcome>> {
    let Some(message) = repo::messages::by_platform_id(conn, scope, channel, platform_id).await?
    else {
        return Ok(None);
    };
    let row =
        repo::conversations::get_any(conn, scope, ConversationId::from(message.conversation_id))
            .await?;
    Ok(Some(IngestOutcome {
        duplicate: true,
        conversation: view_one(conn, scope, row).await?,
        message: message_view(message)?,
    }))
}

async fn ingest_in(
    conn: &impl ConnectionTrait,
    scope: &WorkspaceScope,
    channel_id: ChannelId,
    input: &InboundMessage,
    attachments: Vec<Attachment>,
) -> Result<(IngestOutcome, Vec<EventView>)> {
    let channel = repo::channels::get(conn, scope, channel_id).await?;
    super::channels::ensure_enabled(&channel)?;
    let kind: ChannelKind = channel.kind.parse()?;
    let (contact, influence) = resolve_contact(conn, scope, kind, &input.author).await?;
    let visibility = input.visibility.unwrap_or(Visibility::Private);
    let window = reopen_window(conn, scope).await?;
    let (row, mut events) =
        thread(conn, scope, &channel, contact, visibility, input, window).await?;
    let sentiment = signals::sentiment::score(&input.text);
    let stored = customer_message(&row, contact, input, attachments, sentiment)?;
    let row = score(conn, scope, row, influence, visibility, sentiment).await?;
    let answering = matches!(row.status.parse()?, Status::Resolved | Status::Closed);
    let (message, event) = store(conn, scope, row.clone(), stored, Utc::now()).await?;
    let mut conversation = super::conversations::conversation_of(&event)?;
    events.push(event);
    if answering
        && let Some(answered) =
            super::followups::record_answer(conn, scope, &row, &input.text, Utc::now()).await?
    {
        if let Some(shown) = answered.event.conversation() {
            conversation = shown.clone();
        }
        events.push(answered);
    }
    Ok((
        IngestOutcome {
            duplicate: false,
            conversation,
            message,
        },
        events,
    ))
}

/// The row a customer's message becomes in its conversation.
pub(crate) fn customer_message(
    conversation: &conversations::Model,
    contact: ContactId,
    input: &InboundMessage,
    attachments: Vec<Attachment>,
    sentiment: f64,
) -> Result<StoredMessage> {
    Ok(StoredMessage {
        conversation_id: ConversationId::from(conversation.id),
        channel_id: ChannelId::from(conversation.channel_id),
        direction: Direction::Inbound,
        visibility: Some(input.visibility.unwrap_or(Visibility::Private)),
        author: Author::Contact(contact),
        text: input.text.clone(),
        platform_message_id: Some(input.platform_message_id.clone()),
        reply_to_platform_id: input.reply_to.clone(),
        attachments: serde_json::to_value(&attachments).map_err(|e| Error::Internal(e.into()))?,
        mentions: serde_json::json!([]),
        delivery_status: None,
        sentiment: Some(sentiment),
        sent_at: input.timestamp.unwrap_or_else(Utc::now).min(Utc::now()),
    })
}

pub(crate) async fn reopen_window(
    conn: &impl ConnectionTrait,
    scope: &WorkspaceScope,
) -> Result<Duration> {
    let workspace = repo::workspaces::get(conn, scope).await?;
    Ok(Duration::seconds(workspace.reopen_window_secs))
}

/// Finds the contact behind a platform identity, creating both when new; refreshes what the
/// platform says about the identity.
async fn resolve_contact(
    conn: &impl ConnectionTrait,
    scope: &WorkspaceScope,
    kind: ChannelKind,
    author: &InboundAuthor,
) -> Result<(ContactId, f64)> {
    let fields = identity_fields(author);
    if let Some(identity) =
        repo::contacts::find_identity(conn, scope, kind, &author.platform_user_id).await?
    {
        let contact = ContactId::from(identity.contact_id);
        let before = (identity.handle.clone(), identity.display_name.clone());
        let identity = repo::contacts::refresh_identity(conn, identity, fields).await?;
        if before != (identity.handle.clone(), identity.display_name.clone()) {
            // A new handle or name must be searchable at once.
            super::contacts::refresh_search_text(conn, scope, contact).await?;
        }
        return Ok((contact, reach(&identity)));
    }
    let name = author
        .display_name
        .clone()
        .or_else(|| author.handle.clone());
    let contact = repo::contacts::insert(conn, scope, name, serde_json::json!({})).await?;
    let id = ContactId::from(contact.id);
    let identity =
        repo::contacts::insert_identity(conn, scope, id, kind, &author.platform_user_id, fields)
            .await?;
    super::contacts::refresh_search_text(conn, scope, id).await?;
    Ok((id, reach(&identity)))
}

/// What a message tells of its author's identity.
pub(crate) fn identity_fields(author: &InboundAuthor) -> IdentityFields {
    IdentityFields {
        handle: author.handle.clone(),
        display_name: author.display_name.clone(),
        avatar_url: author.avatar_url.clone(),
        follower_count: author
            .follower_count
            .map(|f| i64::try_from(f).unwrap_or(i64::MAX)),
        verified: author.verified,
    }
}

/// The author's reach from what is known of the identity (platforms do not repeat the
/// follower count on every message).
pub(crate) fn reach(identity: &contact_identities::Model) -> f64 {
    let followers = identity
        .follower_count
        .map(|f| u64::try_from(f).unwrap_or(0));
    signals::influence::score(followers, identity.verified)
}

/// Scores the conversation with the new message: influence, label and, unless a person set
/// it, an automatic priority that only ever rises while the conversation stays open.
async fn score(
    conn: &impl ConnectionTrait,
    scope: &WorkspaceScope,
    row: conversations::Model,
    influence: f64,
    visibility: Visibility,
    sentiment: f64,
) -> Result<conversations::Model> {
    let recent = repo::messages::recent_sentiments(
        conn,
        scope,
        ConversationId::from(row.id),
        LABEL_WINDOW - 1,
    )
    .await?;
    let scored = rescored(&row, recent, influence, visibility, sentiment, Utc::now());
    let mut active: conversations::ActiveModel = row.into();
    active.priority = Set(scored.priority);
    active.sentiment = Set(scored.sentiment);
    active.influence = Set(scored.influence);
    active.label = Set(scored.label);
    active.last_inbound_at = Set(scored.last_inbound_at);
    repo::conversations::save(conn, scope, active).await
}

/// The conversation scored with a new customer message, given the sentiments of its latest
/// customer messages before it (newest first).
pub(crate) fn rescored(
    row: &conversations::Model,
    mut recent: Vec<f64>,
    influence: f64,
    visibility: Visibility,
    sentiment: f64,
    now: DateTime<Utc>,
) -> conversations::Model {
    // The label reads them oldest first, the new message last.
    recent.truncate(usize::try_from(LABEL_WINDOW - 1).unwrap_or(usize::MAX));
    recent.reverse();
    recent.push(sentiment);
    let label = signals::label::follow(&recent);
    let computed = signals::priority::automatic(sentiment, influence, visibility);
    let mut scored = row.clone();
    if row.priority_auto && computed.rank() > row.priority {
        scored.priority = computed.rank();
    }
    scored.sentiment = Some(sentiment);
    scored.influence = Some(influence);
    scored.label = label.as_str().to_owned();
    scored.last_inbound_at = Some(now);
    scored
}
