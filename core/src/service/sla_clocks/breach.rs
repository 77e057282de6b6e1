//! What a breach does, by the clock's policy: raise the priority, hand the conversation to
//! the escalation team, tag it, and notify its assignee and team. Commitments' breaches
//! escalate the same way.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DatabaseTransaction};
use uuid::Uuid;

use crate::entity::conversations;
use crate::entity::sla_clocks::Model;
use crate::ids::{ConversationId, SlaPolicyId, UserId};
use crate::repo;
use crate::sla::policy::BreachActions;
use crate::tenancy::WorkspaceScope;
use crate::{Error, Result};

use super::super::conversations::{ConversationPatch, update_in};

/// Policies' breach actions already read, by policy id (`None`: deleted since).
pub(super) type KnownActions = HashMap<Uuid, Option<BreachActions>>;

/// The batch's conversations as they stand, by id: a breach reads its conversation here
/// and leaves it here as its actions changed it.
pub(super) type Locked = HashMap<Uuid, conversations::Model>;

/// Who is told of a breach: the conversation's assignee and team, as the breach left them.
#[derive(Debug, Clone, Copy)]
pub(super) struct ToTell {
    conversation: Uuid,
    user: Option<Uuid>,
    team: Option<Uuid>,
}

/// Does what the clock's policy says a breach does, but for notifying: who to notify, if
/// the policy says so (`notify_all` tells them all at once). A deleted policy's clock only
/// notifies.
pub(super) async fn breach_actions(
    txn: &DatabaseTransaction,
    scope: &WorkspaceScope,
    clock: &Model,
    known: &mut KnownActions,
    locked: &mut Locked,
    now: DateTime<Utc>,
) -> Result<Option<ToTell>> {
    let actions = match clock.policy_id {
        Some(policy) => actions_of(txn, scope, policy, known).await?,
        None => BreachActions::default(),
    };
    let row = match locked.remove(&clock.conversation_id) {
        Some(row) => row,
        None => repo::conversations::get_any(txn, scope, clock.conversation_id.into()).await?,
    };
    let row = escalate_row(txn, scope, row, &actions, now).await?;
    let tell = actions.notify.then_some(ToTell {
        conversation: row.id,
        user: row.assignee_id,
        team: row.team_id,
    });
    locked.insert(row.id, row);
    Ok(tell)
}

/// Notifies the assignees and team members of breached conversations, each person once
/// per conversation, with one read of the teams and one insert.
pub(super) async fn notify_all(
    txn: &DatabaseTransaction,
    scope: &WorkspaceScope,
    breaches: &[ToTell],
) -> Result<()> {
    let teams: Vec<Uuid> = breaches.iter().filter_map(|b| b.team).collect();
    let members = members_by_team(txn, scope, teams).await?;
    let mut told = Vec::new();
    for breach in breaches {
        let conversation = ConversationId::from(breach.conversation);
        let users = people(breach.user, breach.team, &members);
        told.extend(users.into_iter().map(|u| (UserId::from(u), conversation)));
    }
    repo::notifications::insert_many(txn, scope, "sla_breached", &told).await
}

/// A policy's breach actions, read once per batch.
async fn actions_of(
    txn: &DatabaseTransaction,
    scope: &WorkspaceScope,
    policy: Uuid,
    known: &mut KnownActions,
) -> Result<BreachActions> {
    if let Some(actions) = known.get(&policy) {
        return Ok(actions.clone().unwrap_or_default());
    }
    let actions = match repo::sla_policies::get(txn, scope, SlaPolicyId::from(policy)).await {
        Ok(policy) => Some(policy.breach_actions),
        Err(Error::NotFound) => None,
        Err(err) => return Err(err),
    };
    known.insert(policy, actions.clone());
    Ok(actions.unwrap_or_default())
}

/// Applies a breach's actions to a conversation; the conversation as they leave it.
pub(crate) async fn escalate(
    txn: &DatabaseTransaction,
    scope: &WorkspaceScope,
    id: ConversationId,
    actions: &BreachActions,
    now: DateTime<Utc>,
) -> Result<conversations::Model> {
    let row = repo::conversations::get_any(txn, scope, id).await?;
    escalate_row(txn, scope, row, actions, now).await
}

/// Applies a breach's actions to a conversation read in this transaction.
async fn escalate_row(
    txn: &DatabaseTransaction,
    scope: &WorkspaceScope,
    row: conversations::Model,
    actions: &BreachActions,
    now: DateTime<Utc>,
) -> Result<conversations::Model> {
    let Some(patch) = breach_patch(&row, actions) else {
        return Ok(row);
    };
    let id = ConversationId::from(row.id);
    update_in(txn, scope, id, &patch, now).await?;
    repo::conversations::get_any(txn, scope, id).await
}

/// The change a breach makes to a conversation; `None` when it changes nothing.
fn breach_patch(row: &conversations::Model, actions: &BreachActions) -> Option<ConversationPatch> {
    let mut patch = ConversationPatch::default();
    let mut changes = false;
    if let Some(priority) = actions
        .raise_priority_to
        .filter(|p| p.rank() > row.priority)
    {
        patch.priority = Some(priority);
        changes = true;
    }
    if let Some(team) = actions
        .assign_team_id
        .filter(|t| row.team_id != Some(t.as_uuid()))
    {
        patch.team_id = Some(Some(team));
        changes = true;
    }
    if let Some(tag) = &actions.add_tag {
        patch.add_tags = vec![tag.clone()];
        changes = true;
    }
    changes.then_some(patch)
}

/// A person and a team's members, each once.
pub(crate) async fn responsible(
    conn: &impl ConnectionTrait,
    scope: &WorkspaceScope,
    user: Option<Uuid>,
    team: Option<Uuid>,
) -> Result<Vec<Uuid>> {
    let members = members_by_team(conn, scope, team.into_iter().collect()).await?;
    Ok(people(user, team, &members))
}

/// The members of each of `teams`, in one read (none for no teams).
async fn members_by_team(
    conn: &impl ConnectionTrait,
    scope: &WorkspaceScope,
    mut teams: Vec<Uuid>,
) -> Result<HashMap<Uuid, Vec<Uuid>>> {
    teams.sort_unstable();
    teams.dedup();
    let mut members: HashMap<Uuid, Vec<Uuid>> = HashMap::new();
    if !teams.is_empty() {
        for member in repo::teams::members_of(conn, scope, &teams).await? {
            let team = members.entry(member.team_id).or_default();
            team.push(member.user_id);
        }
    }
    Ok(members)
}

/// A person and a team's members, each once, from the members already read.
fn people(user: Option<Uuid>, team: Option<Uuid>, members: &HashMap<Uuid, Vec<Uuid>>) -> Vec<Uuid> {
    let mut users: Vec<Uuid> = user.into_iter().collect();
    if let Some(team) = team {
        users.extend(members.get(&team).into_iter().flatten());
    }
    users.sort_unstable();
    users.dedup();
    users
}

/// Notifies each of `users` about a conversation.
pub(crate) async fn notify(
    conn: &impl ConnectionTrait,
    scope: &WorkspaceScope,
    users: &[Uuid],
    kind: &str,
    id: ConversationId,
) -> Result<()> {
    let told: Vec<(UserId, ConversationId)> =
        users.iter().map(|u| (UserId::from(*u), id)).collect();
    repo::notifications::insert_many(conn, scope, kind, &told).await
}
