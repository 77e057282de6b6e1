//! Everything a queued reply's platform call needs, read when it is sent: the channel and
//! its credentials, and whom the reply addresses on the platform.

use chrono::{DateTime, Utc};
use sea_orm::ConnectionTrait;
use serde_json::json;

use crate::channels::send::{Outgoing, Target};
use crate::entity::{channels, conversations, messages, outbound_sends};
use crate::ids::{ChannelId, ContactId, ConversationId, MessageId, OrgId, WorkspaceId};
use crate::tenancy::WorkspaceScope;
use crate::views::{ChannelHealth, ChannelKind, Visibility};
use crate::{Core, Result, repo};

use super::super::channels::opened_credentials;
use super::super::messages::message_view;
use super::rules::needs_human_agent_tag;

/// A queued reply, ready or not.
pub(super) enum Prepared {
    /// The call can be made.
    Ready(WorkspaceScope, Box<Outgoing>),
    /// It cannot: why, recorded on the message.
    Unsendable(WorkspaceScope, String),
    /// The message (or its workspace) is gone.
    Gone,
}

pub(super) async fn outgoing(
    core: &Core,
    send: &outbound_sends::Model,
    now: DateTime<Utc>,
) -> Result<Prepared> {
    let conn = core.db().conn();
    let workspace_id = WorkspaceId::from(send.workspace_id);
    let Some(workspace) = repo::workspaces::find_for_entry(conn, workspace_id).await? else {
        return Ok(Prepared::Gone);
    };
    let scope = WorkspaceScope::system(workspace_id, OrgId::from(workspace.org_id));
    let Some(message) = repo::messages::find(conn, &scope, MessageId::from(send.id)).await? else {
        return Ok(Prepared::Gone);
    };
    let conversation_id = ConversationId::from(message.conversation_id);
    let conversation = repo::conversations::get_any(conn, &scope, conversation_id).await?;
    let channel = repo::channels::get(conn, &scope, ChannelId::from(send.channel_id)).await?;
    let kind: ChannelKind = channel.kind.parse()?;
    if let Some(why) = not_sending(&channel).or_else(|| refused_target(core, &channel.settings)) {
        return Ok(Prepared::Unsendable(scope, why));
    }
    let Some(target) = target(conn, &scope, kind, &conversation, &message, now).await? else {
        let why = "the customer has no identity on this platform to write to".to_owned();
        return Ok(Prepared::Unsendable(scope, why));
    };
    let partner_payload = match kind {
        ChannelKind::Api => Some(partner_payload(&conversation, &message, &target, now)?),
        _ => None,
    };
    let outgoing = Outgoing {
        message_id: message.id,
        kind,
        credentials: opened_credentials(core, &channel)?,
        settings: channel.settings,
        target,
        text: message.text.clone(),
        attachments: serde_json::from_value(message.attachments).unwrap_or_default(),
        partner_payload,
        now,
    };
    Ok(Prepared::Ready(scope, Box::new(outgoing)))
}

/// Why the channel sends nothing now, if it does not.
fn not_sending(channel: &channels::Model) -> Option<String> {
    let health: ChannelHealth = channel.health.parse().ok()?;
    let why = match health {
        ChannelHealth::Active | ChannelHealth::RateLimited => return None,
        ChannelHealth::Disabled => "the channel is disabled",
        ChannelHealth::NeedsCredentials => "the channel is missing credentials",
        ChannelHealth::NeedsReauth => "the channel needs re-authorising",
    };
    Some(match &channel.last_error {
        Some(error) => format!("{why}: {error}"),
        None => why.to_owned(),
    })
}

/// A configured URL the operator's policy no longer lets us call (it was allowed when set).
fn refused_target(core: &Core, settings: &serde_json::Value) -> Option<String> {
    let policy = core.config().target_policy();
    ["api_base_url", "callback_url"]
        .into_iter()
        .find_map(|field| {
            let url = settings.get(field)?.as_str()?;
            crate::service::targets::check_target(url, &policy)
                .err()
                .map(|why| format!("the channel's {field} is not allowed: {why}"))
        })
}

/// How the platform addresses the reply; `None` when it goes to a customer the platform
/// does not know here (no identity of this kind).
async fn target(
    conn: &impl ConnectionTrait,
    scope: &WorkspaceScope,
    kind: ChannelKind,
    conversation: &conversations::Model,
    message: &messages::Model,
    now: DateTime<Utc>,
) -> Result<Option<Target>> {
    let thread: Visibility = conversation.visibility.parse()?;
    let reply: Visibility = message.visibility.as_deref().unwrap_or("private").parse()?;
    let reply_to = message.reply_to_platform_id.clone();
    let private_to_comment = matches!(kind, ChannelKind::Facebook | ChannelKind::Instagram);
    match (thread, reply, reply_to) {
        (Visibility::Public, Visibility::Private, Some(comment_id)) if private_to_comment => {
            Ok(Some(Target::PrivateToComment { comment_id }))
        }
        (_, Visibility::Public, Some(reply_to)) => Ok(Some(Target::Public { reply_to })),
        (_, _, reply_to) => {
            let customer =
                customer_id(conn, scope, kind, conversation, reply_to.as_deref()).await?;
            let Some(user_id) = customer.or_else(|| (kind == ChannelKind::Api).then(String::new))
            else {
                return Ok(None);
            };
            let since = now - conversation.last_inbound_at.unwrap_or(now);
            Ok(Some(Target::Direct {
                user_id,
                reply_to,
                human_agent: needs_human_agent_tag(kind, since),
            }))
        }
    }
}

/// The platform user id of the customer the reply answers: the author of the message it
/// replies to, else the conversation's contact.
async fn customer_id(
    conn: &impl ConnectionTrait,
    scope: &WorkspaceScope,
    kind: ChannelKind,
    conversation: &conversations::Model,
    reply_to: Option<&str>,
) -> Result<Option<String>> {
    let channel = ChannelId::from(conversation.channel_id);
    let answered = match reply_to {
        Some(id) => repo::messages::by_platform_id(conn, scope, channel, id).await?,
        None => None,
    };
    let contact = answered
        .and_then(|m| m.contact_id)
        .unwrap_or(conversation.contact_id);
    let identities = repo::contacts::identities_of(conn, scope, ContactId::from(contact)).await?;
    Ok(identities
        .into_iter()
        .find(|identity| identity.channel_kind == kind.as_str())
        .map(|identity| identity.platform_user_id))
}

/// What a partner's callback receives for a reply: a Standard Webhooks payload.
fn partner_payload(
    conversation: &conversations::Model,
    message: &messages::Model,
    target: &Target,
    now: DateTime<Utc>,
) -> Result<serde_json::Value> {
    let (recipient, reply_to) = match target {
        Target::Direct {
            user_id, reply_to, ..
        } => (Some(user_id.as_str()), reply_to.as_deref()),
        Target::Public { reply_to } => (None, Some(reply_to.as_str())),
        Target::PrivateToComment { comment_id } => (None, Some(comment_id.as_str())),
    };
    Ok(json!({
        "type": "message.outbound",
        "timestamp": now.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        "data": {
            "message": message_view(message.clone())?,
            "conversation_id": conversation.id,
            "thread_id": conversation.thread_key,
            "reply_to": reply_to,
            "recipient": recipient.filter(|r| !r.is_empty()).map(|id| json!({ "platform_user_id": id })),
        }
    }))
}
