//! Workspace API keys: shown once, stored hashed, scoped, expiring, revocable.

use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::json;

use crate::auth::secrets::{hash_token, random_token};
use crate::entity::api_keys;
use crate::events::BusMessage;
use crate::ids::{ApiKeyId, UserId};
use crate::pagination::{Page, PageRequest};
use crate::repo;
use crate::tenancy::{ApiScope, Capability, WorkspaceScope};
use crate::views::{ApiKeyView, CreatedApiKey};
use crate::{Core, Error, Result};

use super::access::API_KEY_PREFIX;
use super::{audit, required_name};

/// `POST /v1/workspaces/{ws}/api-keys`.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewApiKey {
    /// A name to recognise the key by, such as the integration using it.
    #[schema(min_length = 1, max_length = 120)]
    pub name: String,
    /// What the key may do; at least one.
    #[schema(min_items = 1)]
    pub scopes: Vec<ApiScope>,
    /// When the key stops working; never when absent.
    pub expires_at: Option<DateTime<Utc>>,
}

/// `PATCH /v1/workspaces/{ws}/api-keys/{id}`.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApiKeyPatch {
    /// New name.
    #[schema(min_length = 1, max_length = 120)]
    pub name: String,
}

pub(crate) fn key_view(model: api_keys::Model) -> Result<ApiKeyView> {
    Ok(ApiKeyView {
        id: ApiKeyId::from(model.id),
        scopes: repo::api_keys::decode_scopes(&model.scopes)?,
        name: model.name,
        prefix: model.prefix,
        expires_at: model.expires_at,
        last_used_at: model.last_used_at,
        revoked_at: model.revoked_at,
        created_by: model.created_by.map(UserId::from),
        created_at: model.created_at,
    })
}

/// Keys of the workspace, revoked ones included.
pub async fn list(
    core: &Core,
    scope: &WorkspaceScope,
    page: PageRequest,
) -> Result<Page<ApiKeyView>> {
    scope.require(Capability::ReadApiKeys)?;
    let rows = repo::api_keys::list(core.db().conn(), scope, page).await?;
    let page = core.cursors().page(rows, page, |k| k.id)?;
    Ok(Page {
        items: page
            .items
            .into_iter()
            .map(key_view)
            .collect::<Result<_>>()?,
        next_cursor: page.next_cursor,
    })
}

/// One key.
pub async fn get(core: &Core, scope: &WorkspaceScope, id: ApiKeyId) -> Result<ApiKeyView> {
    scope.require(Capability::ReadApiKeys)?;
    key_view(repo::api_keys::get(core.db().conn(), scope, id).await?)
}

/// Creates a key and returns its secret, this once.
#[tracing::instrument(skip_all, err(level = "debug"))]
pub async fn create(
    core: &Core,
    scope: &WorkspaceScope,
    input: NewApiKey,
) -> Result<CreatedApiKey> {
    scope.require(Capability::ManageApiKeys)?;
    let name = required_name("name", &input.name, 120)?;
    let mut scopes = input.scopes;
    scopes.sort();
    scopes.dedup();
    if scopes.is_empty() {
        return Err(Error::invalid(
            "scopes",
            "required",
            "a key needs at least one scope",
        ));
    }
    if input.expires_at.is_some_and(|at| at <= Utc::now()) {
        return Err(Error::invalid(
            "expires_at",
            "in_the_past",
            "expires_at must be in the future",
        ));
    }
    let secret = random_token(API_KEY_PREFIX);
    let new = repo::api_keys::NewKey {
        name,
        prefix: secret.chars().take(12).collect(),
        key_hash: hash_token(&secret),
        scopes,
        expires_at: input.expires_at,
        created_by: scope.actor().user_id(),
    };
    let txn = core.db().begin().await?;
    let model = repo::api_keys::insert(&txn, scope, new).await?;
    let details =
        json!({ "name": model.name, "scopes": model.scopes, "expires_at": model.expires_at });
    audit::record(&txn, scope, "api_key.created", "api_key", model.id, details).await?;
    txn.commit().await?;
    Ok(CreatedApiKey {
        key: key_view(model)?,
        secret,
    })
}

/// Renames a key.
pub async fn rename(
    core: &Core,
    scope: &WorkspaceScope,
    id: ApiKeyId,
    patch: ApiKeyPatch,
) -> Result<ApiKeyView> {
    scope.require(Capability::ManageApiKeys)?;
    let name = required_name("name", &patch.name, 120)?;
    let txn = core.db().begin().await?;
    let model = repo::api_keys::rename(&txn, scope, id, name).await?;
    audit::record(
        &txn,
        scope,
        "api_key.renamed",
        "api_key",
        id,
        json!({ "name": model.name }),
    )
    .await?;
    txn.commit().await?;
    key_view(model)
}

/// Revokes a key: it and the live subscriptions it opened stop working at once.
#[tracing::instrument(skip_all, fields(api_key_id = %id), err(level = "debug"))]
pub async fn revoke(core: &Core, scope: &WorkspaceScope, id: ApiKeyId) -> Result<ApiKeyView> {
    scope.require(Capability::ManageApiKeys)?;
    let txn = core.db().begin().await?;
    let model = repo::api_keys::revoke(&txn, scope, id).await?;
    audit::record(
        &txn,
        scope,
        "api_key.revoked",
        "api_key",
        id,
        json!({ "name": model.name }),
    )
    .await?;
    txn.commit().await?;
    // Every API process ends the live subscriptions the key opened.
    core.bus()
        .publish(vec![BusMessage::KeyRevoked { key_id: id }])
        .await;
    key_view(model)
}
