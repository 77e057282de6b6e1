//! Snoozed conversations wake at their wake time, once, in every workspace.
#![expect(
    clippy::panic,
    reason = "test helpers fail the test at once on an unexpected answer"
)]

use chrono::{DateTime, Duration, Utc};
use earshot_testkit::{Tenant, TestApp, str_of};
use earshot_worker::run_once_at;
use reqwest::Response;
use serde_json::{Value, json};

/// Asserts the status of an answer and returns its JSON body.
async fn ok(response: Response, status: u16) -> Value {
    let actual = response.status().as_u16();
    let body: Value = response.json().await.unwrap_or(Value::Null);
    assert_eq!(actual, status, "{body}");
    body
}

/// A customer message from `user` pushed into an `api` channel; returns the conversation id.
async fn customer_writes(
    app: &TestApp,
    t: &Tenant,
    channel: &str,
    key: &str,
    user: &str,
) -> String {
    let body = json!({
        "platform_message_id": uuid::Uuid::new_v4().to_string(),
        "author": { "platform_user_id": format!("id-{user}"), "handle": format!("@{user}") },
        "text": "Any news on my refund?",
        "visibility": "private",
    });
    let ingested = ok(app.push(t, key, channel, body).await, 201).await;
    str_of(&ingested["conversation"]["id"])
}

/// A workspace with an `api` channel and one conversation snoozed until `until`.
struct Snoozed {
    t: Tenant,
    channel: String,
    key: String,
    id: String,
}

impl Snoozed {
    async fn start(app: &TestApp, name: &str, until: DateTime<Utc>) -> Snoozed {
        let t = app.tenant(name).await;
        let channel = app.api_channel(&t).await;
        let (_, key) = app.api_key(&t, &["messages:ingest"]).await;
        let id = customer_writes(app, &t, &channel, &key, "ada").await;
        let snoozed = Snoozed {
            t,
            channel,
            key,
            id,
        };
        let body = json!({ "status": "snoozed", "snoozed_until": until });
        ok(snoozed.patch(app, body).await, 200).await;
        snoozed
    }

    fn path(&self) -> String {
        format!(
            "/v1/workspaces/{}/conversations/{}",
            self.t.workspace_id, self.id
        )
    }

    async fn patch(&self, app: &TestApp, body: Value) -> Response {
        app.patch(&self.path(), &self.t.token, body).await
    }

    async fn read(&self, app: &TestApp) -> Value {
        ok(app.get(&self.path(), &self.t.token).await, 200).await
    }

    /// The workspace's audit entries for conversation changes, newest first.
    async fn updates(&self, app: &TestApp) -> Vec<Value> {
        let path = format!(
            "/v1/workspaces/{}/audit-log?action=conversation.updated",
            self.t.workspace_id
        );
        let page = ok(app.get(&path, &self.t.token).await, 200).await;
        page["items"].as_array().cloned().unwrap_or_default()
    }
}

async fn woken_at(app: &TestApp, at: DateTime<Utc>) -> usize {
    match run_once_at(&app.core, at).await {
        Ok(outcome) => outcome.conversations_woken,
        Err(err) => panic!("worker pass failed: {err}"),
    }
}

#[tokio::test]
async fn a_snoozed_conversation_reopens_when_its_wake_time_comes_and_only_then() {
    let app = TestApp::spawn_stepped().await;
    let wake = Utc::now() + Duration::hours(1);
    let s = Snoozed::start(&app, "Acme", wake).await;

    assert_eq!(woken_at(&app, wake - Duration::minutes(1)).await, 0);
    assert_eq!(s.read(&app).await["status"], "snoozed");

    assert_eq!(woken_at(&app, wake).await, 1);
    let read = s.read(&app).await;
    assert_eq!(read["status"], "open", "{read}");
    assert!(read["snoozed_until"].is_null(), "{read}");

    // The wake-up is recorded as Earshot's own change.
    let updates = s.updates(&app).await;
    assert_eq!(updates[0]["actor"]["kind"], "system", "{updates:?}");
    assert!(updates[0]["actor"]["id"].is_null());
    assert_eq!(updates[0]["details"]["status"], "open");

    // A late or repeated sweep changes nothing more.
    let recorded = updates.len();
    assert_eq!(woken_at(&app, wake + Duration::hours(3)).await, 0);
    assert_eq!(s.updates(&app).await.len(), recorded);
}

#[tokio::test]
async fn a_conversation_changed_before_its_wake_time_is_left_as_it_is() {
    let app = TestApp::spawn_stepped().await;
    let wake = Utc::now() + Duration::hours(1);

    // Snoozed for longer: the first wake time passes without waking it.
    let longer = Snoozed::start(&app, "Acme", wake).await;
    let later = wake + Duration::hours(4);
    let body = json!({ "snoozed_until": later });
    ok(longer.patch(&app, body).await, 200).await;

    // The customer wrote back: it re-opened, then a colleague set it pending.
    let answered = Snoozed::start(&app, "Globex", wake).await;
    customer_writes(&app, &answered.t, &answered.channel, &answered.key, "ada").await;
    assert_eq!(answered.read(&app).await["status"], "open");
    let body = json!({ "status": "pending" });
    ok(answered.patch(&app, body).await, 200).await;

    assert_eq!(woken_at(&app, wake + Duration::minutes(5)).await, 0);
    assert_eq!(longer.read(&app).await["status"], "snoozed");
    assert_eq!(answered.read(&app).await["status"], "pending");

    assert_eq!(woken_at(&app, later).await, 1);
    assert_eq!(longer.read(&app).await["status"], "open");
}

#[tokio::test]
async fn one_sweep_wakes_every_workspace_and_each_records_only_its_own() {
    let app = TestApp::spawn_stepped().await;
    let wake = Utc::now() + Duration::minutes(30);
    let a = Snoozed::start(&app, "Acme", wake).await;
    let b = Snoozed::start(&app, "Globex", wake + Duration::minutes(1)).await;

    assert_eq!(woken_at(&app, wake + Duration::minutes(2)).await, 2);
    for (mine, other) in [(&a, &b), (&b, &a)] {
        assert_eq!(mine.read(&app).await["status"], "open");
        let targets: Vec<String> = mine
            .updates(&app)
            .await
            .iter()
            .map(|e| str_of(&e["target_id"]))
            .collect();
        assert!(targets.contains(&mine.id), "{targets:?}");
        assert!(!targets.contains(&other.id), "{targets:?}");
    }
}

#[tokio::test]
async fn operators_see_wake_ups_counted_on_metrics() {
    let app = TestApp::spawn_stepped().await;
    let wake = Utc::now() + Duration::minutes(10);
    Snoozed::start(&app, "Acme", wake).await;
    assert_eq!(woken_at(&app, wake).await, 1);
    let count = app.metric("earshot_worker_conversations_woken_total").await;
    assert!(count >= 1.0, "woken {count}");
}

/// When the audit log says the conversation re-opened.
async fn reopened_at(s: &Snoozed, app: &TestApp) -> Option<DateTime<Utc>> {
    let updates = s.updates(app).await;
    let entry = updates.iter().find(|e| e["details"]["status"] == "open")?;
    serde_json::from_value(entry["created_at"].clone()).ok()
}

#[tokio::test]
async fn a_running_worker_wakes_a_conversation_within_a_second_of_its_time() {
    let app = TestApp::spawn_stepped().await;
    let wake = Utc::now() + Duration::milliseconds(1_500);
    let s = Snoozed::start(&app, "Acme", wake).await;
    let worker = tokio::spawn(earshot_worker::Consumer::WakeUps.run(app.core.clone()));

    let mut reopened = None;
    for _ in 0..200 {
        reopened = reopened_at(&s, &app).await;
        if reopened.is_some() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let Some(reopened) = reopened else {
        let failures = "earshot_worker_consumer_failures_total{consumer=\"wake_ups\"}";
        let direct = earshot_worker::Consumer::WakeUps
            .run_once(&app.core, Utc::now())
            .await;
        panic!(
            "not woken within 10 s: {} ({} failed turns); a direct turn: {direct:?}; finished: {}",
            s.read(&app).await,
            app.metric(failures).await,
            worker.is_finished()
        );
    };
    worker.abort();
    assert!(reopened >= wake, "woke early: {reopened} before {wake}");
    let late = reopened - wake;
    assert!(late < Duration::seconds(1), "woke {late} late");
    assert_eq!(s.read(&app).await["status"], "open");
}

#[tokio::test]
async fn an_idle_worker_waits_on_its_index_not_on_the_database() {
    let app = TestApp::spawn_stepped().await;
    Snoozed::start(&app, "Acme", Utc::now() + Duration::hours(1)).await;
    let worker = tokio::spawn(earshot_worker::Consumer::WakeUps.run(app.core.clone()));
    // Snoozing indexed the wake time; the first turn finds nothing due.
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let before = app.core.db_statements();
    tokio::time::sleep(std::time::Duration::from_secs(1)).await;
    let during = app.core.db_statements() - before;
    worker.abort();
    assert_eq!(during, 0, "statements while nothing was due");
}

/// On PostgreSQL + Redis only (the in-process index lives and dies with its process, and
/// the worker with it): Redis's address, a stepped app and a conversation snoozed for ten
/// minutes.
async fn snoozed_with_redis() -> Option<(String, TestApp, DateTime<Utc>, Snoozed)> {
    let url = std::env::var("TEST_REDIS_URL").ok()?;
    std::env::var("TEST_DATABASE_URL").ok()?;
    let app = TestApp::spawn_stepped().await;
    let wake = Utc::now() + Duration::minutes(10);
    let s = Snoozed::start(&app, "Acme", wake).await;
    Some((url, app, wake, s))
}

#[tokio::test]
async fn a_lost_index_is_rebuilt_from_the_database_when_a_worker_starts() {
    let Some((url, app, wake, s)) = snoozed_with_redis().await else {
        return;
    };
    assert!(
        crate::wake_index::lose(&app, &url) > 0,
        "the snooze was indexed in Redis"
    );

    // A worker starting now re-indexes what the database holds, and wakes it on time.
    let restarted = app.sibling().await;
    assert_eq!(woken_at(&restarted, wake).await, 1);
    assert_eq!(s.read(&app).await["status"], "open");
}

async fn reindexed_at(app: &TestApp, at: DateTime<Utc>) -> usize {
    match run_once_at(&app.core, at).await {
        Ok(outcome) => outcome.wake_ups_reindexed,
        Err(err) => panic!("worker pass failed: {err}"),
    }
}

#[tokio::test]
async fn a_running_worker_refills_a_lost_index_at_once_and_leaves_a_whole_one_alone() {
    let Some((url, app, wake, s)) = snoozed_with_redis().await else {
        return;
    };
    let now = Utc::now();

    assert!(
        reindexed_at(&app, now).await >= 1,
        "a worker sweeps when it starts"
    );
    assert_eq!(
        reindexed_at(&app, now).await,
        0,
        "a whole index is left alone"
    );
    assert!(
        crate::wake_index::lose(&app, &url) > 0,
        "the snooze was indexed"
    );
    assert!(
        reindexed_at(&app, now).await >= 1,
        "the same worker refills a lost index at its next turn"
    );
    assert_eq!(woken_at(&app, wake).await, 1);
    assert_eq!(s.read(&app).await["status"], "open");
}
