//! SLA clocks fire at their deadlines: the warning and the breach once each, whatever the
//! number of workers or wake-ups, with the policy's breach actions, and within a second of
//! the deadline for a running worker.
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

/// A workspace with a policy, an `api` channel and one customer's conversation.
struct Promised {
    t: Tenant,
    id: String,
}

impl Promised {
    /// `policy` is the policy's body; `agent` is a member of the escalation team, if any.
    async fn start(app: &TestApp, name: &str, policy: Value) -> Promised {
        let t = app.tenant(name).await;
        let ws = format!("/v1/workspaces/{}", t.workspace_id);
        ok(
            app.post(&format!("{ws}/sla-policies"), &t.token, policy)
                .await,
            201,
        )
        .await;
        let channel = app.api_channel(&t).await;
        let (_, key) = app.api_key(&t, &["messages:ingest"]).await;
        let body = json!({
            "platform_message_id": uuid::Uuid::new_v4().to_string(),
            "author": { "platform_user_id": "id-ada", "handle": "@ada" },
            "text": "My order is late",
            "visibility": "private",
        });
        let ingested = ok(app.push(&t, &key, &channel, body).await, 201).await;
        let id = str_of(&ingested["conversation"]["id"]);
        Promised { t, id }
    }

    fn path(&self) -> String {
        format!(
            "/v1/workspaces/{}/conversations/{}",
            self.t.workspace_id, self.id
        )
    }

    async fn read(&self, app: &TestApp) -> Value {
        ok(app.get(&self.path(), &self.t.token).await, 200).await
    }

    async fn first_response(&self, app: &TestApp) -> Value {
        let path = format!("{}/sla-clocks", self.path());
        let answer = ok(app.get(&path, &self.t.token).await, 200).await;
        let clocks = answer["clocks"].as_array().cloned().unwrap_or_default();
        clocks
            .into_iter()
            .find(|c| c["kind"] == "first_response")
            .unwrap_or_else(|| panic!("no first-response clock: {answer}"))
    }

    /// The conversation's SLA events in the outbox, in order.
    async fn fired(&self, app: &TestApp) -> Vec<Value> {
        app.outbox()
            .await
            .into_iter()
            .filter(|row| row.event_type.starts_with("sla."))
            .filter(|row| row.conversation_id.as_deref() == Some(self.id.as_str()))
            .map(|row| row.payload)
            .collect()
    }

    async fn audited(&self, app: &TestApp, action: &str) -> usize {
        let path = format!(
            "/v1/workspaces/{}/audit-log?action={action}",
            self.t.workspace_id
        );
        let page = ok(app.get(&path, &self.t.token).await, 200).await;
        page["items"].as_array().map_or(0, Vec::len)
    }
}

fn names(events: &[Value]) -> Vec<String> {
    events.iter().map(|e| str_of(&e["type"])).collect()
}

async fn turn(app: &TestApp, at: DateTime<Utc>) {
    if let Err(err) = run_once_at(&app.core, at).await {
        panic!("worker pass failed: {err}");
    }
}

#[tokio::test]
async fn a_clock_warns_then_breaches_once_each_and_the_breach_escalates() {
    let app = TestApp::spawn_stepped().await;
    let t = app.tenant("Acme").await;
    let (agent, agent_token) = app.member_with_role(&t, "agent").await;
    let ws = format!("/v1/workspaces/{}", t.workspace_id);
    let team = json!({ "name": "Tier 3", "member_ids": [agent] });
    let team = str_of(&ok(app.post(&format!("{ws}/teams"), &t.token, team).await, 201).await["id"]);
    let policy = json!({ "name": "Hour", "targets": { "first_response_seconds": 3600 },
        "breach_actions": { "raise_priority_to": "urgent", "assign_team_id": team,
            "add_tag": "sla-breached" } });
    // The policy lives in the tenant's own workspace: start there.
    ok(
        app.post(&format!("{ws}/sla-policies"), &t.token, policy)
            .await,
        201,
    )
    .await;
    let channel = app.api_channel(&t).await;
    let (_, key) = app.api_key(&t, &["messages:ingest"]).await;
    let body = json!({ "platform_message_id": "m-1", "text": "Still waiting",
        "author": { "platform_user_id": "id-ada", "handle": "@ada" }, "visibility": "private" });
    let ingested = ok(app.push(&t, &key, &channel, body).await, 201).await;
    let p = Promised {
        t: t.clone(),
        id: str_of(&ingested["conversation"]["id"]),
    };

    let clock = p.first_response(&app).await;
    let (warn_at, due_at) = (time(&clock["warn_at"]), time(&clock["due_at"]));
    turn(&app, warn_at - Duration::seconds(1)).await;
    assert!(
        p.fired(&app).await.is_empty(),
        "nothing before the threshold"
    );

    turn(&app, warn_at).await;
    turn(&app, warn_at + Duration::seconds(5)).await;
    assert_eq!(names(&p.fired(&app).await), vec!["sla.warning"]);
    let warned = p.first_response(&app).await;
    assert!(
        !warned["warned_at"].is_null() && warned["breached_at"].is_null(),
        "{warned}"
    );

    turn(&app, due_at).await;
    turn(&app, due_at + Duration::minutes(10)).await;
    let fired = p.fired(&app).await;
    assert_eq!(names(&fired), vec!["sla.warning", "sla.breached"]);
    assert_eq!(fired[1]["data"]["clock"]["kind"], "first_response");
    assert_eq!(fired[1]["data"]["clock"]["breached"], true);
    // The breach's event shows the conversation escalated.
    let shown = &fired[1]["data"]["conversation"];
    assert_eq!(shown["priority"], "urgent", "{shown}");
    let read = p.read(&app).await;
    assert_eq!(read["priority"], "urgent");
    assert_eq!(read["team_id"], team.as_str());
    assert!(
        read["tags"]
            .as_array()
            .is_some_and(|t| t.contains(&json!("sla-breached")))
    );
    assert_eq!(p.audited(&app, "sla.warning").await, 1);
    assert_eq!(p.audited(&app, "sla.breached").await, 1);

    // The escalation team hears of it.
    let path = format!("{ws}/notifications");
    let inbox = ok(app.get(&path, &agent_token).await, 200).await;
    let kinds: Vec<String> = inbox["items"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|n| str_of(&n["kind"]))
        .collect();
    assert_eq!(kinds, vec!["sla_breached"], "{inbox}");
}

#[tokio::test]
async fn two_workers_and_repeated_wake_ups_fire_each_clock_once() {
    let app = TestApp::spawn_stepped().await;
    let policy = json!({ "name": "Hour", "targets": { "first_response_seconds": 3600 } });
    let p = Promised::start(&app, "Acme", policy).await;
    let due_at = time(&p.first_response(&app).await["due_at"]);
    let sibling = app.sibling().await;
    for at in [due_at, due_at + Duration::seconds(1), due_at] {
        let (a, b) = tokio::join!(run_once_at(&app.core, at), run_once_at(&sibling.core, at));
        assert!(a.is_ok() && b.is_ok(), "{a:?} {b:?}");
    }
    assert_eq!(
        names(&p.fired(&app).await),
        vec!["sla.warning", "sla.breached"]
    );
    assert_eq!(p.audited(&app, "sla.breached").await, 1);
}

#[tokio::test]
async fn a_paused_clock_fires_nothing_and_resumes_with_the_time_it_had_left() {
    let app = TestApp::spawn_stepped().await;
    let policy = json!({ "name": "Hour", "targets": { "first_response_seconds": 3600 } });
    let p = Promised::start(&app, "Acme", policy).await;
    let due_at = time(&p.first_response(&app).await["due_at"]);
    let body = json!({ "status": "pending" });
    ok(app.patch(&p.path(), &p.t.token, body).await, 200).await;
    turn(&app, due_at + Duration::hours(2)).await;
    assert!(p.fired(&app).await.is_empty(), "a held clock fires nothing");

    // Re-opened: what was left runs from now.
    let body = json!({ "status": "open" });
    let before = Utc::now();
    ok(app.patch(&p.path(), &p.t.token, body).await, 200).await;
    let resumed = p.first_response(&app).await;
    let new_due = time(&resumed["due_at"]);
    let left = resumed["remaining_seconds"].as_i64().unwrap_or_default();
    assert!((3590..=3600).contains(&left), "{resumed}");
    assert!(new_due >= before + Duration::seconds(left), "{resumed}");
    // A stepped turn wakes before it fans out, so the resumed deadline is indexed by the
    // first turn's fan-out and acted on by the second (a running worker does both at once).
    turn(&app, new_due - Duration::seconds(1)).await;
    turn(&app, new_due - Duration::seconds(1)).await;
    assert_eq!(names(&p.fired(&app).await), vec!["sla.warning"]);
    turn(&app, new_due).await;
    assert_eq!(
        names(&p.fired(&app).await),
        vec!["sla.warning", "sla.breached"]
    );
}

#[tokio::test]
async fn a_running_worker_fires_a_breach_within_a_second_of_its_deadline() {
    let app = TestApp::spawn_stepped().await;
    let policy = json!({ "name": "Quick", "targets": { "first_response_seconds": 2 } });
    let p = Promised::start(&app, "Acme", policy).await;
    let due_at = time(&p.first_response(&app).await["due_at"]);
    let wake_ups = tokio::spawn(earshot_worker::Consumer::WakeUps.run(app.core.clone()));
    let fan_out = tokio::spawn(earshot_worker::Consumer::FanOut.run(app.core.clone()));

    let mut breached = None;
    for _ in 0..100 {
        let clock = p.first_response(&app).await;
        if !clock["breached_at"].is_null() {
            breached = Some(time(&clock["breached_at"]));
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    wake_ups.abort();
    fan_out.abort();
    let Some(breached) = breached else {
        panic!("not breached within 5 s: {}", p.first_response(&app).await);
    };
    assert!(
        breached >= due_at,
        "breached early: {breached} before {due_at}"
    );
    let late = breached - due_at;
    assert!(late < Duration::seconds(1), "breached {late} late");
    assert_eq!(
        names(&p.fired(&app).await),
        vec!["sla.warning", "sla.breached"]
    );
}

#[tokio::test]
async fn a_flushed_index_loses_no_clock() {
    let Ok(url) = std::env::var("TEST_REDIS_URL") else {
        // The in-process index lives and dies with its process, and the worker with it.
        return;
    };
    let app = TestApp::spawn_stepped().await;
    let policy = json!({ "name": "Hour", "targets": { "first_response_seconds": 3600 } });
    let p = Promised::start(&app, "Acme", policy).await;
    let clock = p.first_response(&app).await;
    let (warn_at, due_at) = (time(&clock["warn_at"]), time(&clock["due_at"]));
    turn(&app, warn_at).await;
    assert_eq!(names(&p.fired(&app).await), vec!["sla.warning"]);

    // Redis loses everything mid-run; a worker starting now re-indexes from the database.
    assert!(
        crate::wake_index::lose(&app, &url) > 0,
        "the breach was indexed"
    );
    let restarted = app.sibling().await;
    turn(&restarted, due_at).await;
    assert_eq!(
        names(&p.fired(&app).await),
        vec!["sla.warning", "sla.breached"]
    );
}

#[tokio::test]
async fn a_commitment_warns_its_owner_then_breaches_once_and_escalates() {
    let app = TestApp::spawn_stepped().await;
    let policy = json!({ "name": "Escalate", "targets": { "resolution_seconds": 864_000 },
        "breach_actions": { "raise_priority_to": "high" } });
    let p = Promised::start(&app, "Acme", policy).await;
    let ws = format!("/v1/workspaces/{}", p.t.workspace_id);
    let (agent, agent_token) = app.member_with_role(&p.t, "agent").await;
    let team = json!({ "name": "Field technicians", "member_ids": [agent] });
    let team = ok(
        app.post(&format!("{ws}/teams"), &p.t.token, team).await,
        201,
    )
    .await;
    let body = json!({ "text": "A technician visits on Friday", "owner_team_id": team["id"],
        "due_at": Utc::now() + Duration::hours(10) });
    let path = format!("{}/commitments", p.path());
    let created = ok(app.post(&path, &p.t.token, body).await, 201).await;
    let (warn_at, due_at) = (time(&created["warn_at"]), time(&created["due_at"]));
    let fired = || async {
        let rows = app.outbox().await.into_iter();
        rows.filter(|r| {
            r.event_type == "commitment.warning" || r.event_type == "commitment.breached"
        })
        .map(|r| r.event_type)
        .collect::<Vec<_>>()
    };
    let told = || async {
        let inbox = ok(
            app.get(&format!("{ws}/notifications"), &agent_token).await,
            200,
        )
        .await;
        let mut kinds: Vec<String> = inbox["items"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|n| str_of(&n["kind"]))
            .collect();
        kinds.sort();
        kinds
    };

    turn(&app, warn_at - Duration::seconds(1)).await;
    assert!(fired().await.is_empty());
    turn(&app, warn_at).await;
    assert_eq!(fired().await, vec!["commitment.warning"]);
    assert_eq!(told().await, vec!["commitment_due_soon"]);

    let sibling = app.sibling().await;
    for at in [due_at, due_at + Duration::minutes(1)] {
        let (a, b) = tokio::join!(run_once_at(&app.core, at), run_once_at(&sibling.core, at));
        assert!(a.is_ok() && b.is_ok(), "{a:?} {b:?}");
    }
    assert_eq!(
        fired().await,
        vec!["commitment.warning", "commitment.breached"]
    );
    assert_eq!(
        told().await,
        vec!["commitment_breached", "commitment_due_soon"]
    );
    assert_eq!(
        p.read(&app).await["priority"],
        "high",
        "escalated by the policy"
    );
    let read = ok(
        app.get(&format!("{path}/{}", str_of(&created["id"])), &p.t.token)
            .await,
        200,
    )
    .await;
    assert_eq!(
        (&read["breached"], &read["state"]),
        (&json!(true), &json!("open"))
    );
    assert_eq!(p.audited(&app, "commitment.breached").await, 1);
}
