//! X's recent search: the query over seeded mentions and other public posts, `since_id`,
//! `next_token` paging, the parameters X refuses, its rate-limit window and scripted trouble.

use super::*;

const SEARCH: &str = "/2/tweets/search/recent";

fn post_id(n: u64) -> String {
    (1_874_000_000_000_003_000_u64 + n).to_string()
}

fn post(n: u64, text: &str) -> XPost {
    XPost::new(
        post_id(n),
        format!("300000000000000000{}", n % 3),
        "fan",
        text,
    )
}

impl Fixture {
    async fn search(&self, query: &[(&str, &str)]) -> reqwest::Response {
        self.x_get(SEARCH, query, query, &Credentials::default())
            .await
    }

    /// The ids of a search page and its `meta.next_token`.
    async fn search_page(&self, query: &[(&str, &str)]) -> (Vec<String>, Option<String>) {
        let response = self.search(query).await;
        assert_eq!(response.status(), 200);
        let page = json_of(response).await;
        let ids = page["data"]
            .as_array()
            .map(|posts| {
                posts
                    .iter()
                    .map(|p| p["id"].as_str().expect("id").to_owned())
                    .collect()
            })
            .unwrap_or_default();
        let next = page["meta"]["next_token"].as_str().map(str::to_owned);
        (ids, next)
    }
}

#[tokio::test]
async fn recent_search_pages_the_matching_posts_newest_first_after_since_id() {
    let f = fixture().await;
    for n in 1..=12 {
        f.fake.x_post(post(n, &format!("my refund {n} is late")));
    }
    f.fake.x_post(post(13, "nice weather for a refund"));
    f.fake.x_mention(post(14, "@AcmeHelp refund me"));
    let query = [("max_results", "10"), ("query", "refund -weather")];
    let response = f.search(&query).await;
    assert_eq!(header(&response, "x-rate-limit-limit"), "300");
    let first = json_of(response).await;
    assert_eq!(
        first["meta"]["newest_id"],
        post_id(14),
        "mentions are public posts too"
    );
    assert_eq!(first["includes"]["users"][0]["username"], "fan");
    let (ids, token) = f.search_page(&query).await;
    assert_eq!(ids.len(), 10);
    assert!(!ids.contains(&post_id(13)), "excluded by -weather");
    let token = token.expect("more follow");
    let next = [
        ("max_results", "10"),
        ("next_token", token.as_str()),
        ("query", "refund -weather"),
    ];
    let (rest, more) = f.search_page(&next).await;
    assert_eq!(rest, vec![post_id(3), post_id(2), post_id(1)]);
    assert_eq!(more, None);
    // The token belongs to its query.
    let other = [("next_token", token.as_str()), ("query", "late")];
    assert_eq!(f.search(&other).await.status(), 400);
    let since = post_id(12);
    let newer = [
        ("post.fields", "id"),
        ("query", "refund"),
        ("since_id", since.as_str()),
    ];
    let (newer, _) = f.search_page(&newer).await;
    assert_eq!(newer, vec![post_id(14), post_id(13)]);
}

#[tokio::test]
async fn recent_search_refuses_bad_queries_and_takes_scripted_trouble() {
    let f = fixture().await;
    f.fake.x_post(post(1, "refund"));
    let long = "a".repeat(513);
    for query in [
        vec![("max_results", "10")],
        vec![("query", "  ")],
        vec![("query", long.as_str())],
        vec![("max_results", "5"), ("query", "refund")],
        vec![("query", "refund"), ("sort", "x")],
    ] {
        assert_eq!(f.search(&query).await.status(), 400, "{query:?}");
    }
    f.fake.fail_next(Platform::X, Trouble::x_rate_limited(60));
    let limited = f.search(&[("query", "refund")]).await;
    assert_eq!(limited.status(), 429);
    assert_eq!(header(&limited, "x-rate-limit-remaining"), "0");
    let (ids, _) = f.search_page(&[("query", "refund")]).await;
    assert_eq!(ids, vec![post_id(1)]);
    f.fake.expire_token(Platform::X);
    assert_eq!(f.search(&[("query", "refund")]).await.status(), 401);
}
