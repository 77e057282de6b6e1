//! Polling X's mention timeline (`GET /2/users/:id/mentions`), for brands without webhook
//! access or to catch up after downtime, and X's recent search (`GET /2/tweets/search/recent`)
//! for keyword listening: the request for one page, signed with OAuth 1.0a (its query is part
//! of the signature), and what a page says about the next one.
//!
//! The cursor algorithm is X's: ask with `since_id` = the stored cursor; the first page's
//! `meta.newest_id` is the next cursor; follow `meta.next_token` (as `pagination_token` on
//! the timeline, `next_token` on search, same `since_id`) until it is absent; the caller stores the cursor only once every page
//! is stored.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde_json::Value;

use super::probe::Probe;
use super::send::{Unsendable, base_url, path_id};

/// Posts per page (X's maximum).
const PAGE_SIZE: &str = "100";
const POST_FIELDS: &str = "author_id,conversation_id,created_at,edit_history_tweet_ids,in_reply_to_user_id,referenced_tweets";
const USER_FIELDS: &str = "name,profile_image_url,public_metrics,username,verified";

/// The request for one page of the brand's mentions.
pub fn mentions_page(
    settings: &Value,
    credentials: &BTreeMap<String, String>,
    since_id: Option<&str>,
    pagination_token: Option<&str>,
    now: DateTime<Utc>,
) -> Result<Probe, Unsendable> {
    let account = settings
        .get("account_id")
        .and_then(Value::as_str)
        .ok_or_else(|| Unsendable("the channel has no `account_id` setting".into()))?;
    let account = path_id(account, "X user id")?;
    let uri = format!(
        "{}/2/users/{account}/mentions",
        base_url(settings, "https://api.x.com")
    );
    let mut params = page_params();
    if let Some(since_id) = since_id {
        params.push(("since_id", since_id.to_owned()));
    }
    if let Some(token) = pagination_token {
        params.push(("pagination_token", token.to_owned()));
    }
    signed_get(credentials, &uri, params, now)
}

/// The request for one page of X's recent search (the last 7 days) for `query`; search
/// pages are followed with `next_token`, not `pagination_token`.
pub fn search_page(
    settings: &Value,
    credentials: &BTreeMap<String, String>,
    query: &str,
    since_id: Option<&str>,
    next_token: Option<&str>,
    now: DateTime<Utc>,
) -> Result<Probe, Unsendable> {
    let uri = format!(
        "{}/2/tweets/search/recent",
        base_url(settings, "https://api.x.com")
    );
    let mut params = page_params();
    params.push(("query", query.to_owned()));
    if let Some(since_id) = since_id {
        params.push(("since_id", since_id.to_owned()));
    }
    if let Some(token) = next_token {
        params.push(("next_token", token.to_owned()));
    }
    signed_get(credentials, &uri, params, now)
}

/// What every page asks for: the most posts, their fields and their authors.
fn page_params() -> Vec<(&'static str, String)> {
    vec![
        ("expansions", "author_id".to_owned()),
        ("max_results", PAGE_SIZE.to_owned()),
        ("tweet.fields", POST_FIELDS.to_owned()),
        ("user.fields", USER_FIELDS.to_owned()),
    ]
}

/// A GET of `uri` with `params`, signed with OAuth 1.0a (the query is part of the signature).
fn signed_get(
    credentials: &BTreeMap<String, String>,
    uri: &str,
    params: Vec<(&str, String)>,
    now: DateTime<Utc>,
) -> Result<Probe, Unsendable> {
    let secret = |name: &str| {
        credentials
            .get(name)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
            .ok_or_else(|| Unsendable(format!("the channel has no `{name}` credential")))
    };
    let params = oauth1_request::ParameterList::new(params);
    let client =
        oauth1_request::Credentials::new(secret("consumer_key")?, secret("consumer_secret")?);
    let token =
        oauth1_request::Credentials::new(secret("access_token")?, secret("access_token_secret")?);
    let nonce = uuid::Uuid::new_v4().simple().to_string();
    let timestamp = u64::try_from(now.timestamp())
        .ok()
        .and_then(std::num::NonZeroU64::new);
    let mut builder = oauth1_request::Builder::new(client, oauth1_request::HmacSha1::new());
    builder
        .token(token)
        .nonce(nonce.as_str())
        .timestamp(timestamp);
    let authorization = builder.get(uri, &params);
    Ok(Probe {
        url: oauth1_request::to_query(uri.to_owned(), &params),
        headers: vec![("Authorization".to_owned(), authorization)],
    })
}

/// What a page says: its newest post id (the next cursor, from the first page) and the
/// token of the next page.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PageMeta {
    /// `meta.newest_id`.
    pub newest_id: Option<String>,
    /// `meta.next_token`.
    pub next_token: Option<String>,
    /// `meta.result_count`.
    pub count: u64,
}

/// Reads a page's `meta`.
pub fn page_meta(page: &Value) -> PageMeta {
    let meta = page.get("meta");
    let text = |field: &str| {
        meta.and_then(|m| m.get(field))
            .and_then(Value::as_str)
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
    };
    PageMeta {
        newest_id: text("newest_id"),
        next_token: text("next_token"),
        count: meta
            .and_then(|m| m.get("result_count"))
            .and_then(Value::as_u64)
            .unwrap_or_default(),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn credentials() -> BTreeMap<String, String> {
        [
            ("consumer_key", "ck"),
            ("consumer_secret", "cs"),
            ("access_token", "1-at"),
            ("access_token_secret", "ats"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect()
    }

    #[test]
    fn a_page_request_carries_the_cursor_and_the_token_signed() {
        let settings = json!({ "account_id": "1000" });
        let first = mentions_page(&settings, &credentials(), Some("17"), None, Utc::now()).unwrap();
        assert!(
            first
                .url
                .starts_with("https://api.x.com/2/users/1000/mentions?"),
            "{}",
            first.url
        );
        assert!(first.url.contains("since_id=17"), "{}", first.url);
        assert!(first.url.contains("max_results=100"));
        assert!(!first.url.contains("pagination_token"));
        assert!(first.headers[0].1.starts_with("OAuth "));
        let next = mentions_page(
            &settings,
            &credentials(),
            Some("17"),
            Some("t2"),
            Utc::now(),
        )
        .unwrap();
        assert!(next.url.contains("pagination_token=t2"), "{}", next.url);
        assert!(mentions_page(&json!({}), &credentials(), None, None, Utc::now()).is_err());
    }

    #[test]
    fn a_search_page_carries_the_query_and_follows_with_next_token() {
        let settings = json!({ "account_id": "1000" });
        let query = "\"order late\" OR refund -is:retweet";
        let first = search_page(
            &settings,
            &credentials(),
            query,
            Some("17"),
            None,
            Utc::now(),
        )
        .unwrap();
        assert!(
            first
                .url
                .starts_with("https://api.x.com/2/tweets/search/recent?"),
            "{}",
            first.url
        );
        let url = reqwest::Url::parse(&first.url).unwrap();
        let pairs: Vec<(String, String)> = url.query_pairs().into_owned().collect();
        assert!(pairs.contains(&("query".into(), query.into())), "{pairs:?}");
        assert!(pairs.contains(&("since_id".into(), "17".into())));
        let next = search_page(
            &settings,
            &credentials(),
            query,
            Some("17"),
            Some("t2"),
            Utc::now(),
        )
        .unwrap();
        assert!(next.url.contains("next_token=t2"), "{}", next.url);
        assert!(!next.url.contains("pagination_token"));
        assert!(search_page(&settings, &BTreeMap::new(), query, None, None, Utc::now()).is_err());
    }

    #[test]
    fn a_pages_meta_names_the_cursor_and_the_next_page() {
        let meta = page_meta(
            &json!({ "meta": { "result_count": 2, "newest_id": "9", "oldest_id": "8", "next_token": "n" } }),
        );
        assert_eq!(
            meta,
            PageMeta {
                newest_id: Some("9".into()),
                next_token: Some("n".into()),
                count: 2
            }
        );
        assert_eq!(
            page_meta(&json!({ "meta": { "result_count": 0 } })),
            PageMeta::default()
        );
    }
}
