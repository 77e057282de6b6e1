//! Snoozed conversations wake at their wake time: the worker sweeps for them and each one
//! becomes `open` again, with an audit entry and a `conversation.updated` event, as when a
//! colleague re-opens it by hand.

use std::collections::HashMap;

use chrono::{DateTime, Utc};

use crate::events;
use crate::ids::{ConversationId, OrgId, WorkspaceId};
use crate::repo;
use crate::tenancy::WorkspaceScope;
use crate::views::Status;
use crate::{Core, Error, Result};

use super::conversations::{ConversationPatch, update_in};

/// Most conversations one sweep wakes; the rest wake on the next pass.
pub const WAKE_BATCH: u64 = 500;

/// Wakes the snoozed conversations due by `now`; returns how many woke. One that changed
/// meanwhile (a customer re-opened it, a colleague snoozed it for longer) stays as it is,
/// so a late or repeated sweep changes nothing.
#[tracing::instrument(skip_all, fields(job = "wake_snoozed"), err)]
pub async fn wake_due(core: &Core, now: DateTime<Utc>) -> Result<usize> {
    let due =
        repo::conversations::due_wake_ups_across_workspaces(core.db().conn(), now, WAKE_BATCH)
            .await?;
    let mut orgs: HashMap<WorkspaceId, Option<OrgId>> = HashMap::new();
    let mut woken = 0;
    for (workspace_id, id) in due {
        let workspace_id = WorkspaceId::from(workspace_id);
        let Some(org_id) = org_of(core, &mut orgs, workspace_id).await? else {
            continue;
        };
        let scope = WorkspaceScope::system(workspace_id, org_id);
        if wake_one(core, &scope, id, now).await? {
            woken += 1;
        }
    }
    Ok(woken)
}

async fn org_of(
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
