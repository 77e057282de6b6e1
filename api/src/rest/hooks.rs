//! Platform webhooks: public routes, verified by each platform's handshake and signature
//! over the raw bytes.

use std::collections::BTreeMap;

use actix_web::web::{Bytes, Data, Path, Query};
use actix_web::{HttpRequest, HttpResponse};
use earshot_core::Error;
use earshot_core::ids::ChannelId;
use earshot_core::service::hooks::{self, DeliveryProof, Handshake};
use earshot_core::views::ChannelKind;
use serde::Serialize;

use crate::problem::{ApiError, ApiResult, Problem};
use crate::state::AppState;

/// What a delivery's acknowledgement says.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct HookReceipt {
    /// The delivery is stored; the worker processes it.
    pub received: bool,
    /// The same delivery was stored before; nothing changed.
    pub duplicate: bool,
}

/// X's answer to a CRC challenge.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CrcAnswer {
    /// `sha256=` + base64 of HMAC-SHA256(consumer secret, crc_token).
    pub response_token: String,
}

/// The platform and channel a hook names; what names nothing is `404`.
fn hook_target(path: &(String, String)) -> Result<(ChannelKind, ChannelId), ApiError> {
    let kind = path.0.parse().map_err(|_| ApiError(Error::NotFound))?;
    let channel = path.1.parse().map_err(|_| ApiError(Error::NotFound))?;
    Ok((kind, channel))
}

/// A platform's handshake: X's CRC (`crc_token`) answers `{"response_token": …}`; Meta's
/// (`hub.mode=subscribe`, `hub.verify_token`, `hub.challenge`) echoes the challenge.
#[utoipa::path(get, path = "/v1/hooks/{kind}/{channel_id}", tag = "hooks",
    params(("kind" = ChannelKind, Path), ("channel_id" = ChannelId, Path),
        ("crc_token" = Option<String>, Query, description = "X's CRC challenge"),
        ("hub.mode" = Option<String>, Query, description = "Meta: `subscribe`"),
        ("hub.verify_token" = Option<String>, Query, description = "Meta: the channel's verify token"),
        ("hub.challenge" = Option<String>, Query, description = "Meta: echoed back")),
    responses((status = 200, description = "X: the CRC answer; Meta: the challenge as text", content(
            (CrcAnswer = "application/json"), (String = "text/plain"))),
        (status = 400, body = Problem), (status = 401, body = Problem), (status = 404, body = Problem),
        (status = 405, body = Problem, description = "Telegram makes no handshake"), (status = 409, body = Problem)))]
pub async fn hook_handshake(
    state: Data<AppState>,
    path: Path<(String, String)>,
    query: Query<BTreeMap<String, String>>,
) -> ApiResult<HttpResponse> {
    let (kind, channel) = hook_target(&path)?;
    Ok(
        match hooks::handshake(&state.core, kind, channel, &query).await? {
            Handshake::XCrc { response_token } => {
                HttpResponse::Ok().json(CrcAnswer { response_token })
            }
            Handshake::MetaChallenge(challenge) => HttpResponse::Ok()
                .content_type("text/plain; charset=utf-8")
                .body(challenge),
        },
    )
}

/// A platform's delivery, signed over its raw bytes (X `x-twitter-webhooks-signature`, Meta
/// `X-Hub-Signature-256`, Telegram `X-Telegram-Bot-Api-Secret-Token`). Acknowledged once it
/// is stored; a bad signature is `401` and nothing is kept; `503` when it cannot be stored
/// now, so the platform retries.
#[utoipa::path(post, path = "/v1/hooks/{kind}/{channel_id}", tag = "hooks",
    params(("kind" = ChannelKind, Path), ("channel_id" = ChannelId, Path)),
    request_body(content = Object, description = "the platform's delivery, as it sends it"),
    responses((status = 200, body = HookReceipt), (status = 400, body = Problem), (status = 401, body = Problem),
        (status = 404, body = Problem), (status = 409, body = Problem), (status = 413, body = Problem), (status = 503, body = Problem)))]
pub async fn hook_delivery(
    state: Data<AppState>,
    req: HttpRequest,
    path: Path<(String, String)>,
    body: Bytes,
) -> ApiResult<HttpResponse> {
    let (kind, channel) = hook_target(&path)?;
    let header = |name: &str| {
        req.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(String::from)
    };
    let proof = DeliveryProof {
        x_signature: header("x-twitter-webhooks-signature"),
        meta_signature: header("x-hub-signature-256"),
        telegram_token: header("x-telegram-bot-api-secret-token"),
    };
    let appended = hooks::deliver(&state.core, kind, channel, &proof, &body).await?;
    Ok(HttpResponse::Ok().json(HookReceipt {
        received: true,
        duplicate: appended.duplicate,
    }))
}
