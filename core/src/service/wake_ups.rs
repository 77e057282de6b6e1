//! What is due at a time: snoozed conversations wake and SLA clocks fire. Snoozing one
//! indexes its wake time (the wake-up index, `schedule`), and a committed change to a
//! conversation indexes its clocks' next deadlines (`index_clocks`, from the event fan-out).
//! The worker takes what the index says is due: it re-opens each conversation still snoozed
//! and due, with an audit entry and a `conversation.updated` event, as when a colleague
//! re-opens it by hand, and fires each clock still due (`sla_clocks::fire_due`). Beside it,
//! the worker re-indexes both from the database when it starts, when the index was lost and
//! every ten minutes (`wake_sweep`, a consumer of its own so that re-indexing never delays
//! a firing), and
//! reads the database itself while the index cannot be read, so a lost index only delays a wake-up; a
//! late, repeated or stale wake-up (one left at a row's former time) changes nothing, and is
//! taken out of the index once acted on, so it does not come back.

use std::collections::HashMap;

use chrono::{DateTime, Utc};

use crate::ids::{ConversationId, OrgId, WorkspaceId};
use crate::repo;
use crate::schedule::{WakeKind, WakeUp};
use crate::tenancy::WorkspaceScope;
use crate::views::{ConversationView, Status};
use crate::{Core, Error, Result};
use crate::{entity, events};

use super::conversations::{ConversationPatch, update_in};
use super::{commitments, followups, sla_clocks};

/// Most conversations one turn wakes; the rest wake on the next.
pub const WAKE_BATCH: u64 = 1_000;

/// Wakes the snoozed conversations and fires the SLA clocks due by `now`; returns how many
/// conversations woke. One that changed meanwhile (a customer re-opened it, a colleague
/// snoozed it for longer, a reply stopped the clock) stays as it is.
#[tracing::instrument(skip_all, fields(job = "wake_ups"), err)]
pub async fn wake_due(core: &Core, now: DateTime<Utc>) -> Result<usize> {
    let (due, failed, indexed) = match core.schedule().due(now, WAKE_BATCH as usize).await {
        Ok(wake_ups) => {
            let clocks = of_kind(&wake_ups, WakeKind::Clock);
            let mut failed = sla_clocks::fire_due(core, Some(&clocks), now).await?;
            let promises = of_kind(&wake_ups, WakeKind::Commitment);
            failed.extend(commitments::fire_due(core, Some(&promises), now).await?);
            let surveys = of_kind(&wake_ups, WakeKind::Followup);
            failed.extend(followups::fire_due(core, Some(&surveys), now).await?);
            (due_among(core, &wake_ups, now).await?, failed, wake_ups)
        }
        Err(err) => {
            tracing::warn!(error = %err, "the wake-up index cannot be read; reading the database");
            let mut failed = sla_clocks::fire_due(core, None, now).await?;
            failed.extend(commitments::fire_due(core, None, now).await?);
            failed.extend(followups::fire_due(core, None, now).await?);
            let conn = core.db().conn();
            let due = repo::snoozes::due(conn, now, None, WAKE_BATCH);
            (due.await?, failed, Vec::new())
        }
    };
    let woken = wake_all(core, due, now).await?;
    // An entry due within this millisecond whose row says "not yet" is kept for the next
    // turn, and so is a clock whose firing failed. A clock that fired was moved to its next
    // deadline, and `done` leaves a moved entry alone.
    let settled: Vec<WakeUp> = indexed
        .into_iter()
        .filter(|w| !failed.contains(&w.id))
        .filter(|w| w.at <= now || woken.contains(&w.id))
        .collect();
    core.schedule().done(&settled).await?;
    Ok(woken.len())
}

fn of_kind(wake_ups: &[WakeUp], kind: WakeKind) -> Vec<uuid::Uuid> {
    wake_ups
        .iter()
        .filter(|w| w.kind == kind)
        .map(|w| w.id)
        .collect()
}

/// After changes committed: indexes the next deadline of every waiting clock and
/// commitment of these conversations. If the index cannot be written, the worker's next
/// re-index finds them.
pub(crate) async fn index_clocks(core: &Core, conversations: &[uuid::Uuid]) {
    let conn = core.db().conn();
    let waking = async {
        let clocks = repo::wake_times::waking_of::<entity::sla_clocks::Entity>(conn, conversations);
        let mut wake_ups = wake_ups_of(WakeKind::Clock, clocks.await?);
        let promises =
            repo::wake_times::waking_of::<entity::commitments::Entity>(conn, conversations);
        wake_ups.extend(wake_ups_of(WakeKind::Commitment, promises.await?));
        Ok::<_, Error>(wake_ups)
    };
    let indexed = match waking.await {
        Ok(wake_ups) => core.schedule().add(&wake_ups).await,
        Err(err) => Err(err),
    };
    if let Err(err) = indexed {
        tracing::warn!(error = %err, "deadlines not indexed; the worker's re-index finds them");
    }
}

fn wake_ups_of(kind: WakeKind, times: Vec<(uuid::Uuid, DateTime<Utc>)>) -> Vec<WakeUp> {
    times
        .into_iter()
        .map(|(id, at)| WakeUp { kind, id, at })
        .collect()
}

/// The indexed snoozes that are still snoozed and due, with their workspaces.
async fn due_among(
    core: &Core,
    wake_ups: &[WakeUp],
    now: DateTime<Utc>,
) -> Result<Vec<(uuid::Uuid, ConversationId)>> {
    let ids = of_kind(wake_ups, WakeKind::Snooze);
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let conn = core.db().conn();
    repo::snoozes::due(conn, now, Some(&ids), WAKE_BATCH).await
}

/// Wakes each conversation still snoozed and due; the ids of those that woke.
async fn wake_all(
    core: &Core,
    due: Vec<(uuid::Uuid, ConversationId)>,
    now: DateTime<Utc>,
) -> Result<std::collections::HashSet<uuid::Uuid>> {
    let mut orgs: HashMap<WorkspaceId, Option<OrgId>> = HashMap::new();
    let mut woken = std::collections::HashSet::new();
    for (workspace_id, id) in due {
        let workspace_id = WorkspaceId::from(workspace_id);
        let Some(org_id) = org_of(core, &mut orgs, workspace_id).await? else {
            continue;
        };
        let scope = WorkspaceScope::system(workspace_id, org_id);
        if wake_one(core, &scope, id, now).await? {
            woken.insert(id.as_uuid());
        }
    }
    Ok(woken)
}

fn snooze(id: uuid::Uuid, at: DateTime<Utc>) -> WakeUp {
    WakeUp {
        kind: WakeKind::Snooze,
        id,
        at,
    }
}

/// After a change committed: indexes the wake times of the conversations it snoozed. If the
/// index cannot be written, the worker's next re-index finds them.
pub(crate) async fn index_snoozed(core: &Core, views: &[ConversationView]) {
    let wake_ups: Vec<WakeUp> = views
        .iter()
        .filter(|v| v.status == Status::Snoozed)
        .filter_map(|v| Some(snooze(v.id.as_uuid(), v.snoozed_until?)))
        .collect();
    if let Err(err) = core.schedule().add(&wake_ups).await {
        tracing::warn!(error = %err, "snoozes not indexed; the worker's re-index finds them");
    }
}

pub(crate) async fn org_of(
    core: &Core,
    known: &mut HashMap<WorkspaceId, Option<OrgId>>,
    workspace_id: WorkspaceId,
) -> Result<Option<OrgId>> {
    if let Some(org) = known.get(&workspace_id) {
        return Ok(*org);
    }
    let org = repo::workspaces::find_for_entry(core.db().conn(), workspace_id)
        .await?
        .map(|w| OrgId::from(w.org_id));
    known.insert(workspace_id, org);
    Ok(org)
}

/// Re-opens one conversation if it is still snoozed and due, in one transaction.
async fn wake_one(
    core: &Core,
    scope: &WorkspaceScope,
    id: ConversationId,
    now: DateTime<Utc>,
) -> Result<bool> {
    let txn = core.db().begin().await?;
    let row = match repo::conversations::get_for_update(&txn, scope, id).await {
        Ok(row) => row,
        Err(Error::NotFound) => return Ok(false),
        Err(err) => return Err(err),
    };
    let still_due = row.status == Status::Snoozed.as_str()
        && row.snoozed_until.is_some_and(|until| until <= now);
    if !still_due {
        return Ok(false);
    }
    let patch = ConversationPatch {
        status: Some(Status::Open),
        ..ConversationPatch::default()
    };
    let event = update_in(&txn, scope, id, &patch, Utc::now()).await?;
    txn.commit().await?;
    tracing::info!(workspace_id = %scope.workspace_id(), conversation_id = %id, "snoozed conversation woke");
    events::committed(core, std::slice::from_ref(&event));
    Ok(true)
}

/// Longest a worker rests between looks at the index: a wake-up another process indexed
/// meanwhile is acted on within this.
const LONGEST_REST: std::time::Duration = std::time::Duration::from_millis(250);

/// Shortest rest: a wake-up that stays due (its conversation cannot be read) does not spin.
const SHORTEST_REST: std::time::Duration = std::time::Duration::from_millis(10);

/// How long the worker may rest before the next wake-up is due (at most `LONGEST_REST`).
pub async fn rest(core: &Core) -> std::time::Duration {
    let next = match core.schedule().next().await {
        Ok(next) => next,
        Err(_) => return LONGEST_REST,
    };
    next.and_then(|at| (at - Utc::now()).to_std().ok())
        .unwrap_or_default()
        .clamp(SHORTEST_REST, LONGEST_REST)
}
