//! API keys: stored as hashes, found by hash when presented.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};

use crate::entity::api_keys;
use crate::ids::{ApiKeyId, UserId};
use crate::pagination::PageRequest;
use crate::tenancy::{ApiScope, WorkspaceScope};
use crate::{Error, Result};

use super::scoped::scoped;
use super::{Direction, paged};

/// A key about to be stored.
pub(crate) struct NewKey {
    pub name: String,
    pub prefix: String,
    pub key_hash: String,
    pub scopes: Vec<ApiScope>,
    pub expires_at: Option<DateTime<Utc>>,
    pub created_by: Option<UserId>,
}

pub(crate) fn encode_scopes(scopes: &[ApiScope]) -> String {
    scopes
        .iter()
        .map(|s| s.as_str())
        .collect::<Vec<_>>()
        .join(" ")
}

pub(crate) fn decode_scopes(text: &str) -> Result<Vec<ApiScope>> {
    text.split_whitespace().map(str::parse).collect()
}

pub(crate) async fn insert(
    conn: &impl ConnectionTrait,
    scope: &WorkspaceScope,
    key: NewKey,
) -> Result<api_keys::Model> {
    Ok(api_keys::ActiveModel {
        id: Set(ApiKeyId::new().as_uuid()),
        workspace_id: Set(scope.workspace_id().as_uuid()),
        name: Set(key.name),
        prefix: Set(key.prefix),
        key_hash: Set(key.key_hash),
        scopes: Set(encode_scopes(&key.scopes)),
        expires_at: Set(key.expires_at),
        last_used_at: Set(None),
        revoked_at: Set(None),
        created_by: Set(key.created_by.map(|u| u.as_uuid())),
        created_at: Set(Utc::now()),
    }
    .insert(conn)
    .await?)
}

/// The key with this id, before any workspace is known: only `access::still_valid` calls
/// this, for a key that authenticated earlier.
pub(crate) async fn find_for_recheck(
    conn: &impl ConnectionTrait,
    id: ApiKeyId,
) -> Result<Option<api_keys::Model>> {
    Ok(api_keys::Entity::find_by_id(id.as_uuid()).one(conn).await?)
}

/// The key with this hash, before any workspace is known: only authentication calls this.
pub(crate) async fn find_for_authentication(
    conn: &impl ConnectionTrait,
    key_hash: &str,
) -> Result<Option<api_keys::Model>> {
    Ok(api_keys::Entity::find()
        .filter(api_keys::Column::KeyHash.eq(key_hash))
        .one(conn)
        .await?)
}

pub(crate) async fn touch(
    conn: &impl ConnectionTrait,
    id: ApiKeyId,
    at: DateTime<Utc>,
) -> Result<()> {
    api_keys::Entity::update_many()
        .col_expr(api_keys::Column::LastUsedAt, Expr::value(at))
        .filter(api_keys::Column::Id.eq(id.as_uuid()))
        .exec(conn)
        .await?;
    Ok(())
}

pub(crate) async fn get(
    conn: &impl ConnectionTrait,
    scope: &WorkspaceScope,
    id: ApiKeyId,
) -> Result<api_keys::Model> {
    scoped::<api_keys::Entity>(scope)
        .filter(api_keys::Column::Id.eq(id.as_uuid()))
        .one(conn)
        .await?
        .ok_or(Error::NotFound)
}

pub(crate) async fn list(
    conn: &impl ConnectionTrait,
    scope: &WorkspaceScope,
    page: PageRequest,
) -> Result<Vec<api_keys::Model>> {
    Ok(paged(
        scoped::<api_keys::Entity>(scope),
        api_keys::Column::Id,
        page,
        Direction::OldestFirst,
    )
    .all(conn)
    .await?)
}

pub(crate) async fn rename(
    conn: &impl ConnectionTrait,
    scope: &WorkspaceScope,
    id: ApiKeyId,
    name: String,
) -> Result<api_keys::Model> {
    let mut active: api_keys::ActiveModel = get(conn, scope, id).await?.into();
    active.name = Set(name);
    Ok(active.update(conn).await?)
}

/// Marks the key revoked (idempotent); it keeps its row for the audit trail.
pub(crate) async fn revoke(
    conn: &impl ConnectionTrait,
    scope: &WorkspaceScope,
    id: ApiKeyId,
) -> Result<api_keys::Model> {
    let key = get(conn, scope, id).await?;
    if key.revoked_at.is_some() {
        return Ok(key);
    }
    let mut active: api_keys::ActiveModel = key.into();
    active.revoked_at = Set(Some(Utc::now()));
    Ok(active.update(conn).await?)
}
