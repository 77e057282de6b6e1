//! X's mention timeline: newest first, `since_id`, stable paging, refusals and scripted trouble.

use super::*;

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
