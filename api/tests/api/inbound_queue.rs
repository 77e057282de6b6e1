//! The inbound queue spreads logged deliveries over the workers fairly and loses none: a
//! brand's storm does not hold back another brand's customer, a worker process killed
//! mid-stream leaves nothing lost or applied twice, and deliveries whose queue entries
//! Redis lost are swept from the log.

#![expect(clippy::unwrap_used, reason = "test helpers")]

use std::collections::HashSet;
use std::process::{Child, Command};
use std::time::Duration as StdDuration;

use chrono::{Duration, Utc};
use earshot_testkit::{Tenant, TestApp};
use earshot_worker::Consumer;
use reqwest::StatusCode;
use serde_json::{Value, json};

async fn push_async(app: &TestApp, t: &Tenant, key: &str, channel: &str, n: usize) {
    let body = json!({ "platform_message_id": format!("m-{n}"), "text": "The app is down!",
        "author": { "platform_user_id": format!("u-{n}") } });
    app.push_async(t, key, channel, body).await;
}

/// A tenant with an `api` channel and a key that pushes into it.
async fn brand(app: &TestApp, name: &str) -> (Tenant, String, String) {
    let t = app.tenant(name).await;
    let channel = app.api_channel(&t).await;
    let key = app.api_key(&t, &["messages:ingest"]).await.1;
    (t, channel, key)
}

/// The platform ids of the customers' messages stored, one per `message.created` event.
async fn stored(app: &TestApp, t: &Tenant) -> Vec<String> {
    app.outbox()
        .await
        .into_iter()
        .filter(|row| row.event_type == "message.created")
        .map(|row| row.payload)
        .filter(|payload| payload.to_string().contains(&t.workspace_id))
        .map(|payload| platform_id(&payload))
        .collect()
}

fn platform_id(payload: &Value) -> String {
    let message = &payload["data"]["message"];
    message["platform_message_id"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

async fn inbound_turn(app: &TestApp, at: chrono::DateTime<Utc>) -> usize {
    Consumer::Inbound.run_once(&app.core, at).await.unwrap()
}

#[tokio::test]
async fn a_storm_in_one_workspace_does_not_hold_back_another() {
    let app = TestApp::spawn_stepped().await;
    let (storm, storm_channel, storm_key) = brand(&app, "Outage Inc").await;
    let (quiet, quiet_channel, quiet_key) = brand(&app, "Quiet Ltd").await;
    for n in 0..250 {
        push_async(&app, &storm, &storm_key, &storm_channel, n).await;
    }
    push_async(&app, &quiet, &quiet_key, &quiet_channel, 0).await;

    inbound_turn(&app, Utc::now()).await;
    assert_eq!(stored(&app, &quiet).await, vec!["m-0".to_owned()]);
    let first = stored(&app, &storm).await.len();
    assert!(first < 250, "the storm shares the turn: {first} stored");

    while inbound_turn(&app, Utc::now()).await > 0 {}
    let all = stored(&app, &storm).await;
    assert_eq!(all.len(), 250);
    assert_eq!(all.iter().collect::<HashSet<_>>().len(), 250);
}

/// Deletes every Redis key of the app's deployment, as `FLUSHALL` would.
fn flush_redis(app: &TestApp) {
    let url = std::env::var("TEST_REDIS_URL").unwrap();
    let mut conn = redis::Client::open(url).unwrap().get_connection().unwrap();
    let pattern = format!("{}*", app.core.config().redis_prefix);
    let keys: Vec<String> = redis::cmd("KEYS").arg(pattern).query(&mut conn).unwrap();
    assert!(!keys.is_empty(), "the queue lives in Redis");
    for key in keys {
        let _: () = redis::cmd("DEL").arg(key).query(&mut conn).unwrap();
    }
}

#[tokio::test]
async fn deliveries_whose_entries_redis_lost_are_swept_from_the_log() {
    if std::env::var("TEST_REDIS_URL").is_err() {
        return;
    }
    let app = TestApp::spawn_stepped().await;
    let (t, channel, key) = brand(&app, "Acme").await;
    for n in 0..20 {
        push_async(&app, &t, &key, &channel, n).await;
    }
    assert_eq!(inbound_turn(&app, Utc::now()).await, 20);
    for n in 20..40 {
        push_async(&app, &t, &key, &channel, n).await;
    }
    flush_redis(&app);
    for n in 40..60 {
        push_async(&app, &t, &key, &channel, n).await;
    }
    assert_eq!(
        inbound_turn(&app, Utc::now()).await,
        20,
        "what was queued after the flush"
    );
    assert_eq!(stored(&app, &t).await.len(), 40);

    let later = Utc::now() + Duration::seconds(30);
    assert_eq!(inbound_turn(&app, later).await, 20, "the sweep");
    let all = stored(&app, &t).await;
    assert_eq!(all.iter().collect::<HashSet<_>>().len(), 60);
    assert_eq!(all.len(), 60, "each once");
}

/// `earshot worker` as its own process, on the app's database, Redis and keys.
fn worker_process(app: &TestApp) -> Child {
    let config = app.core.config();
    Command::new(env!("CARGO_BIN_EXE_earshot"))
        .arg("worker")
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("DATABASE_URL", &config.database.url)
        .env("EARSHOT_DATABASE_MAX_CONNECTIONS", "3")
        .env("REDIS_URL", std::env::var("TEST_REDIS_URL").unwrap())
        .env("EARSHOT_REDIS_PREFIX", &config.redis_prefix)
        .env("EARSHOT_DATA_DIR", &config.data_dir)
        .env("EARSHOT_MIGRATE_ON_START", "false")
        .env("EARSHOT_BOOTSTRAP_DEMO", "false")
        .env("EARSHOT_LOG_FILTER", "warn")
        .spawn()
        .unwrap()
}

#[tokio::test]
async fn a_worker_killed_mid_stream_loses_nothing_and_applies_nothing_twice() {
    if std::env::var("TEST_DATABASE_URL").is_err() || std::env::var("TEST_REDIS_URL").is_err() {
        // A worker process of its own runs beside the API on PostgreSQL and Redis.
        return;
    }
    const TOTAL: usize = 300;
    let app = TestApp::spawn_stepped().await;
    let (t, channel, key) = brand(&app, "Acme").await;
    let mut worker = worker_process(&app);

    let sender = {
        let (app_url, client) = (app.address.clone(), app.client.clone());
        let path = format!(
            "{app_url}/v1/workspaces/{}/channels/{channel}/inbound",
            t.workspace_id
        );
        tokio::spawn(async move {
            for n in 0..TOTAL {
                let body = json!({ "platform_message_id": format!("m-{n}"), "text": "down?",
                    "author": { "platform_user_id": format!("u-{n}") } });
                let response = client
                    .post(&path)
                    .bearer_auth(&key)
                    .header("Prefer", "respond-async")
                    .json(&body)
                    .send()
                    .await
                    .unwrap();
                assert_eq!(response.status(), StatusCode::ACCEPTED);
                tokio::time::sleep(StdDuration::from_millis(2)).await;
            }
        })
    };

    let deadline = std::time::Instant::now() + StdDuration::from_secs(60);
    let mut at_kill = 0;
    while at_kill < 30 {
        assert!(
            std::time::Instant::now() < deadline,
            "the worker stored nothing"
        );
        tokio::time::sleep(StdDuration::from_millis(20)).await;
        at_kill = stored(&app, &t).await.len();
    }
    worker.kill().unwrap(); // SIGKILL
    worker.wait().unwrap();
    sender.await.unwrap();
    assert!(at_kill < TOTAL, "killed mid-stream");

    // Another worker takes over once the dead one's leases have run out.
    let later = Utc::now() + Duration::minutes(2);
    while inbound_turn(&app, later).await > 0 {}
    let all = stored(&app, &t).await;
    let distinct: HashSet<&String> = all.iter().collect();
    assert_eq!(distinct.len(), TOTAL, "no delivery lost");
    assert_eq!(all.len(), TOTAL, "none applied twice");
}
