//! Which conversation a customer's message joins: the one of the message it replies to, the
//! public thread's, or the contact's private one — re-opened, joined or started anew per
//! the status rules.

use chrono::{DateTime, Duration, Utc};
use sea_orm::{ConnectionTrait, Set};

use crate::Result;
use crate::care::{self, CustomerMessageEffect};
use crate::entity::{channels, conversations};
use crate::events::{self, Event};
use crate::ids::{ChannelId, ContactId, ConversationId};
use crate::repo;
use crate::tenancy::WorkspaceScope;
use crate::views::{EventView, Priority, Status, Visibility};

use super::super::audit;
use super::super::conversation_views::view_one;
use super::InboundMessage;

/// The conversation a message joins: the one of the message it replies to, else the
/// thread's (public) or the contact's (private); re-opened or replaced per the status rules.
/// When the replied-to conversation takes no more messages (closed, or resolved too long
/// ago), the thread's or contact's latest conversation — its successor — is tried next, so
/// later replies gather in one new conversation instead of starting one each.
pub(super) async fn thread(
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
    if let Some((row, effect)) = &candidate
        && *effect != CustomerMessageEffect::Join
        && super::super::followups::answers(conn, scope, row, &input.text, now).await?
    {
        // The customer answers the satisfaction question: it joins without re-opening.
        return Ok((row.clone(), Vec::new()));
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
    let before: Status = row.status.parse()?;
    let mut active: conversations::ActiveModel = row.into();
    active.status = Set(Status::Open.as_str().to_owned());
    active.snoozed_until = Set(None);
    active.updated_at = Set(now);
    let row = repo::conversations::save(conn, scope, active).await?;
    super::super::followups::on_status(conn, scope, before, &row, now).await?;
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
