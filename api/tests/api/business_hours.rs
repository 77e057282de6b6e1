//! Business-hours calendars over real HTTP: CRUD, due times in business time, every
//! refusal (with the field and code named, and nothing stored), roles and keys, another
//! workspace's calendars, and the same over GraphQL.
#![expect(
    clippy::unwrap_used,
    reason = "test helpers fail the test at once on an unexpected answer"
)]

use earshot_testkit::{Tenant, TestApp, assert_problem, str_of};
use serde_json::{Value, json};

fn hours_path(t: &Tenant) -> String {
    format!("/v1/workspaces/{}/business-hours", t.workspace_id)
}

/// Berlin, weekdays 09:00–17:00 with a lunch break on Friday, and Christmas.
fn berlin_desk(name: &str) -> Value {
    let day = json!([{ "start": "09:00", "end": "17:00" }]);
    json!({
        "name": name,
        "timezone": "Europe/Berlin",
        "weekly": { "monday": day, "tuesday": day, "wednesday": day, "thursday": day,
            "friday": [{ "start": "13:00", "end": "17:00" }, { "start": "09:00", "end": "12:00" }] },
        "holidays": ["2026-12-25", "2026-12-24"],
    })
}

async fn create(app: &TestApp, t: &Tenant, body: Value) -> Value {
    let response = app.post(&hours_path(t), &t.token, body).await;
    assert_eq!(response.status(), 201);
    response.json().await.unwrap()
}

async fn names(app: &TestApp, t: &Tenant) -> Vec<String> {
    let list = app.get_json(&hours_path(t), &t.token).await;
    let items = list["items"].as_array().unwrap();
    items.iter().map(|c| str_of(&c["name"])).collect()
}

async fn audit_actions(app: &TestApp, t: &Tenant) -> Vec<String> {
    let path = format!(
        "/v1/workspaces/{}/audit-log?target_kind=business_hours",
        t.workspace_id
    );
    let log = app.get_json(&path, &t.token).await;
    let items = log["items"].as_array().unwrap();
    items.iter().map(|e| str_of(&e["action"])).collect()
}

#[tokio::test]
async fn calendars_are_created_read_changed_and_deleted_with_an_audit_trail() {
    let app = TestApp::spawn().await;
    let t = app.tenant("Acme").await;
    let created = create(&app, &t, berlin_desk("Support desk")).await;
    assert_eq!(created["timezone"], "Europe/Berlin");
    assert_eq!(created["holidays"], json!(["2026-12-24", "2026-12-25"]));
    let friday =
        json!([{ "start": "09:00", "end": "12:00" }, { "start": "13:00", "end": "17:00" }]);
    assert_eq!(
        created["weekly"]["friday"], friday,
        "each day in order of start"
    );
    assert_eq!(created["weekly"]["saturday"], json!([]));
    assert_eq!(created["business_seconds_per_week"], (4 * 8 + 7) * 3600);
    let path = format!("{}/{}", hours_path(&t), str_of(&created["id"]));
    assert_eq!(app.get_json(&path, &t.token).await, created);

    // A night desk beside it: Sunday 22:00 to Monday 06:00, in New York.
    let nights = json!({ "name": "Night desk", "timezone": "America/New_York",
        "weekly": { "sunday": [{ "start": "22:00", "end": "06:00" }] } });
    let night = create(&app, &t, nights).await;
    assert_eq!(night["holidays"], json!([]));
    assert_eq!(night["business_seconds_per_week"], 8 * 3600);
    assert_eq!(names(&app, &t).await, ["Support desk", "Night desk"]);

    let patch = json!({ "name": "Berlin desk", "holidays": ["2027-01-01"] });
    let changed: Value = app
        .patch(&path, &t.token, patch)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(changed["name"], "Berlin desk");
    assert_eq!(changed["holidays"], json!(["2027-01-01"]));
    assert_eq!(changed["weekly"], created["weekly"], "the week stays");
    let week = json!({ "weekly": { "saturday": [{ "start": "10:00", "end": "24:00" }] } });
    let changed: Value = app.patch(&path, &t.token, week).await.json().await.unwrap();
    assert_eq!(
        changed["weekly"]["monday"],
        json!([]),
        "a week replaces the week"
    );
    assert_eq!(changed["business_seconds_per_week"], 14 * 3600);

    assert_eq!(app.delete(&path, &t.token).await.status(), 204);
    assert_problem(app.get(&path, &t.token).await, 404, "not_found").await;
    assert_eq!(names(&app, &t).await, ["Night desk"]);
    let mut actions = audit_actions(&app, &t).await;
    actions.sort();
    let expected = [
        "business_hours.created",
        "business_hours.created",
        "business_hours.deleted",
        "business_hours.updated",
        "business_hours.updated",
    ];
    assert_eq!(actions, expected);
}

#[tokio::test]
async fn due_times_count_only_business_seconds() {
    let app = TestApp::spawn().await;
    let t = app.tenant("Acme").await;
    let desk = create(&app, &t, berlin_desk("Support desk")).await;
    let due = |query: &str| format!("{}/{}/due?{query}", hours_path(&t), str_of(&desk["id"]));
    // Friday 11:00 CET + 3 hours: one before lunch, two after.
    let answer = app
        .get_json(&due("from=2026-12-04T10:00:00Z&seconds=10800"), &t.token)
        .await;
    assert_eq!(answer["due_at"], "2026-12-04T14:00:00Z");
    assert_eq!(answer["business_seconds"], 10800);
    assert_eq!(answer["from"], "2026-12-04T10:00:00Z");
    // Wednesday 16:00 before Christmas + 2 hours: Monday 10:00 CET.
    let answer = app
        .get_json(&due("from=2026-12-23T15:00:00Z&seconds=7200"), &t.token)
        .await;
    assert_eq!(answer["due_at"], "2026-12-28T09:00:00Z");
    // Saturday, 0 seconds: the desk opens Monday 09:00 CEST, after the spring change.
    let answer = app
        .get_json(&due("from=2026-03-28T12:00:00%2B01:00&seconds=0"), &t.token)
        .await;
    assert_eq!(answer["due_at"], "2026-03-30T07:00:00Z");
    // Without `from`, counting starts now.
    let answer = app.get_json(&due("seconds=0"), &t.token).await;
    assert!(answer["due_at"].is_string(), "{answer}");

    for (query, field, code) in [
        ("from=yesterday&seconds=60", "from", "invalid_timestamp"),
        (
            "from=2026-12-04T10:00:00Z&seconds=-1",
            "seconds",
            "out_of_range",
        ),
        (
            "from=2026-12-04T10:00:00Z&seconds=lots",
            "seconds",
            "out_of_range",
        ),
        (
            "from=2026-12-04T10:00:00Z&seconds=316224001",
            "seconds",
            "out_of_range",
        ),
        ("from=2026-12-04T10:00:00Z", "seconds", "required"),
    ] {
        let refused = app.get(&due(query), &t.token).await;
        let problem = assert_problem(refused, 422, "validation_failed").await;
        assert_eq!(problem["errors"][0]["field"], field, "{query}");
        assert_eq!(problem["errors"][0]["code"], code, "{query}");
    }
    let unknown = app.get(&due("seconds=1&until=2027"), &t.token).await;
    assert_problem(unknown, 400, "invalid_query").await;
}

/// A body, the field and the code its refusal names.
fn bad_calendars() -> Vec<(Value, &'static str, &'static str)> {
    let with = |change: Value| {
        let mut body = berlin_desk("Refused");
        for (k, v) in change.as_object().unwrap() {
            body[k] = v.clone();
        }
        body
    };
    let week = |days: Value| with(json!({ "weekly": days }));
    let crowded: Vec<Value> = (0..13)
        .map(|h| json!({ "start": format!("{:02}:00", h + 6), "end": format!("{:02}:30", h + 6) }))
        .collect();
    let many: Vec<String> = (0..401)
        .map(|d| {
            (chrono::NaiveDate::from_ymd_opt(2027, 1, 1).unwrap() + chrono::Duration::days(d))
                .to_string()
        })
        .collect();
    vec![
        (
            with(json!({ "timezone": "Europe/Atlantis" })),
            "timezone",
            "unknown_time_zone",
        ),
        (
            week(json!({ "monday": [{ "start": "9:00", "end": "17:00" }] })),
            "weekly.monday[0].start",
            "invalid_time",
        ),
        (
            week(json!({ "monday": [{ "start": "09:00", "end": "25:00" }] })),
            "weekly.monday[0].end",
            "invalid_time",
        ),
        (
            week(json!({ "monday": [{ "start": "24:00", "end": "06:00" }] })),
            "weekly.monday[0].start",
            "invalid_time",
        ),
        (
            week(
                json!({ "tuesday": [{ "start": "09:00", "end": "13:00" }, { "start": "12:00", "end": "18:00" }] }),
            ),
            "weekly.tuesday[1]",
            "overlapping_intervals",
        ),
        (
            week(
                json!({ "tuesday": [{ "start": "22:00", "end": "07:00" }], "wednesday": [{ "start": "06:00", "end": "12:00" }] }),
            ),
            "weekly.wednesday[0]",
            "overlapping_intervals",
        ),
        (
            week(
                json!({ "sunday": [{ "start": "20:00", "end": "08:00" }], "monday": [{ "start": "07:00", "end": "12:00" }] }),
            ),
            "weekly.monday[0]",
            "overlapping_intervals",
        ),
        (week(json!({})), "weekly", "no_hours"),
        (
            week(json!({ "friday": crowded })),
            "weekly.friday",
            "too_many_intervals",
        ),
        (
            with(json!({ "holidays": ["2026-12-25", "2026-12-25"] })),
            "holidays[1]",
            "duplicate_holiday",
        ),
        (
            with(json!({ "holidays": ["25/12/2026"] })),
            "holidays[0]",
            "invalid_date",
        ),
        (
            with(json!({ "holidays": many })),
            "holidays",
            "too_many_holidays",
        ),
        (with(json!({ "name": " " })), "name", "invalid_name"),
    ]
}

#[tokio::test]
async fn each_bad_calendar_is_refused_naming_the_field_and_nothing_is_stored() {
    let app = TestApp::spawn().await;
    let t = app.tenant("Acme").await;
    let kept = create(&app, &t, berlin_desk("Kept")).await;
    let kept_path = format!("{}/{}", hours_path(&t), str_of(&kept["id"]));
    for (body, field, code) in bad_calendars() {
        let refused = app.post(&hours_path(&t), &t.token, body.clone()).await;
        let problem = assert_problem(refused, 422, "validation_failed").await;
        let errors = problem["errors"].as_array().unwrap();
        assert_eq!(errors.len(), 1, "{problem}");
        assert_eq!(
            (errors[0]["field"].as_str(), errors[0]["code"].as_str()),
            (Some(field), Some(code))
        );
        // The same change refused on an existing calendar leaves it as it was.
        let mut patch = body;
        patch.as_object_mut().unwrap().remove("name");
        if field == "name" {
            patch["name"] = json!(" ");
        }
        let refused = app.patch(&kept_path, &t.token, patch).await;
        let problem = assert_problem(refused, 422, "validation_failed").await;
        assert_eq!(problem["errors"][0]["code"], code);
    }
    // Several problems at once are all named.
    let body = json!({ "name": "", "timezone": "Nowhere/Town",
        "weekly": { "monday": [{ "start": "9", "end": "17:00" }] }, "holidays": ["soon"] });
    let problem = assert_problem(
        app.post(&hours_path(&t), &t.token, body).await,
        422,
        "validation_failed",
    )
    .await;
    let fields: Vec<&str> = problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(
        fields,
        ["name", "timezone", "weekly.monday[0].start", "holidays[0]"]
    );
    assert_eq!(problem["errors"][2]["pointer"], "/weekly/monday/0/start");

    let taken = app
        .post(&hours_path(&t), &t.token, berlin_desk("Kept"))
        .await;
    assert_problem(taken, 409, "business_hours_name_taken").await;
    let unknown = json!({ "name": "X", "timezone": "UTC", "weekly": { "funday": [] } });
    assert_problem(
        app.post(&hours_path(&t), &t.token, unknown).await,
        422,
        "validation_failed",
    )
    .await;

    assert_eq!(
        names(&app, &t).await,
        ["Kept"],
        "no refused calendar was stored"
    );
    assert_eq!(
        app.get_json(&kept_path, &t.token).await,
        kept,
        "nor changed"
    );
    assert_eq!(audit_actions(&app, &t).await, ["business_hours.created"]);
}

#[tokio::test]
async fn members_read_calendars_but_only_settings_managers_change_them() {
    let app = TestApp::spawn().await;
    let t = app.tenant("Acme").await;
    let desk = create(&app, &t, berlin_desk("Support desk")).await;
    let path = format!("{}/{}", hours_path(&t), str_of(&desk["id"]));
    let due = format!("{path}/due?seconds=60");
    for role in ["supervisor", "agent", "viewer"] {
        let (_, token) = app.member_with_role(&t, role).await;
        assert_eq!(
            app.get_json(&hours_path(&t), &token).await["items"][0]["id"],
            desk["id"]
        );
        assert_eq!(app.get_json(&path, &token).await["name"], "Support desk");
        assert_eq!(app.get_json(&due, &token).await["business_seconds"], 60);
        let refused = app.post(&hours_path(&t), &token, berlin_desk(role)).await;
        assert_problem(refused, 403, "forbidden").await;
        let refused = app.patch(&path, &token, json!({ "name": "Mine" })).await;
        assert_problem(refused, 403, "forbidden").await;
        assert_problem(app.delete(&path, &token).await, 403, "forbidden").await;
    }
    let (_, admin) = app.member_with_role(&t, "admin").await;
    let renamed = app
        .patch(&path, &admin, json!({ "name": "Admin's desk" }))
        .await;
    assert_eq!(renamed.status(), 200);

    let (_, reader) = app.api_key(&t, &["conversations:read"]).await;
    assert_eq!(app.get_json(&path, &reader).await["name"], "Admin's desk");
    let refused = app.post(&hours_path(&t), &reader, berlin_desk("Key")).await;
    assert_problem(refused, 403, "forbidden").await;
    let (_, settings) = app.api_key(&t, &["settings:manage"]).await;
    let created = app
        .post(&hours_path(&t), &settings, berlin_desk("Key"))
        .await;
    assert_eq!(created.status(), 201);
    assert_eq!(names(&app, &t).await, ["Admin's desk", "Key"]);
}

#[tokio::test]
async fn another_workspaces_calendars_are_not_found_anywhere() {
    let (app, a, b) = TestApp::two_workspaces().await;
    let theirs = create(&app, &b, berlin_desk("Theirs")).await;
    let theirs_id = str_of(&theirs["id"]);
    let through_ours = format!("{}/{theirs_id}", hours_path(&a));
    assert_problem(app.get(&through_ours, &a.token).await, 404, "not_found").await;
    let due = format!("{through_ours}/due?seconds=60");
    assert_problem(app.get(&due, &a.token).await, 404, "not_found").await;
    let patch = json!({ "name": "Taken over" });
    assert_problem(
        app.patch(&through_ours, &a.token, patch).await,
        404,
        "not_found",
    )
    .await;
    assert_problem(app.delete(&through_ours, &a.token).await, 404, "not_found").await;
    // Their workspace with our token.
    assert_problem(app.get(&hours_path(&b), &a.token).await, 404, "not_found").await;
    let direct = format!("{}/{theirs_id}", hours_path(&b));
    assert_problem(app.get(&direct, &a.token).await, 404, "not_found").await;
    let refused = app
        .post(&hours_path(&b), &a.token, berlin_desk("Planted"))
        .await;
    assert_problem(refused, 404, "not_found").await;
    assert!(
        app.get_json(&hours_path(&a), &a.token).await["items"]
            .as_array()
            .unwrap()
            .is_empty()
    );

    // GraphQL: their calendar through our workspace, and their workspace.
    let read = "query($ws: ID!, $id: ID!) { workspace(id: $ws) { businessHoursCalendar(id: $id) { name } } }";
    for ws in [&a.workspace_id, &b.workspace_id] {
        let vars = json!({ "ws": ws, "id": theirs_id });
        assert_eq!(
            gql_code(&app.graphql(Some(&a.token), read, vars).await),
            "not_found"
        );
    }
    let list = "query($ws: ID!) { workspace(id: $ws) { businessHours { items { id } } } }";
    let answer = app
        .graphql(Some(&a.token), list, json!({ "ws": b.workspace_id }))
        .await;
    assert_eq!(gql_code(&answer), "not_found");
    let vars = json!({ "ws": a.workspace_id, "id": theirs_id });
    assert_eq!(
        gql_code(&app.graphql(Some(&a.token), UPDATE, vars.clone()).await),
        "not_found"
    );
    assert_eq!(
        gql_code(&app.graphql(Some(&a.token), DELETE, vars).await),
        "not_found"
    );
    let vars = json!({ "ws": b.workspace_id });
    assert_eq!(
        gql_code(&app.graphql(Some(&a.token), CREATE, vars).await),
        "not_found"
    );
    let direct = format!("{}/{theirs_id}", hours_path(&b));
    assert_eq!(
        app.get_json(&direct, &b.token).await,
        theirs,
        "theirs is untouched"
    );
}

fn gql_code(answer: &Value) -> String {
    str_of(&answer["errors"][0]["extensions"]["code"])
}

const CREATE: &str = "mutation($ws: ID!) { createBusinessHours(workspaceId: $ws, input: {
    name: \"Weekend\", timezone: \"Australia/Lord_Howe\",
    weekly: { saturday: [{ start: \"10:00\", end: \"16:00\" }], sunday: [{ start: \"10:00\", end: \"14:00\" }] },
    holidays: [\"2026-12-26\"] })
    { id name timezone weekly { saturday { start end } sunday { start end } monday { start } }
      holidays businessSecondsPerWeek } }";
const UPDATE: &str = "mutation($ws: ID!, $id: ID!) { updateBusinessHours(workspaceId: $ws,
    businessHoursId: $id, input: { name: \"Weekends\" }) { name holidays } }";
const DELETE: &str =
    "mutation($ws: ID!, $id: ID!) { deleteBusinessHours(workspaceId: $ws, businessHoursId: $id) }";

#[tokio::test]
async fn calendars_are_managed_over_graphql_as_over_rest() {
    let app = TestApp::spawn().await;
    let t = app.tenant("Acme").await;
    let ws = json!({ "ws": t.workspace_id });
    let created = app.graphql(Some(&t.token), CREATE, ws.clone()).await;
    let hours = &created["data"]["createBusinessHours"];
    assert_eq!(hours["timezone"], "Australia/Lord_Howe", "{created}");
    assert_eq!(
        hours["weekly"]["saturday"],
        json!([{ "start": "10:00", "end": "16:00" }])
    );
    assert_eq!(hours["weekly"]["monday"], json!([]));
    assert_eq!(hours["holidays"], json!(["2026-12-26"]));
    assert_eq!(hours["businessSecondsPerWeek"], 10 * 3600);
    let id = str_of(&hours["id"]);
    let rest = app
        .get_json(&format!("{}/{id}", hours_path(&t)), &t.token)
        .await;
    assert_eq!(rest["name"], "Weekend");

    let read = "query($ws: ID!, $id: ID!) { workspace(id: $ws) {
        businessHours { items { id } } businessHoursCalendar(id: $id) { name timezone } } }";
    let vars = json!({ "ws": t.workspace_id, "id": id });
    let answer = app.graphql(Some(&t.token), read, vars.clone()).await;
    assert_eq!(
        answer["data"]["workspace"]["businessHours"]["items"],
        json!([{ "id": id }])
    );
    assert_eq!(
        answer["data"]["workspace"]["businessHoursCalendar"]["name"],
        "Weekend"
    );
    let updated = app.graphql(Some(&t.token), UPDATE, vars.clone()).await;
    assert_eq!(updated["data"]["updateBusinessHours"]["name"], "Weekends");
    assert_eq!(
        updated["data"]["updateBusinessHours"]["holidays"],
        json!(["2026-12-26"])
    );

    // The renamed calendar freed its old name; a second use of it is refused.
    let again = app.graphql(Some(&t.token), CREATE, ws.clone()).await;
    assert!(again["errors"].is_null(), "{again}");
    let taken = app.graphql(Some(&t.token), CREATE, ws.clone()).await;
    assert_eq!(gql_code(&taken), "business_hours_name_taken");
    let bad = CREATE
        .replace("Australia/Lord_Howe", "Moon/Base")
        .replace("Weekend", "Other");
    let answer = app.graphql(Some(&t.token), &bad, ws.clone()).await;
    assert_eq!(gql_code(&answer), "validation_failed");
    assert_eq!(
        answer["errors"][0]["extensions"]["errors"][0]["field"],
        "timezone"
    );
    assert_eq!(
        answer["errors"][0]["extensions"]["errors"][0]["code"],
        "unknown_time_zone"
    );
    let (_, agent) = app.member_with_role(&t, "agent").await;
    let answer = app.graphql(Some(&agent), DELETE, vars.clone()).await;
    assert_eq!(gql_code(&answer), "forbidden");

    let deleted = app.graphql(Some(&t.token), DELETE, vars.clone()).await;
    assert_eq!(deleted["data"]["deleteBusinessHours"], true);
    let answer = app.graphql(Some(&t.token), read, vars).await;
    assert_eq!(gql_code(&answer), "not_found");
    assert_eq!(names(&app, &t).await, ["Weekend"]);
}
