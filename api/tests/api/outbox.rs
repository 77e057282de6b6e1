//! The outbox: each change writes the events it causes in its own transaction, so a change
//! that is refused, or fails part-way, leaves no event behind; and what subscribers would
//! receive is what the outbox holds.

use earshot_testkit::{OutboxRow, TestApp, assert_problem};
use serde_json::json;

use crate::conversations::{Desk, ok};

/// `(type, conversation)` of each event after the first `from`.
fn kinds(events: &[OutboxRow], from: usize) -> Vec<(String, String)> {
    events[from..]
        .iter()
        .map(|e| {
            let conversation = e.conversation_id.clone().unwrap_or_default();
            (e.event_type.clone(), conversation)
        })
        .collect()
}

#[tokio::test]
async fn every_change_writes_its_events_with_it() {
    let app = TestApp::spawn().await;
    let t = app.tenant("Acme").await;
    let desk = Desk::open(&app, &t).await;
    let conversation = desk.customer(&app, "ada", "where is my parcel?").await;
    let events = app.outbox().await;
    let c = conversation.clone();
    assert_eq!(
        kinds(&events, 0),
        [
            ("conversation.created".to_owned(), c.clone()),
            ("message.created".to_owned(), c.clone()),
        ]
    );
    // The payload is the event subscribers receive.
    let created = &events[1].payload;
    assert_eq!(created["type"], "message.created");
    assert_eq!(created["workspace_id"], t.workspace_id.as_str());
    assert_eq!(created["data"]["conversation"]["id"], c.as_str());
    assert_eq!(created["data"]["message"]["text"], "where is my parcel?");

    let before = events.len();
    let body = json!({ "status": "pending", "add_tags": ["parcel"] });
    ok(desk.patch(&app, &t.token, &c, body).await, 200).await;
    let reply = json!({ "kind": "reply", "text": "On its way!" });
    let path = format!("{}/messages", desk.conversation(&c));
    ok(app.post(&path, &t.token, reply).await, 201).await;
    let events = app.outbox().await;
    let updated = ("conversation.updated".to_owned(), c.clone());
    let message = ("message.created".to_owned(), c.clone());
    assert_eq!(kinds(&events, before), [updated, message]);
    let pending = &events[before].payload["data"]["conversation"];
    assert_eq!(pending["status"], "pending");
    assert_eq!(pending["tags"], json!(["parcel"]));
    assert_eq!(
        events[before + 1].payload["data"]["message"]["text"],
        "On its way!"
    );
}

#[tokio::test]
async fn a_refused_or_failed_change_leaves_no_event() {
    let (app, a, b) = TestApp::two_workspaces().await;
    let desk = Desk::open(&app, &a).await;
    let mut ids = Vec::new();
    for user in ["ada", "bob"] {
        ids.push(desk.customer(&app, user, "hello").await);
    }
    let closed = desk.customer(&app, "cat", "all good").await;
    let body = json!({ "status": "closed" });
    ok(desk.patch(&app, &a.token, &closed, body).await, 200).await;
    let foreign = Desk::open(&app, &b).await.customer(&app, "eve", "hi").await;
    let before = app.outbox().await.len();

    let refused = [
        json!({ "status": "bogus" }),
        json!({ "add_tags": ["x".repeat(10_000)] }),
        json!({ "assignee_id": b.user_id }),
    ];
    for body in refused {
        let response = desk.patch(&app, &a.token, &ids[0], body).await;
        assert!(response.status().is_client_error(), "{}", response.status());
    }
    // The bulk change fails at its closed conversation (the last by id), after the first
    // two were changed and their events written.
    let bulk = format!("{}/conversations/bulk", desk.ws());
    let change = json!({ "status": "resolved", "add_tags": ["late"] });
    let body = json!({ "ids": [ids[0], ids[1], closed], "changes": change });
    let failed = app.post(&bulk, &a.token, body).await;
    assert_problem(failed, 422, "validation_failed").await;
    let body = json!({ "ids": [ids[0], foreign], "changes": { "status": "pending" } });
    assert_problem(app.post(&bulk, &a.token, body).await, 404, "not_found").await;
    let bad_reply = json!({ "kind": "reply", "text": "" });
    let path = format!("{}/messages", desk.conversation(&ids[1]));
    assert!(
        app.post(&path, &a.token, bad_reply)
            .await
            .status()
            .is_client_error()
    );

    let after = app.outbox().await;
    assert_eq!(after.len(), before, "{:?}", kinds(&after, before));
    for id in &ids {
        assert_eq!(desk.get(&app, id).await["tags"], json!([]));
    }
}
