//! Degrading clearly: when the database cannot be reached every route answers `503`
//! problem+json with `Retry-After` within about two seconds, `/readyz` names the dependency,
//! `/healthz` stays up, nothing half-done is stored, and service resumes by itself once the
//! database is back — on SQLite (the file locked or removed) and on a PostgreSQL server of
//! the test's own (stopped, killed with `SIGKILL`, connections refused).
#![expect(
    clippy::unwrap_used,
    reason = "test helpers fail the test at once on an unexpected answer"
)]

use std::path::PathBuf;
use std::time::{Duration, Instant};

use earshot_testkit::servers::{OwnPostgres, Proxy};
use earshot_testkit::{Tenant, TestApp, str_of};
use reqwest::Method;
use serde_json::{Value, json};

/// A bound that tells "answered" from "hung": the configured wait is two seconds.
const ANSWERED_WITHIN: Duration = Duration::from_secs(6);

fn teams(t: &Tenant) -> String {
    format!("/v1/workspaces/{}/teams", t.workspace_id)
}

fn on_sqlite() -> bool {
    std::env::var("TEST_DATABASE_URL").is_err()
}

/// A Telegram channel's webhook, and a delivery signed for it.
async fn telegram_hook(app: &TestApp, t: &Tenant) -> String {
    let path = format!("/v1/workspaces/{}/channels", t.workspace_id);
    let body = json!({ "kind": "telegram", "name": "Bot",
        "credentials": { "bot_token": "1:A", "secret_token": "hook-secret" } });
    let created: Value = app.post(&path, &t.token, body).await.json().await.unwrap();
    format!("/v1/hooks/telegram/{}", str_of(&created["id"]))
}

/// A platform's delivery to the hook: what an outage must answer `503`, so it retries.
async fn delivered(app: &TestApp, hook: &str, update_id: u64) -> reqwest::Response {
    app.client
        .post(app.url(hook))
        .header("x-telegram-bot-api-secret-token", "hook-secret")
        .json(&json!({ "update_id": update_id, "message": { "text": "hello?" } }))
        .send()
        .await
        .unwrap()
}

/// Every kind of route refuses alike while the database is away, the platforms' hooks too.
async fn assert_unavailable(app: &TestApp, t: &Tenant, hook: &str) {
    let started = Instant::now();
    let refused = delivered(app, hook, 2).await;
    assert!(
        started.elapsed() < ANSWERED_WITHIN,
        "the hook answered after {:?}",
        started.elapsed()
    );
    assert_eq!(refused.status(), 503, "{hook}");
    assert!(refused.headers().contains_key("retry-after"));
    let calls = [
        (Method::GET, teams(t), None),
        (
            Method::POST,
            teams(t),
            Some(json!({ "name": "During the outage" })),
        ),
        (Method::GET, "/v1/me".to_owned(), None),
        (
            Method::GET,
            format!("/v1/workspaces/{}/conversations?q=refund", t.workspace_id),
            None,
        ),
    ];
    for (method, path, body) in calls {
        let started = Instant::now();
        let response = app
            .request(method.clone(), &path, Some(&t.token), body)
            .await;
        let took = started.elapsed();
        let status = response.status().as_u16();
        let retry_after = response.headers().get("retry-after").cloned();
        let content_type = response.headers().get("content-type").cloned();
        let problem: Value = response.json().await.unwrap_or(Value::Null);
        assert_eq!(status, 503, "{method} {path}: {problem}");
        assert_eq!(problem["code"], "unavailable", "{method} {path}");
        assert!(retry_after.is_some(), "{method} {path}: no Retry-After");
        assert_eq!(content_type.unwrap(), "application/problem+json");
        assert!(
            took < ANSWERED_WITHIN,
            "{method} {path} answered after {took:?}"
        );
    }
    let health = app.request(Method::GET, "/healthz", None, None).await;
    assert_eq!(health.status(), 200, "/healthz stays up");
    let started = Instant::now();
    let ready = app.request(Method::GET, "/readyz", None, None).await;
    assert!(started.elapsed() < ANSWERED_WITHIN);
    assert_eq!(ready.status(), 503);
    assert!(ready.headers().contains_key("retry-after"));
    let problem: Value = ready.json().await.unwrap();
    assert!(
        str_of(&problem["detail"]).contains("database: unreachable"),
        "{problem}"
    );
}

/// Polls until the API serves again, then checks that what the outage refused left nothing
/// behind and that writes work.
async fn assert_serving_again(app: &TestApp, t: &Tenant, before: &[&str]) {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let response = app.get(&teams(t), &t.token).await;
        if response.status() == 200 {
            let listed: Value = response.json().await.unwrap();
            let names: Vec<String> = listed["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|team| str_of(&team["name"]))
                .collect();
            assert_eq!(
                names, before,
                "nothing refused was stored, nothing stored was lost"
            );
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the API did not serve again by itself"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let created = app
        .post(&teams(t), &t.token, json!({ "name": "After the outage" }))
        .await;
    assert_eq!(created.status(), 201);
    let ready = app.request(Method::GET, "/readyz", None, None).await;
    assert_eq!(ready.status(), 200);
}

/// A team, and a Telegram hook that took one delivery; returns the hook.
async fn with_a_team(app: &TestApp, t: &Tenant) -> String {
    let created = app
        .post(&teams(t), &t.token, json!({ "name": "Before" }))
        .await;
    assert_eq!(created.status(), 201);
    let hook = telegram_hook(app, t).await;
    assert_eq!(delivered(app, &hook, 1).await.status(), 200);
    hook
}

// ---------------------------------------------------------------------------------------
// SQLite
// ---------------------------------------------------------------------------------------

fn sqlite_file(app: &TestApp) -> PathBuf {
    let url = &app.core.config().database.url;
    let path = url
        .trim_start_matches("sqlite://")
        .split('?')
        .next()
        .unwrap();
    PathBuf::from(path)
}

#[tokio::test]
async fn a_locked_sqlite_file_answers_writes_503_and_reads_go_on() {
    if !on_sqlite() {
        return;
    }
    let app = TestApp::spawn().await;
    let t = app.tenant("Acme").await;
    let _hook = with_a_team(&app, &t).await;
    let lock = app.hold_sqlite_write_lock().await;
    let started = Instant::now();
    let refused = app
        .post(&teams(&t), &t.token, json!({ "name": "During the lock" }))
        .await;
    let took = started.elapsed();
    assert_eq!(refused.status(), 503);
    assert!(refused.headers().contains_key("retry-after"));
    let problem: Value = refused.json().await.unwrap();
    assert_eq!(problem["code"], "unavailable");
    assert!(took < ANSWERED_WITHIN, "answered after {took:?}");
    let read = app.get(&teams(&t), &t.token).await;
    assert_eq!(
        read.status(),
        200,
        "readers go on while a writer holds the lock"
    );
    lock.release().await;
    assert_serving_again(&app, &t, &["Before"]).await;
}

#[tokio::test]
async fn a_removed_sqlite_file_answers_503_until_it_is_back() {
    if !on_sqlite() {
        return;
    }
    let app = TestApp::spawn().await;
    let t = app.tenant("Acme").await;
    let hook = with_a_team(&app, &t).await;
    let file = sqlite_file(&app);
    let aside = |suffix: &str| {
        let mut moved = file.clone().into_os_string();
        moved.push(suffix);
        PathBuf::from(moved)
    };
    for suffix in ["", "-wal", "-shm"] {
        if aside(suffix).exists() {
            std::fs::rename(aside(suffix), aside(&format!("{suffix}.aside"))).unwrap();
        }
    }
    assert_unavailable(&app, &t, &hook).await;
    assert!(!file.exists(), "no empty database was made in its place");
    for suffix in ["", "-wal", "-shm"] {
        if aside(&format!("{suffix}.aside")).exists() {
            std::fs::rename(aside(&format!("{suffix}.aside")), aside(suffix)).unwrap();
        }
    }
    assert_serving_again(&app, &t, &["Before"]).await;
}

// ---------------------------------------------------------------------------------------
// PostgreSQL (a server of the test's own)
// ---------------------------------------------------------------------------------------

async fn app_on(url: String) -> TestApp {
    TestApp::spawn_with(move |config| {
        config.database.url = url;
        config.database.max_connections = 5;
    })
    .await
}

#[tokio::test]
async fn a_stopped_postgres_answers_503_and_service_resumes_when_it_starts() {
    let Some(postgres) = OwnPostgres::start() else {
        return;
    };
    let app = app_on(postgres.url()).await;
    let t = app.tenant("Acme").await;
    let hook = with_a_team(&app, &t).await;
    postgres.stop();
    assert_unavailable(&app, &t, &hook).await;
    postgres.start_again();
    assert_serving_again(&app, &t, &["Before"]).await;
}

#[tokio::test]
async fn a_killed_postgres_answers_503_and_service_resumes_when_it_restarts() {
    let Some(postgres) = OwnPostgres::start() else {
        return;
    };
    let app = app_on(postgres.url()).await;
    let t = app.tenant("Acme").await;
    let hook = with_a_team(&app, &t).await;
    postgres.kill();
    assert_unavailable(&app, &t, &hook).await;
    postgres.start_again();
    assert_serving_again(&app, &t, &["Before"]).await;
}

#[tokio::test]
async fn refused_connections_to_postgres_answer_503_until_the_network_is_back() {
    let Some(postgres) = OwnPostgres::start() else {
        return;
    };
    let proxy = Proxy::start(postgres.port).await;
    let url = format!("postgres://postgres@127.0.0.1:{}/postgres", proxy.port);
    let app = app_on(url).await;
    let t = app.tenant("Acme").await;
    let hook = with_a_team(&app, &t).await;
    proxy.refuse().await;
    assert_unavailable(&app, &t, &hook).await;
    proxy.resume();
    assert_serving_again(&app, &t, &["Before"]).await;
}
