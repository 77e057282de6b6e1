//! The connect check against local fakes of the platforms: the platform is asked who the
//! credentials belong to, and the channel's health (with `channel.health_changed`) follows
//! the answer; another workspace's channel is not found.
#![expect(
    clippy::unwrap_used,
    reason = "test helpers fail the test at once on an unexpected answer"
)]

use earshot_testkit::platforms::{Credentials, FakePlatforms, Platform, Trouble};
use earshot_testkit::{Tenant, TestApp, assert_problem, str_of};
use serde_json::{Value, json};

struct Setup {
    app: TestApp,
    t: Tenant,
    fake: FakePlatforms,
}

async fn setup() -> Setup {
    let app = TestApp::spawn_stepped_with(|c| c.allow_private_targets = true).await;
    let t = app.tenant("Acme").await;
    let fake = FakePlatforms::start(Credentials::default()).await;
    Setup { app, t, fake }
}

impl Setup {
    fn ws(&self, rest: &str) -> String {
        format!("/v1/workspaces/{}{rest}", self.t.workspace_id)
    }

    async fn channel(&self, kind: &str, settings: Value, credentials: Value) -> String {
        let body =
            json!({ "kind": kind, "name": kind, "settings": settings, "credentials": credentials });
        let created: Value = self
            .app
            .post(&self.ws("/channels"), &self.t.token, body)
            .await
            .json()
            .await
            .unwrap();
        assert!(created["id"].is_string(), "{created}");
        str_of(&created["id"])
    }

    async fn check(&self, channel: &str) -> reqwest::Response {
        let path = self.ws(&format!("/channels/{channel}/check"));
        self.app.post(&path, &self.t.token, json!({})).await
    }

    async fn checked(&self, channel: &str) -> Value {
        let response = self.check(channel).await;
        assert_eq!(response.status(), 200);
        response.json().await.unwrap()
    }

    async fn health_events(&self) -> Vec<Value> {
        self.app
            .outbox()
            .await
            .into_iter()
            .filter(|row| row.event_type == "channel.health_changed")
            .map(|row| row.payload)
            .collect()
    }

    async fn telegram(&self) -> String {
        let token = self.fake.credentials().telegram_bot_token.clone();
        self.channel(
            "telegram",
            json!({ "api_base_url": self.fake.base_url(Platform::Telegram) }),
            json!({ "bot_token": token, "secret_token": "care" }),
        )
        .await
    }
}

#[tokio::test]
async fn a_telegram_check_learns_the_bot_and_follows_a_revoked_token() {
    let s = setup().await;
    let channel = s.telegram().await;
    let first = s.checked(&channel).await;
    assert_eq!(first["ok"], true, "{first}");
    assert_eq!(first["account"]["name"], "acme_care_bot");
    assert_eq!(
        first["channel"]["settings"]["bot_username"],
        "acme_care_bot"
    );
    assert_eq!(first["channel"]["health"]["state"], "active");
    assert_eq!(
        s.health_events().await,
        Vec::<Value>::new(),
        "no change, no event"
    );

    s.fake.expire_token(Platform::Telegram);
    let refused = s.checked(&channel).await;
    assert_eq!(refused["ok"], false);
    assert_eq!(refused["channel"]["health"]["state"], "needs_reauth");
    assert!(
        refused["error"].as_str().unwrap().contains("Unauthorized"),
        "{refused}"
    );
    let events = s.health_events().await;
    assert_eq!(events.len(), 1);
    assert_eq!(events[0]["data"]["channel"]["id"], channel.as_str());
    assert_eq!(
        events[0]["data"]["channel"]["health"]["state"],
        "needs_reauth"
    );
    assert!(events[0]["data"]["channel"].get("credentials").is_none());

    s.fake.restore_token(Platform::Telegram);
    let back = s.checked(&channel).await;
    assert_eq!(back["channel"]["health"]["state"], "active");
    assert_eq!(s.health_events().await.len(), 2);
}

#[tokio::test]
async fn an_x_check_signs_its_request_and_catches_another_accounts_tokens() {
    let s = setup().await;
    let c = s.fake.credentials().clone();
    let credentials = json!({ "consumer_key": c.consumer_key, "consumer_secret": c.consumer_secret,
        "access_token": c.access_token, "access_token_secret": c.access_token_secret });
    let brand = c.access_token.split('-').next().unwrap().to_owned();
    let base = s.fake.base_url(Platform::X);
    let right = s
        .channel(
            "x",
            json!({ "api_base_url": base, "account_id": brand }),
            credentials.clone(),
        )
        .await;
    let checked = s.checked(&right).await;
    assert_eq!(checked["ok"], true, "{checked}");
    assert_eq!(checked["account"]["id"], brand.as_str());
    let request = s.fake.requests().pop().unwrap();
    assert_eq!(
        (request.method.as_str(), request.path.as_str()),
        ("GET", "/x/2/users/me")
    );
    assert_eq!(
        request.answered, 200,
        "the fake verified the OAuth signature"
    );

    let wrong = s
        .channel(
            "x",
            json!({ "api_base_url": base, "account_id": "42" }),
            credentials,
        )
        .await;
    let mismatch = s.checked(&wrong).await;
    assert_eq!(mismatch["ok"], false);
    assert_eq!(mismatch["channel"]["health"]["state"], "needs_reauth");
    assert!(
        mismatch["error"].as_str().unwrap().contains("belong to"),
        "{mismatch}"
    );
}

#[tokio::test]
async fn meta_checks_read_the_account_and_a_throttled_platform_rate_limits_the_channel() {
    let s = setup().await;
    let token = s.fake.credentials().meta_token.clone();
    let whatsapp = s
        .channel(
            "whatsapp",
            json!({ "phone_number_id": "120000000000001", "api_base_url": s.fake.base_url(Platform::Meta) }),
            json!({ "app_secret": "s", "access_token": token, "verify_token": "v" }),
        )
        .await;
    let checked = s.checked(&whatsapp).await;
    assert_eq!(checked["ok"], true, "{checked}");
    assert_eq!(checked["account"]["id"], "120000000000001");
    assert_eq!(checked["account"]["name"], "Acme Support");

    s.fake.fail_next(Platform::Meta, Trouble::meta_throttled());
    let throttled = s.checked(&whatsapp).await;
    assert_eq!(throttled["ok"], false);
    assert_eq!(throttled["channel"]["health"]["state"], "rate_limited");
}

#[tokio::test]
async fn a_check_needs_an_enabled_channel_with_its_credentials_and_stays_in_its_workspace() {
    let s = setup().await;
    let bare = s.channel("telegram", json!({}), json!({})).await;
    assert_problem(s.check(&bare).await, 409, "missing_credentials").await;
    let channel = s.telegram().await;
    let path = s.ws(&format!("/channels/{channel}"));
    s.app
        .patch(&path, &s.t.token, json!({ "health": "disabled" }))
        .await;
    assert_problem(s.check(&channel).await, 409, "channel_disabled").await;

    let other = s.app.tenant("Globex").await;
    let theirs = format!(
        "/v1/workspaces/{}/channels/{channel}/check",
        other.workspace_id
    );
    assert_problem(
        s.app.post(&theirs, &other.token, json!({})).await,
        404,
        "not_found",
    )
    .await;
    let agent = s.app.member_with_role(&s.t, "agent").await.1;
    let mine = s.ws(&format!("/channels/{channel}/check"));
    assert_problem(s.app.post(&mine, &agent, json!({})).await, 403, "forbidden").await;
    assert!(s.fake.requests().is_empty(), "no call was made");
}
