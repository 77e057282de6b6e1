//! The X fakes: posts, DMs, `users/me`, the mention timeline and OAuth 1.0a verification.

use std::cmp::Ordering;
use std::collections::HashMap;
use std::num::NonZeroU64;

use serde_json::{Value, json};

use super::x_pages::{PageRequest, query_params, x_posts_page};
use super::{Answer, Credentials, State, x_problem_answer};

/// The parameters of an `Authorization: OAuth k="v", …` header, percent-decoded.
fn parse_oauth_header(header: &str) -> Option<HashMap<String, String>> {
    let (scheme, rest) = header.trim().split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("OAuth") {
        return None;
    }
    let mut params = HashMap::new();
    for part in rest.split(',') {
        let (key, value) = part.trim().split_once('=')?;
        let value = value.trim().trim_matches('"');
        let value = percent_encoding::percent_decode_str(value)
            .decode_utf8()
            .ok()?;
        params.insert(key.trim().to_owned(), value.into_owned());
    }
    Some(params)
}

/// Whether `header` is an OAuth 1.0a HMAC-SHA1 signature (RFC 5849) of this request by the
/// configured consumer and token. The signature is recomputed with the received nonce and
/// timestamp; query parameters are part of the signature base string (RFC 5849 §3.4.1.3, so
/// a GET's `user.fields=…` is signed), a JSON body is not. Timestamps are not checked
/// for freshness and nonces not for reuse.
pub(super) fn verify_oauth1(
    credentials: &Credentials,
    method: &str,
    url: &str,
    query: &str,
    header: Option<&str>,
) -> bool {
    let Some(params) = header.and_then(parse_oauth_header) else {
        return false;
    };
    let get = |name: &str| params.get(name).map(String::as_str);
    let version = match get("oauth_version") {
        None => false,
        Some("1.0") => true,
        Some(_) => return false,
    };
    if get("oauth_signature_method") != Some("HMAC-SHA1")
        || get("oauth_consumer_key") != Some(credentials.consumer_key.as_str())
        || get("oauth_token") != Some(credentials.access_token.as_str())
    {
        return false;
    }
    let (Some(nonce), Some(timestamp), Some(signature)) = (
        get("oauth_nonce"),
        get("oauth_timestamp").and_then(|t| t.parse::<NonZeroU64>().ok()),
        get("oauth_signature"),
    ) else {
        return false;
    };
    let Ok(query) = serde_urlencoded::from_str::<Vec<(String, String)>>(query) else {
        return false;
    };
    let expected = oauth1_signature(credentials, method, url, query, nonce, timestamp, version);
    expected.as_deref() == Some(signature)
}

/// The HMAC-SHA1 signature `oauth1-request` computes for these exact inputs.
pub(super) fn oauth1_signature(
    credentials: &Credentials,
    method: &str,
    url: &str,
    params: Vec<(String, String)>,
    nonce: &str,
    timestamp: NonZeroU64,
    version: bool,
) -> Option<String> {
    let client = oauth1_request::Credentials::new(
        credentials.consumer_key.as_str(),
        credentials.consumer_secret.as_str(),
    );
    let token = oauth1_request::Credentials::new(
        credentials.access_token.as_str(),
        credentials.access_token_secret.as_str(),
    );
    let mut builder = oauth1_request::Builder::new(client, oauth1_request::HMAC_SHA1);
    builder
        .token(token)
        .nonce(nonce)
        .timestamp(timestamp)
        .version(version);
    let header = builder.authorize(method, url, &oauth1_request::ParameterList::new(params));
    parse_oauth_header(&header)?.remove("oauth_signature")
}

pub(super) fn x_tweet(state: &mut State, body: &Value) -> Answer {
    let Some(text) = body
        .get("text")
        .and_then(Value::as_str)
        .filter(|t| !t.is_empty())
    else {
        return x_invalid_request("The `text` field is required when `media` is not present.");
    };
    let id = x_id(state);
    let data = json!({"id": id, "text": text, "edit_history_tweet_ids": [id]});
    Answer::json(201, json!({ "data": data }))
}

pub(super) fn x_dm(
    state: &mut State,
    credentials: &Credentials,
    participant_id: &str,
    body: &Value,
) -> Answer {
    if !is_numeric(participant_id) {
        return x_invalid_request("The `participant_id` path parameter must be a numeric user id.");
    }
    let has_text = body
        .get("text")
        .and_then(Value::as_str)
        .is_some_and(|t| !t.is_empty());
    if !has_text && body.get("attachments").is_none() {
        return x_invalid_request("One of `text` or `attachments` is required.");
    }
    let own = x_own_user_id(credentials);
    let data = json!({
        "dm_conversation_id": dm_conversation_id(own, participant_id),
        "dm_event_id": x_id(state),
    });
    Answer::json(201, json!({ "data": data }))
}

/// The brand account's user id: the access token's part before the dash, as X issues tokens.
pub(super) fn x_own_user_id(credentials: &Credentials) -> &str {
    credentials
        .access_token
        .split_once('-')
        .map(|(user, _)| user)
        .filter(|user| is_numeric(user))
        .unwrap_or("1000000000000000001")
}

/// `GET /2/users/me` → `200 {"data":{"id","name","username"}}`, the default user fields (a
/// `user.fields` query is signed and accepted but adds nothing).
pub(super) fn x_users_me(credentials: &Credentials) -> Answer {
    let data = json!({
        "id": x_own_user_id(credentials),
        "name": "Acme Help",
        "username": "AcmeHelp",
    });
    Answer::json(200, json!({ "data": data }))
}

/// How far back the mention timeline reaches: the 800 most recent mentions (channels.md §1.6).
const X_MENTIONS_REACH: usize = 800;

/// The query parameters the mention timeline accepts; X refuses any other with a 400.
/// `tweet.fields` and `post.fields` are both accepted (channels.md §1.6). The `*.fields` and
/// `expansions` are accepted but the answer always carries the same fields.
const X_MENTIONS_PARAMS: [&str; 10] = [
    "expansions",
    "max_results",
    "media.fields",
    "pagination_token",
    "place.fields",
    "poll.fields",
    "post.fields",
    "since_id",
    "tweet.fields",
    "user.fields",
];

/// `GET /2/users/{id}/mentions` (channels.md §1.6): the brand's mentions newest first, at
/// most `max_results` (5–100, default 10) with ids greater than `since_id`, continuing below
/// the previous page for a `pagination_token`. The posts carry `id`, `text`, `author_id`,
/// `conversation_id`, `created_at`, `edit_history_tweet_ids` and, for a reply,
/// `in_reply_to_user_id` and `referenced_tweets`; `includes.users` has each author once.
/// Another user's id is refused with `403`, a bad parameter with `400`.
pub(super) fn x_mentions(
    state: &mut State,
    credentials: &Credentials,
    user_id: &str,
    query: &str,
) -> Answer {
    let own = x_own_user_id(credentials);
    if user_id != own {
        return x_problem_answer(
            403,
            "client-forbidden",
            "Forbidden",
            &format!("You are not permitted to read the mentions of user [{user_id}]."),
        );
    }
    let params = match query_params(query, &X_MENTIONS_PARAMS) {
        Ok(params) => params,
        Err(refused) => return refused,
    };
    let mut newest = state.x_mentions.clone();
    newest.sort_by(|a, b| id_order(&b.id, &a.id));
    newest.truncate(X_MENTIONS_REACH);
    let request = PageRequest {
        source: "mentions".into(),
        min_results: 5,
        token_param: "pagination_token",
    };
    x_posts_page(state, own, newest, &params, &request)
}

/// A new X id: a numeric string beyond 2^53, as X's are (channels.md conventions).
fn x_id(state: &mut State) -> String {
    (1_874_000_000_000_000_400_u64 + state.next()).to_string()
}

pub(super) fn is_numeric(id: &str) -> bool {
    !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit())
}

/// Two numeric ids compared as numbers (leading zeros aside), not as text.
pub(super) fn id_order(a: &str, b: &str) -> Ordering {
    let (a, b) = (a.trim_start_matches('0'), b.trim_start_matches('0'));
    a.len().cmp(&b.len()).then_with(|| a.cmp(b))
}

/// `"{smaller}-{larger}"` of two numeric ids compared as numbers, not as text.
pub(super) fn dm_conversation_id(a: &str, b: &str) -> String {
    let (low, high) = if id_order(a, b).is_le() {
        (a, b)
    } else {
        (b, a)
    };
    format!("{low}-{high}")
}

pub(super) fn x_invalid_request(detail: &str) -> Answer {
    x_problem_answer(400, "invalid-request", "Invalid Request", detail)
}
