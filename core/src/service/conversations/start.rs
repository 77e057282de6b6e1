//! Starting a conversation with a contact (proactive outreach): the conversation, its first
//! reply queued for delivery, the audit entry and the events, in one transaction.

use chrono::Utc;
use serde::Deserialize;
use serde_json::json;

use crate::events::{self, Event};
use crate::ids::{ChannelId, ContactId, TeamId, UserId};
use crate::repo;
use crate::tenancy::{Capability, ConversationAccess, WorkspaceScope};
use crate::views::{ConversationView, Priority, Visibility};
use crate::{Core, Error, Result};

use super::super::audit;
use super::super::conversation_views::view_one;
use super::{ConversationPatch, check_assignment, conversation_of};

/// `POST /v1/workspaces/{ws}/conversations`: start a conversation with a contact.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StartConversation {
    /// The customer.
    pub contact_id: ContactId,
    /// The channel to reach them on (they need an identity on its platform).
    pub channel_id: ChannelId,
    /// `private` (default) or `public`.
    pub visibility: Option<Visibility>,
    /// The first message, queued for delivery.
    #[schema(min_length = 1, max_length = 20000)]
    pub text: String,
    /// Assign it at once.
    pub assignee_id: Option<UserId>,
    /// Give it to a team at once.
    pub team_id: Option<TeamId>,
}

/// Who is assigned a conversation started without an assignee: nobody, unless the starter
/// is an agent who sees only its own conversations (or its teams', and named no team), who
/// then gets it, so that it can follow what it started.
fn starter_assignee(scope: &WorkspaceScope, team: Option<TeamId>) -> Option<UserId> {
    match scope.conversation_access() {
        ConversationAccess::All => None,
        ConversationAccess::TeamsOf(_) if team.is_some() => None,
        ConversationAccess::AssignedTo(user) | ConversationAccess::TeamsOf(user) => Some(user),
    }
}

/// Starts a conversation with a contact (proactive outreach); the first message is queued.
#[tracing::instrument(skip_all, err(level = "debug"))]
pub async fn start(
    core: &Core,
    scope: &WorkspaceScope,
    input: StartConversation,
) -> Result<ConversationView> {
    scope.require(Capability::Reply)?;
    let text = super::super::messages::clean_text(&input.text)?;
    let txn = core.db().begin().await?;
    let channel = repo::channels::get(&txn, scope, input.channel_id)
        .await
        .map_err(|_| {
            Error::invalid(
                "channel_id",
                "unknown_channel",
                "no such channel in this workspace",
            )
        })?;
    super::super::channels::ensure_enabled(&channel)?;
    repo::contacts::get(&txn, scope, input.contact_id)
        .await
        .map_err(|_| {
            Error::invalid(
                "contact_id",
                "unknown_contact",
                "no such contact in this workspace",
            )
        })?;
    let identities = repo::contacts::identities_of(&txn, scope, input.contact_id).await?;
    if !identities.iter().any(|i| i.channel_kind == channel.kind) {
        return Err(Error::invalid(
            "contact_id",
            "no_identity_on_channel",
            format!("the contact has no {} identity to reach", channel.kind),
        ));
    }
    let assignee_id = input
        .assignee_id
        .or_else(|| starter_assignee(scope, input.team_id));
    let assignment = ConversationPatch {
        assignee_id: assignee_id.map(Some),
        team_id: input.team_id.map(Some),
        ..Default::default()
    };
    check_assignment(&txn, scope, &assignment).await?;
    let now = Utc::now();
    let new = repo::conversations::NewConversation {
        channel_id: input.channel_id,
        contact_id: input.contact_id,
        visibility: input.visibility.unwrap_or(Visibility::Private),
        priority: Priority::Normal,
        priority_auto: false,
        thread_key: None,
        assignee_id,
        team_id: input.team_id,
        at: now,
    };
    let row = repo::conversations::insert(&txn, scope, new).await?;
    let created = view_one(&txn, scope, row.clone()).await?;
    let started = Event::conversation_created(created.clone());
    let mut events = vec![events::record(&txn, scope, started, now).await?];
    let reply = super::super::messages::NewReplyParts {
        text,
        visibility: created.visibility,
        attachments: Vec::new(),
    };
    let (_, event) = super::super::messages::reply_in(&txn, scope, row, reply, now).await?;
    let view = conversation_of(&event)?;
    events.push(event);
    audit::record(
        &txn,
        scope,
        "conversation.started",
        "conversation",
        view.id,
        json!({ "contact_id": input.contact_id }),
    )
    .await?;
    txn.commit().await?;
    events::committed(core, &events);
    core.bus().replies_queued();
    Ok(view)
}
