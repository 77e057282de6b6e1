//! Which SLA policy applies to a conversation, a calendar a policy counts in, another
//! workspace's policies, calendars, teams and conversations, and policies over GraphQL.

use earshot_testkit::{Tenant, TestApp, assert_problem, str_of};
use serde_json::{Value, json};

use crate::conversations::{Desk, ok};
use crate::sla_policies::{create, hour_and_day, policies_path};

fn policy(name: &str, position: i64, conditions: Value) -> Value {
    json!({ "name": name, "position": position, "conditions": conditions,
        "targets": { "first_response_seconds": 600 } })
}

/// The name of the policy that applies to a conversation now, if any.
async fn applies(app: &TestApp, desk: &Desk, id: &str) -> Option<String> {
    let path = format!("{}/sla-policy", desk.conversation(id));
    let answer = ok(app.get(&path, &desk.t.token).await, 200).await;
    assert_eq!(answer["conversation_id"], id);
    let by_rest = answer["policy"]["name"].as_str().map(str::to_owned);
    let query = "query($ws: ID!, $id: ID!) { workspace(id: $ws) { conversation(id: $id) { \
        slaPolicy { name } } } }";
    let vars = json!({ "ws": desk.t.workspace_id, "id": id });
    let answer = app.graphql(Some(&desk.t.token), query, vars).await;
    let policy = &answer["data"]["workspace"]["conversation"]["slaPolicy"];
    assert_eq!(
        policy["name"].as_str(),
        by_rest.as_deref(),
        "GraphQL agrees: {answer}"
    );
    by_rest
}

#[tokio::test]
async fn the_first_enabled_matching_policy_by_position_applies_and_follows_changes() {
    let app = TestApp::spawn().await;
    let t = app.tenant("Acme").await;
    let desk = Desk::open(&app, &t).await;
    let id = desk
        .customer(&app, "ana", "hello, a question about my order")
        .await;
    assert_eq!(applies(&app, &desk, &id).await, None, "no policy: null");

    create(&app, &t, policy("Fallback", 9, json!({}))).await;
    let first = policy(
        "Private tie, first",
        5,
        json!({ "visibility": ["private"] }),
    );
    let first = create(&app, &t, first).await;
    let second = policy(
        "Private tie, second",
        5,
        json!({ "visibility": ["private"] }),
    );
    create(&app, &t, second).await;
    // Ties in position go to the older policy.
    assert_eq!(
        applies(&app, &desk, &id).await.as_deref(),
        Some("Private tie, first")
    );

    let urgent = json!({ "priorities": ["urgent"], "channel_kinds": ["api"] });
    create(&app, &t, policy("Urgent", 1, urgent)).await;
    let vip = json!({ "tags": ["vip", "press"] });
    let vip = create(&app, &t, policy("VIP", 0, vip)).await;
    create(
        &app,
        &t,
        policy("On X", 0, json!({ "channel_kinds": ["x"] })),
    )
    .await;
    create(
        &app,
        &t,
        policy("Public", 0, json!({ "visibility": ["public"] })),
    )
    .await;
    create(
        &app,
        &t,
        policy("Adversaries", 0, json!({ "labels": ["adversary"] })),
    )
    .await;
    create(
        &app,
        &t,
        policy("Influential", 0, json!({ "min_influence": 1.0 })),
    )
    .await;
    assert_eq!(
        applies(&app, &desk, &id).await.as_deref(),
        Some("Private tie, first")
    );

    // Priority and tags change which policy applies.
    let raised = desk
        .patch(&app, &t.token, &id, json!({ "priority": "urgent" }))
        .await;
    ok(raised, 200).await;
    assert_eq!(applies(&app, &desk, &id).await.as_deref(), Some("Urgent"));
    let tagged = desk
        .patch(&app, &t.token, &id, json!({ "add_tags": ["press"] }))
        .await;
    ok(tagged, 200).await;
    assert_eq!(applies(&app, &desk, &id).await.as_deref(), Some("VIP"));

    // A disabled policy gives way; a moved one takes its new place.
    let vip_path = format!("{}/{}", policies_path(&t), str_of(&vip["id"]));
    ok(
        app.patch(&vip_path, &t.token, json!({ "enabled": false }))
            .await,
        200,
    )
    .await;
    assert_eq!(applies(&app, &desk, &id).await.as_deref(), Some("Urgent"));
    let first_path = format!("{}/{}", policies_path(&t), str_of(&first["id"]));
    ok(
        app.patch(&first_path, &t.token, json!({ "position": 0 }))
            .await,
        200,
    )
    .await;
    assert_eq!(
        applies(&app, &desk, &id).await.as_deref(),
        Some("Private tie, first")
    );
    assert_eq!(app.delete(&first_path, &t.token).await.status(), 204);
    assert_eq!(applies(&app, &desk, &id).await.as_deref(), Some("Urgent"));

    // Every member who reads the conversation reads its policy.
    let (_, viewer) = app.member_with_role(&t, "viewer").await;
    let path = format!("{}/sla-policy", desk.conversation(&id));
    assert_eq!(
        app.get_json(&path, &viewer).await["policy"]["name"],
        "Urgent"
    );
    let (_, settings) = app.api_key(&t, &["settings:manage"]).await;
    assert_problem(app.get(&path, &settings).await, 403, "forbidden").await;
}

#[tokio::test]
async fn a_calendar_or_team_a_policy_names_cannot_be_deleted() {
    let app = TestApp::spawn().await;
    let t = app.tenant("Acme").await;
    let hours_path = format!("/v1/workspaces/{}/business-hours", t.workspace_id);
    let body = json!({ "name": "Desk", "timezone": "UTC",
        "weekly": { "monday": [{ "start": "09:00", "end": "17:00" }] } });
    let hours = ok(app.post(&hours_path, &t.token, body).await, 201).await;
    let hours_id = str_of(&hours["id"]);
    let mut body = hour_and_day("Office hours");
    body["business_hours_id"] = json!(hours_id);
    let policy = create(&app, &t, body).await;
    let calendar_path = format!("{hours_path}/{hours_id}");
    let refused = app.delete(&calendar_path, &t.token).await;
    assert_problem(refused, 409, "business_hours_in_use").await;
    assert_eq!(app.get_json(&calendar_path, &t.token).await, hours, "kept");

    let policy_path = format!("{}/{}", policies_path(&t), str_of(&policy["id"]));
    let around_the_clock = json!({ "business_hours_id": null });
    ok(
        app.patch(&policy_path, &t.token, around_the_clock).await,
        200,
    )
    .await;
    assert_eq!(app.delete(&calendar_path, &t.token).await.status(), 204);

    // So does a team a policy's breach assigns.
    let teams = format!("/v1/workspaces/{}/teams", t.workspace_id);
    let team = ok(
        app.post(&teams, &t.token, json!({ "name": "Tier 3" }))
            .await,
        201,
    )
    .await;
    let team_path = format!("{teams}/{}", str_of(&team["id"]));
    let escalate = json!({ "breach_actions": { "assign_team_id": team["id"] } });
    ok(app.patch(&policy_path, &t.token, escalate).await, 200).await;
    assert_problem(app.delete(&team_path, &t.token).await, 409, "team_in_use").await;
    assert_eq!(app.get_json(&team_path, &t.token).await["name"], "Tier 3");
    let notify_only = json!({ "breach_actions": { "notify": true } });
    ok(app.patch(&policy_path, &t.token, notify_only).await, 200).await;
    assert_eq!(app.delete(&team_path, &t.token).await.status(), 204);

    // A workspace goes with its calendars and the policies counting in them.
    let body = json!({ "name": "Desk", "timezone": "UTC",
        "weekly": { "monday": [{ "start": "09:00", "end": "17:00" }] } });
    let hours = ok(app.post(&hours_path, &t.token, body).await, 201).await;
    let mut body = hour_and_day("Office hours again");
    body["business_hours_id"] = hours["id"].clone();
    create(&app, &t, body).await;
    let workspace = format!("/v1/workspaces/{}", t.workspace_id);
    assert_eq!(app.delete(&workspace, &t.token).await.status(), 204);
    assert_problem(
        app.get(&policies_path(&t), &t.token).await,
        404,
        "not_found",
    )
    .await;
}

fn gql_code(answer: &Value) -> String {
    str_of(&answer["errors"][0]["extensions"]["code"])
}

const CREATE: &str =
    "mutation($ws: ID!, $hours: ID, $team: ID) { createSlaPolicy(workspaceId: $ws, input: {
    name: \"Urgent X\", warningPercent: 75, businessHoursId: $hours,
    targets: { firstResponseSeconds: 900, resolutionSeconds: 14400 },
    conditions: { channelKinds: [X], priorities: [URGENT], labels: [ADVERSARY], minInfluence: 0.5 },
    breachActions: { raisePriorityTo: URGENT, assignTeamId: $team, addTag: \"late\" } })
    { id name enabled position warningPercent businessHoursId
      targets { firstResponseSeconds nextResponseSeconds resolutionSeconds }
      conditions { channelKinds priorities tags visibility labels minInfluence }
      breachActions { raisePriorityTo assignTeamId addTag notify } } }";
const UPDATE: &str = "mutation($ws: ID!, $id: ID!) { updateSlaPolicy(workspaceId: $ws,
    policyId: $id, input: { name: \"Urgent everywhere\", businessHoursId: null, conditions: { priorities: [URGENT] } })
    { name businessHoursId conditions { channelKinds priorities } targets { firstResponseSeconds } } }";
const DELETE: &str =
    "mutation($ws: ID!, $id: ID!) { deleteSlaPolicy(workspaceId: $ws, policyId: $id) }";
const READ: &str = "query($ws: ID!, $id: ID!) { workspace(id: $ws) {
    slaPolicies { items { id } } slaPolicy(id: $id) { name } } }";

async fn team_and_hours(app: &TestApp, t: &Tenant) -> (String, String) {
    let ws = format!("/v1/workspaces/{}", t.workspace_id);
    let team = ok(
        app.post(
            &format!("{ws}/teams"),
            &t.token,
            json!({ "name": "Tier 3" }),
        )
        .await,
        201,
    )
    .await;
    let body = json!({ "name": "Desk", "timezone": "UTC",
        "weekly": { "friday": [{ "start": "09:00", "end": "17:00" }] } });
    let hours = ok(
        app.post(&format!("{ws}/business-hours"), &t.token, body)
            .await,
        201,
    )
    .await;
    (str_of(&team["id"]), str_of(&hours["id"]))
}

#[tokio::test]
async fn policies_are_managed_over_graphql_as_over_rest() {
    let app = TestApp::spawn().await;
    let t = app.tenant("Acme").await;
    let (team, hours) = team_and_hours(&app, &t).await;
    let vars = json!({ "ws": t.workspace_id, "hours": hours, "team": team });
    let created = app.graphql(Some(&t.token), CREATE, vars.clone()).await;
    let policy = &created["data"]["createSlaPolicy"];
    assert_eq!(policy["warningPercent"], 75, "{created}");
    assert_eq!(policy["enabled"], true);
    assert_eq!(policy["businessHoursId"], hours.as_str());
    assert_eq!(
        policy["targets"],
        json!({ "firstResponseSeconds": 900, "nextResponseSeconds": null, "resolutionSeconds": 14400 })
    );
    assert_eq!(policy["conditions"]["labels"], json!(["ADVERSARY"]));
    assert_eq!(
        policy["breachActions"],
        json!({ "raisePriorityTo": "URGENT", "assignTeamId": team, "addTag": "late", "notify": true })
    );
    let id = str_of(&policy["id"]);
    let rest = app
        .get_json(&format!("{}/{id}", policies_path(&t)), &t.token)
        .await;
    assert_eq!(rest["conditions"]["channel_kinds"], json!(["x"]));

    let ids = json!({ "ws": t.workspace_id, "id": id });
    let answer = app.graphql(Some(&t.token), READ, ids.clone()).await;
    assert_eq!(
        answer["data"]["workspace"]["slaPolicies"]["items"],
        json!([{ "id": id }])
    );
    assert_eq!(answer["data"]["workspace"]["slaPolicy"]["name"], "Urgent X");
    let updated = app.graphql(Some(&t.token), UPDATE, ids.clone()).await;
    let policy = &updated["data"]["updateSlaPolicy"];
    assert_eq!(policy["businessHoursId"], Value::Null, "{updated}");
    assert_eq!(
        policy["conditions"],
        json!({ "channelKinds": [], "priorities": ["URGENT"] })
    );
    assert_eq!(policy["targets"]["firstResponseSeconds"], 900);

    let again = app.graphql(Some(&t.token), CREATE, vars.clone()).await;
    assert!(again["errors"].is_null(), "{again}");
    let taken = app.graphql(Some(&t.token), CREATE, vars.clone()).await;
    assert_eq!(gql_code(&taken), "sla_policy_name_taken");
    let bad = CREATE.replace("75", "175").replace("Urgent X", "Other");
    let answer = app.graphql(Some(&t.token), &bad, vars).await;
    assert_eq!(gql_code(&answer), "validation_failed");
    assert_eq!(
        answer["errors"][0]["extensions"]["errors"][0]["field"],
        "warning_percent"
    );
    let (_, agent) = app.member_with_role(&t, "agent").await;
    assert_eq!(
        gql_code(&app.graphql(Some(&agent), DELETE, ids.clone()).await),
        "forbidden"
    );
    let deleted = app.graphql(Some(&t.token), DELETE, ids.clone()).await;
    assert_eq!(deleted["data"]["deleteSlaPolicy"], true);
    assert_eq!(
        gql_code(&app.graphql(Some(&t.token), READ, ids).await),
        "not_found"
    );
}

#[tokio::test]
async fn another_workspaces_policies_calendars_teams_and_conversations_are_not_found() {
    let (app, a, b) = TestApp::two_workspaces().await;
    let theirs = create(&app, &b, hour_and_day("Theirs")).await;
    let theirs_id = str_of(&theirs["id"]);
    let their_desk = Desk::open(&app, &b).await;
    let their_conversation = their_desk.customer(&app, "bo", "hello").await;
    let (their_team, their_hours) = team_and_hours(&app, &b).await;

    let through_ours = format!("{}/{theirs_id}", policies_path(&a));
    assert_problem(app.get(&through_ours, &a.token).await, 404, "not_found").await;
    let patch = app
        .patch(&through_ours, &a.token, json!({ "name": "Taken" }))
        .await;
    assert_problem(patch, 404, "not_found").await;
    assert_problem(app.delete(&through_ours, &a.token).await, 404, "not_found").await;
    assert_problem(
        app.get(&policies_path(&b), &a.token).await,
        404,
        "not_found",
    )
    .await;
    let planted = app
        .post(&policies_path(&b), &a.token, hour_and_day("Planted"))
        .await;
    assert_problem(planted, 404, "not_found").await;
    let matching = format!(
        "/v1/workspaces/{}/conversations/{their_conversation}/sla-policy",
        a.workspace_id
    );
    assert_problem(app.get(&matching, &a.token).await, 404, "not_found").await;
    let direct = format!(
        "/v1/workspaces/{}/conversations/{their_conversation}/sla-policy",
        b.workspace_id
    );
    assert_problem(app.get(&direct, &a.token).await, 404, "not_found").await;

    // Their calendar or team named in our policy: refused, nothing stored.
    let mut body = hour_and_day("Borrowing");
    body["business_hours_id"] = json!(their_hours);
    body["breach_actions"] = json!({ "assign_team_id": their_team });
    let refused = assert_problem(
        app.post(&policies_path(&a), &a.token, body).await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(refused["errors"][0]["code"], "unknown_business_hours");
    assert_eq!(refused["errors"][1]["code"], "unknown_team");
    let ours = app.get_json(&policies_path(&a), &a.token).await;
    assert_eq!(ours["items"], json!([]));

    // GraphQL: their policy through our workspace and theirs, their calendar and team.
    for ws in [&a.workspace_id, &b.workspace_id] {
        let vars = json!({ "ws": ws, "id": theirs_id });
        assert_eq!(
            gql_code(&app.graphql(Some(&a.token), READ, vars).await),
            "not_found"
        );
    }
    let ids = json!({ "ws": a.workspace_id, "id": theirs_id });
    assert_eq!(
        gql_code(&app.graphql(Some(&a.token), UPDATE, ids.clone()).await),
        "not_found"
    );
    assert_eq!(
        gql_code(&app.graphql(Some(&a.token), DELETE, ids).await),
        "not_found"
    );
    let vars = json!({ "ws": b.workspace_id, "hours": null, "team": null });
    assert_eq!(
        gql_code(&app.graphql(Some(&a.token), CREATE, vars).await),
        "not_found"
    );
    let vars = json!({ "ws": a.workspace_id, "hours": their_hours, "team": their_team });
    let answer = app.graphql(Some(&a.token), CREATE, vars).await;
    assert_eq!(gql_code(&answer), "validation_failed");
    assert_eq!(
        answer["errors"][0]["extensions"]["errors"][0]["code"],
        "unknown_business_hours"
    );
    assert_eq!(
        answer["errors"][0]["extensions"]["errors"][1]["code"],
        "unknown_team"
    );
    let direct = format!("{}/{theirs_id}", policies_path(&b));
    assert_eq!(
        app.get_json(&direct, &b.token).await,
        theirs,
        "theirs is untouched"
    );
}
