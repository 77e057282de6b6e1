//! The worker fires commitments at their warning and due times, once each: re-read under
//! the conversation's lock, changed only at the version read, written with the owner's
//! notification, the escalation and the event in one transaction. A breach escalates as
//! the SLA policy that applies to the conversation says, and tells the owner and assignee.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use sea_orm::DatabaseTransaction;
use serde_json::json;
use uuid::Uuid;

use crate::entity::commitments::Model;
use crate::events::{self, CommitmentNews, Event};
use crate::ids::{ConversationId, OrgId, WorkspaceId};
use crate::schedule::{WakeKind, WakeUp};
use crate::sla::clock::Firing;
use crate::tenancy::WorkspaceScope;
use crate::views::{CommitmentState, EventView};
use crate::{Core, Error, Result};
use crate::{entity, repo};

use super::super::audit;
use super::super::conversation_views::view_one;
use super::super::sla_clocks::{escalate, notify, responsible};
use super::super::sla_policies::matching_policy;
use super::super::wake_ups::{WAKE_BATCH, org_of};
use super::{alarm, view};

/// Fires the commitments due by `now` — among `ids` only, when given; returns the ids
/// whose firing failed, to try again on the next turn.
pub async fn fire_due(
    core: &Core,
    among: Option<&[Uuid]>,
    now: DateTime<Utc>,
) -> Result<HashSet<Uuid>> {
    if among.is_some_and(<[Uuid]>::is_empty) {
        return Ok(HashSet::new());
    }
    let due = repo::wake_times::due::<entity::commitments::Entity>(
        core.db().conn(),
        now,
        among,
        WAKE_BATCH,
    )
    .await?;
    let mut orgs: HashMap<WorkspaceId, Option<OrgId>> = HashMap::new();
    let mut failed = HashSet::new();
    for row in due {
        let workspace_id = WorkspaceId::from(row.workspace_id);
        let Some(org_id) = org_of(core, &mut orgs, workspace_id).await? else {
            continue;
        };
        let scope = WorkspaceScope::system(workspace_id, org_id);
        if let Err(err) = fire_one(core, &scope, row.id, now).await {
            tracing::warn!(error = %err, commitment_id = %row.id, "a commitment did not fire; trying again");
            failed.insert(row.id);
        }
    }
    Ok(failed)
}

async fn fire_one(core: &Core, scope: &WorkspaceScope, id: Uuid, now: DateTime<Utc>) -> Result<()> {
    let txn = core.db().begin().await?;
    let Some(read) = repo::commitments::by_id(&txn, id).await? else {
        return Ok(());
    };
    let conversation = ConversationId::from(read.conversation_id);
    match repo::conversations::get_for_update(&txn, scope, conversation).await {
        Ok(_) => {}
        Err(Error::NotFound) => return Ok(()),
        Err(err) => return Err(err),
    }
    // Re-read under the conversation's lock: a change that committed meanwhile wins.
    let Some(read) = repo::commitments::by_id(&txn, id).await? else {
        return Ok(());
    };
    let firings = alarm(&read).fire(now);
    if read.state != CommitmentState::Open.as_str() || firings.is_empty() {
        return Ok(());
    }
    let mut row = read.clone();
    for firing in &firings {
        match firing {
            Firing::Warning => row.warned_at = Some(now),
            Firing::Breach => row.breached_at = Some(now),
        }
    }
    row.wake_at = alarm(&row).next_wake();
    row.version += 1;
    row.updated_at = now;
    let row = repo::commitments::update_at_version(&txn, row, read.version).await?;
    let recorded = record(&txn, scope, &row, &firings, now).await?;
    txn.commit().await?;
    tracing::info!(workspace_id = %scope.workspace_id(), commitment_id = %id, ?firings, "commitment fired");
    events::committed(core, &recorded);
    if let Some(at) = row.wake_at {
        let next = WakeUp {
            kind: WakeKind::Commitment,
            id,
            at,
        };
        if let Err(err) = core.schedule().add(&[next]).await {
            tracing::warn!(error = %err, "a commitment's next wake-up is not indexed; the re-index finds it");
        }
    }
    Ok(())
}

/// The audit entries, notifications, escalation and events of the firings.
async fn record(
    txn: &DatabaseTransaction,
    scope: &WorkspaceScope,
    row: &Model,
    firings: &[Firing],
    now: DateTime<Utc>,
) -> Result<Vec<EventView>> {
    let conversation = ConversationId::from(row.conversation_id);
    let owners = responsible(txn, scope, row.owner_user_id, row.owner_team_id).await?;
    let mut events = Vec::new();
    for firing in firings {
        let (action, news, kind) = match firing {
            Firing::Warning => (
                "commitment.warning",
                CommitmentNews::Warning,
                "commitment_due_soon",
            ),
            Firing::Breach => (
                "commitment.breached",
                CommitmentNews::Breached,
                "commitment_breached",
            ),
        };
        let details = json!({ "commitment_id": row.id, "due_at": row.due_at });
        audit::record(txn, scope, action, "conversation", conversation, details).await?;
        let mut told = owners.clone();
        if *firing == Firing::Breach {
            let policy = matching_policy(txn, scope, conversation).await?;
            let actions = policy.map(|p| p.breach_actions).unwrap_or_default();
            let escalated = escalate(txn, scope, conversation, &actions, now).await?;
            told.extend(escalated.assignee_id);
            told.sort();
            told.dedup();
        }
        notify(txn, scope, &told, kind, conversation).await?;
        events.push(news);
    }
    let shown = repo::conversations::get_any(txn, scope, conversation).await?;
    let shown = view_one(txn, scope, shown).await?;
    let commitment = view(row.clone())?;
    let events = events
        .into_iter()
        .map(|news| Event::commitment(news, shown.clone(), commitment.clone()))
        .collect();
    events::write(txn, scope, events, now).await
}
