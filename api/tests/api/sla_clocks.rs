//! SLA clocks over real HTTP: what starts, stops, pauses, resumes and re-targets them, as an
//! agent and a customer would cause it, and where the conversation and the inbox show them.

#![expect(
    clippy::panic,
    reason = "test helpers fail the test at once on an unexpected answer"
)]

use chrono::{DateTime, Duration, Utc};
use earshot_testkit::{Tenant, TestApp, str_of};
use serde_json::{Value, json};

use crate::conversations::{Desk, inbound, ok};
use crate::sla_policies::create;

/// Answers within an hour, again within half an hour, resolves within a day; warns at 80 %.
fn promises(name: &str) -> Value {
    json!({ "name": name, "targets": { "first_response_seconds": 3600,
        "next_response_seconds": 1800, "resolution_seconds": 86_400 } })
}

fn clocks_path(desk: &Desk, id: &str) -> String {
    format!("{}/sla-clocks", desk.conversation(id))
}

async fn clocks(app: &TestApp, desk: &Desk, id: &str) -> Vec<Value> {
    let answer = ok(app.get(&clocks_path(desk, id), &desk.t.token).await, 200).await;
    assert_eq!(answer["conversation_id"], id);
    answer["clocks"].as_array().cloned().unwrap_or_default()
}

/// The clocks of a kind, oldest first.
fn of_kind<'a>(clocks: &'a [Value], kind: &str) -> Vec<&'a Value> {
    clocks.iter().filter(|c| c["kind"] == kind).collect()
}

fn time(value: &Value) -> DateTime<Utc> {
    serde_json::from_value(value.clone()).unwrap_or_else(|_| panic!("not a time: {value}"))
}

async fn reply(app: &TestApp, desk: &Desk, id: &str, kind: &str) {
    let mut body = json!({ "kind": kind, "text": "We are on it" });
    if kind == "reply" {
        body["visibility"] = json!("private");
    }
    ok(desk.post_message(app, &desk.t.token, id, body).await, 201).await;
}

async fn set(app: &TestApp, desk: &Desk, id: &str, body: Value) -> Value {
    ok(desk.patch(app, &desk.t.token, id, body).await, 200).await
}

/// The SLA events of a conversation in the outbox, in order: `(type, clock kind)`.
async fn sla_events(app: &TestApp, id: &str) -> Vec<(String, String)> {
    app.outbox()
        .await
        .into_iter()
        .filter(|row| {
            row.event_type.starts_with("sla.") && row.conversation_id.as_deref() == Some(id)
        })
        .map(|row| {
            (
                row.event_type,
                str_of(&row.payload["data"]["clock"]["kind"]),
            )
        })
        .collect()
}

/// Sleeps until just after `at`.
async fn sleep_until(at: DateTime<Utc>) {
    let wait = (at - Utc::now() + Duration::milliseconds(50))
        .to_std()
        .unwrap_or_default();
    tokio::time::sleep(wait).await;
}

async fn desk_with(app: &TestApp, t: &Tenant, policy: Value) -> Desk {
    create(app, t, policy).await;
    Desk::open(app, t).await
}

#[tokio::test]
async fn a_reply_stops_the_response_clock_and_a_note_does_not() {
    let app = TestApp::spawn().await;
    let t = app.tenant("Acme").await;
    let desk = desk_with(&app, &t, promises("Promises")).await;
    let before = Utc::now();
    let id = desk.customer(&app, "ana", "My parcel never came").await;

    let started = clocks(&app, &desk, &id).await;
    let first = of_kind(&started, "first_response");
    assert_eq!(first.len(), 1, "{started:?}");
    assert_eq!(first[0]["state"], "running");
    assert_eq!(first[0]["target_seconds"], 3600);
    let due = time(&first[0]["due_at"]);
    // Business time counts whole seconds, from the next whole second.
    let hour_after = |at: DateTime<Utc>| at + Duration::hours(1);
    assert!(due >= hour_after(before) && due <= hour_after(Utc::now()) + Duration::seconds(1));
    assert_eq!(time(&first[0]["warn_at"]), due - Duration::seconds(720));
    assert_eq!(of_kind(&started, "resolution")[0]["state"], "running");
    let conversation = desk.get(&app, &id).await;
    assert_eq!(
        time(&conversation["sla_due_at"]),
        due,
        "the earliest deadline"
    );
    assert_eq!(conversation["sla_status"], "ok");

    reply(&app, &desk, &id, "note").await;
    assert_eq!(
        of_kind(&clocks(&app, &desk, &id).await, "first_response")[0]["state"],
        "running"
    );

    reply(&app, &desk, &id, "reply").await;
    let after = clocks(&app, &desk, &id).await;
    let first = of_kind(&after, "first_response")[0];
    assert_eq!(
        (&first["state"], &first["outcome"]),
        (&json!("stopped"), &json!("achieved"))
    );
    assert_eq!(first["breached"], false);
    let resolution = of_kind(&after, "resolution")[0];
    assert_eq!(resolution["state"], "running", "a reply resolves nothing");
    let conversation = desk.get(&app, &id).await;
    assert_eq!(conversation["sla_due_at"], resolution["due_at"]);
    let events = sla_events(&app, &id).await;
    assert_eq!(
        events,
        vec![("sla.achieved".to_owned(), "first_response".to_owned())]
    );

    // The customer writes again: the next response is owed, once however often they write.
    desk.push(&app, inbound("ana", "Thanks, and when exactly?"))
        .await;
    desk.push(&app, inbound("ana", "Hello?")).await;
    let next = clocks(&app, &desk, &id).await;
    let next_response = of_kind(&next, "next_response");
    assert_eq!(next_response.len(), 1, "{next:?}");
    assert_eq!(next_response[0]["target_seconds"], 1800);
    assert_eq!(of_kind(&next, "first_response").len(), 1);
}

#[tokio::test]
async fn pending_pauses_every_clock_and_the_customer_resumes_them_with_the_time_left() {
    let app = TestApp::spawn().await;
    let t = app.tenant("Acme").await;
    let desk = desk_with(&app, &t, promises("Promises")).await;
    let id = desk.customer(&app, "ana", "Where is my refund?").await;

    set(&app, &desk, &id, json!({ "status": "pending" })).await;
    let paused = clocks(&app, &desk, &id).await;
    for clock in &paused {
        assert_eq!(clock["state"], "paused", "{clock}");
        assert!(clock["due_at"].is_null(), "{clock}");
    }
    let left = of_kind(&paused, "first_response")[0]["remaining_seconds"]
        .as_i64()
        .unwrap_or_default();
    assert!((3590..=3600).contains(&left), "{left}");
    let conversation = desk.get(&app, &id).await;
    assert!(conversation["sla_due_at"].is_null());
    assert_eq!(conversation["sla_status"], "none");

    // Time spent paused does not count.
    tokio::time::sleep(std::time::Duration::from_millis(1_100)).await;
    let still =
        of_kind(&clocks(&app, &desk, &id).await, "first_response")[0]["remaining_seconds"].clone();
    assert_eq!(still, json!(left));

    let before = Utc::now();
    desk.push(&app, inbound("ana", "Any news?")).await;
    let after = Utc::now();
    let resumed = clocks(&app, &desk, &id).await;
    let first = of_kind(&resumed, "first_response");
    assert_eq!(first.len(), 1, "the same clock resumes: {resumed:?}");
    assert_eq!(first[0]["state"], "running");
    let due = time(&first[0]["due_at"]);
    let whole = |at: DateTime<Utc>| at + Duration::seconds(left);
    assert!(
        due >= whole(before) - Duration::seconds(1) && due <= whole(after) + Duration::seconds(1),
        "due {due}, resumed between {before} and {after} with {left} s left"
    );
    assert!(
        of_kind(&resumed, "next_response").is_empty(),
        "nobody replied yet"
    );
    assert_eq!(desk.get(&app, &id).await["status"], "open");
}

#[tokio::test]
async fn resolving_achieves_the_resolution_and_cancels_an_unanswered_response() {
    let app = TestApp::spawn().await;
    let t = app.tenant("Acme").await;
    let desk = desk_with(&app, &t, promises("Promises")).await;
    let id = desk.customer(&app, "ana", "Never mind, found it").await;

    set(&app, &desk, &id, json!({ "status": "resolved" })).await;
    let done = clocks(&app, &desk, &id).await;
    assert_eq!(of_kind(&done, "resolution")[0]["outcome"], "achieved");
    assert_eq!(of_kind(&done, "first_response")[0]["outcome"], "cancelled");
    assert!(done.iter().all(|c| c["state"] == "stopped"), "{done:?}");
    assert!(desk.get(&app, &id).await["sla_due_at"].is_null());
    let events = sla_events(&app, &id).await;
    assert_eq!(
        events,
        vec![("sla.achieved".to_owned(), "resolution".to_owned())]
    );

    // Re-opened by the customer: a new resolution clock, and a response owed again.
    desk.push(&app, inbound("ana", "Actually, it is broken"))
        .await;
    let reopened = clocks(&app, &desk, &id).await;
    assert_eq!(of_kind(&reopened, "resolution").len(), 2, "{reopened:?}");
    assert_eq!(of_kind(&reopened, "next_response")[0]["state"], "running");
}

#[tokio::test]
async fn a_new_priority_re_matches_the_policy_and_keeps_the_time_used() {
    let app = TestApp::spawn().await;
    let t = app.tenant("Acme").await;
    let mut everyone = promises("Everyone");
    everyone["position"] = json!(5);
    let desk = desk_with(&app, &t, everyone).await;
    let urgent = json!({ "name": "Urgent", "position": 0,
        "conditions": { "priorities": ["urgent"] },
        "targets": { "first_response_seconds": 600 } });
    let urgent = create(&app, &t, urgent).await;
    let id = desk.customer(&app, "ana", "Hello").await;
    let start = time(&of_kind(&clocks(&app, &desk, &id).await, "first_response")[0]["started_at"]);

    set(&app, &desk, &id, json!({ "priority": "urgent" })).await;
    let now = clocks(&app, &desk, &id).await;
    let first = of_kind(&now, "first_response")[0];
    assert_eq!(first["policy_id"], urgent["id"]);
    assert_eq!(first["target_seconds"], 600);
    let due = time(&first["due_at"]);
    assert!(
        (due - (start + Duration::seconds(600))).num_seconds().abs() <= 1,
        "{first}"
    );
    // The urgent policy sets no resolution target: that clock no longer runs.
    assert_eq!(of_kind(&now, "resolution")[0]["outcome"], "cancelled");
    assert_eq!(time(&desk.get(&app, &id).await["sla_due_at"]), due);
}

#[tokio::test]
async fn the_inbox_filters_by_where_clocks_stand_and_sorts_by_deadline() {
    let app = TestApp::spawn().await;
    let t = app.tenant("Acme").await;
    // Four seconds to answer, warning after two: a conversation goes ok → at risk → breached.
    let quick = json!({ "name": "Quick", "position": 0, "warning_percent": 50,
        "conditions": { "priorities": ["urgent"] },
        "targets": { "first_response_seconds": 4 } });
    create(&app, &t, quick).await;
    let desk = desk_with(&app, &t, promises("Everyone")).await;
    let slow = desk.customer(&app, "ana", "Whenever you can").await;
    let fast = desk.customer(&app, "bob", "Right now please").await;
    set(&app, &desk, &fast, json!({ "priority": "urgent" })).await;
    let none = desk.customer(&app, "cy", "Thanks!").await;
    set(&app, &desk, &none, json!({ "status": "pending" })).await;

    let inbox = |filter: &'static str| {
        let path = format!("{}/conversations?sla={filter}", desk.ws());
        let app = &app;
        let token = desk.t.token.clone();
        async move {
            let page = ok(app.get(&path, &token).await, 200).await;
            crate::conversations::ids_of(&page)
        }
    };
    assert_eq!(inbox("none").await, vec![none.clone()]);
    let mut ok_now = inbox("ok").await;
    ok_now.sort();
    let mut expected = vec![slow.clone(), fast.clone()];
    expected.sort();
    assert_eq!(ok_now, expected);
    let by_due = format!("{}/conversations?sort=sla_due", desk.ws());
    let sorted = crate::conversations::ids_of(&ok(app.get(&by_due, &t.token).await, 200).await);
    assert_eq!(sorted, vec![fast.clone(), slow.clone(), none.clone()]);

    let quick = of_kind(&clocks(&app, &desk, &fast).await, "first_response")[0].clone();
    sleep_until(time(&quick["warn_at"])).await;
    assert_eq!(inbox("at_risk").await, vec![fast.clone()]);
    assert_eq!(desk.get(&app, &fast).await["sla_status"], "at_risk");
    sleep_until(time(&quick["due_at"])).await;
    assert_eq!(inbox("breached").await, vec![fast.clone()]);
    assert_eq!(inbox("ok").await, vec![slow.clone()]);
    assert_eq!(desk.get(&app, &fast).await["sla_status"], "breached");

    // A reply after the deadline: the clock stops, breached, and no longer counts.
    reply(&app, &desk, &fast, "reply").await;
    let first = of_kind(&clocks(&app, &desk, &fast).await, "first_response")[0].clone();
    assert_eq!(
        (&first["outcome"], &first["breached"]),
        (&json!("breached"), &json!(true))
    );
    assert!(inbox("breached").await.is_empty());
    let events = sla_events(&app, &fast).await;
    assert_eq!(
        events,
        vec![("sla.breached".to_owned(), "first_response".to_owned())]
    );
}

#[tokio::test]
async fn graphql_shows_the_clocks_and_where_they_stand() {
    let app = TestApp::spawn().await;
    let t = app.tenant("Acme").await;
    let desk = desk_with(&app, &t, promises("Promises")).await;
    let id = desk.customer(&app, "ana", "Hello").await;
    let query = "query($ws: ID!, $id: ID!) { workspace(id: $ws) { conversation(id: $id) { \
        slaStatus slaDueAt slaClocks { kind state targetSeconds remainingSeconds dueAt breached } } } }";
    let vars = json!({ "ws": t.workspace_id, "id": id });
    let answer = app.graphql(Some(&t.token), query, vars).await;
    let conversation = &answer["data"]["workspace"]["conversation"];
    assert_eq!(conversation["slaStatus"], "OK", "{answer}");
    let clocks = conversation["slaClocks"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let kinds: Vec<&str> = clocks.iter().filter_map(|c| c["kind"].as_str()).collect();
    assert_eq!(kinds.len(), 2, "{answer}");
    assert!(
        kinds.contains(&"FIRST_RESPONSE") && kinds.contains(&"RESOLUTION"),
        "{answer}"
    );
    assert!(
        clocks
            .iter()
            .all(|c| c["state"] == "RUNNING" && c["breached"] == false)
    );
}

#[tokio::test]
async fn without_a_policy_no_clock_runs_and_another_workspace_sees_none() {
    let (app, a, b) = TestApp::two_workspaces().await;
    let plain = Desk::open(&app, &b).await;
    let quiet = plain.customer(&app, "ana", "Hello").await;
    assert!(clocks(&app, &plain, &quiet).await.is_empty());
    assert_eq!(plain.get(&app, &quiet).await["sla_status"], "none");

    let desk = desk_with(&app, &a, promises("Promises")).await;
    let id = desk.customer(&app, "ana", "Hello").await;
    let foreign = format!(
        "/v1/workspaces/{}/conversations/{id}/sla-clocks",
        b.workspace_id
    );
    let response = app.get(&foreign, &b.token).await;
    earshot_testkit::assert_problem(response, 404, "not_found").await;
}
