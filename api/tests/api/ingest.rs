//! Channels and the API channel's inbound door, over real HTTP: channel CRUD with sealed
//! credentials and health, then customer messages pushed by a partner becoming contacts,
//! conversations and messages — idempotent, threaded, scored, and refused when malformed.

use chrono::{Duration, Utc};
use earshot_testkit::{Tenant, TestApp, assert_problem, str_of};
use futures_util::future::join_all;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

const OUTAGE: &str = "worst service ever, 3rd outage this week @Brand";

fn ws(tenant: &Tenant, rest: &str) -> String {
    format!("/v1/workspaces/{}{rest}", tenant.workspace_id)
}

async fn json_of(response: reqwest::Response, status: u16) -> Value {
    let actual = response.status().as_u16();
    let body: Value = response.json().await.unwrap_or(Value::Null);
    assert_eq!(actual, status, "{body}");
    body
}

/// A private message from `user` with a full author profile.
fn message(id: &str, user: &str, text: &str) -> Value {
    json!({
        "platform_message_id": id,
        "author": {
            "platform_user_id": user,
            "handle": format!("@{user}"),
            "display_name": format!("{user} Lovelace"),
            "avatar_url": format!("https://cdn.example.com/{user}.png"),
            "follower_count": 120,
            "verified": false,
        },
        "text": text,
    })
}

/// A public post from `user`, optionally in reply to a platform message.
fn post(id: &str, user: &str, text: &str, reply_to: Option<&str>, followers: Option<u64>) -> Value {
    let mut body = json!({
        "platform_message_id": id,
        "author": { "platform_user_id": user, "handle": format!("@{user}") },
        "text": text,
        "visibility": "public",
    });
    if let Some(parent) = reply_to {
        body["reply_to"] = json!(parent);
    }
    if let Some(followers) = followers {
        body["author"]["follower_count"] = json!(followers);
    }
    body
}

async fn ingest_key(app: &TestApp, tenant: &Tenant) -> String {
    app.api_key(tenant, &["messages:ingest"]).await.1
}

/// Pushes and expects `201 Created`; returns the outcome.
async fn pushed(app: &TestApp, tenant: &Tenant, key: &str, channel: &str, body: Value) -> Value {
    json_of(app.push(tenant, key, channel, body).await, 201).await
}

async fn conversation(app: &TestApp, tenant: &Tenant, id: &str) -> Value {
    let path = ws(tenant, &format!("/conversations/{id}"));
    json_of(app.get(&path, &tenant.token).await, 200).await
}

async fn patch_conversation(app: &TestApp, tenant: &Tenant, id: &str, body: Value) -> Value {
    let path = ws(tenant, &format!("/conversations/{id}"));
    json_of(app.patch(&path, &tenant.token, body).await, 200).await
}

async fn messages_of(app: &TestApp, tenant: &Tenant, conversation: &str) -> Vec<Value> {
    let path = ws(
        tenant,
        &format!("/conversations/{conversation}/messages?limit=200"),
    );
    let page = json_of(app.get(&path, &tenant.token).await, 200).await;
    page["items"].as_array().cloned().unwrap_or_default()
}

/// (contacts, conversations, messages) the owner sees in the workspace.
async fn counts(app: &TestApp, tenant: &Tenant) -> (usize, usize, usize) {
    let contacts = json_of(
        app.get(&ws(tenant, "/contacts?limit=200"), &tenant.token)
            .await,
        200,
    )
    .await;
    let inbox = json_of(
        app.get(&ws(tenant, "/conversations?limit=200"), &tenant.token)
            .await,
        200,
    )
    .await;
    let conversations = inbox["items"].as_array().cloned().unwrap_or_default();
    let mut messages = 0;
    for c in &conversations {
        messages += messages_of(app, tenant, &str_of(&c["id"])).await.len();
    }
    (
        contacts["items"].as_array().map_or(0, Vec::len),
        conversations.len(),
        messages,
    )
}

async fn create_channel(app: &TestApp, tenant: &Tenant, body: Value) -> Value {
    json_of(
        app.post(&ws(tenant, "/channels"), &tenant.token, body)
            .await,
        201,
    )
    .await
}

// ---------------------------------------------------------------- channels

/// Every credential a kind requires, and one setting of its own.
fn full_config(kind: &str) -> (Value, Value) {
    let names: &[&str] = match kind {
        "x" => &[
            "consumer_key",
            "consumer_secret",
            "access_token",
            "access_token_secret",
        ],
        "facebook" => &["app_secret", "page_access_token", "verify_token"],
        "instagram" | "whatsapp" => &["app_secret", "access_token", "verify_token"],
        "telegram" => &["bot_token", "secret_token"],
        _ => &[],
    };
    let credentials: serde_json::Map<String, Value> = names
        .iter()
        .map(|n| (n.to_string(), json!(format!("{kind}-{n}-value"))))
        .collect();
    let setting = match kind {
        "x" => json!({ "handle": "@acme" }),
        "facebook" => json!({ "page_id": "123" }),
        "instagram" => json!({ "account_id": "178" }),
        "whatsapp" => json!({ "phone_number_id": "1555" }),
        "telegram" => json!({ "bot_username": "acme_bot" }),
        _ => json!({}),
    };
    (Value::Object(credentials), setting)
}

#[tokio::test]
async fn every_channel_kind_is_created_listed_read_renamed_and_deleted() {
    let app = TestApp::spawn().await;
    let a = app.tenant("Acme").await;
    let kinds = ["x", "facebook", "instagram", "whatsapp", "telegram", "api"];
    let mut ids = Vec::new();
    for kind in kinds {
        let (credentials, settings) = full_config(kind);
        let body = json!({
            "kind": kind,
            "name": format!("Acme on {kind}"),
            "credentials": credentials,
            "settings": settings,
        });
        let created = create_channel(&app, &a, body).await;
        assert_eq!(created["kind"], kind);
        assert_eq!(created["has_credentials"], true);
        assert_eq!(created["settings"], settings);
        let mut names: Vec<&String> = credentials.as_object().unwrap().keys().collect();
        names.sort();
        assert_eq!(created["credentials_set"], json!(names));
        assert_eq!(created["health"]["state"], "active");
        ids.push(str_of(&created["id"]));
    }
    let list = json_of(app.get(&ws(&a, "/channels"), &a.token).await, 200).await;
    let listed: Vec<&str> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["kind"].as_str().unwrap())
        .collect();
    assert_eq!(listed, kinds, "oldest first");
    for (kind, id) in kinds.iter().zip(&ids) {
        let path = ws(&a, &format!("/channels/{id}"));
        let read = json_of(app.get(&path, &a.token).await, 200).await;
        assert_eq!(read["kind"], *kind);
        let renamed = json_of(
            app.patch(&path, &a.token, json!({ "name": format!("{kind} care") }))
                .await,
            200,
        )
        .await;
        assert_eq!(renamed["name"], format!("{kind} care"));
        assert_eq!(
            renamed["has_credentials"], true,
            "untouched credentials stay"
        );
        assert_eq!(app.delete(&path, &a.token).await.status(), 204);
        assert_problem(app.get(&path, &a.token).await, 404, "not_found").await;
    }
    let list = json_of(app.get(&ws(&a, "/channels"), &a.token).await, 200).await;
    assert_eq!(list["items"], json!([]));
}

#[tokio::test]
async fn bad_channel_input_is_refused_and_stores_nothing() {
    let app = TestApp::spawn().await;
    let a = app.tenant("Acme").await;
    let path = ws(&a, "/channels");
    let bad = [
        (
            json!({ "kind": "myspace", "name": "Old" }),
            "validation_failed",
        ),
        (json!({ "kind": "x", "name": "  " }), "validation_failed"),
        (
            json!({ "kind": "x", "name": "X", "credentials": "plain" }),
            "validation_failed",
        ),
        (
            json!({ "kind": "x", "name": "X", "settings": [1, 2] }),
            "validation_failed",
        ),
        (
            json!({ "kind": "x", "name": "X", "settings": { "api_base_url": 5 } }),
            "validation_failed",
        ),
        (
            json!({ "kind": "x", "name": "X", "settings": { "api_base_url": "ftp://proxy" } }),
            "validation_failed",
        ),
        (
            json!({ "kind": "x", "name": "X", "settings": { "blob": "x".repeat(20_000) } }),
            "validation_failed",
        ),
    ];
    for (body, code) in bad {
        assert_problem(app.post(&path, &a.token, body).await, 422, code).await;
    }
    let id = str_of(&create_channel(&app, &a, json!({ "kind": "x", "name": "X" })).await["id"]);
    let one = ws(&a, &format!("/channels/{id}"));
    assert_problem(
        app.patch(&one, &a.token, json!({ "health": "needs_reauth" }))
            .await,
        422,
        "validation_failed",
    )
    .await;
    assert_problem(
        app.patch(&one, &a.token, json!({ "name": "" })).await,
        422,
        "validation_failed",
    )
    .await;
    let list = json_of(app.get(&path, &a.token).await, 200).await;
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    assert_eq!(list["items"][0]["name"], "X");
    assert_eq!(list["items"][0]["health"]["state"], "needs_credentials");
}

#[tokio::test]
async fn secrets_in_settings_are_refused_and_sent_to_credentials() {
    let app = TestApp::spawn().await;
    let a = app.tenant("Acme").await;
    let path = ws(&a, "/channels");
    let body = json!({ "kind": "telegram", "name": "Bot",
        "settings": { "bot_token": "123:SECRET", "secret_token": "abc", "bot_username": "acme_bot" } });
    let problem = assert_problem(
        app.post(&path, &a.token, body).await,
        422,
        "validation_failed",
    )
    .await;
    let found: Vec<(String, String)> = problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (str_of(&e["pointer"]), str_of(&e["code"])))
        .collect();
    assert_eq!(
        found,
        vec![
            (
                "/settings/bot_token".to_owned(),
                "belongs_in_credentials".to_owned()
            ),
            (
                "/settings/secret_token".to_owned(),
                "belongs_in_credentials".to_owned()
            ),
        ]
    );
    assert!(
        problem["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("credentials")
    );
    for (kind, name) in [
        ("facebook", "app_secret"),
        ("x", "api_key"),
        ("whatsapp", "Password"),
    ] {
        let body = json!({ "kind": kind, "name": "N", "settings": { name: "s3cret" } });
        let problem = assert_problem(
            app.post(&path, &a.token, body).await,
            422,
            "validation_failed",
        )
        .await;
        assert_eq!(
            problem["errors"][0]["code"], "belongs_in_credentials",
            "{kind} {name}"
        );
    }
    let made = create_channel(&app, &a, json!({ "kind": "telegram", "name": "Bot" })).await;
    let one = ws(&a, &format!("/channels/{}", str_of(&made["id"])));
    let patch = json!({ "settings": { "bot_token": "123:SECRET" } });
    assert_problem(
        app.patch(&one, &a.token, patch).await,
        422,
        "validation_failed",
    )
    .await;
    let everything = app.get(&path, &a.token).await.text().await.unwrap();
    assert!(
        !everything.contains("SECRET") && !everything.contains("s3cret"),
        "{everything}"
    );
}

#[tokio::test]
async fn a_channel_missing_credentials_needs_them_and_becomes_active_when_given() {
    let app = TestApp::spawn().await;
    let a = app.tenant("Acme").await;
    let body = json!({ "kind": "x", "name": "Brand on X", "credentials": {} });
    let made = create_channel(&app, &a, body).await;
    assert_eq!(made["has_credentials"], false);
    assert_eq!(made["credentials_set"], json!([]));
    assert_eq!(made["health"]["state"], "needs_credentials");
    assert!(
        made["health"]["last_error"]
            .as_str()
            .unwrap()
            .contains("consumer_secret")
    );
    let one = ws(&a, &format!("/channels/{}", str_of(&made["id"])));
    let part = json!({ "credentials": { "consumer_key": "ck", "consumer_secret": "cs" } });
    let partial = json_of(app.patch(&one, &a.token, part).await, 200).await;
    assert_eq!(partial["health"]["state"], "needs_credentials");
    assert_eq!(
        partial["credentials_set"],
        json!(["consumer_key", "consumer_secret"])
    );
    let activate = json!({ "health": "active" });
    let still = json_of(app.patch(&one, &a.token, activate).await, 200).await;
    assert_eq!(
        still["health"]["state"], "needs_credentials",
        "not active without them"
    );
    let rest = json!({ "credentials": { "access_token": "at", "access_token_secret": "ats" } });
    let complete = json_of(app.patch(&one, &a.token, rest).await, 200).await;
    assert_eq!(complete["has_credentials"], true);
    assert_eq!(complete["health"]["state"], "active");
    assert_eq!(complete["health"]["last_error"], Value::Null);
    let drop_one = json!({ "credentials": { "access_token": null } });
    let dropped = json_of(app.patch(&one, &a.token, drop_one).await, 200).await;
    assert_eq!(dropped["health"]["state"], "needs_credentials");
    let unknown = json!({ "credentials": { "page_access_token": "x" } });
    let problem = assert_problem(
        app.patch(&one, &a.token, unknown).await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(
        problem["errors"][0]["pointer"],
        "/credentials/page_access_token"
    );
    let read = json_of(app.get(&one, &a.token).await, 200).await;
    assert_eq!(
        read["credentials_set"],
        json!(["access_token_secret", "consumer_key", "consumer_secret"])
    );
}

#[tokio::test]
async fn credentials_are_accepted_never_returned_and_sealed_at_rest() {
    let app = TestApp::spawn().await;
    let a = app.tenant("Acme").await;
    let first = "sk-live-FIRSTSECRET-7f3a9c1e";
    let second = "sk-live-SECONDSECRET-0b2d4e6f";
    let body = json!({
        "kind": "whatsapp",
        "name": "WhatsApp",
        "credentials": { "access_token": first, "app_secret": first, "verify_token": "hub-verify" },
    });
    let response = app.post(&ws(&a, "/channels"), &a.token, body).await;
    assert_eq!(response.status(), 201);
    let text = response.text().await.unwrap();
    assert!(!text.contains(first), "{text}");
    let created: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(created["has_credentials"], true);
    let id = str_of(&created["id"]);
    let one = ws(&a, &format!("/channels/{id}"));
    let response = app
        .patch(
            &one,
            &a.token,
            json!({ "credentials": { "access_token": second } }),
        )
        .await;
    assert_eq!(response.status(), 200);
    let mut seen = response.text().await.unwrap();
    for path in [one.clone(), ws(&a, "/channels"), ws(&a, "/audit-log")] {
        seen.push_str(&app.get(&path, &a.token).await.text().await.unwrap());
    }
    for secret in [first, second] {
        assert!(!seen.contains(secret), "{secret} was served: {seen}");
    }
    if app.core.config().database.url.starts_with("sqlite:") {
        let dir = &app.core.config().data_dir;
        let mut stored = Vec::new();
        for file in ["earshot.db", "earshot.db-wal"] {
            if let Ok(bytes) = std::fs::read(dir.join(file)) {
                stored.extend(bytes);
            }
        }
        assert!(!stored.is_empty(), "the database file was read");
        let stored = String::from_utf8_lossy(&stored);
        assert!(stored.contains("Acme"), "the scan sees plain text");
        for secret in [first, second, "FIRSTSECRET", "SECONDSECRET"] {
            assert!(!stored.contains(secret), "{secret} is stored in clear");
        }
    }
    let removed = json_of(
        app.patch(&one, &a.token, json!({ "credentials": null }))
            .await,
        200,
    )
    .await;
    assert_eq!(removed["has_credentials"], false);
}

#[tokio::test]
async fn a_loopback_api_base_url_is_refused_unless_private_targets_are_allowed() {
    let strict = TestApp::spawn_with(|c| c.allow_private_targets = false).await;
    let a = strict.tenant("Acme").await;
    for url in [
        "http://127.0.0.1:9000",
        "http://localhost/api",
        "http://[::1]/",
        "http://10.0.0.8/",
    ] {
        let body = json!({ "kind": "x", "name": "X", "settings": { "api_base_url": url } });
        let refused = assert_problem(
            strict.post(&ws(&a, "/channels"), &a.token, body).await,
            422,
            "validation_failed",
        )
        .await;
        assert_eq!(refused["errors"][0]["field"], "settings.api_base_url");
        assert_eq!(refused["errors"][0]["code"], "target_refused");
    }
    let public =
        json!({ "kind": "x", "name": "X", "settings": { "api_base_url": "https://api.x.com" } });
    let created = create_channel(&strict, &a, public).await;
    let one = ws(&a, &format!("/channels/{}", str_of(&created["id"])));
    let body = json!({ "settings": { "api_base_url": "http://127.0.0.1:9000" } });
    assert_problem(
        strict.patch(&one, &a.token, body).await,
        422,
        "validation_failed",
    )
    .await;
    let read = json_of(strict.get(&one, &a.token).await, 200).await;
    assert_eq!(read["settings"]["api_base_url"], "https://api.x.com");
    let list = json_of(strict.get(&ws(&a, "/channels"), &a.token).await, 200).await;
    assert_eq!(list["items"].as_array().unwrap().len(), 1);

    let relaxed = TestApp::spawn().await;
    let b = relaxed.tenant("Globex").await;
    let local = json!({ "kind": "x", "name": "Fake X", "settings": { "api_base_url": "http://127.0.0.1:9000" } });
    let created = create_channel(&relaxed, &b, local).await;
    assert_eq!(created["settings"]["api_base_url"], "http://127.0.0.1:9000");
}

#[tokio::test]
async fn a_disabled_channel_refuses_inbound_until_it_is_enabled_again() {
    let app = TestApp::spawn().await;
    let a = app.tenant("Acme").await;
    let channel = app.api_channel(&a).await;
    let key = ingest_key(&app, &a).await;
    let one = ws(&a, &format!("/channels/{channel}"));
    let disabled = json_of(
        app.patch(&one, &a.token, json!({ "health": "disabled" }))
            .await,
        200,
    )
    .await;
    assert_eq!(disabled["health"]["state"], "disabled");
    assert!(disabled["health"]["changed_at"].is_string());
    assert_problem(
        app.push(&a, &key, &channel, message("m1", "ada", "hello?"))
            .await,
        409,
        "channel_disabled",
    )
    .await;
    assert_eq!(counts(&app, &a).await, (0, 0, 0));
    let enabled = json_of(
        app.patch(&one, &a.token, json!({ "health": "active" }))
            .await,
        200,
    )
    .await;
    assert_eq!(enabled["health"]["state"], "active");
    pushed(&app, &a, &key, &channel, message("m1", "ada", "hello?")).await;
    assert_eq!(counts(&app, &a).await, (1, 1, 1));
}

#[tokio::test]
async fn pushing_into_a_social_channel_answers_not_an_api_channel() {
    let app = TestApp::spawn().await;
    let a = app.tenant("Acme").await;
    let key = ingest_key(&app, &a).await;
    for kind in ["x", "facebook", "instagram", "whatsapp", "telegram"] {
        let channel = create_channel(&app, &a, json!({ "kind": kind, "name": kind })).await;
        assert_problem(
            app.push(
                &a,
                &key,
                &str_of(&channel["id"]),
                message("m1", "ada", "hi"),
            )
            .await,
            409,
            "not_an_api_channel",
        )
        .await;
    }
    assert_eq!(counts(&app, &a).await, (0, 0, 0));
}

#[tokio::test]
async fn channel_changes_are_in_the_audit_log_without_secrets() {
    let app = TestApp::spawn().await;
    let a = app.tenant("Acme").await;
    let body = json!({ "kind": "telegram", "name": "Bot", "credentials": { "bot_token": "123:SECRETBOT", "secret_token": "hook-secret" } });
    let id = str_of(&create_channel(&app, &a, body).await["id"]);
    let one = ws(&a, &format!("/channels/{id}"));
    let changes = json!({ "name": "Care bot", "health": "disabled", "credentials": { "bot_token": "456:SECRETBOT" } });
    json_of(app.patch(&one, &a.token, changes).await, 200).await;
    assert_eq!(app.delete(&one, &a.token).await.status(), 204);
    let log = json_of(
        app.get(&ws(&a, "/audit-log?target_kind=channel"), &a.token)
            .await,
        200,
    )
    .await;
    let entries = log["items"].as_array().unwrap();
    let actions: Vec<&str> = entries
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        ["channel.deleted", "channel.updated", "channel.created"]
    );
    for entry in entries {
        assert_eq!(entry["target_id"], id.as_str());
        assert_eq!(entry["actor"]["id"], a.user_id.as_str());
    }
    let changed = entries[1]["details"]["changed"].as_array().unwrap();
    for field in ["name", "credentials", "health"] {
        assert!(changed.contains(&json!(field)), "{field} in {changed:?}");
    }
    assert!(!log.to_string().contains("SECRETBOT"));
}

#[tokio::test]
async fn a_channels_manage_key_reads_the_channels_it_manages() {
    let app = TestApp::spawn().await;
    let a = app.tenant("Acme").await;
    let (_, key) = app.api_key(&a, &["channels:manage"]).await;
    let created = json_of(
        app.post(
            &ws(&a, "/channels"),
            &key,
            json!({ "kind": "api", "name": "CRM" }),
        )
        .await,
        201,
    )
    .await;
    let id = str_of(&created["id"]);
    let list = json_of(app.get(&ws(&a, "/channels"), &key).await, 200).await;
    assert_eq!(list["items"][0]["id"], id.as_str());
    json_of(
        app.get(&ws(&a, &format!("/channels/{id}")), &key).await,
        200,
    )
    .await;
    let (_, reader) = app.api_key(&a, &["contacts:read"]).await;
    assert_problem(
        app.post(
            &ws(&a, "/channels"),
            &reader,
            json!({ "kind": "api", "name": "No" }),
        )
        .await,
        403,
        "forbidden",
    )
    .await;
    let (_, agent) = app.member_with_role(&a, "agent").await;
    assert_problem(
        app.patch(
            &ws(&a, &format!("/channels/{id}")),
            &agent,
            json!({ "name": "Mine" }),
        )
        .await,
        403,
        "forbidden",
    )
    .await;
}

#[tokio::test]
async fn channels_of_another_workspace_answer_404_and_do_not_change() {
    let (app, a, b) = TestApp::two_workspaces().await;
    let channel = app.api_channel(&a).await;
    let (_, b_manager) = app.api_key(&b, &["channels:manage"]).await;
    for token in [b.token.as_str(), b_manager.as_str()] {
        for tenant in [&a, &b] {
            let one = ws(tenant, &format!("/channels/{channel}"));
            assert_problem(app.get(&one, token).await, 404, "not_found").await;
            assert_problem(
                app.patch(
                    &one,
                    token,
                    json!({ "name": "Hijacked", "health": "disabled" }),
                )
                .await,
                404,
                "not_found",
            )
            .await;
            assert_problem(app.delete(&one, token).await, 404, "not_found").await;
        }
        assert_problem(app.get(&ws(&a, "/channels"), token).await, 404, "not_found").await;
        assert_problem(
            app.post(
                &ws(&a, "/channels"),
                token,
                json!({ "kind": "api", "name": "Mine" }),
            )
            .await,
            404,
            "not_found",
        )
        .await;
    }
    let theirs = json_of(app.get(&ws(&b, "/channels"), &b.token).await, 200).await;
    assert_eq!(theirs["items"], json!([]));
    let read = json_of(
        app.get(&ws(&a, &format!("/channels/{channel}")), &a.token)
            .await,
        200,
    )
    .await;
    assert_eq!(read["name"], "Partner feed");
    assert_eq!(read["health"]["state"], "active");
    let mine = json_of(app.get(&ws(&a, "/channels"), &a.token).await, 200).await;
    assert_eq!(mine["items"].as_array().unwrap().len(), 1);
}

// ---------------------------------------------------------------- inbound

#[tokio::test]
async fn a_first_message_creates_the_contact_the_conversation_and_the_message() {
    let app = TestApp::spawn().await;
    let a = app.tenant("Acme").await;
    let channel = app.api_channel(&a).await;
    let key = ingest_key(&app, &a).await;
    let mut body = message("wamid.1", "ada", "My order #123 never arrived");
    body["author"]["follower_count"] = json!(4200);
    body["author"]["verified"] = json!(true);
    body["timestamp"] = json!("2026-01-05T10:00:00Z");
    let outcome = pushed(&app, &a, &key, &channel, body).await;
    assert_eq!(outcome["duplicate"], false);
    let conversation = &outcome["conversation"];
    assert_eq!(conversation["channel_id"], channel.as_str());
    assert_eq!(conversation["channel_kind"], "api");
    assert_eq!(conversation["visibility"], "private");
    assert_eq!(conversation["status"], "open");
    assert_eq!(conversation["message_count"], 1);
    assert!(conversation["last_inbound_at"].is_string());
    assert_eq!(conversation["contact"]["display_name"], "ada Lovelace");
    assert_eq!(conversation["contact"]["handle"], "@ada");
    assert_eq!(
        conversation["contact"]["avatar_url"],
        "https://cdn.example.com/ada.png"
    );
    assert_eq!(conversation["contact"]["follower_count"], 4200);
    assert_eq!(conversation["contact"]["verified"], true);
    let stored = &outcome["message"];
    assert_eq!(stored["direction"], "inbound");
    assert_eq!(stored["text"], "My order #123 never arrived");
    assert_eq!(stored["platform_message_id"], "wamid.1");
    assert_eq!(stored["author"]["kind"], "contact");
    assert_eq!(stored["sent_at"], "2026-01-05T10:00:00Z");
    assert_eq!(stored["conversation_id"], conversation["id"]);

    let contact_id = str_of(&conversation["contact"]["id"]);
    let contact = json_of(
        app.get(&ws(&a, &format!("/contacts/{contact_id}")), &a.token)
            .await,
        200,
    )
    .await;
    assert_eq!(contact["display_name"], "ada Lovelace");
    let identity = &contact["identities"][0];
    assert_eq!(identity["channel_kind"], "api");
    assert_eq!(identity["platform_user_id"], "ada");
    assert_eq!(identity["handle"], "@ada");
    assert_eq!(identity["display_name"], "ada Lovelace");
    assert_eq!(identity["avatar_url"], "https://cdn.example.com/ada.png");
    assert_eq!(identity["follower_count"], 4200);
    assert_eq!(identity["verified"], true);
    let history = messages_of(&app, &a, &str_of(&conversation["id"])).await;
    assert_eq!(history.len(), 1);
    assert_eq!(history[0]["id"], stored["id"]);
    let read = conversation_of_id(&app, &a, conversation).await;
    assert_eq!(read["id"], conversation["id"]);
    assert_eq!(counts(&app, &a).await, (1, 1, 1));
}

async fn conversation_of_id(app: &TestApp, tenant: &Tenant, view: &Value) -> Value {
    conversation(app, tenant, &str_of(&view["id"])).await
}

#[tokio::test]
async fn a_message_with_only_an_attachment_is_stored() {
    let app = TestApp::spawn().await;
    let a = app.tenant("Acme").await;
    let channel = app.api_channel(&a).await;
    let key = ingest_key(&app, &a).await;
    let mut body = message("img.1", "ada", "");
    body["attachments"] = json!([{ "type": "image", "url": "https://cdn.example.com/receipt.jpg", "mime_type": "image/jpeg" }]);
    let outcome = pushed(&app, &a, &key, &channel, body).await;
    assert_eq!(outcome["message"]["text"], "");
    assert_eq!(outcome["message"]["attachments"][0]["type"], "image");
    assert_eq!(
        outcome["message"]["attachments"][0]["url"],
        "https://cdn.example.com/receipt.jpg"
    );
}

#[tokio::test]
async fn the_same_platform_message_again_answers_200_duplicate_and_stores_nothing() {
    let app = TestApp::spawn().await;
    let a = app.tenant("Acme").await;
    let channel = app.api_channel(&a).await;
    let key = ingest_key(&app, &a).await;
    let first = pushed(&app, &a, &key, &channel, message("m1", "ada", "hello")).await;
    let before = counts(&app, &a).await;
    let again = json_of(
        app.push(&a, &key, &channel, message("m1", "ada", "hello, edited"))
            .await,
        200,
    )
    .await;
    assert_eq!(again["duplicate"], true);
    assert_eq!(again["message"]["id"], first["message"]["id"]);
    assert_eq!(again["message"]["text"], "hello");
    assert_eq!(again["conversation"]["id"], first["conversation"]["id"]);
    assert_eq!(again["conversation"]["message_count"], 1);
    assert_eq!(counts(&app, &a).await, before);
    assert_eq!(before, (1, 1, 1));
    // The same platform id on another channel is another message.
    let other = app.api_channel(&a).await;
    pushed(&app, &a, &key, &other, message("m1", "ada", "hello")).await;
    assert_eq!(counts(&app, &a).await, (1, 2, 2));
}

#[tokio::test]
async fn ten_concurrent_deliveries_of_one_message_store_it_once() {
    let app = TestApp::spawn().await;
    let a = app.tenant("Acme").await;
    let channel = app.api_channel(&a).await;
    let key = ingest_key(&app, &a).await;
    let body = message("burst.1", "grace", "is anyone there?");
    let answers = join_all((0..10).map(|_| app.push(&a, &key, &channel, body.clone()))).await;
    let mut created = 0;
    let mut message_ids = Vec::new();
    for answer in answers {
        let status = answer.status();
        let outcome: Value = answer.json().await.unwrap();
        assert!(
            status == StatusCode::CREATED || status == StatusCode::OK,
            "{status} {outcome}"
        );
        if status == StatusCode::CREATED {
            created += 1;
        }
        assert_eq!(outcome["duplicate"], status == StatusCode::OK);
        message_ids.push(str_of(&outcome["message"]["id"]));
    }
    assert_eq!(created, 1, "exactly one delivery stored it");
    message_ids.dedup();
    assert_eq!(message_ids.len(), 1, "every answer names the one message");
    assert_eq!(counts(&app, &a).await, (1, 1, 1));
}

#[tokio::test]
async fn new_authors_writing_at_the_same_time_each_get_one_contact() {
    let app = TestApp::spawn().await;
    let a = app.tenant("Acme").await;
    let channel = app.api_channel(&a).await;
    let key = ingest_key(&app, &a).await;
    let bodies: Vec<Value> = (0..8)
        .map(|i| message(&format!("first.{i}"), "linus", &format!("message {i}")))
        .collect();
    let answers = join_all(bodies.into_iter().map(|b| app.push(&a, &key, &channel, b))).await;
    for answer in answers {
        let status = answer.status();
        let body = answer.text().await.unwrap();
        assert_eq!(status, StatusCode::CREATED, "{body}");
    }
    assert_eq!(counts(&app, &a).await, (1, 1, 8));
}

#[tokio::test]
async fn different_people_posting_in_one_thread_at_once_share_one_conversation() {
    let app = TestApp::spawn().await;
    let a = app.tenant("Acme").await;
    let channel = app.api_channel(&a).await;
    let key = ingest_key(&app, &a).await;
    let bodies: Vec<Value> = (0..8)
        .map(|i| {
            let mut body = post(&format!("t.{i}"), &format!("fan{i}"), "me too", None, None);
            body["thread_id"] = json!("launch-post");
            body
        })
        .collect();
    let answers = join_all(bodies.into_iter().map(|b| app.push(&a, &key, &channel, b))).await;
    for answer in answers {
        let status = answer.status();
        let body = answer.text().await.unwrap();
        assert_eq!(status, StatusCode::CREATED, "{body}");
    }
    assert_eq!(counts(&app, &a).await, (8, 1, 8));
}

#[tokio::test]
async fn a_reply_joins_the_conversation_of_the_message_it_replies_to() {
    let app = TestApp::spawn().await;
    let a = app.tenant("Acme").await;
    let channel = app.api_channel(&a).await;
    let key = ingest_key(&app, &a).await;
    let root = pushed(
        &app,
        &a,
        &key,
        &channel,
        post("p1", "ada", "@Brand my router is dead", None, None),
    )
    .await;
    // Someone else answers in the thread, and the author answers them back.
    let other = pushed(
        &app,
        &a,
        &key,
        &channel,
        post("p2", "bob", "same here", Some("p1"), None),
    )
    .await;
    let back = pushed(
        &app,
        &a,
        &key,
        &channel,
        post("p3", "ada", "since when?", Some("p2"), None),
    )
    .await;
    assert_eq!(other["conversation"]["id"], root["conversation"]["id"]);
    assert_eq!(back["conversation"]["id"], root["conversation"]["id"]);
    assert_eq!(back["message"]["reply_to_platform_id"], "p2");
    assert_eq!(back["conversation"]["message_count"], 3);
    // A DM that quotes a stored message joins that message's conversation too.
    let mut dm = message("d1", "ada", "sending you my details");
    dm["reply_to"] = json!("p1");
    let dm = pushed(&app, &a, &key, &channel, dm).await;
    assert_eq!(dm["conversation"]["id"], root["conversation"]["id"]);
    assert_eq!(counts(&app, &a).await.1, 1);
}

#[tokio::test]
async fn a_quoted_id_never_carries_a_message_into_another_customers_conversation() {
    let app = TestApp::spawn().await;
    let a = app.tenant("Acme").await;
    let channel = app.api_channel(&a).await;
    let key = ingest_key(&app, &a).await;
    let ada_dm = pushed(
        &app,
        &a,
        &key,
        &channel,
        message("d1", "ada", "my card number is"),
    )
    .await;
    let ada_post = pushed(
        &app,
        &a,
        &key,
        &channel,
        post("p1", "ada", "@Brand my router is dead", None, None),
    )
    .await;
    // Bob quotes Ada's private message in a DM, and her public post in a DM and in public.
    let mut bob_dm = message("b1", "bob", "what did she say?");
    bob_dm["reply_to"] = json!("d1");
    let bob_dm = pushed(&app, &a, &key, &channel, bob_dm).await;
    let mut bob_quote = message("b2", "bob", "about that post");
    bob_quote["reply_to"] = json!("p1");
    let bob_quote = pushed(&app, &a, &key, &channel, bob_quote).await;
    let mut bob_public = post("b3", "bob", "@ada did you get her DM?", Some("d1"), None);
    bob_public["thread_id"] = json!("bob-thread");
    let bob_public = pushed(&app, &a, &key, &channel, bob_public).await;
    for joined in [&bob_dm, &bob_quote, &bob_public] {
        assert_ne!(joined["conversation"]["id"], ada_dm["conversation"]["id"]);
        assert_ne!(joined["conversation"]["id"], ada_post["conversation"]["id"]);
        assert_eq!(
            joined["conversation"]["contact"]["handle"], "@bob",
            "{joined}"
        );
    }
    // Bob's two DMs share his own private conversation; Ada's conversations hold only hers.
    assert_eq!(
        bob_quote["conversation"]["id"],
        bob_dm["conversation"]["id"]
    );
    let ada_private = messages_of(&app, &a, &str_of(&ada_dm["conversation"]["id"])).await;
    assert_eq!(ada_private.len(), 1);
    let ada_thread = messages_of(&app, &a, &str_of(&ada_post["conversation"]["id"])).await;
    assert_eq!(ada_thread.len(), 1);
}

#[tokio::test]
async fn private_messages_join_the_contacts_open_conversation() {
    let app = TestApp::spawn().await;
    let a = app.tenant("Acme").await;
    let channel = app.api_channel(&a).await;
    let key = ingest_key(&app, &a).await;
    let first = pushed(&app, &a, &key, &channel, message("d1", "ada", "hi")).await;
    let second = pushed(
        &app,
        &a,
        &key,
        &channel,
        message("d2", "ada", "are you there?"),
    )
    .await;
    let stranger = pushed(&app, &a, &key, &channel, message("d3", "bob", "hello")).await;
    assert_eq!(second["conversation"]["id"], first["conversation"]["id"]);
    assert_eq!(second["conversation"]["message_count"], 2);
    assert_ne!(stranger["conversation"]["id"], first["conversation"]["id"]);
    let history = messages_of(&app, &a, &str_of(&first["conversation"]["id"])).await;
    let texts: Vec<&str> = history
        .iter()
        .map(|m| m["text"].as_str().unwrap())
        .collect();
    assert_eq!(texts, ["hi", "are you there?"]);
    // The same person on another api channel is the same contact in another conversation.
    let other = app.api_channel(&a).await;
    let elsewhere = pushed(&app, &a, &key, &other, message("d1", "ada", "hi again")).await;
    assert_ne!(elsewhere["conversation"]["id"], first["conversation"]["id"]);
    assert_eq!(
        elsewhere["conversation"]["contact"]["id"],
        first["conversation"]["contact"]["id"]
    );
    assert_eq!(counts(&app, &a).await, (2, 3, 4));
}

#[tokio::test]
async fn public_posts_thread_by_thread_id_and_a_new_post_starts_a_new_conversation() {
    let app = TestApp::spawn().await;
    let a = app.tenant("Acme").await;
    let channel = app.api_channel(&a).await;
    let key = ingest_key(&app, &a).await;
    let first = pushed(
        &app,
        &a,
        &key,
        &channel,
        post("t1", "ada", "@Brand down again", None, None),
    )
    .await;
    assert_eq!(first["conversation"]["visibility"], "public");
    assert_eq!(first["conversation"]["thread_key"], "t1");
    // A comment whose parent we never stored still finds the thread by its id.
    let mut comment = post("t1-c9", "bob", "+1", None, None);
    comment["thread_id"] = json!("t1");
    comment["reply_to"] = json!("t1-c8");
    let comment = pushed(&app, &a, &key, &channel, comment).await;
    assert_eq!(comment["conversation"]["id"], first["conversation"]["id"]);
    let by_reply = pushed(
        &app,
        &a,
        &key,
        &channel,
        post("t1-c10", "ada", "still down", Some("t1"), None),
    )
    .await;
    assert_eq!(by_reply["conversation"]["id"], first["conversation"]["id"]);
    let fresh = pushed(
        &app,
        &a,
        &key,
        &channel,
        post("t2", "ada", "@Brand now billing is broken too", None, None),
    )
    .await;
    assert_ne!(fresh["conversation"]["id"], first["conversation"]["id"]);
    assert_eq!(fresh["conversation"]["thread_key"], "t2");
    let dm = pushed(&app, &a, &key, &channel, message("dm1", "ada", "DMing you")).await;
    assert_ne!(dm["conversation"]["id"], first["conversation"]["id"]);
    assert_ne!(dm["conversation"]["id"], fresh["conversation"]["id"]);
    assert_eq!(dm["conversation"]["visibility"], "private");
    assert_eq!(counts(&app, &a).await, (2, 3, 5));
}

#[tokio::test]
async fn bad_inbound_bodies_answer_problem_json_and_store_nothing() {
    let app = TestApp::spawn().await;
    let a = app.tenant("Acme").await;
    let channel = app.api_channel(&a).await;
    let key = ingest_key(&app, &a).await;
    let good = message("m1", "ada", "hello");
    let with = |path: &[&str], value: Value| {
        let mut body = good.clone();
        let mut at = &mut body;
        for key in &path[..path.len() - 1] {
            at = &mut at[*key];
        }
        at[path[path.len() - 1]] = value;
        body
    };
    let mut no_author = good.clone();
    no_author.as_object_mut().unwrap().remove("author");
    let mut no_id = good.clone();
    no_id.as_object_mut().unwrap().remove("platform_message_id");
    let cases: Vec<(Value, u16, &str, Option<&str>)> = vec![
        (no_author, 422, "validation_failed", None),
        (no_id, 422, "validation_failed", None),
        (
            with(&["text"], json!("   ")),
            422,
            "validation_failed",
            Some("text"),
        ),
        (
            with(&["text"], json!("")),
            422,
            "validation_failed",
            Some("text"),
        ),
        (
            with(&["text"], json!("x".repeat(20_001))),
            422,
            "validation_failed",
            Some("text"),
        ),
        (
            with(&["platform_message_id"], json!("p".repeat(300))),
            422,
            "validation_failed",
            Some("platform_message_id"),
        ),
        (
            with(&["platform_message_id"], json!(" ")),
            422,
            "validation_failed",
            Some("platform_message_id"),
        ),
        (
            with(&["author", "platform_user_id"], json!("")),
            422,
            "validation_failed",
            Some("author.platform_user_id"),
        ),
        (
            with(&["author", "handle"], json!("h".repeat(1_000))),
            422,
            "validation_failed",
            Some("author.handle"),
        ),
        (
            with(&["author", "display_name"], json!("n".repeat(1_000))),
            422,
            "validation_failed",
            Some("author.display_name"),
        ),
        (
            with(&["author", "avatar_url"], json!("javascript:alert(1)")),
            422,
            "validation_failed",
            Some("author.avatar_url"),
        ),
        (
            with(&["reply_to"], json!("r".repeat(300))),
            422,
            "validation_failed",
            Some("reply_to"),
        ),
        (with(&["text"], json!(42)), 422, "validation_failed", None),
        (
            with(&["author"], json!("ada")),
            422,
            "validation_failed",
            None,
        ),
        (
            with(&["author", "follower_count"], json!("many")),
            422,
            "validation_failed",
            None,
        ),
        (
            with(&["author", "follower_count"], json!(-5)),
            422,
            "validation_failed",
            None,
        ),
        (
            with(&["visibility"], json!("loud")),
            422,
            "validation_failed",
            None,
        ),
        (
            with(&["timestamp"], json!("yesterday")),
            422,
            "validation_failed",
            None,
        ),
        (
            with(
                &["attachments"],
                json!([{ "type": "file", "url": "ftp://files.example.com/a.pdf" }]),
            ),
            422,
            "validation_failed",
            Some("attachments[0]"),
        ),
        (
            with(
                &["attachments"],
                json!([{ "type": "", "url": "https://example.com/a.png" }]),
            ),
            422,
            "validation_failed",
            Some("attachments[0]"),
        ),
        (
            with(&["attachments"], json!({ "type": "image" })),
            422,
            "validation_failed",
            None,
        ),
    ];
    for (body, status, code, field) in cases {
        let problem = assert_problem(
            app.push(&a, &key, &channel, body.clone()).await,
            status,
            code,
        )
        .await;
        if let Some(field) = field {
            assert_eq!(problem["errors"][0]["field"], field, "{body}");
        }
    }
    let garbage = app
        .client
        .post(app.url(&ws(&a, &format!("/channels/{channel}/inbound"))))
        .bearer_auth(&key)
        .header("content-type", "application/json")
        .body("{\"platform_message_id\": \"m1\", ")
        .send()
        .await
        .unwrap();
    assert_problem(garbage, 400, "malformed_json").await;
    assert_eq!(counts(&app, &a).await, (0, 0, 0));
    // After all that, the good message is still new.
    pushed(&app, &a, &key, &channel, good).await;
}

#[tokio::test]
async fn only_the_ingest_scope_owners_and_admins_may_push() {
    let app = TestApp::spawn().await;
    let a = app.tenant("Acme").await;
    let channel = app.api_channel(&a).await;
    let (_, reader) = app
        .api_key(
            &a,
            &[
                "conversations:read",
                "conversations:write",
                "contacts:write",
            ],
        )
        .await;
    assert_problem(
        app.push(&a, &reader, &channel, message("m1", "ada", "hi"))
            .await,
        403,
        "forbidden",
    )
    .await;
    for role in ["agent", "supervisor", "viewer"] {
        let (_, token) = app.member_with_role(&a, role).await;
        assert_problem(
            app.push(&a, &token, &channel, message("m1", "ada", "hi"))
                .await,
            403,
            "forbidden",
        )
        .await;
    }
    assert_eq!(counts(&app, &a).await, (0, 0, 0));
    let (_, admin) = app.member_with_role(&a, "admin").await;
    pushed(&app, &a, &admin, &channel, message("m1", "ada", "hi")).await;
    pushed(
        &app,
        &a,
        &a.token,
        &channel,
        message("m2", "ada", "hi again"),
    )
    .await;
    let key = ingest_key(&app, &a).await;
    pushed(&app, &a, &key, &channel, message("m3", "ada", "and again")).await;
    let unauthenticated = app
        .request(
            Method::POST,
            &ws(&a, &format!("/channels/{channel}/inbound")),
            None,
            Some(message("m4", "ada", "anonymous")),
        )
        .await;
    assert_eq!(unauthenticated.status(), 401);
    assert_eq!(counts(&app, &a).await, (1, 1, 3));
}

#[tokio::test]
async fn another_workspaces_key_cannot_push_into_a_channel_and_gets_404() {
    let (app, a, b) = TestApp::two_workspaces().await;
    let channel = app.api_channel(&a).await;
    let b_key = ingest_key(&app, &b).await;
    let a_key = ingest_key(&app, &a).await;
    pushed(&app, &a, &a_key, &channel, message("m0", "ada", "hi")).await;
    for tenant in [&a, &b] {
        for token in [b_key.as_str(), b.token.as_str()] {
            assert_problem(
                app.push(
                    tenant,
                    token,
                    &channel,
                    message("m1", "mallory", "injected"),
                )
                .await,
                404,
                "not_found",
            )
            .await;
            // Not even a duplicate of a stored message is confirmed.
            assert_problem(
                app.push(tenant, token, &channel, message("m0", "ada", "hi"))
                    .await,
                404,
                "not_found",
            )
            .await;
        }
    }
    let random = uuid::Uuid::now_v7();
    assert_problem(
        app.push(&a, &a_key, &random.to_string(), message("m1", "ada", "hi"))
            .await,
        404,
        "not_found",
    )
    .await;
    assert_eq!(counts(&app, &a).await, (1, 1, 1));
    assert_eq!(counts(&app, &b).await, (0, 0, 0));
}

// ---------------------------------------------------------------- status rules

#[tokio::test]
async fn a_customer_message_reopens_pending_and_snoozed_conversations() {
    let app = TestApp::spawn().await;
    let a = app.tenant("Acme").await;
    let channel = app.api_channel(&a).await;
    let key = ingest_key(&app, &a).await;
    let first = pushed(&app, &a, &key, &channel, message("m1", "ada", "hi")).await;
    let id = str_of(&first["conversation"]["id"]);
    let pending = patch_conversation(&app, &a, &id, json!({ "status": "pending" })).await;
    assert_eq!(pending["status"], "pending");
    let answer = pushed(
        &app,
        &a,
        &key,
        &channel,
        message("m2", "ada", "here is my order number"),
    )
    .await;
    assert_eq!(answer["conversation"]["id"], id.as_str());
    assert_eq!(answer["conversation"]["status"], "open");
    let until = (Utc::now() + Duration::hours(3)).to_rfc3339();
    let snoozed = patch_conversation(
        &app,
        &a,
        &id,
        json!({ "status": "snoozed", "snoozed_until": until }),
    )
    .await;
    assert_eq!(snoozed["status"], "snoozed");
    let answer = pushed(&app, &a, &key, &channel, message("m3", "ada", "any news?")).await;
    assert_eq!(answer["conversation"]["id"], id.as_str());
    assert_eq!(answer["conversation"]["status"], "open");
    assert_eq!(answer["conversation"]["snoozed_until"], Value::Null);
    let read = conversation(&app, &a, &id).await;
    assert_eq!(read["status"], "open");
    assert_eq!(read["message_count"], 3);
    assert_eq!(counts(&app, &a).await.1, 1);
    // Each re-opening is in the audit log, from pending and from snoozed, by the key.
    let log = json_of(
        app.get(&ws(&a, "/audit-log?action=conversation.reopened"), &a.token)
            .await,
        200,
    )
    .await;
    let entries = log["items"].as_array().unwrap();
    let mut from: Vec<&str> = entries
        .iter()
        .map(|e| e["details"]["from"].as_str().unwrap())
        .collect();
    from.sort_unstable();
    assert_eq!(from, ["pending", "snoozed"]);
    for entry in entries {
        assert_eq!(entry["target_id"], id.as_str());
        assert_eq!(entry["actor"]["kind"], "api_key", "{entry}");
    }
}

#[tokio::test]
async fn a_resolved_conversation_reopens_inside_the_window_and_starts_anew_after_it() {
    let app = TestApp::spawn().await;
    let a = app.tenant("Acme").await;
    let channel = app.api_channel(&a).await;
    let key = ingest_key(&app, &a).await;
    let first = pushed(&app, &a, &key, &channel, message("m1", "ada", "hi")).await;
    let id = str_of(&first["conversation"]["id"]);
    patch_conversation(&app, &a, &id, json!({ "status": "resolved" })).await;
    let inside = pushed(
        &app,
        &a,
        &key,
        &channel,
        message("m2", "ada", "one more thing"),
    )
    .await;
    assert_eq!(
        inside["conversation"]["id"],
        id.as_str(),
        "inside the 7-day window"
    );
    assert_eq!(inside["conversation"]["status"], "open");

    let workspace = json_of(
        app.patch(&ws(&a, ""), &a.token, json!({ "reopen_window_secs": 1 }))
            .await,
        200,
    )
    .await;
    assert_eq!(workspace["settings"]["reopen_window_secs"], 1);
    patch_conversation(&app, &a, &id, json!({ "status": "resolved" })).await;
    tokio::time::sleep(std::time::Duration::from_millis(2_100)).await;
    let after = pushed(
        &app,
        &a,
        &key,
        &channel,
        message("m3", "ada", "it broke again"),
    )
    .await;
    let new_id = str_of(&after["conversation"]["id"]);
    assert_ne!(new_id, id, "after the window a new conversation starts");
    assert_eq!(after["conversation"]["status"], "open");
    assert_eq!(after["conversation"]["message_count"], 1);
    assert_eq!(conversation(&app, &a, &id).await["status"], "resolved");
    let next = pushed(&app, &a, &key, &channel, message("m4", "ada", "hello?")).await;
    assert_eq!(
        next["conversation"]["id"],
        new_id.as_str(),
        "and is the one to join"
    );
    assert_eq!(counts(&app, &a).await, (1, 2, 4));
}

#[tokio::test]
async fn a_closed_conversation_is_never_reopened() {
    let app = TestApp::spawn().await;
    let a = app.tenant("Acme").await;
    let channel = app.api_channel(&a).await;
    let key = ingest_key(&app, &a).await;
    let first = pushed(&app, &a, &key, &channel, message("m1", "ada", "hi")).await;
    let id = str_of(&first["conversation"]["id"]);
    patch_conversation(&app, &a, &id, json!({ "status": "closed" })).await;
    let later = pushed(
        &app,
        &a,
        &key,
        &channel,
        message("m2", "ada", "hello again"),
    )
    .await;
    let new_id = str_of(&later["conversation"]["id"]);
    assert_ne!(new_id, id);
    assert_eq!(conversation(&app, &a, &id).await["status"], "closed");
    let again = pushed(
        &app,
        &a,
        &key,
        &channel,
        message("m3", "ada", "still there?"),
    )
    .await;
    assert_eq!(again["conversation"]["id"], new_id.as_str());
    assert_eq!(counts(&app, &a).await, (1, 2, 3));
}

#[tokio::test]
async fn replies_to_a_closed_thread_gather_in_one_new_conversation() {
    let app = TestApp::spawn().await;
    let a = app.tenant("Acme").await;
    let channel = app.api_channel(&a).await;
    let key = ingest_key(&app, &a).await;
    let root = pushed(
        &app,
        &a,
        &key,
        &channel,
        post("p1", "ada", "@Brand help", None, None),
    )
    .await;
    let closed = str_of(&root["conversation"]["id"]);
    patch_conversation(&app, &a, &closed, json!({ "status": "closed" })).await;
    let first = pushed(
        &app,
        &a,
        &key,
        &channel,
        post("p2", "ada", "it is back", Some("p1"), None),
    )
    .await;
    let renewed = str_of(&first["conversation"]["id"]);
    assert_ne!(renewed, closed);
    assert_eq!(first["conversation"]["thread_key"], "p1");
    let second = pushed(
        &app,
        &a,
        &key,
        &channel,
        post("p3", "ada", "and worse", Some("p1"), None),
    )
    .await;
    assert_eq!(second["conversation"]["id"], renewed.as_str());
    let nested = pushed(
        &app,
        &a,
        &key,
        &channel,
        post("p4", "ada", "hello??", Some("p2"), None),
    )
    .await;
    assert_eq!(nested["conversation"]["id"], renewed.as_str());
    assert_eq!(counts(&app, &a).await, (1, 2, 4));
}

// ---------------------------------------------------------------- signals

#[tokio::test]
async fn an_angry_public_post_from_a_big_account_is_urgent_and_a_thank_you_makes_an_advocate() {
    let app = TestApp::spawn().await;
    let a = app.tenant("Acme").await;
    let channel = app.api_channel(&a).await;
    let key = ingest_key(&app, &a).await;
    let angry = pushed(
        &app,
        &a,
        &key,
        &channel,
        post("p1", "loud", OUTAGE, None, Some(50_000)),
    )
    .await;
    let c = &angry["conversation"];
    assert_eq!(c["priority"], "urgent");
    assert_eq!(c["priority_auto"], true);
    assert_eq!(c["label"], "adversary");
    assert!(c["sentiment"].as_f64().unwrap() < -0.3, "{c}");
    let influence = c["influence"].as_f64().unwrap();
    assert!(influence > 0.7, "{c}");
    assert!(angry["message"]["sentiment"].as_f64().unwrap() < 0.0);
    let id = str_of(&c["id"]);
    let urgent = json_of(
        app.get(
            &ws(&a, "/conversations?priority=urgent&label=adversary"),
            &a.token,
        )
        .await,
        200,
    )
    .await;
    assert_eq!(urgent["items"][0]["id"], id.as_str());

    // The platform does not repeat the follower count on every message.
    let thanks = pushed(
        &app,
        &a,
        &key,
        &channel,
        post("p2", "loud", "thanks, that fixed it!", Some("p1"), None),
    )
    .await;
    let c = &thanks["conversation"];
    assert_eq!(c["id"], id.as_str());
    assert_eq!(c["label"], "advocate", "{c}");
    assert!(c["sentiment"].as_f64().unwrap() > 0.0, "{c}");
    assert_eq!(
        c["influence"].as_f64().unwrap(),
        influence,
        "reach is the author's, remembered"
    );
    assert_eq!(
        c["priority"], "urgent",
        "an automatic priority does not drop on its own"
    );
    assert_eq!(conversation(&app, &a, &id).await["label"], "advocate");
}

#[tokio::test]
async fn a_priority_set_by_a_person_is_not_changed_by_later_messages() {
    let app = TestApp::spawn().await;
    let a = app.tenant("Acme").await;
    let channel = app.api_channel(&a).await;
    let key = ingest_key(&app, &a).await;
    let first = pushed(
        &app,
        &a,
        &key,
        &channel,
        post(
            "p1",
            "loud",
            "@Brand quick question about plans",
            None,
            Some(50_000),
        ),
    )
    .await;
    let id = str_of(&first["conversation"]["id"]);
    assert_eq!(first["conversation"]["priority"], "normal");
    let set = patch_conversation(&app, &a, &id, json!({ "priority": "low" })).await;
    assert_eq!(set["priority"], "low");
    assert_eq!(set["priority_auto"], false);
    let angry = pushed(
        &app,
        &a,
        &key,
        &channel,
        post("p2", "loud", OUTAGE, Some("p1"), Some(50_000)),
    )
    .await;
    assert_eq!(angry["conversation"]["id"], id.as_str());
    assert_eq!(angry["conversation"]["priority"], "low");
    assert_eq!(angry["conversation"]["priority_auto"], false);
    assert_eq!(
        angry["conversation"]["label"], "adversary",
        "the label still follows"
    );
    assert_eq!(conversation(&app, &a, &id).await["priority"], "low");
}

#[tokio::test]
async fn praise_in_a_dm_stays_low_or_normal() {
    let app = TestApp::spawn().await;
    let a = app.tenant("Acme").await;
    let channel = app.api_channel(&a).await;
    let key = ingest_key(&app, &a).await;
    let mut body = message(
        "d1",
        "fan",
        "You are amazing, thank you so much for the quick help! 😍",
    );
    body["author"]["follower_count"] = json!(2_000_000);
    body["author"]["verified"] = json!(true);
    let praise = pushed(&app, &a, &key, &channel, body).await;
    let c = &praise["conversation"];
    assert!(c["priority"] == "low" || c["priority"] == "normal", "{c}");
    assert_eq!(c["label"], "advocate");
    assert!(c["sentiment"].as_f64().unwrap() > 0.3, "{c}");
}

#[tokio::test]
async fn a_renamed_author_is_found_by_the_new_handle_and_keeps_what_was_known() {
    let app = TestApp::spawn().await;
    let a = app.tenant("Acme").await;
    let channel = app.api_channel(&a).await;
    let key = ingest_key(&app, &a).await;
    let mut first = message("m1", "ada", "hello");
    first["author"]["verified"] = json!(true);
    first["author"]["follower_count"] = json!(9_000);
    let outcome = pushed(&app, &a, &key, &channel, first).await;
    let id = str_of(&outcome["conversation"]["id"]);
    let renamed = json!({
        "platform_message_id": "m2",
        "author": { "platform_user_id": "ada", "handle": "@countess_of_lovelace" },
        "text": "new handle, same me",
    });
    let later = pushed(&app, &a, &key, &channel, renamed).await;
    let contact = &later["conversation"]["contact"];
    assert_eq!(contact["handle"], "@countess_of_lovelace");
    assert_eq!(
        contact["verified"], true,
        "an absent flag keeps what was known"
    );
    assert_eq!(contact["follower_count"], 9_000);
    assert_eq!(contact["avatar_url"], "https://cdn.example.com/ada.png");
    let found = json_of(
        app.get(&ws(&a, "/conversations?q=countess_of_lovelace"), &a.token)
            .await,
        200,
    )
    .await;
    assert_eq!(found["items"][0]["id"], id.as_str());
}

#[tokio::test]
async fn a_message_from_the_future_is_dated_now() {
    let app = TestApp::spawn().await;
    let a = app.tenant("Acme").await;
    let channel = app.api_channel(&a).await;
    let key = ingest_key(&app, &a).await;
    let mut body = message("m1", "ada", "hello from tomorrow");
    body["timestamp"] = json!((Utc::now() + Duration::days(1)).to_rfc3339());
    let outcome = pushed(&app, &a, &key, &channel, body).await;
    let sent_at: chrono::DateTime<Utc> = outcome["message"]["sent_at"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(sent_at <= Utc::now());
}

#[tokio::test]
async fn deleting_a_channel_deletes_its_conversations_but_keeps_the_contacts() {
    let app = TestApp::spawn().await;
    let a = app.tenant("Acme").await;
    let channel = app.api_channel(&a).await;
    let key = ingest_key(&app, &a).await;
    let outcome = pushed(&app, &a, &key, &channel, message("m1", "ada", "hello")).await;
    let conversation_id = str_of(&outcome["conversation"]["id"]);
    assert_eq!(
        app.delete(&ws(&a, &format!("/channels/{channel}")), &a.token)
            .await
            .status(),
        204
    );
    assert_problem(
        app.get(
            &ws(&a, &format!("/conversations/{conversation_id}")),
            &a.token,
        )
        .await,
        404,
        "not_found",
    )
    .await;
    assert_problem(
        app.push(&a, &key, &channel, message("m2", "ada", "hello?"))
            .await,
        404,
        "not_found",
    )
    .await;
    let search = json_of(
        app.get(&ws(&a, "/conversations?q=hello"), &a.token).await,
        200,
    )
    .await;
    assert_eq!(search["items"], json!([]));
    assert_eq!(counts(&app, &a).await, (1, 0, 0));
}
