//! GraphQL at `/graphql`: the same objects and rules as REST, and every error with a code.
#![expect(
    clippy::unwrap_used,
    clippy::panic,
    reason = "test helpers fail the test at once on an unexpected answer"
)]

use earshot_testkit::{PASSWORD, PLATFORM_TOKEN, Tenant, TestApp, assert_problem, str_of};
use reqwest::Method;
use serde_json::{Value, json};

// ---------------------------------------------------------------------------------------
// Operations
// ---------------------------------------------------------------------------------------

const CREATE_ORG: &str = "mutation($input: CreateOrganizationInput!) {
  createOrganization(input: $input) {
    organization { id name myRole } owner { id email displayName } workspace { id name }
  }
}";
const LOGIN: &str = "mutation($email: String!, $password: String!) {
  login(email: $email, password: $password) {
    accessToken tokenType expiresIn refreshToken refreshExpiresAt
  }
}";
const REFRESH: &str = "mutation($token: String!) {
  refreshSession(refreshToken: $token) { accessToken refreshToken }
}";
const LOGOUT: &str = "mutation { logout }";
const ACCEPT: &str = "mutation($token: String!, $password: String!, $name: String) {
  acceptInvitation(token: $token, password: $password, displayName: $name) {
    accessToken refreshToken
  }
}";
const ME: &str = "{ me { user { id email displayName }
  organizations { id name role workspaces { id name role } } } }";
const ORGANIZATION: &str = "query($id: ID!) { organization(id: $id) {
  id name myRole
  members { items { user { id email } role } nextCursor }
  workspaces { items { id name myRole } nextCursor }
} }";
const CREATE_WORKSPACE: &str = "mutation($org: ID!, $name: String!) {
  createWorkspace(orgId: $org, name: $name) {
    id orgId name myRole settings { agentVisibility reopenWindowSecs followupDelaySecs }
    createdAt updatedAt
  }
}";
const WORKSPACE: &str = "query($ws: ID!) { workspace(id: $ws) {
  id orgId name myRole createdAt updatedAt
  settings { agentVisibility reopenWindowSecs followupDelaySecs }
  members { items { userId email displayName role invitationPending joinedAt } nextCursor }
  teams { items { id name description memberIds } nextCursor }
  apiKeys { items { id name prefix scopes revokedAt } nextCursor }
  auditLog(limit: 200) {
    items { id action targetKind targetId actorKind actorId ip requestId details createdAt }
    nextCursor
  }
} }";
const WORKSPACE_NAME: &str = "query($ws: ID!) { workspace(id: $ws) { id name myRole } }";
const UPDATE_WORKSPACE: &str = "mutation($ws: ID!, $input: UpdateWorkspaceInput!) {
  updateWorkspace(workspaceId: $ws, input: $input) {
    id orgId name createdAt updatedAt
    settings { agentVisibility reopenWindowSecs followupDelaySecs }
  }
}";
const DELETE_WORKSPACE: &str = "mutation($ws: ID!) { deleteWorkspace(workspaceId: $ws) }";
const TRANSFER: &str =
    "mutation($ws: ID!, $id: ID!) { transferOwnership(workspaceId: $ws, userId: $id) }";
const ADD_MEMBER: &str = "mutation($ws: ID!, $email: String!, $role: Role!) {
  addMember(workspaceId: $ws, email: $email, role: $role, displayName: \"New Person\") {
    member { userId email displayName role invitationPending joinedAt }
    invitationToken
  }
}";
const MEMBER: &str = "query($ws: ID!, $id: ID!) { workspace(id: $ws) {
  member(userId: $id) { userId email displayName role invitationPending joinedAt }
} }";
const UPDATE_MEMBER: &str = "mutation($ws: ID!, $id: ID!, $role: Role!) {
  updateMember(workspaceId: $ws, userId: $id, role: $role) {
    userId email displayName role invitationPending joinedAt
  }
}";
const REMOVE_MEMBER: &str =
    "mutation($ws: ID!, $id: ID!) { removeMember(workspaceId: $ws, userId: $id) }";
const CREATE_TEAM: &str = "mutation($ws: ID!, $input: CreateTeamInput!) {
  createTeam(workspaceId: $ws, input: $input) {
    id name description memberIds createdAt updatedAt
  }
}";
const TEAM: &str = "query($ws: ID!, $id: ID!) { workspace(id: $ws) {
  team(id: $id) { id name description memberIds createdAt updatedAt }
} }";
const UPDATE_TEAM: &str = "mutation($ws: ID!, $id: ID!, $input: UpdateTeamInput!) {
  updateTeam(workspaceId: $ws, teamId: $id, input: $input) {
    id name description memberIds createdAt updatedAt
  }
}";
const DELETE_TEAM: &str =
    "mutation($ws: ID!, $id: ID!) { deleteTeam(workspaceId: $ws, teamId: $id) }";
const CREATE_KEY: &str = "mutation($ws: ID!, $input: CreateApiKeyInput!) {
  createApiKey(workspaceId: $ws, input: $input) {
    key { id name prefix scopes expiresAt lastUsedAt revokedAt createdBy createdAt }
    secret
  }
}";
const API_KEY: &str = "query($ws: ID!, $id: ID!) { workspace(id: $ws) {
  apiKey(id: $id) { id name prefix scopes expiresAt revokedAt createdBy createdAt }
} }";
const RENAME_KEY: &str = "mutation($ws: ID!, $id: ID!, $name: String!) {
  renameApiKey(workspaceId: $ws, keyId: $id, name: $name) {
    id name prefix scopes expiresAt revokedAt createdBy createdAt
  }
}";
const REVOKE_KEY: &str = "mutation($ws: ID!, $id: ID!) {
  revokeApiKey(workspaceId: $ws, keyId: $id) { id name revokedAt }
}";
const UPDATE_ORG_MEMBER: &str = "mutation($org: ID!, $id: ID!, $role: OrgRole!) {
  updateOrgMember(orgId: $org, userId: $id, role: $role) { user { id email } role joinedAt }
}";
const REMOVE_ORG_MEMBER: &str =
    "mutation($org: ID!, $id: ID!) { removeOrgMember(orgId: $org, userId: $id) }";
const MEMBERS_PAGE: &str = "query($ws: ID!, $limit: Int, $cursor: String) {
  workspace(id: $ws) { members(limit: $limit, cursor: $cursor) { items { userId } nextCursor } }
}";

// ---------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------

/// Asserts the answer has no errors and returns its data.
#[track_caller]
fn data(resp: &Value) -> &Value {
    assert!(resp.get("errors").is_none(), "unexpected errors: {resp:#}");
    &resp["data"]
}

/// Asserts every error of the answer carries a non-empty string `extensions.code`, and
/// returns the codes.
#[track_caller]
fn codes(resp: &Value) -> Vec<String> {
    let errors = resp["errors"]
        .as_array()
        .unwrap_or_else(|| panic!("expected errors in {resp:#}"));
    assert!(!errors.is_empty(), "empty errors in {resp:#}");
    errors
        .iter()
        .map(|e| {
            let code = e["extensions"]["code"].as_str().unwrap_or_default();
            assert!(!code.is_empty(), "error without extensions.code: {e:#}");
            code.to_owned()
        })
        .collect()
}

/// Asserts the request was refused with `code` and produced no data; returns the error.
#[track_caller]
fn refused(resp: &Value, code: &str) -> Value {
    let all = codes(resp);
    assert_eq!(all[0], code, "answer {resp:#}");
    let no_data = match &resp["data"] {
        Value::Null => true,
        Value::Object(fields) => fields.values().all(Value::is_null),
        _ => false,
    };
    assert!(no_data, "refused request returned data: {resp:#}");
    resp["errors"][0].clone()
}

/// The field errors of a `validation_failed` error.
fn field_errors(error: &Value) -> Vec<String> {
    error["extensions"]["errors"]
        .as_array()
        .map(|list| list.iter().map(|f| str_of(&f["field"])).collect())
        .unwrap_or_default()
}

/// Compares a GraphQL object with its REST twin, field by field (`gql_path` → `rest_path`,
/// dotted). Enum values compare case-insensitively (`OWNER` = `owner`,
/// `CONVERSATIONS_READ` = `conversations:read`); timestamps compare as instants.
#[track_caller]
fn assert_same(gql: &Value, rest: &Value, fields: &[(&str, &str)]) {
    for (g, r) in fields {
        let gv = at(gql, g);
        let rv = at(rest, r);
        assert_eq!(
            normalize(gv),
            normalize(rv),
            "field {g} (GraphQL) vs {r} (REST)\nGraphQL {gql:#}\nREST {rest:#}"
        );
    }
}

fn at<'a>(value: &'a Value, path: &str) -> &'a Value {
    path.split('.').fold(value, |v, key| &v[key])
}

fn normalize(value: &Value) -> Value {
    match value {
        Value::String(s) => match chrono::DateTime::parse_from_rfc3339(s) {
            Ok(t) => json!(t.timestamp_micros()),
            Err(_) => json!(s.to_lowercase().replace(':', "_")),
        },
        Value::Array(items) => Value::Array(items.iter().map(normalize).collect()),
        other => other.clone(),
    }
}

async fn rest_json(app: &TestApp, path: &str, token: &str) -> Value {
    let response = app.get(path, token).await;
    assert_eq!(response.status(), 200, "GET {path}");
    response.json().await.unwrap()
}

/// Posts a raw GraphQL body; returns status, content type and JSON body.
async fn raw(app: &TestApp, token: Option<&str>, body: Value) -> (u16, String, Value) {
    let response = app
        .request(Method::POST, "/graphql", token, Some(body))
        .await;
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    (status, content_type, response.json().await.unwrap())
}

/// A `limit` out of range is refused with REST's code and status (and field errors, if any).
async fn assert_limit_refused_as_in_rest(app: &TestApp, token: &str, ws: &str, limit: u64) {
    let rest = app
        .get(&format!("/v1/workspaces/{ws}/members?limit={limit}"), token)
        .await;
    let status = rest.status().as_u16();
    assert!((400..500).contains(&status), "REST refuses limit {limit}");
    let rest: Value = rest.json().await.unwrap();
    let vars = json!({ "ws": ws, "limit": limit });
    let resp = app.graphql(Some(token), MEMBERS_PAGE, vars).await;
    let error = refused(&resp, rest["code"].as_str().unwrap());
    assert_eq!(error["extensions"]["status"], status, "{resp}");
    assert_eq!(
        error["extensions"]["errors"].as_array().map(Vec::len),
        rest["errors"].as_array().map(Vec::len),
        "field errors: GraphQL {resp} REST {rest}"
    );
    assert!(error["message"].as_str().unwrap().contains("limit"));
}

fn ids(list: &Value, key: &str) -> Vec<String> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|item| str_of(&item[key]))
        .collect()
}

// ---------------------------------------------------------------------------------------
// 1. The lifecycle, through GraphQL only
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn an_organization_lives_its_whole_life_through_graphql() {
    let app = TestApp::spawn().await;

    // Organizations: the platform token only.
    let input = json!({ "input": {
        "name": "Initech", "ownerEmail": "boss@initech.test", "ownerPassword": PASSWORD,
        "ownerDisplayName": "Bill", "workspaceName": "Initech desk",
    }});
    refused(
        &app.graphql(None, CREATE_ORG, input.clone()).await,
        "unauthenticated",
    );
    let created = app.graphql(Some(PLATFORM_TOKEN), CREATE_ORG, input).await;
    let created = data(&created)["createOrganization"].clone();
    let org_id = str_of(&created["organization"]["id"]);
    let first_ws = str_of(&created["workspace"]["id"]);
    let owner_id = str_of(&created["owner"]["id"]);
    assert_eq!(created["organization"]["name"], "Initech");
    assert_eq!(created["owner"]["email"], "boss@initech.test");
    assert_eq!(created["owner"]["displayName"], "Bill");
    assert_eq!(created["workspace"]["name"], "Initech desk");

    // Sessions.
    let login_vars = json!({ "email": "boss@initech.test", "password": PASSWORD });
    let tokens = app.graphql(None, LOGIN, login_vars.clone()).await;
    let tokens = data(&tokens)["login"].clone();
    assert_eq!(tokens["tokenType"], "Bearer");
    assert!(tokens["expiresIn"].as_i64().unwrap() > 0);
    let owner = str_of(&tokens["accessToken"]);
    let t = Some(owner.as_str());
    // A user's token is not the platform token.
    let again = json!({ "input": { "name": "Other", "ownerEmail": "x@other.test", "ownerPassword": PASSWORD }});
    refused(&app.graphql(t, CREATE_ORG, again).await, "unauthenticated");

    // `me` is REST's `me`.
    let me = app.graphql(t, ME, json!({})).await;
    let me = data(&me)["me"].clone();
    let rest_me = rest_json(&app, "/v1/me", &owner).await;
    assert_same(
        &me,
        &rest_me,
        &[
            ("user.id", "user.id"),
            ("user.email", "user.email"),
            ("user.displayName", "user.display_name"),
        ],
    );
    assert_eq!(me["organizations"][0]["id"], org_id);
    assert_eq!(me["organizations"][0]["role"], "ORG_OWNER");
    assert_eq!(me["organizations"][0]["workspaces"][0]["id"], first_ws);
    assert_eq!(me["organizations"][0]["workspaces"][0]["role"], "OWNER");
    assert_eq!(
        me["organizations"].as_array().unwrap().len(),
        rest_me["organizations"].as_array().unwrap().len()
    );

    // A second workspace.
    let vars = json!({ "org": org_id, "name": "Second desk" });
    let ws = app.graphql(t, CREATE_WORKSPACE, vars).await;
    let ws = data(&ws)["createWorkspace"].clone();
    let ws_id = str_of(&ws["id"]);
    assert_eq!(ws["myRole"], "OWNER");
    assert_eq!(ws["orgId"], org_id);
    let rest_ws = rest_json(&app, &format!("/v1/workspaces/{ws_id}"), &owner).await;
    let ws_fields = [
        ("id", "id"),
        ("orgId", "org_id"),
        ("name", "name"),
        ("settings.agentVisibility", "settings.agent_visibility"),
        ("settings.reopenWindowSecs", "settings.reopen_window_secs"),
        ("settings.followupDelaySecs", "settings.followup_delay_secs"),
        ("createdAt", "created_at"),
        ("updatedAt", "updated_at"),
    ];
    assert_same(&ws, &rest_ws, &ws_fields);

    // The organization with its members and workspaces.
    let org = app.graphql(t, ORGANIZATION, json!({ "id": org_id })).await;
    let org = data(&org)["organization"].clone();
    assert_eq!(org["myRole"], "ORG_OWNER");
    assert_eq!(org["members"]["items"][0]["user"]["id"], owner_id);
    assert_eq!(org["members"]["items"][0]["role"], "ORG_OWNER");
    let mut listed = ids(&org["workspaces"]["items"], "id");
    listed.sort();
    let mut expected = vec![first_ws.clone(), ws_id.clone()];
    expected.sort();
    assert_eq!(listed, expected);
    assert!(
        org["workspaces"]["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|w| w["myRole"] == "OWNER")
    );

    // Settings.
    let input = json!({ "ws": ws_id, "input": {
        "name": "Second desk (renamed)", "agentVisibility": "TEAM", "reopenWindowSecs": 7200,
    }});
    let updated = app.graphql(t, UPDATE_WORKSPACE, input).await;
    let updated = data(&updated)["updateWorkspace"].clone();
    assert_eq!(updated["name"], "Second desk (renamed)");
    assert_eq!(updated["settings"]["agentVisibility"], "TEAM");
    assert_eq!(updated["settings"]["reopenWindowSecs"], 7200);
    let rest_ws = rest_json(&app, &format!("/v1/workspaces/{ws_id}"), &owner).await;
    assert_same(&updated, &rest_ws, &ws_fields);

    // Members: an unknown email is invited, and the invitation accepted.
    let vars = json!({ "ws": ws_id, "email": "ann@initech.test", "role": "AGENT" });
    let added = app.graphql(t, ADD_MEMBER, vars).await;
    let added = data(&added)["addMember"].clone();
    let ann_id = str_of(&added["member"]["userId"]);
    let invitation = str_of(&added["invitationToken"]);
    assert!(!invitation.is_empty());
    assert_eq!(added["member"]["role"], "AGENT");
    assert_eq!(added["member"]["invitationPending"], true);
    let vars = json!({ "token": invitation, "password": PASSWORD, "name": "Ann" });
    let ann_tokens = app.graphql(None, ACCEPT, vars.clone()).await;
    let ann = str_of(&data(&ann_tokens)["acceptInvitation"]["accessToken"]);
    refused(&app.graphql(None, ACCEPT, vars).await, "invalid_invitation");
    let ann_me = app.graphql(Some(&ann), ME, json!({})).await;
    let ann_me = data(&ann_me)["me"].clone();
    assert_eq!(ann_me["user"]["displayName"], "Ann");
    assert_eq!(ann_me["organizations"][0]["role"], "ORG_MEMBER");
    assert_eq!(ann_me["organizations"][0]["workspaces"][0]["id"], ws_id);
    assert_eq!(ann_me["organizations"][0]["workspaces"][0]["role"], "AGENT");

    let vars = json!({ "ws": ws_id, "id": ann_id, "role": "SUPERVISOR" });
    let ann_member = app.graphql(t, UPDATE_MEMBER, vars).await;
    let ann_member = data(&ann_member)["updateMember"].clone();
    assert_eq!(ann_member["role"], "SUPERVISOR");
    assert_eq!(ann_member["invitationPending"], false);
    let rest_member = rest_json(
        &app,
        &format!("/v1/workspaces/{ws_id}/members/{ann_id}"),
        &owner,
    )
    .await;
    let member_fields = [
        ("userId", "user_id"),
        ("email", "email"),
        ("displayName", "display_name"),
        ("role", "role"),
        ("invitationPending", "invitation_pending"),
        ("joinedAt", "joined_at"),
    ];
    assert_same(&ann_member, &rest_member, &member_fields);
    let one = app
        .graphql(t, MEMBER, json!({ "ws": ws_id, "id": ann_id }))
        .await;
    assert_same(
        &data(&one)["workspace"]["member"],
        &rest_member,
        &member_fields,
    );

    let vars = json!({ "ws": ws_id, "email": "vic@initech.test", "role": "VIEWER" });
    let vic = app.graphql(t, ADD_MEMBER, vars).await;
    let vic_id = str_of(&data(&vic)["addMember"]["member"]["userId"]);
    let removed = app
        .graphql(t, REMOVE_MEMBER, json!({ "ws": ws_id, "id": vic_id }))
        .await;
    assert_eq!(data(&removed)["removeMember"], true);
    refused(
        &app.graphql(t, MEMBER, json!({ "ws": ws_id, "id": vic_id }))
            .await,
        "not_found",
    );

    // Teams.
    let input = json!({ "ws": ws_id, "input": {
        "name": "Tier 1", "description": "First line", "memberIds": [ann_id],
    }});
    let team = app.graphql(t, CREATE_TEAM, input).await;
    let team = data(&team)["createTeam"].clone();
    let team_id = str_of(&team["id"]);
    assert_eq!(team["memberIds"], json!([ann_id]));
    let team_fields = [
        ("id", "id"),
        ("name", "name"),
        ("description", "description"),
        ("memberIds", "member_ids"),
        ("createdAt", "created_at"),
        ("updatedAt", "updated_at"),
    ];
    let team_path = format!("/v1/workspaces/{ws_id}/teams/{team_id}");
    assert_same(
        &team,
        &rest_json(&app, &team_path, &owner).await,
        &team_fields,
    );

    let input = json!({ "ws": ws_id, "id": team_id, "input": { "description": "Still first" } });
    let team = app.graphql(t, UPDATE_TEAM, input).await;
    let team = data(&team)["updateTeam"].clone();
    assert_eq!(team["name"], "Tier 1", "absent fields stay");
    assert_eq!(team["description"], "Still first");
    assert_eq!(team["memberIds"], json!([ann_id]), "absent members stay");
    let input = json!({ "ws": ws_id, "id": team_id, "input": {
        "name": "Tier one", "clearDescription": true, "memberIds": [],
    }});
    let team = app.graphql(t, UPDATE_TEAM, input).await;
    let team = data(&team)["updateTeam"].clone();
    assert_eq!(team["name"], "Tier one");
    assert_eq!(team["description"], Value::Null);
    assert_eq!(team["memberIds"], json!([]));
    assert_same(
        &team,
        &rest_json(&app, &team_path, &owner).await,
        &team_fields,
    );
    let one = app
        .graphql(t, TEAM, json!({ "ws": ws_id, "id": team_id }))
        .await;
    assert_same(
        &data(&one)["workspace"]["team"],
        &rest_json(&app, &team_path, &owner).await,
        &team_fields,
    );
    let deleted = app
        .graphql(t, DELETE_TEAM, json!({ "ws": ws_id, "id": team_id }))
        .await;
    assert_eq!(data(&deleted)["deleteTeam"], true);
    refused(
        &app.graphql(t, TEAM, json!({ "ws": ws_id, "id": team_id }))
            .await,
        "not_found",
    );

    // API keys: the secret once, then never.
    let input = json!({ "ws": ws_id, "input": {
        "name": "Zapier", "scopes": ["CONVERSATIONS_READ", "AUDIT_READ"],
    }});
    let key = app.graphql(t, CREATE_KEY, input).await;
    let key = data(&key)["createApiKey"].clone();
    let key_id = str_of(&key["key"]["id"]);
    let secret = str_of(&key["secret"]);
    assert!(secret.starts_with("esk_"), "secret {secret}");
    assert!(secret.starts_with(key["key"]["prefix"].as_str().unwrap()));
    assert_eq!(key["key"]["createdBy"], owner_id);
    let key_fields = [
        ("id", "id"),
        ("name", "name"),
        ("prefix", "prefix"),
        ("scopes", "scopes"),
        ("expiresAt", "expires_at"),
        ("revokedAt", "revoked_at"),
        ("createdBy", "created_by"),
        ("createdAt", "created_at"),
    ];
    let key_path = format!("/v1/workspaces/{ws_id}/api-keys/{key_id}");
    assert_same(
        &key["key"],
        &rest_json(&app, &key_path, &owner).await,
        &key_fields,
    );
    refused(
        &app.graphql(
            t,
            "query($ws: ID!) { workspace(id: $ws) { apiKeys { items { secret } } } }",
            json!({ "ws": ws_id }),
        )
        .await,
        "graphql_validation_failed",
    );
    // The key works on GraphQL, with its own (absent) role.
    let as_key = app
        .graphql(Some(&secret), WORKSPACE_NAME, json!({ "ws": ws_id }))
        .await;
    assert_eq!(data(&as_key)["workspace"]["myRole"], Value::Null);
    let vars = json!({ "ws": ws_id, "id": key_id, "name": "Zapier (prod)" });
    let renamed = app.graphql(t, RENAME_KEY, vars).await;
    assert_eq!(data(&renamed)["renameApiKey"]["name"], "Zapier (prod)");
    let one = app
        .graphql(t, API_KEY, json!({ "ws": ws_id, "id": key_id }))
        .await;
    assert_same(
        &data(&one)["workspace"]["apiKey"],
        &rest_json(&app, &key_path, &owner).await,
        &key_fields,
    );
    let revoked = app
        .graphql(t, REVOKE_KEY, json!({ "ws": ws_id, "id": key_id }))
        .await;
    assert!(data(&revoked)["revokeApiKey"]["revokedAt"].is_string());
    let (status, content_type, body) = raw(
        &app,
        Some(&secret),
        json!({ "query": WORKSPACE_NAME, "variables": { "ws": ws_id } }),
    )
    .await;
    assert_eq!(status, 401, "a revoked key is refused: {body}");
    assert!(content_type.starts_with("application/problem+json"));

    // Ownership: Ann becomes owner, the founder admin (owner still through the org).
    let moved = app
        .graphql(t, TRANSFER, json!({ "ws": ws_id, "id": ann_id }))
        .await;
    assert_eq!(data(&moved)["transferOwnership"], true);
    let full = app.graphql(t, WORKSPACE, json!({ "ws": ws_id })).await;
    let full = data(&full)["workspace"].clone();
    let role_of = |id: &str| {
        full["members"]["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["userId"] == id)
            .map(|m| m["role"].clone())
    };
    assert_eq!(role_of(&ann_id), Some(json!("OWNER")));
    assert_eq!(role_of(&owner_id), Some(json!("ADMIN")));
    assert_eq!(role_of(&vic_id), None);
    assert_eq!(full["myRole"], "OWNER", "org_owner is owner everywhere");
    assert_eq!(full["teams"]["items"], json!([]));
    assert_eq!(full["apiKeys"]["items"][0]["name"], "Zapier (prod)");
    let rest_members = rest_json(&app, &format!("/v1/workspaces/{ws_id}/members"), &owner).await;
    assert_eq!(
        ids(&full["members"]["items"], "userId"),
        ids(&rest_members["items"], "user_id")
    );

    // The audit log saw every change made through GraphQL, with who and from where.
    let entries = full["auditLog"]["items"].as_array().unwrap().clone();
    let actions: Vec<String> = entries.iter().map(|e| str_of(&e["action"])).collect();
    for expected in [
        "workspace.created",
        "workspace.updated",
        "member.added",
        "member.role_changed",
        "member.removed",
        "team.created",
        "team.updated",
        "team.deleted",
        "api_key.created",
        "api_key.renamed",
        "api_key.revoked",
        "workspace.ownership_transferred",
    ] {
        assert!(
            actions.iter().any(|a| a == expected),
            "{expected} in {actions:?}"
        );
    }
    for entry in &entries {
        assert_eq!(entry["actorKind"], "user", "{entry}");
        assert_eq!(entry["actorId"], owner_id, "{entry}");
    }
    let team_created = entries
        .iter()
        .find(|e| e["action"] == "team.created")
        .unwrap();
    assert_eq!(team_created["targetKind"], "team");
    assert_eq!(team_created["targetId"], team_id);
    assert_eq!(team_created["details"]["name"], "Tier 1");
    assert!(team_created["ip"].is_string(), "{team_created}");
    assert!(team_created["requestId"].is_string(), "{team_created}");
    let rest_audit = rest_json(
        &app,
        &format!("/v1/workspaces/{ws_id}/audit-log?limit=200"),
        &owner,
    )
    .await;
    assert_eq!(
        ids(&Value::Array(entries), "id"),
        ids(&rest_audit["items"], "id")
    );
    let filtered = app
        .graphql(
            t,
            "query($ws: ID!) { workspace(id: $ws) {
               auditLog(action: \"team.updated\") { items { action } } } }",
            json!({ "ws": ws_id }),
        )
        .await;
    assert_eq!(
        data(&filtered)["workspace"]["auditLog"]["items"],
        json!([{ "action": "team.updated" }, { "action": "team.updated" }])
    );

    // Organization members.
    let vars = json!({ "org": org_id, "id": ann_id, "role": "ORG_ADMIN" });
    let promoted = app.graphql(t, UPDATE_ORG_MEMBER, vars).await;
    let promoted = data(&promoted)["updateOrgMember"].clone();
    assert_eq!(promoted["role"], "ORG_ADMIN");
    assert_eq!(promoted["user"]["id"], ann_id);
    let gone = app
        .graphql(t, REMOVE_ORG_MEMBER, json!({ "org": org_id, "id": vic_id }))
        .await;
    assert_eq!(data(&gone)["removeOrgMember"], true);
    let org = app.graphql(t, ORGANIZATION, json!({ "id": org_id })).await;
    let org = data(&org)["organization"].clone();
    let rest_org_members = rest_json(&app, &format!("/v1/orgs/{org_id}/members"), &owner).await;
    let org_member_ids: Vec<String> = org["members"]["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| str_of(&m["user"]["id"]))
        .collect();
    assert!(!org_member_ids.contains(&vic_id));
    assert!(org_member_ids.contains(&ann_id));
    let rest_ids: Vec<String> = rest_org_members["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| str_of(&m["user"]["id"]))
        .collect();
    assert_eq!(org_member_ids, rest_ids);

    // Refresh rotates; a reused refresh token ends the session.
    let session = app.graphql(None, LOGIN, login_vars.clone()).await;
    let session = data(&session)["login"].clone();
    let first_refresh = str_of(&session["refreshToken"]);
    let rotated = app
        .graphql(None, REFRESH, json!({ "token": first_refresh }))
        .await;
    let rotated = data(&rotated)["refreshSession"].clone();
    assert_ne!(rotated["refreshToken"], first_refresh);
    let rotated_access = str_of(&rotated["accessToken"]);
    assert!(data(&app.graphql(Some(&rotated_access), ME, json!({})).await)["me"].is_object());
    refused(
        &app.graphql(None, REFRESH, json!({ "token": first_refresh }))
            .await,
        "refresh_token_reused",
    );
    let after = app
        .graphql(None, REFRESH, json!({ "token": rotated["refreshToken"] }))
        .await;
    refused(&after, "invalid_refresh_token");
    let (status, _, _) = raw(&app, Some(&rotated_access), json!({ "query": ME })).await;
    assert_eq!(status, 401, "the whole session ended");

    // Logout ends the session of the token.
    let session = app.graphql(None, LOGIN, login_vars).await;
    let access = str_of(&data(&session)["login"]["accessToken"]);
    let out = app.graphql(Some(&access), LOGOUT, json!({})).await;
    assert_eq!(data(&out)["logout"], true);
    let (status, _, _) = raw(&app, Some(&access), json!({ "query": ME })).await;
    assert_eq!(status, 401, "a logged-out token is refused");

    // Deleting the workspace.
    let deleted = app
        .graphql(t, DELETE_WORKSPACE, json!({ "ws": ws_id }))
        .await;
    assert_eq!(data(&deleted)["deleteWorkspace"], true);
    refused(
        &app.graphql(t, WORKSPACE_NAME, json!({ "ws": ws_id })).await,
        "not_found",
    );
    let rest = app.get(&format!("/v1/workspaces/{ws_id}"), &owner).await;
    assert_problem(rest, 404, "not_found").await;
    let first = app
        .graphql(t, WORKSPACE_NAME, json!({ "ws": first_ws }))
        .await;
    assert_eq!(data(&first)["workspace"]["name"], "Initech desk");
}

// ---------------------------------------------------------------------------------------
// 2. Isolation
// ---------------------------------------------------------------------------------------

struct Other {
    team_id: String,
    key_id: String,
    member_id: String,
}

async fn b_objects(app: &TestApp, b: &Tenant) -> Other {
    let path = format!("/v1/workspaces/{}/teams", b.workspace_id);
    let team = app
        .post(
            &path,
            &b.token,
            json!({ "name": "B team", "description": "b" }),
        )
        .await;
    assert_eq!(team.status(), 201);
    let team: Value = team.json().await.unwrap();
    let (key_id, _) = app.api_key(b, &["conversations:read"]).await;
    let (member_id, _) = app.member_with_role(b, "agent").await;
    Other {
        team_id: str_of(&team["id"]),
        key_id,
        member_id,
    }
}

async fn b_snapshot(app: &TestApp, b: &Tenant) -> Value {
    let ws = &b.workspace_id;
    json!({
        "workspace": rest_json(app, &format!("/v1/workspaces/{ws}"), &b.token).await,
        "members": rest_json(app, &format!("/v1/workspaces/{ws}/members"), &b.token).await,
        "teams": rest_json(app, &format!("/v1/workspaces/{ws}/teams"), &b.token).await,
        "keys": rest_json(app, &format!("/v1/workspaces/{ws}/api-keys"), &b.token).await,
        "org_members": rest_json(app, &format!("/v1/orgs/{}/members", b.org_id), &b.token).await,
        "workspaces": rest_json(app, &format!("/v1/orgs/{}/workspaces", b.org_id), &b.token).await,
    })
}

#[tokio::test]
async fn another_workspace_is_not_found_through_every_field_and_mutation() {
    let (app, a, b) = TestApp::two_workspaces().await;
    let other = b_objects(&app, &b).await;
    let (_, a_key) = app
        .api_key(
            &a,
            &[
                "conversations:read",
                "settings:manage",
                "audit:read",
                "channels:manage",
            ],
        )
        .await;
    let before = b_snapshot(&app, &b).await;

    let (aw, bw) = (a.workspace_id.as_str(), b.workspace_id.as_str());
    let (team, key, user) = (
        other.team_id.as_str(),
        other.key_id.as_str(),
        other.member_id.as_str(),
    );
    let team_input = json!({ "name": "Sneaky" });
    let key_input = json!({ "name": "Sneaky", "scopes": ["CONVERSATIONS_READ"] });
    let ws_input = json!({ "name": "Pwned" });
    let cases: Vec<(&str, Value)> = vec![
        // B's workspace id.
        (WORKSPACE, json!({ "ws": bw })),
        (WORKSPACE_NAME, json!({ "ws": bw })),
        (UPDATE_WORKSPACE, json!({ "ws": bw, "input": ws_input })),
        (DELETE_WORKSPACE, json!({ "ws": bw })),
        (TRANSFER, json!({ "ws": bw, "id": a.user_id })),
        (TRANSFER, json!({ "ws": bw, "id": b.user_id })),
        (
            ADD_MEMBER,
            json!({ "ws": bw, "email": "x@acme.test", "role": "ADMIN" }),
        ),
        (
            UPDATE_MEMBER,
            json!({ "ws": bw, "id": user, "role": "ADMIN" }),
        ),
        (REMOVE_MEMBER, json!({ "ws": bw, "id": user })),
        (MEMBER, json!({ "ws": bw, "id": user })),
        (CREATE_TEAM, json!({ "ws": bw, "input": team_input })),
        (TEAM, json!({ "ws": bw, "id": team })),
        (
            UPDATE_TEAM,
            json!({ "ws": bw, "id": team, "input": { "name": "x" } }),
        ),
        (DELETE_TEAM, json!({ "ws": bw, "id": team })),
        (CREATE_KEY, json!({ "ws": bw, "input": key_input })),
        (API_KEY, json!({ "ws": bw, "id": key })),
        (RENAME_KEY, json!({ "ws": bw, "id": key, "name": "x" })),
        (REVOKE_KEY, json!({ "ws": bw, "id": key })),
        // A's workspace id with B's object ids.
        (MEMBER, json!({ "ws": aw, "id": user })),
        (MEMBER, json!({ "ws": aw, "id": b.user_id })),
        (
            UPDATE_MEMBER,
            json!({ "ws": aw, "id": b.user_id, "role": "VIEWER" }),
        ),
        (REMOVE_MEMBER, json!({ "ws": aw, "id": user })),
        (TRANSFER, json!({ "ws": aw, "id": b.user_id })),
        (TEAM, json!({ "ws": aw, "id": team })),
        (
            UPDATE_TEAM,
            json!({ "ws": aw, "id": team, "input": { "clearDescription": true } }),
        ),
        (DELETE_TEAM, json!({ "ws": aw, "id": team })),
        (API_KEY, json!({ "ws": aw, "id": key })),
        (RENAME_KEY, json!({ "ws": aw, "id": key, "name": "x" })),
        (REVOKE_KEY, json!({ "ws": aw, "id": key })),
        // B's organization.
        (ORGANIZATION, json!({ "id": b.org_id })),
        (
            CREATE_WORKSPACE,
            json!({ "org": b.org_id, "name": "Inside B" }),
        ),
        (
            UPDATE_ORG_MEMBER,
            json!({ "org": b.org_id, "id": user, "role": "ORG_OWNER" }),
        ),
        (
            UPDATE_ORG_MEMBER,
            json!({ "org": b.org_id, "id": b.user_id, "role": "ORG_MEMBER" }),
        ),
        (REMOVE_ORG_MEMBER, json!({ "org": b.org_id, "id": user })),
        (
            UPDATE_ORG_MEMBER,
            json!({ "org": a.org_id, "id": user, "role": "ORG_ADMIN" }),
        ),
        (
            REMOVE_ORG_MEMBER,
            json!({ "org": a.org_id, "id": b.user_id }),
        ),
        // Malformed ids name nothing.
        (WORKSPACE_NAME, json!({ "ws": "not-a-uuid" })),
        (ORGANIZATION, json!({ "id": "42" })),
        (
            UPDATE_WORKSPACE,
            json!({ "ws": "", "input": { "name": "x" } }),
        ),
        (MEMBER, json!({ "ws": aw, "id": "nope" })),
        (TEAM, json!({ "ws": aw, "id": "nope" })),
        (API_KEY, json!({ "ws": aw, "id": "nope" })),
        (
            UPDATE_TEAM,
            json!({ "ws": aw, "id": "nope", "input": { "name": "x" } }),
        ),
        (DELETE_TEAM, json!({ "ws": aw, "id": "nope" })),
        (RENAME_KEY, json!({ "ws": aw, "id": "nope", "name": "x" })),
        (REVOKE_KEY, json!({ "ws": aw, "id": "nope" })),
        (
            UPDATE_MEMBER,
            json!({ "ws": aw, "id": "nope", "role": "ADMIN" }),
        ),
        (REMOVE_MEMBER, json!({ "ws": aw, "id": "nope" })),
        (TRANSFER, json!({ "ws": aw, "id": "nope" })),
        (
            UPDATE_ORG_MEMBER,
            json!({ "org": a.org_id, "id": "nope", "role": "ORG_ADMIN" }),
        ),
        (REMOVE_ORG_MEMBER, json!({ "org": "nope", "id": a.user_id })),
    ];
    for (query, vars) in &cases {
        let resp = app.graphql(Some(&a.token), query, vars.clone()).await;
        let error = refused(&resp, "not_found");
        assert_eq!(error["extensions"]["status"], 404, "{query} {vars}");
    }

    // A's API key cannot step into B either, nor into any organization.
    let key_cases: Vec<(&str, Value)> = vec![
        (WORKSPACE_NAME, json!({ "ws": bw })),
        (
            CREATE_TEAM,
            json!({ "ws": bw, "input": { "name": "Sneaky" } }),
        ),
        (TEAM, json!({ "ws": aw, "id": team })),
        (
            UPDATE_TEAM,
            json!({ "ws": aw, "id": team, "input": { "name": "x" } }),
        ),
        (ORGANIZATION, json!({ "id": b.org_id })),
    ];
    for (query, vars) in &key_cases {
        let resp = app.graphql(Some(&a_key), query, vars.clone()).await;
        refused(&resp, "not_found");
    }
    // Its own organization is no secret to it, but is for people only.
    let own = app
        .graphql(Some(&a_key), ORGANIZATION, json!({ "id": a.org_id }))
        .await;
    refused(&own, "people_only");

    // B's member ids are not A's members: the same answer as an id nobody has.
    let strange = json!({ "ws": aw, "input": { "name": "Mixed", "memberIds": [user] } });
    let unknown = json!({ "ws": aw, "input": {
        "name": "Mixed", "memberIds": ["01a20825-3f3e-7589-b898-5bf5956c59c6"] } });
    let with_b = refused(
        &app.graphql(Some(&a.token), CREATE_TEAM, strange).await,
        "validation_failed",
    );
    let with_none = refused(
        &app.graphql(Some(&a.token), CREATE_TEAM, unknown).await,
        "validation_failed",
    );
    assert_eq!(
        with_b["extensions"]["errors"],
        with_none["extensions"]["errors"]
    );

    // B saw nothing change, and A's own workspace lists none of B's objects.
    assert_eq!(b_snapshot(&app, &b).await, before);
    let mine = app
        .graphql(Some(&a.token), WORKSPACE, json!({ "ws": aw }))
        .await;
    let mine = data(&mine)["workspace"].clone();
    let text = mine.to_string();
    for id in [team, key, user, bw, b.user_id.as_str()] {
        assert!(!text.contains(id), "{id} leaked into A's workspace");
    }
}

// ---------------------------------------------------------------------------------------
// 3. Roles
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn roles_and_key_scopes_are_enforced_as_in_rest() {
    let app = TestApp::spawn().await;
    let a = app.tenant("Acme").await;
    let ws = a.workspace_id.as_str();
    let (_, agent) = app.member_with_role(&a, "agent").await;
    let (_, viewer) = app.member_with_role(&a, "viewer").await;
    let (_, supervisor) = app.member_with_role(&a, "supervisor").await;
    let (_, admin) = app.member_with_role(&a, "admin").await;
    let (_, reader_key) = app.api_key(&a, &["conversations:read"]).await;
    let (_, settings_key) = app.api_key(&a, &["settings:manage"]).await;

    let team = json!({ "ws": ws, "input": { "name": "Nope" } });
    let cases: Vec<(&str, &str, Value)> = vec![
        (&agent, CREATE_TEAM, team.clone()),
        (&reader_key, CREATE_TEAM, team.clone()),
        (&supervisor, CREATE_TEAM, team.clone()),
        (
            &viewer,
            ADD_MEMBER,
            json!({ "ws": ws, "email": "v@acme.test", "role": "AGENT" }),
        ),
        (
            &agent,
            ADD_MEMBER,
            json!({ "ws": ws, "email": "v@acme.test", "role": "AGENT" }),
        ),
        (
            &admin,
            ADD_MEMBER,
            json!({ "ws": ws, "email": "o@acme.test", "role": "OWNER" }),
        ),
        (
            &admin,
            UPDATE_MEMBER,
            json!({ "ws": ws, "id": a.user_id, "role": "AGENT" }),
        ),
        (&admin, DELETE_WORKSPACE, json!({ "ws": ws })),
        (&admin, TRANSFER, json!({ "ws": ws, "id": a.user_id })),
        (
            &supervisor,
            UPDATE_WORKSPACE,
            json!({ "ws": ws, "input": { "name": "x" } }),
        ),
        (
            &viewer,
            CREATE_KEY,
            json!({ "ws": ws, "input": { "name": "k", "scopes": [] } }),
        ),
        (
            &settings_key,
            CREATE_KEY,
            json!({ "ws": ws, "input": { "name": "k", "scopes": [] } }),
        ),
        (
            &viewer,
            "query($ws: ID!) { workspace(id: $ws) { auditLog { items { id } } } }",
            json!({ "ws": ws }),
        ),
        (
            &agent,
            "query($ws: ID!) { workspace(id: $ws) { apiKeys { items { id } } } }",
            json!({ "ws": ws }),
        ),
    ];
    for (token, query, vars) in &cases {
        let error = refused(
            &app.graphql(Some(token), query, vars.clone()).await,
            "forbidden",
        );
        assert_eq!(error["extensions"]["status"], 403);
    }

    // REST says the same for the same caller.
    let rest = app
        .post(
            &format!("/v1/workspaces/{ws}/teams"),
            &agent,
            json!({ "name": "Nope" }),
        )
        .await;
    assert_problem(rest, 403, "forbidden").await;

    // What the roles may do, they can.
    let read = app
        .graphql(Some(&viewer), WORKSPACE_NAME, json!({ "ws": ws }))
        .await;
    assert_eq!(data(&read)["workspace"]["myRole"], "VIEWER");
    let made = app.graphql(Some(&settings_key), CREATE_TEAM, team).await;
    assert_eq!(data(&made)["createTeam"]["name"], "Nope");
    let vars = json!({ "ws": ws, "email": "n@acme.test", "role": "AGENT" });
    let added = app.graphql(Some(&admin), ADD_MEMBER, vars).await;
    assert_eq!(data(&added)["addMember"]["member"]["role"], "AGENT");
    // An organization member who is not in the workspace does not see it at all.
    let org_only = app
        .graphql(Some(&agent), ORGANIZATION, json!({ "id": a.org_id }))
        .await;
    let org_only = data(&org_only)["organization"].clone();
    assert_eq!(org_only["myRole"], "ORG_MEMBER");
    refused(
        &app.graphql(
            Some(&agent),
            UPDATE_ORG_MEMBER,
            json!({ "org": a.org_id, "id": a.user_id, "role": "ORG_MEMBER" }),
        )
        .await,
        "forbidden",
    );
    refused(
        &app.graphql(
            Some(&agent),
            CREATE_WORKSPACE,
            json!({ "org": a.org_id, "name": "Mine" }),
        )
        .await,
        "forbidden",
    );
}

// ---------------------------------------------------------------------------------------
// 4. Every error carries a code
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn every_error_carries_a_stable_code() {
    let app = TestApp::spawn().await;
    let a = app.tenant("Acme").await;
    let ws = a.workspace_id.as_str();
    let owner = Some(a.token.as_str());
    let (_, agent) = app.member_with_role(&a, "agent").await;
    let team = json!({ "ws": ws, "input": { "name": "Tier 1" } });
    data(&app.graphql(owner, CREATE_TEAM, team.clone()).await);

    let deep = "{ me { user { id } ";
    let cases: Vec<(Option<&str>, &str, Value, &str)> = vec![
        (None, ME, json!({}), "unauthenticated"),
        (None, WORKSPACE_NAME, json!({ "ws": ws }), "unauthenticated"),
        (None, LOGOUT, json!({}), "unauthenticated"),
        (Some(PLATFORM_TOKEN), ME, json!({}), "unauthenticated"),
        (
            None,
            LOGIN,
            json!({ "email": a.email, "password": "wrong password" }),
            "invalid_credentials",
        ),
        (
            None,
            REFRESH,
            json!({ "token": "nope" }),
            "invalid_refresh_token",
        ),
        (
            None,
            ACCEPT,
            json!({ "token": "esi_nope", "password": PASSWORD }),
            "invalid_invitation",
        ),
        (Some(&agent), CREATE_TEAM, team.clone(), "forbidden"),
        (
            owner,
            WORKSPACE_NAME,
            json!({ "ws": "01a20825-3f3e-7589-b898-5bf5956c59c6" }),
            "not_found",
        ),
        (
            owner,
            CREATE_TEAM,
            json!({ "ws": ws, "input": { "name": "  " } }),
            "validation_failed",
        ),
        (owner, CREATE_TEAM, team.clone(), "team_name_taken"),
        (
            owner,
            UPDATE_WORKSPACE,
            json!({ "ws": ws, "input": { "reopenWindowSecs": -1 } }),
            "validation_failed",
        ),
        (
            owner,
            UPDATE_MEMBER,
            json!({ "ws": ws, "id": a.user_id, "role": "ADMIN" }),
            "last_owner",
        ),
        (
            owner,
            TRANSFER,
            json!({ "ws": ws, "id": a.user_id }),
            "validation_failed",
        ),
        (
            owner,
            ADD_MEMBER,
            json!({ "ws": ws, "email": "not an email", "role": "AGENT" }),
            "validation_failed",
        ),
        (
            owner,
            MEMBERS_PAGE,
            json!({ "ws": ws, "cursor": "garbage" }),
            "invalid_cursor",
        ),
        // The engine's own refusals.
        (owner, deep, json!({}), "graphql_parse_failed"),
        (
            owner,
            "{ me { nope } }",
            json!({}),
            "graphql_validation_failed",
        ),
        (owner, "{ me }", json!({}), "graphql_validation_failed"),
        (
            owner,
            "query($ws: ID!) { workspace(id: $ws) { id } }",
            json!({}),
            "graphql_invalid_input",
        ),
        (
            owner,
            "subscription { me }",
            json!({}),
            "graphql_validation_failed",
        ),
        (
            owner,
            MEMBERS_PAGE,
            json!({ "ws": ws, "limit": -1 }),
            "graphql_invalid_input",
        ),
        (
            owner,
            MEMBERS_PAGE,
            json!({ "ws": ws, "limit": "ten" }),
            "graphql_invalid_input",
        ),
        (
            owner,
            ADD_MEMBER,
            json!({ "ws": ws, "email": "x@acme.test", "role": "KING" }),
            "graphql_invalid_input",
        ),
    ];
    for (token, query, vars, expected) in &cases {
        let resp = app.graphql(*token, query, vars.clone()).await;
        let error = refused(&resp, expected);
        assert!(error["extensions"]["status"].is_u64(), "{error}");
    }

    // Validation errors name their fields.
    let empty = app
        .graphql(
            owner,
            CREATE_TEAM,
            json!({ "ws": ws, "input": { "name": "" } }),
        )
        .await;
    let error = refused(&empty, "validation_failed");
    assert_eq!(field_errors(&error), vec!["name"]);
    assert_eq!(error["extensions"]["errors"][0]["code"], "required");
    assert_limit_refused_as_in_rest(&app, &a.token, ws, 500).await;

    // Requests the engine cannot run as sent.
    let two = "query One { me { user { id } } } query Two { me { user { id } } }";
    let (status, _, body) = raw(&app, owner, json!({ "query": two })).await;
    assert_eq!(status, 200);
    refused(&body, "graphql_invalid_request");
    let (_, _, body) = raw(
        &app,
        owner,
        json!({ "query": two, "operationName": "Three" }),
    )
    .await;
    refused(&body, "graphql_invalid_request");
    let (_, _, body) = raw(&app, owner, json!({ "query": two, "operationName": "Two" })).await;
    assert!(data(&body)["me"].is_object());
    // A body that is not a GraphQL request at all is a problem document.
    let response = app
        .client
        .post(app.url("/graphql"))
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert!(response.status().is_client_error());
    let content_type = response.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(content_type.starts_with("application/problem+json"));
    let body: Value = response.json().await.unwrap();
    assert!(body["code"].as_str().is_some_and(|c| !c.is_empty()));
}

// ---------------------------------------------------------------------------------------
// 5. Depth and complexity limits
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn queries_over_the_depth_or_complexity_limit_are_refused_before_running() {
    let app = TestApp::spawn().await;
    let a = app.tenant("Acme").await;
    let t = Some(a.token.as_str());
    let depth = earshot_api::graphql::MAX_DEPTH;

    // Introspection types nest without end: `ofType` a few times past the limit.
    let nested = |levels: usize| {
        format!(
            "{{ __schema {{ types {{ fields {{ type {{ {} name {} }} }} }} }} }}",
            "ofType { ".repeat(levels),
            "} ".repeat(levels)
        )
    };
    let too_deep = app.graphql(t, &nested(depth), json!({})).await;
    refused(&too_deep, "graphql_query_too_deep");
    assert!(too_deep["data"].is_null());
    let shallow = app.graphql(t, &nested(1), json!({})).await;
    assert!(data(&shallow)["__schema"]["types"].is_array());

    // Aliases multiply the cost without nesting deeper.
    let per_alias = 4; // me, user, id, email
    let aliases = earshot_api::graphql::MAX_COMPLEXITY / per_alias + 1;
    let wide: String = (0..aliases)
        .map(|i| format!("a{i}: me {{ user {{ id email }} }} "))
        .collect();
    let too_complex = app.graphql(t, &format!("{{ {wide} }}"), json!({})).await;
    refused(&too_complex, "graphql_query_too_complex");
    assert!(too_complex["data"].is_null());
    // A mutation over the limit changes nothing.
    let per_alias = 2; // createTeam, id
    let aliases = earshot_api::graphql::MAX_COMPLEXITY / per_alias + 1;
    let creates: String = (0..aliases)
        .map(|i| {
            format!(
                "t{i}: createTeam(workspaceId: \"{}\", input: {{ name: \"T{i}\" }}) {{ id }} ",
                a.workspace_id
            )
        })
        .collect();
    let refused_mutation = app
        .graphql(t, &format!("mutation {{ {creates} }}"), json!({}))
        .await;
    refused(&refused_mutation, "graphql_query_too_complex");
    let teams = rest_json(
        &app,
        &format!("/v1/workspaces/{}/teams", a.workspace_id),
        &a.token,
    )
    .await;
    assert_eq!(teams["items"], json!([]));
}

// ---------------------------------------------------------------------------------------
// 6. Credentials
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn bad_credentials_are_refused_with_401_before_anything_runs() {
    let app = TestApp::spawn().await;
    let a = app.tenant("Acme").await;
    // An invitation that a request running with bad credentials would consume.
    let path = format!("/v1/workspaces/{}/members", a.workspace_id);
    let added: Value = app
        .post(
            &path,
            &a.token,
            json!({ "email": "new@acme.test", "role": "agent" }),
        )
        .await
        .json()
        .await
        .unwrap();
    let invitation = str_of(&added["invitation_token"]);
    let accept = json!({
        "query": ACCEPT,
        "variables": { "token": invitation, "password": PASSWORD },
    });

    for bad in [
        "Bearer garbage",
        "Bearer esk_garbage",
        "Bearer eyJhbGciOiJIUzI1NiJ9.e30.c2ln",
        "Bearer",
        "Basic dXNlcjpwYXNzd29yZA==",
        "garbage",
    ] {
        let response = app
            .client
            .post(app.url("/graphql"))
            .header("authorization", bad)
            .json(&accept)
            .send()
            .await
            .unwrap();
        let rest = app
            .client
            .get(app.url("/v1/me"))
            .header("authorization", bad)
            .send()
            .await
            .unwrap();
        assert_eq!(rest.status(), 401, "REST refuses {bad}");
        let rest: Value = rest.json().await.unwrap();
        let code = rest["code"].as_str().unwrap();
        let body = assert_problem(response, 401, code).await;
        assert!(body.get("data").is_none(), "{bad}: {body}");
    }
    // Nothing ran: the invitation is still there to accept.
    let (status, _, body) = raw(&app, None, accept).await;
    assert_eq!(status, 200);
    assert!(data(&body)["acceptInvitation"]["accessToken"].is_string());

    // No header at all: the request runs, and fields that need a caller say so.
    let resp = app.graphql(None, ME, json!({})).await;
    let error = refused(&resp, "unauthenticated");
    assert_eq!(error["extensions"]["status"], 401);
    assert_eq!(error["path"], json!(["me"]));
}

// ---------------------------------------------------------------------------------------
// 7. Pagination
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn lists_page_with_cursors_as_in_rest() {
    let app = TestApp::spawn().await;
    let a = app.tenant("Acme").await;
    let t = Some(a.token.as_str());
    let ws = a.workspace_id.as_str();
    app.member_with_role(&a, "agent").await;
    app.member_with_role(&a, "viewer").await;

    let mut seen = Vec::new();
    let mut cursor = Value::Null;
    let mut first_cursor = String::new();
    loop {
        let vars = json!({ "ws": ws, "limit": 1, "cursor": cursor });
        let page = app.graphql(t, MEMBERS_PAGE, vars).await;
        let page = data(&page)["workspace"]["members"].clone();
        let items = page["items"].as_array().unwrap();
        assert!(items.len() <= 1);
        seen.extend(items.iter().map(|m| str_of(&m["userId"])));
        if first_cursor.is_empty() {
            first_cursor = str_of(&page["nextCursor"]);
            assert!(!first_cursor.is_empty(), "the first page has a next cursor");
        }
        match &page["nextCursor"] {
            Value::Null => break,
            next => cursor = next.clone(),
        }
        assert!(seen.len() <= 3, "paging does not end: {seen:?}");
    }
    let rest = rest_json(&app, &format!("/v1/workspaces/{ws}/members"), &a.token).await;
    assert_eq!(seen, ids(&rest["items"], "user_id"));
    assert_eq!(seen.len(), 3);

    // The REST cursor and the GraphQL cursor are the same thing.
    let rest_page = rest_json(
        &app,
        &format!("/v1/workspaces/{ws}/members?limit=1"),
        &a.token,
    )
    .await;
    assert_eq!(rest_page["next_cursor"], first_cursor);

    // A tampered cursor.
    let mut tampered: Vec<char> = first_cursor.chars().collect();
    let last = tampered.len() - 1;
    tampered[last] = if tampered[last] == 'A' { 'B' } else { 'A' };
    let tampered: String = tampered.into_iter().collect();
    for cursor in [tampered.as_str(), "garbage", ""] {
        let vars = json!({ "ws": ws, "limit": 1, "cursor": cursor });
        let error = refused(&app.graphql(t, MEMBERS_PAGE, vars).await, "invalid_cursor");
        assert_eq!(error["extensions"]["status"], 400);
    }
    for limit in [0, 201, 500] {
        assert_limit_refused_as_in_rest(&app, &a.token, ws, limit).await;
    }
    let vars = json!({ "ws": ws, "limit": 200 });
    let all = app.graphql(t, MEMBERS_PAGE, vars).await;
    assert_eq!(
        data(&all)["workspace"]["members"]["nextCursor"],
        Value::Null
    );

    // Other lists page the same way.
    let audit = app
        .graphql(
            t,
            "query($ws: ID!) { workspace(id: $ws) { auditLog(limit: 1) { items { id } nextCursor } } }",
            json!({ "ws": ws }),
        )
        .await;
    assert!(data(&audit)["workspace"]["auditLog"]["nextCursor"].is_string());
}

// ---------------------------------------------------------------------------------------
// The schema document
// ---------------------------------------------------------------------------------------

#[test]
fn the_schema_can_be_exported() {
    let sdl = earshot_api::graphql::sdl();
    for expected in [
        "type Query",
        "type Mutation",
        "type Workspace",
        "type Team",
        "type Member",
        "type ApiKey",
        "type AuditEntry",
        "type Organization",
        "enum Role",
        "enum ApiScope",
    ] {
        assert!(sdl.contains(expected), "{expected} missing from the SDL");
    }
    let api_key = sdl
        .split("type ApiKey {")
        .nth(1)
        .and_then(|rest| rest.split('}').next())
        .unwrap();
    assert!(
        !api_key.contains("secret"),
        "an API key never shows its secret"
    );
}

#[tokio::test]
async fn graphql_bodies_obey_the_same_limits_as_rest_bodies() {
    let app = TestApp::spawn().await;
    let a = app.tenant("Acme").await;
    let limit = app.core.config().body_limit_bytes;
    let post = |body: String, content_type: &'static str| {
        app.client
            .post(app.url("/graphql"))
            .bearer_auth(&a.token)
            .header("content-type", content_type)
            .body(body)
    };

    let big = json!({ "query": format!("{{ me {{ user {{ id }} }} }} # {}", "x".repeat(limit)) });
    let response = post(big.to_string(), "application/json")
        .send()
        .await
        .unwrap();
    assert_problem(response, 413, "payload_too_large").await;

    let response = post("{ me { user { id } } }".into(), "text/plain")
        .send()
        .await
        .unwrap();
    assert_problem(response, 415, "unsupported_media_type").await;

    let batch = json!([{ "query": "{ me { user { id } } }" }]).to_string();
    for (body, what) in [
        (batch.as_str(), "a batch"),
        ("{\"query\": 42}", "a query that is not text"),
        ("{\"query\": ", "JSON cut short"),
    ] {
        let response = post(body.into(), "application/json").send().await.unwrap();
        assert!(response.status().is_client_error(), "{what}");
        let problem: Value = response.json().await.unwrap();
        assert!(
            problem["code"].as_str().is_some_and(|c| !c.is_empty()),
            "{what}: {problem}"
        );
    }

    // Ordinary bodies: variables absent or null.
    for body in [
        json!({ "query": "{ me { user { id } } }" }),
        json!({ "query": "{ me { user { id } } }", "variables": null, "operationName": null }),
    ] {
        let (status, _, answer) = raw(&app, Some(&a.token), body).await;
        assert_eq!(status, 200);
        assert_eq!(data(&answer)["me"]["user"]["id"], a.user_id);
    }
}

#[tokio::test]
async fn the_standard_introspection_query_is_answered() {
    let app = TestApp::spawn().await;
    let query = r#"query IntrospectionQuery { __schema { queryType { name } mutationType { name }
      types { ...FullType } directives { name locations args { ...InputValue } } } }
      fragment FullType on __Type { kind name fields(includeDeprecated: true) { name args { ...InputValue }
        type { ...TypeRef } isDeprecated deprecationReason } inputFields { ...InputValue }
        interfaces { ...TypeRef } enumValues(includeDeprecated: true) { name } possibleTypes { ...TypeRef } }
      fragment InputValue on __InputValue { name type { ...TypeRef } defaultValue }
      fragment TypeRef on __Type { kind name ofType { kind name ofType { kind name ofType { kind name
        ofType { kind name ofType { kind name ofType { kind name ofType { kind name } } } } } } } }"#;
    let answer = app.graphql(None, query, json!({})).await;
    assert!(answer["errors"].is_null(), "{answer}");
    assert_eq!(answer["data"]["__schema"]["queryType"]["name"], "Query");
}
