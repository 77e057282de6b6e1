//! A batch the worker stores at once leaves the same inbox as the same messages stored one
//! at a time: the same conversations (re-opened, joined or started), counts, labels,
//! priorities and scores, the same contacts, and the same events.

#![expect(clippy::unwrap_used, reason = "test helpers")]

use earshot_testkit::{Tenant, TestApp, str_of};
use reqwest::StatusCode;
use serde_json::{Value, json};

fn said(id: &str, customer: &str, text: &str) -> Value {
    json!({ "platform_message_id": id, "text": text,
        "author": { "platform_user_id": format!("u-{customer}"), "handle": format!("@{customer}") } })
}

fn with(mut message: Value, extra: Value) -> Value {
    for (field, value) in extra.as_object().unwrap() {
        if field == "author" {
            for (k, v) in value.as_object().unwrap() {
                message["author"][k] = v.clone();
            }
        } else {
            message[field] = value.clone();
        }
    }
    message
}

/// Messages that find every case: re-opening, joining, starting anew after `closed`, a new
/// customer with reach, a reply within the batch, a public thread of two authors, and a
/// customer who grows angrier and renames themselves.
fn script() -> Vec<Value> {
    vec![
        said("a-1", "a", "Still waiting, this is terrible"),
        said("a-2", "a", "Hello???"),
        said("b-1", "b", "Any news on my refund?"),
        said("c-1", "c", "New problem: the app crashes"),
        with(
            said("d-1", "d", "Your service is awful, I hate it"),
            json!({ "author": { "follower_count": 2_000_000, "verified": true } }),
        ),
        with(
            said("d-2", "d", "Seriously awful"),
            json!({ "reply_to": "d-1" }),
        ),
        with(
            said("e-1", "e", "Love the new feature!"),
            json!({ "visibility": "public", "thread_id": "post-1" }),
        ),
        with(
            said("f-1", "f", "Agreed, great work"),
            json!({ "visibility": "public", "thread_id": "post-1" }),
        ),
        said("g-1", "g", "Is anyone there"),
        said("g-2", "g", "This is bad"),
        with(
            said("g-3", "g", "Terrible, the worst support ever"),
            json!({ "author": { "handle": "@g_new", "display_name": "Gia New" } }),
        ),
        said("g-4", "g", "Awful. Angry. Cancel it."),
    ]
}

/// The same history before the script: a resolved, a pending and a closed conversation.
async fn history(app: &TestApp, t: &Tenant, channel: &str, key: &str) {
    for (id, customer, status) in [
        ("a-0", "a", "resolved"),
        ("b-0", "b", "pending"),
        ("c-0", "c", "closed"),
    ] {
        let pushed = app
            .push(t, key, channel, said(id, customer, "My order is late"))
            .await;
        assert_eq!(pushed.status(), StatusCode::CREATED);
        let stored: Value = pushed.json().await.unwrap();
        let path = format!(
            "/v1/workspaces/{}/conversations/{}",
            t.workspace_id,
            str_of(&stored["conversation"]["id"])
        );
        let changed = app
            .patch(&path, &t.token, json!({ "status": status }))
            .await;
        assert_eq!(changed.status(), StatusCode::OK);
    }
}

/// What a user sees of each conversation and its messages, in a stable order.
async fn inbox(app: &TestApp, t: &Tenant) -> Vec<Value> {
    let path = format!("/v1/workspaces/{}/conversations?limit=100", t.workspace_id);
    let mut seen = Vec::new();
    for c in app.get_json(&path, &t.token).await["items"]
        .as_array()
        .unwrap()
    {
        let path = format!(
            "/v1/workspaces/{}/conversations/{}/messages?limit=100",
            t.workspace_id,
            str_of(&c["id"])
        );
        let mut texts: Vec<String> = app.get_json(&path, &t.token).await["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| str_of(&m["text"]))
            .collect();
        texts.sort();
        seen.push(json!({
            "contact": c["contact"]["handle"], "name": c["contact"]["display_name"],
            "status": c["status"], "visibility": c["visibility"],
            "message_count": c["message_count"], "label": c["label"],
            "priority": c["priority"], "sentiment": c["sentiment"],
            "influence": c["influence"], "texts": texts,
        }));
    }
    seen.sort_by_key(|c| c.to_string());
    seen
}

/// The events each tenant's script recorded: type, and the conversation as it showed then
/// (contact, count, label, priority, status) with the message's text.
async fn events(app: &TestApp, t: &Tenant, after: usize) -> Vec<String> {
    let mut recorded: Vec<String> = app
        .outbox()
        .await
        .into_iter()
        .filter(|row| row.payload["workspace_id"] == t.workspace_id.as_str())
        .skip(after)
        .map(|row| {
            let data = &row.payload["data"];
            let c = &data["conversation"];
            let mut contact = c["contact"].clone();
            contact.as_object_mut().unwrap().remove("id");
            json!([
                row.event_type,
                contact,
                c["message_count"],
                c["label"],
                c["priority"],
                c["status"],
                data["message"]["text"]
            ])
            .to_string()
        })
        .collect();
    recorded.sort();
    recorded
}

async fn events_so_far(app: &TestApp, t: &Tenant) -> usize {
    let ws = t.workspace_id.as_str();
    app.outbox()
        .await
        .iter()
        .filter(|row| row.payload["workspace_id"] == ws)
        .count()
}

#[tokio::test]
async fn a_batch_leaves_the_inbox_one_message_at_a_time_would() {
    let app = TestApp::spawn_stepped().await;
    let one_by_one = app.tenant("One by one").await;
    let batched = app.tenant("Batched").await;
    let mut channels = Vec::new();
    for t in [&one_by_one, &batched] {
        let channel = app.api_channel(t).await;
        let key = app.api_key(t, &["messages:ingest"]).await.1;
        history(&app, t, &channel, &key).await;
        channels.push((channel, key));
    }
    let before = (
        events_so_far(&app, &one_by_one).await,
        events_so_far(&app, &batched).await,
    );

    let (channel, key) = &channels[0];
    for message in script() {
        let pushed = app.push(&one_by_one, key, channel, message).await;
        assert_eq!(pushed.status(), StatusCode::CREATED);
    }
    let (channel, key) = &channels[1];
    for message in script() {
        app.push_async(&batched, key, channel, message).await;
    }
    let turn = earshot_worker::Consumer::Inbound
        .run_once(&app.core, chrono::Utc::now())
        .await
        .unwrap();
    assert_eq!(turn, script().len(), "the script in one turn");

    let expected = inbox(&app, &one_by_one).await;
    assert_eq!(inbox(&app, &batched).await, expected);
    assert_eq!(expected.len(), 7, "{expected:#?}");
    assert_eq!(
        events(&app, &batched, before.1).await,
        events(&app, &one_by_one, before.0).await
    );
    // The renamed customer is found by the new name, in both.
    for t in [&one_by_one, &batched] {
        let path = format!("/v1/workspaces/{}/contacts?q=Gia", t.workspace_id);
        let found = app.get_json(&path, &t.token).await;
        assert_eq!(found["items"].as_array().unwrap().len(), 1, "{found}");
    }
}
