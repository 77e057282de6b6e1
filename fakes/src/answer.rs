//! What the fakes answer: bodies, scripted trouble in each platform's error format.

use std::time::{SystemTime, UNIX_EPOCH};

use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use serde_json::{Value, json};

/// An answer's body.
#[derive(Clone, Debug)]
pub(crate) enum Body {
    Json(Value),
    Text(String),
}

/// An answer before it becomes an `HttpResponse`, so it can be recorded and scripted.
#[derive(Clone, Debug)]
pub(crate) struct Answer {
    pub(crate) status: u16,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) body: Body,
}

impl Answer {
    pub(crate) fn json(status: u16, body: Value) -> Self {
        Self {
            status,
            headers: Vec::new(),
            body: Body::Json(body),
        }
    }

    pub(crate) fn text(status: u16, body: impl Into<String>) -> Self {
        Self {
            status,
            headers: Vec::new(),
            body: Body::Text(body.into()),
        }
    }

    pub(crate) fn with_header(mut self, name: &str, value: impl Into<String>) -> Self {
        self.headers.push((name.to_owned(), value.into()));
        self
    }

    pub(crate) fn has_header(&self, name: &str) -> bool {
        self.headers
            .iter()
            .any(|(n, _)| n.eq_ignore_ascii_case(name))
    }

    pub(crate) fn into_response(self) -> HttpResponse {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut builder = HttpResponse::build(status);
        for (name, value) in &self.headers {
            builder.insert_header((name.as_str(), value.as_str()));
        }
        match self.body {
            Body::Json(value) => builder.json(value),
            Body::Text(text) => builder.content_type("text/plain; charset=utf-8").body(text),
        }
    }
}

/// A canned answer for the next request to one platform, in that platform's error format.
/// It replaces the normal answer after authentication has passed.
#[derive(Clone, Debug)]
pub struct Trouble {
    pub(crate) answer: Answer,
    /// `x-rate-limit-reset` is this many seconds after the moment of answering, not of
    /// scripting, so a test that waits before sending still sees a reset in the future.
    pub(crate) x_reset_in: Option<u64>,
}

impl Trouble {
    pub(crate) fn from_answer(answer: Answer) -> Self {
        Self {
            answer,
            x_reset_in: None,
        }
    }

    /// X over its limit (channels.md §1.5): `429`, `x-rate-limit-remaining: 0`,
    /// `x-rate-limit-reset` = now + `reset_in_secs`, RFC 7807 body, no `Retry-After`.
    pub fn x_rate_limited(reset_in_secs: u64) -> Self {
        let answer = x_problem_answer(
            429,
            "rate-limit-exceeded",
            "Too Many Requests",
            "Too Many Requests",
        )
        .with_header("x-rate-limit-remaining", "0");
        Self {
            answer,
            x_reset_in: Some(reset_in_secs),
        }
    }

    /// Any X problem (channels.md §1.5), e.g. `403` `client-forbidden` for a user whose DMs are
    /// closed. `kind` is the last segment of `https://api.x.com/2/problems/<kind>`.
    pub fn x_problem(status: u16, kind: &str, title: &str, detail: &str) -> Self {
        Self::from_answer(x_problem_answer(status, kind, title, detail))
    }

    /// A Graph API error (channels.md §2, §3.3, §5.4): `{"error":{"message","type","code",
    /// "error_subcode"?,"fbtrace_id"}}` with the given HTTP status.
    pub fn meta_error(http_status: u16, code: i64, subcode: Option<i64>, message: &str) -> Self {
        Self::from_answer(meta_error_answer(http_status, code, subcode, message))
    }

    /// Meta app-level throttling (channels.md §2): HTTP 400, code 4, and the `X-App-Usage`
    /// header at 100 as Meta reports it once the app is over its limit.
    pub fn meta_throttled() -> Self {
        let usage = json!({"call_count": 100, "total_cputime": 40, "total_time": 60});
        let answer = meta_error_answer(400, 4, None, "(#4) Application request limit reached")
            .with_header("x-app-usage", usage.to_string());
        Self::from_answer(answer)
    }

    /// Telegram flood control (channels.md §6.4): HTTP 429 with `parameters.retry_after`.
    pub fn telegram_retry_after(secs: u64) -> Self {
        Self::from_answer(Answer::json(
            429,
            json!({
                "ok": false,
                "error_code": 429,
                "description": format!("Too Many Requests: retry after {secs}"),
                "parameters": {"retry_after": secs},
            }),
        ))
    }

    /// The user blocked the bot (channels.md §6.4): HTTP 403.
    pub fn telegram_blocked() -> Self {
        Self::telegram_error(403, "Forbidden: bot was blocked by the user")
    }

    /// Any Telegram error: `{"ok":false,"error_code":status,"description"}`, HTTP status =
    /// `error_code` as Telegram does.
    pub fn telegram_error(status: u16, description: &str) -> Self {
        Self::from_answer(telegram_error_answer(status, description))
    }

    /// A server failure of any platform: `status` (5xx) with a short text body, as proxies in
    /// front of the platforms answer.
    pub fn server_error(status: u16) -> Self {
        Self::from_answer(Answer::text(status, reason(status)))
    }

    /// Any status with a `Retry-After: secs` header and a short text body.
    pub fn with_retry_after(status: u16, secs: u64) -> Self {
        let answer =
            Answer::text(status, reason(status)).with_header("retry-after", secs.to_string());
        Self::from_answer(answer)
    }

    /// Any status with a JSON body, for shapes the other constructors do not cover.
    pub fn json(status: u16, body: Value) -> Self {
        Self::from_answer(Answer::json(status, body))
    }

    /// The answer as sent now.
    pub(crate) fn answer_now(self) -> Answer {
        match self.x_reset_in {
            Some(secs) => self
                .answer
                .with_header("x-rate-limit-reset", (unix_now() + secs).to_string()),
            None => self.answer,
        }
    }
}

/// The canonical reason phrase of a status, as a short text body.
pub(crate) fn reason(status: u16) -> String {
    StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("Error")
        .to_owned()
}

pub(crate) fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default()
}

/// An X API v2 problem (RFC 7807, channels.md §1.5).
pub(crate) fn x_problem_answer(status: u16, kind: &str, title: &str, detail: &str) -> Answer {
    let body = json!({
        "title": title,
        "detail": detail,
        "type": format!("https://api.x.com/2/problems/{kind}"),
        "status": status,
    });
    Answer::json(status, body).with_header("content-type", "application/problem+json")
}

/// X's answer to a missing, wrong or revoked OAuth 1.0a signature.
pub(crate) fn x_unauthorized() -> Answer {
    let body = json!({"title": "Unauthorized", "type": "about:blank", "status": 401, "detail": "Unauthorized"});
    Answer::json(401, body).with_header("content-type", "application/problem+json")
}

/// A Graph API error body; `fbtrace_id` differs per answer as Meta's does.
pub(crate) fn meta_error_answer(
    http_status: u16,
    code: i64,
    subcode: Option<i64>,
    message: &str,
) -> Answer {
    let mut error = json!({
        "message": message,
        "type": "OAuthException",
        "code": code,
        "fbtrace_id": fbtrace_id(),
    });
    if let (Some(subcode), Some(fields)) = (subcode, error.as_object_mut()) {
        fields.insert("error_subcode".into(), json!(subcode));
    }
    Answer::json(http_status, json!({ "error": error }))
}

pub(crate) fn fbtrace_id() -> String {
    let mut id = uuid::Uuid::new_v4().simple().to_string();
    id.truncate(11);
    format!("A{id}")
}

pub(crate) fn telegram_error_answer(status: u16, description: &str) -> Answer {
    Answer::json(
        status,
        json!({"ok": false, "error_code": status, "description": description}),
    )
}
