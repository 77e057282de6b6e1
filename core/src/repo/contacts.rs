//! Contacts and their platform identities.

use chrono::Utc;
use sea_orm::sea_query::{Condition, Expr, Query};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
};

use crate::entity::{contact_identities, contacts, conversations};
use crate::error::OnConflict;
use crate::ids::ContactId;
use crate::pagination::PageRequest;
use crate::tenancy::{ConversationAccess, WorkspaceScope};
use crate::views::ChannelKind;
use crate::{Error, Result};

use super::scoped::{delete_one, scoped};
use super::{Direction, paged};

/// What a platform says about the author of a message.
#[derive(Debug, Clone, Default)]
pub(crate) struct IdentityFields {
    pub handle: Option<String>,
    pub display_name: Option<String>,
    pub avatar_url: Option<String>,
    pub follower_count: Option<i64>,
    /// `None`: not said (stays as known; false for a new identity).
    pub verified: Option<bool>,
}

pub(crate) async fn insert(
    conn: &impl ConnectionTrait,
    scope: &WorkspaceScope,
    display_name: Option<String>,
    attributes: serde_json::Value,
) -> Result<contacts::Model> {
    let mut row = new_row(scope, display_name, Utc::now());
    row.attributes = attributes;
    Ok(contacts::ActiveModel::from(row)
        .reset_all()
        .insert(conn)
        .await?)
}

/// The row a new contact becomes; it is found by its name until identities are added.
pub(crate) fn new_row(
    scope: &WorkspaceScope,
    display_name: Option<String>,
    at: chrono::DateTime<Utc>,
) -> contacts::Model {
    contacts::Model {
        id: ContactId::new().as_uuid(),
        workspace_id: scope.workspace_id().as_uuid(),
        search_text: display_name.clone().unwrap_or_default(),
        display_name,
        attributes: serde_json::json!({}),
        erased_at: None,
        created_at: at,
        updated_at: at,
    }
}

/// Stores new contacts and their identities, many per statement (the worker's batches).
pub(crate) async fn insert_many(
    conn: &impl ConnectionTrait,
    contacts: Vec<contacts::Model>,
    identities: Vec<contact_identities::Model>,
) -> Result<()> {
    super::insert_rows::<contacts::Entity, _>(conn, contacts).await?;
    super::insert_rows::<contact_identities::Entity, _>(conn, identities).await
}

/// The contacts the scope may see. Agents under `agent_visibility` see the contacts of the
/// conversations they may see, and contacts with no conversation yet (someone must be
/// able to reach out to them); everyone else sees every contact of the workspace.
fn visible_to(scope: &WorkspaceScope) -> Condition {
    let mut condition = Condition::all();
    if scope.conversation_access() != ConversationAccess::All {
        let workspace = scope.workspace_id().as_uuid();
        let seen = super::conversations::visible_column(scope, conversations::Column::ContactId);
        let in_any = Query::select()
            .column(conversations::Column::ContactId)
            .from(conversations::Entity)
            .and_where(conversations::Column::WorkspaceId.eq(workspace))
            .to_owned();
        condition = condition.add(
            Condition::any()
                .add(contacts::Column::Id.in_subquery(seen))
                .add(contacts::Column::Id.not_in_subquery(in_any)),
        );
    }
    condition
}

/// One contact the scope may see.
pub(crate) async fn get(
    conn: &impl ConnectionTrait,
    scope: &WorkspaceScope,
    id: ContactId,
) -> Result<contacts::Model> {
    scoped::<contacts::Entity>(scope)
        .filter(visible_to(scope))
        .filter(contacts::Column::Id.eq(id.as_uuid()))
        .one(conn)
        .await?
        .ok_or(Error::NotFound)
}

/// A page of the workspace's contacts, newest first; with `q`, those whose name, handle,
/// platform user id or e-mail holds every word of it.
pub(crate) async fn list(
    conn: &impl ConnectionTrait,
    scope: &WorkspaceScope,
    page: PageRequest,
    q: Option<&str>,
) -> Result<Vec<contacts::Model>> {
    let mut select = scoped::<contacts::Entity>(scope)
        .filter(visible_to(scope))
        .filter(contacts::Column::ErasedAt.is_null());
    if let Some(q) = q {
        let backend = conn.get_database_backend();
        let named = super::search::contacts_named(scope, backend, q);
        select = select.filter(contacts::Column::Id.in_subquery(named));
    }
    Ok(
        paged(select, contacts::Column::Id, page, Direction::NewestFirst)
            .all(conn)
            .await?,
    )
}

/// Saves changed columns of a contact of the scope's workspace.
pub(crate) async fn save(
    conn: &impl ConnectionTrait,
    scope: &WorkspaceScope,
    mut model: contacts::ActiveModel,
) -> Result<contacts::Model> {
    if model.workspace_id.as_ref() != &scope.workspace_id().as_uuid() {
        return Err(Error::NotFound);
    }
    model.updated_at = Set(Utc::now());
    Ok(model.update(conn).await?)
}

pub(crate) async fn delete(
    conn: &impl ConnectionTrait,
    scope: &WorkspaceScope,
    id: ContactId,
) -> Result<()> {
    delete_one::<contacts::Entity>(conn, scope, contacts::Column::Id, id.as_uuid()).await
}

pub(crate) async fn identities_of(
    conn: &impl ConnectionTrait,
    scope: &WorkspaceScope,
    contact: ContactId,
) -> Result<Vec<contact_identities::Model>> {
    Ok(scoped::<contact_identities::Entity>(scope)
        .filter(contact_identities::Column::ContactId.eq(contact.as_uuid()))
        .order_by_asc(contact_identities::Column::Id)
        .all(conn)
        .await?)
}

pub(crate) async fn identities_of_many(
    conn: &impl ConnectionTrait,
    scope: &WorkspaceScope,
    contacts: &[uuid::Uuid],
) -> Result<Vec<contact_identities::Model>> {
    Ok(scoped::<contact_identities::Entity>(scope)
        .filter(contact_identities::Column::ContactId.is_in(contacts.to_vec()))
        .order_by_asc(contact_identities::Column::Id)
        .all(conn)
        .await?)
}

pub(crate) async fn find_identity(
    conn: &impl ConnectionTrait,
    scope: &WorkspaceScope,
    kind: ChannelKind,
    platform_user_id: &str,
) -> Result<Option<contact_identities::Model>> {
    Ok(scoped::<contact_identities::Entity>(scope)
        .filter(contact_identities::Column::ChannelKind.eq(kind.as_str()))
        .filter(contact_identities::Column::PlatformUserId.eq(platform_user_id))
        .one(conn)
        .await?)
}

pub(crate) async fn insert_identity(
    conn: &impl ConnectionTrait,
    scope: &WorkspaceScope,
    contact: ContactId,
    kind: ChannelKind,
    platform_user_id: &str,
    fields: IdentityFields,
) -> Result<contact_identities::Model> {
    let row = new_identity_row(scope, contact, kind, platform_user_id, fields, Utc::now());
    contact_identities::ActiveModel::from(row)
        .reset_all()
        .insert(conn)
        .await
        .on_unique(
            "identity_taken",
            "another contact already has this identity; merge them instead",
        )
}

/// The row a new identity of a contact becomes.
pub(crate) fn new_identity_row(
    scope: &WorkspaceScope,
    contact: ContactId,
    kind: ChannelKind,
    platform_user_id: &str,
    fields: IdentityFields,
    at: chrono::DateTime<Utc>,
) -> contact_identities::Model {
    contact_identities::Model {
        id: uuid::Uuid::now_v7(),
        workspace_id: scope.workspace_id().as_uuid(),
        contact_id: contact.as_uuid(),
        channel_kind: kind.as_str().to_owned(),
        platform_user_id: platform_user_id.to_owned(),
        handle: fields.handle,
        display_name: fields.display_name,
        avatar_url: fields.avatar_url,
        follower_count: fields.follower_count,
        verified: fields.verified.unwrap_or(false),
        created_at: at,
        updated_at: at,
    }
}

/// Refreshes what the platform says about an identity.
pub(crate) async fn refresh_identity(
    conn: &impl ConnectionTrait,
    identity: contact_identities::Model,
    fields: IdentityFields,
) -> Result<contact_identities::Model> {
    let mut active: contact_identities::ActiveModel = identity.into();
    if fields.handle.is_some() {
        active.handle = Set(fields.handle);
    }
    if fields.display_name.is_some() {
        active.display_name = Set(fields.display_name);
    }
    if fields.avatar_url.is_some() {
        active.avatar_url = Set(fields.avatar_url);
    }
    if fields.follower_count.is_some() {
        active.follower_count = Set(fields.follower_count);
    }
    if let Some(verified) = fields.verified {
        active.verified = Set(verified);
    }
    active.updated_at = Set(Utc::now());
    Ok(active.update(conn).await?)
}

/// Moves identities from one contact to another (merge).
pub(crate) async fn move_identities(
    conn: &impl ConnectionTrait,
    scope: &WorkspaceScope,
    from: ContactId,
    to: ContactId,
) -> Result<()> {
    contact_identities::Entity::update_many()
        .col_expr(
            contact_identities::Column::ContactId,
            Expr::value(to.as_uuid()),
        )
        .filter(contact_identities::Column::WorkspaceId.eq(scope.workspace_id().as_uuid()))
        .filter(contact_identities::Column::ContactId.eq(from.as_uuid()))
        .exec(conn)
        .await?;
    Ok(())
}

/// Deletes a contact's identities (erasure).
pub(crate) async fn delete_identities(
    conn: &impl ConnectionTrait,
    scope: &WorkspaceScope,
    contact: ContactId,
) -> Result<()> {
    contact_identities::Entity::delete_many()
        .filter(contact_identities::Column::WorkspaceId.eq(scope.workspace_id().as_uuid()))
        .filter(contact_identities::Column::ContactId.eq(contact.as_uuid()))
        .exec(conn)
        .await?;
    Ok(())
}

/// Saves an identity changed in memory (the worker's batches).
pub(crate) async fn update_identity(
    conn: &impl ConnectionTrait,
    identity: contact_identities::Model,
) -> Result<()> {
    contact_identities::ActiveModel::from(identity)
        .reset_all()
        .update(conn)
        .await?;
    Ok(())
}
