//! After a resolution, the satisfaction question goes out on the same channel once its
//! delay has passed; the customer's short answer is stored without re-opening the
//! conversation, and an angry customer who scores high counts as turned into an advocate.
#![expect(
    clippy::panic,
    reason = "test helpers fail the test at once on an unexpected answer"
)]

use chrono::{DateTime, Duration, Utc};
use earshot_testkit::{Tenant, TestApp, str_of};
use earshot_worker::run_once_at;
use reqwest::Response;
use serde_json::{Value, json};

async fn ok(response: Response, status: u16) -> Value {
    let actual = response.status().as_u16();
    let body: Value = response.json().await.unwrap_or(Value::Null);
    assert_eq!(actual, status, "{body}");
    body
}

fn time(value: &Value) -> DateTime<Utc> {
    serde_json::from_value(value.clone()).unwrap_or_else(|_| panic!("not a time: {value}"))
}

struct Resolved {
    t: Tenant,
    channel: String,
    key: String,
    id: String,
}

impl Resolved {
    /// A workspace with a follow-up delay of an hour, and a customer's conversation,
    /// resolved.
    async fn start(app: &TestApp, first: &str) -> Resolved {
        let t = app.tenant("Acme").await;
        let ws = format!("/v1/workspaces/{}", t.workspace_id);
        ok(
            app.patch(&ws, &t.token, json!({ "followup_delay_secs": 3600 }))
                .await,
            200,
        )
        .await;
        let channel = app.api_channel(&t).await;
        let (_, key) = app.api_key(&t, &["messages:ingest"]).await;
        let mut r = Resolved {
            t,
            channel,
            key,
            id: String::new(),
        };
        r.id = r.customer(app, first).await;
        r.set(app, json!({ "status": "resolved" })).await;
        r
    }

    async fn customer(&self, app: &TestApp, text: &str) -> String {
        let body = json!({ "platform_message_id": uuid::Uuid::new_v4().to_string(),
            "author": { "platform_user_id": "id-ada", "handle": "@ada" },
            "text": text, "visibility": "private" });
        let ingested = ok(app.push(&self.t, &self.key, &self.channel, body).await, 201).await;
        str_of(&ingested["conversation"]["id"])
    }

    fn path(&self) -> String {
        format!(
            "/v1/workspaces/{}/conversations/{}",
            self.t.workspace_id, self.id
        )
    }

    async fn set(&self, app: &TestApp, body: Value) {
        ok(app.patch(&self.path(), &self.t.token, body).await, 200).await;
    }

    async fn read(&self, app: &TestApp) -> Value {
        ok(app.get(&self.path(), &self.t.token).await, 200).await
    }

    async fn followups(&self, app: &TestApp) -> Vec<Value> {
        let path = format!("{}/follow-ups", self.path());
        let list = ok(app.get(&path, &self.t.token).await, 200).await;
        list.as_array().cloned().unwrap_or_default()
    }

    async fn questions(&self, app: &TestApp) -> usize {
        let path = format!("{}/messages", self.path());
        let page = ok(app.get(&path, &self.t.token).await, 200).await;
        let items = page["items"].as_array().cloned().unwrap_or_default();
        items
            .iter()
            .filter(|m| {
                m["direction"] == "outbound" && str_of(&m["text"]).starts_with("How did we do?")
            })
            .count()
    }
}

async fn turn(app: &TestApp, at: DateTime<Utc>) {
    if let Err(err) = run_once_at(&app.core, at).await {
        panic!("worker pass failed: {err}");
    }
}

#[tokio::test]
async fn the_question_goes_out_after_the_delay_and_a_short_answer_is_stored_without_reopening() {
    let app = TestApp::spawn_stepped().await;
    let r = Resolved::start(&app, "worst service ever, I hate this company").await;
    let scheduled = r.followups(&app).await;
    assert_eq!(scheduled.len(), 1);
    assert_eq!(scheduled[0]["state"], "scheduled");
    let due = time(&scheduled[0]["due_at"]);
    let resolved_at = time(&r.read(&app).await["resolved_at"]);
    assert!((due - resolved_at - Duration::hours(1)).num_seconds().abs() <= 1);

    turn(&app, due - Duration::seconds(1)).await;
    assert_eq!(r.questions(&app).await, 0, "not before its time");
    turn(&app, due).await;
    turn(&app, due + Duration::minutes(5)).await;
    assert_eq!(r.questions(&app).await, 1, "asked once");
    let sent = &r.followups(&app).await[0];
    assert_eq!(sent["state"], "sent", "{sent}");
    assert!(!sent["question_message_id"].is_null());
    assert_eq!(
        r.read(&app).await["status"],
        "resolved",
        "asking re-opens nothing"
    );

    let joined = r.customer(&app, "5 ⭐ thanks!").await;
    assert_eq!(joined, r.id, "the answer joins the conversation");
    let read = r.read(&app).await;
    assert_eq!(
        read["status"], "resolved",
        "an answer re-opens nothing: {read}"
    );
    assert_eq!(read["csat_score"], 5);
    let answered = &r.followups(&app).await[0];
    assert_eq!(answered["state"], "answered");
    assert_eq!(answered["score"], 5);
    assert_eq!(answered["first_label"], "adversary");
    assert_eq!(answered["turned_advocate"], true);
    let received: Vec<Value> = app
        .outbox()
        .await
        .into_iter()
        .filter(|row| row.event_type == "csat.received")
        .map(|row| row.payload)
        .collect();
    assert_eq!(received.len(), 1);
    assert_eq!(received[0]["data"]["followup"]["score"], 5);

    // Anything else is a message about the problem: it re-opens the conversation.
    r.customer(
        &app,
        "and now the router is broken again since yesterday evening",
    )
    .await;
    assert_eq!(r.read(&app).await["status"], "open");
}

#[tokio::test]
async fn re_opening_before_the_question_cancels_it_and_a_new_resolution_schedules_again() {
    let app = TestApp::spawn_stepped().await;
    let r = Resolved::start(&app, "my parcel is late").await;
    let due = time(&r.followups(&app).await[0]["due_at"]);
    r.customer(&app, "it still has not arrived, where is it?")
        .await;
    assert_eq!(r.read(&app).await["status"], "open");
    let cancelled = r.followups(&app).await;
    assert_eq!(cancelled[0]["state"], "cancelled", "{cancelled:?}");
    turn(&app, due + Duration::minutes(1)).await;
    assert_eq!(r.questions(&app).await, 0);

    r.set(&app, json!({ "status": "resolved" })).await;
    let again = r.followups(&app).await;
    assert_eq!(again.len(), 2);
    assert_eq!(again[1]["state"], "scheduled");
}

#[tokio::test]
async fn no_follow_up_when_the_workspace_turns_them_off() {
    let app = TestApp::spawn_stepped().await;
    let t = app.tenant("Acme").await;
    let ws = format!("/v1/workspaces/{}", t.workspace_id);
    ok(
        app.patch(&ws, &t.token, json!({ "followup_delay_secs": 0 }))
            .await,
        200,
    )
    .await;
    let channel = app.api_channel(&t).await;
    let (_, key) = app.api_key(&t, &["messages:ingest"]).await;
    let body = json!({ "platform_message_id": "m-1", "text": "hello",
        "author": { "platform_user_id": "id-ada" }, "visibility": "private" });
    let ingested = ok(app.push(&t, &key, &channel, body).await, 201).await;
    let path = format!(
        "{ws}/conversations/{}",
        str_of(&ingested["conversation"]["id"])
    );
    ok(
        app.patch(&path, &t.token, json!({ "status": "resolved" }))
            .await,
        200,
    )
    .await;
    let list = ok(app.get(&format!("{path}/follow-ups"), &t.token).await, 200).await;
    assert_eq!(list, json!([]));
}
