//! Contacts: customers with their platform identities; merge, GDPR export and erasure.

use chrono::Utc;
use sea_orm::{ConnectionTrait, Set};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::entity::{contact_identities, contacts};
use crate::ids::ContactId;
use crate::pagination::{Page, PageRequest};
use crate::repo;
use crate::repo::contacts::IdentityFields;
use crate::tenancy::{Capability, WorkspaceScope};
use crate::views::{
    ChannelKind, ContactView, ConversationView, IdentityView, MessageView, double_option,
};
use crate::{Core, Error, FieldError, Result};

use super::audit;

mod gdpr;
mod merge;

pub use gdpr::{erase, export};
pub use merge::merge;

/// Largest attributes document, in bytes of JSON.
const MAX_ATTRIBUTES: usize = 16 * 1024;
/// Most attributes on one contact.
const MAX_ATTRIBUTE_COUNT: usize = 50;
/// Longest attribute name, in characters.
const MAX_ATTRIBUTE_KEY: usize = 64;
/// Largest attribute value, in bytes of JSON.
const MAX_ATTRIBUTE_VALUE: usize = 2048;

/// An identity given when creating a contact by hand.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewIdentity {
    /// Platform.
    pub channel_kind: ChannelKind,
    /// The platform's user id.
    #[schema(min_length = 1, max_length = 255)]
    pub platform_user_id: String,
    /// Handle.
    pub handle: Option<String>,
    /// Display name.
    pub display_name: Option<String>,
}

/// `POST /v1/workspaces/{ws}/contacts`.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewContact {
    /// Name shown to agents.
    pub display_name: Option<String>,
    /// Custom attributes: a JSON object of at most 50 names (1–64 characters) whose values
    /// are at most 2 KiB of JSON each, 16 KiB in all.
    #[schema(value_type = Option<Object>)]
    pub attributes: Option<serde_json::Value>,
    /// Platform identities.
    #[serde(default)]
    pub identities: Vec<NewIdentity>,
}

/// `PATCH /v1/workspaces/{ws}/contacts/{id}`.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ContactPatch {
    /// New name; `null` clears it.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub display_name: Option<Option<String>>,
    /// Replaces the attributes (limits as on creation).
    #[schema(value_type = Option<Object>)]
    pub attributes: Option<serde_json::Value>,
}

/// `POST /v1/workspaces/{ws}/contacts/{id}/merge`: `source` moves into the path's contact.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MergeContacts {
    /// The contact that disappears; its identities, conversations and history move over.
    pub source_id: ContactId,
}

/// Everything held on one contact (GDPR export).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ContactExport {
    /// The contact and identities.
    pub contact: ContactView,
    /// Their conversations.
    pub conversations: Vec<ConversationView>,
    /// Every message and note in those conversations.
    pub messages: Vec<MessageView>,
    /// When the export was made.
    pub exported_at: chrono::DateTime<Utc>,
}

fn attributes(value: Option<serde_json::Value>) -> Result<serde_json::Value> {
    let value = value.unwrap_or_else(|| json!({}));
    crate::input::check_text(&value)?;
    let Some(map) = value.as_object() else {
        return Err(Error::invalid(
            "attributes",
            "not_an_object",
            "attributes must be a JSON object",
        ));
    };
    if map.len() > MAX_ATTRIBUTE_COUNT {
        return Err(Error::invalid(
            "attributes",
            "too_many",
            format!("attributes may hold at most {MAX_ATTRIBUTE_COUNT} keys"),
        ));
    }
    let mut errors = Vec::new();
    for (key, item) in map {
        let field = format!("attributes.{key}");
        if key.is_empty() || key.chars().count() > MAX_ATTRIBUTE_KEY {
            errors.push(FieldError::new(
                field,
                "invalid_key",
                format!("an attribute name has 1 to {MAX_ATTRIBUTE_KEY} characters"),
            ));
        } else if item.to_string().len() > MAX_ATTRIBUTE_VALUE {
            errors.push(FieldError::new(
                field,
                "too_large",
                format!("an attribute value is at most {MAX_ATTRIBUTE_VALUE} bytes of JSON"),
            ));
        }
    }
    if !errors.is_empty() {
        return Err(Error::Validation(errors));
    }
    if value.to_string().len() > MAX_ATTRIBUTES {
        return Err(Error::invalid(
            "attributes",
            "too_large",
            format!("attributes must be at most {MAX_ATTRIBUTES} bytes"),
        ));
    }
    Ok(value)
}

fn name(value: Option<String>) -> Result<Option<String>> {
    value
        .map(|n| super::required_name("display_name", &n, 200))
        .transpose()
}

fn identity_view(model: contact_identities::Model) -> Result<IdentityView> {
    Ok(IdentityView {
        id: model.id,
        channel_kind: model.channel_kind.parse()?,
        platform_user_id: model.platform_user_id,
        handle: model.handle,
        display_name: model.display_name,
        avatar_url: model.avatar_url,
        follower_count: model.follower_count,
        verified: model.verified,
    })
}

fn contact_view(
    model: contacts::Model,
    identities: Vec<contact_identities::Model>,
) -> Result<ContactView> {
    Ok(ContactView {
        id: ContactId::from(model.id),
        display_name: model.display_name,
        attributes: model.attributes,
        identities: identities
            .into_iter()
            .map(identity_view)
            .collect::<Result<_>>()?,
        erased: model.erased_at.is_some(),
        created_at: model.created_at,
        updated_at: model.updated_at,
    })
}

async fn load(
    conn: &impl ConnectionTrait,
    scope: &WorkspaceScope,
    id: ContactId,
) -> Result<ContactView> {
    let model = repo::contacts::get(conn, scope, id).await?;
    let identities = repo::contacts::identities_of(conn, scope, id).await?;
    contact_view(model, identities)
}

/// Recomputes what search matches a contact on: its name, its identities' names, handles and
/// platform user ids, and the `email` attribute.
pub(crate) async fn refresh_search_text(
    conn: &impl ConnectionTrait,
    scope: &WorkspaceScope,
    id: ContactId,
) -> Result<()> {
    let model = repo::contacts::get(conn, scope, id).await?;
    let identities = repo::contacts::identities_of(conn, scope, id).await?;
    let text = search_text(&model, &identities);
    if text != model.search_text {
        let mut active: contacts::ActiveModel = model.into();
        active.search_text = Set(text);
        repo::contacts::save(conn, scope, active).await?;
    }
    Ok(())
}

/// The words search matches a contact on, from its row and its identities.
pub(crate) fn search_text(
    contact: &contacts::Model,
    identities: &[contact_identities::Model],
) -> String {
    let mut words: Vec<String> = contact.display_name.iter().cloned().collect();
    for identity in identities {
        words.extend(identity.display_name.iter().cloned());
        words.extend(
            identity
                .handle
                .iter()
                .map(|h| h.trim_start_matches('@').to_owned()),
        );
        words.push(identity.platform_user_id.clone());
    }
    if let Some(email) = contact.attributes.get("email").and_then(|e| e.as_str()) {
        words.push(email.to_owned());
    }
    words.join(" ")
}

/// Longest contact search, in characters.
const MAX_SEARCH: usize = 200;

/// The words of a contact search; `None` when there are none.
fn search_words(q: Option<&str>) -> Result<Option<String>> {
    let Some(q) = q.map(str::trim).filter(|q| !q.is_empty()) else {
        return Ok(None);
    };
    if q.chars().count() > MAX_SEARCH {
        return Err(Error::bad_request(
            "invalid_query",
            format!("q has at most {MAX_SEARCH} characters"),
        ));
    }
    Ok(Some(q.to_owned()))
}

/// Contacts of the workspace, newest first.
pub async fn list(
    core: &Core,
    scope: &WorkspaceScope,
    page: PageRequest,
    q: Option<&str>,
) -> Result<Page<ContactView>> {
    scope.require(Capability::ReadContacts)?;
    let q = search_words(q)?;
    let conn = core.db().conn();
    let rows = repo::contacts::list(conn, scope, page, q.as_deref()).await?;
    let page = core.cursors().page(rows, page, |c| c.id)?;
    let ids: Vec<uuid::Uuid> = page.items.iter().map(|c| c.id).collect();
    let identities = repo::contacts::identities_of_many(conn, scope, &ids).await?;
    let items = page
        .items
        .into_iter()
        .map(|c| {
            let mine = identities
                .iter()
                .filter(|i| i.contact_id == c.id)
                .cloned()
                .collect();
            contact_view(c, mine)
        })
        .collect::<Result<_>>()?;
    Ok(Page {
        items,
        next_cursor: page.next_cursor,
    })
}

/// One contact.
pub async fn get(core: &Core, scope: &WorkspaceScope, id: ContactId) -> Result<ContactView> {
    scope.require(Capability::ReadContacts)?;
    load(core.db().conn(), scope, id).await
}

/// Creates a contact by hand, with identities.
#[tracing::instrument(skip_all, err(level = "debug"))]
pub async fn create(core: &Core, scope: &WorkspaceScope, input: NewContact) -> Result<ContactView> {
    scope.require(Capability::WriteContacts)?;
    let display_name = name(input.display_name)?;
    let attributes = attributes(input.attributes)?;
    let txn = core.db().begin().await?;
    let model = repo::contacts::insert(&txn, scope, display_name, attributes).await?;
    let id = ContactId::from(model.id);
    for (i, identity) in input.identities.into_iter().enumerate() {
        let user = identity.platform_user_id.trim();
        if user.is_empty() || user.len() > 255 {
            return Err(Error::invalid(
                format!("identities[{i}].platform_user_id"),
                "invalid",
                "1 to 255 characters",
            ));
        }
        for (field, value) in [
            ("handle", &identity.handle),
            ("display_name", &identity.display_name),
        ] {
            if value.as_ref().is_some_and(|v| v.chars().count() > 255) {
                return Err(Error::invalid(
                    format!("identities[{i}].{field}"),
                    "too_long",
                    "at most 255 characters",
                ));
            }
        }
        if repo::contacts::find_identity(&txn, scope, identity.channel_kind, user)
            .await?
            .is_some()
        {
            return Err(Error::conflict(
                "identity_taken",
                "another contact already has this identity; merge them instead",
            ));
        }
        let fields = IdentityFields {
            handle: identity.handle,
            display_name: identity.display_name,
            ..Default::default()
        };
        repo::contacts::insert_identity(&txn, scope, id, identity.channel_kind, user, fields)
            .await?;
    }
    refresh_search_text(&txn, scope, id).await?;
    audit::record(&txn, scope, "contact.created", "contact", id, json!({})).await?;
    let view = load(&txn, scope, id).await?;
    txn.commit().await?;
    Ok(view)
}

/// Changes a contact's name or attributes.
pub async fn update(
    core: &Core,
    scope: &WorkspaceScope,
    id: ContactId,
    patch: ContactPatch,
) -> Result<ContactView> {
    scope.require(Capability::WriteContacts)?;
    let display_name = patch.display_name.map(name).transpose()?;
    let attributes = patch.attributes.map(|a| attributes(Some(a))).transpose()?;
    let txn = core.db().begin().await?;
    let model = repo::contacts::get(&txn, scope, id).await?;
    if model.erased_at.is_some() {
        return Err(Error::conflict(
            "contact_erased",
            "an erased contact cannot be changed",
        ));
    }
    let mut active: contacts::ActiveModel = model.into();
    if let Some(display_name) = display_name {
        active.display_name = Set(display_name);
    }
    if let Some(attributes) = attributes {
        active.attributes = Set(attributes);
    }
    repo::contacts::save(&txn, scope, active).await?;
    refresh_search_text(&txn, scope, id).await?;
    audit::record(&txn, scope, "contact.updated", "contact", id, json!({})).await?;
    let view = load(&txn, scope, id).await?;
    txn.commit().await?;
    Ok(view)
}

/// Deletes a contact and their conversations.
pub async fn delete(core: &Core, scope: &WorkspaceScope, id: ContactId) -> Result<()> {
    scope.require(Capability::WriteContacts)?;
    let txn = core.db().begin().await?;
    repo::contacts::delete(&txn, scope, id).await?;
    audit::record(&txn, scope, "contact.deleted", "contact", id, json!({})).await?;
    txn.commit().await?;
    Ok(())
}

/// The contacts with these ids, in no particular order; ids of other workspaces or of no
/// contact are left out. One query, however many ids.
pub async fn by_ids(
    core: &Core,
    scope: &WorkspaceScope,
    ids: &[ContactId],
) -> Result<Vec<ContactView>> {
    scope.require(Capability::ReadContacts)?;
    let ids: Vec<uuid::Uuid> = ids.iter().map(|id| id.as_uuid()).collect();
    repo::conversations::contact_rows(core.db().conn(), scope, &ids)
        .await?
        .into_iter()
        .map(|(contact, identities)| contact_view(contact, identities))
        .collect()
}
