//! Events committed but never published (their process stopped in between) are published
//! by the worker once their process has had its chance, and only once.

use std::time::Duration as StdDuration;

use chrono::{Duration, Utc};
use earshot_core::events::BusMessage;
use earshot_testkit::TestApp;
use earshot_worker::run_once_at;
use serde_json::json;

#[tokio::test]
async fn events_left_unpublished_are_published_by_the_worker_once() {
    let app = TestApp::spawn().await;
    let t = app.tenant("Acme").await;
    let channel = app.api_channel(&t).await;
    let (_, key) = app.api_key(&t, &["messages:ingest"]).await;
    let body = json!({
        "platform_message_id": "m1",
        "author": { "platform_user_id": "ada", "handle": "@ada" },
        "text": "is anyone there?",
    });
    let pushed = app.push(&t, &key, &channel, body).await;
    assert_eq!(pushed.status().as_u16(), 201);
    assert!(app.outbox().await.iter().all(|e| e.published));
    // As if the process had stopped between its commit and publishing.
    app.execute_sql("UPDATE outbox SET published_at = NULL")
        .await;
    let mut bus = app.core.bus().subscribe();
    assert!(
        app.core
            .bus()
            .wait_until_connected(StdDuration::from_secs(10))
            .await
    );

    // Within the grace its own process would still publish them.
    let outcome = run_once_at(&app.core, Utc::now()).await.expect("pass");
    assert_eq!(outcome.events_relayed, 0);
    let later = Utc::now() + Duration::minutes(1);
    let outcome = run_once_at(&app.core, later).await.expect("pass");
    assert_eq!(outcome.events_relayed, 2);
    let mut heard = Vec::new();
    while heard.len() < 2 {
        let message = tokio::time::timeout(StdDuration::from_secs(10), bus.recv())
            .await
            .expect("an event in time")
            .expect("the bus is open");
        if let BusMessage::Event(event) = message.as_ref() {
            let text = event.event.message().map(|m| json!(m.text));
            heard.push((event.event.name().to_owned(), text));
        }
    }
    assert_eq!(heard[0].0, "conversation.created");
    assert_eq!(
        heard[1],
        (
            "message.created".to_owned(),
            Some(json!("is anyone there?"))
        )
    );
    assert!(app.outbox().await.iter().all(|e| e.published));
    let outcome = run_once_at(&app.core, later).await.expect("pass");
    assert_eq!(outcome.events_relayed, 0);
}
