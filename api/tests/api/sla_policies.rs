//! SLA policies over real HTTP: CRUD with defaults and an audit trail, every refusal (the
//! field and code named, all at once, nothing stored), and roles and keys.
#![expect(
    clippy::unwrap_used,
    reason = "test helpers fail the test at once on an unexpected answer"
)]

use earshot_testkit::{Tenant, TestApp, assert_problem, str_of};
use serde_json::{Value, json};

pub(crate) fn policies_path(t: &Tenant) -> String {
    format!("/v1/workspaces/{}/sla-policies", t.workspace_id)
}

/// A policy answering within an hour and resolving within a day, for every conversation.
pub(crate) fn hour_and_day(name: &str) -> Value {
    json!({
        "name": name,
        "targets": { "first_response_seconds": 3600, "resolution_seconds": 86_400 },
    })
}

pub(crate) async fn create(app: &TestApp, t: &Tenant, body: Value) -> Value {
    let response = app.post(&policies_path(t), &t.token, body).await;
    let status = response.status();
    let body: Value = response.json().await.unwrap();
    assert_eq!(status, 201, "{body}");
    body
}

async fn names(app: &TestApp, t: &Tenant) -> Vec<String> {
    let list = app.get_json(&policies_path(t), &t.token).await;
    let items = list["items"].as_array().unwrap();
    items.iter().map(|c| str_of(&c["name"])).collect()
}

async fn audit_actions(app: &TestApp, t: &Tenant) -> Vec<String> {
    let path = format!(
        "/v1/workspaces/{}/audit-log?target_kind=sla_policy",
        t.workspace_id
    );
    let log = app.get_json(&path, &t.token).await;
    let items = log["items"].as_array().unwrap();
    let mut actions: Vec<String> = items.iter().map(|e| str_of(&e["action"])).collect();
    actions.sort();
    actions
}

async fn calendar(app: &TestApp, t: &Tenant, name: &str) -> String {
    let path = format!("/v1/workspaces/{}/business-hours", t.workspace_id);
    let body = json!({ "name": name, "timezone": "Europe/Berlin",
        "weekly": { "monday": [{ "start": "09:00", "end": "17:00" }] } });
    let response = app.post(&path, &t.token, body).await;
    assert_eq!(response.status(), 201);
    str_of(&response.json::<Value>().await.unwrap()["id"])
}

async fn team(app: &TestApp, t: &Tenant, name: &str) -> String {
    let path = format!("/v1/workspaces/{}/teams", t.workspace_id);
    let response = app.post(&path, &t.token, json!({ "name": name })).await;
    assert_eq!(response.status(), 201);
    str_of(&response.json::<Value>().await.unwrap()["id"])
}

#[tokio::test]
async fn policies_are_created_with_defaults_read_changed_and_deleted_with_an_audit_trail() {
    let app = TestApp::spawn().await;
    let t = app.tenant("Acme").await;
    let created = create(&app, &t, hour_and_day("Everyone")).await;
    assert_eq!(created["enabled"], true);
    assert_eq!(created["position"], 0);
    assert_eq!(created["warning_percent"], 80);
    assert_eq!(created["business_hours_id"], Value::Null);
    assert_eq!(created["conditions"], json!({}));
    assert_eq!(
        created["breach_actions"],
        json!({ "raise_priority_to": null, "assign_team_id": null, "add_tag": null, "notify": true })
    );
    assert_eq!(
        created["targets"],
        json!({ "first_response_seconds": 3600, "next_response_seconds": null, "resolution_seconds": 86_400 })
    );
    let path = format!("{}/{}", policies_path(&t), str_of(&created["id"]));
    assert_eq!(app.get_json(&path, &t.token).await, created);

    let desk = calendar(&app, &t, "Berlin").await;
    let tier3 = team(&app, &t, "Tier 3").await;
    let vip = json!({
        "name": "VIP on X", "enabled": false, "warning_percent": 50,
        "targets": { "next_response_seconds": 900 },
        "business_hours_id": desk,
        "conditions": { "channel_kinds": ["x", "facebook", "x"], "priorities": ["urgent", "high"],
            "tags": [" vip ", "press"], "visibility": ["public"], "labels": ["adversary"],
            "min_influence": 0.7 },
        "breach_actions": { "raise_priority_to": "urgent", "assign_team_id": tier3,
            "add_tag": " escalated ", "notify": false },
    });
    let vip = create(&app, &t, vip).await;
    assert_eq!(vip["position"], 1, "after the last by default");
    assert_eq!(vip["enabled"], false);
    assert_eq!(vip["business_hours_id"], desk.as_str());
    assert_eq!(
        vip["conditions"],
        json!({ "channel_kinds": ["x", "facebook"], "priorities": ["high", "urgent"],
            "tags": ["press", "vip"], "visibility": ["public"], "labels": ["adversary"],
            "min_influence": 0.7 }),
        "lists in order without repeats, tags trimmed"
    );
    assert_eq!(vip["breach_actions"]["add_tag"], "escalated");
    assert_eq!(vip["breach_actions"]["assign_team_id"], tier3.as_str());
    assert_eq!(names(&app, &t).await, ["Everyone", "VIP on X"]);

    let patch = json!({ "name": "All", "position": 7, "targets": { "resolution_seconds": 7200 },
        "business_hours_id": desk });
    let changed: Value = app
        .patch(&path, &t.token, patch)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(changed["name"], "All");
    assert_eq!(changed["position"], 7);
    assert_eq!(
        changed["targets"],
        json!({ "first_response_seconds": null, "next_response_seconds": null, "resolution_seconds": 7200 }),
        "targets given replace the targets"
    );
    assert_eq!(changed["warning_percent"], 80, "the rest stays");
    assert_eq!(changed["created_at"], created["created_at"]);
    let cleared: Value = app
        .patch(&path, &t.token, json!({ "business_hours_id": null }))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(cleared["business_hours_id"], Value::Null);
    assert_eq!(cleared["name"], "All");

    assert_eq!(app.delete(&path, &t.token).await.status(), 204);
    assert_problem(app.get(&path, &t.token).await, 404, "not_found").await;
    assert_problem(app.delete(&path, &t.token).await, 404, "not_found").await;
    assert_eq!(names(&app, &t).await, ["VIP on X"]);
    let expected = [
        "sla_policy.created",
        "sla_policy.created",
        "sla_policy.deleted",
        "sla_policy.updated",
        "sla_policy.updated",
    ];
    assert_eq!(audit_actions(&app, &t).await, expected);
}

/// A body, the field and the code its refusal names.
fn bad_policies(
    other_calendar: &str,
    other_team: &str,
) -> Vec<(Value, &'static str, &'static str)> {
    let with = |change: Value| {
        let mut body = hour_and_day("Refused");
        for (k, v) in change.as_object().unwrap() {
            body[k] = v.clone();
        }
        body
    };
    let many: Vec<String> = (0..51).map(|i| format!("tag{i}")).collect();
    vec![
        (with(json!({ "name": "  " })), "name", "invalid_name"),
        (with(json!({ "position": -1 })), "position", "out_of_range"),
        (
            with(json!({ "position": 1_000_001 })),
            "position",
            "out_of_range",
        ),
        (with(json!({ "targets": {} })), "targets", "no_targets"),
        (
            with(json!({ "targets": { "first_response_seconds": 0 } })),
            "targets.first_response_seconds",
            "out_of_range",
        ),
        (
            with(json!({ "targets": { "next_response_seconds": -5 } })),
            "targets.next_response_seconds",
            "out_of_range",
        ),
        (
            with(json!({ "targets": { "resolution_seconds": 31_536_001 } })),
            "targets.resolution_seconds",
            "out_of_range",
        ),
        (
            with(json!({ "warning_percent": 0 })),
            "warning_percent",
            "out_of_range",
        ),
        (
            with(json!({ "warning_percent": 100 })),
            "warning_percent",
            "out_of_range",
        ),
        (
            with(json!({ "business_hours_id": other_calendar })),
            "business_hours_id",
            "unknown_business_hours",
        ),
        (
            with(json!({ "conditions": { "tags": ["ok", " "] } })),
            "conditions.tags[1]",
            "invalid_tag",
        ),
        (
            with(json!({ "conditions": { "tags": many } })),
            "conditions.tags",
            "too_many",
        ),
        (
            with(json!({ "conditions": { "min_influence": 1.5 } })),
            "conditions.min_influence",
            "out_of_range",
        ),
        (
            with(json!({ "conditions": { "min_influence": -0.1 } })),
            "conditions.min_influence",
            "out_of_range",
        ),
        (
            with(json!({ "breach_actions": { "assign_team_id": other_team } })),
            "breach_actions.assign_team_id",
            "unknown_team",
        ),
        (
            with(json!({ "breach_actions": { "add_tag": "" } })),
            "breach_actions.add_tag",
            "invalid_tag",
        ),
    ]
}

#[tokio::test]
async fn each_bad_policy_is_refused_naming_the_field_and_nothing_is_stored() {
    let (app, t, other) = TestApp::two_workspaces().await;
    let (their_calendar, their_team) = (
        calendar(&app, &other, "Theirs").await,
        team(&app, &other, "Theirs").await,
    );
    let kept = create(&app, &t, hour_and_day("Kept")).await;
    let kept_path = format!("{}/{}", policies_path(&t), str_of(&kept["id"]));
    for (body, field, code) in bad_policies(&their_calendar, &their_team) {
        let refused = app.post(&policies_path(&t), &t.token, body.clone()).await;
        let problem = assert_problem(refused, 422, "validation_failed").await;
        let errors = problem["errors"].as_array().unwrap();
        assert_eq!(errors.len(), 1, "{problem}");
        assert_eq!(
            (errors[0]["field"].as_str(), errors[0]["code"].as_str()),
            (Some(field), Some(code))
        );
        // The same change refused on an existing policy leaves it as it was.
        let mut patch = body;
        patch.as_object_mut().unwrap().remove("name");
        if field == "name" {
            patch["name"] = json!(" ");
        }
        let refused = app.patch(&kept_path, &t.token, patch).await;
        let problem = assert_problem(refused, 422, "validation_failed").await;
        assert_eq!(problem["errors"][0]["code"], code, "{problem}");
    }
    // Several problems at once are all named.
    let body = json!({ "name": "", "targets": {}, "warning_percent": 120,
        "business_hours_id": their_calendar, "breach_actions": { "assign_team_id": their_team } });
    let refused = app.post(&policies_path(&t), &t.token, body).await;
    let problem = assert_problem(refused, 422, "validation_failed").await;
    let fields: Vec<&str> = problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(
        fields,
        [
            "name",
            "targets",
            "warning_percent",
            "business_hours_id",
            "breach_actions.assign_team_id"
        ]
    );
    // Unknown fields and unknown values are refused and named.
    for (key, value, field, code) in [
        ("colour", json!("red"), "colour", "unknown_field"),
        (
            "targets",
            json!({ "reply_seconds": 5 }),
            "targets.reply_seconds",
            "unknown_field",
        ),
        (
            "conditions",
            json!({ "sentiment": 1 }),
            "conditions.sentiment",
            "unknown_field",
        ),
        (
            "conditions",
            json!({ "channel_kinds": ["myspace"] }),
            "conditions.channel_kinds[0]",
            "unknown_value",
        ),
        (
            "conditions",
            json!({ "priorities": ["asap"] }),
            "conditions.priorities[0]",
            "unknown_value",
        ),
        (
            "conditions",
            json!({ "labels": ["fan"] }),
            "conditions.labels[0]",
            "unknown_value",
        ),
        (
            "conditions",
            json!({ "visibility": ["secret"] }),
            "conditions.visibility[0]",
            "unknown_value",
        ),
        (
            "breach_actions",
            json!({ "raise_priority_to": "max" }),
            "breach_actions.raise_priority_to",
            "unknown_value",
        ),
    ] {
        let mut body = hour_and_day("X");
        body[key] = value;
        let refused = app.post(&policies_path(&t), &t.token, body).await;
        let problem = assert_problem(refused, 422, "validation_failed").await;
        let named = (
            problem["errors"][0]["field"].as_str(),
            problem["errors"][0]["code"].as_str(),
        );
        assert_eq!(named, (Some(field), Some(code)), "{problem}");
    }
    let taken = app
        .post(&policies_path(&t), &t.token, hour_and_day("Kept"))
        .await;
    assert_problem(taken, 409, "sla_policy_name_taken").await;

    assert_eq!(
        names(&app, &t).await,
        ["Kept"],
        "no refused policy was stored"
    );
    assert_eq!(
        app.get_json(&kept_path, &t.token).await,
        kept,
        "nor changed"
    );
    assert_eq!(audit_actions(&app, &t).await, ["sla_policy.created"]);
}

#[tokio::test]
async fn members_read_policies_but_only_settings_managers_change_them() {
    let app = TestApp::spawn().await;
    let t = app.tenant("Acme").await;
    let policy = create(&app, &t, hour_and_day("Everyone")).await;
    let path = format!("{}/{}", policies_path(&t), str_of(&policy["id"]));
    for role in ["supervisor", "agent", "viewer"] {
        let (_, token) = app.member_with_role(&t, role).await;
        let list = app.get_json(&policies_path(&t), &token).await;
        assert_eq!(list["items"][0]["id"], policy["id"]);
        assert_eq!(app.get_json(&path, &token).await["name"], "Everyone");
        let refused = app
            .post(&policies_path(&t), &token, hour_and_day(role))
            .await;
        assert_problem(refused, 403, "forbidden").await;
        let refused = app.patch(&path, &token, json!({ "name": "Mine" })).await;
        assert_problem(refused, 403, "forbidden").await;
        assert_problem(app.delete(&path, &token).await, 403, "forbidden").await;
    }
    let (_, admin) = app.member_with_role(&t, "admin").await;
    let renamed = app.patch(&path, &admin, json!({ "name": "Admin's" })).await;
    assert_eq!(renamed.status(), 200);

    let (_, reader) = app.api_key(&t, &["conversations:read"]).await;
    assert_eq!(app.get_json(&path, &reader).await["name"], "Admin's");
    let refused = app
        .post(&policies_path(&t), &reader, hour_and_day("Key"))
        .await;
    assert_problem(refused, 403, "forbidden").await;
    let (_, settings) = app.api_key(&t, &["settings:manage"]).await;
    let created = app
        .post(&policies_path(&t), &settings, hour_and_day("Key"))
        .await;
    assert_eq!(created.status(), 201);
    assert_eq!(names(&app, &t).await, ["Admin's", "Key"]);
}
