//! Inbound customer messages: one service for the API channel today and the platform
//! connectors tomorrow. Resolves the contact, threads the message, scores it and stores it
//! with its events, in one transaction; a platform message id already stored changes nothing.

use chrono::{DateTime, Duration, Utc};
use sea_orm::{ConnectionTrait, DatabaseTransaction, Set, TransactionTrait};
use serde::{Deserialize, Serialize};

use crate::care::{self, CustomerMessageEffect};
use crate::entity::{channels, contact_identities, conversations};
use crate::events::{self, Event};
use crate::ids::{ChannelId, ContactId, ConversationId};
use crate::inbound::{Appended, NewInboundEvent};
use crate::repo;
use crate::repo::contacts::IdentityFields;
use crate::repo::messages::{Author, NewMessage as StoredMessage};
use crate::tenancy::{Capability, WorkspaceScope};
use crate::views::{
    Attachment, ChannelKind, ConversationView, Direction, EventView, MessageView, Priority, Status,
    Visibility,
};
use crate::{Core, Error, Result, signals};

use super::audit;
use super::conversation_views::view_one;
use super::messages::{clean_attachments, message_view, store};

/// How often an ingest runs again after losing a race to create the author's contact.
const MAX_ATTEMPTS: u32 = 3;

/// How many recent customer messages the label follows.
pub(crate) const LABEL_WINDOW: u64 = 5;

/// Who wrote an inbound message, as the platform tells it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InboundAuthor {
    /// The platform's user id (a string, whatever the platform).
    #[schema(min_length = 1, max_length = 255)]
    pub platform_user_id: String,
    /// Handle, such as `@ada`.
    pub handle: Option<String>,
    /// Display name.
    pub display_name: Option<String>,
    /// Avatar URL.
    pub avatar_url: Option<String>,
    /// Followers.
    pub follower_count: Option<u64>,
    /// Verified account; when absent, what was known stays.
    pub verified: Option<bool>,
}

/// A customer message pushed by a partner (`POST …/channels/{id}/inbound`) or parsed from a
/// platform delivery.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InboundMessage {
    /// The platform's id of the message: a second delivery with the same id changes nothing.
    #[schema(min_length = 1, max_length = 255)]
    pub platform_message_id: String,
    /// The author.
    pub author: InboundAuthor,
    /// Text (may be empty when attachments carry the message).
    #[serde(default)]
    pub text: String,
    /// When the customer wrote it; now when absent.
    pub timestamp: Option<DateTime<Utc>>,
    /// The platform message it replies to: threads the message into that conversation.
    pub reply_to: Option<String>,
    /// The public thread (root post) it belongs to.
    pub thread_id: Option<String>,
    /// `private` (a DM, the default) or `public` (a mention or comment).
    pub visibility: Option<Visibility>,
    /// Attachments.
    #[serde(default)]
    pub attachments: Vec<Attachment>,
}

/// What ingesting a message did.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct IngestOutcome {
    /// The message was stored before (same platform id): nothing changed.
    pub duplicate: bool,
    /// The conversation it joined or started.
    pub conversation: ConversationView,
    /// The stored message.
    pub message: MessageView,
}

fn validate(input: &InboundMessage) -> Result<()> {
    let mut errors = Vec::new();
    let mut check = |field: &str, value: &str, max: usize| {
        if value.trim().is_empty() || value.len() > max {
            errors.push(crate::FieldError::new(
                field,
                "invalid",
                format!("{field} must have 1 to {max} characters"),
            ));
        }
    };
    check("platform_message_id", &input.platform_message_id, 255);
    check(
        "author.platform_user_id",
        &input.author.platform_user_id,
        255,
    );
    for (field, value) in [
        ("reply_to", &input.reply_to),
        ("thread_id", &input.thread_id),
    ] {
        if let Some(value) = value {
            check(field, value, 255);
        }
    }
    for (field, value, max) in [
        ("author.handle", &input.author.handle, 255),
        ("author.display_name", &input.author.display_name, 200),
    ] {
        if value.as_ref().is_some_and(|v| v.chars().count() > max) {
            errors.push(crate::FieldError::new(
                field,
                "too_long",
                format!("{field} has at most {max} characters"),
            ));
        }
    }
    if let Some(url) = &input.author.avatar_url
        && (!(url.starts_with("https://") || url.starts_with("http://")) || url.len() > 2048)
    {
        errors.push(crate::FieldError::new(
            "author.avatar_url",
            "invalid_url",
            "the avatar URL must be an http(s) URL of at most 2048 characters",
        ));
    }
    if input.text.trim().is_empty() && input.attachments.is_empty() {
        errors.push(crate::FieldError::new(
            "text",
            "required",
            "a message needs text or attachments",
        ));
    }
    if input.text.chars().count() > super::messages::MAX_TEXT {
        errors.push(crate::FieldError::new(
            "text",
            "too_long",
            "the text is too long",
        ));
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(Error::Validation(errors))
    }
}

/// Checks a message as storing it would; its attachments, cleaned.
pub(crate) fn checked(input: &InboundMessage) -> Result<Vec<Attachment>> {
    validate(input)?;
    clean_attachments(input.attachments.clone())
}

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
    let (message, event) = store(conn, scope, row, stored, Utc::now()).await?;
    let conversation = super::conversations::conversation_of(&event)?;
    events.push(event);
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

/// The conversation a message joins: the one of the message it replies to, else the
/// thread's (public) or the contact's (private); re-opened or replaced per the status rules.
/// When the replied-to conversation takes no more messages (closed, or resolved too long
/// ago), the thread's or contact's latest conversation — its successor — is tried next, so
/// later replies gather in one new conversation instead of starting one each.
async fn thread(
    conn: &impl ConnectionTrait,
    scope: &WorkspaceScope,
    channel: &channels::Model,
    contact: ContactId,
    visibility: Visibility,
    input: &InboundMessage,
    window: Duration,
) -> Result<(conversations::Model, Vec<EventView>)> {
    let channel_id = ChannelId::from(channel.id);
    let parent = replied_conversation(conn, scope, channel_id, contact, visibility, input).await?;
    let thread_key = thread_key(visibility, parent.as_ref(), input);
    let lock = lock_name(thread_key.as_deref(), contact);
    repo::conversations::lock_thread(conn, scope, channel_id, &lock).await?;
    let now = Utc::now();
    let effect = |row: &conversations::Model| -> Result<CustomerMessageEffect> {
        Ok(care::on_customer_message(
            row.status.parse()?,
            row.resolved_at,
            window,
            now,
        ))
    };
    let mut candidate = None;
    if let Some(row) = parent {
        let joins = effect(&row)?;
        if joins != CustomerMessageEffect::StartNew {
            candidate = Some((row, joins));
        }
    }
    if candidate.is_none() {
        let latest = match &thread_key {
            Some(key) => {
                repo::conversations::latest_in_thread(conn, scope, channel_id, key).await?
            }
            None => repo::conversations::latest_private(conn, scope, channel_id, contact).await?,
        };
        if let Some(row) = latest {
            let joins = effect(&row)?;
            candidate = Some((row, joins));
        }
    }
    match candidate {
        Some((row, CustomerMessageEffect::Join)) => Ok((row, Vec::new())),
        Some((row, CustomerMessageEffect::Reopen)) => reopen(conn, scope, row, now).await,
        _ => {
            start_new(
                conn, scope, channel_id, contact, visibility, thread_key, now,
            )
            .await
        }
    }
}

/// The public thread a message belongs to: its parent conversation's, else the one it
/// names, else the post it replies to, else its own. Private messages have none.
pub(crate) fn thread_key(
    visibility: Visibility,
    parent: Option<&conversations::Model>,
    input: &InboundMessage,
) -> Option<String> {
    match visibility {
        Visibility::Public => Some(
            parent
                .and_then(|p| p.thread_key.clone())
                .or_else(|| input.thread_id.clone())
                .or_else(|| input.reply_to.clone())
                .unwrap_or_else(|| input.platform_message_id.clone()),
        ),
        Visibility::Private => None,
    }
}

/// What messages arriving together lock so that they find or start one conversation: the
/// public thread, or the contact's private conversation.
pub(crate) fn lock_name(thread_key: Option<&str>, contact: ContactId) -> String {
    match thread_key {
        Some(key) => format!("thread:{key}"),
        None => format!("contact:{contact}"),
    }
}

/// Whether a customer's message may join the conversation of the message it replies to:
/// its author's own, or a public thread for a public reply.
pub(crate) fn joins_parent(
    parent: &conversations::Model,
    contact: ContactId,
    visibility: Visibility,
) -> bool {
    let public_thread =
        visibility == Visibility::Public && parent.visibility == Visibility::Public.as_str();
    parent.contact_id == contact.as_uuid() || public_thread
}

/// The conversation of the message this one replies to, when the message may join it: its
/// author's own conversation, or a public thread for a public reply. A quoted id never
/// carries a message into another customer's private conversation, nor a private message
/// into another customer's thread.
async fn replied_conversation(
    conn: &impl ConnectionTrait,
    scope: &WorkspaceScope,
    channel_id: ChannelId,
    contact: ContactId,
    visibility: Visibility,
    input: &InboundMessage,
) -> Result<Option<conversations::Model>> {
    let Some(parent) = &input.reply_to else {
        return Ok(None);
    };
    let Some(message) = repo::messages::by_platform_id(conn, scope, channel_id, parent).await?
    else {
        return Ok(None);
    };
    let id = ConversationId::from(message.conversation_id);
    let row = repo::conversations::get_any(conn, scope, id).await?;
    Ok(joins_parent(&row, contact, visibility).then_some(row))
}

/// A customer message re-opens the conversation, recorded in the audit log as any status
/// change is (the actor is whoever delivered the message: an API key or the worker).
async fn reopen(
    conn: &impl ConnectionTrait,
    scope: &WorkspaceScope,
    row: conversations::Model,
    now: DateTime<Utc>,
) -> Result<(conversations::Model, Vec<EventView>)> {
    let details = serde_json::json!({
        "from": row.status, "status": Status::Open, "by": "customer_message",
    });
    audit::record(
        conn,
        scope,
        "conversation.reopened",
        "conversation",
        row.id,
        details,
    )
    .await?;
    let mut active: conversations::ActiveModel = row.into();
    active.status = Set(Status::Open.as_str().to_owned());
    active.snoozed_until = Set(None);
    active.updated_at = Set(now);
    let row = repo::conversations::save(conn, scope, active).await?;
    let view = view_one(conn, scope, row.clone()).await?;
    let event = events::record(conn, scope, Event::conversation_updated(view), now).await?;
    Ok((row, vec![event]))
}

async fn start_new(
    conn: &impl ConnectionTrait,
    scope: &WorkspaceScope,
    channel_id: ChannelId,
    contact: ContactId,
    visibility: Visibility,
    thread_key: Option<String>,
    now: DateTime<Utc>,
) -> Result<(conversations::Model, Vec<EventView>)> {
    let new = repo::conversations::NewConversation {
        channel_id,
        contact_id: contact,
        visibility,
        priority: Priority::Normal,
        priority_auto: true,
        thread_key,
        assignee_id: None,
        team_id: None,
        at: now,
    };
    let row = repo::conversations::insert(conn, scope, new).await?;
    let view = view_one(conn, scope, row.clone()).await?;
    let event = events::record(conn, scope, Event::conversation_created(view), now).await?;
    Ok((row, vec![event]))
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
