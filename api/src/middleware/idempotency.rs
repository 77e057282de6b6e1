//! `Idempotency-Key` on POST: a retry with the same key and body gets the first answer
//! again instead of doing the work twice; the same key with another body is refused. A key
//! belongs to the caller (user or API key), not to one access token.

use actix_web::body::{BoxBody, MessageBody, to_bytes_limited};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{Method, StatusCode, header};
use actix_web::middleware::Next;
use actix_web::web::{Bytes, BytesMut, Data};
use actix_web::{HttpMessage, HttpResponse};
use earshot_core::Error;
use earshot_core::ids::WorkspaceId;
use earshot_core::service::idempotency::{self, Claim};
use futures_util::StreamExt;
use sha2::{Digest, Sha256};

use crate::extract;
use crate::problem::ApiError;
use crate::state::AppState;

/// The request header.
pub const HEADER: &str = "idempotency-key";
/// Set on a replayed answer.
pub const REPLAYED: &str = "idempotent-replayed";
/// Largest answer stored for replay.
const MAX_STORED: usize = 1024 * 1024;

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn valid_key(key: &str) -> bool {
    (1..=255).contains(&key.len()) && key.bytes().all(|b| b.is_ascii_graphic())
}

/// Session routes never take part: their answers carry fresh tokens, which must not be
/// stored (refresh tokens are kept only as hashes) nor handed out a second time.
fn is_session_route(path: &str) -> bool {
    path.starts_with("/v1/auth/")
}

/// The middleware function.
pub async fn idempotent_posts(
    mut req: ServiceRequest,
    next: Next<BoxBody>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let key = match req.headers().get(HEADER) {
        Some(value) if req.method() == Method::POST && !is_session_route(req.path()) => {
            value.to_str().unwrap_or_default().to_owned()
        }
        _ => return next.call(req).await,
    };
    if !valid_key(&key) {
        let error = ApiError::bad_request(
            "invalid_idempotency_key",
            "Idempotency-Key must be 1 to 255 visible ASCII characters",
        );
        return Ok(req.error_response(error));
    }
    let Some(state) = req.app_data::<Data<AppState>>().cloned() else {
        return next.call(req).await;
    };
    let (fingerprint, request_hash) = match fingerprints(&mut req, &state, &key).await {
        Ok(hashes) => hashes,
        Err(error) => return Ok(req.error_response(error)),
    };
    let workspace = workspace_in_path(req.path());
    let claim = match idempotency::claim(&state.core, fingerprint, request_hash, workspace).await {
        Ok(claim) => claim,
        Err(error) => return Ok(req.error_response(ApiError(error))),
    };
    match claim {
        Claim::Replay {
            status,
            content_type,
            body,
        } => Ok(req.into_response(replay(status, content_type, body))),
        Claim::Proceed(id) => {
            let response = next.call(req).await?;
            store(&state, id, response).await
        }
    }
}

/// The workspace a `/v1/workspaces/{id}/…` path names.
fn workspace_in_path(path: &str) -> Option<WorkspaceId> {
    path.strip_prefix("/v1/workspaces/")?
        .split('/')
        .next()?
        .parse()
        .ok()
}

/// Hashes of caller + key, and of method + path + body; the body is put back for the handler.
async fn fingerprints(
    req: &mut ServiceRequest,
    state: &AppState,
    key: &str,
) -> Result<(String, String), ApiError> {
    let caller = caller_of(req).await?;
    let body = read_body(req, state.core.config().body_limit_bytes).await?;
    let fingerprint = hex(&Sha256::new()
        .chain_update(caller.as_bytes())
        .chain_update([0])
        .chain_update(key.as_bytes())
        .finalize());
    let request_hash = hex(&Sha256::new()
        .chain_update(req.method().as_str())
        .chain_update(req.uri().to_string())
        .chain_update([0])
        .chain_update(&body)
        .finalize());
    req.set_payload(actix_http::Payload::from(body));
    Ok((fingerprint, request_hash))
}

/// Whose key it is: the authenticated user or API key, so a retry sent with a refreshed
/// access token is still the same caller; otherwise the raw credential (a platform token,
/// or none at all).
async fn caller_of(req: &ServiceRequest) -> Result<String, ApiError> {
    match extract::authenticate(req.request()).await {
        Ok(actor) => Ok(actor.label()),
        Err(ApiError(Error::Unauthenticated { .. })) => {
            let raw = req
                .headers()
                .get(header::AUTHORIZATION)
                .map(|v| v.as_bytes().to_vec())
                .unwrap_or_default();
            Ok(format!("credential:{}", hex(&Sha256::digest(raw))))
        }
        Err(other) => Err(other),
    }
}

fn replay(status: u16, content_type: Option<String>, body: String) -> HttpResponse {
    let mut response = HttpResponse::build(StatusCode::from_u16(status).unwrap_or(StatusCode::OK));
    if let Some(ct) = content_type {
        response.insert_header((header::CONTENT_TYPE, ct));
    }
    response.insert_header((REPLAYED, "true"));
    response.body(body)
}

/// Answers that say nothing about the request itself are not kept: a retry runs again.
fn is_kept(status: StatusCode) -> bool {
    !(status.is_server_error()
        || status == StatusCode::UNAUTHORIZED
        || status == StatusCode::TOO_MANY_REQUESTS)
}

async fn read_body(req: &mut ServiceRequest, limit: usize) -> Result<Bytes, ApiError> {
    let mut payload = req.take_payload();
    let mut body = BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| super::input_limits::payload_problem(&e))?;
        if body.len() + chunk.len() > limit {
            return Err(ApiError::bad_request(
                "payload_too_large",
                "the request body is too large",
            ));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.freeze())
}

async fn store(
    state: &AppState,
    id: uuid::Uuid,
    response: ServiceResponse<BoxBody>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let status = response.status();
    let content_type = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(String::from);
    let (req, res) = response.into_parts();
    let (head, body) = res.into_parts();
    let bytes = match to_bytes_limited(body, MAX_STORED).await {
        Ok(Ok(bytes)) => bytes,
        _ => {
            release(state, id).await;
            let error = ApiError(earshot_core::Error::Internal(anyhow::anyhow!(
                "response too large to store"
            )));
            return Ok(ServiceResponse::from_err(error, req));
        }
    };
    if !is_kept(status) {
        release(state, id).await;
    } else {
        let text = String::from_utf8_lossy(&bytes).into_owned();
        if let Err(err) =
            idempotency::complete(&state.core, id, status.as_u16(), content_type, text).await
        {
            tracing::warn!(error = %err, "storing an idempotent answer failed");
            release(state, id).await;
        }
    }
    Ok(ServiceResponse::new(req, head.set_body(bytes.boxed())))
}

async fn release(state: &AppState, id: uuid::Uuid) {
    if let Err(err) = idempotency::release(&state.core, id).await {
        tracing::warn!(error = %err, "releasing an idempotency key failed");
    }
}

#[cfg(test)]
mod tests {
    use super::valid_key;

    #[test]
    fn keys_are_short_visible_ascii() {
        assert!(valid_key("3d9a6c2e-retry-1"));
        assert!(!valid_key(""));
        assert!(!valid_key("with space"));
        assert!(!valid_key(&"k".repeat(256)));
    }
}
