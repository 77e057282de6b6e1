//! Conversations: read one, change its status, priority, assignment and tags, start one
//! with a contact, or change many at once.

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, Set};
use serde::Deserialize;
use serde_json::json;

use crate::entity::conversations;
use crate::events::{self, Event};
use crate::ids::{ConversationId, TeamId, UserId};
use crate::repo;
use crate::repo::conversations::time_key;
use crate::tenancy::{Capability, WorkspaceScope};
use crate::views::{ConversationView, EventView, Priority, Status, double_option};
use crate::{Core, Error, FieldError, Result, care};

use super::audit;
use super::conversation_views::{view_one, views};
use super::sla_clocks;

mod start;

pub use start::{StartConversation, start};

/// Longest tag.
pub const MAX_TAG_LEN: usize = 64;
/// Most tags on one conversation.
pub const MAX_TAGS: usize = 50;
/// Most conversations one bulk call changes.
pub const MAX_BULK: usize = 200;

/// `PATCH /v1/workspaces/{ws}/conversations/{id}`: only the fields present change.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConversationPatch {
    /// New status; `snoozed` needs `snoozed_until`.
    pub status: Option<Status>,
    /// When a snoozed conversation wakes (required with `snoozed`; alone, it moves the wake
    /// time of a snoozed conversation).
    pub snoozed_until: Option<DateTime<Utc>>,
    /// Priority set by a person (the signals stop changing it).
    pub priority: Option<Priority>,
    /// Assignee; `null` unassigns.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, format = Uuid)]
    pub assignee_id: Option<Option<UserId>>,
    /// Team; `null` removes the team.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, format = Uuid)]
    pub team_id: Option<Option<TeamId>>,
    /// Tags to add.
    #[serde(default)]
    pub add_tags: Vec<String>,
    /// Tags to remove.
    #[serde(default)]
    pub remove_tags: Vec<String>,
}

/// `POST /v1/workspaces/{ws}/conversations/bulk`.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BulkUpdate {
    /// The conversations (at most 200); all or none change.
    #[schema(min_items = 1, max_items = 200)]
    pub ids: Vec<ConversationId>,
    /// The change applied to each.
    pub changes: ConversationPatch,
}

/// Checks one tag: trimmed, 1 to 64 printable characters.
pub(crate) fn clean_tag(field: &str, tag: &str) -> Result<String> {
    let tag = tag.trim();
    if tag.is_empty() || tag.chars().count() > MAX_TAG_LEN || tag.chars().any(char::is_control) {
        return Err(Error::invalid(
            field,
            "invalid_tag",
            format!("a tag has 1 to {MAX_TAG_LEN} printable characters"),
        ));
    }
    Ok(tag.to_owned())
}

fn clean_tags(field: &str, tags: &[String]) -> Result<Vec<String>> {
    if tags.len() > MAX_TAGS {
        return Err(Error::invalid(
            field,
            "too_many",
            format!("at most {MAX_TAGS} tags"),
        ));
    }
    let mut out = tags
        .iter()
        .enumerate()
        .map(|(i, t)| clean_tag(&format!("{field}[{i}]"), t))
        .collect::<Result<Vec<_>>>()?;
    out.sort();
    out.dedup();
    Ok(out)
}

/// One conversation the caller may see.
pub async fn get(
    core: &Core,
    scope: &WorkspaceScope,
    id: ConversationId,
) -> Result<ConversationView> {
    scope.require(Capability::ReadConversations)?;
    let conn = core.db().conn();
    let row = repo::conversations::get(conn, scope, id).await?;
    view_one(conn, scope, row).await
}

/// Checks the assignment rules: agents only to themselves or their teams; the assignee must
/// be a member and the team must exist here.
async fn check_assignment(
    conn: &impl ConnectionTrait,
    scope: &WorkspaceScope,
    patch: &ConversationPatch,
) -> Result<()> {
    if patch.assignee_id.is_none() && patch.team_id.is_none() {
        return Ok(());
    }
    if !scope.can(Capability::AssignAny) {
        scope.require(Capability::AssignSelf)?;
        let me = scope.actor().user_id();
        if let Some(Some(user)) = patch.assignee_id
            && Some(user) != me
        {
            return Err(Error::Forbidden(Capability::AssignAny));
        }
        if let (Some(Some(team)), Some(me)) = (patch.team_id, me)
            && !repo::teams::has_member(conn, scope, team, me).await?
        {
            return Err(Error::Forbidden(Capability::AssignAny));
        }
    }
    let mut errors = Vec::new();
    if let Some(Some(user)) = patch.assignee_id
        && repo::members::existing(conn, scope, &[user])
            .await?
            .is_empty()
    {
        errors.push(FieldError::new(
            "assignee_id",
            "not_a_member",
            "the assignee is not a member of this workspace",
        ));
    }
    if let Some(Some(team)) = patch.team_id
        && repo::teams::get(conn, scope, team).await.is_err()
    {
        errors.push(FieldError::new(
            "team_id",
            "unknown_team",
            "no such team in this workspace",
        ));
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(Error::Validation(errors))
    }
}

/// Everything but an assignment alone needs `Reply`, an empty patch too: it would still
/// touch the conversation and the audit log.
fn needs_reply_capability(patch: &ConversationPatch) -> bool {
    let assigns = patch.assignee_id.is_some() || patch.team_id.is_some();
    !assigns
        || patch.status.is_some()
        || patch.snoozed_until.is_some()
        || patch.priority.is_some()
        || !patch.add_tags.is_empty()
        || !patch.remove_tags.is_empty()
}

/// Validates a patch against the current row and applies it to an active model.
fn apply(
    row: conversations::Model,
    patch: &ConversationPatch,
    now: DateTime<Utc>,
) -> Result<conversations::ActiveModel> {
    let current: Status = row.status.parse()?;
    let mut active: conversations::ActiveModel = row.into();
    // A wake time alone moves the wake time of a snoozed conversation.
    let status = patch.status.or(patch.snoozed_until.map(|_| current));
    if let Some(status) = status {
        care::check_transition(current, status)?;
        let until = match (status, patch.snoozed_until) {
            (Status::Snoozed, Some(until)) if until > now => Some(until),
            (Status::Snoozed, _) => {
                return Err(Error::invalid(
                    "snoozed_until",
                    "required",
                    "snoozing needs a wake time in the future",
                ));
            }
            (_, Some(_)) => {
                return Err(Error::invalid(
                    "snoozed_until",
                    "not_snoozed",
                    "a wake time goes only with the snoozed status",
                ));
            }
            _ => None,
        };
        active.status = Set(status.as_str().to_owned());
        active.snoozed_until = Set(until);
        if status == Status::Resolved && current != Status::Resolved {
            active.resolved_at = Set(Some(now));
        }
    }
    if let Some(priority) = patch.priority {
        active.priority = Set(priority.rank());
        active.priority_auto = Set(false);
    }
    if let Some(assignee) = patch.assignee_id {
        active.assignee_id = Set(assignee.map(|u| u.as_uuid()));
    }
    if let Some(team) = patch.team_id {
        active.team_id = Set(team.map(|t| t.as_uuid()));
    }
    active.updated_at = Set(now);
    active.last_activity_at = Set(now);
    active.last_activity_key = Set(time_key(now));
    Ok(active)
}

/// Applies a patch to one conversation inside a transaction; returns its event.
pub(crate) async fn update_in(
    conn: &impl ConnectionTrait,
    scope: &WorkspaceScope,
    id: ConversationId,
    patch: &ConversationPatch,
    now: DateTime<Utc>,
) -> Result<EventView> {
    let row = repo::conversations::get_for_update(conn, scope, id).await?;
    let before: Status = row.status.parse()?;
    if patch.status == Some(Status::Closed) && before != Status::Closed {
        super::commitments::ensure_none_open(conn, scope, id).await?;
    }
    let add = clean_tags("add_tags", &patch.add_tags)?;
    let remove = clean_tags("remove_tags", &patch.remove_tags)?;
    let saved = repo::conversations::save(conn, scope, apply(row, patch, now)?).await?;
    repo::conversations::add_tags(conn, scope, &saved, &add).await?;
    repo::conversations::remove_tags(conn, scope, id, &remove).await?;
    super::followups::on_status(conn, scope, before, &saved, now).await?;
    let rematch = patch.priority.is_some() || !add.is_empty() || !remove.is_empty();
    let trigger = sla_clocks::Trigger::Changed { rematch };
    let (saved, news) = sla_clocks::reconcile_one(conn, scope, saved, trigger, now).await?;
    let view = view_one(conn, scope, saved).await?;
    if view.tags.len() > MAX_TAGS {
        return Err(Error::invalid(
            "add_tags",
            "too_many",
            format!("a conversation has at most {MAX_TAGS} tags"),
        ));
    }
    let details = json!({
        "status": patch.status, "priority": patch.priority, "assignee_id": patch.assignee_id,
        "team_id": patch.team_id, "add_tags": add, "remove_tags": remove,
    });
    audit::record(
        conn,
        scope,
        "conversation.updated",
        "conversation",
        id,
        details,
    )
    .await?;
    let mut changes = vec![Event::conversation_updated(view.clone())];
    changes.extend(news.into_iter().map(|clock| clock.event(view.clone())));
    let recorded = events::write(conn, scope, changes, now).await?;
    // The conversation's own event comes first.
    recorded
        .into_iter()
        .next()
        .ok_or_else(|| Error::Internal(anyhow::anyhow!("an event was not written")))
}

async fn check_patch(
    conn: &impl ConnectionTrait,
    scope: &WorkspaceScope,
    patch: &ConversationPatch,
) -> Result<()> {
    scope.require(Capability::ReadConversations)?;
    if needs_reply_capability(patch) {
        scope.require(Capability::Reply)?;
    }
    check_assignment(conn, scope, patch).await
}

/// Changes one conversation.
#[tracing::instrument(skip_all, fields(conversation_id = %id), err(level = "debug"))]
pub async fn update(
    core: &Core,
    scope: &WorkspaceScope,
    id: ConversationId,
    patch: ConversationPatch,
) -> Result<ConversationView> {
    let txn = core.db().begin().await?;
    check_patch(&txn, scope, &patch).await?;
    let event = update_in(&txn, scope, id, &patch, Utc::now()).await?;
    txn.commit().await?;
    let view = conversation_of(&event)?;
    events::committed(core, std::slice::from_ref(&event));
    super::wake_ups::index_snoozed(core, std::slice::from_ref(&view)).await;
    Ok(view)
}

/// Changes many conversations in one transaction: all or none.
#[tracing::instrument(skip_all, fields(count = input.ids.len()), err(level = "debug"))]
pub async fn bulk_update(
    core: &Core,
    scope: &WorkspaceScope,
    input: BulkUpdate,
) -> Result<Vec<ConversationView>> {
    if input.ids.is_empty() || input.ids.len() > MAX_BULK {
        return Err(Error::invalid(
            "ids",
            "out_of_range",
            format!("give 1 to {MAX_BULK} conversation ids"),
        ));
    }
    let mut ids = input.ids.clone();
    ids.sort();
    ids.dedup();
    let txn = core.db().begin().await?;
    check_patch(&txn, scope, &input.changes).await?;
    let now = Utc::now();
    let mut events = Vec::with_capacity(ids.len());
    for id in ids {
        events.push(update_in(&txn, scope, id, &input.changes, now).await?);
    }
    let views = events
        .iter()
        .map(conversation_of)
        .collect::<Result<Vec<_>>>()?;
    txn.commit().await?;
    events::committed(core, &events);
    super::wake_ups::index_snoozed(core, &views).await;
    Ok(views)
}

/// The conversation an event of a conversation carries.
pub(crate) fn conversation_of(event: &EventView) -> Result<ConversationView> {
    event
        .event
        .conversation()
        .cloned()
        .ok_or_else(|| Error::Internal(anyhow::anyhow!("the event is not a conversation's")))
}

/// Conversation read models for other services.
pub(crate) async fn many(
    conn: &impl ConnectionTrait,
    scope: &WorkspaceScope,
    rows: Vec<conversations::Model>,
) -> Result<Vec<ConversationView>> {
    views(conn, scope, rows).await
}
