//! Reading Meta's answer: the Graph error body, whose `code` (not the HTTP status, usually 400
//! or 403) says whether to retry, re-authorise or give up, and the id of what was sent.

use std::time::Duration;

use serde::Deserialize;
use serde_json::Value;

use super::super::{Answer, Delivery, platform_failed, retry_after, snippet};
use crate::views::ChannelKind;

/// The `error` object of a Graph answer.
#[derive(Debug, Deserialize)]
struct GraphError {
    #[serde(default)]
    message: String,
    code: Option<i64>,
    error_subcode: Option<i64>,
    #[serde(default)]
    is_transient: bool,
}

impl GraphError {
    /// As recorded: Meta's message and code, e.g. `(#551) This person isn't available right
    /// now. [code 551]`.
    fn describe(&self) -> String {
        match self.code {
            Some(code) => format!("{} [code {code}]", self.message),
            None => self.message.clone(),
        }
    }
}

/// What a Graph error asks of us, after the tables of §2 and §5.4 of the channel notes.
#[derive(Debug, PartialEq, Eq)]
enum Remedy {
    /// The 24-hour (or 7-day) messaging window is closed: no retry will get through.
    WindowClosed,
    /// The token or a permission is gone.
    Reauth,
    /// Throttled: wait as told.
    Throttled,
    /// A passing failure on Meta's side.
    Transient,
    /// Refused for good.
    Refused,
}

/// Sorts a Graph error by its code (and subcode). Messenger's 10/2018278 and Instagram's
/// 10/2534022 are the closed window, not a lost permission as other code-10 errors are.
fn remedy(kind: ChannelKind, error: &GraphError) -> Remedy {
    match (error.code, error.error_subcode) {
        (Some(10), Some(2_018_278 | 2_534_022)) | (Some(131_047), _) => Remedy::WindowClosed,
        (Some(190 | 10 | 200..=299), _) => Remedy::Reauth,
        (Some(0), _) if kind == ChannelKind::Whatsapp => Remedy::Reauth,
        (Some(4 | 17 | 32 | 613 | 80_001..=80_014 | 130_429 | 131_056), _) => Remedy::Throttled,
        (Some(1 | 2 | 1200 | 131_000 | 131_016), _) => Remedy::Transient,
        _ if error.is_transient => Remedy::Transient,
        _ => Remedy::Refused,
    }
}

/// What Meta's answer means: a Graph error by its code, else the id of what was sent.
pub(in super::super) fn read_answer(kind: ChannelKind, answer: &Answer) -> Delivery {
    let body: Value = serde_json::from_str(&answer.body).unwrap_or(Value::Null);
    let error = body
        .get("error")
        .and_then(|e| GraphError::deserialize(e).ok());
    if let Some(error) = error {
        return refused(kind, &error, answer);
    }
    match answer.status {
        200..=299 => sent(kind, &body, answer),
        429 => Delivery::Retry {
            after: retry_after(answer),
            rate_limited: true,
            error: format!("the platform answered 429: {}", snippet(&answer.body)),
        },
        500..=599 => platform_failed(answer),
        status => Delivery::Failed {
            error: format!("the platform answered {status}: {}", snippet(&answer.body)),
        },
    }
}

/// The delivery for a Graph error.
fn refused(kind: ChannelKind, error: &GraphError, answer: &Answer) -> Delivery {
    match remedy(kind, error) {
        Remedy::WindowClosed => Delivery::Failed {
            error: format!(
                "the reply window is closed: {} (WhatsApp then needs a template; Messenger and \
                 Instagram allow 24 hours, 7 days with the human agent tag)",
                error.describe()
            ),
        },
        Remedy::Reauth => Delivery::Reauth {
            error: error.describe(),
        },
        Remedy::Throttled => Delivery::Retry {
            after: regain_access(answer).or_else(|| retry_after(answer)),
            rate_limited: true,
            error: error.describe(),
        },
        Remedy::Transient => Delivery::Retry {
            after: retry_after(answer),
            rate_limited: false,
            error: error.describe(),
        },
        Remedy::Refused => Delivery::Failed {
            error: error.describe(),
        },
    }
}

/// The longest `estimated_time_to_regain_access` (minutes) in `X-Business-Use-Case-Usage`,
/// when Meta says a wait is needed.
fn regain_access(answer: &Answer) -> Option<Duration> {
    let usage: Value = serde_json::from_str(answer.header("x-business-use-case-usage")?).ok()?;
    let minutes = usage
        .as_object()?
        .values()
        .filter_map(Value::as_array)
        .flatten()
        .filter_map(|entry| entry.get("estimated_time_to_regain_access")?.as_u64())
        .max()
        .filter(|minutes| *minutes > 0)?;
    Some(Duration::from_secs(minutes.saturating_mul(60)))
}

/// A `2xx`: WhatsApp's `messages[0].id`; Messenger's and Instagram's `message_id`, or the
/// new comment's `id`. Without it the answer cannot be trusted, so it is retried.
fn sent(kind: ChannelKind, body: &Value, answer: &Answer) -> Delivery {
    let id = match kind {
        ChannelKind::Whatsapp => body.pointer("/messages/0/id"),
        _ => body.get("message_id").or_else(|| body.get("id")),
    };
    match id.and_then(Value::as_str).filter(|id| !id.is_empty()) {
        Some(id) => Delivery::Sent {
            platform_message_id: id.to_owned(),
        },
        None => platform_failed(answer),
    }
}
