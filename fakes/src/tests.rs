use std::cmp::Ordering;
use std::num::NonZeroU64;

use super::x::{dm_conversation_id, id_order, is_numeric, oauth1_signature};
use super::*;

mod search;

struct Fixture {
    fake: FakePlatforms,
    client: reqwest::Client,
}

async fn fixture() -> Fixture {
    Fixture {
        fake: FakePlatforms::start(Credentials::default()).await,
        client: http_client(),
    }
}

impl Fixture {
    fn url(&self, platform: Platform, rest: &str) -> String {
        format!("{}{rest}", self.fake.base_url(platform))
    }

    /// A POST to X signed by `oauth1-request`'s own client path (random nonce, current
    /// timestamp), not by the fake's verification code.
    async fn x_post(
        &self,
        rest: &str,
        body: Value,
        credentials: &Credentials,
    ) -> reqwest::Response {
        let url = self.url(Platform::X, rest);
        let token = oauth1_request::Token::from_parts(
            credentials.consumer_key.as_str(),
            credentials.consumer_secret.as_str(),
            credentials.access_token.as_str(),
            credentials.access_token_secret.as_str(),
        );
        let authorization = oauth1_request::post(&url, &(), &token, oauth1_request::HMAC_SHA1);
        self.client
            .post(url)
            .header("authorization", authorization)
            .json(&body)
            .send()
            .await
            .expect("x request")
    }

    /// A GET to X with `query`, signed by `oauth1-request`'s client path; the signature
    /// covers `signed` (normally the same parameters as `query`).
    async fn x_get(
        &self,
        rest: &str,
        query: &[(&str, &str)],
        signed: &[(&str, &str)],
        credentials: &Credentials,
    ) -> reqwest::Response {
        let url = self.url(Platform::X, rest);
        let token = oauth1_request::Token::from_parts(
            credentials.consumer_key.as_str(),
            credentials.consumer_secret.as_str(),
            credentials.access_token.as_str(),
            credentials.access_token_secret.as_str(),
        );
        let signed = oauth1_request::ParameterList::new(signed.to_vec());
        let authorization = oauth1_request::get(&url, &signed, &token, oauth1_request::HMAC_SHA1);
        let query = oauth1_request::ParameterList::new(query.to_vec());
        self.client
            .get(oauth1_request::to_query(url, &query))
            .header("authorization", authorization)
            .send()
            .await
            .expect("x request")
    }

    async fn graph_get(&self, rest: &str, token: &str) -> reqwest::Response {
        self.client
            .get(self.url(Platform::Meta, rest))
            .bearer_auth(token)
            .send()
            .await
            .expect("graph request")
    }

    async fn telegram_get_me(&self, method: reqwest::Method, token: &str) -> reqwest::Response {
        self.client
            .request(
                method,
                self.url(Platform::Telegram, &format!("/bot{token}/getMe")),
            )
            .send()
            .await
            .expect("telegram request")
    }

    async fn graph_post(&self, rest: &str, token: &str, body: Value) -> reqwest::Response {
        self.client
            .post(self.url(Platform::Meta, rest))
            .bearer_auth(token)
            .json(&body)
            .send()
            .await
            .expect("graph request")
    }

    async fn telegram_send(&self, token: &str, body: Value) -> reqwest::Response {
        self.client
            .post(self.url(Platform::Telegram, &format!("/bot{token}/sendMessage")))
            .json(&body)
            .send()
            .await
            .expect("telegram request")
    }

    async fn partner_post(&self, secret: &str, payload: &str) -> reqwest::Response {
        let webhook = standardwebhooks::Webhook::new(secret).expect("secret");
        let timestamp = i64::try_from(unix_now()).expect("timestamp");
        let signature = webhook
            .sign("msg_1", timestamp, payload.as_bytes())
            .expect("sign");
        self.client
            .post(self.url(Platform::Partner, "/callback"))
            .header("webhook-id", "msg_1")
            .header("webhook-timestamp", timestamp.to_string())
            .header("webhook-signature", signature)
            .header("content-type", "application/json")
            .body(payload.to_owned())
            .send()
            .await
            .expect("partner request")
    }
}

async fn json_of(response: reqwest::Response) -> Value {
    response.json().await.expect("a JSON answer")
}

fn header(response: &reqwest::Response, name: &str) -> String {
    response
        .headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

#[test]
fn oauth1_signature_matches_the_published_twitter_example() {
    // The worked example of X's "Creating a signature" guide.
    let credentials = Credentials {
        consumer_key: "xvz1evFS4wEEPTGEFPHBog".into(),
        consumer_secret: "kAcSOqF21Fu85e7zjz7ZN2U4ZRhfV3WpwPAoE3Z7kBw".into(),
        access_token: "370773112-GmHxMAgYyLbNEtIKZeRNFsMKPR9EyMZeS9weJAEb".into(),
        access_token_secret: "LswwdoUaIvS8ltyTt5jkRh4J50vUPVVHtR2YPi5kE".into(),
        ..Credentials::default()
    };
    let params = vec![
        ("include_entities".to_owned(), "true".to_owned()),
        (
            "status".to_owned(),
            "Hello Ladies + Gentlemen, a signed OAuth request!".to_owned(),
        ),
    ];
    let signature = oauth1_signature(
        &credentials,
        "POST",
        "https://api.twitter.com/1.1/statuses/update.json",
        params,
        "kYjzVBB8Y0ZFabxSWbWovY3uYSQ2pTgmZeNu2VS4cg",
        NonZeroU64::new(1_318_622_958).expect("non-zero"),
        true,
    );
    assert_eq!(signature.as_deref(), Some("hCtSmYh+iHYCEqBWrE7C7hYmtUk="));
}

#[test]
fn dm_conversation_ids_order_numerically() {
    assert_eq!(dm_conversation_id("20", "100"), "20-100");
    assert_eq!(dm_conversation_id("100", "20"), "20-100");
    assert_eq!(id_order("099", "100"), Ordering::Less);
    assert_eq!(id_order("0100", "100"), Ordering::Equal);
}

#[test]
fn routes_parse() {
    let tg = ["telegram", "bot1:abc", "sendMessage"];
    assert_eq!(
        Route::parse("POST", &tg),
        Some(Route::TelegramSendMessage {
            token: "1:abc".into()
        })
    );
    assert_eq!(Route::parse("GET", &tg), None);
    assert_eq!(
        Route::parse("POST", &["graph", "v21.0", "1", "messages"]),
        Some(Route::GraphMessages)
    );
    assert_eq!(Route::parse("POST", &["graph", "1", "messages"]), None);
    assert_eq!(
        Route::parse("GET", &["x", "2", "users", "me"]),
        Some(Route::XUsersMe)
    );
    assert_eq!(Route::parse("POST", &["x", "2", "users", "me"]), None);
    assert_eq!(
        Route::parse("GET", &["x", "2", "users", "1", "mentions"]),
        Some(Route::XMentions {
            user_id: "1".into()
        })
    );
    assert_eq!(
        Route::parse("POST", &["x", "2", "users", "1", "mentions"]),
        None
    );
    assert_eq!(
        Route::parse("GET", &["graph", "v21.0", "me"]),
        Some(Route::GraphNode { id: "me".into() })
    );
    assert_eq!(Route::parse("POST", &["graph", "v21.0", "me"]), None);
    assert_eq!(
        Route::parse("GET", &["graph", "v21.0", "1", "messages"]),
        None
    );
    for method in ["GET", "POST"] {
        assert_eq!(
            Route::parse(method, &["telegram", "bot1:abc", "getMe"]),
            Some(Route::TelegramGetMe {
                token: "1:abc".into()
            })
        );
    }
    assert_eq!(
        Route::parse("PUT", &["telegram", "bot1:abc", "getMe"]),
        None
    );
}

#[tokio::test]
async fn x_users_me_answers_the_brand_account_with_its_rate_limit() {
    let f = fixture().await;
    let query = [("user.fields", "id,name,username")];
    let response = f
        .x_get("/2/users/me", &query, &query, &Credentials::default())
        .await;
    assert_eq!(response.status(), 200);
    assert_eq!(header(&response, "x-rate-limit-limit"), "75");
    assert_eq!(header(&response, "x-rate-limit-remaining"), "74");
    assert!(
        header(&response, "x-rate-limit-reset")
            .parse::<u64>()
            .expect("reset")
            > unix_now()
    );
    assert_eq!(
        json_of(response).await,
        json!({"data": {"id": "1000000000000000001", "name": "Acme Help", "username": "AcmeHelp"}})
    );
    // Without a query too; the tweets window is a separate one.
    let bare = f
        .x_get("/2/users/me", &[], &[], &Credentials::default())
        .await;
    assert_eq!(bare.status(), 200);
    assert_eq!(header(&bare, "x-rate-limit-remaining"), "73");
    let recorded = f.fake.requests();
    assert_eq!(recorded.len(), 2);
    assert_eq!(recorded[0].method, "GET");
    assert_eq!(recorded[0].path, "/x/2/users/me");
    assert_eq!(recorded[0].body, Value::Null);
    assert_eq!(f.fake.sent(Platform::X).len(), 2);
}

#[tokio::test]
async fn x_users_me_refuses_unsigned_query_wrong_secret_and_expired_token() {
    let f = fixture().await;
    let query = [("user.fields", "id,name,username")];
    // Signed as if there were no query: the base string differs, so the signature does.
    let unsigned_query = f
        .x_get("/2/users/me", &query, &[], &Credentials::default())
        .await;
    assert_eq!(unsigned_query.status(), 401);
    assert_eq!(
        json_of(unsigned_query).await,
        json!({"title": "Unauthorized", "type": "about:blank", "status": 401, "detail": "Unauthorized"})
    );
    let wrong = Credentials {
        consumer_secret: "not-the-secret".into(),
        ..Credentials::default()
    };
    let refused = f.x_get("/2/users/me", &query, &query, &wrong).await;
    assert_eq!(refused.status(), 401);
    f.fake.expire_token(Platform::X);
    let expired = f
        .x_get("/2/users/me", &query, &query, &Credentials::default())
        .await;
    assert_eq!(expired.status(), 401);
    let answered: Vec<u16> = f.fake.requests().iter().map(|r| r.answered).collect();
    assert_eq!(answered, [401, 401, 401]);
    assert!(f.fake.sent(Platform::X).is_empty());
}

#[tokio::test]
async fn x_users_me_takes_scripted_trouble() {
    let f = fixture().await;
    f.fake.fail_next(Platform::X, Trouble::x_rate_limited(60));
    let query = [("user.fields", "id")];
    let limited = f
        .x_get("/2/users/me", &query, &query, &Credentials::default())
        .await;
    assert_eq!(limited.status(), 429);
    assert_eq!(header(&limited, "x-rate-limit-remaining"), "0");
    assert_eq!(header(&limited, "x-rate-limit-limit"), "75");
    let reset: u64 = header(&limited, "x-rate-limit-reset")
        .parse()
        .expect("reset");
    assert!((unix_now() + 55..=unix_now() + 60).contains(&reset));
    assert_eq!(
        json_of(limited).await["type"],
        "https://api.x.com/2/problems/rate-limit-exceeded"
    );
    let next = f
        .x_get("/2/users/me", &query, &query, &Credentials::default())
        .await;
    assert_eq!(next.status(), 200);
}

/// The brand's mention timeline path (the default credentials' user id).
const MENTIONS: &str = "/2/users/1000000000000000001/mentions";

/// The id of the `n`-th seeded mention: increasing, beyond 2^53.
fn mention_id(n: u64) -> String {
    (1_874_000_000_000_001_000_u64 + n).to_string()
}

/// The `n`-th mention: three authors in turn; every fifth one replies to the one before.
fn mention(n: u64) -> XPost {
    let author = n % 3;
    let mut post = XPost::new(
        mention_id(n),
        format!("200000000000000000{author}"),
        format!("user_{author}"),
        format!("@AcmeHelp mention {n}"),
    );
    post.followers = 1000 + author;
    if n.is_multiple_of(5) {
        post.in_reply_to = Some(mention_id(n - 1));
        post.conversation_id = Some(mention_id(n - 1));
    }
    post
}

impl Fixture {
    /// A signed GET of the brand's mentions with `query`.
    async fn mentions(&self, query: &[(&str, &str)]) -> reqwest::Response {
        self.x_get(MENTIONS, query, query, &Credentials::default())
            .await
    }

    /// The ids of a mentions page and its `meta.next_token`, after checking `meta`'s
    /// other fields agree with the ids.
    async fn mention_page(&self, query: &[(&str, &str)]) -> (Vec<String>, Option<String>) {
        let response = self.mentions(query).await;
        assert_eq!(response.status(), 200);
        let page = json_of(response).await;
        let ids: Vec<String> = page["data"]
            .as_array()
            .expect("data")
            .iter()
            .map(|post| post["id"].as_str().expect("id").to_owned())
            .collect();
        let meta = &page["meta"];
        assert_eq!(meta["result_count"], ids.len());
        assert_eq!(meta["newest_id"], json!(ids.first()));
        assert_eq!(meta["oldest_id"], json!(ids.last()));
        let next = meta
            .get("next_token")
            .map(|t| t.as_str().expect("token").to_owned());
        (ids, next)
    }
}

fn mention_ids(newest: u64, oldest: u64) -> Vec<String> {
    (oldest..=newest).rev().map(mention_id).collect()
}

#[tokio::test]
async fn x_mentions_page_newest_first_and_since_id_ends_the_timeline() {
    let f = fixture().await;
    for n in 1..=25 {
        f.fake.x_mention(mention(n));
    }
    let fields = [
        ("expansions", "author_id"),
        ("max_results", "10"),
        (
            "tweet.fields",
            "author_id,conversation_id,created_at,in_reply_to_user_id,referenced_tweets",
        ),
        ("user.fields", "username,name,verified,public_metrics"),
    ];
    let response = f.mentions(&fields).await;
    assert_eq!(response.status(), 200);
    assert_eq!(header(&response, "x-rate-limit-limit"), "300");
    assert_eq!(header(&response, "x-rate-limit-remaining"), "299");
    let first = json_of(response).await;
    let ids: Vec<&str> = first["data"]
        .as_array()
        .expect("data")
        .iter()
        .map(|post| post["id"].as_str().expect("id"))
        .collect();
    assert_eq!(ids, mention_ids(25, 16));
    let meta = &first["meta"];
    assert_eq!(meta["result_count"], 10);
    assert_eq!(meta["newest_id"], mention_id(25));
    assert_eq!(meta["oldest_id"], mention_id(16));
    let token = meta["next_token"].as_str().expect("next_token").to_owned();
    // A reply to another seeded mention names that mention's author.
    let reply = &first["data"][5];
    let created_at = reply["created_at"].as_str().expect("created_at").to_owned();
    assert_eq!(
        *reply,
        json!({
            "id": mention_id(20),
            "text": "@AcmeHelp mention 20",
            "author_id": "2000000000000000002",
            "conversation_id": mention_id(19),
            "created_at": created_at,
            "edit_history_tweet_ids": [mention_id(20)],
            "in_reply_to_user_id": "2000000000000000001",
            "referenced_tweets": [{"type": "replied_to", "id": mention_id(19)}],
        })
    );
    assert!(
        DateTime::parse_from_rfc3339(&created_at).is_ok() && created_at.ends_with('Z'),
        "{created_at}"
    );
    assert_eq!(
        created_at.len(),
        "2025-01-01T12:05:00.000Z".len(),
        "{created_at}"
    );
    let plain = &first["data"][1];
    assert_eq!(plain["conversation_id"], mention_id(24));
    assert!(plain.get("in_reply_to_user_id").is_none());
    assert!(plain.get("referenced_tweets").is_none());
    let users = first["includes"]["users"].as_array().expect("users");
    let user_ids: Vec<&str> = users
        .iter()
        .map(|u| u["id"].as_str().expect("id"))
        .collect();
    assert_eq!(
        user_ids,
        [
            "2000000000000000001",
            "2000000000000000000",
            "2000000000000000002"
        ]
    );
    assert_eq!(
        users[0],
        json!({
            "id": "2000000000000000001", "name": "user_1", "username": "user_1", "verified": false,
            "public_metrics": {"followers_count": 1001, "following_count": 0, "tweet_count": 9, "listed_count": 0},
        })
    );

    let (second, token2) = f
        .mention_page(&[("max_results", "10"), ("pagination_token", &token)])
        .await;
    assert_eq!(second, mention_ids(15, 6));
    let token2 = token2.expect("a next_token on the second page");
    let (third, none) = f
        .mention_page(&[("max_results", "10"), ("pagination_token", &token2)])
        .await;
    assert_eq!(third, mention_ids(5, 1));
    assert_eq!(none, None);

    // The first page's newest id as the next cursor: nothing new.
    let empty = f.mentions(&[("since_id", &mention_id(25))]).await;
    assert_eq!(empty.status(), 200);
    assert_eq!(json_of(empty).await, json!({"meta": {"result_count": 0}}));

    // With a since_id, next_token only while posts above it remain.
    let since = mention_id(5);
    let (ids, token) = f
        .mention_page(&[("max_results", "10"), ("since_id", &since)])
        .await;
    assert_eq!(ids, mention_ids(25, 16));
    let token = token.expect("next_token");
    let (ids, none) = f
        .mention_page(&[
            ("max_results", "10"),
            ("pagination_token", &token),
            ("since_id", &since),
        ])
        .await;
    assert_eq!(ids, mention_ids(15, 6));
    assert_eq!(none, None);
    // The token belongs to that query: without its since_id it is refused.
    let other = f
        .mentions(&[("max_results", "10"), ("pagination_token", &token)])
        .await;
    assert_eq!(other.status(), 400);

    // Without max_results, pages of 10.
    let (ids, _) = f.mention_page(&[]).await;
    assert_eq!(ids.len(), 10);
    let recorded = f.fake.requests();
    assert!(recorded.iter().all(|r| {
        r.method == "GET"
            && r.path == "/x/2/users/1000000000000000001/mentions"
            && r.header("authorization")
                .is_some_and(|a| a.starts_with("OAuth "))
    }));
    assert_eq!(recorded.len(), 8);
}

#[tokio::test]
async fn x_mentions_paging_is_stable_while_posts_arrive() {
    let f = fixture().await;
    for n in 1..=15 {
        f.fake.x_mention(mention(n));
    }
    let (first, token) = f.mention_page(&[("max_results", "10")]).await;
    assert_eq!(first, mention_ids(15, 6));
    let token = token.expect("next_token");
    let mut late = XPost::new(
        mention_id(16),
        "3000000000000000003",
        "late",
        "@AcmeHelp hi",
    );
    late.in_reply_to = Some("1874000000000000050".into());
    f.fake.x_mention(late);
    let (second, none) = f
        .mention_page(&[("max_results", "10"), ("pagination_token", &token)])
        .await;
    assert_eq!(second, mention_ids(5, 1));
    assert_eq!(none, None);
    // The late post waits for the next poll above the first page's newest id.
    let response = f
        .mentions(&[("max_results", "5"), ("since_id", &mention_id(15))])
        .await;
    let page = json_of(response).await;
    assert_eq!(page["meta"]["result_count"], 1);
    assert!(page["meta"].get("next_token").is_none());
    let post = &page["data"][0];
    assert_eq!(post["id"], mention_id(16));
    assert_eq!(post["in_reply_to_user_id"], "1000000000000000001");
    assert_eq!(post["conversation_id"], mention_id(16));
    assert_eq!(
        page["includes"]["users"],
        json!([{"id": "3000000000000000003", "name": "late", "username": "late", "verified": false,
            "public_metrics": {"followers_count": 100, "following_count": 0, "tweet_count": 1, "listed_count": 0}}])
    );
}

#[tokio::test]
async fn x_mentions_refuses_another_user_bad_parameters_and_bad_signatures() {
    let f = fixture().await;
    f.fake.x_mention(mention(1));
    let other = f
        .x_get(
            "/2/users/2000000000000000002/mentions",
            &[],
            &[],
            &Credentials::default(),
        )
        .await;
    assert_eq!(other.status(), 403);
    assert_eq!(header(&other, "content-type"), "application/problem+json");
    let problem = json_of(other).await;
    assert_eq!(
        problem["type"],
        "https://api.x.com/2/problems/client-forbidden"
    );
    assert_eq!(problem["status"], 403);
    for bad in ["4", "101", "ten", ""] {
        let response = f.mentions(&[("max_results", bad)]).await;
        assert_eq!(response.status(), 400, "max_results={bad}");
        assert_eq!(
            json_of(response).await["type"],
            "https://api.x.com/2/problems/invalid-request"
        );
    }
    for edge in ["5", "100"] {
        assert_eq!(f.mentions(&[("max_results", edge)]).await.status(), 200);
    }
    for query in [
        [("pagination_token", "never-issued")],
        [("since_id", "abc")],
        [("until", "1")],
    ] {
        assert_eq!(f.mentions(&query).await.status(), 400, "{query:?}");
    }
    // `post.fields` is the OpenAPI spelling of `tweet.fields`.
    assert_eq!(
        f.mentions(&[("post.fields", "created_at")]).await.status(),
        200
    );
    let query = [("max_results", "10")];
    let unsigned_query = f
        .x_get(MENTIONS, &query, &[], &Credentials::default())
        .await;
    assert_eq!(unsigned_query.status(), 401);
    let wrong = Credentials {
        access_token_secret: "not-the-secret".into(),
        ..Credentials::default()
    };
    let refused = f.x_get(MENTIONS, &query, &query, &wrong).await;
    assert_eq!(refused.status(), 401);
    assert_eq!(
        json_of(refused).await,
        json!({"title": "Unauthorized", "type": "about:blank", "status": 401, "detail": "Unauthorized"})
    );
    f.fake.expire_token(Platform::X);
    assert_eq!(f.mentions(&query).await.status(), 401);
    f.fake.restore_token(Platform::X);
    let answered: Vec<u16> = f.fake.requests().iter().map(|r| r.answered).collect();
    assert_eq!(
        answered,
        [
            403, 400, 400, 400, 400, 200, 200, 400, 400, 400, 200, 401, 401, 401
        ]
    );
}

#[tokio::test]
async fn x_mentions_take_scripted_trouble() {
    let f = fixture().await;
    f.fake.x_mention(mention(1));
    f.fake.fail_next(Platform::X, Trouble::x_rate_limited(60));
    f.fake.fail_next(Platform::X, Trouble::server_error(503));
    let limited = f.mentions(&[("max_results", "5")]).await;
    assert_eq!(limited.status(), 429);
    assert_eq!(header(&limited, "x-rate-limit-limit"), "300");
    assert_eq!(header(&limited, "x-rate-limit-remaining"), "0");
    let reset: u64 = header(&limited, "x-rate-limit-reset")
        .parse()
        .expect("reset");
    assert!((unix_now() + 55..=unix_now() + 60).contains(&reset));
    assert_eq!(
        json_of(limited).await["type"],
        "https://api.x.com/2/problems/rate-limit-exceeded"
    );
    assert_eq!(f.mentions(&[]).await.status(), 503);
    let ok = f.mentions(&[]).await;
    assert_eq!(ok.status(), 200);
    // The 429 and the 503 counted in the window as X counts every authenticated call.
    assert_eq!(header(&ok, "x-rate-limit-remaining"), "297");
    assert_eq!(json_of(ok).await["meta"]["result_count"], 1);
}

#[tokio::test]
async fn graph_node_answers_the_requested_fields() {
    let f = fixture().await;
    let token = Credentials::default().meta_token;
    let fields = "name,username,user_id,display_phone_number,verified_name,quality_rating";
    let response = f
        .graph_get(&format!("/v21.0/106540352242922?fields={fields}"), &token)
        .await;
    assert_eq!(response.status(), 200);
    assert!(!header(&response, "x-app-usage").is_empty());
    assert_eq!(
        json_of(response).await,
        json!({
            "id": "106540352242922",
            "name": "Fake Page 106540352242922",
            "username": "fake_account_106540352242922",
            "user_id": "106540352242922",
            "display_phone_number": "+1 555-010-0000",
            "verified_name": "Acme Support",
            "quality_rating": "GREEN",
        })
    );
    let bare = f.graph_get("/v21.0/100000000000001", &token).await;
    assert_eq!(
        json_of(bare).await,
        json!({"id": "100000000000001", "name": "Fake Page 100000000000001"})
    );
    let me = f.graph_get("/v21.0/me?fields=id,username", &token).await;
    assert_eq!(
        json_of(me).await,
        json!({"id": "17800000000000001", "username": "fake_account_17800000000000001"})
    );
    let recorded = f.fake.requests();
    assert_eq!(recorded[0].method, "GET");
    assert_eq!(recorded[0].path, "/graph/v21.0/106540352242922");
    assert_eq!(recorded[0].body, Value::Null);
    assert_eq!(f.fake.sent(Platform::Meta).len(), 3);
}

#[tokio::test]
async fn graph_node_refuses_an_unknown_field_with_code_100() {
    let f = fixture().await;
    let token = Credentials::default().meta_token;
    let response = f
        .graph_get(
            "/v21.0/17800000000000001?fields=name,follower_count",
            &token,
        )
        .await;
    assert_eq!(response.status(), 400);
    let error = json_of(response).await["error"].clone();
    assert_eq!(
        error["message"],
        "(#100) Tried accessing nonexisting field (follower_count) on node type (User)"
    );
    assert_eq!(error["type"], "OAuthException");
    assert_eq!(error["code"], 100);
    assert!(error["fbtrace_id"].is_string());
    assert!(error.get("error_subcode").is_none());
}

#[tokio::test]
async fn graph_node_checks_the_token_like_the_sends_and_takes_scripted_trouble() {
    let f = fixture().await;
    let wrong = f.graph_get("/v21.0/me?fields=name", "wrong").await;
    assert_eq!(wrong.status(), 400);
    assert_eq!(json_of(wrong).await["error"]["code"], 190);
    let url = format!(
        "{}?fields=name&access_token={}",
        f.url(Platform::Meta, "/v21.0/me"),
        Credentials::default().meta_token
    );
    let by_query = f.client.get(url).send().await.expect("request");
    assert_eq!(by_query.status(), 200);
    assert_eq!(json_of(by_query).await["id"], "17800000000000001");
    let token = Credentials::default().meta_token;
    f.fake.fail_next(Platform::Meta, Trouble::meta_throttled());
    let throttled = f.graph_get("/v21.0/me?fields=name", &token).await;
    assert_eq!(throttled.status(), 400);
    let usage: Value =
        serde_json::from_str(&header(&throttled, "x-app-usage")).expect("usage json");
    assert_eq!(usage["call_count"], 100);
    assert_eq!(json_of(throttled).await["error"]["code"], 4);
    f.fake.expire_token(Platform::Meta);
    let expired = f.graph_get("/v21.0/me?fields=name", &token).await;
    let error = json_of(expired).await["error"].clone();
    assert_eq!(
        (error["code"].clone(), error["error_subcode"].clone()),
        (json!(190), json!(463))
    );
    let answered: Vec<u16> = f.fake.requests().iter().map(|r| r.answered).collect();
    assert_eq!(answered, [400, 200, 400, 400]);
}

#[tokio::test]
async fn telegram_get_me_answers_the_bot_by_get_and_post() {
    let f = fixture().await;
    let token = Credentials::default().telegram_bot_token;
    let expected = json!({
        "ok": true,
        "result": {
            "id": 7_000_000_001_i64,
            "is_bot": true,
            "first_name": "Acme Care",
            "username": "acme_care_bot",
            "can_join_groups": true,
            "can_read_all_group_messages": false,
            "supports_inline_queries": false,
        },
    });
    for method in [reqwest::Method::GET, reqwest::Method::POST] {
        let response = f.telegram_get_me(method, &token).await;
        assert_eq!(response.status(), 200);
        assert_eq!(json_of(response).await, expected);
    }
    let methods: Vec<String> = f.fake.requests().into_iter().map(|r| r.method).collect();
    assert_eq!(methods, ["GET", "POST"]);
    assert_eq!(f.fake.requests()[0].body, Value::Null);
    assert_eq!(
        f.fake.requests()[0].path,
        format!("/telegram/bot{token}/getMe")
    );
}

#[tokio::test]
async fn telegram_get_me_refuses_a_wrong_or_expired_token_and_takes_scripted_trouble() {
    let f = fixture().await;
    let unauthorized = json!({"ok": false, "error_code": 401, "description": "Unauthorized"});
    let wrong = f.telegram_get_me(reqwest::Method::GET, "1:wrong").await;
    assert_eq!(wrong.status(), 401);
    assert_eq!(json_of(wrong).await, unauthorized);
    let token = Credentials::default().telegram_bot_token;
    f.fake
        .fail_next(Platform::Telegram, Trouble::telegram_retry_after(3));
    let flood = f.telegram_get_me(reqwest::Method::GET, &token).await;
    assert_eq!(flood.status(), 429);
    assert_eq!(json_of(flood).await["parameters"]["retry_after"], 3);
    f.fake.expire_token(Platform::Telegram);
    let expired = f.telegram_get_me(reqwest::Method::GET, &token).await;
    assert_eq!(expired.status(), 401);
    assert_eq!(json_of(expired).await, unauthorized);
    assert!(f.fake.sent(Platform::Telegram).is_empty());
}

#[tokio::test]
async fn x_tweet_reply_answers_201_with_the_new_post() {
    let f = fixture().await;
    let body = json!({"text": "Sorry about that", "reply": {"in_reply_to_tweet_id": "1874000000000000100"}});
    let response = f.x_post("/2/tweets", body, &Credentials::default()).await;
    assert_eq!(response.status(), 201);
    assert_eq!(header(&response, "x-rate-limit-limit"), "100");
    assert_eq!(header(&response, "x-rate-limit-remaining"), "99");
    assert!(
        header(&response, "x-rate-limit-reset")
            .parse::<u64>()
            .expect("reset")
            > unix_now()
    );
    let answer = json_of(response).await;
    let id = answer["data"]["id"].as_str().expect("id");
    assert!(is_numeric(id));
    assert_eq!(answer["data"]["text"], "Sorry about that");
    assert_eq!(answer["data"]["edit_history_tweet_ids"], json!([id]));
    let sent = f.fake.sent(Platform::X);
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].path, "/x/2/tweets");
    assert_eq!(
        sent[0].body["reply"]["in_reply_to_tweet_id"],
        "1874000000000000100"
    );
    assert!(
        sent[0]
            .header("authorization")
            .is_some_and(|a| a.starts_with("OAuth "))
    );
}

#[tokio::test]
async fn x_dm_answers_201_with_the_conversation_id() {
    let f = fixture().await;
    let rest = "/2/dm_conversations/with/2000000000000000002/messages";
    let response = f
        .x_post(rest, json!({"text": "Hi Dana"}), &Credentials::default())
        .await;
    assert_eq!(response.status(), 201);
    assert_eq!(header(&response, "x-rate-limit-limit"), "15");
    let answer = json_of(response).await;
    assert_eq!(
        answer["data"]["dm_conversation_id"],
        "1000000000000000001-2000000000000000002"
    );
    assert!(is_numeric(
        answer["data"]["dm_event_id"].as_str().expect("event id")
    ));
}

#[tokio::test]
async fn x_refuses_a_wrong_signature_missing_header_and_expired_token() {
    let f = fixture().await;
    let wrong = Credentials {
        consumer_secret: "not-the-secret".into(),
        ..Credentials::default()
    };
    let response = f.x_post("/2/tweets", json!({"text": "hi"}), &wrong).await;
    assert_eq!(response.status(), 401);
    assert_eq!(
        json_of(response).await,
        json!({"title": "Unauthorized", "type": "about:blank", "status": 401, "detail": "Unauthorized"})
    );
    let unsigned = f
        .client
        .post(f.url(Platform::X, "/2/tweets"))
        .json(&json!({"text": "hi"}))
        .send()
        .await
        .expect("request");
    assert_eq!(unsigned.status(), 401);
    f.fake.expire_token(Platform::X);
    let expired = f
        .x_post("/2/tweets", json!({"text": "hi"}), &Credentials::default())
        .await;
    assert_eq!(expired.status(), 401);
    f.fake.restore_token(Platform::X);
    let restored = f
        .x_post("/2/tweets", json!({"text": "hi"}), &Credentials::default())
        .await;
    assert_eq!(restored.status(), 201);
    let answered: Vec<u16> = f.fake.requests().iter().map(|r| r.answered).collect();
    assert_eq!(answered, [401, 401, 401, 201]);
    assert_eq!(f.fake.sent(Platform::X).len(), 1);
}

#[tokio::test]
async fn x_rate_limited_answers_429_until_the_reset() {
    let f = fixture().await;
    f.fake.fail_next(Platform::X, Trouble::x_rate_limited(60));
    let response = f
        .x_post("/2/tweets", json!({"text": "hi"}), &Credentials::default())
        .await;
    assert_eq!(response.status(), 429);
    assert_eq!(header(&response, "x-rate-limit-remaining"), "0");
    let reset: u64 = header(&response, "x-rate-limit-reset")
        .parse()
        .expect("reset");
    assert!((unix_now() + 55..=unix_now() + 60).contains(&reset));
    assert!(header(&response, "retry-after").is_empty());
    let body = json_of(response).await;
    assert_eq!(
        body["type"],
        "https://api.x.com/2/problems/rate-limit-exceeded"
    );
    let next = f
        .x_post("/2/tweets", json!({"text": "hi"}), &Credentials::default())
        .await;
    assert_eq!(next.status(), 201);
    let answered: Vec<u16> = f.fake.requests().iter().map(|r| r.answered).collect();
    assert_eq!(answered, [429, 201]);
}

#[tokio::test]
async fn meta_public_replies_answer_with_new_comment_ids() {
    let f = fixture().await;
    let token = Credentials::default().meta_token;
    let fb = f
        .graph_post(
            "/v21.0/400000000000001_500000000000001/comments",
            &token,
            json!({"message": "Thanks"}),
        )
        .await;
    assert_eq!(fb.status(), 200);
    assert!(!header(&fb, "x-app-usage").is_empty());
    let id = json_of(fb).await["id"].as_str().expect("id").to_owned();
    assert!(id.starts_with("400000000000001_"), "{id}");
    let ig = f
        .graph_post(
            "/v21.0/17900000000000001/replies",
            &token,
            json!({"message": "Thanks"}),
        )
        .await;
    assert_eq!(ig.status(), 200);
    assert!(is_numeric(json_of(ig).await["id"].as_str().expect("id")));
}

#[tokio::test]
async fn meta_send_api_answers_and_allows_one_private_reply_per_comment() {
    let f = fixture().await;
    let token = Credentials::default().meta_token;
    let dm = json!({"recipient": {"id": "7000000000000001"}, "messaging_type": "RESPONSE", "message": {"text": "Hi"}});
    let answer = json_of(
        f.graph_post("/v21.0/100000000000001/messages", &token, dm)
            .await,
    )
    .await;
    assert_eq!(answer["recipient_id"], "7000000000000001");
    assert!(
        answer["message_id"]
            .as_str()
            .expect("mid")
            .starts_with("m_")
    );
    let private = json!({"recipient": {"comment_id": "400000000000001_500000000000001"}, "message": {"text": "DM"}});
    let first = f
        .graph_post("/v21.0/100000000000001/messages", &token, private.clone())
        .await;
    assert_eq!(first.status(), 200);
    let first = json_of(first).await;
    assert!(is_numeric(first["recipient_id"].as_str().expect("psid")));
    let second = f
        .graph_post("/v21.0/100000000000001/messages", &token, private)
        .await;
    assert_eq!(second.status(), 400);
    assert_eq!(json_of(second).await["error"]["code"], 100);
}

#[tokio::test]
async fn whatsapp_send_answers_with_a_wamid() {
    let f = fixture().await;
    let body = json!({
        "messaging_product": "whatsapp", "recipient_type": "individual", "to": "15550001111",
        "type": "text", "text": {"preview_url": false, "body": "Thanks"},
    });
    let response = f
        .graph_post(
            "/v21.0/106540352242922/messages",
            &Credentials::default().meta_token,
            body,
        )
        .await;
    assert_eq!(response.status(), 200);
    let answer = json_of(response).await;
    assert_eq!(answer["messaging_product"], "whatsapp");
    assert_eq!(
        answer["contacts"],
        json!([{"input": "15550001111", "wa_id": "15550001111"}])
    );
    assert!(
        answer["messages"][0]["id"]
            .as_str()
            .expect("wamid")
            .starts_with("wamid.")
    );
}

#[tokio::test]
async fn meta_refuses_a_wrong_token_with_code_190_and_accepts_the_query_token() {
    let f = fixture().await;
    let body = json!({"message": "Thanks"});
    let response = f
        .graph_post("/v21.0/1/comments", "wrong", body.clone())
        .await;
    assert_eq!(response.status(), 400);
    let error = json_of(response).await["error"].clone();
    assert_eq!(error["code"], 190);
    assert_eq!(error["type"], "OAuthException");
    assert_eq!(
        error["message"],
        "Invalid OAuth access token - Cannot parse access token"
    );
    assert!(error["fbtrace_id"].is_string());
    let url = format!(
        "{}?access_token={}",
        f.url(Platform::Meta, "/v21.0/1/comments"),
        Credentials::default().meta_token
    );
    let by_query = f
        .client
        .post(url)
        .json(&body)
        .send()
        .await
        .expect("request");
    assert_eq!(by_query.status(), 200);
    f.fake.expire_token(Platform::Meta);
    let expired = f
        .graph_post(
            "/v21.0/1/comments",
            &Credentials::default().meta_token,
            body,
        )
        .await;
    assert_eq!(json_of(expired).await["error"]["error_subcode"], 463);
}

#[tokio::test]
async fn meta_throttling_and_scripted_errors_come_in_order() {
    let f = fixture().await;
    let token = Credentials::default().meta_token;
    f.fake.fail_next(Platform::Meta, Trouble::meta_throttled());
    f.fake.fail_next(
        Platform::Meta,
        Trouble::meta_error(400, 10, Some(2_018_278), "(#10) outside the allowed window"),
    );
    // A refused token does not use up the script.
    let refused = f
        .graph_post("/v21.0/1/comments", "wrong", json!({"message": "a"}))
        .await;
    assert_eq!(refused.status(), 400);
    let throttled = f
        .graph_post("/v21.0/1/comments", &token, json!({"message": "a"}))
        .await;
    assert_eq!(throttled.status(), 400);
    let usage: Value =
        serde_json::from_str(&header(&throttled, "x-app-usage")).expect("usage json");
    assert_eq!(usage["call_count"], 100);
    assert_eq!(json_of(throttled).await["error"]["code"], 4);
    let window = f
        .graph_post("/v21.0/1/comments", &token, json!({"message": "a"}))
        .await;
    let error = json_of(window).await["error"].clone();
    assert_eq!(
        (error["code"].clone(), error["error_subcode"].clone()),
        (json!(10), json!(2_018_278))
    );
    let ok = f
        .graph_post("/v21.0/1/comments", &token, json!({"message": "a"}))
        .await;
    assert_eq!(ok.status(), 200);
    assert_eq!(f.fake.sent(Platform::Meta).len(), 1);
}

#[tokio::test]
async fn telegram_send_message_answers_with_the_message() {
    let f = fixture().await;
    let token = Credentials::default().telegram_bot_token;
    let body = json!({"chat_id": 5_000_000_001_i64, "text": "Looking into it", "reply_parameters": {"message_id": 42}});
    let response = f.telegram_send(&token, body).await;
    assert_eq!(response.status(), 200);
    let answer = json_of(response).await;
    assert_eq!(answer["ok"], true);
    assert!(answer["result"]["message_id"].is_u64());
    assert!(answer["result"]["date"].is_u64());
    assert_eq!(
        answer["result"]["chat"],
        json!({"id": 5_000_000_001_i64, "type": "private"})
    );
    assert_eq!(answer["result"]["text"], "Looking into it");
}

#[tokio::test]
async fn telegram_refuses_a_wrong_token_and_scripts_flood_control() {
    let f = fixture().await;
    let wrong = f
        .telegram_send("1:wrong", json!({"chat_id": 1, "text": "hi"}))
        .await;
    assert_eq!(wrong.status(), 401);
    assert_eq!(
        json_of(wrong).await,
        json!({"ok": false, "error_code": 401, "description": "Unauthorized"})
    );
    let token = Credentials::default().telegram_bot_token;
    f.fake
        .fail_next(Platform::Telegram, Trouble::telegram_retry_after(7));
    f.fake
        .fail_next(Platform::Telegram, Trouble::telegram_blocked());
    let flood = f
        .telegram_send(&token, json!({"chat_id": 1, "text": "hi"}))
        .await;
    assert_eq!(flood.status(), 429);
    let flood = json_of(flood).await;
    assert_eq!(flood["parameters"]["retry_after"], 7);
    assert_eq!(flood["description"], "Too Many Requests: retry after 7");
    let blocked = f
        .telegram_send(&token, json!({"chat_id": 1, "text": "hi"}))
        .await;
    assert_eq!(blocked.status(), 403);
    assert_eq!(
        json_of(blocked).await["description"],
        "Forbidden: bot was blocked by the user"
    );
}

#[tokio::test]
async fn partner_callback_verifies_standard_webhooks_signatures() {
    let f = fixture().await;
    let secret = Credentials::default().partner_secret;
    let payload = r#"{"type":"message.created","data":{"text":"hi"}}"#;
    let response = f.partner_post(&secret, payload).await;
    assert_eq!(response.status(), 200);
    assert!(
        json_of(response).await["id"]
            .as_str()
            .expect("id")
            .starts_with("partner-")
    );
    let recorded = f.fake.sent(Platform::Partner);
    assert_eq!(recorded[0].body["type"], "message.created");
    assert_eq!(recorded[0].header("webhook-id"), Some("msg_1"));
    let other = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    let forged = f.partner_post(other, payload).await;
    assert_eq!(forged.status(), 401);
}

#[tokio::test]
async fn partner_scripted_server_errors_carry_retry_after() {
    let f = fixture().await;
    let secret = Credentials::default().partner_secret;
    f.fake
        .fail_next(Platform::Partner, Trouble::with_retry_after(503, 30));
    f.fake
        .fail_next(Platform::Partner, Trouble::server_error(502));
    let unavailable = f.partner_post(&secret, "{}").await;
    assert_eq!(unavailable.status(), 503);
    assert_eq!(header(&unavailable, "retry-after"), "30");
    let bad_gateway = f.partner_post(&secret, "{}").await;
    assert_eq!(bad_gateway.status(), 502);
    assert_eq!(bad_gateway.text().await.expect("text"), "Bad Gateway");
    assert_eq!(f.fake.partner_answers(), [503, 502]);
}

#[tokio::test]
async fn unknown_routes_are_recorded_as_404() {
    let f = fixture().await;
    let response = f
        .client
        .post(f.url(Platform::Telegram, "/botX/sendPhoto"))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 404);
    let get = f
        .client
        .get(f.url(Platform::X, "/2/tweets"))
        .send()
        .await
        .expect("request");
    assert_eq!(get.status(), 404);
    let recorded = f.fake.requests();
    assert_eq!(recorded[0].answered, 404);
    assert_eq!(recorded[0].method, "POST");
    assert_eq!(
        (recorded[1].method.as_str(), recorded[1].answered),
        ("GET", 404)
    );
}

impl FakePlatforms {
    fn partner_answers(&self) -> Vec<u16> {
        self.requests()
            .iter()
            .filter(|r| r.platform == Platform::Partner)
            .map(|r| r.answered)
            .collect()
    }
}

fn http_client() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}
