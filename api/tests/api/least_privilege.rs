//! Least privilege: every REST route and GraphQL field is in the access table, and a key of
//! each single scope is refused (`403`) exactly where its scope does not name what the
//! route or field needs — walked over the whole table, not a sample.
#![expect(
    clippy::unwrap_used,
    clippy::panic,
    reason = "test helpers fail the test at once on an unexpected answer"
)]

use std::collections::BTreeSet;

use earshot_api::access::{self, GRAPHQL_FIELDS, Need, ROUTES};
use earshot_core::tenancy::ApiScope;
use earshot_testkit::{Tenant, TestApp, str_of};
use reqwest::Method;
use serde_json::{Value, json};

fn concrete(template: &str, tenant: &Tenant) -> String {
    template
        .split('/')
        .map(|segment| match segment {
            "{workspace_id}" => tenant.workspace_id.clone(),
            "{org_id}" => tenant.org_id.clone(),
            s if s.starts_with('{') => uuid::Uuid::now_v7().to_string(),
            s => s.to_owned(),
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// One key per scope, each holding that scope alone.
async fn single_scope_keys(app: &TestApp, tenant: &Tenant) -> Vec<(ApiScope, String)> {
    let mut keys = Vec::new();
    for scope in ApiScope::ALL {
        let (_, secret) = app.api_key(tenant, &[scope.as_str()]).await;
        keys.push((scope, secret));
    }
    keys
}

#[tokio::test]
async fn every_route_and_field_states_what_it_needs() {
    let app = TestApp::spawn().await;
    let document = app.openapi_document().await;
    for (path, operations) in document["paths"].as_object().unwrap() {
        for method in operations.as_object().unwrap().keys() {
            let method = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            assert!(
                access::route_need(method.as_str(), path).is_some(),
                "{method} {path} not in the table"
            );
        }
    }
    let sdl = earshot_api::graphql::sdl();
    for type_name in ["Query", "Mutation", "Subscription"] {
        for field in fields_of(&sdl, type_name) {
            assert!(
                access::field_need(type_name, &field).is_some(),
                "{type_name}.{field}"
            );
        }
    }
    let plain = ["id", "orgId", "name", "settings", "createdAt", "updatedAt"];
    for field in fields_of(&sdl, "Workspace") {
        if !plain.contains(&field.as_str()) {
            assert!(
                access::field_need("Workspace", &field).is_some(),
                "Workspace.{field}"
            );
        }
    }
}

/// The field names of `type Name { … }` in the SDL.
fn fields_of(sdl: &str, type_name: &str) -> Vec<String> {
    let start = sdl.find(&format!("type {type_name} {{")).unwrap();
    let body = &sdl[start..];
    let body = &body[body.find('{').unwrap() + 1..body.find("\n}").unwrap()];
    let mut fields = Vec::new();
    let (mut in_doc, mut depth) = (false, 0i32);
    for line in body.lines().map(str::trim) {
        if line.starts_with("\"\"\"") {
            in_doc = !(in_doc || line.len() > 3 && line.ends_with("\"\"\""));
            continue;
        }
        if in_doc || line.is_empty() || line.starts_with('@') {
            continue;
        }
        if depth == 0 {
            let name: String = line.chars().take_while(|c| c.is_alphanumeric()).collect();
            if !name.is_empty() {
                fields.push(name);
            }
        }
        depth += line.matches('(').count() as i32 - line.matches(')').count() as i32;
    }
    fields
}

#[tokio::test]
async fn a_key_of_each_single_scope_reaches_exactly_the_routes_its_scope_names() {
    let app = TestApp::spawn().await;
    let tenant = app.tenant("Acme").await;
    let keys = single_scope_keys(&app, &tenant).await;
    let mut refused = 0;
    for route in ROUTES {
        let method = Method::from_bytes(route.method.as_bytes()).unwrap();
        let path = concrete(route.path, &tenant);
        let body = matches!(route.method, "POST" | "PATCH").then(|| json!({}));
        for (scope, key) in &keys {
            let response = app
                .request(method.clone(), &path, Some(key), body.clone())
                .await;
            let status = response.status().as_u16();
            let problem: Value = response.json().await.unwrap_or(Value::Null);
            let label = format!("{} {} with {}", route.method, route.path, scope.as_str());
            match route.need {
                Need::Public => {}
                Need::Platform => assert_eq!(status, 401, "{label}: {problem}"),
                Need::Person => {
                    assert_eq!(
                        (status, str_of(&problem["code"])),
                        (403, "people_only".into()),
                        "{label}"
                    )
                }
                Need::Workspace(_) if route.need.granted_to(*scope) => {
                    assert_ne!(status, 403, "{label}: {problem}");
                    assert!(status < 500, "{label}: {problem}");
                }
                Need::Workspace(_) => {
                    assert_eq!(
                        (status, str_of(&problem["code"])),
                        (403, "forbidden".into()),
                        "{label}"
                    );
                    refused += 1;
                }
            }
        }
    }
    assert!(refused > 300, "only {refused} refusals");
    // The refusals and the allowed calls with empty bodies changed nothing.
    let teams = app
        .get_json(
            &format!("/v1/workspaces/{}/teams", tenant.workspace_id),
            &tenant.token,
        )
        .await;
    assert_eq!(teams["items"], json!([]));
}

/// A GraphQL operation per workspace field of the table, with `$ws` and `$id` variables.
fn graphql_operation(field: &str) -> String {
    let (kind, rest) = field.split_once('.').unwrap();
    let name = rest;
    let id = |text: &str| {
        if text.contains("$id") {
            ", $id: ID!"
        } else {
            ""
        }
    };
    let q = |selection: &str| {
        format!(
            "query($ws: ID!{}) {{ workspace(id: $ws) {{ {selection} }} }}",
            id(selection)
        )
    };
    let m = |call: &str| format!("mutation($ws: ID!{}) {{ {call} }}", id(call));
    match (kind, name) {
        ("Query", "workspace") => q("id"),
        ("Workspace", "myRole") => q("myRole"),
        ("Workspace", "member") => q("member(userId: $id) { userId }"),
        (
            "Workspace",
            "team"
            | "apiKey"
            | "channel"
            | "contact"
            | "conversation"
            | "listeningRule"
            | "businessHoursCalendar"
            | "slaPolicy",
        ) => q(&format!("{name}(id: $id) {{ id }}")),
        ("Workspace", "contactExport") => q("contactExport(id: $id)"),
        ("Workspace", "inboundEvent") => q("inboundEvent(id: $id) { id }"),
        ("Workspace", "members") => q("members { items { userId } }"),
        ("Workspace", "auditLog") => q("auditLog { items { id } }"),
        ("Workspace", "reportSummary") => q(
            "reportSummary(from: \"2026-01-01T00:00:00Z\", to: \"2026-02-01T00:00:00Z\") { totals { volume { conversations } } }",
        ),
        ("Workspace", _) => q(&format!("{name} {{ items {{ id }} }}")),
        ("Mutation", "updateWorkspace") => m("updateWorkspace(workspaceId: $ws, input: {}) { id }"),
        ("Mutation", "deleteWorkspace") => m("deleteWorkspace(workspaceId: $ws)"),
        ("Mutation", "transferOwnership") => m("transferOwnership(workspaceId: $ws, userId: $id)"),
        ("Mutation", "addMember") => m(
            "addMember(workspaceId: $ws, email: \"x@example.test\", role: VIEWER) { member { userId } }",
        ),
        ("Mutation", "updateMember") => {
            m("updateMember(workspaceId: $ws, userId: $id, role: VIEWER) { userId }")
        }
        ("Mutation", "removeMember") => m("removeMember(workspaceId: $ws, userId: $id)"),
        ("Mutation", "createTeam") => {
            m("createTeam(workspaceId: $ws, input: { name: \"\" }) { id }")
        }
        ("Mutation", "updateTeam") => {
            m("updateTeam(workspaceId: $ws, teamId: $id, input: {}) { id }")
        }
        ("Mutation", "deleteTeam") => m("deleteTeam(workspaceId: $ws, teamId: $id)"),
        ("Mutation", "createApiKey") => {
            m("createApiKey(workspaceId: $ws, input: { name: \"\", scopes: [] }) { secret }")
        }
        ("Mutation", "renameApiKey") => {
            m("renameApiKey(workspaceId: $ws, keyId: $id, name: \"\") { id }")
        }
        ("Mutation", "revokeApiKey") => m("revokeApiKey(workspaceId: $ws, keyId: $id) { id }"),
        ("Mutation", "createChannel") => {
            m("createChannel(workspaceId: $ws, input: { kind: API, name: \"\" }) { id }")
        }
        ("Mutation", "updateChannel") => {
            m("updateChannel(workspaceId: $ws, channelId: $id, input: {}) { id }")
        }
        ("Mutation", "deleteChannel") => m("deleteChannel(workspaceId: $ws, channelId: $id)"),
        ("Mutation", "checkChannel") => m("checkChannel(workspaceId: $ws, channelId: $id) { ok }"),
        ("Mutation", "createListeningRule") => m(
            "createListeningRule(workspaceId: $ws, input: { name: \"\", query: \"\", channelId: $id }) { id }",
        ),
        ("Mutation", "updateListeningRule") => {
            m("updateListeningRule(workspaceId: $ws, ruleId: $id, input: {}) { id }")
        }
        ("Mutation", "deleteListeningRule") => {
            m("deleteListeningRule(workspaceId: $ws, ruleId: $id)")
        }
        ("Mutation", "createBusinessHours") => m(
            "createBusinessHours(workspaceId: $ws, input: { name: \"\", timezone: \"\", weekly: {} }) { id }",
        ),
        ("Mutation", "updateBusinessHours") => {
            m("updateBusinessHours(workspaceId: $ws, businessHoursId: $id, input: {}) { id }")
        }
        ("Mutation", "deleteBusinessHours") => {
            m("deleteBusinessHours(workspaceId: $ws, businessHoursId: $id)")
        }
        ("Mutation", "createSlaPolicy") => {
            m("createSlaPolicy(workspaceId: $ws, input: { name: \"\", targets: {} }) { id }")
        }
        ("Mutation", "updateSlaPolicy") => {
            m("updateSlaPolicy(workspaceId: $ws, policyId: $id, input: {}) { id }")
        }
        ("Mutation", "deleteSlaPolicy") => m("deleteSlaPolicy(workspaceId: $ws, policyId: $id)"),
        ("Mutation", "pushInboundMessage") => m(
            "pushInboundMessage(workspaceId: $ws, channelId: $id, input: { platformMessageId: \"\", author: { platformUserId: \"\" } }) { duplicate }",
        ),
        ("Mutation", "createContact") => {
            m("createContact(workspaceId: $ws, input: { displayName: \"\" }) { id }")
        }
        ("Mutation", "updateContact") => {
            m("updateContact(workspaceId: $ws, contactId: $id, input: {}) { id }")
        }
        ("Mutation", "deleteContact") => m("deleteContact(workspaceId: $ws, contactId: $id)"),
        ("Mutation", "mergeContacts") => {
            m("mergeContacts(workspaceId: $ws, contactId: $id, sourceId: $id) { id }")
        }
        ("Mutation", "eraseContact") => m("eraseContact(workspaceId: $ws, contactId: $id) { id }"),
        ("Mutation", "startConversation") => m(
            "startConversation(workspaceId: $ws, input: { contactId: $id, channelId: $id, text: \"\" }) { id }",
        ),
        ("Mutation", "updateConversation") => {
            m("updateConversation(workspaceId: $ws, conversationId: $id, input: {}) { id }")
        }
        ("Mutation", "bulkUpdateConversations") => {
            m("bulkUpdateConversations(workspaceId: $ws, ids: [$id], changes: {}) { id }")
        }
        ("Mutation", "sendMessage") => m(
            "sendMessage(workspaceId: $ws, conversationId: $id, input: { kind: NOTE, text: \"\" }) { id }",
        ),
        ("Mutation", "createCommitment") => m(
            "createCommitment(workspaceId: $ws, conversationId: $id, input: { text: \"\", dueAt: \"2030-01-01T00:00:00Z\" }) { id }",
        ),
        ("Mutation", "updateCommitment") => m(
            "updateCommitment(workspaceId: $ws, conversationId: $id, commitmentId: $id, input: {}) { id }",
        ),
        ("Mutation", "markNotificationRead") => {
            m("markNotificationRead(workspaceId: $ws, notificationId: $id)")
        }
        ("Mutation", "retryInboundEvent") => {
            m("retryInboundEvent(workspaceId: $ws, eventId: $id) { id }")
        }
        other => panic!("no operation written for {other:?}"),
    }
}

#[tokio::test]
async fn a_key_of_each_single_scope_reaches_exactly_the_fields_its_scope_names() {
    let app = TestApp::spawn().await;
    let tenant = app.tenant("Acme").await;
    let keys = single_scope_keys(&app, &tenant).await;
    let mut walked = BTreeSet::new();
    for (field, need) in GRAPHQL_FIELDS {
        if !matches!(need, Need::Workspace(_)) || field.starts_with("Subscription.") {
            continue;
        }
        let operation = graphql_operation(field);
        let mut variables = json!({ "ws": tenant.workspace_id });
        if operation.contains("$id") {
            variables["id"] = json!(uuid::Uuid::now_v7().to_string());
        }
        for (scope, key) in &keys {
            let answer = app.graphql(Some(key), &operation, variables.clone()).await;
            let codes: Vec<String> = answer["errors"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|e| str_of(&e["extensions"]["code"]))
                .collect();
            let label = format!("{field} with {}: {answer}", scope.as_str());
            assert!(
                !codes.iter().any(|c| c.starts_with("graphql_")),
                "the operation itself is wrong: {label}"
            );
            if need.granted_to(*scope) {
                assert!(!codes.contains(&"forbidden".to_owned()), "{label}");
            } else {
                assert_eq!(codes, vec!["forbidden".to_owned()], "{label}");
            }
        }
        walked.insert(*field);
    }
    assert!(walked.len() > 40, "only {} fields walked", walked.len());
}

#[tokio::test]
async fn the_readme_lists_what_each_scope_reaches_as_the_table_says() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../README.md")).unwrap();
    let table = access::scope_table();
    assert!(
        readme.contains(&table),
        "README.md's scope table differs from the access table; \
         replace it with the output of `cargo run -p earshot-api -- scopes`:\n{table}"
    );
}
