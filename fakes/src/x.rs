//! The X fakes: posts, DMs, `users/me`, the mention timeline (and the paging it shares with
//! recent search) and OAuth 1.0a verification.

use std::cmp::Ordering;
use std::collections::{HashMap, HashSet};
use std::num::NonZeroU64;

use chrono::SecondsFormat;
use serde_json::{Value, json};

use super::{Answer, Credentials, PageToken, State, XPost, x_problem_answer};

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

/// A request's query parameters, or X's `400` for one it does not know.
pub(super) fn query_params(
    query: &str,
    accepted: &[&str],
) -> Result<Vec<(String, String)>, Answer> {
    let Ok(params) = serde_urlencoded::from_str::<Vec<(String, String)>>(query) else {
        return Err(x_invalid_request("The query string could not be parsed."));
    };
    if let Some((unknown, _)) = params
        .iter()
        .find(|(name, _)| !accepted.contains(&name.as_str()))
    {
        return Err(x_invalid_request(&format!(
            "The query parameter [{unknown}] is not one of [{}]",
            accepted.join(",")
        )));
    }
    Ok(params)
}

/// What a paged list of posts is, besides its parameters: which list (a `next_token` is good
/// for its own list only), the smallest `max_results` and the name of the token parameter.
pub(super) struct PageRequest {
    pub source: String,
    pub min_results: usize,
    pub token_param: &'static str,
}

/// One page of `posts` (the candidates) newest first, at most `max_results` (up to 100,
/// default 10) with ids greater than `since_id`, continuing below the previous page for a
/// token; `meta.next_token` when more follow.
pub(super) fn x_posts_page(
    state: &mut State,
    own: &str,
    mut posts: Vec<XPost>,
    params: &[(String, String)],
    request: &PageRequest,
) -> Answer {
    let param = |name: &str| {
        params
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    };
    let min = request.min_results;
    let max_results = match param("max_results") {
        None => 10,
        Some(raw) => match raw.parse::<usize>() {
            Ok(n) if (min..=100).contains(&n) => n,
            _ => {
                return x_invalid_request(&format!(
                    "The `max_results` query parameter value [{raw}] is not between {min} and 100"
                ));
            }
        },
    };
    let since_id = param("since_id");
    if let Some(since) = since_id.filter(|since| !is_numeric(since)) {
        return x_invalid_request(&format!(
            "The `since_id` query parameter value [{since}] is not a valid post id"
        ));
    }
    let below = match param(request.token_param) {
        None => None,
        Some(token) => match state.x_page_tokens.get(token) {
            Some(page) if page.since_id.as_deref() == since_id && page.source == request.source => {
                Some(page.below.clone())
            }
            _ => {
                return x_invalid_request(&format!(
                    "The `{}` query parameter value [{token}] is not valid",
                    request.token_param
                ));
            }
        },
    };
    posts.sort_by(|a, b| id_order(&b.id, &a.id));
    let everyone: Vec<XPost> = posts.clone();
    posts.retain(|post| {
        since_id.is_none_or(|since| id_order(&post.id, since).is_gt())
            && below
                .as_deref()
                .is_none_or(|below| id_order(&post.id, below).is_lt())
    });
    let more = posts.len() > max_results;
    posts.truncate(max_results);
    let (Some(first), Some(last)) = (posts.first(), posts.last()) else {
        return Answer::json(200, json!({"meta": {"result_count": 0}}));
    };
    let (newest_id, oldest_id) = (first.id.clone(), last.id.clone());
    let data: Vec<Value> = posts
        .iter()
        .map(|post| x_post_json(&everyone, own, post))
        .collect();
    let mut meta = json!({
        "result_count": posts.len(),
        "newest_id": newest_id,
        "oldest_id": oldest_id,
    });
    if more {
        let token = uuid::Uuid::new_v4().simple().to_string();
        state.x_page_tokens.insert(
            token.clone(),
            PageToken {
                source: request.source.clone(),
                since_id: since_id.map(str::to_owned),
                below: oldest_id,
            },
        );
        if let Some(fields) = meta.as_object_mut() {
            fields.insert("next_token".into(), json!(token));
        }
    }
    let users = authors(&everyone, &posts);
    Answer::json(
        200,
        json!({"data": data, "includes": {"users": users}, "meta": meta}),
    )
}

/// Each author of `page` once, as `includes.users` has them.
fn authors(everyone: &[XPost], page: &[XPost]) -> Vec<Value> {
    let mut users: Vec<Value> = Vec::new();
    let mut seen = HashSet::new();
    for post in page {
        if seen.insert(post.author_id.as_str()) {
            let tweet_count = everyone
                .iter()
                .filter(|p| p.author_id == post.author_id)
                .count();
            users.push(json!({
                "id": post.author_id,
                "name": post.name,
                "username": post.username,
                "verified": false,
                "public_metrics": {
                    "followers_count": post.followers,
                    "following_count": 0,
                    "tweet_count": tweet_count,
                    "listed_count": 0,
                },
            }));
        }
    }
    users
}

/// A post as the API answers it. A reply's `in_reply_to_user_id` is the author of the post
/// it replies to when that is among `posts`, else the brand (it replies to one of the
/// brand's posts, which is what makes it a mention).
fn x_post_json(posts: &[XPost], own: &str, post: &XPost) -> Value {
    let mut fields = serde_json::Map::new();
    fields.insert("id".into(), json!(post.id));
    fields.insert("text".into(), json!(post.text));
    fields.insert("author_id".into(), json!(post.author_id));
    fields.insert(
        "conversation_id".into(),
        json!(post.conversation_id.as_deref().unwrap_or(&post.id)),
    );
    fields.insert(
        "created_at".into(),
        json!(post.created_at.to_rfc3339_opts(SecondsFormat::Millis, true)),
    );
    fields.insert("edit_history_tweet_ids".into(), json!([post.id]));
    if let Some(parent) = &post.in_reply_to {
        let parent_author = posts
            .iter()
            .find(|p| p.id == *parent)
            .map_or(own, |p| p.author_id.as_str());
        fields.insert("in_reply_to_user_id".into(), json!(parent_author));
        fields.insert(
            "referenced_tweets".into(),
            json!([{"type": "replied_to", "id": parent}]),
        );
    }
    Value::Object(fields)
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
