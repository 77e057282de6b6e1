//! Commitments — say what you will do, do what you said. An agent records a promise made to
//! the customer ("a technician visits Friday") with a due time and an owner (a person or a
//! team); it warns and breaches like an SLA clock (`fire`), counts in the conversation's
//! deadline and so in the inbox's `sla` filter and sort, and is fulfilled or cancelled as a
//! recorded action. A conversation with an open commitment cannot be closed.

mod fire;
mod input;

use chrono::{DateTime, Duration, Utc};
use sea_orm::ConnectionTrait;
use serde_json::json;

use crate::entity::commitments::Model;
use crate::events::{self, CommitmentNews, Event};
use crate::ids::{CommitmentId, ConversationId, TeamId, UserId};
use crate::repo;
use crate::sla::clock::Alarm;
use crate::tenancy::{Capability, WorkspaceScope};
use crate::views::{CommitmentState, CommitmentView, EventView};
use crate::{Core, Error, Result};

use super::audit;
use super::conversation_views::view_one;
use super::sla_clocks::{self, Trigger};

pub use fire::fire_due;
pub use input::{CommitmentPatch, NewCommitment};

/// A conversation's commitments, by due time.
pub async fn list(
    core: &Core,
    scope: &WorkspaceScope,
    conversation: ConversationId,
) -> Result<Vec<CommitmentView>> {
    scope.require(Capability::ReadConversations)?;
    let conn = core.db().conn();
    repo::conversations::get(conn, scope, conversation).await?;
    let rows = repo::commitments::of_conversation(conn, scope, conversation).await?;
    rows.into_iter().map(view).collect()
}

/// One commitment.
pub async fn get(
    core: &Core,
    scope: &WorkspaceScope,
    conversation: ConversationId,
    id: CommitmentId,
) -> Result<CommitmentView> {
    scope.require(Capability::ReadConversations)?;
    let conn = core.db().conn();
    repo::conversations::get(conn, scope, conversation).await?;
    view(repo::commitments::get(conn, scope, conversation, id).await?)
}

/// Records a commitment on a conversation.
#[tracing::instrument(skip_all, fields(conversation_id = %conversation), err(level = "debug"))]
pub async fn create(
    core: &Core,
    scope: &WorkspaceScope,
    conversation: ConversationId,
    new: NewCommitment,
) -> Result<CommitmentView> {
    scope.require(Capability::Reply)?;
    let now = Utc::now();
    let txn = core.db().begin().await?;
    repo::conversations::get_for_update(&txn, scope, conversation).await?;
    let checked = input::checked_new(&txn, scope, new, now).await?;
    let row = repo::commitments::insert(&txn, new_row(scope, conversation, checked, now)).await?;
    let details = json!({ "commitment_id": row.id, "due_at": row.due_at });
    audit::record(
        &txn,
        scope,
        "commitment.created",
        "conversation",
        conversation,
        details,
    )
    .await?;
    let (created, recorded) = changed(&txn, scope, row, CommitmentNews::Created, now).await?;
    txn.commit().await?;
    events::committed(core, &recorded);
    Ok(created)
}

/// Changes a commitment's text, due time or owner, or fulfils or cancels it. A commitment
/// that is no longer open does not change.
#[tracing::instrument(skip_all, fields(commitment_id = %id), err(level = "debug"))]
pub async fn update(
    core: &Core,
    scope: &WorkspaceScope,
    conversation: ConversationId,
    id: CommitmentId,
    patch: CommitmentPatch,
) -> Result<CommitmentView> {
    scope.require(Capability::Reply)?;
    let now = Utc::now();
    let txn = core.db().begin().await?;
    repo::conversations::get_for_update(&txn, scope, conversation).await?;
    let read = repo::commitments::get(&txn, scope, conversation, id).await?;
    if read.state != CommitmentState::Open.as_str() {
        return Err(Error::conflict(
            "commitment_closed",
            format!("the commitment is {}; it no longer changes", read.state),
        ));
    }
    let (row, news) = input::apply(&txn, scope, read.clone(), patch, now).await?;
    let row = repo::commitments::update_at_version(&txn, row, read.version).await?;
    let action = match news {
        CommitmentNews::Fulfilled => "commitment.fulfilled",
        CommitmentNews::Cancelled => "commitment.cancelled",
        _ => "commitment.updated",
    };
    let details = json!({ "commitment_id": row.id, "due_at": row.due_at, "state": row.state });
    audit::record(&txn, scope, action, "conversation", conversation, details).await?;
    let (updated, recorded) = changed(&txn, scope, row, news, now).await?;
    txn.commit().await?;
    events::committed(core, &recorded);
    Ok(updated)
}

/// Refuses to close a conversation while a commitment on it is open.
pub(crate) async fn ensure_none_open(
    conn: &impl ConnectionTrait,
    scope: &WorkspaceScope,
    conversation: ConversationId,
) -> Result<()> {
    let open = repo::commitments::open_count(conn, scope, conversation).await?;
    if open == 0 {
        return Ok(());
    }
    Err(Error::conflict(
        "open_commitments",
        format!("{open} commitment(s) on this conversation are open: fulfil or cancel them first"),
    ))
}

/// After a commitment changed: the conversation's deadline follows, and the event shows
/// both as they now are.
async fn changed(
    conn: &impl ConnectionTrait,
    scope: &WorkspaceScope,
    row: Model,
    news: CommitmentNews,
    now: DateTime<Utc>,
) -> Result<(CommitmentView, Vec<EventView>)> {
    let id = ConversationId::from(row.conversation_id);
    let conversation = repo::conversations::get_any(conn, scope, id).await?;
    let trigger = Trigger::Changed { rematch: false };
    let (conversation, clock_news) =
        sla_clocks::reconcile_one(conn, scope, conversation, trigger, now).await?;
    let conversation = view_one(conn, scope, conversation).await?;
    let commitment = view(row)?;
    let mut events = vec![Event::commitment(
        news,
        conversation.clone(),
        commitment.clone(),
    )];
    events.extend(
        clock_news
            .into_iter()
            .map(|n| n.event(conversation.clone())),
    );
    let recorded = events::write(conn, scope, events, now).await?;
    Ok((commitment, recorded))
}

/// What was checked of a new commitment.
pub(crate) struct Checked {
    text: String,
    due_at: DateTime<Utc>,
    warning_percent: i16,
    owner_user_id: Option<UserId>,
    owner_team_id: Option<TeamId>,
}

/// When a commitment made at `from` and due at `due` warns.
fn warn_at(from: DateTime<Utc>, due: DateTime<Utc>, percent: i16) -> DateTime<Utc> {
    let span = (due - from).num_milliseconds().max(0);
    from + Duration::milliseconds(span * i64::from(percent) / 100)
}

fn alarm(row: &Model) -> Alarm {
    let open = row.state == CommitmentState::Open.as_str();
    Alarm {
        warn_at: open.then_some(row.warn_at),
        due_at: open.then_some(row.due_at),
        warned_at: row.warned_at,
        breached_at: row.breached_at,
    }
}

fn new_row(
    scope: &WorkspaceScope,
    conversation: ConversationId,
    checked: Checked,
    now: DateTime<Utc>,
) -> Model {
    let mut row = Model {
        id: CommitmentId::new().as_uuid(),
        workspace_id: scope.workspace_id().as_uuid(),
        conversation_id: conversation.as_uuid(),
        text: checked.text,
        due_at: checked.due_at,
        warning_percent: checked.warning_percent,
        warn_at: warn_at(now, checked.due_at, checked.warning_percent),
        wake_at: None,
        owner_user_id: checked.owner_user_id.map(|u| u.as_uuid()),
        owner_team_id: checked.owner_team_id.map(|t| t.as_uuid()),
        state: CommitmentState::Open.as_str().to_owned(),
        warned_at: None,
        breached_at: None,
        fulfilled_at: None,
        fulfilled_by: None,
        cancelled_at: None,
        created_by: scope.actor().user_id().map(|u| u.as_uuid()),
        version: 0,
        created_at: now,
        updated_at: now,
    };
    row.wake_at = alarm(&row).next_wake();
    row
}

pub(crate) fn view(row: Model) -> Result<CommitmentView> {
    Ok(CommitmentView {
        id: CommitmentId::from(row.id),
        conversation_id: ConversationId::from(row.conversation_id),
        breached: row.breached_at.is_some(),
        state: row.state.parse()?,
        text: row.text,
        due_at: row.due_at,
        warning_percent: row.warning_percent,
        warn_at: row.warn_at,
        owner_user_id: row.owner_user_id.map(UserId::from),
        owner_team_id: row.owner_team_id.map(TeamId::from),
        warned_at: row.warned_at,
        breached_at: row.breached_at,
        fulfilled_at: row.fulfilled_at,
        fulfilled_by: row.fulfilled_by.map(UserId::from),
        cancelled_at: row.cancelled_at,
        created_by: row.created_by.map(UserId::from),
        version: row.version,
        created_at: row.created_at,
        updated_at: row.updated_at,
    })
}
