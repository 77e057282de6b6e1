//! X: OAuth 1.0a signing, users/me, posts and DMs, the routes, rate limits.

use super::*;

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
