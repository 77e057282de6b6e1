//! The consumers are independent: one failing leaves the others their turn, its failure is
//! counted for operators, and two workers side by side publish each event once.
#![expect(
    clippy::expect_used,
    reason = "test helpers fail the test at once on an unexpected answer"
)]

use std::collections::HashMap;
use std::time::Duration as StdDuration;

use chrono::{Duration, Utc};
use earshot_core::events::BusMessage;
use earshot_testkit::TestApp;
use earshot_worker::{Consumer, run_once_at};
use serde_json::json;

/// A conversation snoozed until `wake`; returns its path.
async fn snoozed(app: &TestApp, wake: chrono::DateTime<Utc>) -> (String, String) {
    let t = app.tenant("Acme").await;
    let channel = app.api_channel(&t).await;
    let (_, key) = app.api_key(&t, &["messages:ingest"]).await;
    let body = json!({ "platform_message_id": "m1",
        "author": { "platform_user_id": "ada" }, "text": "hello?" });
    let pushed: serde_json::Value = app
        .push(&t, &key, &channel, body)
        .await
        .json()
        .await
        .expect("json");
    let path = format!(
        "/v1/workspaces/{}/conversations/{}",
        t.workspace_id,
        pushed["conversation"]["id"].as_str().expect("id")
    );
    let patch = json!({ "status": "snoozed", "snoozed_until": wake });
    assert_eq!(app.patch(&path, &t.token, patch).await.status(), 200);
    (path, t.token)
}

#[tokio::test]
async fn one_consumer_failing_leaves_the_others_their_turn() {
    let app = TestApp::spawn_stepped().await;
    let wake = Utc::now() + Duration::minutes(5);
    let (path, token) = snoozed(&app, wake).await;
    // The purge's table is gone: its turn fails, every time, until an operator mends it.
    app.execute_sql("DROP TABLE idempotency_records").await;
    let failures = "earshot_worker_consumer_failures_total{consumer=\"idempotency_purge\"}";
    let before = app.metric(failures).await;

    let outcome = run_once_at(&app.core, wake).await.expect("the others ran");
    assert_eq!(outcome.failed, vec!["idempotency_purge"]);
    assert_eq!(outcome.conversations_woken, 1, "{outcome:?}");
    let read: serde_json::Value = app.get(&path, &token).await.json().await.expect("json");
    assert_eq!(read["status"], "open");
    assert_eq!(app.metric(failures).await, before + 1.0);
    let woken = "earshot_worker_consumer_items_total{consumer=\"wake_ups\"}";
    assert!(app.metric(woken).await >= 1.0);
    assert!(
        Consumer::IdempotencyPurge
            .run_once(&app.core, wake)
            .await
            .is_err(),
        "it fails on its own, and is retried at its next turn"
    );
}

#[tokio::test]
async fn two_workers_side_by_side_publish_each_event_once() {
    if std::env::var("TEST_DATABASE_URL").is_err() {
        // SQLite serves one process; two workers side by side are a PostgreSQL setup.
        return;
    }
    let app = TestApp::spawn_stepped().await;
    let other = app.sibling().await;
    let t = app.tenant("Acme").await;
    let channel = app.api_channel(&t).await;
    let (_, key) = app.api_key(&t, &["messages:ingest"]).await;
    for n in 0..40 {
        let body = json!({ "platform_message_id": format!("m{n}"),
            "author": { "platform_user_id": format!("c{n}") }, "text": "hello?" });
        assert_eq!(app.push(&t, &key, &channel, body).await.status(), 201);
    }
    app.execute_sql("UPDATE outbox SET published_at = NULL")
        .await;
    let stored = app.outbox().await.len();
    let mut bus = app.core.bus().subscribe();
    for core in [&app.core, &other.core] {
        assert!(
            core.bus()
                .wait_until_connected(StdDuration::from_secs(10))
                .await
        );
    }

    let later = Utc::now() + Duration::minutes(1);
    let (a, b) = tokio::join!(
        Consumer::FanOut.run_once(&app.core, later),
        Consumer::FanOut.run_once(&other.core, later),
    );
    let published = a.expect("first worker") + b.expect("second worker");
    assert_eq!(published, stored, "every event published by one of them");
    let mut heard: HashMap<uuid::Uuid, usize> = HashMap::new();
    while heard.values().sum::<usize>() < stored {
        let message = tokio::time::timeout(StdDuration::from_secs(10), bus.recv())
            .await
            .expect("an event in time")
            .expect("the bus is open");
        if let BusMessage::Event(event) = message.as_ref() {
            *heard.entry(event.id).or_default() += 1;
        }
    }
    assert_eq!(heard.len(), stored);
    assert!(heard.values().all(|n| *n == 1), "{heard:?}");
    assert!(app.outbox().await.iter().all(|row| row.published));
}
