//! Messages a partner pushes into an `api` channel go through the inbound-event log like the
//! platforms' deliveries: stored in the request by default, or answered `202` as soon as
//! they are logged (`Prefer: respond-async`) and stored by the worker.

#![expect(clippy::unwrap_used, reason = "test helpers")]

use earshot_testkit::{Tenant, TestApp, assert_problem, str_of};
use reqwest::{Response, StatusCode};
use serde_json::{Value, json};

fn message(id: &str, text: &str) -> Value {
    json!({ "platform_message_id": id, "text": text,
        "author": { "platform_user_id": "u-ada", "handle": "@ada" } })
}

async fn push_with(
    app: &TestApp,
    t: &Tenant,
    key: &str,
    channel: &str,
    prefer: &str,
    body: Value,
) -> Response {
    let path = format!(
        "/v1/workspaces/{}/channels/{channel}/inbound",
        t.workspace_id
    );
    app.client
        .post(app.url(&path))
        .bearer_auth(key)
        .header("Prefer", prefer)
        .json(&body)
        .send()
        .await
        .unwrap()
}

async fn process(app: &TestApp) -> usize {
    earshot_worker::Consumer::Inbound
        .run_once(&app.core, chrono::Utc::now())
        .await
        .unwrap()
}

async fn inbox(app: &TestApp, t: &Tenant) -> Vec<Value> {
    let path = format!("/v1/workspaces/{}/conversations", t.workspace_id);
    app.get_json(&path, &t.token).await["items"]
        .as_array()
        .unwrap()
        .clone()
}

async fn deliveries(app: &TestApp, t: &Tenant) -> Vec<Value> {
    let path = format!("/v1/workspaces/{}/inbound-events", t.workspace_id);
    app.get_json(&path, &t.token).await["items"]
        .as_array()
        .unwrap()
        .clone()
}

#[tokio::test]
async fn a_pushed_message_is_logged_and_stored_before_the_answer() {
    let app = TestApp::spawn_stepped().await;
    let t = app.tenant("Acme").await;
    let channel = app.api_channel(&t).await;
    let key = app.api_key(&t, &["messages:ingest"]).await.1;
    let response = app
        .push(&t, &key, &channel, message("m-1", "Where is my parcel?"))
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    assert!(response.headers().get("Preference-Applied").is_none());
    let outcome: Value = response.json().await.unwrap();
    // In the inbox at once, with no worker running.
    assert_eq!(inbox(&app, &t).await.len(), 1);
    let logged = deliveries(&app, &t).await;
    assert_eq!(logged.len(), 1, "{logged:?}");
    assert_eq!(logged[0]["kind"], "api");
    assert_eq!(logged[0]["platform_event_id"], "m-1");
    assert_eq!(logged[0]["status"], "processed");
    assert_eq!(
        logged[0]["messages"][0]["message_id"],
        outcome["message"]["id"]
    );
    assert_eq!(
        logged[0]["messages"][0]["conversation_id"],
        outcome["conversation"]["id"]
    );
    // The worker finds nothing left to do; a repeat is a duplicate and logs nothing new.
    assert_eq!(process(&app).await, 0);
    let again = app
        .push(&t, &key, &channel, message("m-1", "Where is my parcel?"))
        .await;
    assert_eq!(again.status(), StatusCode::OK);
    assert_eq!(deliveries(&app, &t).await.len(), 1);
}

#[tokio::test]
async fn respond_async_answers_202_once_logged_and_the_worker_stores_it() {
    let app = TestApp::spawn_stepped().await;
    let t = app.tenant("Acme").await;
    let channel = app.api_channel(&t).await;
    let key = app.api_key(&t, &["messages:ingest"]).await.1;
    let response = push_with(
        &app,
        &t,
        &key,
        &channel,
        "respond-async",
        message("m-1", "Refund?"),
    )
    .await;
    assert_eq!(response.status(), StatusCode::ACCEPTED);
    assert_eq!(response.headers()["Preference-Applied"], "respond-async");
    let location = response.headers()["Location"].to_str().unwrap().to_owned();
    let accepted: Value = response.json().await.unwrap();
    assert_eq!(accepted["duplicate"], false);
    let id = str_of(&accepted["id"]);
    assert_eq!(
        location,
        format!("/v1/workspaces/{}/inbound-events/{id}", t.workspace_id)
    );
    // Logged, not yet in the inbox.
    assert_eq!(app.get_json(&location, &key).await["status"], "pending");
    assert_eq!(inbox(&app, &t).await, Vec::<Value>::new());

    assert_eq!(process(&app).await, 1);
    let delivery = app.get_json(&location, &key).await;
    assert_eq!(delivery["status"], "processed", "{delivery}");
    let conversations = inbox(&app, &t).await;
    assert_eq!(conversations.len(), 1);
    assert_eq!(
        delivery["messages"][0]["conversation_id"],
        conversations[0]["id"]
    );
    assert_eq!(conversations[0]["message_count"], 1);
    assert_eq!(conversations[0]["contact"]["handle"], "@ada");

    // The same message again names the delivery logged before and stores nothing.
    let again = push_with(
        &app,
        &t,
        &key,
        &channel,
        "wait=5, respond-async",
        message("m-1", "Refund?"),
    )
    .await;
    assert_eq!(again.status(), StatusCode::ACCEPTED);
    let again: Value = again.json().await.unwrap();
    assert_eq!(again, json!({ "id": id, "duplicate": true }));
    assert_eq!(process(&app).await, 0);
    assert_eq!(inbox(&app, &t).await.len(), 1);
    // A preference it does not know is no preference: stored in the request.
    let plain = push_with(
        &app,
        &t,
        &key,
        &channel,
        "respond-asynchronously",
        message("m-2", "Hello?"),
    )
    .await;
    assert_eq!(plain.status(), StatusCode::CREATED);
}

#[tokio::test]
async fn an_async_push_is_checked_before_it_is_logged() {
    let app = TestApp::spawn_stepped().await;
    let t = app.tenant("Acme").await;
    let other = app.tenant("Globex").await;
    let channel = app.api_channel(&t).await;
    let key = app.api_key(&t, &["messages:ingest"]).await.1;
    let other_key = app.api_key(&other, &["messages:ingest"]).await.1;
    let blank = message("m-1", "   ");
    let refused = push_with(&app, &t, &key, &channel, "respond-async", blank).await;
    assert_problem(refused, 422, "validation_failed").await;
    // Another workspace's channel is not found, with its own key or with ours on its path.
    let foreign = push_with(
        &app,
        &other,
        &other_key,
        &channel,
        "respond-async",
        message("m-2", "hi"),
    )
    .await;
    assert_problem(foreign, 404, "not_found").await;
    let path = format!("/v1/workspaces/{}/channels/{channel}", t.workspace_id);
    let disabled = app
        .patch(&path, &t.token, json!({ "health": "disabled" }))
        .await;
    assert_eq!(disabled.status(), StatusCode::OK);
    let closed = push_with(
        &app,
        &t,
        &key,
        &channel,
        "respond-async",
        message("m-3", "hi"),
    )
    .await;
    assert_problem(closed, 409, "channel_disabled").await;
    assert_eq!(app.inbound_events().await, Vec::new());
    assert_eq!(deliveries(&app, &other).await, Vec::<Value>::new());
}
