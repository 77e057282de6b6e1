//! Channels: where customers speak. Credentials are sealed at rest and never returned.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::json;

use crate::channels::config;
use crate::entity::channels;
use crate::ids::ChannelId;
use crate::pagination::{Page, PageRequest};
use crate::repo;
use crate::tenancy::{Capability, WorkspaceScope};
use crate::views::{ChannelHealth, ChannelHealthView, ChannelKind, ChannelView, double_option};
use crate::{Core, Error, Result};

use super::{audit, required_name};

/// `POST /v1/workspaces/{ws}/channels`. `settings` and `credentials` take the fields of the
/// channel's kind (see `XSettings`, `XCredentials`, … in the document).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewChannel {
    /// Platform.
    pub kind: ChannelKind,
    /// Name shown to agents.
    pub name: String,
    /// Secrets (tokens, app secrets): sealed at rest, never returned.
    pub credentials: Option<serde_json::Value>,
    /// Non-secret settings, such as `api_base_url` to reach a proxy or a local fake.
    pub settings: Option<serde_json::Value>,
}

/// `PATCH /v1/workspaces/{ws}/channels/{id}`: only the fields present change.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChannelPatch {
    /// New name.
    pub name: Option<String>,
    /// Sets the credentials named (a `null` value removes that one); `null` instead of an
    /// object removes them all.
    #[serde(default, deserialize_with = "double_option")]
    pub credentials: Option<Option<serde_json::Value>>,
    /// Replaces the settings.
    pub settings: Option<serde_json::Value>,
    /// `active` or `disabled` (the other states are set by Earshot and the platform).
    pub health: Option<ChannelHealth>,
}

fn settings_of(
    core: &Core,
    kind: ChannelKind,
    value: serde_json::Value,
) -> Result<serde_json::Value> {
    config::parse_settings(kind, value, &core.config().target_policy())
}

/// The stored credentials of a channel, opened.
pub(crate) fn opened_credentials(
    core: &Core,
    model: &channels::Model,
) -> Result<BTreeMap<String, String>> {
    let Some(sealed) = &model.credentials else {
        return Ok(BTreeMap::new());
    };
    let bytes = core
        .secret_box()
        .open(sealed, model.workspace_id.as_bytes())?;
    serde_json::from_slice(&bytes).map_err(|e| Error::Internal(e.into()))
}

fn sealed_credentials(
    core: &Core,
    scope: &WorkspaceScope,
    credentials: &BTreeMap<String, String>,
) -> Result<Option<String>> {
    if credentials.is_empty() {
        return Ok(None);
    }
    let text = serde_json::to_string(credentials).map_err(|e| Error::Internal(e.into()))?;
    core.secret_box()
        .seal(text.as_bytes(), scope.workspace_id().as_uuid().as_bytes())
        .map(Some)
}

/// The credentials after a change: named ones set or (when `None`) removed.
fn merged(
    mut current: BTreeMap<String, String>,
    changes: BTreeMap<String, Option<String>>,
) -> BTreeMap<String, String> {
    for (name, value) in changes {
        match value {
            Some(value) => current.insert(name, value),
            None => current.remove(&name),
        };
    }
    current
}

/// The decrypted credentials of a channel, for its connector; never served by the API.
pub async fn connector_credentials(
    core: &Core,
    scope: &WorkspaceScope,
    id: ChannelId,
) -> Result<BTreeMap<String, String>> {
    scope.require(Capability::ManageChannels)?;
    let model = repo::channels::get(core.db().conn(), scope, id).await?;
    opened_credentials(core, &model)
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

/// The health a channel is in after a change: a channel missing credentials of its kind
/// cannot be `active`; an operator's `disabled` stays until lifted.
fn health_after(
    kind: ChannelKind,
    current: ChannelHealth,
    requested: Option<ChannelHealth>,
    credentials: &BTreeMap<String, String>,
    credentials_changed: bool,
) -> (ChannelHealth, Option<String>) {
    let missing: Vec<&str> = config::required_credentials(kind)
        .iter()
        .copied()
        .filter(|name| !credentials.contains_key(*name))
        .collect();
    let wanted = match (requested, current) {
        (Some(state), _) => state,
        (None, ChannelHealth::NeedsReauth) if credentials_changed => ChannelHealth::Active,
        (None, ChannelHealth::NeedsCredentials) => ChannelHealth::Active,
        (None, state) => state,
    };
    match wanted {
        ChannelHealth::Active if !missing.is_empty() => (
            ChannelHealth::NeedsCredentials,
            Some(format!("missing credentials: {}", missing.join(", "))),
        ),
        state => (state, None),
    }
}

pub(crate) fn channel_view(core: &Core, model: channels::Model) -> Result<ChannelView> {
    let kind: ChannelKind = model.kind.parse()?;
    let credentials_set: Vec<String> = opened_credentials(core, &model)?.into_keys().collect();
    Ok(ChannelView {
        id: ChannelId::from(model.id),
        kind,
        name: model.name,
        settings: config::shown_settings(kind, &model.settings),
        has_credentials: config::credentials_complete(kind, &credentials_set),
        credentials_set,
        health: ChannelHealthView {
            state: model.health.parse()?,
            last_error: model.last_error,
            changed_at: model.health_changed_at,
        },
        created_at: model.created_at,
        updated_at: model.updated_at,
    })
}

/// Members read the channels; a key needs `channels:read` or `channels:manage`.
fn require_read(scope: &WorkspaceScope) -> Result<()> {
    scope.require(Capability::ReadChannels)
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
            .map(|model| channel_view(core, model))
            .collect::<Result<_>>()?,
        next_cursor: page.next_cursor,
    })
}

/// One channel.
pub async fn get(core: &Core, scope: &WorkspaceScope, id: ChannelId) -> Result<ChannelView> {
    require_read(scope)?;
    channel_view(
        core,
        repo::channels::get(core.db().conn(), scope, id).await?,
    )
}

/// Creates a channel.
#[tracing::instrument(skip_all, err(level = "debug"))]
pub async fn create(core: &Core, scope: &WorkspaceScope, input: NewChannel) -> Result<ChannelView> {
    scope.require(Capability::ManageChannels)?;
    let name = required_name("name", &input.name, 120)?;
    let settings = settings_of(
        core,
        input.kind,
        input.settings.unwrap_or_else(|| json!({})),
    )?;
    let credentials = match input.credentials {
        Some(value) => merged(
            BTreeMap::new(),
            config::parse_credentials(input.kind, value)?,
        ),
        None => BTreeMap::new(),
    };
    config::check_together(input.kind, &settings, &credentials)?;
    let (health, last_error) =
        health_after(input.kind, ChannelHealth::Active, None, &credentials, false);
    let new = repo::channels::NewChannel {
        kind: input.kind,
        name,
        credentials: sealed_credentials(core, scope, &credentials)?,
        settings,
        health,
        last_error,
    };
    let txn = core.db().begin().await?;
    let model = repo::channels::insert(&txn, scope, new).await?;
    let details = json!({ "kind": model.kind, "name": model.name, "health": model.health });
    audit::record(&txn, scope, "channel.created", "channel", model.id, details).await?;
    txn.commit().await?;
    channel_view(core, model)
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
    let current = repo::channels::get(&txn, scope, id).await?;
    let kind: ChannelKind = current.kind.parse()?;
    let settings = patch
        .settings
        .map(|s| settings_of(core, kind, s))
        .transpose()?;
    let credentials = match patch.credentials {
        Some(Some(value)) => Some(merged(
            opened_credentials(core, &current)?,
            config::parse_credentials(kind, value)?,
        )),
        Some(None) => Some(BTreeMap::new()),
        None => None,
    };
    let held = match &credentials {
        Some(changed) => changed.clone(),
        None => opened_credentials(core, &current)?,
    };
    config::check_together(kind, settings.as_ref().unwrap_or(&current.settings), &held)?;
    let (health, last_error) = health_after(
        kind,
        current.health.parse()?,
        patch.health,
        &held,
        credentials.is_some(),
    );
    let mut active: channels::ActiveModel = current.clone().into();
    let mut changed = Vec::new();
    if let Some(name) = name {
        active.name = sea_orm::Set(name);
        changed.push("name");
    }
    if let Some(settings) = settings {
        active.settings = sea_orm::Set(settings);
        changed.push("settings");
    }
    if let Some(credentials) = &credentials {
        active.credentials = sea_orm::Set(sealed_credentials(core, scope, credentials)?);
        changed.push("credentials");
    }
    if health.as_str() != current.health || patch.health.is_some() {
        active.health = sea_orm::Set(health.as_str().to_owned());
        active.health_changed_at = sea_orm::Set(Some(chrono::Utc::now()));
        active.last_error = sea_orm::Set(last_error);
        changed.push("health");
    }
    let health_changed = model_health_changed(&current, &active);
    let model = repo::channels::save(&txn, scope, active).await?;
    let details = json!({ "changed": changed, "health": model.health });
    audit::record(&txn, scope, "channel.updated", "channel", id, details).await?;
    let event = match health_changed {
        true => Some(record_health_changed(core, &txn, scope, id).await?),
        false => None,
    };
    txn.commit().await?;
    if let Some(event) = &event {
        crate::events::committed(core, std::slice::from_ref(event));
    }
    channel_view(core, model)
}

/// Whether a change moves the channel to another health state.
fn model_health_changed(current: &channels::Model, changed: &channels::ActiveModel) -> bool {
    match &changed.health {
        sea_orm::ActiveValue::Set(health) => *health != current.health,
        _ => false,
    }
}

/// Records `channel.health_changed` with the channel as it now stands (in the change's
/// transaction).
pub(crate) async fn record_health_changed(
    core: &Core,
    conn: &impl sea_orm::ConnectionTrait,
    scope: &WorkspaceScope,
    id: ChannelId,
) -> Result<crate::views::EventView> {
    let model = repo::channels::get(conn, scope, id).await?;
    let event = crate::events::Event::channel_health_changed(channel_view(core, model)?);
    crate::events::record(conn, scope, event, chrono::Utc::now()).await
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
