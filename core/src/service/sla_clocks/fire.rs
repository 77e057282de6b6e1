//! The worker fires SLA clocks at their deadlines. Each firing re-reads its clock under its
//! conversation's lock and changes it only at the version it read, writing the warning or
//! breach, its audit entry, the breach's actions and the events in one transaction: a late,
//! repeated or concurrent wake-up (another worker, a stale index entry) fires nothing twice.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use futures_util::StreamExt;
use sea_orm::{ConnectionTrait, DatabaseTransaction};
use serde_json::json;
use uuid::Uuid;

use crate::entity::conversations;
use crate::entity::sla_clocks::Model;
use crate::events::{self, Event, SlaNews};
use crate::ids::{ConversationId, OrgId, SlaPolicyId, UserId, WorkspaceId};
use crate::repo;
use crate::schedule::{WakeKind, WakeUp};
use crate::sla::calendar::Calendar;
use crate::sla::clock::Firing;
use crate::sla::policy::BreachActions;
use crate::tenancy::WorkspaceScope;
use crate::{Core, Error, Result};

use super::super::audit;
use super::super::conversation_views::view_one;
use super::super::conversations::{ConversationPatch, update_in};
use super::super::wake_ups::{WAKE_BATCH, org_of};
use super::rows::{clock_of, updated_row, view_of};

/// Clocks one worker fires at once (each holds a database connection while it fires).
const FIRING_CONCURRENCY: usize = 4;

/// Fires the clocks due by `now` — among `ids` only, when given (the wake-up index's
/// entries); returns the ids whose firing failed, to try again on the next turn.
pub async fn fire_due(
    core: &Core,
    among: Option<&[Uuid]>,
    now: DateTime<Utc>,
) -> Result<HashSet<Uuid>> {
    if among.is_some_and(<[Uuid]>::is_empty) {
        return Ok(HashSet::new());
    }
    let due = repo::sla_clocks::due(core.db().conn(), now, among, WAKE_BATCH).await?;
    let mut orgs: HashMap<WorkspaceId, Option<OrgId>> = HashMap::new();
    let mut work = Vec::with_capacity(due.len());
    for row in due {
        let workspace_id = WorkspaceId::from(row.workspace_id);
        if let Some(org_id) = org_of(core, &mut orgs, workspace_id).await? {
            work.push((WorkspaceScope::system(workspace_id, org_id), row));
        }
    }
    // Clocks of different conversations fire side by side, each in its own transaction.
    let fired = futures_util::stream::iter(work)
        .map(|(scope, row)| async move {
            let outcome = fire_one(core, &scope, &row, now).await;
            (row.id, outcome)
        })
        .buffer_unordered(FIRING_CONCURRENCY)
        .collect::<Vec<_>>()
        .await;
    let mut failed = HashSet::new();
    for (id, outcome) in fired {
        if let Err(err) = outcome {
            tracing::warn!(error = %err, clock_id = %id, "an SLA clock did not fire; trying again");
            failed.insert(id);
        }
    }
    Ok(failed)
}

/// Fires one clock if it is still due, in one transaction.
async fn fire_one(
    core: &Core,
    scope: &WorkspaceScope,
    due: &Model,
    now: DateTime<Utc>,
) -> Result<()> {
    let txn = core.db().begin().await?;
    let id = ConversationId::from(due.conversation_id);
    match repo::conversations::get_for_update(&txn, scope, id).await {
        Ok(_) => {}
        Err(Error::NotFound) => return Ok(()),
        Err(err) => return Err(err),
    }
    let Some(read) = repo::sla_clocks::by_id(&txn, due.id).await? else {
        return Ok(());
    };
    let mut clock = clock_of(&read)?;
    let firings = clock.fire(now);
    if firings.is_empty() {
        return Ok(());
    }
    repo::sla_clocks::update_at_version(&txn, updated_row(read.clone(), &clock, now), read.version)
        .await?;
    for firing in &firings {
        let details = json!({
            "clock_id": read.id, "kind": read.kind, "due_at": read.due_at,
            "policy_id": read.policy_id,
        });
        audit::record(&txn, scope, action(*firing), "conversation", id, details).await?;
    }
    if firings.contains(&Firing::Breach) {
        breach_actions(&txn, scope, &read, now).await?;
    }
    let recorded = record(&txn, scope, due.id, id, &firings, now).await?;
    let wake_at = repo::sla_clocks::by_id(&txn, due.id)
        .await?
        .and_then(|r| r.wake_at);
    txn.commit().await?;
    tracing::info!(workspace_id = %scope.workspace_id(), conversation_id = %id, clock_id = %due.id, ?firings, "SLA clock fired");
    events::committed(core, &recorded);
    if let Some(at) = wake_at {
        let next = WakeUp {
            kind: WakeKind::Clock,
            id: due.id,
            at,
        };
        if let Err(err) = core.schedule().add(&[next]).await {
            tracing::warn!(error = %err, "a clock's next wake-up is not indexed; the re-index finds it");
        }
    }
    Ok(())
}

fn action(firing: Firing) -> &'static str {
    match firing {
        Firing::Warning => "sla.warning",
        Firing::Breach => "sla.breached",
    }
}

/// The events of the firings, showing the conversation and the clock as they now are.
async fn record(
    txn: &DatabaseTransaction,
    scope: &WorkspaceScope,
    clock: Uuid,
    id: ConversationId,
    firings: &[Firing],
    now: DateTime<Utc>,
) -> Result<Vec<crate::views::EventView>> {
    let row = repo::sla_clocks::by_id(txn, clock)
        .await?
        .ok_or(Error::NotFound)?;
    let hours: Vec<Uuid> = row.business_hours_id.into_iter().collect();
    let calendars = super::super::business_hours::calendars(txn, scope, &hours);
    let calendar = calendars
        .await?
        .into_values()
        .next()
        .unwrap_or_else(Calendar::always);
    let clock = view_of(&row, &calendar, now)?;
    let conversation = view_one(
        txn,
        scope,
        repo::conversations::get_any(txn, scope, id).await?,
    );
    let conversation = conversation.await?;
    let events = firings
        .iter()
        .map(|firing| {
            let news = match firing {
                Firing::Warning => SlaNews::Warning,
                Firing::Breach => SlaNews::Breached,
            };
            Event::sla(news, conversation.clone(), clock.clone())
        })
        .collect();
    events::write(txn, scope, events, now).await
}

/// What the clock's policy says a breach does: raise the priority, hand the conversation to
/// the escalation team, tag it, and notify its assignee and team. A deleted policy's clock
/// only notifies.
async fn breach_actions(
    txn: &DatabaseTransaction,
    scope: &WorkspaceScope,
    clock: &Model,
    now: DateTime<Utc>,
) -> Result<()> {
    let actions = match clock.policy_id {
        Some(policy) => {
            match repo::sla_policies::get(txn, scope, SlaPolicyId::from(policy)).await {
                Ok(policy) => policy.breach_actions,
                Err(Error::NotFound) => BreachActions::default(),
                Err(err) => return Err(err),
            }
        }
        None => BreachActions::default(),
    };
    let id = ConversationId::from(clock.conversation_id);
    let row = escalate(txn, scope, id, &actions, now).await?;
    if actions.notify {
        let users = responsible(txn, scope, row.assignee_id, row.team_id).await?;
        notify(txn, scope, &users, "sla_breached", id).await?;
    }
    Ok(())
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
    let Some(patch) = breach_patch(&row, actions) else {
        return Ok(row);
    };
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
    let mut users: Vec<Uuid> = user.into_iter().collect();
    if let Some(team) = team {
        let members = repo::teams::members_of(conn, scope, &[team]).await?;
        users.extend(members.into_iter().map(|m| m.user_id));
    }
    users.sort();
    users.dedup();
    Ok(users)
}

/// Notifies each of `users` about a conversation.
pub(crate) async fn notify(
    conn: &impl ConnectionTrait,
    scope: &WorkspaceScope,
    users: &[Uuid],
    kind: &str,
    id: ConversationId,
) -> Result<()> {
    for user in users {
        repo::notifications::insert(conn, scope, UserId::from(*user), kind, id, None).await?;
    }
    Ok(())
}
