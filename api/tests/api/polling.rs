//! X mentions polled for a channel that asks for it, against a local fake of X's mention
//! timeline: new pages only (the `since_id` cursor), every page followed, logged and read
//! like webhook deliveries, and X's rate limit waited out.
#![expect(
    clippy::unwrap_used,
    reason = "test helpers fail the test at once on an unexpected answer"
)]

use chrono::{DateTime, Duration, Utc};
use earshot_testkit::platforms::{Credentials, FakePlatforms, Platform, Trouble, XPost};
use earshot_testkit::{Tenant, TestApp, str_of};
use serde_json::{Value, json};

struct Setup {
    app: TestApp,
    t: Tenant,
    fake: FakePlatforms,
    brand: String,
    channel: String,
}

async fn setup(settings: Value) -> Setup {
    let app = TestApp::spawn_stepped_with(|c| c.allow_private_targets = true).await;
    let t = app.tenant("Acme").await;
    let fake = FakePlatforms::start(Credentials::default()).await;
    let c = fake.credentials().clone();
    let brand = c.access_token.split('-').next().unwrap().to_owned();
    let mut all = json!({ "api_base_url": fake.base_url(Platform::X), "account_id": brand });
    for (k, v) in settings.as_object().unwrap() {
        all[k] = v.clone();
    }
    let body = json!({ "kind": "x", "name": "X", "settings": all,
        "credentials": { "consumer_key": c.consumer_key, "consumer_secret": c.consumer_secret,
            "access_token": c.access_token, "access_token_secret": c.access_token_secret } });
    let path = format!("/v1/workspaces/{}/channels", t.workspace_id);
    let created: Value = app.post(&path, &t.token, body).await.json().await.unwrap();
    assert!(created["id"].is_string(), "{created}");
    let channel = str_of(&created["id"]);
    Setup {
        app,
        t,
        fake,
        brand,
        channel,
    }
}

impl Setup {
    fn mention(&self, n: u64, author: &str) {
        let id = (1_874_000_000_000_001_000_u64 + n).to_string();
        let post = XPost::new(
            id,
            format!("20{n}"),
            author,
            format!("@AcmeHelp where is order {n}?"),
        );
        self.fake.x_mention(post);
    }

    /// One turn of the poller, then of the inbound consumer; how many channels were polled.
    async fn poll(&self, at: DateTime<Utc>) -> usize {
        let polled = earshot_worker::Consumer::Polling
            .run_once(&self.app.core, at)
            .await
            .unwrap();
        earshot_worker::Consumer::Inbound
            .run_once(&self.app.core, at)
            .await
            .unwrap();
        polled
    }

    async fn conversations(&self) -> usize {
        let path = format!(
            "/v1/workspaces/{}/conversations?limit=200",
            self.t.workspace_id
        );
        self.app.get_json(&path, &self.t.token).await["items"]
            .as_array()
            .unwrap()
            .len()
    }

    fn mention_calls(&self) -> Vec<earshot_testkit::platforms::Recorded> {
        self.fake
            .requests()
            .into_iter()
            .filter(|r| r.path.ends_with("/mentions"))
            .collect()
    }
}

#[tokio::test]
async fn mentions_are_polled_once_each_with_the_cursor_moving_only_forward() {
    let s = setup(json!({ "poll_mentions_every": "60" })).await;
    for n in 0..3 {
        s.mention(n, &format!("customer{n}"));
    }
    let now = Utc::now();
    assert_eq!(s.poll(now).await, 1);
    assert_eq!(s.conversations().await, 3);
    let log = s.app.inbound_events().await;
    assert_eq!(log.len(), 1, "one delivery for the poll");
    assert!(log[0].processed);

    // Not due again before its interval; then nothing new is nothing logged.
    assert_eq!(s.poll(now + Duration::seconds(30)).await, 0);
    assert_eq!(s.poll(now + Duration::seconds(61)).await, 1);
    assert_eq!(s.app.inbound_events().await.len(), 1);
    let calls = s.mention_calls();
    assert_eq!(calls.len(), 2);
    assert_eq!(calls[0].answered, 200, "the fake verified the signed query");
    assert!(!calls[0].path.contains('?'));

    // New mentions, and the brand's own post, which is no customer's.
    s.mention(3, "customer3");
    let own = XPost::new(
        "1874000000000001100",
        s.brand.clone(),
        "AcmeHelp",
        "We are on it",
    );
    s.fake.x_mention(own);
    assert_eq!(s.poll(now + Duration::seconds(122)).await, 1);
    assert_eq!(s.conversations().await, 4);
    assert_eq!(s.app.inbound_events().await.len(), 2);
}

#[tokio::test]
async fn every_page_of_a_busy_timeline_is_stored() {
    let s = setup(json!({ "poll_mentions_every": "60" })).await;
    for n in 0..105 {
        s.mention(n, &format!("customer{n}"));
    }
    assert_eq!(s.poll(Utc::now()).await, 1);
    assert_eq!(s.mention_calls().len(), 2, "the next_token was followed");
    assert_eq!(s.conversations().await, 105);
}

#[tokio::test]
async fn a_rate_limit_is_waited_out_and_shown_on_the_channel() {
    let s = setup(json!({ "poll_mentions_every": "60" })).await;
    s.mention(0, "customer0");
    s.fake.fail_next(Platform::X, Trouble::x_rate_limited(900));
    let now = Utc::now();
    assert_eq!(s.poll(now).await, 1);
    let path = format!("/v1/workspaces/{}/channels/{}", s.t.workspace_id, s.channel);
    let channel = s.app.get_json(&path, &s.t.token).await;
    assert_eq!(channel["health"]["state"], "rate_limited", "{channel}");
    assert_eq!(s.conversations().await, 0);
    assert_eq!(
        s.poll(now + Duration::seconds(120)).await,
        0,
        "polled during X's wait"
    );
    assert_eq!(s.poll(now + Duration::seconds(901)).await, 1);
    assert_eq!(s.conversations().await, 1);
    let channel = s.app.get_json(&path, &s.t.token).await;
    assert_eq!(channel["health"]["state"], "active");
}

#[tokio::test]
async fn a_channel_that_does_not_ask_is_never_polled_and_bad_intervals_are_refused() {
    let s = setup(json!({})).await;
    s.mention(0, "customer0");
    assert_eq!(s.poll(Utc::now()).await, 0);
    assert!(s.mention_calls().is_empty());
    let path = format!("/v1/workspaces/{}/channels/{}", s.t.workspace_id, s.channel);
    let refused = s
        .app
        .patch(
            &path,
            &s.t.token,
            json!({ "settings": { "poll_mentions_every": "5" } }),
        )
        .await;
    let problem = earshot_testkit::assert_problem(refused, 422, "validation_failed").await;
    assert_eq!(
        problem["errors"][0]["field"],
        "settings.poll_mentions_every"
    );
}
