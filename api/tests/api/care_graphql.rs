//! The care model through GraphQL: channels, contacts, conversations, messages and
//! notifications answer field for field what REST answers (objects made through one are
//! read through the other), relations resolve in batches, another workspace's ids are
//! `not_found`, and agents restricted by `agent_visibility` read only their conversations.
#![expect(
    clippy::unwrap_used,
    clippy::panic,
    reason = "test helpers fail the test at once on an unexpected answer"
)]

use earshot_testkit::{Tenant, TestApp, str_of};
use reqwest::Response;
use serde_json::{Map, Value, json};

// ---------------------------------------------------------------------------------------
// Fixtures shared with the subscription tests
// ---------------------------------------------------------------------------------------

/// A workspace with an `api` channel.
#[derive(Clone, Debug)]
pub(crate) struct Desk {
    pub(crate) t: Tenant,
    pub(crate) channel: String,
}

/// Asserts the status of an answer and returns its JSON body (`null` when there is none).
pub(crate) async fn ok(response: Response, status: u16) -> Value {
    let actual = response.status().as_u16();
    let body: Value = response.json().await.unwrap_or(Value::Null);
    assert_eq!(actual, status, "{body}");
    body
}

/// A customer message from the platform user `user`.
pub(crate) fn inbound(user: &str, text: &str) -> Value {
    json!({
        "platform_message_id": uuid::Uuid::new_v4().to_string(),
        "author": {
            "platform_user_id": format!("id-{user}"),
            "handle": format!("@{user}"),
            "display_name": format!("{user} Customer"),
            "follower_count": 1200,
            "verified": true,
        },
        "text": text,
        "visibility": "private",
    })
}

impl Desk {
    /// An `api` channel in the tenant's workspace.
    pub(crate) async fn open(app: &TestApp, t: &Tenant) -> Desk {
        let path = format!("/v1/workspaces/{}/channels", t.workspace_id);
        let body = json!({ "kind": "api", "name": "Partner feed" });
        let channel = str_of(&ok(app.post(&path, &t.token, body).await, 201).await["id"]);
        Desk {
            t: t.clone(),
            channel,
        }
    }

    /// `/v1/workspaces/{ws}` followed by `rest`.
    pub(crate) fn ws(&self, rest: &str) -> String {
        format!("/v1/workspaces/{}{rest}", self.t.workspace_id)
    }

    /// Pushes a customer message through REST; returns the conversation.
    pub(crate) async fn push(&self, app: &TestApp, user: &str, text: &str) -> Value {
        let path = self.ws(&format!("/channels/{}/inbound", self.channel));
        let outcome = ok(
            app.post(&path, &self.t.token, inbound(user, text)).await,
            201,
        )
        .await;
        outcome["conversation"].clone()
    }

    /// Changes a conversation through REST as the owner.
    pub(crate) async fn patch(&self, app: &TestApp, id: &str, body: Value) -> Value {
        let path = self.ws(&format!("/conversations/{id}"));
        ok(app.patch(&path, &self.t.token, body).await, 200).await
    }

    /// Sets the workspace's `agent_visibility`.
    pub(crate) async fn agent_visibility(&self, app: &TestApp, value: &str) {
        let body = json!({ "agent_visibility": value });
        ok(app.patch(&self.ws(""), &self.t.token, body).await, 200).await;
    }

    /// A team with these members; returns its id.
    pub(crate) async fn team(&self, app: &TestApp, name: &str, members: &[&str]) -> String {
        let body = json!({ "name": name, "member_ids": members });
        str_of(&ok(app.post(&self.ws("/teams"), &self.t.token, body).await, 201).await["id"])
    }

    /// A REST `GET` of a path under the workspace.
    pub(crate) async fn get(&self, app: &TestApp, rest: &str) -> Value {
        ok(app.get(&self.ws(rest), &self.t.token).await, 200).await
    }
}

/// Asserts the answer has no errors and returns its data.
#[track_caller]
pub(crate) fn data(resp: &Value) -> &Value {
    assert!(resp.get("errors").is_none(), "unexpected errors: {resp:#}");
    &resp["data"]
}

/// The `extensions.code` of every error (each must have one).
#[track_caller]
pub(crate) fn codes(resp: &Value) -> Vec<String> {
    let errors = resp["errors"]
        .as_array()
        .unwrap_or_else(|| panic!("expected errors in {resp:#}"));
    errors
        .iter()
        .map(|e| {
            let code = str_of(&e["extensions"]["code"]);
            assert!(!code.is_empty(), "error without extensions.code: {e:#}");
            code
        })
        .collect()
}

/// Asserts the answer was refused with `code` alone.
#[track_caller]
fn refused(resp: &Value, code: &str) {
    assert_eq!(codes(resp), vec![code.to_owned()], "answer {resp:#}");
}

/// JSON documents compared as they are (their keys are the client's, not ours).
const OPAQUE: [&str; 2] = ["settings", "attributes"];

fn camel(snake: &str) -> String {
    let mut out = String::new();
    let mut upper = false;
    for c in snake.chars() {
        if c == '_' {
            upper = true;
        } else if upper {
            out.extend(c.to_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

fn scalar(value: &Value) -> Value {
    match value {
        Value::String(s) => match chrono::DateTime::parse_from_rfc3339(s) {
            Ok(t) => json!(t.timestamp_micros()),
            Err(_) => json!(s.to_lowercase()),
        },
        Value::Number(n) => json!(n.as_f64()),
        other => other.clone(),
    }
}

/// Compares a GraphQL object with its REST twin, field for field, both ways: REST
/// `snake_case` is GraphQL `camelCase` unless `renamed` (REST → GraphQL) says otherwise;
/// GraphQL-only relations are listed in `extra`. Enums compare case-insensitively, times as
/// instants, JSON documents as they are.
#[track_caller]
pub(crate) fn assert_twins(gql: &Value, rest: &Value, renamed: &[(&str, &str)], extra: &[&str]) {
    let mut problems = Vec::new();
    twin("", gql, rest, renamed, extra, &mut problems);
    assert!(
        problems.is_empty(),
        "GraphQL and REST differ:\n{}\nGraphQL {gql:#}\nREST {rest:#}",
        problems.join("\n")
    );
}

fn twin(
    path: &str,
    gql: &Value,
    rest: &Value,
    renamed: &[(&str, &str)],
    extra: &[&str],
    problems: &mut Vec<String>,
) {
    match (gql, rest) {
        (Value::Object(g), Value::Object(r)) => twin_objects(path, g, r, renamed, extra, problems),
        (Value::Array(g), Value::Array(r)) if g.len() == r.len() => {
            for (i, (g, r)) in g.iter().zip(r).enumerate() {
                twin(&format!("{path}[{i}]"), g, r, renamed, extra, problems);
            }
        }
        (g, r) if scalar(g) == scalar(r) => {}
        (g, r) => problems.push(format!("{path}: GraphQL {g} REST {r}")),
    }
}

fn twin_objects(
    path: &str,
    gql: &Map<String, Value>,
    rest: &Map<String, Value>,
    renamed: &[(&str, &str)],
    extra: &[&str],
    problems: &mut Vec<String>,
) {
    let name_of = |key: &str| {
        renamed
            .iter()
            .find(|(r, _)| *r == key)
            .map(|(_, g)| (*g).to_owned())
            .unwrap_or_else(|| camel(key))
    };
    let mut seen = Vec::new();
    for (key, r) in rest {
        let name = name_of(key);
        let g = gql.get(&name).unwrap_or(&Value::Null);
        let here = format!("{path}.{key}");
        if OPAQUE.contains(&key.as_str()) {
            if g != r {
                problems.push(format!("{here}: GraphQL {g} REST {r}"));
            }
        } else {
            twin(&here, g, r, renamed, extra, problems);
        }
        seen.push(name);
    }
    for (name, g) in gql {
        if !seen.contains(name) && !extra.contains(&name.as_str()) && !g.is_null() {
            problems.push(format!("{path}.{name}: only in GraphQL ({g})"));
        }
    }
}

/// A conversation's REST `contact` is GraphQL's `contactSummary`.
pub(crate) const CONVERSATION_RENAMES: &[(&str, &str)] = &[("contact", "contactSummary")];
/// GraphQL-only fields of a conversation.
const CONVERSATION_EXTRA: &[&str] = &[
    "contactId",
    "contact",
    "assignee",
    "team",
    "lastMessage",
    "messages",
    "slaPolicy",
    "slaClocks",
    "commitments",
];

// ---------------------------------------------------------------------------------------
// Operations
// ---------------------------------------------------------------------------------------

macro_rules! channel_fields {
    () => {
        "id kind name settings hasCredentials credentialsSet health { state lastError changedAt } createdAt updatedAt"
    };
}
macro_rules! contact_fields {
    () => {
        "id displayName attributes erased createdAt updatedAt
         identities { id channelKind platformUserId handle displayName avatarUrl followerCount verified }"
    };
}
macro_rules! message_fields {
    () => {
        "id conversationId direction visibility author { kind userId apiKeyId contactId } text
         platformMessageId replyToPlatformId attachments { type url name mimeType } mentions
         deliveryStatus deliveryError sentiment sentAt createdAt"
    };
}
macro_rules! conversation_fields {
    () => {
        "id channelId channelKind contactId
         contactSummary { id displayName handle avatarUrl followerCount verified }
         visibility status snoozedUntil priority priorityAuto assigneeId teamId tags label
         sentiment influence threadKey messageCount lastActivityAt lastInboundAt resolvedAt
         slaDueAt slaStatus csatScore createdAt updatedAt"
    };
}

const CREATE_CHANNEL: &str = concat!(
    "mutation($ws: ID!, $input: CreateChannelInput!) { createChannel(workspaceId: $ws, input: $input) {",
    channel_fields!(),
    "} }"
);
const UPDATE_CHANNEL: &str = concat!(
    "mutation($ws: ID!, $id: ID!, $input: UpdateChannelInput!) {
       updateChannel(workspaceId: $ws, channelId: $id, input: $input) {",
    channel_fields!(),
    "} }"
);
const CHECK_CHANNEL: &str =
    "mutation($ws: ID!, $id: ID!) { checkChannel(workspaceId: $ws, channelId: $id) { ok } }";
const DELETE_CHANNEL: &str =
    "mutation($ws: ID!, $id: ID!) { deleteChannel(workspaceId: $ws, channelId: $id) }";
const CHANNELS: &str = concat!(
    "query($ws: ID!, $id: ID!) { workspace(id: $ws) { channel(id: $id) {",
    channel_fields!(),
    "} channels(limit: 200) { nextCursor items {",
    channel_fields!(),
    "} } } }"
);
const CREATE_CONTACT: &str = concat!(
    "mutation($ws: ID!, $input: CreateContactInput!) { createContact(workspaceId: $ws, input: $input) {",
    contact_fields!(),
    "} }"
);
const UPDATE_CONTACT: &str = concat!(
    "mutation($ws: ID!, $id: ID!, $input: UpdateContactInput!) {
       updateContact(workspaceId: $ws, contactId: $id, input: $input) {",
    contact_fields!(),
    "} }"
);
const MERGE_CONTACTS: &str = concat!(
    "mutation($ws: ID!, $id: ID!, $source: ID!) {
       mergeContacts(workspaceId: $ws, contactId: $id, sourceId: $source) {",
    contact_fields!(),
    "} }"
);
const ERASE_CONTACT: &str = concat!(
    "mutation($ws: ID!, $id: ID!) { eraseContact(workspaceId: $ws, contactId: $id) {",
    contact_fields!(),
    "} }"
);
const DELETE_CONTACT: &str =
    "mutation($ws: ID!, $id: ID!) { deleteContact(workspaceId: $ws, contactId: $id) }";
const CONTACTS: &str = concat!(
    "query($ws: ID!, $id: ID!) { workspace(id: $ws) { contact(id: $id) {",
    contact_fields!(),
    "} contacts(limit: 200) { nextCursor items {",
    contact_fields!(),
    "} } } }"
);
const PUSH: &str = concat!(
    "mutation($ws: ID!, $channel: ID!, $input: InboundMessageInput!) {
       pushInboundMessage(workspaceId: $ws, channelId: $channel, input: $input) {
         duplicate conversation {",
    conversation_fields!(),
    "} message {",
    message_fields!(),
    "} } }"
);
const START: &str = concat!(
    "mutation($ws: ID!, $input: StartConversationInput!) { startConversation(workspaceId: $ws, input: $input) {",
    conversation_fields!(),
    "} }"
);
const UPDATE_CONVERSATION: &str = concat!(
    "mutation($ws: ID!, $id: ID!, $input: UpdateConversationInput!) {
       updateConversation(workspaceId: $ws, conversationId: $id, input: $input) {",
    conversation_fields!(),
    "} }"
);
const BULK: &str = concat!(
    "mutation($ws: ID!, $ids: [ID!]!, $changes: UpdateConversationInput!) {
       bulkUpdateConversations(workspaceId: $ws, ids: $ids, changes: $changes) {",
    conversation_fields!(),
    "} }"
);
const SEND: &str = concat!(
    "mutation($ws: ID!, $id: ID!, $input: SendMessageInput!) {
       sendMessage(workspaceId: $ws, conversationId: $id, input: $input) {",
    message_fields!(),
    "} }"
);
const CONVERSATION: &str = concat!(
    "query($ws: ID!, $id: ID!) { workspace(id: $ws) { conversation(id: $id) {",
    conversation_fields!(),
    " messages(limit: 200) { nextCursor items {",
    message_fields!(),
    "} } } } }"
);
const NOTIFICATIONS: &str = "query($ws: ID!, $unread: Boolean) { workspace(id: $ws) {
  notifications(unread: $unread) { nextCursor items { id kind conversationId messageId createdAt readAt } }
} }";
const CONTACT_EXPORT: &str =
    "query($ws: ID!, $id: ID!) { workspace(id: $ws) { contactExport(id: $id) } }";
const MARK_READ: &str =
    "mutation($ws: ID!, $id: ID!) { markNotificationRead(workspaceId: $ws, notificationId: $id) }";

/// Runs a GraphQL operation that must succeed and returns the field `name` of its data.
async fn run(app: &TestApp, token: &str, query: &str, vars: Value, name: &str) -> Value {
    let resp = app.graphql(Some(token), query, vars).await;
    data(&resp)[name].clone()
}

/// The ids of a list of objects, in order.
fn ids(list: &Value) -> Vec<String> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|item| str_of(&item["id"]))
        .collect()
}

/// The item with this id in a list.
fn find<'a>(list: &'a Value, id: &str) -> &'a Value {
    list.as_array()
        .unwrap()
        .iter()
        .find(|item| item["id"] == id)
        .unwrap_or_else(|| panic!("{id} missing from {list:#}"))
}

// ---------------------------------------------------------------------------------------
// 1. The same objects as REST
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn channels_through_graphql_match_rest_field_for_field() {
    let app = TestApp::spawn().await;
    let a = app.tenant("Acme").await;
    let desk = Desk::open(&app, &a).await;
    let ws = &a.workspace_id;

    let input = json!({
        "kind": "TELEGRAM", "name": "Care bot",
        "credentials": { "bot_token": "s3cret-value", "secret_token": "s3cret-hook" },
        "settings": { "api_base_url": "http://127.0.0.1:9/telegram", "bot_username": "care_bot" },
    });
    let created = run(
        &app,
        &a.token,
        CREATE_CHANNEL,
        json!({ "ws": ws, "input": input }),
        "createChannel",
    )
    .await;
    let id = str_of(&created["id"]);
    assert_eq!(created["hasCredentials"], true);
    assert!(
        !created.to_string().contains("s3cret"),
        "credentials never shown"
    );
    let rest = desk.get(&app, &format!("/channels/{id}")).await;
    assert_twins(&created, &rest, &[], &[]);

    // Made through REST, read through GraphQL: one and in the list.
    let body = json!({ "kind": "x", "name": "Brand on X", "settings": { "handle": "@brand" } });
    let made = ok(app.post(&desk.ws("/channels"), &a.token, body).await, 201).await;
    let made_id = str_of(&made["id"]);
    let read = run(
        &app,
        &a.token,
        CHANNELS,
        json!({ "ws": ws, "id": made_id }),
        "workspace",
    )
    .await;
    assert_twins(&read["channel"], &made, &[], &[]);
    let rest_list = desk.get(&app, "/channels?limit=200").await;
    assert_eq!(ids(&read["channels"]["items"]), ids(&rest_list["items"]));
    for item in rest_list["items"].as_array().unwrap() {
        assert_twins(
            find(&read["channels"]["items"], &str_of(&item["id"])),
            item,
            &[],
            &[],
        );
    }

    // Changed through GraphQL: credentials removed with null, disabled.
    let input = json!({ "name": "Renamed", "credentials": null, "health": "DISABLED" });
    let updated = run(
        &app,
        &a.token,
        UPDATE_CHANNEL,
        json!({ "ws": ws, "id": id, "input": input }),
        "updateChannel",
    )
    .await;
    assert_eq!(updated["hasCredentials"], false);
    assert_eq!(updated["health"]["state"], "DISABLED");
    assert_twins(
        &updated,
        &desk.get(&app, &format!("/channels/{id}")).await,
        &[],
        &[],
    );

    let deleted = run(
        &app,
        &a.token,
        DELETE_CHANNEL,
        json!({ "ws": ws, "id": id }),
        "deleteChannel",
    )
    .await;
    assert_eq!(deleted, true);
    ok(
        app.get(&desk.ws(&format!("/channels/{id}")), &a.token)
            .await,
        404,
    )
    .await;
}

#[tokio::test]
async fn contacts_through_graphql_match_rest_field_for_field() {
    let app = TestApp::spawn().await;
    let a = app.tenant("Acme").await;
    let desk = Desk::open(&app, &a).await;
    let ws = &a.workspace_id;

    let input = json!({
        "displayName": "Ada Lovelace",
        "attributes": { "plan": "gold", "customer_since": 2019 },
        "identities": [
            { "channelKind": "X", "platformUserId": "x-ada", "handle": "@ada", "displayName": "Ada L" },
            { "channelKind": "API", "platformUserId": "crm-17" },
        ],
    });
    let created = run(
        &app,
        &a.token,
        CREATE_CONTACT,
        json!({ "ws": ws, "input": input }),
        "createContact",
    )
    .await;
    let ada = str_of(&created["id"]);
    assert_eq!(created["identities"].as_array().unwrap().len(), 2);
    assert_twins(
        &created,
        &desk.get(&app, &format!("/contacts/{ada}")).await,
        &[],
        &[],
    );

    // Made through REST, read through GraphQL.
    let body = json!({ "display_name": "Grace", "identities": [{ "channel_kind": "api", "platform_user_id": "crm-18" }] });
    let grace = ok(app.post(&desk.ws("/contacts"), &a.token, body).await, 201).await;
    let grace_id = str_of(&grace["id"]);
    let read = run(
        &app,
        &a.token,
        CONTACTS,
        json!({ "ws": ws, "id": grace_id }),
        "workspace",
    )
    .await;
    assert_twins(&read["contact"], &grace, &[], &[]);
    let rest_list = desk.get(&app, "/contacts?limit=200").await;
    assert_eq!(ids(&read["contacts"]["items"]), ids(&rest_list["items"]));
    for item in rest_list["items"].as_array().unwrap() {
        assert_twins(
            find(&read["contacts"]["items"], &str_of(&item["id"])),
            item,
            &[],
            &[],
        );
    }

    // `displayName: null` clears; absent fields stay.
    let vars = json!({ "ws": ws, "id": grace_id, "input": { "displayName": null } });
    let cleared = run(&app, &a.token, UPDATE_CONTACT, vars, "updateContact").await;
    assert_eq!(cleared["displayName"], Value::Null);
    assert_eq!(cleared["identities"].as_array().unwrap().len(), 1);
    assert_twins(
        &cleared,
        &desk.get(&app, &format!("/contacts/{grace_id}")).await,
        &[],
        &[],
    );

    // The GDPR export is REST's document, field for field, conversations and messages too.
    let pushed = desk.push(&app, "grace-dm", "my parcel is lost").await;
    let customer = str_of(&pushed["contact"]["id"]);
    let vars = json!({ "ws": ws, "id": customer });
    let export = run(&app, &a.token, CONTACT_EXPORT, vars, "workspace").await;
    let mut through_graphql = export["contactExport"].clone();
    let mut through_rest = desk
        .get(&app, &format!("/contacts/{customer}/export"))
        .await;
    assert_eq!(through_graphql["messages"][0]["text"], "my parcel is lost");
    for document in [&mut through_graphql, &mut through_rest] {
        document.as_object_mut().unwrap().remove("exported_at");
    }
    assert_eq!(through_graphql, through_rest);

    // Merge: the source's identities move over and the source is gone.
    let vars = json!({ "ws": ws, "id": ada, "source": grace_id });
    let merged = run(&app, &a.token, MERGE_CONTACTS, vars, "mergeContacts").await;
    assert_eq!(merged["identities"].as_array().unwrap().len(), 3);
    assert_twins(
        &merged,
        &desk.get(&app, &format!("/contacts/{ada}")).await,
        &[],
        &[],
    );
    ok(
        app.get(&desk.ws(&format!("/contacts/{grace_id}")), &a.token)
            .await,
        404,
    )
    .await;

    // Erase: personal data gone, the contact kept and marked.
    let erased = run(
        &app,
        &a.token,
        ERASE_CONTACT,
        json!({ "ws": ws, "id": ada }),
        "eraseContact",
    )
    .await;
    assert_eq!(erased["erased"], true);
    assert_eq!(erased["identities"], json!([]));
    assert_twins(
        &erased,
        &desk.get(&app, &format!("/contacts/{ada}")).await,
        &[],
        &[],
    );

    let deleted = run(
        &app,
        &a.token,
        DELETE_CONTACT,
        json!({ "ws": ws, "id": ada }),
        "deleteContact",
    )
    .await;
    assert_eq!(deleted, true);
    ok(
        app.get(&desk.ws(&format!("/contacts/{ada}")), &a.token)
            .await,
        404,
    )
    .await;
}

/// The conversation and its history as GraphQL and REST show them, compared.
async fn assert_conversation_twins(app: &TestApp, desk: &Desk, id: &str) -> Value {
    let vars = json!({ "ws": desk.t.workspace_id, "id": id });
    let gql =
        run(app, &desk.t.token, CONVERSATION, vars, "workspace").await["conversation"].clone();
    let rest = desk.get(app, &format!("/conversations/{id}")).await;
    assert_twins(&gql, &rest, CONVERSATION_RENAMES, CONVERSATION_EXTRA);
    let history = desk
        .get(app, &format!("/conversations/{id}/messages?limit=200"))
        .await;
    assert_twins(&gql["messages"], &history, &[], &[]);
    gql
}

#[tokio::test]
async fn conversations_and_messages_through_graphql_match_rest_field_for_field() {
    let app = TestApp::spawn().await;
    let a = app.tenant("Acme").await;
    let desk = Desk::open(&app, &a).await;
    let ws = &a.workspace_id;
    let (agent, agent_token) = app.member_with_role(&a, "agent").await;
    let team = desk.team(&app, "Tier 1", &[&agent]).await;

    // The API channel's door through GraphQL, then again: the second push is a duplicate.
    let input = json!({
        "platformMessageId": "gql-1",
        "author": { "platformUserId": "u-ada", "handle": "@ada", "displayName": "Ada", "followerCount": 50000, "verified": true },
        "text": "worst service ever, 3rd outage this week",
        "visibility": "PUBLIC", "threadId": "post-1",
        "attachments": [{ "type": "image", "url": "https://example.com/a.png", "mimeType": "image/png" }],
    });
    let vars = json!({ "ws": ws, "channel": desk.channel, "input": input.clone() });
    let pushed = run(&app, &a.token, PUSH, vars.clone(), "pushInboundMessage").await;
    assert_eq!(pushed["duplicate"], false);
    let id = str_of(&pushed["conversation"]["id"]);
    let again = run(&app, &a.token, PUSH, vars, "pushInboundMessage").await;
    assert_eq!(again["duplicate"], true);
    assert_eq!(again["message"]["id"], pushed["message"]["id"]);
    let rest = desk.get(&app, &format!("/conversations/{id}")).await;
    assert_twins(
        &pushed["conversation"],
        &rest,
        CONVERSATION_RENAMES,
        CONVERSATION_EXTRA,
    );
    let history = desk
        .get(&app, &format!("/conversations/{id}/messages"))
        .await;
    assert_twins(&pushed["message"], &history["items"][0], &[], &[]);

    // Changed through GraphQL, read through REST.
    let patch = json!({
        "status": "PENDING", "priority": "HIGH", "assigneeId": agent, "teamId": team,
        "addTags": ["billing", "vip"],
    });
    let vars = json!({ "ws": ws, "id": id, "input": patch });
    let updated = run(
        &app,
        &a.token,
        UPDATE_CONVERSATION,
        vars,
        "updateConversation",
    )
    .await;
    assert_eq!(updated["status"], "PENDING");
    assert_eq!(updated["assigneeId"], agent.as_str());
    assert_conversation_twins(&app, &desk, &id).await;

    // Changed through REST, read through GraphQL; `assigneeId: null` unassigns.
    desk.patch(
        &app,
        &id,
        json!({ "status": "open", "remove_tags": ["vip"] }),
    )
    .await;
    let vars = json!({ "ws": ws, "id": id, "input": { "assigneeId": null } });
    let unassigned = run(
        &app,
        &a.token,
        UPDATE_CONVERSATION,
        vars,
        "updateConversation",
    )
    .await;
    assert_eq!(unassigned["assigneeId"], Value::Null);
    assert_eq!(unassigned["teamId"], team.as_str());

    // A private reply with an attachment, and a note that mentions the agent.
    let reply = json!({ "kind": "REPLY", "text": "Sorry! Sending you a DM.", "visibility": "PRIVATE",
        "attachments": [{ "type": "file", "url": "https://example.com/f.pdf", "name": "f.pdf" }] });
    let sent = run(
        &app,
        &a.token,
        SEND,
        json!({ "ws": ws, "id": id, "input": reply }),
        "sendMessage",
    )
    .await;
    assert_eq!(sent["direction"], "OUTBOUND");
    // An api channel without a callback hands replies over through the API at once.
    assert_eq!(sent["deliveryStatus"], "SENT");
    let note = json!({ "kind": "NOTE", "text": "please take this one", "mentions": [agent] });
    let noted = run(
        &app,
        &a.token,
        SEND,
        json!({ "ws": ws, "id": id, "input": note }),
        "sendMessage",
    )
    .await;
    assert_eq!(noted["mentions"], json!([agent]));
    let gql = assert_conversation_twins(&app, &desk, &id).await;
    assert_eq!(gql["messageCount"], 3);

    // Proactive outreach through GraphQL to a contact made through REST.
    let body = json!({ "display_name": "Grace", "identities": [{ "channel_kind": "api", "platform_user_id": "crm-9" }] });
    let grace = str_of(&ok(app.post(&desk.ws("/contacts"), &a.token, body).await, 201).await["id"]);
    let input = json!({ "contactId": grace, "channelId": desk.channel, "text": "Hello Grace!", "teamId": team });
    let started = run(
        &app,
        &a.token,
        START,
        json!({ "ws": ws, "input": input }),
        "startConversation",
    )
    .await;
    let started_id = str_of(&started["id"]);
    assert_eq!(started["contactId"], grace.as_str());
    assert_conversation_twins(&app, &desk, &started_id).await;

    // Bulk through GraphQL: all or none, each as REST shows it.
    let vars = json!({ "ws": ws, "ids": [id, started_id], "changes": { "addTags": ["q3"], "priority": "URGENT" } });
    let bulk = run(&app, &a.token, BULK, vars, "bulkUpdateConversations").await;
    assert_eq!(bulk.as_array().unwrap().len(), 2);
    for item in bulk.as_array().unwrap() {
        let rest = desk
            .get(&app, &format!("/conversations/{}", str_of(&item["id"])))
            .await;
        assert_twins(item, &rest, CONVERSATION_RENAMES, CONVERSATION_EXTRA);
    }

    // The agent's notification of the mention, and marking it read.
    let vars = json!({ "ws": ws, "unread": true });
    let mine =
        run(&app, &agent_token, NOTIFICATIONS, vars, "workspace").await["notifications"].clone();
    let rest = ok(
        app.get(&desk.ws("/notifications?unread=true"), &agent_token)
            .await,
        200,
    )
    .await;
    assert_twins(&mine, &rest, &[], &[]);
    assert_eq!(mine["items"][0]["messageId"], noted["id"]);
    let note_id = str_of(&mine["items"][0]["id"]);
    let vars = json!({ "ws": ws, "id": note_id });
    assert_eq!(
        run(&app, &agent_token, MARK_READ, vars, "markNotificationRead").await,
        true
    );
    let rest = ok(app.get(&desk.ws("/notifications"), &agent_token).await, 200).await;
    assert!(rest["items"][0]["read_at"].is_string(), "{rest}");

    // Bad input answers as REST does and changes nothing.
    let input = json!({ "contactId": grace, "channelId": desk.channel, "text": "   " });
    let resp = app
        .graphql(Some(&a.token), START, json!({ "ws": ws, "input": input }))
        .await;
    refused(&resp, "validation_failed");
}

#[tokio::test]
async fn the_inbox_filters_and_sorts_as_rest_does() {
    let app = TestApp::spawn().await;
    let a = app.tenant("Acme").await;
    let desk = Desk::open(&app, &a).await;
    let (agent, _) = app.member_with_role(&a, "agent").await;
    let team = desk.team(&app, "Escalations", &[]).await;
    let mut all = Vec::new();
    for (i, user) in ["ada", "grace", "linus", "ken", "barbara"]
        .iter()
        .enumerate()
    {
        let id = str_of(&desk.push(&app, user, &format!("order {i} is late")).await["id"]);
        all.push(id);
    }
    desk.patch(
        &app,
        &all[0],
        json!({ "assignee_id": agent, "priority": "urgent", "add_tags": ["vip"] }),
    )
    .await;
    desk.patch(
        &app,
        &all[1],
        json!({ "team_id": team, "status": "pending" }),
    )
    .await;
    desk.patch(
        &app,
        &all[2],
        json!({ "priority": "low", "add_tags": ["vip"] }),
    )
    .await;

    let cases = [
        ("", "{}"),
        ("status=pending", r#"{ "status": ["PENDING"] }"#),
        (
            "status=open,pending&sort=priority",
            r#"{ "status": ["OPEN", "PENDING"], "sort": "PRIORITY" }"#,
        ),
        ("tag=vip", r#"{ "tag": "vip" }"#),
        ("assignee_id=none", r#"{ "assigneeId": "none" }"#),
        (
            "priority=urgent,low",
            r#"{ "priority": ["URGENT", "LOW"] }"#,
        ),
        (
            "q=late&sort=last_activity",
            r#"{ "q": "late", "sort": "LAST_ACTIVITY" }"#,
        ),
        (
            "label=neutral&visibility=private",
            r#"{ "label": "NEUTRAL", "visibility": "PRIVATE" }"#,
        ),
        ("sla=none", r#"{ "sla": "NONE" }"#),
    ];
    let query = "query($ws: ID!, $status: [ConversationStatus!], $assigneeId: ID, $teamId: ID, $tag: String,
      $priority: [Priority!], $sla: SlaFilter, $q: String, $label: Label, $visibility: Visibility,
      $sort: InboxSort, $limit: Int) { workspace(id: $ws) { conversations(status: $status,
      assigneeId: $assigneeId, teamId: $teamId, tag: $tag, priority: $priority, sla: $sla, q: $q,
      label: $label, visibility: $visibility, sort: $sort, limit: $limit) { nextCursor items { id } } } }";
    for (rest_query, gql_vars) in cases {
        let rest = desk
            .get(&app, &format!("/conversations?{rest_query}"))
            .await;
        let mut vars: Value = serde_json::from_str(gql_vars).unwrap();
        vars["ws"] = json!(a.workspace_id);
        let gql = run(&app, &a.token, query, vars, "workspace").await;
        assert_eq!(
            ids(&gql["conversations"]["items"]),
            ids(&rest["items"]),
            "{rest_query}"
        );
    }
    let vars = json!({ "ws": a.workspace_id, "teamId": team });
    let by_team = run(&app, &a.token, query, vars, "workspace").await;
    assert_eq!(
        ids(&by_team["conversations"]["items"]),
        vec![all[1].clone()]
    );

    // Paging by cursor walks the same pages as REST.
    let vars = json!({ "ws": a.workspace_id, "limit": 2 });
    let first = run(&app, &a.token, query, vars, "workspace").await["conversations"].clone();
    let rest = desk.get(&app, "/conversations?limit=2").await;
    assert_eq!(ids(&first["items"]), ids(&rest["items"]));
    assert!(first["nextCursor"].is_string());

    // An unknown filter value is refused with REST's code.
    let vars = json!({ "ws": a.workspace_id, "assigneeId": "somebody" });
    let resp = app.graphql(Some(&a.token), query, vars).await;
    refused(&resp, "invalid_query");
}

// ---------------------------------------------------------------------------------------
// 2. Relations in batches
// ---------------------------------------------------------------------------------------

const PAGE_WITH_RELATIONS: &str = "query($ws: ID!, $limit: Int) { workspace(id: $ws) {
  conversations(limit: $limit) { items {
    id contactId assigneeId teamId
    contact { id displayName identities { platformUserId } }
    assignee { userId email role }
    team { id name memberIds }
    lastMessage { id conversationId text direction }
  } }
} }";

#[tokio::test]
async fn a_page_of_fifty_conversations_resolves_its_relations_in_batches() {
    let app = TestApp::spawn().await;
    let a = app.tenant("Acme").await;
    let desk = Desk::open(&app, &a).await;
    let (agent, _) = app.member_with_role(&a, "agent").await;
    let (supervisor, _) = app.member_with_role(&a, "supervisor").await;
    let tier1 = desk.team(&app, "Tier 1", &[&agent]).await;
    let tier2 = desk.team(&app, "Tier 2", &[&supervisor]).await;
    let mut expected = Vec::new();
    for i in 0..50 {
        let conversation = desk
            .push(&app, &format!("customer{i}"), &format!("message {i}"))
            .await;
        let id = str_of(&conversation["id"]);
        let (assignee, team) = match i % 3 {
            0 => (json!(agent), json!(tier1)),
            1 => (json!(supervisor), json!(tier2)),
            _ => (Value::Null, Value::Null),
        };
        desk.patch(
            &app,
            &id,
            json!({ "assignee_id": assignee, "team_id": team }),
        )
        .await;
        let mut last = format!("message {i}");
        if i % 5 == 0 {
            last = format!("reply {i}");
            let path = desk.ws(&format!("/conversations/{id}/messages"));
            ok(
                app.post(&path, &a.token, json!({ "kind": "reply", "text": last }))
                    .await,
                201,
            )
            .await;
        }
        expected.push((id, format!("customer{i} Customer"), assignee, team, last));
    }

    let vars = json!({ "ws": a.workspace_id, "limit": 50 });
    let page = run(&app, &a.token, PAGE_WITH_RELATIONS, vars, "workspace").await;
    let items = page["conversations"]["items"].as_array().unwrap();
    assert_eq!(items.len(), 50);
    for (id, name, assignee, team, last) in &expected {
        let item = find(&page["conversations"]["items"], id);
        assert_eq!(item["contact"]["id"], item["contactId"]);
        assert_eq!(item["contact"]["displayName"], name.as_str());
        assert_eq!(item["assigneeId"], *assignee);
        assert_eq!(item["assignee"]["userId"], *assignee);
        assert_eq!(item["teamId"], *team);
        assert_eq!(item["team"]["id"], *team);
        assert_eq!(item["lastMessage"]["conversationId"], id.as_str());
        assert_eq!(item["lastMessage"]["text"], last.as_str(), "{item}");
    }
    let tier1_item = find(&page["conversations"]["items"], &expected[0].0);
    assert_eq!(tier1_item["team"]["memberIds"], json!([agent]));
    assert_eq!(tier1_item["assignee"]["role"], "AGENT");

    // The number of statements does not grow with the page: 5 or 50 cost the same. The
    // fan-out beside the server counts in the same tally: let it finish first.
    for _ in 0..100 {
        if app.outbox().await.iter().all(|row| row.published) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    let statements = |limit: u64| {
        let (app, a) = (&app, &a);
        async move {
            let before = app.core.db_statements();
            let vars = json!({ "ws": a.workspace_id, "limit": limit });
            run(app, &a.token, PAGE_WITH_RELATIONS, vars, "workspace").await;
            app.core.db_statements() - before
        }
    };
    let five = statements(5).await;
    let fifty = statements(50).await;
    assert!(
        fifty <= five + 2,
        "a page of 50 ran {fifty} statements, a page of 5 ran {five}"
    );
    assert!(fifty <= 25, "a page of 50 ran {fifty} statements");
}

// ---------------------------------------------------------------------------------------
// 3. Isolation and visibility
// ---------------------------------------------------------------------------------------

/// Another workspace's objects, made through REST.
struct Theirs {
    channel: String,
    contact: String,
    conversation: String,
    team: String,
    member: String,
    member_token: String,
    notification: String,
}

async fn their_objects(app: &TestApp, b: &Tenant) -> (Desk, Theirs) {
    let desk = Desk::open(app, b).await;
    let conversation = desk.push(app, "mallory", "hello from B").await;
    let (member, member_token) = app.member_with_role(b, "agent").await;
    let team = desk.team(app, "B team", &[&member]).await;
    let conversation = str_of(&conversation["id"]);
    let note = json!({ "kind": "note", "text": "have a look", "mentions": [member] });
    let path = desk.ws(&format!("/conversations/{conversation}/messages"));
    ok(app.post(&path, &b.token, note).await, 201).await;
    let notification = unread_notifications(app, b, &member_token).await[0].clone();
    let theirs = Theirs {
        channel: desk.channel.clone(),
        contact: str_of(&conversation_contact(app, b, &conversation).await),
        conversation,
        team,
        member,
        member_token,
        notification,
    };
    (desk, theirs)
}

/// The ids of a member's unread notifications, as REST lists them.
async fn unread_notifications(app: &TestApp, t: &Tenant, token: &str) -> Vec<String> {
    let path = format!(
        "/v1/workspaces/{}/notifications?unread=true",
        t.workspace_id
    );
    ids(&ok(app.get(&path, token).await, 200).await["items"])
}

/// The contact of a conversation, as REST shows it to the owner.
async fn conversation_contact(app: &TestApp, t: &Tenant, conversation: &str) -> Value {
    let path = format!(
        "/v1/workspaces/{}/conversations/{conversation}",
        t.workspace_id
    );
    ok(app.get(&path, &t.token).await, 200).await["contact"]["id"].clone()
}

/// Everything B holds, as REST shows it to B.
async fn snapshot(app: &TestApp, desk: &Desk, theirs: &Theirs) -> Vec<Value> {
    let mut all = Vec::new();
    for path in [
        format!("/channels/{}", theirs.channel),
        format!("/contacts/{}", theirs.contact),
        format!("/conversations/{}", theirs.conversation),
        format!("/conversations/{}/messages", theirs.conversation),
        format!("/teams/{}", theirs.team),
        "/audit-log?limit=200".to_owned(),
    ] {
        all.push(desk.get(app, &path).await);
    }
    all
}

#[tokio::test]
async fn another_workspaces_ids_are_not_found_through_every_care_field_and_mutation() {
    let (app, a, b) = TestApp::two_workspaces().await;
    let mine = Desk::open(&app, &a).await;
    let pushed = mine.push(&app, "ada", "hello from A").await;
    let my_conversation = str_of(&pushed["id"]);
    let my_contact = str_of(&pushed["contact"]["id"]);
    let (their_desk, theirs) = their_objects(&app, &b).await;
    let before = snapshot(&app, &their_desk, &theirs).await;
    let (wa, wb) = (&a.workspace_id, &b.workspace_id);

    // Reads in A's workspace with B's ids.
    let reads = [
        (
            "query($ws: ID!, $id: ID!) { workspace(id: $ws) { channel(id: $id) { id } } }",
            &theirs.channel,
        ),
        (
            "query($ws: ID!, $id: ID!) { workspace(id: $ws) { contact(id: $id) { id } } }",
            &theirs.contact,
        ),
        (
            "query($ws: ID!, $id: ID!) { workspace(id: $ws) { conversation(id: $id) { id } } }",
            &theirs.conversation,
        ),
        (
            "query($ws: ID!, $id: ID!) { workspace(id: $ws) { contactExport(id: $id) } }",
            &theirs.contact,
        ),
    ];
    for (query, id) in reads {
        let resp = app
            .graphql(Some(&a.token), query, json!({ "ws": wa, "id": id }))
            .await;
        assert_eq!(codes(&resp), vec!["not_found"], "{query}: {resp}");
        let resp = app
            .graphql(Some(&a.token), query, json!({ "ws": wb, "id": id }))
            .await;
        assert_eq!(
            codes(&resp),
            vec!["not_found"],
            "{query} in B's workspace: {resp}"
        );
    }
    // B's workspace and each of its lists.
    for list in [
        "channels { items { id } }",
        "contacts { items { id } }",
        "conversations { items { id } }",
        "notifications { items { id } }",
    ] {
        let query = format!("query($ws: ID!) {{ workspace(id: $ws) {{ id {list} }} }}");
        let resp = app
            .graphql(Some(&a.token), &query, json!({ "ws": wb }))
            .await;
        refused(&resp, "not_found");
        assert!(resp["data"]["workspace"].is_null(), "{list}: {resp}");
    }
    // A's inbox filtered by B's objects is empty, as in REST.
    let query = "query($ws: ID!, $team: ID, $channel: ID, $contact: ID) { workspace(id: $ws) {
        conversations(teamId: $team, channelId: $channel, contactId: $contact) { items { id } } } }";
    for (key, id) in [
        ("team", &theirs.team),
        ("channel", &theirs.channel),
        ("contact", &theirs.contact),
    ] {
        let resp = app
            .graphql(Some(&a.token), query, json!({ "ws": wa, key: id }))
            .await;
        assert_eq!(
            data(&resp)["workspace"]["conversations"]["items"],
            json!([]),
            "{key}"
        );
    }

    // Mutations in A's workspace with B's ids, and in B's workspace.
    let mutations: Vec<(&str, Value)> = vec![
        (
            UPDATE_CHANNEL,
            json!({ "id": theirs.channel, "input": { "name": "x" } }),
        ),
        (DELETE_CHANNEL, json!({ "id": theirs.channel })),
        (CHECK_CHANNEL, json!({ "id": theirs.channel })),
        (
            UPDATE_CONTACT,
            json!({ "id": theirs.contact, "input": { "displayName": "x" } }),
        ),
        (DELETE_CONTACT, json!({ "id": theirs.contact })),
        (ERASE_CONTACT, json!({ "id": theirs.contact })),
        (
            MERGE_CONTACTS,
            json!({ "id": theirs.contact, "source": my_contact }),
        ),
        (
            UPDATE_CONVERSATION,
            json!({ "id": theirs.conversation, "input": { "status": "RESOLVED" } }),
        ),
        (
            SEND,
            json!({ "id": theirs.conversation, "input": { "kind": "NOTE", "text": "x" } }),
        ),
        (
            BULK,
            json!({ "ids": [theirs.conversation], "changes": { "addTags": ["x"] } }),
        ),
        (
            PUSH,
            json!({ "channel": theirs.channel, "input": { "platformMessageId": "p", "author": { "platformUserId": "u" }, "text": "x" } }),
        ),
        (MARK_READ, json!({ "id": theirs.notification })),
        (
            MERGE_CONTACTS,
            json!({ "id": my_contact, "source": theirs.contact }),
        ),
    ];
    for (query, mut vars) in mutations {
        vars["ws"] = json!(wa);
        let resp = app.graphql(Some(&a.token), query, vars.clone()).await;
        assert_eq!(codes(&resp), vec!["not_found"], "{query}: {resp}");
        vars["ws"] = json!(wb);
        let resp = app.graphql(Some(&a.token), query, vars).await;
        assert_eq!(
            codes(&resp),
            vec!["not_found"],
            "{query} in B's workspace: {resp}"
        );
    }
    // Creating in B's workspace, with B's own objects or none.
    let creations: Vec<(&str, Value)> = vec![
        (
            CREATE_CHANNEL,
            json!({ "input": { "kind": "API", "name": "sneaky" } }),
        ),
        (
            CREATE_CONTACT,
            json!({ "input": { "displayName": "sneaky" } }),
        ),
        (
            START,
            json!({ "input": { "contactId": theirs.contact, "channelId": theirs.channel, "text": "hi" } }),
        ),
    ];
    for (query, mut vars) in creations {
        vars["ws"] = json!(wb);
        let resp = app.graphql(Some(&a.token), query, vars).await;
        assert_eq!(codes(&resp), vec!["not_found"], "{query}: {resp}");
    }
    assert_eq!(
        unread_notifications(&app, &b, &theirs.member_token).await,
        std::slice::from_ref(&theirs.notification),
        "B's notification stays unread"
    );

    // B's objects as references in A's own objects are refused as REST refuses them.
    let vars = json!({ "ws": wa, "id": my_conversation, "input": { "assigneeId": theirs.member } });
    refused(
        &app.graphql(Some(&a.token), UPDATE_CONVERSATION, vars).await,
        "validation_failed",
    );
    let vars = json!({ "ws": wa, "id": my_conversation, "input": { "teamId": theirs.team } });
    refused(
        &app.graphql(Some(&a.token), UPDATE_CONVERSATION, vars).await,
        "validation_failed",
    );
    let vars = json!({ "ws": wa, "input": { "contactId": theirs.contact, "channelId": mine.channel, "text": "hi" } });
    refused(
        &app.graphql(Some(&a.token), START, vars).await,
        "validation_failed",
    );
    let vars = json!({ "ws": wa, "id": my_conversation, "input": { "kind": "NOTE", "text": "x", "mentions": [theirs.member] } });
    refused(
        &app.graphql(Some(&a.token), SEND, vars).await,
        "validation_failed",
    );

    assert_eq!(
        snapshot(&app, &their_desk, &theirs).await,
        before,
        "B changed"
    );
}

#[tokio::test]
async fn an_agent_restricted_to_assigned_conversations_reads_only_those() {
    let app = TestApp::spawn().await;
    let a = app.tenant("Acme").await;
    let desk = Desk::open(&app, &a).await;
    let (agent, agent_token) = app.member_with_role(&a, "agent").await;
    desk.agent_visibility(&app, "assigned").await;
    let theirs = str_of(&desk.push(&app, "ada", "not yours").await["id"]);
    let yours = str_of(&desk.push(&app, "grace", "yours").await["id"]);
    desk.patch(&app, &yours, json!({ "assignee_id": agent }))
        .await;
    let ws = &a.workspace_id;

    let vars = json!({ "ws": ws, "limit": 50 });
    let page = run(&app, &agent_token, PAGE_WITH_RELATIONS, vars, "workspace").await;
    assert_eq!(ids(&page["conversations"]["items"]), vec![yours.clone()]);
    let item = &page["conversations"]["items"][0];
    assert_eq!(item["lastMessage"]["text"], "yours");
    assert_eq!(item["assignee"]["userId"], agent.as_str());
    let rest = ok(app.get(&desk.ws("/conversations"), &agent_token).await, 200).await;
    assert_eq!(ids(&rest["items"]), vec![yours.clone()]);

    let one = "query($ws: ID!, $id: ID!) { workspace(id: $ws) { conversation(id: $id) { id messages { items { text } } } } }";
    let resp = app
        .graphql(Some(&agent_token), one, json!({ "ws": ws, "id": theirs }))
        .await;
    refused(&resp, "not_found");
    let resp = app
        .graphql(Some(&agent_token), one, json!({ "ws": ws, "id": yours }))
        .await;
    assert_eq!(
        data(&resp)["workspace"]["conversation"]["messages"]["items"][0]["text"],
        "yours"
    );
    let vars = json!({ "ws": ws, "id": theirs, "input": { "kind": "NOTE", "text": "peek" } });
    refused(
        &app.graphql(Some(&agent_token), SEND, vars).await,
        "not_found",
    );
    let vars = json!({ "ws": ws, "id": theirs, "input": { "assigneeId": agent } });
    refused(
        &app.graphql(Some(&agent_token), UPDATE_CONVERSATION, vars)
            .await,
        "not_found",
    );
}

#[tokio::test]
async fn roles_and_key_scopes_limit_care_fields_as_in_rest() {
    let app = TestApp::spawn().await;
    let a = app.tenant("Acme").await;
    let desk = Desk::open(&app, &a).await;
    let id = str_of(&desk.push(&app, "ada", "hello").await["id"]);
    let ws = &a.workspace_id;
    let (_, viewer) = app.member_with_role(&a, "viewer").await;

    // A viewer reads but does not write.
    let vars = json!({ "ws": ws, "id": id, "input": { "kind": "REPLY", "text": "hi" } });
    refused(&app.graphql(Some(&viewer), SEND, vars).await, "forbidden");
    let vars = json!({ "ws": ws, "input": { "kind": "API", "name": "mine" } });
    refused(
        &app.graphql(Some(&viewer), CREATE_CHANNEL, vars).await,
        "forbidden",
    );
    let gql = run(
        &app,
        &viewer,
        CONVERSATION,
        json!({ "ws": ws, "id": id }),
        "workspace",
    )
    .await;
    assert_eq!(gql["conversation"]["id"], id.as_str());

    // A key without `contacts:read` reads conversations, but not the contact relation.
    let (_, key) = app.api_key(&a, &["conversations:read"]).await;
    let query = "query($ws: ID!) { workspace(id: $ws) { conversations { items { id contactSummary { id } contact { id } } } } }";
    let resp = app.graphql(Some(&key), query, json!({ "ws": ws })).await;
    assert_eq!(codes(&resp), vec!["forbidden"]);
    let item = &resp["data"]["workspace"]["conversations"]["items"][0];
    assert_eq!(item["id"], id.as_str());
    assert_eq!(item["contact"], Value::Null);
    assert!(item["contactSummary"]["id"].is_string());
    // Notifications belong to people.
    let resp = app
        .graphql(Some(&key), NOTIFICATIONS, json!({ "ws": ws }))
        .await;
    refused(&resp, "forbidden");

    // The export holds contacts and conversations: a key needs both scopes to read it.
    let contact = str_of(&desk.push(&app, "bob", "my data?").await["contact"]["id"]);
    let vars = json!({ "ws": ws, "id": contact });
    for scopes in [&["conversations:read"][..], &["contacts:read"][..]] {
        let (_, key) = app.api_key(&a, scopes).await;
        let resp = app.graphql(Some(&key), CONTACT_EXPORT, vars.clone()).await;
        assert_eq!(codes(&resp), vec!["forbidden"], "{scopes:?}: {resp}");
    }
    let (_, both) = app
        .api_key(&a, &["conversations:read", "contacts:read"])
        .await;
    let export = run(&app, &both, CONTACT_EXPORT, vars, "workspace").await;
    assert_eq!(export["contactExport"]["contact"]["id"], contact.as_str());
    // A viewer reads it; an id that is no id, or no contact's, is not found.
    run(
        &app,
        &viewer,
        CONTACT_EXPORT,
        json!({ "ws": ws, "id": contact }),
        "workspace",
    )
    .await;
    for bad in ["not-a-uuid", &uuid::Uuid::new_v4().to_string()] {
        let vars = json!({ "ws": ws, "id": bad });
        let resp = app.graphql(Some(&a.token), CONTACT_EXPORT, vars).await;
        assert_eq!(codes(&resp), vec!["not_found"], "{bad}: {resp}");
    }
}
