//! Sending a reply on its platform: each module builds the platform's call for a reply
//! (`Call`, pure) and reads the platform's answer into a `Delivery` (pure), so both are
//! tested without a network; `send` performs the call.
//!
//! The worker decides what to do with a `Delivery`: store the platform id of what was sent,
//! retry later (honouring the platform's own wait), set the channel to `needs_reauth`, or
//! record the failure on the message.

use std::collections::BTreeMap;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::views::{Attachment, ChannelKind};

mod meta;
mod partner;
mod telegram;
mod x;

/// Where a reply goes, as the platform addresses it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// A public answer under a platform message: a reply to a post (X), a reply to a
    /// comment (Facebook, Instagram), a message in a group chat (Telegram).
    Public {
        /// The platform id of the customer's message answered.
        reply_to: String,
    },
    /// A private message to the customer: a DM (X, Instagram), Messenger, WhatsApp, a
    /// Telegram private chat.
    Direct {
        /// The customer's platform user id (X user id, PSID, IGSID, wa_id, Telegram chat id).
        user_id: String,
        /// The customer's message answered, quoted where the platform can.
        reply_to: Option<String>,
        /// Past the platform's standard 24-hour window (Messenger, Instagram): sent with the
        /// `HUMAN_AGENT` tag, allowed up to 7 days.
        human_agent: bool,
    },
    /// A private reply to a public comment (Facebook, Instagram): moves a public complaint
    /// to the customer's inbox; one per comment, within 7 days of it.
    PrivateToComment {
        /// The comment's platform id.
        comment_id: String,
    },
}

/// One reply to send, with everything its platform call needs.
#[derive(Debug, Clone)]
pub struct Outgoing {
    /// Our message id: the idempotency key where the platform (or partner) takes one.
    pub message_id: uuid::Uuid,
    /// The channel's platform.
    pub kind: ChannelKind,
    /// The channel's settings as stored (typed per kind in `channels::config`).
    pub settings: Value,
    /// The channel's credentials, unsealed, by name.
    pub credentials: BTreeMap<String, String>,
    /// Where it goes.
    pub target: Target,
    /// The text.
    pub text: String,
    /// Attachments, by URL.
    pub attachments: Vec<Attachment>,
    /// For an `api` channel: the JSON the partner's callback receives.
    pub partner_payload: Option<Value>,
    /// When the call is made (signatures and timestamps).
    pub now: DateTime<Utc>,
}

/// An HTTP call to make, fully formed.
#[derive(Debug, Clone, PartialEq)]
pub struct Call {
    /// The absolute URL, base URL override applied.
    pub url: String,
    /// Headers besides `Content-Type: application/json` (authorization, signatures).
    pub headers: Vec<(String, String)>,
    /// The JSON body, sent as given (the bytes signed are the bytes sent).
    pub body: String,
}

/// What the platform answered, as far as sending is concerned.
#[derive(Debug, Clone, PartialEq)]
pub struct Answer {
    /// HTTP status.
    pub status: u16,
    /// Response headers, names lower-case.
    pub headers: Vec<(String, String)>,
    /// Response body.
    pub body: String,
}

impl Answer {
    /// A header's value, by lower-case name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// What came of a send.
#[derive(Debug, Clone, PartialEq)]
pub enum Delivery {
    /// The platform took it.
    Sent {
        /// The platform's id of what was sent (matched against echoes and statuses).
        platform_message_id: String,
    },
    /// Try again later: rate limited (`429`, Meta throttling codes, Telegram
    /// `retry_after`) or the platform failed (`5xx`, transient codes).
    Retry {
        /// The platform's own wait, when it gave one.
        after: Option<Duration>,
        /// Rate limited (the channel shows `rate_limited` until `after`), rather than failing.
        rate_limited: bool,
        /// The platform's error, as recorded.
        error: String,
    },
    /// The credentials no longer work (Meta 190, X 401, Telegram 401): the channel needs
    /// re-authorising; nothing is retried.
    Reauth {
        /// The platform's error.
        error: String,
    },
    /// Refused for good (a closed window, a blocked user, a deleted post).
    Failed {
        /// The platform's error.
        error: String,
    },
}

/// A call cannot be formed: the channel lacks a setting or credential, or the target does
/// not suit the platform (a public reply on WhatsApp).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Unsendable(pub String);

/// The call that delivers `out` on its platform.
pub fn call(out: &Outgoing) -> Result<Call, Unsendable> {
    match out.kind {
        ChannelKind::X => x::call(out),
        ChannelKind::Facebook | ChannelKind::Instagram | ChannelKind::Whatsapp => meta::call(out),
        ChannelKind::Telegram => telegram::call(out),
        ChannelKind::Api => partner::call(out),
    }
}

/// What the platform's answer to the call means. The call is needed too: a partner that
/// answers `2xx` without an id of its own is known by the `webhook-id` we sent.
pub fn read_answer(kind: ChannelKind, call: &Call, answer: &Answer) -> Delivery {
    match kind {
        ChannelKind::X => x::read_answer(answer),
        ChannelKind::Facebook | ChannelKind::Instagram | ChannelKind::Whatsapp => {
            meta::read_answer(kind, answer)
        }
        ChannelKind::Telegram => telegram::read_answer(answer),
        ChannelKind::Api => partner::read_answer(call, answer),
    }
}

/// Performs the call; a network failure or timeout is a `Retry`.
pub async fn send(client: &reqwest::Client, kind: ChannelKind, call: Call) -> Delivery {
    let mut request = client
        .post(&call.url)
        .header("Content-Type", "application/json")
        .body(call.body.clone());
    for (name, value) in &call.headers {
        request = request.header(name, value);
    }
    match fetch(request).await {
        Ok(answer) => read_answer(kind, &call, &answer),
        Err(unreached) => unreached,
    }
}

/// Makes a request and reads the platform's answer; a network failure or timeout is a
/// `Retry`.
pub(super) async fn fetch(request: reqwest::RequestBuilder) -> Result<Answer, Delivery> {
    let response = request.send().await.map_err(|err| Delivery::Retry {
        after: None,
        rate_limited: false,
        error: format!("could not reach the platform: {err}"),
    })?;
    let status = response.status().as_u16();
    let headers = response
        .headers()
        .iter()
        .filter_map(|(n, v)| Some((n.as_str().to_owned(), v.to_str().ok()?.to_owned())))
        .collect();
    let body = response.text().await.unwrap_or_default();
    Ok(Answer {
        status,
        headers,
        body,
    })
}

/// The base URL: the channel's `api_base_url` when set, else the platform's.
pub(super) fn base_url<'a>(settings: &'a Value, default: &'a str) -> &'a str {
    settings
        .get("api_base_url")
        .and_then(Value::as_str)
        .unwrap_or(default)
        .trim_end_matches('/')
}

/// A setting the call needs.
pub(super) fn setting<'a>(settings: &'a Value, name: &str) -> Result<&'a str, Unsendable> {
    settings
        .get(name)
        .and_then(Value::as_str)
        .filter(|v| !v.is_empty())
        .ok_or_else(|| Unsendable(format!("the channel has no `{name}` setting")))
}

/// A platform id placed in a URL path: ids are digits, letters, `_` and `-` on every
/// platform, and anything else (a `/`, a `?`, `..`) would send the call somewhere else.
pub(super) fn path_id<'a>(id: &'a str, what: &str) -> Result<&'a str, Unsendable> {
    let fits = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == '-';
    if !id.is_empty() && id.chars().all(fits) {
        Ok(id)
    } else {
        Err(Unsendable(format!("`{id}` is not a valid {what}")))
    }
}

/// A credential the call needs.
pub(super) fn credential<'a>(out: &'a Outgoing, name: &str) -> Result<&'a str, Unsendable> {
    out.credentials
        .get(name)
        .map(String::as_str)
        .filter(|v| !v.is_empty())
        .ok_or_else(|| Unsendable(format!("the channel has no `{name}` credential")))
}

/// A retry for a failing platform (`5xx`) or an answer that could not be read.
pub(super) fn platform_failed(answer: &Answer) -> Delivery {
    Delivery::Retry {
        after: retry_after(answer),
        rate_limited: false,
        error: format!(
            "the platform answered {}: {}",
            answer.status,
            snippet(&answer.body)
        ),
    }
}

/// The standard `Retry-After` header, in seconds (an HTTP date is not used by these
/// platforms).
pub(super) fn retry_after(answer: &Answer) -> Option<Duration> {
    answer
        .header("retry-after")
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map(Duration::from_secs)
}

/// The start of a body, for an error message.
pub(super) fn snippet(body: &str) -> String {
    body.chars().take(300).collect()
}
