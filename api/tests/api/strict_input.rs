//! Strict input: unknown fields are refused and named, NUL bytes, control characters,
//! invalid UTF-8 and over-long values answer `400` before any query, free-form attributes
//! have limits, and nothing stored changes because of a refusal.

use earshot_testkit::{PLATFORM_TOKEN, Tenant, TestApp, assert_problem, str_of};
use reqwest::Method;
use serde_json::{Value, json};

fn ws(tenant: &Tenant, rest: &str) -> String {
    format!("/v1/workspaces/{}{rest}", tenant.workspace_id)
}

/// The pointers and codes of a `422`'s field errors.
async fn field_errors(response: reqwest::Response) -> Vec<(String, String)> {
    let problem = assert_problem(response, 422, "validation_failed").await;
    let mut found: Vec<(String, String)> = problem["errors"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|e| (str_of(&e["pointer"]), str_of(&e["code"])))
        .collect();
    found.sort();
    found
}

fn concrete_path(template: &str, tenant: &Tenant) -> String {
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

#[tokio::test]
async fn every_request_body_refuses_unknown_fields_and_names_each() {
    let app = TestApp::spawn().await;
    let tenant = app.tenant("Acme").await;
    let document = app.openapi_document().await;
    let mut checked = 0;
    for (template, operations) in document["paths"].as_object().unwrap() {
        for (method, operation) in operations.as_object().unwrap() {
            // A platform's delivery is the platform's to shape: its signature vouches for it.
            if operation.get("requestBody").is_none() || template.starts_with("/v1/hooks/") {
                continue;
            }
            let path = concrete_path(template, &tenant);
            let token = if template == "/v1/orgs" {
                PLATFORM_TOKEN
            } else {
                &tenant.token
            };
            let method = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let mut body = json!({ "zz_unknown": true, "also~odd/name": 1 });
            add_variant_tag(&document, operation, &mut body);
            let response = app
                .request(method.clone(), &path, Some(token), Some(body))
                .await;
            let found = field_errors(response).await;
            let expected = vec![
                ("/also~0odd~1name".to_owned(), "unknown_field".to_owned()),
                ("/zz_unknown".to_owned(), "unknown_field".to_owned()),
            ];
            assert_eq!(found, expected, "{method} {template}");
            checked += 1;
        }
    }
    assert!(checked >= 25, "only {checked} bodies checked");
    // The refusals changed nothing: the owner's session still works, nothing was created.
    let teams = app.get_json(&ws(&tenant, "/teams"), &tenant.token).await;
    assert_eq!(teams["items"], json!([]));
}

/// A tagged union's body names its variant (`"kind": "note"`): without it no field can be
/// known or unknown.
fn add_variant_tag(document: &Value, operation: &Value, body: &mut Value) {
    let reference = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
        .as_str()
        .unwrap_or_default();
    let name = reference.rsplit('/').next().unwrap_or_default();
    let variant = &document["components"]["schemas"][name]["oneOf"][0]["properties"];
    for (property, schema) in variant.as_object().into_iter().flatten() {
        if let Some([tag]) = schema["enum"].as_array().map(Vec::as_slice) {
            body[property] = tag.clone();
        }
    }
}

#[tokio::test]
async fn a_body_that_is_not_an_object_is_refused() {
    let app = TestApp::spawn().await;
    let tenant = app.tenant("Acme").await;
    for body in [json!(["Billing"]), json!("Billing"), json!(7), Value::Null] {
        let response = app.post(&ws(&tenant, "/teams"), &tenant.token, body).await;
        assert_eq!(
            field_errors(response).await,
            vec![("".into(), "invalid_type".into())]
        );
    }
    let login = app
        .request(
            Method::POST,
            "/v1/auth/login",
            None,
            Some(json!([tenant.email, "x"])),
        )
        .await;
    assert_eq!(
        field_errors(login).await,
        vec![("".into(), "invalid_type".into())]
    );
}

#[tokio::test]
async fn the_document_says_request_bodies_take_no_other_fields() {
    let app = TestApp::spawn().await;
    let document = app.openapi_document().await;
    let schemas = &document["components"]["schemas"];
    let mut pending: Vec<String> = Vec::new();
    for operations in document["paths"].as_object().unwrap().values() {
        for operation in operations.as_object().unwrap().values() {
            if let Some(reference) =
                operation["requestBody"]["content"]["application/json"]["schema"]["$ref"].as_str()
            {
                pending.push(reference.rsplit('/').next().unwrap().to_owned());
            }
        }
    }
    let mut seen = std::collections::BTreeSet::new();
    while let Some(name) = pending.pop() {
        if !seen.insert(name.clone()) {
            continue;
        }
        let schema = &schemas[&name];
        for object in objects_in(schema) {
            assert_eq!(
                object["additionalProperties"],
                json!(false),
                "{name}: {object}"
            );
        }
        let text = schema.to_string();
        for part in text.split("#/components/schemas/").skip(1) {
            pending.push(part.split('"').next().unwrap().to_owned());
        }
    }
    assert!(
        seen.contains("InboundAuthor") && seen.contains("NewMessage"),
        "{seen:?}"
    );
}

/// Object schemas with declared properties, at the top or as `oneOf` variants.
fn objects_in(schema: &Value) -> Vec<&Value> {
    let mut found = Vec::new();
    if schema["properties"].is_object() {
        found.push(schema);
    }
    for variant in schema["oneOf"].as_array().into_iter().flatten() {
        found.extend(objects_in(variant));
    }
    found
}

#[tokio::test]
async fn an_unknown_author_field_is_named_and_the_message_is_not_stored() {
    let app = TestApp::spawn().await;
    let tenant = app.tenant("Acme").await;
    let channel = app.api_channel(&tenant).await;
    let (_, key) = app.api_key(&tenant, &["messages:ingest"]).await;
    let body = json!({
        "platform_message_id": "m1",
        "author": { "platform_user_id": "42", "handle": "@ada", "followers": 52000 },
        "text": "Where is my order?"
    });
    let response = app.push(&tenant, &key, &channel, body).await;
    let found = field_errors(response).await;
    assert_eq!(
        found,
        vec![("/author/followers".into(), "unknown_field".into())]
    );
    let inbox = app
        .get_json(&ws(&tenant, "/conversations"), &tenant.token)
        .await;
    assert_eq!(inbox["items"], json!([]));
    let contacts = app.get_json(&ws(&tenant, "/contacts"), &tenant.token).await;
    assert_eq!(contacts["items"], json!([]));
}

#[tokio::test]
async fn nul_and_control_characters_in_the_request_line_answer_400() {
    let app = TestApp::spawn().await;
    let tenant = app.tenant("Acme").await;
    let inbox = ws(&tenant, "/conversations");
    for query in ["q=%00", "q=a%1B%5B31m", "tag=%FF%FE", "status=open%00"] {
        let response = app.get(&format!("{inbox}?{query}"), &tenant.token).await;
        assert_problem(response, 400, "invalid_query").await;
    }
    let long = format!("{inbox}?q={}", "a".repeat(5000));
    assert_problem(app.get(&long, &tenant.token).await, 400, "invalid_query").await;
    for path in ["/v1/workspaces/%00/teams", "/v1/workspaces/%C3%28/teams"] {
        assert_problem(app.get(path, &tenant.token).await, 400, "invalid_path").await;
    }
    let long_path = format!("/v1/workspaces/{}", "a".repeat(3000));
    assert_problem(
        app.get(&long_path, &tenant.token).await,
        400,
        "invalid_path",
    )
    .await;
    let response = app
        .client
        .post(app.url(&ws(&tenant, "/teams")))
        .bearer_auth(&tenant.token)
        .header(
            "idempotency-key",
            reqwest::header::HeaderValue::from_bytes(b"k\xe9y").unwrap(),
        )
        .json(&json!({ "name": "Billing" }))
        .send()
        .await
        .unwrap();
    assert_problem(response, 400, "invalid_header").await;
    let teams = app.get_json(&ws(&tenant, "/teams"), &tenant.token).await;
    assert_eq!(teams["items"], json!([]), "nothing was created");
}

#[tokio::test]
async fn nul_control_characters_and_invalid_utf8_in_bodies_answer_400() {
    let app = TestApp::spawn().await;
    let tenant = app.tenant("Acme").await;
    let teams = ws(&tenant, "/teams");
    for name in ["Bill\u{0}ing", "Bell\u{7}", "\u{1b}[31mRed"] {
        let response = app
            .post(&teams, &tenant.token, json!({ "name": name }))
            .await;
        assert_problem(response, 400, "invalid_characters").await;
    }
    let response = app
        .client
        .post(app.url(&teams))
        .bearer_auth(&tenant.token)
        .header("content-type", "application/json")
        .body(b"{\"name\":\"Bill\xffing\"}".to_vec())
        .send()
        .await
        .unwrap();
    assert_problem(response, 400, "malformed_json").await;
    let query = "mutation($ws: ID!, $name: String!) { createTeam(workspaceId: $ws, input: { name: $name }) { id } }";
    let response = app
        .client
        .post(app.url("/graphql"))
        .bearer_auth(&tenant.token)
        .json(&json!({ "query": query, "variables": { "ws": tenant.workspace_id, "name": "a\u{0}b" } }))
        .send()
        .await
        .unwrap();
    assert_problem(response, 400, "invalid_characters").await;
    let literal = format!(
        r#"mutation {{ createTeam(workspaceId: "{}", input: {{ name: "a\u0000b" }}) {{ id }} }}"#,
        tenant.workspace_id
    );
    let response = app
        .client
        .post(app.url("/graphql"))
        .bearer_auth(&tenant.token)
        .json(&json!({ "query": literal }))
        .send()
        .await
        .unwrap();
    assert_problem(response, 400, "invalid_characters").await;
    let listed = app.get_json(&teams, &tenant.token).await;
    assert_eq!(listed["items"], json!([]), "nothing was created");
}

#[tokio::test]
async fn custom_attributes_have_limits_on_count_names_and_values() {
    let app = TestApp::spawn().await;
    let tenant = app.tenant("Acme").await;
    let contacts = ws(&tenant, "/contacts");
    let created: Value = app
        .post(
            &contacts,
            &tenant.token,
            json!({ "display_name": "Ada", "attributes": { "plan": "gold" } }),
        )
        .await
        .json()
        .await
        .unwrap();
    let contact = ws(&tenant, &format!("/contacts/{}", str_of(&created["id"])));
    let many: serde_json::Map<String, Value> =
        (0..51).map(|i| (format!("k{i}"), json!(i))).collect();
    let response = app
        .patch(&contact, &tenant.token, json!({ "attributes": many }))
        .await;
    assert_eq!(
        field_errors(response).await,
        vec![("/attributes".into(), "too_many".into())]
    );
    let long_name = "n".repeat(65);
    let big_value = "v".repeat(3000);
    let attributes = json!({ long_name.clone(): 1, "notes": big_value, "ok": true });
    let response = app
        .patch(&contact, &tenant.token, json!({ "attributes": attributes }))
        .await;
    assert_eq!(
        field_errors(response).await,
        vec![
            (format!("/attributes/{long_name}"), "invalid_key".into()),
            ("/attributes/notes".into(), "too_large".into()),
        ]
    );
    let stored = app.get_json(&contact, &tenant.token).await;
    assert_eq!(stored["attributes"], json!({ "plan": "gold" }), "unchanged");
    let response = app
        .patch(
            &contact,
            &tenant.token,
            json!({ "attributes": { "tier": "platinum" } }),
        )
        .await;
    assert_eq!(response.status(), 200);
}

#[tokio::test]
async fn graphql_inputs_refuse_unknown_fields_and_name_them() {
    let app = TestApp::spawn().await;
    let tenant = app.tenant("Acme").await;
    let mutation = "mutation($ws: ID!, $input: CreateTeamInput!) { createTeam(workspaceId: $ws, input: $input) { id } }";
    let variables = json!({ "ws": tenant.workspace_id,
        "input": { "name": "Billing", "colour": "red", "shade": "dark" } });
    let answer = app.graphql(Some(&tenant.token), mutation, variables).await;
    let error = &answer["errors"][0]["extensions"];
    assert_eq!(error["code"], "validation_failed", "{answer}");
    let named: Vec<(String, String)> = error["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (str_of(&e["pointer"]), str_of(&e["code"])))
        .collect();
    assert_eq!(
        named,
        vec![
            (
                "/variables/input/colour".to_owned(),
                "unknown_field".to_owned()
            ),
            (
                "/variables/input/shade".to_owned(),
                "unknown_field".to_owned()
            ),
        ]
    );
    let nested = "mutation($ws: ID!, $input: InboundMessageInput!, $c: ID!) { pushInboundMessage(workspaceId: $ws, channelId: $c, input: $input) { duplicate } }";
    let input = json!({ "platformMessageId": "m1", "author": { "platformUserId": "42", "followers": 52000 } });
    let variables =
        json!({ "ws": tenant.workspace_id, "c": uuid::Uuid::now_v7().to_string(), "input": input });
    let answer = app.graphql(Some(&tenant.token), nested, variables).await;
    let error = &answer["errors"][0]["extensions"];
    assert_eq!(
        error["errors"][0]["pointer"], "/variables/input/author/followers",
        "{answer}"
    );
    let literal = format!(
        r#"mutation {{ createTeam(workspaceId: "{}", input: {{ name: "Billing", colour: "red" }}) {{ id }} }}"#,
        tenant.workspace_id
    );
    let answer = app.graphql(Some(&tenant.token), &literal, json!({})).await;
    assert!(
        str_of(&answer["errors"][0]["message"]).contains("colour"),
        "{answer}"
    );
    assert!(
        answer["errors"][0]["extensions"]["code"].is_string(),
        "{answer}"
    );
    // JSON inputs are read like REST bodies: a channel's settings name each unknown field.
    let create = "mutation($ws: ID!, $input: CreateChannelInput!) { createChannel(workspaceId: $ws, input: $input) { id } }";
    let input = json!({ "kind": "TELEGRAM", "name": "Bot",
        "settings": { "bot_username": "acme_bot", "colour": "red", "app_secret": "s" } });
    let answer = app
        .graphql(
            Some(&tenant.token),
            create,
            json!({ "ws": tenant.workspace_id, "input": input }),
        )
        .await;
    let error = &answer["errors"][0]["extensions"];
    assert_eq!(error["code"], "validation_failed", "{answer}");
    assert_eq!(
        error["errors"][0]["field"], "settings.app_secret",
        "{answer}"
    );
    assert_eq!(
        error["errors"][0]["pointer"], "/settings/app_secret",
        "{answer}"
    );
    assert_eq!(
        error["errors"][0]["code"], "belongs_in_credentials",
        "{answer}"
    );
    let teams = app.get_json(&ws(&tenant, "/teams"), &tenant.token).await;
    assert_eq!(teams["items"], json!([]));
    let channels = app.get_json(&ws(&tenant, "/channels"), &tenant.token).await;
    assert_eq!(channels["items"], json!([]));
}
