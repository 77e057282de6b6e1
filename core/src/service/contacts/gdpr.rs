//! What the GDPR gives a customer: everything held on them as one document, and erasure.

use chrono::Utc;
use sea_orm::{ConnectionTrait, Set};
use serde_json::json;

use crate::entity::{contacts, conversations};
use crate::ids::{ContactId, ConversationId};
use crate::repo;
use crate::tenancy::{Capability, ConversationAccess, WorkspaceScope};
use crate::views::ContactView;
use crate::{Core, Error, Result};

use super::super::audit;
use super::{ContactExport, load};

/// Everything held on a contact, as one JSON document.
pub async fn export(core: &Core, scope: &WorkspaceScope, id: ContactId) -> Result<ContactExport> {
    scope.require(Capability::ReadContacts)?;
    scope.require(Capability::ReadConversations)?;
    let conn = core.db().conn();
    let contact = load(conn, scope, id).await?;
    let mut rows = Vec::new();
    for row in repo::conversations::of_contact(conn, scope, id).await? {
        if may_read(conn, scope, &row).await? {
            rows.push(row);
        }
    }
    let ids: Vec<uuid::Uuid> = rows.iter().map(|r| r.id).collect();
    let conversations = super::super::conversations::many(conn, scope, rows).await?;
    let messages = repo::messages::of_conversations(conn, scope, &ids)
        .await?
        .into_iter()
        .map(super::super::messages::message_view)
        .collect::<Result<_>>()?;
    Ok(ContactExport {
        contact,
        conversations,
        messages,
        exported_at: Utc::now(),
    })
}

/// Whether the caller may read a conversation (`agent_visibility` for agents): an export
/// shows no more than the inbox would.
async fn may_read(
    conn: &impl ConnectionTrait,
    scope: &WorkspaceScope,
    row: &conversations::Model,
) -> Result<bool> {
    if scope.conversation_access() == ConversationAccess::All {
        return Ok(true);
    }
    match repo::conversations::get(conn, scope, ConversationId::from(row.id)).await {
        Ok(_) => Ok(true),
        Err(Error::NotFound) => Ok(false),
        Err(err) => Err(err),
    }
}

/// Erases a contact's personal data: message text and attachments replaced, identities,
/// name and attributes removed. The conversations stay (for reports) and an audit entry
/// without personal data records the erasure.
#[tracing::instrument(skip_all, fields(contact_id = %id), err(level = "debug"))]
pub async fn erase(core: &Core, scope: &WorkspaceScope, id: ContactId) -> Result<ContactView> {
    scope.require(Capability::WriteContacts)?;
    let txn = core.db().begin().await?;
    let model = repo::contacts::get(&txn, scope, id).await?;
    let conversations: Vec<uuid::Uuid> = repo::conversations::of_contact(&txn, scope, id)
        .await?
        .into_iter()
        .map(|c| c.id)
        .collect();
    let written_in = repo::messages::conversations_written_by(&txn, scope, id).await?;
    let erased_messages = repo::messages::erase_by_contact(&txn, scope, id, &conversations).await?;
    repo::contacts::delete_identities(&txn, scope, id).await?;
    let mut active: contacts::ActiveModel = model.into();
    active.display_name = Set(None);
    active.search_text = Set(String::new());
    active.attributes = Set(json!({}));
    active.erased_at = Set(Some(Utc::now()));
    repo::contacts::save(&txn, scope, active).await?;
    repo::audit::scrub_target(&txn, scope, "contact", &id.to_string()).await?;
    for conversation in &conversations {
        repo::audit::scrub_target(&txn, scope, "conversation", &conversation.to_string()).await?;
    }
    repo::outbox::delete_for_conversations(&txn, scope, &conversations).await?;
    repo::followups::forget_answers(&txn, scope, &conversations).await?;
    repo::commitments::forget_texts(&txn, scope, &conversations).await?;
    repo::outbox::delete_messages_by_contact(&txn, scope, &written_in, id.as_uuid()).await?;
    repo::idempotency::forget_workspace(&txn, scope).await?;
    audit::record(
        &txn,
        scope,
        "contact.erased",
        "contact",
        id,
        json!({ "messages_erased": erased_messages }),
    )
    .await?;
    repo::search::merge_erased_entries(&txn).await?;
    let view = load(&txn, scope, id).await?;
    txn.commit().await?;
    repo::search::checkpoint_erased(core.db().conn()).await?;
    Ok(view)
}
