//! Platform webhooks over real HTTP: each platform's handshake and signature (the test
//! vectors of `shared/channels.md`), deliveries stored once before they are acknowledged,
//! refusals that keep nothing, and a log that cannot be written answering `503`.
#![expect(
    clippy::unwrap_used,
    clippy::panic,
    reason = "test helpers fail the test at once on an unexpected answer"
)]

use std::time::{Duration, Instant};

use earshot_testkit::{Tenant, TestApp, assert_problem, str_of};
use reqwest::Response;
use serde_json::{Value, json};

/// The body and signature of the X test vector (consumer secret `fake_consumer_secret`).
const X_BODY: &str = r#"{"for_user_id":"100","tweet_create_events":[]}"#;
const X_SIGNATURE: &str = "sha256=r9tw4HeysQUn3L5PMZRX4l+SC/zwOQoIfXhbd8QjSTs=";
/// The body and signature of the Meta test vector (app secret `fake_app_secret`).
const META_BODY: &str = r#"{"object":"page","entry":[]}"#;
const META_SIGNATURE: &str =
    "sha256=c25c724b173251a5e801dc02f768884e9648c282a1fefa522fabbd9095ed31d9";

async fn channel(app: &TestApp, t: &Tenant, kind: &str, credentials: Value) -> String {
    let path = format!("/v1/workspaces/{}/channels", t.workspace_id);
    let body = json!({ "kind": kind, "name": format!("{kind} hook"), "credentials": credentials });
    let response = app.post(&path, &t.token, body).await;
    assert_eq!(response.status(), 201);
    str_of(&response.json::<Value>().await.unwrap()["id"])
}

async fn x_channel(app: &TestApp, t: &Tenant, consumer_secret: &str) -> String {
    let credentials = json!({ "consumer_key": "ck", "consumer_secret": consumer_secret,
        "access_token": "at", "access_token_secret": "ats" });
    channel(app, t, "x", credentials).await
}

async fn meta_channel(app: &TestApp, t: &Tenant) -> String {
    let credentials = json!({ "app_secret": "fake_app_secret",
        "page_access_token": "pat", "verify_token": "verify-me" });
    channel(app, t, "facebook", credentials).await
}

async fn deliver(app: &TestApp, hook: &str, headers: &[(&str, &str)], body: &str) -> Response {
    let mut request = app
        .client
        .post(app.url(hook))
        .header("content-type", "application/json")
        .body(body.to_owned());
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    request.send().await.unwrap()
}

async fn handshake(app: &TestApp, hook: &str) -> Response {
    app.client.get(app.url(hook)).send().await.unwrap()
}

#[tokio::test]
async fn x_crc_and_signed_deliveries_are_answered_and_stored_once() {
    let app = TestApp::spawn().await;
    let t = app.tenant("Acme").await;
    let id = x_channel(&app, &t, "fake_consumer_secret").await;
    let hook = format!("/v1/hooks/x/{id}");
    let crc = handshake(&app, &format!("{hook}?crc_token=crc-challenge-123")).await;
    assert_eq!(crc.status(), 200);
    let answer: Value = crc.json().await.unwrap();
    assert_eq!(
        answer,
        json!({ "response_token": "sha256=Zd0TIojK5ffKj7RHU/Bf9vyXPeVaHlcEFQ7IF70Ztck=" })
    );
    assert_problem(handshake(&app, &hook).await, 400, "missing_crc_token").await;

    let signed = [("x-twitter-webhooks-signature", X_SIGNATURE)];
    let first = deliver(&app, &hook, &signed, X_BODY).await;
    assert_eq!(first.status(), 200);
    assert_eq!(
        first.json::<Value>().await.unwrap(),
        json!({ "received": true, "duplicate": false })
    );
    let again = deliver(&app, &hook, &signed, X_BODY).await;
    assert_eq!(again.json::<Value>().await.unwrap()["duplicate"], true);
    let stored = app.inbound_events().await;
    assert_eq!(stored.len(), 1, "a redelivery is stored once");
    assert_eq!(
        (stored[0].channel_id.as_str(), stored[0].body.as_str()),
        (id.as_str(), X_BODY)
    );
}

#[tokio::test]
async fn a_bad_signature_or_another_channels_secret_is_refused_and_nothing_is_kept() {
    let app = TestApp::spawn().await;
    let t = app.tenant("Acme").await;
    let mine = x_channel(&app, &t, "my_consumer_secret").await;
    let theirs = x_channel(&app, &t, "fake_consumer_secret").await;
    let hook = format!("/v1/hooks/x/{mine}");
    // Signed with the other channel's secret (the test vector), sent to mine.
    let cases: [&[(&str, &str)]; 3] = [
        &[("x-twitter-webhooks-signature", X_SIGNATURE)],
        &[("x-twitter-webhooks-signature", "sha256=AAAA")],
        &[],
    ];
    for headers in cases {
        let refused = deliver(&app, &hook, headers, X_BODY).await;
        assert_problem(refused, 401, "invalid_signature").await;
    }
    // A body changed after signing.
    let tampered = deliver(
        &app,
        &format!("/v1/hooks/x/{theirs}"),
        &[("x-twitter-webhooks-signature", X_SIGNATURE)],
        &X_BODY.replace("100", "101"),
    )
    .await;
    assert_problem(tampered, 401, "invalid_signature").await;
    assert_eq!(app.inbound_events().await, Vec::new());
}

#[tokio::test]
async fn meta_handshake_and_signature_follow_the_channels_tokens() {
    let app = TestApp::spawn().await;
    let t = app.tenant("Acme").await;
    let id = meta_channel(&app, &t).await;
    let hook = format!("/v1/hooks/facebook/{id}");
    let ok = handshake(
        &app,
        &format!("{hook}?hub.mode=subscribe&hub.verify_token=verify-me&hub.challenge=1158201444"),
    )
    .await;
    assert_eq!(ok.status(), 200);
    assert_eq!(ok.text().await.unwrap(), "1158201444");
    let wrong = handshake(
        &app,
        &format!("{hook}?hub.mode=subscribe&hub.verify_token=guess&hub.challenge=1"),
    )
    .await;
    assert_problem(wrong, 401, "invalid_verify_token").await;

    let signed = [("x-hub-signature-256", META_SIGNATURE)];
    let delivered = deliver(&app, &hook, &signed, META_BODY).await;
    assert_eq!(delivered.status(), 200);
    // Meta re-serialises nothing: one byte more and the signature no longer holds.
    let spaced = deliver(&app, &hook, &signed, &format!("{META_BODY} ")).await;
    assert_problem(spaced, 401, "invalid_signature").await;
    // The same channel named as another Meta platform is another hook: not found.
    let elsewhere = deliver(
        &app,
        &format!("/v1/hooks/instagram/{id}"),
        &signed,
        META_BODY,
    )
    .await;
    assert_problem(elsewhere, 404, "not_found").await;
    assert_eq!(app.inbound_events().await.len(), 1);
}

#[tokio::test]
async fn telegram_deliveries_carry_the_secret_token_and_repeat_by_update_id() {
    let app = TestApp::spawn().await;
    let t = app.tenant("Acme").await;
    let credentials = json!({ "bot_token": "123:ABC", "secret_token": "hook_Secret-1" });
    let id = channel(&app, &t, "telegram", credentials).await;
    let hook = format!("/v1/hooks/telegram/{id}");
    let update = |text: &str| {
        json!({ "update_id": 900001, "message": { "message_id": 7, "text": text,
            "chat": { "id": 5000000001_i64, "type": "private" },
            "from": { "id": 5000000001_i64, "is_bot": false, "first_name": "Dana" } } })
        .to_string()
    };
    let token = [("x-telegram-bot-api-secret-token", "hook_Secret-1")];
    assert_eq!(
        deliver(&app, &hook, &token, &update("hi")).await.status(),
        200
    );
    // Telegram redelivers an update by its id, whatever else changed on the way.
    let again = deliver(&app, &hook, &token, &update("hi")).await;
    assert_eq!(again.json::<Value>().await.unwrap()["duplicate"], true);
    let wrong = [("x-telegram-bot-api-secret-token", "hook_Secret-2")];
    assert_problem(
        deliver(&app, &hook, &wrong, &update("x")).await,
        401,
        "invalid_signature",
    )
    .await;
    assert_problem(handshake(&app, &hook).await, 405, "method_not_allowed").await;
    let not_json = deliver(&app, &hook, &token, "update_id=1").await;
    assert_problem(not_json, 400, "malformed_json").await;
    let stored = app.inbound_events().await;
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].platform_event_id, "update:900001");
}

#[tokio::test]
async fn hooks_name_only_existing_enabled_social_channels() {
    let (app, a, b) = TestApp::two_workspaces().await;
    let x_b = x_channel(&app, &b, "fake_consumer_secret").await;
    let api = app.api_channel(&a).await;
    let signed = [("x-twitter-webhooks-signature", X_SIGNATURE)];
    for hook in [
        format!("/v1/hooks/x/{}", uuid::Uuid::now_v7()),
        format!("/v1/hooks/x/{api}"),
        format!("/v1/hooks/api/{api}"),
        format!("/v1/hooks/myspace/{x_b}"),
        "/v1/hooks/x/not-an-id".to_owned(),
    ] {
        assert_problem(
            deliver(&app, &hook, &signed, X_BODY).await,
            404,
            "not_found",
        )
        .await;
    }
    // A disabled channel takes nothing in.
    let channel = format!("/v1/workspaces/{}/channels/{x_b}", b.workspace_id);
    let disabled = app
        .patch(&channel, &b.token, json!({ "health": "disabled" }))
        .await;
    assert_eq!(disabled.status(), 200);
    let refused = deliver(&app, &format!("/v1/hooks/x/{x_b}"), &signed, X_BODY).await;
    assert_problem(refused, 409, "channel_disabled").await;
    // A channel without its secret cannot verify anything.
    let bare = channel_without_credentials(&app, &a).await;
    let unverifiable = deliver(&app, &format!("/v1/hooks/x/{bare}"), &signed, X_BODY).await;
    assert_problem(unverifiable, 401, "invalid_signature").await;
    assert_eq!(app.inbound_events().await, Vec::new());
}

async fn channel_without_credentials(app: &TestApp, t: &Tenant) -> String {
    let path = format!("/v1/workspaces/{}/channels", t.workspace_id);
    let response = app
        .post(&path, &t.token, json!({ "kind": "x", "name": "bare" }))
        .await;
    str_of(&response.json::<Value>().await.unwrap()["id"])
}

#[tokio::test]
async fn concurrent_deliveries_share_inserts_and_each_is_acknowledged_after_its_commit() {
    let app = TestApp::spawn().await;
    let t = app.tenant("Acme").await;
    let credentials = json!({ "bot_token": "123:ABC", "secret_token": "storm" });
    let id = channel(&app, &t, "telegram", credentials).await;
    let hook = format!("/v1/hooks/telegram/{id}");
    let batches = app.metric("earshot_inbound_log_batch_size_count").await;
    let token = [("x-telegram-bot-api-secret-token", "storm")];
    let bodies: Vec<String> = (0..200)
        .map(|n| json!({ "update_id": n, "message": { "text": format!("#{n}") } }).to_string())
        .collect();
    let answers = futures_util::future::join_all(
        bodies.iter().map(|body| deliver(&app, &hook, &token, body)),
    )
    .await;
    assert!(answers.iter().all(|a| a.status() == 200));
    // Every acknowledged delivery is in the log.
    assert_eq!(app.inbound_events().await.len(), 200);
    let inserts = app.metric("earshot_inbound_log_batch_size_count").await - batches;
    assert!(inserts < 200.0, "{inserts} inserts for 200 deliveries");
}

#[tokio::test]
async fn a_log_that_cannot_be_written_answers_503_and_the_platform_retries() {
    if std::env::var("TEST_DATABASE_URL").is_ok() {
        return; // PostgreSQL outages are in `degrade`; this holds SQLite's write lock.
    }
    let app = TestApp::spawn().await;
    let t = app.tenant("Acme").await;
    let id = x_channel(&app, &t, "fake_consumer_secret").await;
    let hook = format!("/v1/hooks/x/{id}");
    let signed = [("x-twitter-webhooks-signature", X_SIGNATURE)];
    let lock = app.hold_sqlite_write_lock().await;
    let started = Instant::now();
    let refused = deliver(&app, &hook, &signed, X_BODY).await;
    assert!(started.elapsed() < Duration::from_secs(6));
    assert!(refused.headers().contains_key("retry-after"));
    assert_problem(refused, 503, "unavailable").await;
    lock.release().await;
    // The platform's retry is acknowledged, and the delivery is stored once, whether the
    // refused attempt's insert went through after the lock or not.
    let retried = deliver(&app, &hook, &signed, X_BODY).await;
    assert_eq!(retried.status(), 200);
    assert_eq!(app.inbound_events().await.len(), 1);
}

// ---------------------------------------------------------------- processing

/// A Telegram update from Dana in her private chat with the bot.
fn dana_says(update_id: i64, message_id: i64, text: &str) -> String {
    json!({ "update_id": update_id, "message": { "message_id": message_id, "date": 1735732800,
        "text": text, "chat": { "id": 5000000001_i64, "type": "private" },
        "from": { "id": 5000000001_i64, "is_bot": false, "first_name": "Dana",
                  "last_name": "Example", "username": "dana_example" } } })
    .to_string()
}

async fn process(app: &TestApp) -> usize {
    let now = chrono::Utc::now();
    earshot_worker::Consumer::Inbound
        .run_once(&app.core, now)
        .await
        .unwrap()
}

async fn conversations(app: &TestApp, t: &Tenant) -> Vec<Value> {
    let path = format!("/v1/workspaces/{}/conversations", t.workspace_id);
    app.get_json(&path, &t.token).await["items"]
        .as_array()
        .unwrap()
        .clone()
}

#[tokio::test]
async fn a_logged_telegram_delivery_becomes_a_conversation_once() {
    let app = TestApp::spawn().await;
    let t = app.tenant("Acme").await;
    let path = format!("/v1/workspaces/{}/channels", t.workspace_id);
    let body = json!({ "kind": "telegram", "name": "Care bot",
        "settings": { "bot_username": "acme_care_bot" },
        "credentials": { "bot_token": "123:ABC", "secret_token": "care" } });
    let created: Value = app.post(&path, &t.token, body).await.json().await.unwrap();
    let hook = format!("/v1/hooks/telegram/{}", str_of(&created["id"]));
    let token = [("x-telegram-bot-api-secret-token", "care")];

    let first = dana_says(1, 42, "Hello, I need help with order A-1001");
    assert_eq!(deliver(&app, &hook, &token, &first).await.status(), 200);
    assert_eq!(
        conversations(&app, &t).await,
        Vec::<Value>::new(),
        "not before processing"
    );
    assert_eq!(process(&app).await, 1);
    let listed = conversations(&app, &t).await;
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0]["channel_kind"], "telegram");
    assert_eq!(listed[0]["visibility"], "private");
    assert_eq!(listed[0]["contact"]["display_name"], "Dana Example");

    // A redelivery, a second message in the chat, and the bot's own message echoed back.
    deliver(&app, &hook, &token, &first).await;
    deliver(&app, &hook, &token, &dana_says(2, 43, "Any news?")).await;
    let echo = json!({ "update_id": 3, "message": { "message_id": 44, "date": 1735732900,
        "text": "We are on it!", "chat": { "id": 5000000001_i64, "type": "private" },
        "from": { "id": 777, "is_bot": true, "first_name": "Care", "username": "acme_care_bot" } } });
    deliver(&app, &hook, &token, &echo.to_string()).await;
    assert_eq!(process(&app).await, 2);
    let listed = conversations(&app, &t).await;
    assert_eq!(listed.len(), 1, "the chat's messages join its conversation");
    let messages_path = format!(
        "/v1/workspaces/{}/conversations/{}/messages",
        t.workspace_id,
        str_of(&listed[0]["id"])
    );
    let messages = app.get_json(&messages_path, &t.token).await;
    let texts: Vec<String> = messages["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| str_of(&m["text"]))
        .collect();
    assert_eq!(
        texts,
        ["Hello, I need help with order A-1001", "Any news?"],
        "no echo, no repeat"
    );
    let log = app.inbound_events().await;
    assert_eq!(log.len(), 3);
    assert!(
        log.iter()
            .all(|row| row.processed && row.last_error.is_none()),
        "{log:?}"
    );
    assert_eq!(process(&app).await, 0, "nothing left to do");
}

#[tokio::test]
async fn an_unreadable_delivery_is_recorded_and_the_others_go_on() {
    let app = TestApp::spawn().await;
    let t = app.tenant("Acme").await;
    let credentials = json!({ "bot_token": "123:ABC", "secret_token": "care" });
    let id = channel(&app, &t, "telegram", credentials).await;
    let hook = format!("/v1/hooks/telegram/{id}");
    let token = [("x-telegram-bot-api-secret-token", "care")];
    deliver(&app, &hook, &token, r#"{"not_an_update": true}"#).await;
    deliver(&app, &hook, &token, &dana_says(5, 50, "Still there?")).await;
    assert_eq!(process(&app).await, 2);
    let log = app.inbound_events().await;
    assert!(log.iter().all(|row| row.processed));
    assert!(
        log[0]
            .last_error
            .as_deref()
            .is_some_and(|e| e.contains("unreadable")),
        "{log:?}"
    );
    assert_eq!(log[1].last_error, None);
    assert_eq!(conversations(&app, &t).await.len(), 1);
}

/// A fixture of `shared/fixtures/`.
fn fixture(name: &str) -> String {
    let path = format!(
        "{}/../../shared/fixtures/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

#[tokio::test]
async fn signed_x_whatsapp_and_facebook_deliveries_become_conversations_on_their_channels() {
    use earshot_core::channels::verify::{meta_signature, x_signature};
    let app = TestApp::spawn().await;
    let t = app.tenant("Acme").await;
    let channels = format!("/v1/workspaces/{}/channels", t.workspace_id);
    let make = |kind: &str, settings: Value, credentials: Value| json!({ "kind": kind, "name": kind, "settings": settings, "credentials": credentials });
    let x_credentials = json!({ "consumer_key": "ck", "consumer_secret": "x-secret",
        "access_token": "at", "access_token_secret": "ats" });
    let meta_credentials = |page: &str| {
        let mut c = json!({ "app_secret": "meta-secret", "verify_token": "v" });
        c[page] = json!("token");
        c
    };
    let cases = [
        (
            make(
                "x",
                json!({ "account_id": "1000000000000000001" }),
                x_credentials,
            ),
            "x_aaa_mention.json",
            "public",
        ),
        (
            make(
                "whatsapp",
                json!({ "phone_number_id": "120000000000001" }),
                meta_credentials("access_token"),
            ),
            "whatsapp_text.json",
            "private",
        ),
        (
            make(
                "facebook",
                json!({ "page_id": "300000000000001" }),
                meta_credentials("page_access_token"),
            ),
            "facebook_feed_comment.json",
            "public",
        ),
    ];
    for (body, fixture_name, visibility) in cases {
        let kind = str_of(&body["kind"]);
        let created: Value = app
            .post(&channels, &t.token, body)
            .await
            .json()
            .await
            .unwrap();
        let hook = format!("/v1/hooks/{kind}/{}", str_of(&created["id"]));
        let delivery = fixture(fixture_name);
        let (header, signature) = match kind.as_str() {
            "x" => (
                "x-twitter-webhooks-signature",
                x_signature("x-secret", delivery.as_bytes()),
            ),
            _ => (
                "x-hub-signature-256",
                meta_signature("meta-secret", delivery.as_bytes()),
            ),
        };
        let answer = deliver(&app, &hook, &[(header, signature.as_str())], &delivery).await;
        assert_eq!(answer.status(), 200, "{fixture_name}");
        assert_eq!(process(&app).await, 1, "{fixture_name}");
        let listed = conversations(&app, &t).await;
        let on_channel: Vec<&Value> = listed
            .iter()
            .filter(|c| c["channel_kind"] == kind.as_str())
            .collect();
        assert_eq!(on_channel.len(), 1, "{fixture_name}: {listed:?}");
        assert_eq!(on_channel[0]["visibility"], visibility, "{fixture_name}");
        assert!(
            on_channel[0]["contact"]["display_name"].is_string(),
            "{fixture_name}"
        );
    }
    assert!(
        app.inbound_events()
            .await
            .iter()
            .all(|row| row.processed && row.last_error.is_none())
    );
}

#[tokio::test]
async fn customers_edits_and_deletions_on_the_platform_are_reflected() {
    use earshot_core::channels::verify::x_signature;
    let app = TestApp::spawn().await;
    let t = app.tenant("Acme").await;
    // Telegram: a message, then its edit.
    let credentials = json!({ "bot_token": "123:ABC", "secret_token": "care" });
    let telegram = channel(&app, &t, "telegram", credentials).await;
    let hook = format!("/v1/hooks/telegram/{telegram}");
    let token = [("x-telegram-bot-api-secret-token", "care")];
    deliver(&app, &hook, &token, &dana_says(1, 42, "My order is lost")).await;
    let edit = json!({ "update_id": 2, "edited_message": { "message_id": 42, "date": 1735732800,
        "edit_date": 1735732860, "text": "My order A-1001 is lost",
        "chat": { "id": 5000000001_i64, "type": "private" },
        "from": { "id": 5000000001_i64, "is_bot": false, "first_name": "Dana" } } });
    deliver(&app, &hook, &token, &edit.to_string()).await;
    // X: a mention, then its deletion.
    let x = x_channel(&app, &t, "x-secret").await;
    let x_hook = format!("/v1/hooks/x/{x}");
    let mention = fixture("x_aaa_mention.json");
    let deletion = json!({ "for_user_id": "1000000000000000001", "tweet_delete_events": [
        { "status": { "id": "1874000000000000100", "user_id": "2000000000000000002" },
          "timestamp_ms": "1735732900000" } ] })
    .to_string();
    for body in [&mention, &deletion] {
        let signature = x_signature("x-secret", body.as_bytes());
        let signed = [("x-twitter-webhooks-signature", signature.as_str())];
        assert_eq!(deliver(&app, &x_hook, &signed, body).await.status(), 200);
    }
    assert_eq!(process(&app).await, 4);

    let mut seen = Vec::new();
    for conversation in conversations(&app, &t).await {
        let path = format!(
            "/v1/workspaces/{}/conversations/{}/messages",
            t.workspace_id,
            str_of(&conversation["id"])
        );
        let messages = app.get_json(&path, &t.token).await;
        seen.extend(messages["items"].as_array().unwrap().iter().cloned());
    }
    let edited = seen
        .iter()
        .find(|m| m["platform_message_id"] == "5000000001:42")
        .unwrap();
    assert_eq!(edited["text"], "My order A-1001 is lost");
    assert_eq!(
        edited["edited_at"],
        "2026-01-01T12:01:00Z".replace("2026", "2025")
    );
    let deleted = seen
        .iter()
        .find(|m| m["platform_message_id"] == "1874000000000000100")
        .unwrap();
    assert_eq!(deleted["text"], "");
    assert!(deleted["deleted_at"].is_string(), "{deleted}");
    let updates: Vec<String> = app
        .outbox()
        .await
        .into_iter()
        .filter(|row| row.event_type == "message.updated")
        .map(|row| str_of(&row.payload["data"]["message"]["platform_message_id"]))
        .collect();
    assert_eq!(updates, ["5000000001:42", "1874000000000000100"]);
    let log = app.inbound_events().await;
    assert!(
        log.iter()
            .all(|row| row.processed && row.last_error.is_none()),
        "{log:?}"
    );
}

// ---------------------------------------------------------------- the log, as admins see it

#[tokio::test]
async fn admins_and_partners_see_where_deliveries_stand_and_retry_those_that_failed() {
    let (app, a, b) = TestApp::two_workspaces().await;
    let credentials = json!({ "bot_token": "123:ABC", "secret_token": "care" });
    let id = channel(&app, &a, "telegram", credentials).await;
    let hook = format!("/v1/hooks/telegram/{id}");
    let token = [("x-telegram-bot-api-secret-token", "care")];
    let events = format!("/v1/workspaces/{}/inbound-events", a.workspace_id);
    deliver(&app, &hook, &token, &dana_says(1, 42, "First")).await;
    let pending = app.get_json(&events, &a.token).await;
    assert_eq!(pending["items"][0]["status"], "pending");
    assert_eq!(process(&app).await, 1);

    // Logged, then the channel is turned off before the worker gets to it.
    deliver(&app, &hook, &token, &dana_says(2, 43, "Second")).await;
    let channel_path = format!("/v1/workspaces/{}/channels/{id}", a.workspace_id);
    let off = app
        .patch(&channel_path, &a.token, json!({ "health": "disabled" }))
        .await;
    assert_eq!(off.status(), 200);
    assert_eq!(process(&app).await, 1);

    let failed = app
        .get_json(&format!("{events}?status=failed"), &a.token)
        .await;
    let failed = failed["items"].as_array().unwrap();
    assert_eq!(failed.len(), 1);
    assert!(
        str_of(&failed[0]["last_error"]).contains("disabled"),
        "{failed:?}"
    );
    let processed = app
        .get_json(&format!("{events}?status=processed"), &a.token)
        .await;
    let done = &processed["items"][0];
    assert_eq!(done["messages"][0]["platform_message_id"], "5000000001:42");
    assert!(done["messages"][0]["conversation_id"].is_string());
    let log = app.inbound_events().await;
    assert_eq!(
        log[0].body, "",
        "a delivery applied in full keeps no copy of the words"
    );
    assert!(
        log[1].body.contains("Second"),
        "one to retry keeps its body"
    );

    // A partner that pushes reads where its deliveries stand; another workspace sees none.
    let (_, partner) = app.api_key(&a, &["messages:ingest"]).await;
    let one = format!("{events}/{}", str_of(&done["id"]));
    assert_eq!(app.get_json(&one, &partner).await["status"], "processed");
    let theirs = format!(
        "/v1/workspaces/{}/inbound-events/{}",
        b.workspace_id,
        str_of(&done["id"])
    );
    assert_problem(app.get(&theirs, &b.token).await, 404, "not_found").await;
    assert_problem(
        app.post(&format!("{theirs}/retry"), &b.token, json!({}))
            .await,
        404,
        "not_found",
    )
    .await;

    // Retrying what went through changes nothing; what failed goes back in line.
    let retried_done = app.post(&format!("{one}/retry"), &a.token, json!({})).await;
    assert_problem(retried_done, 409, "not_failed").await;
    let on = app
        .patch(&channel_path, &a.token, json!({ "health": "active" }))
        .await;
    assert_eq!(on.status(), 200);
    let again = format!("{events}/{}/retry", str_of(&failed[0]["id"]));
    let retried = app.post(&again, &a.token, json!({})).await;
    assert_eq!(retried.status(), 200);
    assert_eq!(retried.json::<Value>().await.unwrap()["status"], "pending");
    assert_eq!(process(&app).await, 1);
    let listed = app.get_json(&events, &a.token).await;
    assert!(
        listed["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["status"] == "processed")
    );
    assert_eq!(conversations(&app, &a).await.len(), 1);
    let audit = app
        .get_json(
            &format!(
                "/v1/workspaces/{}/audit-log?action=inbound_event.retried",
                a.workspace_id
            ),
            &a.token,
        )
        .await;
    assert_eq!(audit["items"].as_array().unwrap().len(), 1);
}
