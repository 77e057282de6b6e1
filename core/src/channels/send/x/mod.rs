//! X (API v2): a public reply is a post answering the customer's post; a private reply is a
//! direct message. Both are sent as the brand's account, so they are signed with OAuth 1.0a
//! user context (HMAC-SHA1) rather than the app-only bearer token.

use std::num::NonZeroU64;
use std::time::Duration;

use serde_json::{Value, json};

use super::{
    Answer, Call, Delivery, Outgoing, Target, Unsendable, base_url, credential, path_id,
    platform_failed, retry_after, snippet,
};

/// Where X's API lives unless the channel says otherwise.
const DEFAULT_BASE: &str = "https://api.x.com";

/// The call that posts the reply (a post or a DM). Media need an upload first, which is not
/// done yet: attachments are left out and a reply without text cannot be sent.
pub(super) fn call(out: &Outgoing) -> Result<Call, Unsendable> {
    if out.text.trim().is_empty() {
        return Err(Unsendable(
            "a reply on X needs text: attachments alone are not sent yet".to_owned(),
        ));
    }
    let base = base_url(&out.settings, DEFAULT_BASE);
    let (url, body) = match &out.target {
        Target::Public { reply_to } => (
            format!("{base}/2/tweets"),
            json!({ "text": out.text, "reply": { "in_reply_to_tweet_id": reply_to } }),
        ),
        Target::Direct { user_id, .. } => {
            let user_id = path_id(user_id, "X user id")?;
            (
                format!("{base}/2/dm_conversations/with/{user_id}/messages"),
                json!({ "text": out.text }),
            )
        }
        Target::PrivateToComment { .. } => {
            return Err(Unsendable(
                "X has no private reply to a post: a private reply on X is a direct message"
                    .to_owned(),
            ));
        }
    };
    let authorization = authorization(out, &url)?;
    Ok(Call {
        url,
        headers: vec![("Authorization".to_owned(), authorization)],
        body: body.to_string(),
    })
}

/// The `Authorization: OAuth …` value for a POST to `url`. A JSON body is not part of the
/// signature base string (only form bodies are), so the signature covers the method, the URL
/// and the OAuth parameters.
fn authorization(out: &Outgoing, url: &str) -> Result<String, Unsendable> {
    let client = oauth1_request::Credentials::new(
        credential(out, "consumer_key")?,
        credential(out, "consumer_secret")?,
    );
    let token = oauth1_request::Credentials::new(
        credential(out, "access_token")?,
        credential(out, "access_token_secret")?,
    );
    let nonce = nonce(out);
    let mut builder = oauth1_request::Builder::new(client, oauth1_request::HmacSha1::new());
    builder
        .token(token)
        .nonce(nonce.as_str())
        .timestamp(timestamp(out));
    Ok(builder.post(url, &()))
}

/// The `oauth_nonce`: our message id (hex) followed by the sub-second part of `now` (hex).
/// OAuth asks for a nonce unique per timestamp, client and token; the message id makes it
/// unique across messages and the nanoseconds across attempts of one message, while keeping
/// the call a pure function of `out`, so tests can recompute the signature.
fn nonce(out: &Outgoing) -> String {
    format!(
        "{}{:08x}",
        out.message_id.simple(),
        out.now.timestamp_subsec_nanos()
    )
}

/// The `oauth_timestamp`: `out.now` in unix seconds (before 1970 the crate falls back to
/// the clock, which cannot happen with a real `now`).
fn timestamp(out: &Outgoing) -> Option<NonZeroU64> {
    u64::try_from(out.now.timestamp())
        .ok()
        .and_then(NonZeroU64::new)
}

/// What X's answer means: the post or DM event id when taken, otherwise by status as §1.5 of
/// the channel notes describes (401 expired token, 429 limit, 5xx retry, other 4xx for good).
pub(super) fn read_answer(answer: &Answer) -> Delivery {
    match answer.status {
        200..=299 => sent(answer),
        401 => Delivery::Reauth {
            error: problem(answer),
        },
        429 => Delivery::Retry {
            after: reset_wait(answer).or_else(|| retry_after(answer)),
            rate_limited: true,
            error: problem(answer),
        },
        500..=599 => platform_failed(answer),
        _ => Delivery::Failed {
            error: problem(answer),
        },
    }
}

/// A `2xx`: `data.id` for a post, `data.dm_event_id` for a DM. Without either the answer
/// cannot be trusted (a partial `errors[]` answer, a proxy page), so it is retried.
fn sent(answer: &Answer) -> Delivery {
    let body: Option<Value> = serde_json::from_str(&answer.body).ok();
    let data = body.as_ref().and_then(|b| b.get("data"));
    let id = data
        .and_then(|d| d.get("id").or_else(|| d.get("dm_event_id")))
        .and_then(Value::as_str)
        .filter(|id| !id.is_empty());
    match id {
        Some(id) => Delivery::Sent {
            platform_message_id: id.to_owned(),
        },
        None => platform_failed(answer),
    }
}

/// How long until `x-rate-limit-reset` (unix seconds), at least a second so a reset already
/// past does not turn into a busy loop.
fn reset_wait(answer: &Answer) -> Option<Duration> {
    let reset = answer
        .header("x-rate-limit-reset")?
        .trim()
        .parse::<i64>()
        .ok()?;
    let left = reset.saturating_sub(chrono::Utc::now().timestamp()).max(1);
    u64::try_from(left).ok().map(Duration::from_secs)
}

/// X's error, as recorded: the problem's `title` and `detail` (RFC 7807 style), or the
/// older `errors[0].message`, or the start of the body.
fn problem(answer: &Answer) -> String {
    let body: Value = serde_json::from_str(&answer.body).unwrap_or(Value::Null);
    let field = |name: &str| body.get(name).and_then(Value::as_str);
    let legacy = body
        .get("errors")
        .and_then(|e| e.get(0))
        .and_then(|e| e.get("message"))
        .and_then(Value::as_str);
    let text = match (field("title"), field("detail").or(legacy)) {
        (Some(title), Some(detail)) if title != detail => format!("{title}: {detail}"),
        (_, Some(detail)) => detail.to_owned(),
        (Some(title), None) => title.to_owned(),
        (None, None) => snippet(&answer.body),
    };
    format!("X answered {}: {text}", answer.status)
}

#[cfg(test)]
mod tests;
