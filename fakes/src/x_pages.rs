//! The paged lists of posts X serves — the mention timeline and recent search — share one
//! shape: newest first, `max_results` a page, ids after `since_id`, a `next_token` while more
//! follow (good for its own list only), each author once in `includes.users`.

use std::collections::HashSet;

use chrono::SecondsFormat;
use serde_json::{Value, json};

use super::x::{id_order, is_numeric, x_invalid_request};
use super::{Answer, PageToken, State, XPost};

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
