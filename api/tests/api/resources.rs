//! Create, list, read, change and delete every resource of the foundation, with
//! validation, pagination and the audit trail each change leaves.

use earshot_testkit::{PASSWORD, Tenant, TestApp, assert_problem, str_of};
use reqwest::Method;
use serde_json::{Value, json};

fn ws(tenant: &Tenant, rest: &str) -> String {
    format!("/v1/workspaces/{}{rest}", tenant.workspace_id)
}

async fn json_of(response: reqwest::Response, status: u16) -> Value {
    let actual = response.status().as_u16();
    let body: Value = response.json().await.unwrap_or(Value::Null);
    assert_eq!(actual, status, "{body}");
    body
}

#[tokio::test]
async fn a_team_is_created_listed_read_changed_and_deleted() {
    let app = TestApp::spawn().await;
    let a = app.tenant("Acme").await;
    let (agent_id, _) = app.member_with_role(&a, "agent").await;
    let body = json!({ "name": "Tier 1", "description": "first line", "member_ids": [agent_id] });
    let team = json_of(app.post(&ws(&a, "/teams"), &a.token, body).await, 201).await;
    assert_eq!(team["member_ids"], json!([agent_id]));
    let id = str_of(&team["id"]);
    let list = json_of(app.get(&ws(&a, "/teams"), &a.token).await, 200).await;
    assert_eq!(list["items"][0]["id"], id.as_str());
    let patch = json!({ "name": "Tier one", "description": null, "member_ids": [] });
    let changed = json_of(
        app.patch(&ws(&a, &format!("/teams/{id}")), &a.token, patch)
            .await,
        200,
    )
    .await;
    assert_eq!(changed["name"], "Tier one");
    assert_eq!(changed["description"], Value::Null);
    assert_eq!(changed["member_ids"], json!([]));
    let read = json_of(
        app.get(&ws(&a, &format!("/teams/{id}")), &a.token).await,
        200,
    )
    .await;
    assert_eq!(read["name"], "Tier one");
    assert_eq!(
        app.delete(&ws(&a, &format!("/teams/{id}")), &a.token)
            .await
            .status(),
        204
    );
    assert_problem(
        app.get(&ws(&a, &format!("/teams/{id}")), &a.token).await,
        404,
        "not_found",
    )
    .await;
}

#[tokio::test]
async fn bad_team_input_is_refused_and_stores_nothing() {
    let app = TestApp::spawn().await;
    let a = app.tenant("Acme").await;
    let b = app.tenant("Globex").await;
    let empty = assert_problem(
        app.post(&ws(&a, "/teams"), &a.token, json!({ "name": "  " }))
            .await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(empty["errors"][0]["field"], "name");
    let long = json!({ "name": "x".repeat(10_000) });
    assert_problem(
        app.post(&ws(&a, "/teams"), &a.token, long).await,
        422,
        "validation_failed",
    )
    .await;
    let stranger = json!({ "name": "Ops", "member_ids": [b.user_id] });
    let refused = assert_problem(
        app.post(&ws(&a, "/teams"), &a.token, stranger).await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(refused["errors"][0]["field"], "member_ids[0]");
    assert_eq!(refused["errors"][0]["code"], "not_a_member");
    json_of(
        app.post(&ws(&a, "/teams"), &a.token, json!({ "name": "Ops" }))
            .await,
        201,
    )
    .await;
    assert_problem(
        app.post(&ws(&a, "/teams"), &a.token, json!({ "name": "Ops" }))
            .await,
        409,
        "team_name_taken",
    )
    .await;
    let list = json_of(app.get(&ws(&a, "/teams"), &a.token).await, 200).await;
    assert_eq!(
        list["items"].as_array().unwrap().len(),
        1,
        "only the one good team"
    );
}

#[tokio::test]
async fn members_are_invited_listed_changed_and_removed() {
    let app = TestApp::spawn().await;
    let a = app.tenant("Acme").await;
    let body = json!({ "email": "New.Agent@Acme.test", "role": "agent", "display_name": "Nia" });
    let added = json_of(app.post(&ws(&a, "/members"), &a.token, body).await, 201).await;
    assert_eq!(added["member"]["email"], "new.agent@acme.test");
    assert_eq!(added["member"]["invitation_pending"], true);
    assert!(str_of(&added["invitation_token"]).starts_with("esi_"));
    let user_id = str_of(&added["member"]["user_id"]);
    let again = json!({ "email": "new.agent@acme.test", "role": "viewer" });
    assert_problem(
        app.post(&ws(&a, "/members"), &a.token, again).await,
        409,
        "already_member",
    )
    .await;
    let accept = json!({ "token": added["invitation_token"], "password": PASSWORD });
    let accepted = app
        .request(
            Method::POST,
            "/v1/auth/invitations/accept",
            None,
            Some(accept),
        )
        .await;
    assert_eq!(accepted.status(), 200);
    let member = json_of(
        app.get(&ws(&a, &format!("/members/{user_id}")), &a.token)
            .await,
        200,
    )
    .await;
    assert_eq!(member["invitation_pending"], false);
    assert_eq!(member["display_name"], "Nia");
    let changed = json_of(
        app.patch(
            &ws(&a, &format!("/members/{user_id}")),
            &a.token,
            json!({ "role": "supervisor" }),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(changed["role"], "supervisor");
    let list = json_of(app.get(&ws(&a, "/members"), &a.token).await, 200).await;
    assert_eq!(list["items"].as_array().unwrap().len(), 2);
    assert_eq!(
        app.delete(&ws(&a, &format!("/members/{user_id}")), &a.token)
            .await
            .status(),
        204
    );
    let list = json_of(app.get(&ws(&a, "/members"), &a.token).await, 200).await;
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn unknown_roles_and_bad_emails_are_refused() {
    let app = TestApp::spawn().await;
    let a = app.tenant("Acme").await;
    let bad_role = app
        .post(
            &ws(&a, "/members"),
            &a.token,
            json!({ "email": "x@acme.test", "role": "emperor" }),
        )
        .await;
    assert_problem(bad_role, 422, "validation_failed").await;
    let bad_email = app
        .post(
            &ws(&a, "/members"),
            &a.token,
            json!({ "email": "not-an-email", "role": "agent" }),
        )
        .await;
    let body = assert_problem(bad_email, 422, "validation_failed").await;
    assert_eq!(body["errors"][0]["field"], "email");
}

#[tokio::test]
async fn api_keys_show_their_secret_once_and_can_be_renamed_and_revoked() {
    let app = TestApp::spawn().await;
    let a = app.tenant("Acme").await;
    let body = json!({ "name": "CRM sync", "scopes": ["settings:manage", "conversations:read"] });
    let created = json_of(app.post(&ws(&a, "/api-keys"), &a.token, body).await, 201).await;
    let secret = str_of(&created["secret"]);
    assert!(secret.starts_with("esk_"));
    assert!(secret.starts_with(created["key"]["prefix"].as_str().unwrap()));
    let id = str_of(&created["key"]["id"]);
    let listed = app
        .get(&ws(&a, "/api-keys"), &a.token)
        .await
        .text()
        .await
        .unwrap();
    assert!(!listed.contains(&secret), "the secret is never listed");
    let renamed = json_of(
        app.patch(
            &ws(&a, &format!("/api-keys/{id}")),
            &a.token,
            json!({ "name": "CRM" }),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(renamed["name"], "CRM");
    assert_eq!(
        app.get(&ws(&a, "/teams"), &secret).await.status(),
        200,
        "the key works"
    );
    assert_eq!(
        app.delete(&ws(&a, &format!("/api-keys/{id}")), &a.token)
            .await
            .status(),
        204
    );
    let read = json_of(
        app.get(&ws(&a, &format!("/api-keys/{id}")), &a.token).await,
        200,
    )
    .await;
    assert!(read["revoked_at"].is_string());
    assert_problem(
        app.get(&ws(&a, "/teams"), &secret).await,
        401,
        "unauthenticated",
    )
    .await;
}

#[tokio::test]
async fn api_keys_need_known_scopes_and_a_future_expiry() {
    let app = TestApp::spawn().await;
    let a = app.tenant("Acme").await;
    let none = app
        .post(
            &ws(&a, "/api-keys"),
            &a.token,
            json!({ "name": "k", "scopes": [] }),
        )
        .await;
    assert_problem(none, 422, "validation_failed").await;
    let unknown = app
        .post(
            &ws(&a, "/api-keys"),
            &a.token,
            json!({ "name": "k", "scopes": ["root"] }),
        )
        .await;
    assert_problem(unknown, 422, "validation_failed").await;
    let past =
        json!({ "name": "k", "scopes": ["reports:read"], "expires_at": "2020-01-01T00:00:00Z" });
    assert_problem(
        app.post(&ws(&a, "/api-keys"), &a.token, past).await,
        422,
        "validation_failed",
    )
    .await;
}

#[tokio::test]
async fn workspace_settings_change_within_their_ranges() {
    let app = TestApp::spawn().await;
    let a = app.tenant("Acme").await;
    let read = json_of(app.get(&ws(&a, ""), &a.token).await, 200).await;
    assert_eq!(read["settings"]["agent_visibility"], "all");
    assert_eq!(read["settings"]["reopen_window_secs"], 7 * 24 * 3600);
    assert_eq!(read["settings"]["followup_delay_secs"], 24 * 3600);
    let patch =
        json!({ "name": "Acme care", "agent_visibility": "team", "reopen_window_secs": 3600 });
    let changed = json_of(app.patch(&ws(&a, ""), &a.token, patch).await, 200).await;
    assert_eq!(changed["name"], "Acme care");
    assert_eq!(changed["settings"]["agent_visibility"], "team");
    assert_eq!(changed["settings"]["reopen_window_secs"], 3600);
    let bad = json!({ "reopen_window_secs": -5, "followup_delay_secs": 999_999_999 });
    let body = assert_problem(
        app.patch(&ws(&a, ""), &a.token, bad).await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(body["errors"].as_array().unwrap().len(), 2);
    let unknown = app
        .patch(
            &ws(&a, ""),
            &a.token,
            json!({ "agent_visibility": "everyone" }),
        )
        .await;
    assert_problem(unknown, 422, "validation_failed").await;
    let read = json_of(app.get(&ws(&a, ""), &a.token).await, 200).await;
    assert_eq!(
        read["settings"]["reopen_window_secs"], 3600,
        "nothing half-written"
    );
}

#[tokio::test]
async fn an_org_admin_creates_workspaces_and_deleting_one_removes_its_contents() {
    let app = TestApp::spawn().await;
    let a = app.tenant("Acme").await;
    let path = format!("/v1/orgs/{}/workspaces", a.org_id);
    let created = json_of(
        app.post(&path, &a.token, json!({ "name": "Second brand" }))
            .await,
        201,
    )
    .await;
    let second = str_of(&created["id"]);
    let list = json_of(app.get(&path, &a.token).await, 200).await;
    assert_eq!(list["items"].as_array().unwrap().len(), 2);
    let team_path = format!("/v1/workspaces/{second}/teams");
    json_of(
        app.post(&team_path, &a.token, json!({ "name": "Night shift" }))
            .await,
        201,
    )
    .await;
    assert_eq!(
        app.delete(&format!("/v1/workspaces/{second}"), &a.token)
            .await
            .status(),
        204
    );
    assert_problem(
        app.get(&format!("/v1/workspaces/{second}"), &a.token).await,
        404,
        "not_found",
    )
    .await;
    assert_problem(app.get(&team_path, &a.token).await, 404, "not_found").await;
    let list = json_of(app.get(&path, &a.token).await, 200).await;
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn org_members_can_be_promoted_and_the_last_org_owner_stays() {
    let app = TestApp::spawn().await;
    let a = app.tenant("Acme").await;
    let (agent_id, agent_token) = app.member_with_role(&a, "agent").await;
    let members = json_of(
        app.get(&format!("/v1/orgs/{}/members", a.org_id), &a.token)
            .await,
        200,
    )
    .await;
    assert_eq!(members["items"].as_array().unwrap().len(), 2);
    let path = format!("/v1/orgs/{}/members/{agent_id}", a.org_id);
    let promoted = json_of(
        app.patch(&path, &a.token, json!({ "role": "org_admin" }))
            .await,
        200,
    )
    .await;
    assert_eq!(promoted["role"], "org_admin");
    let me = json_of(app.get("/v1/me", &agent_token).await, 200).await;
    assert_eq!(
        me["organizations"][0]["workspaces"][0]["role"], "admin",
        "org_admin acts as admin"
    );
    let own = format!("/v1/orgs/{}/members/{}", a.org_id, a.user_id);
    assert_problem(
        app.patch(&own, &a.token, json!({ "role": "org_member" }))
            .await,
        409,
        "last_owner",
    )
    .await;
    assert_problem(app.delete(&own, &a.token).await, 409, "last_owner").await;
}

#[tokio::test]
async fn every_change_is_in_the_audit_log_newest_first_with_actor_and_address() {
    let app = TestApp::spawn().await;
    let a = app.tenant("Acme").await;
    let team = json_of(
        app.post(&ws(&a, "/teams"), &a.token, json!({ "name": "Tier 1" }))
            .await,
        201,
    )
    .await;
    let id = str_of(&team["id"]);
    app.patch(
        &ws(&a, &format!("/teams/{id}")),
        &a.token,
        json!({ "name": "Tier 2" }),
    )
    .await;
    app.delete(&ws(&a, &format!("/teams/{id}")), &a.token).await;
    app.patch(
        &ws(&a, ""),
        &a.token,
        json!({ "agent_visibility": "assigned" }),
    )
    .await;
    app.member_with_role(&a, "viewer").await;
    let (key_id, _) = app.api_key(&a, &["reports:read"]).await;
    app.delete(&ws(&a, &format!("/api-keys/{key_id}")), &a.token)
        .await;
    let log = json_of(app.get(&ws(&a, "/audit-log"), &a.token).await, 200).await;
    let actions: Vec<&str> = log["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        [
            "api_key.revoked",
            "api_key.created",
            "member.added",
            "workspace.updated",
            "team.deleted",
            "team.updated",
            "team.created"
        ]
    );
    let entry = &log["items"][4];
    assert_eq!(entry["actor"]["kind"], "user");
    assert_eq!(entry["actor"]["id"], a.user_id.as_str());
    assert_eq!(entry["ip"], "127.0.0.1");
    assert_eq!(entry["target_id"], id.as_str());
    let teams_only = json_of(
        app.get(&ws(&a, "/audit-log?target_kind=team&limit=2"), &a.token)
            .await,
        200,
    )
    .await;
    assert_eq!(teams_only["items"].as_array().unwrap().len(), 2);
    let cursor = str_of(&teams_only["next_cursor"]);
    let rest = json_of(
        app.get(
            &ws(
                &a,
                &format!("/audit-log?target_kind=team&limit=2&cursor={cursor}"),
            ),
            &a.token,
        )
        .await,
        200,
    )
    .await;
    assert_eq!(rest["items"][0]["action"], "team.created");
    assert_eq!(rest["next_cursor"], Value::Null);
}

#[tokio::test]
async fn lists_page_through_every_item_once() {
    let app = TestApp::spawn().await;
    let a = app.tenant("Acme").await;
    for i in 0..7 {
        json_of(
            app.post(
                &ws(&a, "/teams"),
                &a.token,
                json!({ "name": format!("Team {i}") }),
            )
            .await,
            201,
        )
        .await;
    }
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let query = match &cursor {
            Some(c) => format!("/teams?limit=3&cursor={c}"),
            None => "/teams?limit=3".to_owned(),
        };
        let page = json_of(app.get(&ws(&a, &query), &a.token).await, 200).await;
        seen.extend(
            page["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|t| str_of(&t["name"])),
        );
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
    }
    let expected: Vec<String> = (0..7).map(|i| format!("Team {i}")).collect();
    assert_eq!(seen, expected);
    assert_problem(
        app.get(&ws(&a, "/teams?limit=201"), &a.token).await,
        400,
        "invalid_query",
    )
    .await;
    assert_problem(
        app.get(&ws(&a, "/teams?cursor=AAAA"), &a.token).await,
        400,
        "invalid_cursor",
    )
    .await;
    assert_problem(
        app.get(&ws(&a, "/teams?sort=name"), &a.token).await,
        400,
        "invalid_query",
    )
    .await;
}

#[tokio::test]
async fn the_platform_attaches_an_existing_user_and_open_signup_refuses_a_taken_email() {
    let app = TestApp::spawn().await;
    let a = app.tenant("Acme").await;
    let body = json!({ "name": "Acme Two", "owner": { "email": a.email } });
    let created = json_of(
        app.post("/v1/orgs", earshot_testkit::PLATFORM_TOKEN, body)
            .await,
        201,
    )
    .await;
    assert_eq!(created["owner"]["id"], a.user_id.as_str());
    let me = json_of(app.get("/v1/me", &a.token).await, 200).await;
    assert_eq!(me["organizations"].as_array().unwrap().len(), 2);
    let open = TestApp::spawn_with(|c| {
        c.open_signup = true;
        c.platform_token = None;
    })
    .await;
    let first =
        json!({ "name": "Solo", "owner": { "email": "solo@x.test", "password": PASSWORD } });
    json_of(
        open.request(Method::POST, "/v1/orgs", None, Some(first.clone()))
            .await,
        201,
    )
    .await;
    let again = open
        .request(Method::POST, "/v1/orgs", None, Some(first))
        .await;
    assert_problem(again, 409, "email_taken").await;
    let closed = app
        .request(
            Method::POST,
            "/v1/orgs",
            None,
            Some(json!({ "name": "X", "owner": { "email": "y@x.test" } })),
        )
        .await;
    assert_problem(closed, 401, "unauthenticated").await;
}

#[tokio::test]
async fn org_role_changes_and_removals_are_in_every_workspace_audit_log() {
    let app = TestApp::spawn().await;
    let a = app.tenant("Acme").await;
    let (agent_id, _) = app.member_with_role(&a, "agent").await;
    let second = json_of(
        app.post(
            &format!("/v1/orgs/{}/workspaces", a.org_id),
            &a.token,
            json!({ "name": "Second" }),
        )
        .await,
        201,
    )
    .await;
    let path = format!("/v1/orgs/{}/members/{agent_id}", a.org_id);
    json_of(
        app.patch(&path, &a.token, json!({ "role": "org_admin" }))
            .await,
        200,
    )
    .await;
    assert_eq!(app.delete(&path, &a.token).await.status(), 204);
    for workspace in [a.workspace_id.clone(), str_of(&second["id"])] {
        let log = json_of(
            app.get(
                &format!("/v1/workspaces/{workspace}/audit-log?target_kind=org_member"),
                &a.token,
            )
            .await,
            200,
        )
        .await;
        let actions: Vec<&str> = log["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["action"].as_str().unwrap())
            .collect();
        assert_eq!(
            actions,
            ["org_member.removed", "org_member.role_changed"],
            "{workspace}"
        );
        assert_eq!(log["items"][1]["details"]["to"], "org_admin");
    }
}

#[tokio::test]
async fn an_api_key_secret_is_not_stored_in_clear_for_idempotent_replays() {
    let app = TestApp::spawn().await;
    let a = app.tenant("Acme").await;
    let send = || {
        app.client
            .post(app.url(&ws(&a, "/api-keys")))
            .bearer_auth(&a.token)
            .header("idempotency-key", "create-crm-key")
            .json(&json!({ "name": "CRM", "scopes": ["reports:read"] }))
            .send()
    };
    let first: Value = send().await.unwrap().json().await.unwrap();
    let replay = send().await.unwrap();
    assert_eq!(replay.headers()["idempotent-replayed"], "true");
    let replayed: Value = replay.json().await.unwrap();
    assert_eq!(
        first["secret"], replayed["secret"],
        "the replay answers the same key"
    );
    let secret = str_of(&first["secret"]);
    let db = std::fs::read(app.core.config().data_dir.join("earshot.db")).unwrap_or_default();
    let wal = std::fs::read(app.core.config().data_dir.join("earshot.db-wal")).unwrap_or_default();
    for bytes in [db, wal] {
        let text = String::from_utf8_lossy(&bytes);
        assert!(!text.contains(&secret), "the secret is on disk in clear");
    }
}
