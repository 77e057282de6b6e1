//! Follow-up and CSAT: when a conversation is resolved, a satisfaction question is
//! scheduled for the workspace's follow-up delay later (`followup_delay_secs`; `0` turns
//! follow-ups off). The worker sends it on the same channel (`send`), privately where the
//! platform allows it. A short answer the customer sends back — a number from 1 to 5, stars,
//! a word or an emoji (`signals::csat`) — is stored on the follow-up and the conversation
//! without re-opening it, with a `csat.received` event; anything else is a message like
//! any other and re-opens the conversation. Re-opening before the question went out
//! cancels it. A customer whose first message was an adversary's and who scores 4 or 5
//! counts as turned into an advocate.

mod send;

use chrono::{DateTime, Duration, Utc};
use sea_orm::ConnectionTrait;

use crate::entity::{conversations, followups::Model};
use crate::events::{self, Event};
use crate::ids::{ConversationId, MessageId};
use crate::repo;
use crate::signals::{self, Label};
use crate::tenancy::{Capability, WorkspaceScope};
use crate::views::{EventView, FollowupState, FollowupView, Status};
use crate::{Core, Result};

use super::conversation_views::view_one;

pub use send::fire_due;

/// How long after the question an answer is taken as one.
const ANSWER_WINDOW: Duration = Duration::days(7);

/// A conversation's follow-ups, oldest first.
pub async fn list(
    core: &Core,
    scope: &WorkspaceScope,
    conversation: ConversationId,
) -> Result<Vec<FollowupView>> {
    scope.require(Capability::ReadConversations)?;
    let conn = core.db().conn();
    repo::conversations::get(conn, scope, conversation).await?;
    let rows = repo::followups::of_conversation(conn, scope, conversation).await?;
    rows.into_iter().map(view).collect()
}

/// After a status change: a resolution schedules the question, and re-opening a resolved
/// conversation cancels one not yet sent.
pub(crate) async fn on_status(
    conn: &impl ConnectionTrait,
    scope: &WorkspaceScope,
    before: Status,
    row: &conversations::Model,
    now: DateTime<Utc>,
) -> Result<()> {
    let after: Status = row.status.parse()?;
    let id = ConversationId::from(row.id);
    if after == Status::Resolved && before != Status::Resolved {
        repo::followups::cancel_scheduled(conn, scope, id, "resolved again", now).await?;
        let workspace = repo::workspaces::get(conn, scope).await?;
        if workspace.followup_delay_secs > 0 {
            let due = now + Duration::seconds(workspace.followup_delay_secs);
            repo::followups::insert(conn, scheduled(scope, id, due, now)).await?;
        }
    } else if before == Status::Resolved
        && matches!(after, Status::Open | Status::Pending | Status::Snoozed)
    {
        repo::followups::cancel_scheduled(conn, scope, id, "re-opened", now).await?;
    }
    Ok(())
}

/// Whether a customer's message to this resolved or closed conversation answers its
/// satisfaction question (and so joins it without re-opening it).
pub(crate) async fn answers(
    conn: &impl ConnectionTrait,
    scope: &WorkspaceScope,
    row: &conversations::Model,
    text: &str,
    now: DateTime<Utc>,
) -> Result<bool> {
    if !matches!(row.status.parse()?, Status::Resolved | Status::Closed)
        || signals::csat::parse(text).is_none()
    {
        return Ok(false);
    }
    Ok(awaiting(conn, scope, row, now).await?.is_some())
}

/// Records the customer's answer on the follow-up waiting for it and on the conversation;
/// the `csat.received` event. `None` when the message answers nothing.
pub(crate) async fn record_answer(
    conn: &impl ConnectionTrait,
    scope: &WorkspaceScope,
    row: &conversations::Model,
    text: &str,
    now: DateTime<Utc>,
) -> Result<Option<EventView>> {
    let Some(score) = signals::csat::parse(text) else {
        return Ok(None);
    };
    let Some(read) = awaiting(conn, scope, row, now).await? else {
        return Ok(None);
    };
    let id = ConversationId::from(row.id);
    let first = repo::messages::first_inbound(conn, scope, id).await?;
    let first_label = first
        .and_then(|m| m.sentiment)
        .map(|s| signals::label::follow(&[s]));
    let mut answered = read.clone();
    answered.state = FollowupState::Answered.as_str().to_owned();
    answered.score = Some(i16::from(score));
    answered.answer_text = Some(text.trim().to_owned());
    answered.answered_at = Some(now);
    answered.first_label = first_label.map(|l| l.as_str().to_owned());
    answered.turned_advocate = first_label == Some(Label::Adversary) && score >= 4;
    answered.version += 1;
    answered.updated_at = now;
    let answered = repo::followups::update_at_version(conn, answered, read.version).await?;
    let conversation = repo::conversations::set_csat(conn, scope, id, i16::from(score)).await?;
    let conversation = view_one(conn, scope, conversation).await?;
    let event = Event::CsatReceived(Box::new(events::CsatAnswered {
        conversation,
        followup: view(answered)?,
    }));
    Ok(Some(events::record(conn, scope, event, now).await?))
}

/// The follow-up waiting for an answer, sent within the answer window.
async fn awaiting(
    conn: &impl ConnectionTrait,
    scope: &WorkspaceScope,
    row: &conversations::Model,
    now: DateTime<Utc>,
) -> Result<Option<Model>> {
    let id = ConversationId::from(row.id);
    let sent = repo::followups::latest_in(conn, scope, id, FollowupState::Sent).await?;
    Ok(sent.filter(|f| f.sent_at.is_some_and(|at| now - at <= ANSWER_WINDOW)))
}

fn scheduled(
    scope: &WorkspaceScope,
    conversation: ConversationId,
    due: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Model {
    Model {
        id: uuid::Uuid::now_v7(),
        workspace_id: scope.workspace_id().as_uuid(),
        conversation_id: conversation.as_uuid(),
        state: FollowupState::Scheduled.as_str().to_owned(),
        due_at: due,
        wake_at: Some(due),
        question_message_id: None,
        sent_at: None,
        score: None,
        answer_text: None,
        answered_at: None,
        first_label: None,
        turned_advocate: false,
        note: None,
        version: 0,
        created_at: now,
        updated_at: now,
    }
}

fn view(row: Model) -> Result<FollowupView> {
    Ok(FollowupView {
        id: row.id,
        conversation_id: ConversationId::from(row.conversation_id),
        state: row.state.parse()?,
        due_at: row.due_at,
        sent_at: row.sent_at,
        question_message_id: row.question_message_id.map(MessageId::from),
        score: row.score,
        answer_text: row.answer_text,
        answered_at: row.answered_at,
        first_label: row.first_label.as_deref().map(str::parse).transpose()?,
        turned_advocate: row.turned_advocate,
        note: row.note,
    })
}
