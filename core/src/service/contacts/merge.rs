//! Merging two contacts who are one person: identities, conversations and history move to
//! the survivor.

use chrono::Utc;
use sea_orm::{ConnectionTrait, Set};
use serde_json::json;

use crate::entity::{contacts, conversations};
use crate::events::{self, Event};
use crate::ids::ContactId;
use crate::repo;
use crate::tenancy::{Capability, WorkspaceScope};
use crate::views::{ContactView, EventView};
use crate::{Core, Error, Result};

use super::super::audit;
use super::{MergeContacts, load, refresh_search_text};

/// Merges `source` into `target`: identities, conversations and history move to the target
/// and the source disappears.
#[tracing::instrument(skip_all, fields(contact_id = %target), err(level = "debug"))]
pub async fn merge(
    core: &Core,
    scope: &WorkspaceScope,
    target: ContactId,
    input: MergeContacts,
) -> Result<ContactView> {
    scope.require(Capability::WriteContacts)?;
    if input.source_id == target {
        return Err(Error::invalid(
            "source_id",
            "same_contact",
            "a contact cannot be merged into itself",
        ));
    }
    let txn = core.db().begin().await?;
    let target_model = repo::contacts::get(&txn, scope, target).await?;
    // Like the path's id, a source from another workspace (or none) is simply not found.
    let source = repo::contacts::get(&txn, scope, input.source_id).await?;
    if target_model.erased_at.is_some() || source.erased_at.is_some() {
        return Err(Error::conflict(
            "contact_erased",
            "an erased contact cannot be merged",
        ));
    }
    let moving = repo::conversations::of_contact(&txn, scope, input.source_id).await?;
    repo::contacts::move_identities(&txn, scope, input.source_id, target).await?;
    let moved = repo::conversations::move_contact(&txn, scope, input.source_id, target).await?;
    repo::messages::move_contact(&txn, scope, input.source_id, target).await?;
    merge_attributes(&txn, scope, target_model, source.attributes).await?;
    repo::contacts::delete(&txn, scope, input.source_id).await?;
    refresh_search_text(&txn, scope, target).await?;
    audit::record(
        &txn,
        scope,
        "contact.merged",
        "contact",
        target,
        json!({ "source_id": input.source_id, "conversations_moved": moved }),
    )
    .await?;
    let events = moved_events(&txn, scope, target, moving).await?;
    let view = load(&txn, scope, target).await?;
    txn.commit().await?;
    events::committed(core, &events);
    Ok(view)
}

/// A `conversation.updated` event for each conversation a merge moved to the survivor:
/// subscribers see it with its new contact (the move changed nothing else of the rows).
async fn moved_events(
    conn: &impl ConnectionTrait,
    scope: &WorkspaceScope,
    survivor: ContactId,
    mut moved: Vec<conversations::Model>,
) -> Result<Vec<EventView>> {
    for row in &mut moved {
        row.contact_id = survivor.as_uuid();
    }
    let updated = super::super::conversations::many(conn, scope, moved).await?;
    let changes = updated
        .into_iter()
        .map(Event::conversation_updated)
        .collect();
    events::write(conn, scope, changes, Utc::now()).await
}

/// Keeps the target's attributes and adds the source's it lacks.
async fn merge_attributes(
    conn: &impl ConnectionTrait,
    scope: &WorkspaceScope,
    target: contacts::Model,
    source: serde_json::Value,
) -> Result<()> {
    let mut merged = target.attributes.clone();
    if let (Some(into), Some(from)) = (merged.as_object_mut(), source.as_object()) {
        for (key, value) in from {
            into.entry(key.clone()).or_insert_with(|| value.clone());
        }
    }
    let mut active: contacts::ActiveModel = target.into();
    active.attributes = Set(merged);
    repo::contacts::save(conn, scope, active).await?;
    Ok(())
}
