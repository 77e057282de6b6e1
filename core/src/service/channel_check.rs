//! The connect check (`POST …/channels/{id}/check`): asks the platform who the channel's
//! credentials belong to and sets the channel's health from the answer — `active` when they
//! work for the channel's account, `needs_reauth` with the platform's error when they are
//! refused or belong to another account, `rate_limited` when the platform says to wait. An
//! account id or bot username the settings lack is filled in from the answer (it is what
//! tells the brand's own messages from customers').

use chrono::Utc;
use serde::Serialize;
use serde_json::Value;

use crate::channels::config;
use crate::channels::probe::{self, Checked};
use crate::channels::send::Delivery;
use crate::entity::channels;
use crate::ids::ChannelId;
use crate::tenancy::{Capability, WorkspaceScope};
use crate::views::{ChannelHealth, ChannelKind, ChannelView};
use crate::{Core, Error, Result, repo};

use super::audit;
use super::channels::{channel_view, ensure_enabled, opened_credentials, record_health_changed};

/// What a connect check found.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ChannelCheck {
    /// The platform accepted the credentials, for the channel's account.
    pub ok: bool,
    /// The platform account the credentials belong to (none for an `api` channel).
    pub account: Option<PlatformAccount>,
    /// Why not, as the platform said.
    pub error: Option<String>,
    /// The channel as the check left it.
    pub channel: ChannelView,
}

/// An account on a platform.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PlatformAccount {
    /// The platform's id of it.
    pub id: String,
    /// Its handle or name.
    pub name: Option<String>,
}

/// Checks a channel against its platform.
#[tracing::instrument(skip_all, fields(channel_id = %id), err(level = "debug"))]
pub async fn check(core: &Core, scope: &WorkspaceScope, id: ChannelId) -> Result<ChannelCheck> {
    scope.require(Capability::ManageChannels)?;
    let channel = repo::channels::get(core.db().conn(), scope, id).await?;
    ensure_enabled(&channel)?;
    let kind: ChannelKind = channel.kind.parse()?;
    let credentials = opened_credentials(core, &channel)?;
    let names: Vec<String> = credentials.keys().cloned().collect();
    if !config::credentials_complete(kind, &names) {
        return Err(Error::conflict(
            "missing_credentials",
            "the channel lacks credentials its platform needs; set them first",
        ));
    }
    let checked = probe::check(
        core.http(),
        kind,
        &channel.settings,
        &credentials,
        Utc::now(),
    )
    .await
    .map_err(|incomplete| Error::conflict("incomplete_settings", incomplete.0))?;
    let finding = Finding::of(kind, &channel, checked);
    record(core, scope, &channel, finding).await
}

/// What the check means for the channel.
struct Finding {
    health: Option<ChannelHealth>,
    error: Option<String>,
    account: Option<PlatformAccount>,
    /// Settings to fill in from the answer.
    learned: Option<(&'static str, String)>,
}

impl Finding {
    fn of(kind: ChannelKind, channel: &channels::Model, checked: Option<Checked>) -> Self {
        let refused = |health, error| Finding {
            health,
            error: Some(error),
            account: None,
            learned: None,
        };
        match checked {
            None => Finding {
                health: Some(ChannelHealth::Active),
                error: None,
                account: None,
                learned: None,
            },
            Some(Checked::Account { id, name }) => matched(kind, &channel.settings, id, name),
            Some(Checked::Refused(Delivery::Reauth { error } | Delivery::Failed { error })) => {
                refused(Some(ChannelHealth::NeedsReauth), error)
            }
            Some(Checked::Refused(Delivery::Retry {
                rate_limited: true,
                error,
                ..
            })) => refused(Some(ChannelHealth::RateLimited), error),
            // The platform is away: that says nothing about the channel, whose health stays.
            Some(Checked::Refused(Delivery::Retry { error, .. })) => refused(None, error),
            Some(Checked::Refused(Delivery::Sent { .. })) => refused(None, "no answer".into()),
        }
    }
}

/// The setting naming the brand's account, which the answer must match (or fills in).
fn account_setting(kind: ChannelKind) -> Option<&'static str> {
    match kind {
        ChannelKind::X | ChannelKind::Instagram => Some("account_id"),
        ChannelKind::Telegram => Some("bot_username"),
        ChannelKind::Facebook | ChannelKind::Whatsapp | ChannelKind::Api => None,
    }
}

fn matched(kind: ChannelKind, settings: &Value, id: String, name: Option<String>) -> Finding {
    let account = PlatformAccount { id, name };
    let Some(field) = account_setting(kind) else {
        return Finding {
            health: Some(ChannelHealth::Active),
            error: None,
            account: Some(account),
            learned: None,
        };
    };
    let found = match kind {
        ChannelKind::Telegram => account.name.clone().unwrap_or_default(),
        _ => account.id.clone(),
    };
    let configured = settings.get(field).and_then(Value::as_str);
    match configured {
        Some(configured)
            if !configured
                .trim_start_matches('@')
                .eq_ignore_ascii_case(&found) =>
        {
            Finding {
                health: Some(ChannelHealth::NeedsReauth),
                error: Some(format!(
                    "the credentials belong to {found}, not to the channel's {field} {configured}"
                )),
                account: Some(account),
                learned: None,
            }
        }
        Some(_) => Finding {
            health: Some(ChannelHealth::Active),
            error: None,
            account: Some(account),
            learned: None,
        },
        None => Finding {
            health: Some(ChannelHealth::Active),
            error: None,
            account: Some(account),
            learned: (!found.is_empty()).then_some((field, found)),
        },
    }
}

/// Records the finding on the channel, with `channel.health_changed` when its health moved.
async fn record(
    core: &Core,
    scope: &WorkspaceScope,
    channel: &channels::Model,
    finding: Finding,
) -> Result<ChannelCheck> {
    let id = ChannelId::from(channel.id);
    let txn = core.db().begin().await?;
    if let Some((field, value)) = &finding.learned {
        let mut settings = channel.settings.clone();
        settings[*field] = Value::from(value.as_str());
        let mut active: channels::ActiveModel = channel.clone().into();
        active.settings = sea_orm::Set(settings);
        repo::channels::save(&txn, scope, active).await?;
    }
    let moved = match finding.health {
        Some(health) => {
            repo::channels::set_health(&txn, scope, id, health, finding.error.clone()).await?
        }
        None => false,
    };
    let ok = finding.error.is_none();
    let details = serde_json::json!({ "ok": ok, "health_changed": moved });
    audit::record(
        &txn,
        scope,
        "channel.checked",
        "channel",
        channel.id,
        details,
    )
    .await?;
    let event = match moved {
        true => Some(record_health_changed(core, &txn, scope, id).await?),
        false => None,
    };
    let model = repo::channels::get(&txn, scope, id).await?;
    txn.commit().await?;
    if let Some(event) = &event {
        crate::events::committed(core, std::slice::from_ref(event));
    }
    Ok(ChannelCheck {
        ok,
        account: finding.account,
        error: finding.error,
        channel: channel_view(core, model)?,
    })
}
