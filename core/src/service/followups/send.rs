//! The worker sends each satisfaction question when it is due: privately where the
//! platform allows it (a public thread's customer gets a DM or a private reply), else in the
//! conversation itself; a question no route can carry is skipped with the platform rule
//! that refused it. Each is re-read under the conversation's lock and sent once.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use sea_orm::{DatabaseTransaction, TransactionTrait};
use serde_json::json;
use uuid::Uuid;

use crate::entity::conversations;
use crate::events;
use crate::ids::{ConversationId, OrgId, WorkspaceId};
use crate::tenancy::WorkspaceScope;
use crate::views::{DeliveryStatus, EventView, FollowupState, MessageView, Status, Visibility};
use crate::{Core, Error, Result};
use crate::{entity, repo};

use super::super::audit;
use super::super::messages::{NewReplyParts, reply_in};
use super::super::wake_ups::{WAKE_BATCH, org_of};

/// The question.
pub const QUESTION: &str = "How did we do? Reply with a number from 1 (poor) to 5 (excellent).";

/// Sends the follow-ups due by `now` — among `ids` only, when given; returns the ids whose
/// sending failed, to try again on the next turn.
pub async fn fire_due(
    core: &Core,
    among: Option<&[Uuid]>,
    now: DateTime<Utc>,
) -> Result<HashSet<Uuid>> {
    if among.is_some_and(<[Uuid]>::is_empty) {
        return Ok(HashSet::new());
    }
    let due = repo::wake_times::due::<entity::followups::Entity>(
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
        if let Err(err) = send_one(core, &scope, row.id, now).await {
            tracing::warn!(error = %err, followup_id = %row.id, "a follow-up was not sent; trying again");
            failed.insert(row.id);
        }
    }
    Ok(failed)
}

async fn send_one(core: &Core, scope: &WorkspaceScope, id: Uuid, now: DateTime<Utc>) -> Result<()> {
    let txn = core.db().begin().await?;
    let Some(read) = repo::followups::by_id(&txn, id).await? else {
        return Ok(());
    };
    let conversation = ConversationId::from(read.conversation_id);
    let row = match repo::conversations::get_for_update(&txn, scope, conversation).await {
        Ok(row) => row,
        Err(Error::NotFound) => return Ok(()),
        Err(err) => return Err(err),
    };
    let Some(read) = repo::followups::by_id(&txn, id).await? else {
        return Ok(());
    };
    if read.state != FollowupState::Scheduled.as_str() || read.wake_at.is_none_or(|w| w > now) {
        return Ok(());
    }
    let (outcome, sent) = ask(&txn, scope, row).await?;
    let mut row = read.clone();
    row.wake_at = None;
    row.version += 1;
    row.updated_at = now;
    match &outcome {
        Ok(message) => {
            row.state = FollowupState::Sent.as_str().to_owned();
            row.sent_at = Some(now);
            row.question_message_id = Some(message.id.as_uuid());
        }
        Err(note) => {
            row.state = FollowupState::Skipped.as_str().to_owned();
            row.note = Some(note.clone());
        }
    }
    let action = match &outcome {
        Ok(_) => "followup.sent",
        Err(_) => "followup.skipped",
    };
    let details = json!({ "followup_id": id, "note": row.note });
    repo::followups::update_at_version(&txn, row, read.version).await?;
    audit::record(&txn, scope, action, "conversation", conversation, details).await?;
    txn.commit().await?;
    tracing::info!(workspace_id = %scope.workspace_id(), followup_id = %id, action, "follow-up");
    events::committed(core, &sent);
    if outcome.is_ok_and(|m| m.delivery_status == Some(DeliveryStatus::Queued)) {
        core.bus().replies_queued();
    }
    Ok(())
}

/// Puts the question to the customer on the first route the platform allows: the message,
/// or why none would carry it.
async fn ask(
    txn: &DatabaseTransaction,
    scope: &WorkspaceScope,
    row: conversations::Model,
) -> Result<(std::result::Result<MessageView, String>, Vec<EventView>)> {
    if row.status != Status::Resolved.as_str() {
        return Ok((
            Err(format!("the conversation is {}", row.status)),
            Vec::new(),
        ));
    }
    let mut routes = vec![Visibility::Private];
    if row.visibility == Visibility::Public.as_str() {
        routes.push(Visibility::Public);
    }
    let mut refused = String::from("no route");
    for visibility in routes {
        let parts = NewReplyParts {
            text: QUESTION.to_owned(),
            visibility,
            attachments: Vec::new(),
        };
        let attempt = txn.begin().await?;
        match reply_in(&attempt, scope, row.clone(), parts, Utc::now()).await {
            Ok((message, event)) => {
                attempt.commit().await?;
                return Ok((Ok(message), vec![event]));
            }
            Err(
                err @ (Error::Validation(_) | Error::Conflict { .. } | Error::BadRequest { .. }),
            ) => {
                attempt.rollback().await?;
                refused = err.to_string();
            }
            Err(err) => return Err(err),
        }
    }
    Ok((Err(refused), Vec::new()))
}
