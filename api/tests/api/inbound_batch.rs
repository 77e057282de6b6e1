//! The worker applies the inbound-event log a batch at a time: a storm of deliveries is
//! stored in one turn, each message once and threaded as if it came alone, and what the
//! product refuses in a batch is recorded on its delivery without holding the others back.

#![expect(clippy::unwrap_used, reason = "test helpers")]

use earshot_testkit::{Tenant, TestApp, str_of};
use reqwest::StatusCode;
use serde_json::{Value, json};

fn message(id: &str, customer: usize, text: &str) -> Value {
    json!({ "platform_message_id": id, "text": text,
        "author": { "platform_user_id": format!("u-{customer}"), "handle": format!("@c{customer}") } })
}

async fn conversations(app: &TestApp, t: &Tenant) -> Vec<Value> {
    let path = format!("/v1/workspaces/{}/conversations?limit=100", t.workspace_id);
    app.get_json(&path, &t.token).await["items"]
        .as_array()
        .unwrap()
        .clone()
}

#[tokio::test]
async fn a_storm_is_stored_in_one_turn_each_message_once_and_threaded() {
    let app = TestApp::spawn_stepped().await;
    let t = app.tenant("Acme").await;
    let channel = app.api_channel(&t).await;
    let key = app.api_key(&t, &["messages:ingest"]).await.1;
    let texts = [
        "The app is down!",
        "Still down, hello?",
        "Thanks, it works now",
    ];
    for (round, text) in texts.iter().enumerate() {
        for customer in 0..20 {
            let id = format!("m-{customer}-{round}");
            app.push_async(&t, &key, &channel, message(&id, customer, text))
                .await;
        }
    }
    // A redelivery of a logged message is logged once.
    let again = app
        .push_async(&t, &key, &channel, message("m-3-0", 3, texts[0]))
        .await;
    assert_eq!(again["duplicate"], true);

    let turn = earshot_worker::Consumer::Inbound
        .run_once(&app.core, chrono::Utc::now())
        .await
        .unwrap();
    assert_eq!(turn, 60, "every delivery in one turn");

    let inbox = conversations(&app, &t).await;
    assert_eq!(inbox.len(), 20, "one conversation per customer");
    for conversation in &inbox {
        assert_eq!(conversation["message_count"], 3, "{conversation}");
        let path = format!(
            "/v1/workspaces/{}/conversations/{}/messages",
            t.workspace_id,
            str_of(&conversation["id"])
        );
        let messages = app.get_json(&path, &t.token).await["items"].clone();
        let mut said: Vec<String> = messages
            .as_array()
            .unwrap()
            .iter()
            .map(|m| str_of(&m["text"]))
            .collect();
        said.sort();
        let mut expected: Vec<String> = texts.iter().map(|s| (*s).to_owned()).collect();
        expected.sort();
        assert_eq!(said, expected);
    }
    // Nothing is left for a second turn.
    let second = earshot_worker::Consumer::Inbound
        .run_once(&app.core, chrono::Utc::now())
        .await
        .unwrap();
    assert_eq!(second, 0);
}

#[tokio::test]
async fn a_refused_delivery_in_a_batch_is_recorded_and_the_others_are_stored() {
    let app = TestApp::spawn_stepped().await;
    let t = app.tenant("Acme").await;
    let open = app.api_channel(&t).await;
    let closing = app.api_channel(&t).await;
    let key = app.api_key(&t, &["messages:ingest"]).await.1;
    app.push_async(&t, &key, &open, message("a-1", 1, "Order late"))
        .await;
    let refused = app
        .push_async(&t, &key, &closing, message("b-1", 2, "Hello"))
        .await;
    app.push_async(&t, &key, &open, message("a-2", 3, "Wrong size"))
        .await;
    // The channel is disabled after its message was logged: the worker refuses it.
    let path = format!("/v1/workspaces/{}/channels/{closing}", t.workspace_id);
    let disabled = app
        .patch(&path, &t.token, json!({ "health": "disabled" }))
        .await;
    assert_eq!(disabled.status(), StatusCode::OK);

    let turn = earshot_worker::Consumer::Inbound
        .run_once(&app.core, chrono::Utc::now())
        .await
        .unwrap();
    assert_eq!(turn, 3);
    let inbox = conversations(&app, &t).await;
    let handles: Vec<String> = inbox
        .iter()
        .map(|c| str_of(&c["contact"]["handle"]))
        .collect();
    assert_eq!(inbox.len(), 2, "{handles:?}");
    assert!(!handles.contains(&"@c2".to_owned()), "{handles:?}");
    let delivery = app
        .get_json(
            &format!(
                "/v1/workspaces/{}/inbound-events/{}",
                t.workspace_id,
                str_of(&refused["id"])
            ),
            &t.token,
        )
        .await;
    assert_eq!(delivery["status"], "failed", "{delivery}");
    assert!(
        str_of(&delivery["last_error"]).contains("disabled"),
        "{delivery}"
    );
}
