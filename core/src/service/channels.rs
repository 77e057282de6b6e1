//! Channels: where customers speak. Credentials are sealed at rest and never returned.

use serde::Deserialize;
use serde_json::json;

use crate::entity::channels;
use crate::ids::ChannelId;
use crate::pagination::{Page, PageRequest};
use crate::repo;
use crate::tenancy::{Capability, WorkspaceScope};
use crate::views::{ChannelHealth, ChannelHealthView, ChannelKind, ChannelView, double_option};
use crate::{Core, Error, Result};

use super::{audit, required_name};

/// Largest settings or credentials document, in bytes of JSON.
const MAX_DOCUMENT: usize = 16 * 1024;

/// `POST /v1/workspaces/{ws}/channels`.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct NewChannel {
    /// Platform.
    pub kind: ChannelKind,
    /// Name shown to agents.
    pub name: String,
    /// Secrets (tokens, app secrets): sealed at rest, never returned.
    #[schema(value_type = Option<Object>)]
    pub credentials: Option<serde_json::Value>,
    /// Non-secret settings, such as `api_base_url` to reach a proxy or a local fake.
    #[schema(value_type = Option<Object>)]
    pub settings: Option<serde_json::Value>,
}

/// `PATCH /v1/workspaces/{ws}/channels/{id}`: only the fields present change.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct ChannelPatch {
    /// New name.
    pub name: Option<String>,
    /// Replaces the credentials; `null` removes them.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<Object>)]
    pub credentials: Option<Option<serde_json::Value>>,
    /// Replaces the settings.
    #[schema(value_type = Option<Object>)]
    pub settings: Option<serde_json::Value>,
    /// `active` or `disabled` (the other states are set by the platform's answers).
    pub health: Option<ChannelHealth>,
}

fn object(field: &str, value: serde_json::Value) -> Result<serde_json::Value> {
    if !value.is_object() {
        return Err(Error::invalid(
            field,
            "not_an_object",
            format!("{field} must be a JSON object"),
        ));
    }
    if value.to_string().len() > MAX_DOCUMENT {
        return Err(Error::invalid(
            field,
            "too_large",
            format!("{field} must be at most {MAX_DOCUMENT} bytes"),
        ));
    }
    Ok(value)
}

fn check_settings(core: &Core, settings: serde_json::Value) -> Result<serde_json::Value> {
    let settings = object("settings", settings)?;
    if let Some(url) = settings.get("api_base_url") {
        let url = url.as_str().ok_or_else(|| {
            Error::invalid(
                "settings.api_base_url",
                "not_a_url",
                "api_base_url must be a URL",
            )
        })?;
        super::targets::check_url(url, core.config().allow_private_targets).map_err(|message| {
            Error::invalid("settings.api_base_url", "target_refused", message)
        })?;
    }
    Ok(settings)
}

fn seal(core: &Core, scope: &WorkspaceScope, credentials: serde_json::Value) -> Result<String> {
    let credentials = object("credentials", credentials)?;
    core.secret_box().seal(
        credentials.to_string().as_bytes(),
        scope.workspace_id().as_uuid().as_bytes(),
    )
}

/// The decrypted credentials of a channel, for its connector; never served by the API.
pub async fn connector_credentials(
    core: &Core,
    scope: &WorkspaceScope,
    id: ChannelId,
) -> Result<Option<serde_json::Value>> {
    scope.require(Capability::ManageChannels)?;
    let model = repo::channels::get(core.db().conn(), scope, id).await?;
    let Some(sealed) = &model.credentials else {
        return Ok(None);
    };
    let bytes = core
        .secret_box()
        .open(sealed, model.workspace_id.as_bytes())?;
    serde_json::from_slice(&bytes)
        .map(Some)
        .map_err(|e| Error::Internal(e.into()))
}

/// A disabled channel takes no messages in and starts no conversation: `channel_disabled`.
pub(crate) fn ensure_enabled(channel: &channels::Model) -> Result<()> {
    if channel.health == ChannelHealth::Disabled.as_str() {
        return Err(Error::conflict(
            "channel_disabled",
            "the channel is disabled",
        ));
    }
    Ok(())
}

pub(crate) fn channel_view(model: channels::Model) -> Result<ChannelView> {
    Ok(ChannelView {
        id: ChannelId::from(model.id),
        kind: model.kind.parse()?,
        name: model.name,
        settings: model.settings,
        has_credentials: model.credentials.is_some(),
        health: ChannelHealthView {
            state: model.health.parse()?,
            last_error: model.last_error,
            changed_at: model.health_changed_at,
        },
        created_at: model.created_at,
        updated_at: model.updated_at,
    })
}

/// Members read the channels; so does a key that manages them (`channels:manage`).
fn require_read(scope: &WorkspaceScope) -> Result<()> {
    if scope.can(Capability::ManageChannels) {
        return Ok(());
    }
    scope.require(Capability::ReadDirectory)
}

/// Channels of the workspace.
pub async fn list(
    core: &Core,
    scope: &WorkspaceScope,
    page: PageRequest,
) -> Result<Page<ChannelView>> {
    require_read(scope)?;
    let rows = repo::channels::list(core.db().conn(), scope, page).await?;
    let page = core.cursors().page(rows, page, |c| c.id)?;
    Ok(Page {
        items: page
            .items
            .into_iter()
            .map(channel_view)
            .collect::<Result<_>>()?,
        next_cursor: page.next_cursor,
    })
}

/// One channel.
pub async fn get(core: &Core, scope: &WorkspaceScope, id: ChannelId) -> Result<ChannelView> {
    require_read(scope)?;
    channel_view(repo::channels::get(core.db().conn(), scope, id).await?)
}

/// Creates a channel.
#[tracing::instrument(skip_all, err(level = "debug"))]
pub async fn create(core: &Core, scope: &WorkspaceScope, input: NewChannel) -> Result<ChannelView> {
    scope.require(Capability::ManageChannels)?;
    let name = required_name("name", &input.name, 120)?;
    let settings = check_settings(core, input.settings.unwrap_or_else(|| json!({})))?;
    let credentials = input
        .credentials
        .map(|c| seal(core, scope, c))
        .transpose()?;
    let txn = core.db().begin().await?;
    let new = repo::channels::NewChannel {
        kind: input.kind,
        name,
        credentials,
        settings,
    };
    let model = repo::channels::insert(&txn, scope, new).await?;
    let details = json!({ "kind": model.kind, "name": model.name });
    audit::record(&txn, scope, "channel.created", "channel", model.id, details).await?;
    txn.commit().await?;
    channel_view(model)
}

/// Changes a channel's name, credentials, settings or enabled state.
#[tracing::instrument(skip_all, fields(channel_id = %id), err(level = "debug"))]
pub async fn update(
    core: &Core,
    scope: &WorkspaceScope,
    id: ChannelId,
    patch: ChannelPatch,
) -> Result<ChannelView> {
    scope.require(Capability::ManageChannels)?;
    let name = patch
        .name
        .as_deref()
        .map(|n| required_name("name", n, 120))
        .transpose()?;
    let settings = patch
        .settings
        .map(|s| check_settings(core, s))
        .transpose()?;
    let credentials = match patch.credentials {
        Some(Some(c)) => Some(Some(seal(core, scope, c)?)),
        Some(None) => Some(None),
        None => None,
    };
    if let Some(state) = patch.health
        && !matches!(state, ChannelHealth::Active | ChannelHealth::Disabled)
    {
        return Err(Error::invalid(
            "health",
            "not_settable",
            "only active or disabled can be set",
        ));
    }
    let txn = core.db().begin().await?;
    let mut active: channels::ActiveModel = repo::channels::get(&txn, scope, id).await?.into();
    let mut changed = Vec::new();
    if let Some(name) = name {
        active.name = sea_orm::Set(name);
        changed.push("name");
    }
    if let Some(settings) = settings {
        active.settings = sea_orm::Set(settings);
        changed.push("settings");
    }
    if let Some(credentials) = credentials {
        active.credentials = sea_orm::Set(credentials);
        changed.push("credentials");
    }
    if let Some(state) = patch.health {
        active.health = sea_orm::Set(state.as_str().to_owned());
        active.health_changed_at = sea_orm::Set(Some(chrono::Utc::now()));
        active.last_error = sea_orm::Set(None);
        changed.push("health");
    }
    let model = repo::channels::save(&txn, scope, active).await?;
    audit::record(
        &txn,
        scope,
        "channel.updated",
        "channel",
        id,
        json!({ "changed": changed }),
    )
    .await?;
    txn.commit().await?;
    channel_view(model)
}

/// Deletes a channel and its conversations.
#[tracing::instrument(skip_all, fields(channel_id = %id), err(level = "debug"))]
pub async fn delete(core: &Core, scope: &WorkspaceScope, id: ChannelId) -> Result<()> {
    scope.require(Capability::ManageChannels)?;
    let txn = core.db().begin().await?;
    let model = repo::channels::get(&txn, scope, id).await?;
    repo::channels::delete(&txn, scope, id).await?;
    audit::record(
        &txn,
        scope,
        "channel.deleted",
        "channel",
        id,
        json!({ "kind": model.kind, "name": model.name }),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}
