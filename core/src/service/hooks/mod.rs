//! Platform webhooks (`/v1/hooks/{kind}/{channel_id}`): the handshake a platform makes when
//! a webhook is registered, and deliveries — verified over the raw bytes with the channel's
//! own secret, appended to the inbound-event log for the channel of each account it is for
//! (`route`), and acknowledged once committed.

mod route;

use std::collections::BTreeMap;

use chrono::Utc;
use sha2::{Digest, Sha256};

use crate::channels::verify;
use crate::entity::channels;
use crate::ids::ChannelId;
use crate::inbound::{Appended, NewInboundEvent};
use crate::views::ChannelKind;
use crate::{Core, Error, Result, repo};

/// The proofs a delivery carries in its headers.
#[derive(Debug, Default, Clone)]
pub struct DeliveryProof {
    /// `x-twitter-webhooks-signature`.
    pub x_signature: Option<String>,
    /// `X-Hub-Signature-256`.
    pub meta_signature: Option<String>,
    /// `X-Telegram-Bot-Api-Secret-Token`.
    pub telegram_token: Option<String>,
}

/// What the handshake answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Handshake {
    /// X's CRC: `{"response_token": …}`.
    XCrc {
        /// `sha256=…`.
        response_token: String,
    },
    /// Meta's challenge, echoed as plain text.
    MetaChallenge(String),
}

/// The channel a hook names, of that kind, enabled, with its opened credentials. Another
/// kind, the `api` kind (it has its own authenticated route) and unknown ids are `NotFound`.
async fn hook_channel(
    core: &Core,
    kind: ChannelKind,
    id: ChannelId,
) -> Result<(channels::Model, BTreeMap<String, String>)> {
    let channel = repo::channels::find_for_hook(core.db().conn(), id)
        .await?
        .filter(|c| c.kind == kind.as_str() && kind != ChannelKind::Api)
        .ok_or(Error::NotFound)?;
    super::channels::ensure_enabled(&channel)?;
    let credentials = super::channels::opened_credentials(core, &channel)?;
    Ok((channel, credentials))
}

fn refused() -> Error {
    Error::unauthenticated(
        "invalid_signature",
        "the delivery is not signed with this channel's secret",
    )
}

fn secret<'a>(credentials: &'a BTreeMap<String, String>, name: &str) -> Result<&'a str> {
    credentials
        .get(name)
        .map(String::as_str)
        .ok_or_else(refused)
}

/// Answers a platform's handshake: X's CRC (`crc_token`) or Meta's `hub.*` challenge.
#[tracing::instrument(skip_all, fields(kind = kind.as_str(), channel_id = %id), err(level = "debug"))]
pub async fn handshake(
    core: &Core,
    kind: ChannelKind,
    id: ChannelId,
    query: &BTreeMap<String, String>,
) -> Result<Handshake> {
    let (_, credentials) = hook_channel(core, kind, id).await?;
    let param = |name: &str| query.get(name).map(String::as_str);
    match kind {
        ChannelKind::X => {
            let token = param("crc_token").ok_or_else(|| {
                Error::bad_request("missing_crc_token", "send the CRC challenge as crc_token")
            })?;
            let consumer_secret = secret(&credentials, "consumer_secret")?;
            Ok(Handshake::XCrc {
                response_token: verify::x_crc_response(consumer_secret, token),
            })
        }
        ChannelKind::Facebook | ChannelKind::Instagram | ChannelKind::Whatsapp => {
            let verify_token = secret(&credentials, "verify_token")?;
            verify::meta_handshake(
                verify_token,
                param("hub.mode"),
                param("hub.verify_token"),
                param("hub.challenge"),
            )
            .map(|challenge| Handshake::MetaChallenge(challenge.to_owned()))
            .ok_or_else(|| {
                Error::unauthenticated(
                    "invalid_verify_token",
                    "hub.mode must be subscribe and hub.verify_token this channel's",
                )
            })
        }
        ChannelKind::Telegram | ChannelKind::Api => Err(Error::bad_request(
            "method_not_allowed",
            "this platform makes no handshake",
        )),
    }
}

/// Verifies a delivery with the channel's secret and appends it to the inbound-event log;
/// returns once it is committed (a repeat of a logged delivery changes nothing). A bad or
/// missing signature is `401` and nothing is kept; a log that cannot be written within the
/// database wait is `503`, so the platform retries.
#[tracing::instrument(skip_all, fields(kind = kind.as_str(), channel_id = %id), err(level = "debug"))]
pub async fn deliver(
    core: &Core,
    kind: ChannelKind,
    id: ChannelId,
    proof: &DeliveryProof,
    body: &[u8],
) -> Result<Appended> {
    let (channel, credentials) = hook_channel(core, kind, id).await?;
    let verified = signed_by(kind, &credentials, proof, body);
    let outcome = if verified { "verified" } else { "refused" };
    metrics::counter!("earshot_hook_deliveries_total", "kind" => kind.as_str(), "outcome" => outcome)
        .increment(1);
    if !verified {
        return Err(refused());
    }
    let rows = route::rows_for(core, &channel, kind, proof, body).await?;
    let wait = core.config().database.wait;
    let appended = futures_util::future::try_join_all(
        rows.into_iter()
            .map(|row| core.inbound_log().append(row, wait)),
    )
    .await?;
    if appended.iter().any(|a| !a.duplicate) {
        core.bus().inbound_logged();
    }
    Ok(Appended {
        // The hook's own part when it has one (it comes first), else the first logged.
        id: appended.first().map_or_else(uuid::Uuid::nil, |a| a.id),
        duplicate: appended.iter().all(|a| a.duplicate),
    })
}

/// Whether the delivery carries a valid proof made with these credentials' secret.
fn signed_by(
    kind: ChannelKind,
    credentials: &BTreeMap<String, String>,
    proof: &DeliveryProof,
    body: &[u8],
) -> bool {
    match kind {
        ChannelKind::X => proof.x_signature.as_deref().is_some_and(|header| {
            secret(credentials, "consumer_secret")
                .is_ok_and(|key| verify::x_signature_valid(key, body, header))
        }),
        ChannelKind::Facebook | ChannelKind::Instagram | ChannelKind::Whatsapp => {
            proof.meta_signature.as_deref().is_some_and(|header| {
                secret(credentials, "app_secret")
                    .is_ok_and(|key| verify::meta_signature_valid(key, body, header))
            })
        }
        ChannelKind::Telegram => proof.telegram_token.as_deref().is_some_and(|header| {
            secret(credentials, "secret_token")
                .is_ok_and(|token| verify::telegram_token_valid(token, header))
        }),
        ChannelKind::Api => false,
    }
}

fn logged_row(
    channel: &channels::Model,
    kind: ChannelKind,
    body: &[u8],
) -> Result<NewInboundEvent> {
    let text = std::str::from_utf8(body)
        .ok()
        .filter(|t| serde_json::from_str::<serde_json::Value>(t).is_ok())
        .ok_or_else(|| Error::bad_request("malformed_json", "the delivery is not JSON"))?;
    Ok(NewInboundEvent {
        id: uuid::Uuid::now_v7(),
        workspace_id: channel.workspace_id,
        channel_id: channel.id,
        kind: kind.as_str().to_owned(),
        platform_event_id: platform_event_id(kind, text),
        body: text.to_owned(),
        received_at: Utc::now(),
        held_until: None,
    })
}

/// What makes a redelivery the same delivery: Telegram's `update_id`; for the others the
/// bytes themselves (X and Meta redeliver the same body). Messages inside a delivery are
/// deduplicated again by their own ids when the delivery is processed.
fn platform_event_id(kind: ChannelKind, body: &str) -> String {
    if kind == ChannelKind::Telegram
        && let Ok(update) = serde_json::from_str::<serde_json::Value>(body)
        && let Some(id) = update.get("update_id").and_then(serde_json::Value::as_i64)
    {
        return format!("update:{id}");
    }
    let digest = Sha256::digest(body.as_bytes());
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256:{hex}")
}
