//! The worker fires SLA clocks at their deadlines, many in one transaction: it locks their
//! conversations, re-reads the clocks and changes them only at the versions it read, then
//! writes the warnings and breaches, their audit entries, the breaches' actions and the
//! events together. A late, repeated or concurrent wake-up (another worker, a stale index
//! entry) fires nothing twice. A batch that fails is fired again one clock at a time, so
//! one clock that cannot fire does not hold up the others.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use futures_util::StreamExt;
use sea_orm::DatabaseTransaction;
use serde_json::json;
use uuid::Uuid;

use crate::entity::sla_clocks::Model;
use crate::events::{self, Event, SlaNews};
use crate::ids::{OrgId, WorkspaceId};
use crate::repo::audit::NewEntry;
use crate::schedule::{WakeKind, WakeUp};
use crate::sla::calendar::Calendar;
use crate::sla::clock::Firing;
use crate::tenancy::WorkspaceScope;
use crate::views::EventView;
use crate::{Core, Error, Result};
use crate::{entity, repo};

use super::super::conversation_views::views;
use super::super::wake_ups::{WAKE_BATCH, org_of};
use super::breach::{KnownActions, Locked, breach_actions, notify_all};
use super::rows::{clock_of, updated_row, view_of};

/// Clocks one transaction fires together.
const FIRING_BATCH: usize = 250;

/// Batches one worker fires side by side (each holds a database connection while it fires).
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
    let due = repo::wake_times::due::<entity::sla_clocks::Entity>(
        core.db().conn(),
        now,
        among,
        WAKE_BATCH,
    )
    .await?;
    let batches = batches_of(core, due).await?;
    let failed = futures_util::stream::iter(batches)
        .map(|(scope, rows)| async move { fire_batch_or_each(core, &scope, rows, now).await })
        .buffer_unordered(FIRING_CONCURRENCY)
        .collect::<Vec<_>>()
        .await;
    Ok(failed.into_iter().flatten().collect())
}

/// The due clocks in batches of one workspace each; a deleted workspace's clocks are left.
async fn batches_of(core: &Core, due: Vec<Model>) -> Result<Vec<(WorkspaceScope, Vec<Model>)>> {
    let mut by_workspace: HashMap<WorkspaceId, Vec<Model>> = HashMap::new();
    for row in due {
        let workspace_id = WorkspaceId::from(row.workspace_id);
        by_workspace.entry(workspace_id).or_default().push(row);
    }
    let mut orgs: HashMap<WorkspaceId, Option<OrgId>> = HashMap::new();
    let mut batches = Vec::new();
    for (workspace_id, rows) in by_workspace {
        let Some(org_id) = org_of(core, &mut orgs, workspace_id).await? else {
            continue;
        };
        let scope = WorkspaceScope::system(workspace_id, org_id);
        for chunk in rows.chunks(FIRING_BATCH) {
            batches.push((scope.clone(), chunk.to_vec()));
        }
    }
    Ok(batches)
}

/// Fires a batch; if it fails, each of its clocks alone. The ids that did not fire.
async fn fire_batch_or_each(
    core: &Core,
    scope: &WorkspaceScope,
    rows: Vec<Model>,
    now: DateTime<Utc>,
) -> HashSet<Uuid> {
    let Err(err) = fire_batch(core, scope, &rows, now).await else {
        return HashSet::new();
    };
    if let [row] = rows.as_slice() {
        tracing::warn!(error = %err, clock_id = %row.id, "an SLA clock did not fire; trying again");
        return HashSet::from([row.id]);
    }
    tracing::warn!(error = %err, clocks = rows.len(), "a batch of SLA clocks did not fire; firing each alone");
    let mut failed = HashSet::new();
    for row in rows {
        if let Err(err) = fire_batch(core, scope, std::slice::from_ref(&row), now).await {
            tracing::warn!(error = %err, clock_id = %row.id, "an SLA clock did not fire; trying again");
            failed.insert(row.id);
        }
    }
    failed
}

/// A clock that fired: its row as firing left it, the version it was read at, and what fired.
struct Fired {
    row: Model,
    read_version: i32,
    firings: Vec<Firing>,
}

/// Fires the clocks of `due` (one workspace's) still due, in one transaction.
async fn fire_batch(
    core: &Core,
    scope: &WorkspaceScope,
    due: &[Model],
    now: DateTime<Utc>,
) -> Result<()> {
    let txn = core.db().begin().await?;
    let (fired, mut locked) = fire_rows(&txn, scope, due, now).await?;
    if fired.is_empty() {
        return Ok(());
    }
    let writes: Vec<(Model, i32)> = fired
        .iter()
        .map(|f| (f.row.clone(), f.read_version))
        .collect();
    repo::sla_clocks::fired_many(&txn, &writes, now).await?;
    repo::audit::insert_many(&txn, scope, audit_entries(&fired)).await?;
    let mut known = KnownActions::new();
    let mut to_tell = Vec::new();
    for breach in fired.iter().filter(|f| f.firings.contains(&Firing::Breach)) {
        let tell = breach_actions(&txn, scope, &breach.row, &mut known, &mut locked, now);
        to_tell.extend(tell.await?);
    }
    notify_all(&txn, scope, &to_tell).await?;
    let (recorded, wake_ups) = record(&txn, scope, &fired, now).await?;
    txn.commit().await?;
    tracing::info!(workspace_id = %scope.workspace_id(), clocks = fired.len(), "SLA clocks fired");
    events::committed(core, &recorded);
    if let Err(err) = core.schedule().add(&wake_ups).await {
        tracing::warn!(error = %err, "clocks' next wake-ups are not indexed; the re-index finds them");
    }
    Ok(())
}

/// Locks the clocks' conversations, re-reads the clocks and fires those still due, in
/// memory; the clocks that fired, and the conversations locked.
async fn fire_rows(
    txn: &DatabaseTransaction,
    scope: &WorkspaceScope,
    due: &[Model],
    now: DateTime<Utc>,
) -> Result<(Vec<Fired>, Locked)> {
    let mut conversations: Vec<Uuid> = due.iter().map(|r| r.conversation_id).collect();
    conversations.sort_unstable();
    conversations.dedup();
    let locked = repo::conversations::get_many_for_update(txn, scope, &conversations).await?;
    let locked: Locked = locked.into_iter().map(|c| (c.id, c)).collect();
    let ids: Vec<Uuid> = due
        .iter()
        .filter(|r| locked.contains_key(&r.conversation_id))
        .map(|r| r.id)
        .collect();
    let mut fired = Vec::new();
    for read in repo::sla_clocks::by_ids(txn, &ids).await? {
        let mut clock = clock_of(&read)?;
        let firings = clock.fire(now);
        if !firings.is_empty() {
            let read_version = read.version;
            let row = updated_row(read, &clock, now);
            fired.push(Fired {
                row,
                read_version,
                firings,
            });
        }
    }
    Ok((fired, locked))
}

fn audit_entries(fired: &[Fired]) -> Vec<NewEntry> {
    let mut entries = Vec::new();
    for Fired { row, firings, .. } in fired {
        for firing in firings {
            entries.push(NewEntry {
                action: action(*firing),
                target_kind: "conversation",
                target_id: Some(row.conversation_id.to_string()),
                details: Some(json!({
                    "clock_id": row.id, "kind": row.kind, "due_at": row.due_at,
                    "policy_id": row.policy_id,
                })),
            });
        }
    }
    entries
}

fn action(firing: Firing) -> &'static str {
    match firing {
        Firing::Warning => "sla.warning",
        Firing::Breach => "sla.breached",
    }
}

/// The events of the firings, showing each conversation and clock as they now are (a
/// breach's actions may have changed both), and the clocks' next wake-ups.
async fn record(
    txn: &DatabaseTransaction,
    scope: &WorkspaceScope,
    fired: &[Fired],
    now: DateTime<Utc>,
) -> Result<(Vec<EventView>, Vec<WakeUp>)> {
    let ids: Vec<Uuid> = fired.iter().map(|f| f.row.id).collect();
    let clocks: HashMap<Uuid, Model> = repo::sla_clocks::by_ids(txn, &ids)
        .await?
        .into_iter()
        .map(|row| (row.id, row))
        .collect();
    let mut hours: Vec<Uuid> = clocks
        .values()
        .filter_map(|r| r.business_hours_id)
        .collect();
    hours.sort_unstable();
    hours.dedup();
    let calendars = super::super::business_hours::calendars(txn, scope, &hours).await?;
    let conversations = conversation_views(txn, scope, fired).await?;
    let always = Calendar::always();
    let mut events = Vec::new();
    let mut wake_ups = Vec::new();
    for Fired { row, firings, .. } in fired {
        let row = clocks.get(&row.id).ok_or(Error::NotFound)?;
        let calendar = row.business_hours_id.and_then(|h| calendars.get(&h));
        let clock = view_of(row, calendar.unwrap_or(&always), now)?;
        let conversation = conversations
            .get(&row.conversation_id)
            .ok_or(Error::NotFound)?;
        for firing in firings {
            let news = match firing {
                Firing::Warning => SlaNews::Warning,
                Firing::Breach => SlaNews::Breached,
            };
            events.push(Event::sla(news, conversation.clone(), clock.clone()));
        }
        if let Some(at) = row.wake_at {
            let (kind, id) = (WakeKind::Clock, row.id);
            wake_ups.push(WakeUp { kind, id, at });
        }
    }
    Ok((events::write(txn, scope, events, now).await?, wake_ups))
}

/// The fired clocks' conversations as they now are, by id.
async fn conversation_views(
    txn: &DatabaseTransaction,
    scope: &WorkspaceScope,
    fired: &[Fired],
) -> Result<HashMap<Uuid, crate::views::ConversationView>> {
    let mut ids: Vec<Uuid> = fired.iter().map(|f| f.row.conversation_id).collect();
    ids.sort_unstable();
    ids.dedup();
    let rows = repo::conversations::get_many_for_update(txn, scope, &ids).await?;
    Ok(views(txn, scope, rows)
        .await?
        .into_iter()
        .map(|view| (view.id.as_uuid(), view))
        .collect())
}
