//! Reading a request: the platform credentials it carries, its parameters and body.

use super::*;

/// Checks the route's platform credentials; the refusal is in that platform's format.
pub(crate) fn authenticate(
    credentials: &Credentials,
    expired: bool,
    route: &Route,
    req: &HttpRequest,
    raw: &[u8],
) -> Result<(), Answer> {
    match route {
        Route::XTweet
        | Route::XDirectMessage { .. }
        | Route::XUsersMe
        | Route::XMentions { .. }
        | Route::XSearch => {
            let url = format!("http://{}{}", req.connection_info().host(), req.path());
            let header = req
                .headers()
                .get("authorization")
                .and_then(|v| v.to_str().ok());
            let signed = verify_oauth1(
                credentials,
                req.method().as_str(),
                &url,
                req.query_string(),
                header,
            );
            if expired || !signed {
                return Err(x_unauthorized());
            }
        }
        Route::GraphComments { .. }
        | Route::GraphReplies { .. }
        | Route::GraphMessages
        | Route::GraphNode { .. } => {
            if expired {
                return Err(meta_error_answer(
                    400,
                    190,
                    Some(463),
                    "Error validating access token: Session has expired.",
                ));
            }
            if graph_token(req).as_deref() != Some(credentials.meta_token.as_str()) {
                return Err(meta_error_answer(
                    400,
                    190,
                    None,
                    "Invalid OAuth access token - Cannot parse access token",
                ));
            }
        }
        Route::TelegramSendMessage { token } | Route::TelegramGetMe { token } => {
            if expired || *token != credentials.telegram_bot_token {
                return Err(telegram_error_answer(401, "Unauthorized"));
            }
        }
        Route::PartnerCallback => {
            if expired || !verify_standard_webhook(&credentials.partner_secret, req, raw) {
                return Err(Answer::json(
                    401,
                    json!({"error": "invalid webhook signature"}),
                ));
            }
        }
    }
    Ok(())
}

/// The Graph access token: `Authorization: Bearer …` or the `access_token` query parameter.
pub(crate) fn graph_token(req: &HttpRequest) -> Option<String> {
    let bearer = req
        .headers()
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .map(|t| t.trim().to_owned());
    bearer.or_else(|| query_param(req, "access_token"))
}

pub(crate) fn query_param(req: &HttpRequest, name: &str) -> Option<String> {
    serde_urlencoded::from_str::<Vec<(String, String)>>(req.query_string())
        .ok()?
        .into_iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v)
}

/// A Graph parameter from the body (JSON or form) or, as Graph also accepts, the query.
pub(crate) fn graph_param(req: &HttpRequest, body: &Value, name: &str) -> Option<String> {
    body.get(name)
        .and_then(Value::as_str)
        .map(str::to_owned)
        .or_else(|| query_param(req, name))
}

/// The body as JSON when it is JSON, a form as an object of strings, other bytes as text.
pub(crate) fn parse_body(req: &HttpRequest, raw: &[u8]) -> Value {
    if raw.is_empty() {
        return Value::Null;
    }
    if let Ok(value) = serde_json::from_slice(raw) {
        return value;
    }
    let form = req
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if form && let Ok(pairs) = serde_urlencoded::from_bytes::<Vec<(String, String)>>(raw) {
        return Value::Object(
            pairs
                .into_iter()
                .map(|(k, v)| (k, Value::String(v)))
                .collect(),
        );
    }
    Value::String(String::from_utf8_lossy(raw).into_owned())
}

pub(crate) fn header_pairs(req: &HttpRequest) -> Vec<(String, String)> {
    req.headers()
        .iter()
        .map(|(name, value)| {
            (
                name.as_str().to_ascii_lowercase(),
                String::from_utf8_lossy(value.as_bytes()).into_owned(),
            )
        })
        .collect()
}
