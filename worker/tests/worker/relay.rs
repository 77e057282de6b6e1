//! A change answers without publishing its events: the worker's fan-out publishes them, in
//! order, and only once.

use std::time::Duration as StdDuration;

use chrono::{Duration, Utc};
use earshot_core::events::BusMessage;
use earshot_testkit::TestApp;
use earshot_worker::run_once_at;
use serde_json::json;

#[tokio::test]
async fn committed_events_are_published_by_the_fan_out_in_order_and_once() {
    let app = TestApp::spawn_stepped().await;
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
    // The change answered without publishing: its events wait in the outbox.
    let waiting = app.outbox().await;
    assert_eq!(waiting.len(), 2);
    assert!(waiting.iter().all(|e| !e.published));
    let mut bus = app.core.bus().subscribe();
    assert!(
        app.core
            .bus()
            .wait_until_connected(StdDuration::from_secs(10))
            .await
    );

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
