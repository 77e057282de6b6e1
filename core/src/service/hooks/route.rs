//! A verified delivery, logged for the channels of the accounts it is for (see
//! [`crate::channels::route`]): the part for the hook's own channel (or a part that names no
//! account) is logged for it; a part for another account is logged for the channel of that
//! account only when that channel's own secret verifies the same delivery — the same app,
//! configured by that channel's owner. A part no channel can take is left out and counted.

use serde_json::Value;

use crate::channels::route::{self, Part};
use crate::entity::channels;
use crate::inbound::NewInboundEvent;
use crate::views::ChannelKind;
use crate::{Core, Error, Result, repo};

use super::{DeliveryProof, logged_row, signed_by};

/// The log rows for a delivery verified with `channel`'s secret, its own first.
pub(super) async fn rows_for(
    core: &Core,
    channel: &channels::Model,
    kind: ChannelKind,
    proof: &DeliveryProof,
    body: &[u8],
) -> Result<Vec<NewInboundEvent>> {
    let own = route::account_of(kind, &channel.settings);
    let parts = match (&own, parsed(body).and_then(|v| route::split(kind, &v))) {
        (Some(own), Some(parts)) if !all_for(own, &parts) => parts,
        // For this channel alone (or it names no account of its own): logged as it came.
        _ => return Ok(vec![logged_row(channel, kind, body)?]),
    };
    let mut rows = Vec::with_capacity(parts.len());
    for part in parts {
        let text = serde_json::to_string(&part.body).map_err(|e| Error::Internal(e.into()))?;
        let owner = match &part.account {
            Some(account) if Some(account) != own.as_ref() => {
                match foreign_owner(core, kind, account, proof, body).await? {
                    Some(owner) => owner,
                    None => {
                        unrouted(kind, account);
                        continue;
                    }
                }
            }
            _ => channel.clone(),
        };
        rows.push(logged_row(&owner, kind, text.as_bytes())?);
    }
    Ok(rows)
}

fn parsed(body: &[u8]) -> Option<Value> {
    serde_json::from_slice(body).ok()
}

fn all_for(own: &str, parts: &[Part]) -> bool {
    parts
        .iter()
        .all(|part| part.account.as_deref().is_none_or(|account| account == own))
}

/// The enabled channel of `account` whose own secret verifies the delivery, if any.
async fn foreign_owner(
    core: &Core,
    kind: ChannelKind,
    account: &str,
    proof: &DeliveryProof,
    body: &[u8],
) -> Result<Option<channels::Model>> {
    let Some(field) = route::account_field(kind) else {
        return Ok(None);
    };
    let candidates = repo::channels::by_account(core.db().conn(), kind, field, account).await?;
    for candidate in candidates {
        if super::super::channels::ensure_enabled(&candidate).is_err() {
            continue;
        }
        let credentials = super::super::channels::opened_credentials(core, &candidate)?;
        if signed_by(kind, &credentials, proof, body) {
            return Ok(Some(candidate));
        }
    }
    Ok(None)
}

fn unrouted(kind: ChannelKind, account: &str) {
    metrics::counter!("earshot_hook_unrouted_parts_total", "kind" => kind.as_str()).increment(1);
    tracing::warn!(
        kind = kind.as_str(),
        account,
        "a delivery carried entries for an account no channel with this app's secret has; left out"
    );
}
