//! Contacts over real HTTP: created by hand or by inbound messages, changed, merged,
//! exported and erased under GDPR — and invisible to every other workspace.

use earshot_testkit::{Tenant, TestApp, assert_problem, str_of};
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

fn contact_path(tenant: &Tenant, id: &str, rest: &str) -> String {
    ws(tenant, &format!("/contacts/{id}{rest}"))
}

async fn create_contact(app: &TestApp, tenant: &Tenant, body: Value) -> Value {
    json_of(
        app.post(&ws(tenant, "/contacts"), &tenant.token, body)
            .await,
        201,
    )
    .await
}

async fn read_contact(app: &TestApp, tenant: &Tenant, id: &str) -> Value {
    json_of(
        app.get(&contact_path(tenant, id, ""), &tenant.token).await,
        200,
    )
    .await
}

async fn list_contacts(app: &TestApp, tenant: &Tenant) -> Vec<Value> {
    let page = json_of(
        app.get(&ws(tenant, "/contacts?limit=200"), &tenant.token)
            .await,
        200,
    )
    .await;
    page["items"].as_array().cloned().unwrap_or_default()
}

/// A customer message pushed through the tenant's `api` channel; returns the outcome.
async fn inbound(app: &TestApp, tenant: &Tenant, key: &str, channel: &str, body: Value) -> Value {
    json_of(app.push(tenant, key, channel, body).await, 201).await
}

/// A push sent with the same `Idempotency-Key` every time.
#[expect(
    clippy::expect_used,
    reason = "a test helper fails the test when sending fails"
)]
async fn retried_push(
    app: &TestApp,
    tenant: &Tenant,
    key: &str,
    channel: &str,
    body: &Value,
) -> reqwest::Response {
    let path = ws(tenant, &format!("/channels/{channel}/inbound"));
    app.client
        .post(app.url(&path))
        .bearer_auth(key)
        .header("idempotency-key", "push-once")
        .json(body)
        .send()
        .await
        .expect("push sent")
}

fn dm(id: &str, user: &str, name: &str, text: &str) -> Value {
    json!({
        "platform_message_id": id,
        "author": { "platform_user_id": user, "handle": format!("@{user}"), "display_name": name },
        "text": text,
    })
}

async fn export(app: &TestApp, tenant: &Tenant, id: &str) -> Value {
    json_of(
        app.get(&contact_path(tenant, id, "/export"), &tenant.token)
            .await,
        200,
    )
    .await
}

async fn inbox(app: &TestApp, tenant: &Tenant, query: &str) -> Vec<Value> {
    let page = json_of(
        app.get(
            &ws(tenant, &format!("/conversations?{query}")),
            &tenant.token,
        )
        .await,
        200,
    )
    .await;
    page["items"].as_array().cloned().unwrap_or_default()
}

async fn messages_of(app: &TestApp, tenant: &Tenant, conversation: &str) -> Vec<Value> {
    let path = ws(
        tenant,
        &format!("/conversations/{conversation}/messages?limit=200"),
    );
    let page = json_of(app.get(&path, &tenant.token).await, 200).await;
    page["items"].as_array().cloned().unwrap_or_default()
}

#[tokio::test]
async fn a_contact_is_created_with_identities_listed_read_changed_and_deleted() {
    let app = TestApp::spawn().await;
    let a = app.tenant("Acme").await;
    let body = json!({
        "display_name": "Ada Lovelace",
        "attributes": { "tier": "gold", "crm_id": 42 },
        "identities": [
            { "channel_kind": "x", "platform_user_id": "1001", "handle": "@ada" },
            { "channel_kind": "whatsapp", "platform_user_id": "+4915100000", "display_name": "Ada" },
        ],
    });
    let created = create_contact(&app, &a, body).await;
    assert_eq!(created["display_name"], "Ada Lovelace");
    assert_eq!(
        created["attributes"],
        json!({ "tier": "gold", "crm_id": 42 })
    );
    assert_eq!(created["erased"], false);
    let identities = created["identities"].as_array().unwrap();
    assert_eq!(identities.len(), 2);
    assert_eq!(identities[0]["channel_kind"], "x");
    assert_eq!(identities[0]["platform_user_id"], "1001");
    assert_eq!(identities[0]["handle"], "@ada");
    assert_eq!(identities[1]["channel_kind"], "whatsapp");
    assert_eq!(identities[1]["display_name"], "Ada");
    let id = str_of(&created["id"]);
    let other = create_contact(&app, &a, json!({ "display_name": "Grace" })).await;
    let listed: Vec<String> = list_contacts(&app, &a)
        .await
        .iter()
        .map(|c| str_of(&c["id"]))
        .collect();
    assert_eq!(listed, [str_of(&other["id"]), id.clone()], "newest first");
    let read = read_contact(&app, &a, &id).await;
    assert_eq!(read, created);
    let first = json_of(app.get(&ws(&a, "/contacts?limit=1"), &a.token).await, 200).await;
    assert_eq!(first["items"][0]["id"], other["id"]);
    let cursor = str_of(&first["next_cursor"]);
    let second = json_of(
        app.get(
            &ws(&a, &format!("/contacts?limit=1&cursor={cursor}")),
            &a.token,
        )
        .await,
        200,
    )
    .await;
    assert_eq!(second["items"][0]["id"], id.as_str());
    assert_eq!(second["next_cursor"], Value::Null);
    assert_problem(
        app.get(&ws(&a, "/contacts?limit=201"), &a.token).await,
        400,
        "invalid_query",
    )
    .await;

    let patch = json!({ "display_name": "Ada King", "attributes": { "tier": "platinum" } });
    let changed = json_of(
        app.patch(&contact_path(&a, &id, ""), &a.token, patch).await,
        200,
    )
    .await;
    assert_eq!(changed["display_name"], "Ada King");
    assert_eq!(changed["attributes"], json!({ "tier": "platinum" }));
    assert_eq!(changed["identities"], created["identities"]);
    let cleared = json_of(
        app.patch(
            &contact_path(&a, &id, ""),
            &a.token,
            json!({ "display_name": null }),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(cleared["display_name"], Value::Null);
    assert_eq!(cleared["attributes"], json!({ "tier": "platinum" }));
    assert_eq!(
        read_contact(&app, &a, &id).await["display_name"],
        Value::Null
    );

    assert_eq!(
        app.delete(&contact_path(&a, &id, ""), &a.token)
            .await
            .status(),
        204
    );
    assert_problem(
        app.get(&contact_path(&a, &id, ""), &a.token).await,
        404,
        "not_found",
    )
    .await;
    assert_problem(
        app.delete(&contact_path(&a, &id, ""), &a.token).await,
        404,
        "not_found",
    )
    .await;
    assert_eq!(list_contacts(&app, &a).await.len(), 1);
    // The freed identity can be given to someone else.
    let body = json!({ "identities": [{ "channel_kind": "x", "platform_user_id": "1001" }] });
    create_contact(&app, &a, body).await;
}

#[tokio::test]
async fn deleting_a_contact_deletes_their_conversations() {
    let app = TestApp::spawn().await;
    let a = app.tenant("Acme").await;
    let channel = app.api_channel(&a).await;
    let (_, key) = app.api_key(&a, &["messages:ingest"]).await;
    let outcome = inbound(&app, &a, &key, &channel, dm("m1", "ada", "Ada", "hello")).await;
    let contact = str_of(&outcome["conversation"]["contact"]["id"]);
    let conversation = str_of(&outcome["conversation"]["id"]);
    assert_eq!(
        app.delete(&contact_path(&a, &contact, ""), &a.token)
            .await
            .status(),
        204
    );
    assert_problem(
        app.get(&ws(&a, &format!("/conversations/{conversation}")), &a.token)
            .await,
        404,
        "not_found",
    )
    .await;
    assert!(inbox(&app, &a, "").await.is_empty());
    // The same person writing again is a new contact.
    let again = inbound(&app, &a, &key, &channel, dm("m2", "ada", "Ada", "hello?")).await;
    assert_ne!(str_of(&again["conversation"]["contact"]["id"]), contact);
}

#[tokio::test]
async fn an_identity_another_contact_holds_is_refused_with_identity_taken() {
    let app = TestApp::spawn().await;
    let a = app.tenant("Acme").await;
    let channel = app.api_channel(&a).await;
    let (_, key) = app.api_key(&a, &["messages:ingest"]).await;
    inbound(&app, &a, &key, &channel, dm("m1", "ada", "Ada", "hi")).await;
    let first = json!({ "identities": [{ "channel_kind": "x", "platform_user_id": "1001" }] });
    create_contact(&app, &a, first).await;
    let taken = [
        json!({ "display_name": "Copy", "identities": [{ "channel_kind": "x", "platform_user_id": "1001" }] }),
        json!({ "display_name": "Copy", "identities": [{ "channel_kind": "api", "platform_user_id": "ada" }] }),
        json!({ "display_name": "Twice", "identities": [
            { "channel_kind": "telegram", "platform_user_id": "77" },
            { "channel_kind": "telegram", "platform_user_id": "77" },
        ] }),
    ];
    for body in taken {
        assert_problem(
            app.post(&ws(&a, "/contacts"), &a.token, body).await,
            409,
            "identity_taken",
        )
        .await;
    }
    let contacts = list_contacts(&app, &a).await;
    assert_eq!(contacts.len(), 2, "no half-made contact stays");
    // The same platform user id on another platform is another identity.
    let body =
        json!({ "identities": [{ "channel_kind": "facebook", "platform_user_id": "1001" }] });
    create_contact(&app, &a, body).await;
}

#[tokio::test]
async fn bad_contact_input_is_refused_and_changes_nothing() {
    let app = TestApp::spawn().await;
    let a = app.tenant("Acme").await;
    let big = json!({ "notes": "x".repeat(20_000) });
    let bad_new = [
        (json!({ "attributes": [1, 2] }), 422, "validation_failed"),
        (json!({ "attributes": "vip" }), 422, "validation_failed"),
        (json!({ "attributes": big }), 422, "validation_failed"),
        (json!({ "display_name": "  " }), 422, "validation_failed"),
        (
            json!({ "display_name": "n".repeat(500) }),
            422,
            "validation_failed",
        ),
        (
            json!({ "identities": [{ "channel_kind": "x", "platform_user_id": " " }] }),
            422,
            "validation_failed",
        ),
        (
            json!({ "identities": [{ "channel_kind": "x", "platform_user_id": "u".repeat(300) }] }),
            422,
            "validation_failed",
        ),
        (
            json!({ "identities": [{ "channel_kind": "x", "platform_user_id": "1", "handle": "h".repeat(1_000) }] }),
            422,
            "validation_failed",
        ),
        (
            json!({ "identities": [{ "channel_kind": "myspace", "platform_user_id": "1" }] }),
            422,
            "validation_failed",
        ),
        (json!({ "display_name": 7 }), 422, "validation_failed"),
    ];
    for (body, status, code) in bad_new {
        assert_problem(
            app.post(&ws(&a, "/contacts"), &a.token, body).await,
            status,
            code,
        )
        .await;
    }
    assert!(list_contacts(&app, &a).await.is_empty());
    let created = create_contact(
        &app,
        &a,
        json!({ "display_name": "Ada", "attributes": { "tier": "gold" } }),
    )
    .await;
    let id = str_of(&created["id"]);
    let big = json!({ "notes": "x".repeat(20_000) });
    for body in [
        json!({ "attributes": [1] }),
        json!({ "attributes": 3 }),
        json!({ "attributes": big }),
        json!({ "display_name": "" }),
    ] {
        let refused = assert_problem(
            app.patch(&contact_path(&a, &id, ""), &a.token, body).await,
            422,
            "validation_failed",
        )
        .await;
        assert!(refused["errors"][0]["field"].is_string());
    }
    assert_eq!(read_contact(&app, &a, &id).await, created);
    let same = assert_problem(
        app.post(
            &contact_path(&a, &id, "/merge"),
            &a.token,
            json!({ "source_id": id }),
        )
        .await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(same["errors"][0]["field"], "source_id");
}

#[tokio::test]
async fn reading_and_writing_contacts_follow_roles_and_scopes() {
    let app = TestApp::spawn().await;
    let a = app.tenant("Acme").await;
    let id = str_of(&create_contact(&app, &a, json!({ "display_name": "Ada" })).await["id"]);
    let (_, viewer) = app.member_with_role(&a, "viewer").await;
    json_of(app.get(&contact_path(&a, &id, ""), &viewer).await, 200).await;
    assert_problem(
        app.post(
            &ws(&a, "/contacts"),
            &viewer,
            json!({ "display_name": "V" }),
        )
        .await,
        403,
        "forbidden",
    )
    .await;
    for path in [contact_path(&a, &id, "/erase")] {
        assert_problem(app.post(&path, &viewer, json!({})).await, 403, "forbidden").await;
    }
    assert_problem(
        app.delete(&contact_path(&a, &id, ""), &viewer).await,
        403,
        "forbidden",
    )
    .await;
    let (_, agent) = app.member_with_role(&a, "agent").await;
    json_of(
        app.patch(
            &contact_path(&a, &id, ""),
            &agent,
            json!({ "attributes": { "note": "called" } }),
        )
        .await,
        200,
    )
    .await;
    let (_, reader) = app.api_key(&a, &["contacts:read"]).await;
    json_of(app.get(&ws(&a, "/contacts"), &reader).await, 200).await;
    assert_problem(
        app.patch(
            &contact_path(&a, &id, ""),
            &reader,
            json!({ "display_name": "X" }),
        )
        .await,
        403,
        "forbidden",
    )
    .await;
    assert_problem(
        app.get(&contact_path(&a, &id, "/export"), &reader).await,
        403,
        "forbidden",
    )
    .await;
    let (_, exporter) = app
        .api_key(&a, &["contacts:read", "conversations:read"])
        .await;
    json_of(
        app.get(&contact_path(&a, &id, "/export"), &exporter).await,
        200,
    )
    .await;
    let (_, writer) = app.api_key(&a, &["contacts:write"]).await;
    json_of(
        app.post(
            &ws(&a, "/contacts"),
            &writer,
            json!({ "display_name": "W" }),
        )
        .await,
        201,
    )
    .await;
    let read = read_contact(&app, &a, &id).await;
    assert_eq!(read["display_name"], "Ada");
    assert_eq!(read["attributes"], json!({ "note": "called" }));
}

#[tokio::test]
async fn merging_moves_identities_conversations_and_messages_to_the_survivor() {
    let app = TestApp::spawn().await;
    let a = app.tenant("Acme").await;
    let channel = app.api_channel(&a).await;
    let (_, key) = app.api_key(&a, &["messages:ingest"]).await;
    let kept = inbound(
        &app,
        &a,
        &key,
        &channel,
        dm("m1", "ada", "Ada", "my order is late"),
    )
    .await;
    inbound(
        &app,
        &a,
        &key,
        &channel,
        dm("m2", "ada", "Ada", "order 123"),
    )
    .await;
    let mut public = dm("p1", "ada_work", "Ada at work", "@Brand still waiting");
    public["visibility"] = json!("public");
    let gone = inbound(&app, &a, &key, &channel, public).await;
    let survivor = str_of(&kept["conversation"]["contact"]["id"]);
    let source = str_of(&gone["conversation"]["contact"]["id"]);
    assert_ne!(survivor, source);
    json_of(
        app.patch(
            &contact_path(&a, &survivor, ""),
            &a.token,
            json!({ "attributes": { "tier": "gold" } }),
        )
        .await,
        200,
    )
    .await;
    json_of(
        app.patch(
            &contact_path(&a, &source, ""),
            &a.token,
            json!({ "attributes": { "tier": "silver", "company": "Analytical Engines" } }),
        )
        .await,
        200,
    )
    .await;
    // An agent note on the source's conversation is part of the history that moves.
    let note = json!({ "kind": "note", "text": "same person as Ada" });
    let conversation = str_of(&gone["conversation"]["id"]);
    json_of(
        app.post(
            &ws(&a, &format!("/conversations/{conversation}/messages")),
            &a.token,
            note,
        )
        .await,
        201,
    )
    .await;

    let merged = json_of(
        app.post(
            &contact_path(&a, &survivor, "/merge"),
            &a.token,
            json!({ "source_id": source }),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(merged["id"], survivor.as_str());
    // Subscribers hear that the moved conversation now shows the survivor.
    let events = app.outbox().await;
    let last = events.last().unwrap();
    assert_eq!(last.event_type, "conversation.updated");
    assert_eq!(last.conversation_id.as_deref(), Some(conversation.as_str()));
    let moved = &last.payload["data"]["conversation"];
    assert_eq!(moved["contact"]["id"], survivor.as_str());
    let users: Vec<&str> = merged["identities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["platform_user_id"].as_str().unwrap())
        .collect();
    assert_eq!(users, ["ada", "ada_work"]);
    assert_eq!(
        merged["attributes"],
        json!({ "tier": "gold", "company": "Analytical Engines" }),
        "the survivor's values win, the source's extras are kept"
    );
    assert_problem(
        app.get(&contact_path(&a, &source, ""), &a.token).await,
        404,
        "not_found",
    )
    .await;
    assert_problem(
        app.get(&contact_path(&a, &source, "/export"), &a.token)
            .await,
        404,
        "not_found",
    )
    .await;
    assert_eq!(list_contacts(&app, &a).await.len(), 1);

    let everything = export(&app, &a, &survivor).await;
    let conversations = everything["conversations"].as_array().unwrap();
    assert_eq!(conversations.len(), 2);
    for c in conversations {
        assert_eq!(c["contact"]["id"], survivor.as_str());
    }
    let texts: Vec<&str> = everything["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["text"].as_str().unwrap())
        .collect();
    for text in [
        "my order is late",
        "order 123",
        "@Brand still waiting",
        "same person as Ada",
    ] {
        assert!(texts.contains(&text), "{text} in {texts:?}");
    }
    for m in everything["messages"].as_array().unwrap() {
        if m["direction"] == "inbound" {
            assert_eq!(m["author"]["contact_id"], survivor.as_str());
        }
    }
    let theirs = inbox(&app, &a, &format!("contact_id={survivor}")).await;
    assert_eq!(theirs.len(), 2);
    assert!(
        inbox(&app, &a, &format!("contact_id={source}"))
            .await
            .is_empty()
    );
    // The moved identity now leads to the survivor.
    let later = inbound(
        &app,
        &a,
        &key,
        &channel,
        dm("m9", "ada_work", "Ada at work", "hello"),
    )
    .await;
    assert_eq!(later["conversation"]["contact"]["id"], survivor.as_str());
    let log = json_of(
        app.get(&ws(&a, "/audit-log?action=contact.merged"), &a.token)
            .await,
        200,
    )
    .await;
    assert_eq!(log["items"][0]["target_id"], survivor.as_str());
    assert_eq!(log["items"][0]["details"]["source_id"], source.as_str());
    // Merging the vanished source again finds nothing to merge.
    assert_problem(
        app.post(
            &contact_path(&a, &survivor, "/merge"),
            &a.token,
            json!({ "source_id": source }),
        )
        .await,
        404,
        "not_found",
    )
    .await;
}

#[tokio::test]
async fn the_export_is_one_json_document_with_everything_held_on_the_contact() {
    let app = TestApp::spawn().await;
    let a = app.tenant("Acme").await;
    let channel = app.api_channel(&a).await;
    let (_, key) = app.api_key(&a, &["messages:ingest"]).await;
    let mut first = dm("m1", "ada", "Ada", "where is my parcel");
    first["author"]["avatar_url"] = json!("https://cdn.example.com/ada.png");
    first["author"]["follower_count"] = json!(321);
    let outcome = inbound(&app, &a, &key, &channel, first).await;
    let conversation = str_of(&outcome["conversation"]["id"]);
    let reply = json!({ "kind": "reply", "text": "Let me check, Ada" });
    json_of(
        app.post(
            &ws(&a, &format!("/conversations/{conversation}/messages")),
            &a.token,
            reply,
        )
        .await,
        201,
    )
    .await;
    let contact = str_of(&outcome["conversation"]["contact"]["id"]);
    let response = app
        .get(&contact_path(&a, &contact, "/export"), &a.token)
        .await;
    assert_eq!(response.status(), 200);
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert!(
        content_type.starts_with("application/json"),
        "{content_type}"
    );
    let document: Value = response.json().await.unwrap();
    let keys: Vec<&String> = document.as_object().unwrap().keys().collect();
    for key in ["contact", "conversations", "messages", "exported_at"] {
        assert!(document.get(key).is_some(), "{key} in {keys:?}");
    }
    assert_eq!(document["contact"]["id"], contact.as_str());
    let identity = &document["contact"]["identities"][0];
    assert_eq!(identity["platform_user_id"], "ada");
    assert_eq!(identity["avatar_url"], "https://cdn.example.com/ada.png");
    assert_eq!(identity["follower_count"], 321);
    assert_eq!(document["conversations"][0]["id"], conversation.as_str());
    let texts: Vec<&str> = document["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["text"].as_str().unwrap())
        .collect();
    assert_eq!(texts, ["where is my parcel", "Let me check, Ada"]);
}

#[tokio::test]
async fn an_agent_exports_only_the_conversations_it_may_read() {
    let app = TestApp::spawn().await;
    let a = app.tenant("Acme").await;
    let channel = app.api_channel(&a).await;
    let (_, key) = app.api_key(&a, &["messages:ingest"]).await;
    let (agent_id, agent) = app.member_with_role(&a, "agent").await;
    json_of(
        app.patch(
            &ws(&a, ""),
            &a.token,
            json!({ "agent_visibility": "assigned" }),
        )
        .await,
        200,
    )
    .await;
    let private = inbound(
        &app,
        &a,
        &key,
        &channel,
        dm("m1", "ada", "Ada", "secret complaint"),
    )
    .await;
    let mut public = dm("p1", "ada", "Ada", "@Brand hello");
    public["visibility"] = json!("public");
    let mine = inbound(&app, &a, &key, &channel, public).await;
    let mine_id = str_of(&mine["conversation"]["id"]);
    json_of(
        app.patch(
            &ws(&a, &format!("/conversations/{mine_id}")),
            &a.token,
            json!({ "assignee_id": agent_id }),
        )
        .await,
        200,
    )
    .await;
    let contact = str_of(&private["conversation"]["contact"]["id"]);
    let document = json_of(
        app.get(&contact_path(&a, &contact, "/export"), &agent)
            .await,
        200,
    )
    .await;
    let ids: Vec<&str> = document["conversations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [mine_id.as_str()]);
    assert!(!document.to_string().contains("secret complaint"));
    assert_eq!(
        export(&app, &a, &contact).await["conversations"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
}

/// The SQLite database file and its write-ahead log as text, `None` on PostgreSQL.
fn sqlite_bytes(app: &TestApp) -> Option<String> {
    if !app.core.config().database.url.starts_with("sqlite:") {
        return None;
    }
    let dir = &app.core.config().data_dir;
    let mut stored = Vec::new();
    for file in ["earshot.db", "earshot.db-wal"] {
        if let Ok(bytes) = std::fs::read(dir.join(file)) {
            stored.extend(bytes);
        }
    }
    Some(String::from_utf8_lossy(&stored).into_owned())
}

/// A public post, in reply to a platform message when `reply_to` is given.
fn public(id: &str, user: &str, name: &str, text: &str, reply_to: Option<&str>) -> Value {
    let mut body = dm(id, user, name, text);
    body["visibility"] = json!("public");
    if let Some(parent) = reply_to {
        body["reply_to"] = json!(parent);
    }
    body
}

/// The texts of a conversation's messages, oldest first.
async fn texts_of(app: &TestApp, tenant: &Tenant, conversation: &Value) -> Vec<String> {
    messages_of(app, tenant, &str_of(&conversation["id"]))
        .await
        .iter()
        .map(|m| str_of(&m["text"]))
        .collect()
}

#[tokio::test]
async fn erasing_a_contact_reaches_its_words_in_others_threads_and_spares_the_others() {
    let app = TestApp::spawn().await;
    let a = app.tenant("Acme").await;
    let channel = app.api_channel(&a).await;
    let (_, key) = app.api_key(&a, &["messages:ingest"]).await;
    let word = "flibbertigibbet";
    // Zebulon's thread, where Bob answers; Bob's thread, where Zebulon answers.
    let theirs = public(
        "z1",
        "zquix",
        "Zebulon Quixote",
        &format!("my {word} broke"),
        None,
    );
    let zebulon = inbound(&app, &a, &key, &channel, theirs).await;
    inbound(
        &app,
        &a,
        &key,
        &channel,
        public("b2", "bob", "Bob", "same here", Some("z1")),
    )
    .await;
    let bob = inbound(
        &app,
        &a,
        &key,
        &channel,
        public("b1", "bob", "Bob", "order late", None),
    )
    .await;
    let reply = public(
        "z2",
        "zquix",
        "Zebulon Quixote",
        &format!("{word} too"),
        Some("b1"),
    );
    let answered = inbound(&app, &a, &key, &channel, reply).await;
    assert_eq!(answered["conversation"]["id"], bob["conversation"]["id"]);
    let contact = str_of(&zebulon["conversation"]["contact"]["id"]);

    json_of(
        app.post(&contact_path(&a, &contact, "/erase"), &a.token, json!({}))
            .await,
        200,
    )
    .await;
    // His words are gone from both threads; Bob's stay in both.
    let in_his = texts_of(&app, &a, &zebulon["conversation"]).await;
    assert_eq!(in_his, ["", "same here"]);
    let in_bobs = texts_of(&app, &a, &bob["conversation"]).await;
    assert_eq!(in_bobs, ["order late", ""]);
    // And from the events kept for subscribers and webhooks.
    let events: Vec<String> = app
        .outbox()
        .await
        .iter()
        .map(|e| e.payload.to_string())
        .collect();
    let all = events.join("\n");
    for personal in [word, "Zebulon", "Quixote", "zquix"] {
        assert!(!all.contains(personal), "{personal} survived in the outbox");
    }
    assert!(all.contains("order late"), "Bob's events were kept");
}

#[tokio::test]
async fn erasing_a_contact_leaves_no_personal_text_anywhere() {
    let app = TestApp::spawn().await;
    let a = app.tenant("Acme").await;
    let channel = app.api_channel(&a).await;
    let (_, key) = app.api_key(&a, &["messages:ingest"]).await;
    let name = "Zebulon Quixote";
    let word = "flibbertigibbet";
    let mut first = dm("m1", "zquix", name, &format!("my {word} arrived broken"));
    first["author"]["avatar_url"] = json!("https://cdn.example.com/zquix.png");
    first["attachments"] =
        json!([{ "type": "image", "url": "https://cdn.example.com/zquix-damage.jpg" }]);
    // Sent with an Idempotency-Key: the stored answer quotes the message.
    let outcome = json_of(retried_push(&app, &a, &key, &channel, &first).await, 201).await;
    let mut public = dm(
        "p1",
        "zquix",
        name,
        &format!("@Brand my {word} story continues"),
    );
    public["visibility"] = json!("public");
    inbound(&app, &a, &key, &channel, public).await;
    let contact = str_of(&outcome["conversation"]["contact"]["id"]);
    let conversation = str_of(&outcome["conversation"]["id"]);
    json_of(
        app.post(
            &ws(&a, &format!("/conversations/{conversation}/messages")),
            &a.token,
            json!({ "kind": "reply", "text": format!("Sorry about the {word}, Zebulon") }),
        )
        .await,
        201,
    )
    .await;
    json_of(
        app.patch(
            &ws(&a, &format!("/conversations/{conversation}")),
            &a.token,
            json!({ "status": "pending", "add_tags": ["refund"] }),
        )
        .await,
        200,
    )
    .await;
    json_of(
        app.patch(
            &contact_path(&a, &contact, ""),
            &a.token,
            json!({ "attributes": { "address": "12 Quixote Lane" } }),
        )
        .await,
        200,
    )
    .await;
    // Someone else in the workspace who must not be touched.
    let bystander = inbound(
        &app,
        &a,
        &key,
        &channel,
        dm("b1", "bob", "Bob", &format!("a {word} for me too")),
    )
    .await;
    assert_eq!(inbox(&app, &a, &format!("q={word}")).await.len(), 3);
    assert_eq!(inbox(&app, &a, "q=Zebulon").await.len(), 2);

    let erased = json_of(
        app.post(&contact_path(&a, &contact, "/erase"), &a.token, json!({}))
            .await,
        200,
    )
    .await;
    assert_eq!(erased["erased"], true);
    assert_eq!(erased["display_name"], Value::Null);
    assert_eq!(erased["identities"], json!([]));
    assert_eq!(erased["attributes"], json!({}));

    let personal = [name, "Zebulon", "Quixote", "zquix", word];
    let everything = export(&app, &a, &contact).await;
    assert_eq!(everything["contact"]["identities"], json!([]));
    assert_eq!(everything["conversations"].as_array().unwrap().len(), 2);
    for m in everything["messages"].as_array().unwrap() {
        assert_eq!(m["text"], "", "{m}");
        assert_eq!(m["attachments"], json!([]), "{m}");
    }
    let mut seen = everything.to_string();
    for c in everything["conversations"].as_array().unwrap() {
        let history = messages_of(&app, &a, &str_of(&c["id"])).await;
        assert!(history.iter().all(|m| m["text"] == ""));
        seen.push_str(&Value::from(history).to_string());
    }
    seen.push_str(&read_contact(&app, &a, &contact).await.to_string());
    let all = inbox(&app, &a, "").await;
    seen.push_str(&Value::from(all).to_string());
    let log = json_of(
        app.get(&ws(&a, "/audit-log?limit=200"), &a.token).await,
        200,
    )
    .await;
    seen.push_str(&log.to_string());
    // A retry of the first push is not answered from a stored copy of the message.
    let retried = retried_push(&app, &a, &key, &channel, &first).await;
    seen.push_str(&retried.text().await.unwrap());
    // The outbox too, but for the bystander's own events (they quote the word).
    let bystanders = str_of(&bystander["conversation"]["id"]);
    for event in app.outbox().await {
        if event.conversation_id.as_deref() != Some(bystanders.as_str()) {
            seen.push_str(&event.payload.to_string());
        }
    }
    for text in personal {
        assert!(!seen.contains(text), "{text} survived the erasure");
    }
    // On SQLite, not even the file keeps it: freed space, the search index and the log.
    if let Some(stored) = sqlite_bytes(&app) {
        assert!(
            stored.contains("a flibbertigibbet for me too"),
            "the scan sees text"
        );
        for text in [
            name,
            "Zebulon",
            "Quixote",
            "zquix",
            "arrived broken",
            "story continues",
        ] {
            assert!(
                !stored.contains(text),
                "{text} is still in the database file"
            );
        }
    }
    let entries = log["items"].as_array().unwrap();
    assert!(
        entries
            .iter()
            .any(|e| e["action"] == "contact.erased" && e["target_id"] == contact.as_str()),
        "the erasure is recorded"
    );
    // Search finds only the bystander, and nothing by the erased name.
    let found = inbox(&app, &a, &format!("q={word}")).await;
    assert_eq!(found.len(), 1);
    assert_eq!(found[0]["id"], bystander["conversation"]["id"]);
    assert!(inbox(&app, &a, "q=Zebulon").await.is_empty());
    assert!(inbox(&app, &a, "q=zquix").await.is_empty());
    assert!(inbox(&app, &a, "q=Quixote").await.is_empty());
    let untouched = messages_of(&app, &a, &str_of(&bystander["conversation"]["id"])).await;
    assert_eq!(untouched[0]["text"], format!("a {word} for me too"));
    // An erased contact is gone from the list and cannot be changed or merged.
    assert_eq!(list_contacts(&app, &a).await.len(), 1);
    assert_problem(
        app.patch(
            &contact_path(&a, &contact, ""),
            &a.token,
            json!({ "display_name": name }),
        )
        .await,
        409,
        "contact_erased",
    )
    .await;
    let bob = str_of(&bystander["conversation"]["contact"]["id"]);
    assert_problem(
        app.post(
            &contact_path(&a, &bob, "/merge"),
            &a.token,
            json!({ "source_id": contact }),
        )
        .await,
        409,
        "contact_erased",
    )
    .await;
    assert_problem(
        app.post(
            &contact_path(&a, &contact, "/merge"),
            &a.token,
            json!({ "source_id": bob }),
        )
        .await,
        409,
        "contact_erased",
    )
    .await;
    assert_eq!(
        read_contact(&app, &a, &contact).await["display_name"],
        Value::Null
    );
    // Writing again, the person is a stranger: a new contact, nothing linked to the old one.
    let again = inbound(
        &app,
        &a,
        &key,
        &channel,
        dm("m2", "zquix", "Z", "hello again"),
    )
    .await;
    assert_ne!(str_of(&again["conversation"]["contact"]["id"]), contact);
    assert_ne!(str_of(&again["conversation"]["id"]), conversation);
}

#[tokio::test]
async fn contacts_of_another_workspace_answer_404_and_do_not_change() {
    let (app, a, b) = TestApp::two_workspaces().await;
    let channel = app.api_channel(&a).await;
    let (_, a_key) = app.api_key(&a, &["messages:ingest"]).await;
    let outcome = inbound(
        &app,
        &a,
        &a_key,
        &channel,
        dm("m1", "ada", "Ada", "private words"),
    )
    .await;
    let theirs = str_of(&outcome["conversation"]["contact"]["id"]);
    let b_own = str_of(&create_contact(&app, &b, json!({ "display_name": "Bea" })).await["id"]);
    let before = export(&app, &a, &theirs).await;
    let (_, b_key) = app
        .api_key(
            &b,
            &["contacts:read", "contacts:write", "conversations:read"],
        )
        .await;
    for token in [b.token.as_str(), b_key.as_str()] {
        for tenant in [&a, &b] {
            let one = contact_path(tenant, &theirs, "");
            assert_problem(app.get(&one, token).await, 404, "not_found").await;
            assert_problem(
                app.patch(&one, token, json!({ "display_name": "Pwned" }))
                    .await,
                404,
                "not_found",
            )
            .await;
            assert_problem(app.delete(&one, token).await, 404, "not_found").await;
            assert_problem(
                app.get(&contact_path(tenant, &theirs, "/export"), token)
                    .await,
                404,
                "not_found",
            )
            .await;
            assert_problem(
                app.post(&contact_path(tenant, &theirs, "/erase"), token, json!({}))
                    .await,
                404,
                "not_found",
            )
            .await;
            assert_problem(
                app.post(
                    &contact_path(tenant, &theirs, "/merge"),
                    token,
                    json!({ "source_id": b_own }),
                )
                .await,
                404,
                "not_found",
            )
            .await;
        }
        assert_problem(app.get(&ws(&a, "/contacts"), token).await, 404, "not_found").await;
        assert_problem(
            app.post(
                &ws(&a, "/contacts"),
                token,
                json!({ "display_name": "Spy" }),
            )
            .await,
            404,
            "not_found",
        )
        .await;
        // Pulling A's contact into one of B's own: A's contact is not found there, exactly
        // as an id that exists nowhere.
        let stolen = assert_problem(
            app.post(
                &contact_path(&b, &b_own, "/merge"),
                token,
                json!({ "source_id": theirs }),
            )
            .await,
            404,
            "not_found",
        )
        .await;
        let random = assert_problem(
            app.post(
                &contact_path(&b, &b_own, "/merge"),
                token,
                json!({ "source_id": uuid::Uuid::now_v7() }),
            )
            .await,
            404,
            "not_found",
        )
        .await;
        assert_eq!(stolen["detail"], random["detail"], "no hint that it exists");
    }
    let after = export(&app, &a, &theirs).await;
    assert_eq!(after["contact"], before["contact"]);
    assert_eq!(after["conversations"], before["conversations"]);
    assert_eq!(after["messages"], before["messages"]);
    assert_eq!(after["messages"][0]["text"], "private words");
    let b_contacts = list_contacts(&app, &b).await;
    assert_eq!(b_contacts.len(), 1);
    assert_eq!(b_contacts[0]["identities"], json!([]));
    assert_eq!(list_contacts(&app, &a).await.len(), 1);
}

#[tokio::test]
async fn an_agent_restricted_to_its_conversations_reads_and_changes_only_their_contacts() {
    let app = TestApp::spawn().await;
    let a = app.tenant("Acme").await;
    let channel = app.api_channel(&a).await;
    let (_, key) = app.api_key(&a, &["messages:ingest"]).await;
    let (agent_id, agent) = app.member_with_role(&a, "agent").await;
    let body = json!({ "agent_visibility": "assigned" });
    json_of(app.patch(&ws(&a, ""), &a.token, body).await, 200).await;
    let theirs = inbound(&app, &a, &key, &channel, dm("m1", "ada", "Ada", "hello")).await;
    let hidden = inbound(&app, &a, &key, &channel, dm("m2", "bob", "Bob", "hi")).await;
    let conversation = str_of(&theirs["conversation"]["id"]);
    let body = json!({ "assignee_id": agent_id });
    let path = ws(&a, &format!("/conversations/{conversation}"));
    json_of(app.patch(&path, &a.token, body).await, 200).await;
    let lead = create_contact(&app, &a, json!({ "display_name": "New lead" })).await;
    let ada = str_of(&theirs["conversation"]["contact"]["id"]);
    let bob = str_of(&hidden["conversation"]["contact"]["id"]);

    let page = json_of(app.get(&ws(&a, "/contacts"), &agent).await, 200).await;
    let mut seen: Vec<String> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| str_of(&c["id"]))
        .collect();
    seen.sort();
    let mut expected = vec![ada.clone(), str_of(&lead["id"])];
    expected.sort();
    assert_eq!(seen, expected);

    assert_eq!(
        app.get(&contact_path(&a, &ada, ""), &agent).await.status(),
        200
    );
    for (method, rest, body) in [
        (reqwest::Method::GET, "", None),
        (
            reqwest::Method::PATCH,
            "",
            Some(json!({ "display_name": "X" })),
        ),
        (reqwest::Method::GET, "/export", None),
        (reqwest::Method::POST, "/erase", Some(json!({}))),
    ] {
        let response = app
            .request(method, &contact_path(&a, &bob, rest), Some(&agent), body)
            .await;
        assert_problem(response, 404, "not_found").await;
    }
    let merge = json!({ "source_id": bob });
    let response = app
        .post(&contact_path(&a, &ada, "/merge"), &agent, merge)
        .await;
    assert_problem(response, 404, "not_found").await;
    assert_eq!(read_contact(&app, &a, &bob).await["display_name"], "Bob");
}

// ---------------------------------------------------------------- finding a customer

/// The display names of the contacts a search finds, through REST and GraphQL alike.
async fn found(app: &TestApp, tenant: &Tenant, q: &str) -> Vec<String> {
    let path = ws(
        tenant,
        &format!("/contacts?q={}", q.replace('@', "%40").replace(' ', "+")),
    );
    let rest = json_of(app.get(&path, &tenant.token).await, 200).await;
    let mut names: Vec<String> = rest["items"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|c| str_of(&c["display_name"]))
        .collect();
    names.sort();
    let query = "query($ws: ID!, $q: String) { workspace(id: $ws) { contacts(q: $q) { items { displayName } } } }";
    let answer = app
        .graphql(
            Some(&tenant.token),
            query,
            json!({ "ws": tenant.workspace_id, "q": q }),
        )
        .await;
    assert!(answer["errors"].is_null(), "{answer}");
    let mut through_graphql: Vec<String> = answer["data"]["workspace"]["contacts"]["items"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|c| str_of(&c["displayName"]))
        .collect();
    through_graphql.sort();
    assert_eq!(
        names, through_graphql,
        "REST and GraphQL find the same for {q}"
    );
    names
}

#[tokio::test]
async fn a_customer_is_found_by_name_handle_platform_user_id_or_email() {
    let (app, a, b) = TestApp::two_workspaces().await;
    for (tenant, name, handle, id, email) in [
        (
            &a,
            "Ada Lovelace",
            "@ada_l",
            "1874000000000000100",
            "ada@example.test",
        ),
        (
            &a,
            "Grace Hopper",
            "@cobol_grace",
            "55501",
            "grace@navy.test",
        ),
        (
            &b,
            "Ada Other",
            "@ada_l",
            "1874000000000000100",
            "ada@example.test",
        ),
    ] {
        create_contact(
            &app,
            tenant,
            json!({ "display_name": name, "attributes": { "email": email, "plan": "gold" },
                "identities": [{ "channel_kind": "x", "platform_user_id": id, "handle": handle }] }),
        )
        .await;
    }
    assert_eq!(found(&app, &a, "ada").await, ["Ada Lovelace"]);
    assert_eq!(found(&app, &a, "lovelace ada").await, ["Ada Lovelace"]);
    assert_eq!(found(&app, &a, "cobol_grace").await, ["Grace Hopper"]);
    assert_eq!(
        found(&app, &a, "1874000000000000100").await,
        ["Ada Lovelace"]
    );
    assert_eq!(found(&app, &a, "grace@navy.test").await, ["Grace Hopper"]);
    assert_eq!(
        found(&app, &a, "gold").await,
        Vec::<String>::new(),
        "other attributes are not searched"
    );
    assert_eq!(found(&app, &a, "nobody").await, Vec::<String>::new());
    // Another workspace's customers are never found, whatever they share.
    assert_eq!(found(&app, &b, "ada").await, ["Ada Other"]);
    // An e-mail given later is found too.
    let hopper = found(&app, &a, "hopper").await;
    assert_eq!(hopper, ["Grace Hopper"]);
    let listed = json_of(app.get(&ws(&a, "/contacts?q=hopper"), &a.token).await, 200).await;
    let grace = str_of(&listed["items"][0]["id"]);
    let patch = json!({ "attributes": { "email": "amazing.grace@navy.test" } });
    json_of(
        app.patch(&contact_path(&a, &grace, ""), &a.token, patch)
            .await,
        200,
    )
    .await;
    assert_eq!(
        found(&app, &a, "amazing.grace@navy.test").await,
        ["Grace Hopper"]
    );
    let long = ws(&a, &format!("/contacts?q={}", "a".repeat(201)));
    assert_problem(app.get(&long, &a.token).await, 400, "invalid_query").await;
}
