//! Commitments over real HTTP: recorded, shown on the conversation and in its deadline,
//! fulfilled or cancelled as recorded actions, refused with every field named, and keeping
//! a conversation from closing while open.
#![expect(
    clippy::panic,
    reason = "test helpers fail the test at once on an unexpected answer"
)]

use chrono::{DateTime, Duration, Utc};
use earshot_testkit::{TestApp, assert_problem, str_of};
use serde_json::{Value, json};

use crate::conversations::{Desk, ok};

fn commitments_path(desk: &Desk, id: &str) -> String {
    format!("{}/commitments", desk.conversation(id))
}

fn time(value: &Value) -> DateTime<Utc> {
    serde_json::from_value(value.clone()).unwrap_or_else(|_| panic!("not a time: {value}"))
}

async fn promise(app: &TestApp, desk: &Desk, id: &str, body: Value) -> Value {
    ok(
        app.post(&commitments_path(desk, id), &desk.t.token, body)
            .await,
        201,
    )
    .await
}

async fn audit_actions(app: &TestApp, desk: &Desk) -> Vec<String> {
    let path = format!("{}/audit-log?target_kind=conversation", desk.ws());
    let page = ok(app.get(&path, &desk.t.token).await, 200).await;
    let items = page["items"].as_array().cloned().unwrap_or_default();
    items.iter().map(|e| str_of(&e["action"])).collect()
}

#[tokio::test]
async fn a_commitment_is_recorded_counts_in_the_deadline_and_is_fulfilled_as_a_recorded_action() {
    let app = TestApp::spawn().await;
    let t = app.tenant("Acme").await;
    let desk = Desk::open(&app, &t).await;
    let id = desk.customer(&app, "ana", "My router is dead").await;
    let due = Utc::now() + Duration::hours(10);
    let body = json!({ "text": "  A technician visits tomorrow  ", "due_at": due });
    let created = promise(&app, &desk, &id, body).await;
    assert_eq!(created["text"], "A technician visits tomorrow");
    assert_eq!(created["state"], "open");
    assert_eq!(
        created["owner_user_id"],
        t.user_id.as_str(),
        "the recorder owns it"
    );
    assert_eq!(created["warning_percent"], 80);
    let warn = time(&created["warn_at"]);
    let expected_warn = time(&created["created_at"]) + Duration::hours(8);
    assert!((warn - expected_warn).num_seconds().abs() <= 1, "{created}");

    let conversation = desk.get(&app, &id).await;
    assert_eq!(time(&conversation["sla_due_at"]), time(&created["due_at"]));
    assert_eq!(conversation["sla_status"], "ok");
    let listed = ok(app.get(&commitments_path(&desk, &id), &t.token).await, 200).await;
    assert_eq!(listed.as_array().map(Vec::len), Some(1));
    let one = format!(
        "{}/{}",
        commitments_path(&desk, &id),
        str_of(&created["id"])
    );
    let read = ok(app.get(&one, &t.token).await, 200).await;
    assert_eq!(read["id"], created["id"]);

    // Moved: the warning moves with it.
    let later = Utc::now() + Duration::hours(20);
    let moved = ok(
        app.patch(&one, &t.token, json!({ "due_at": later })).await,
        200,
    )
    .await;
    assert!(time(&moved["warn_at"]) > warn);
    assert_eq!(moved["version"], 1);

    let done = ok(
        app.patch(&one, &t.token, json!({ "state": "fulfilled" }))
            .await,
        200,
    )
    .await;
    assert_eq!(done["state"], "fulfilled");
    assert_eq!(done["fulfilled_by"], t.user_id.as_str());
    assert!(!done["fulfilled_at"].is_null());
    assert!(desk.get(&app, &id).await["sla_due_at"].is_null());
    let again = app
        .patch(&one, &t.token, json!({ "text": "changed" }))
        .await;
    assert_problem(again, 409, "commitment_closed").await;

    let actions = audit_actions(&app, &desk).await;
    for action in [
        "commitment.created",
        "commitment.updated",
        "commitment.fulfilled",
    ] {
        assert!(
            actions.contains(&action.to_owned()),
            "{action} in {actions:?}"
        );
    }
    let outbox: Vec<String> = app
        .outbox()
        .await
        .into_iter()
        .filter(|row| row.event_type.starts_with("commitment."))
        .map(|row| row.event_type)
        .collect();
    assert_eq!(
        outbox,
        vec![
            "commitment.created",
            "commitment.updated",
            "commitment.fulfilled"
        ]
    );
}

#[tokio::test]
async fn bad_commitments_are_refused_with_every_field_named_and_nothing_stored() {
    let app = TestApp::spawn().await;
    let t = app.tenant("Acme").await;
    let desk = Desk::open(&app, &t).await;
    let id = desk.customer(&app, "ana", "Hello").await;
    let path = commitments_path(&desk, &id);
    let team = ok(
        app.post(
            &format!("{}/teams", desk.ws()),
            &t.token,
            json!({ "name": "T3" }),
        )
        .await,
        201,
    )
    .await;
    let body = json!({ "text": " ", "due_at": Utc::now() - Duration::minutes(1),
        "warning_percent": 0, "owner_user_id": t.user_id, "owner_team_id": team["id"] });
    let refused = assert_problem(
        app.post(&path, &t.token, body).await,
        422,
        "validation_failed",
    )
    .await;
    let mut codes: Vec<String> = refused["errors"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|e| format!("{}:{}", str_of(&e["field"]), str_of(&e["code"])))
        .collect();
    codes.sort();
    assert_eq!(
        codes,
        vec![
            "due_at:in_the_past",
            "owner_team_id:one_owner",
            "text:required",
            "warning_percent:out_of_range"
        ]
    );
    let stranger = uuid::Uuid::new_v4();
    let body = json!({ "text": "Call back", "due_at": Utc::now() + Duration::days(400),
        "owner_team_id": stranger });
    let refused = assert_problem(
        app.post(&path, &t.token, body).await,
        422,
        "validation_failed",
    )
    .await;
    let codes: Vec<String> = refused["errors"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|e| str_of(&e["code"]))
        .collect();
    assert_eq!(codes, vec!["too_far", "unknown_team"]);
    let body = json!({ "text": "Call back", "due_at": Utc::now() + Duration::days(1),
        "owner_user_id": stranger });
    assert_problem(
        app.post(&path, &t.token, body).await,
        422,
        "validation_failed",
    )
    .await;
    let listed = ok(app.get(&path, &t.token).await, 200).await;
    assert_eq!(listed, json!([]), "nothing stored");

    // A key is no person: it names the owner.
    let (_, key) = app.api_key(&t, &["conversations:write"]).await;
    let body = json!({ "text": "Call back", "due_at": Utc::now() + Duration::days(1) });
    let refused = assert_problem(app.post(&path, &key, body).await, 422, "validation_failed").await;
    assert_eq!(refused["errors"][0]["code"], "owner_required");
    let body = json!({ "text": "Call back", "due_at": Utc::now() + Duration::days(1),
        "owner_team_id": team["id"] });
    let by_key = ok(app.post(&path, &key, body).await, 201).await;
    assert!(by_key["created_by"].is_null());
    assert_eq!(by_key["owner_team_id"], team["id"]);
}

#[tokio::test]
async fn an_open_commitment_keeps_a_conversation_from_closing() {
    let app = TestApp::spawn().await;
    let t = app.tenant("Acme").await;
    let desk = Desk::open(&app, &t).await;
    let id = desk.customer(&app, "ana", "Fix my line please").await;
    let body =
        json!({ "text": "We call you back by 5 pm", "due_at": Utc::now() + Duration::hours(3) });
    let created = promise(&app, &desk, &id, body).await;

    ok(
        desk.patch(&app, &t.token, &id, json!({ "status": "resolved" }))
            .await,
        200,
    )
    .await;
    let closing = desk
        .patch(&app, &t.token, &id, json!({ "status": "closed" }))
        .await;
    assert_problem(closing, 409, "open_commitments").await;
    assert_eq!(
        desk.get(&app, &id).await["status"],
        "resolved",
        "nothing changed"
    );
    assert!(
        !desk.get(&app, &id).await["sla_due_at"].is_null(),
        "still owed while resolved"
    );

    let one = format!(
        "{}/{}",
        commitments_path(&desk, &id),
        str_of(&created["id"])
    );
    ok(
        app.patch(&one, &t.token, json!({ "state": "cancelled" }))
            .await,
        200,
    )
    .await;
    ok(
        desk.patch(&app, &t.token, &id, json!({ "status": "closed" }))
            .await,
        200,
    )
    .await;
}

#[tokio::test]
async fn graphql_records_and_fulfils_commitments_as_rest_does() {
    let app = TestApp::spawn().await;
    let t = app.tenant("Acme").await;
    let desk = Desk::open(&app, &t).await;
    let id = desk.customer(&app, "ana", "Hello").await;
    let create = "mutation($ws: ID!, $c: ID!, $input: CreateCommitmentInput!) { \
        createCommitment(workspaceId: $ws, conversationId: $c, input: $input) { id state ownerUserId } }";
    let input = json!({ "text": "Refund by Monday", "dueAt": Utc::now() + Duration::days(2) });
    let vars = json!({ "ws": t.workspace_id, "c": id, "input": input });
    let answer = app.graphql(Some(&t.token), create, vars).await;
    let created = &answer["data"]["createCommitment"];
    assert_eq!(created["state"], "OPEN", "{answer}");
    assert_eq!(created["ownerUserId"], t.user_id.as_str());
    let update = "mutation($ws: ID!, $c: ID!, $id: ID!) { updateCommitment(workspaceId: $ws, \
        conversationId: $c, commitmentId: $id, input: { state: FULFILLED }) { state fulfilledAt } }";
    let vars = json!({ "ws": t.workspace_id, "c": id, "id": created["id"] });
    let answer = app.graphql(Some(&t.token), update, vars).await;
    assert_eq!(
        answer["data"]["updateCommitment"]["state"], "FULFILLED",
        "{answer}"
    );
    let query = "query($ws: ID!, $id: ID!) { workspace(id: $ws) { conversation(id: $id) { \
        commitments { id state text } } } }";
    let answer = app
        .graphql(
            Some(&t.token),
            query,
            json!({ "ws": t.workspace_id, "id": id }),
        )
        .await;
    let listed = &answer["data"]["workspace"]["conversation"]["commitments"];
    assert_eq!(listed[0]["text"], "Refund by Monday", "{answer}");
    let rest = ok(app.get(&commitments_path(&desk, &id), &t.token).await, 200).await;
    assert_eq!(rest[0]["state"], "fulfilled");
}

#[tokio::test]
async fn another_workspaces_commitment_is_not_found_through_ones_own_conversation() {
    let (app, a, b) = TestApp::two_workspaces().await;
    let theirs = Desk::open(&app, &a).await;
    let their_id = theirs.customer(&app, "ana", "Hello").await;
    let body = json!({ "text": "Call back", "due_at": Utc::now() + Duration::days(1) });
    let their = promise(&app, &theirs, &their_id, body).await;
    let mine = Desk::open(&app, &b).await;
    let my_id = mine.customer(&app, "bob", "Hello").await;
    let path = format!(
        "{}/{}",
        commitments_path(&mine, &my_id),
        str_of(&their["id"])
    );
    assert_problem(app.get(&path, &b.token).await, 404, "not_found").await;
    let patch = app
        .patch(&path, &b.token, json!({ "state": "cancelled" }))
        .await;
    assert_problem(patch, 404, "not_found").await;
    let read = ok(
        app.get(
            &format!(
                "{}/{}",
                commitments_path(&theirs, &their_id),
                str_of(&their["id"])
            ),
            &a.token,
        )
        .await,
        200,
    )
    .await;
    assert_eq!(read["state"], "open", "untouched");
}

#[tokio::test]
async fn erasing_the_customer_forgets_what_was_promised_to_them() {
    let app = TestApp::spawn().await;
    let t = app.tenant("Acme").await;
    let desk = Desk::open(&app, &t).await;
    let id = desk
        .customer(&app, "ana", "The line at my flat is dead")
        .await;
    let body = json!({ "text": "Technician at 12 Elm Street on Friday",
        "due_at": Utc::now() + Duration::days(2) });
    let created = promise(&app, &desk, &id, body).await;
    let contact = str_of(&desk.get(&app, &id).await["contact"]["id"]);
    let erase = format!("{}/contacts/{contact}/erase", desk.ws());
    ok(app.post(&erase, &t.token, json!({})).await, 200).await;
    let one = format!(
        "{}/{}",
        commitments_path(&desk, &id),
        str_of(&created["id"])
    );
    let read = ok(app.get(&one, &t.token).await, 200).await;
    assert_eq!(read["text"], "[erased]");
    assert_eq!(read["state"], "open", "the promise itself is still owed");
}
