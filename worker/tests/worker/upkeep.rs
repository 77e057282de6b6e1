//! Upkeep: stored idempotent answers are forgotten once their retention ends.
#![expect(
    clippy::expect_used,
    reason = "test helpers fail the test at once on an unexpected answer"
)]

use chrono::{Duration, Utc};
use earshot_testkit::TestApp;
use earshot_worker::run_once_at;
use serde_json::{Value, json};

async fn create_team(app: &TestApp, ws: &str, token: &str, key: &str, name: &str) -> Value {
    let response = app
        .client
        .post(app.url(&format!("/v1/workspaces/{ws}/teams")))
        .bearer_auth(token)
        .header("idempotency-key", key)
        .json(&json!({ "name": name }))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status().as_u16(), 201);
    response.json().await.expect("json")
}

#[tokio::test]
async fn an_idempotency_key_is_honoured_until_its_retention_ends_then_forgotten() {
    let app = TestApp::spawn_stepped().await;
    let t = app.tenant("Acme").await;
    let first = create_team(&app, &t.workspace_id, &t.token, "team-once", "Billing").await;

    // Within the retention the same key answers the stored result.
    let outcome = run_once_at(&app.core, Utc::now()).await.expect("pass");
    assert_eq!(outcome.idempotency_records_purged, 0);
    let again = create_team(&app, &t.workspace_id, &t.token, "team-once", "Billing").await;
    assert_eq!(again["id"], first["id"]);

    // After it, the record is gone and the key starts afresh.
    let later = Utc::now() + Duration::days(30);
    let outcome = run_once_at(&app.core, later).await.expect("pass");
    assert_eq!(outcome.idempotency_records_purged, 1);
    let fresh = create_team(&app, &t.workspace_id, &t.token, "team-once", "Billing 2").await;
    assert_ne!(fresh["id"], first["id"]);
}
