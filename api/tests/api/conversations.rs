//! Conversations over real HTTP: reading one, the status machine, priority, tags and
//! assignment, proactive outreach, messages, notes with mentions, bulk changes, and what
//! another tenant's ids answer.
//!
//! Conversations are started the way customers start them: a partner pushes messages into
//! an `api` channel with a key holding `messages:ingest`.

use chrono::{Duration, Utc};
use earshot_testkit::{Tenant, TestApp, assert_problem, str_of};
use reqwest::Response;
use serde_json::{Value, json};

/// A workspace with an `api` channel and the secret of a key that pushes into it.
#[derive(Clone, Debug)]
pub(crate) struct Desk {
    pub t: Tenant,
    pub channel: String,
    pub ingest: String,
}

/// Asserts the status of an answer and returns its JSON body (`null` when there is none).
pub(crate) async fn ok(response: Response, status: u16) -> Value {
    let actual = response.status().as_u16();
    let body: Value = response.json().await.unwrap_or(Value::Null);
    assert_eq!(actual, status, "{body}");
    body
}

/// A customer message from the platform user `user`, private unless changed.
pub(crate) fn inbound(user: &str, text: &str) -> Value {
    json!({
        "platform_message_id": uuid::Uuid::new_v4().to_string(),
        "author": {
            "platform_user_id": format!("id-{user}"),
            "handle": format!("@{user}"),
            "display_name": format!("{user} Customer"),
            "follower_count": 120,
            "verified": false,
        },
        "text": text,
        "visibility": "private",
    })
}

/// The ids of the items of a page, in order.
pub(crate) fn ids_of(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|item| str_of(&item["id"]))
        .collect()
}

impl Desk {
    /// An `api` channel and an ingest key in the tenant's workspace.
    pub(crate) async fn open(app: &TestApp, t: &Tenant) -> Desk {
        let path = format!("/v1/workspaces/{}/channels", t.workspace_id);
        let body = json!({ "kind": "api", "name": "Partner feed" });
        let channel = str_of(&ok(app.post(&path, &t.token, body).await, 201).await["id"]);
        let (_, ingest) = app.api_key(t, &["messages:ingest"]).await;
        Desk {
            t: t.clone(),
            channel,
            ingest,
        }
    }

    /// `/v1/workspaces/{ws}`.
    pub(crate) fn ws(&self) -> String {
        format!("/v1/workspaces/{}", self.t.workspace_id)
    }

    /// The path of a conversation.
    pub(crate) fn conversation(&self, id: &str) -> String {
        format!("{}/conversations/{id}", self.ws())
    }

    /// Pushes a message into a channel; returns what ingesting it did.
    pub(crate) async fn push_to(&self, app: &TestApp, channel: &str, message: Value) -> Value {
        let path = format!("{}/channels/{channel}/inbound", self.ws());
        ok(app.post(&path, &self.ingest, message).await, 201).await
    }

    /// Pushes a message into the desk's channel; returns the conversation it joined.
    pub(crate) async fn push(&self, app: &TestApp, message: Value) -> Value {
        let channel = self.channel.clone();
        self.push_to(app, &channel, message).await["conversation"].clone()
    }

    /// A new customer writes a private message; returns the conversation's id.
    pub(crate) async fn customer(&self, app: &TestApp, user: &str, text: &str) -> String {
        str_of(&self.push(app, inbound(user, text)).await["id"])
    }

    /// A conversation as the owner reads it.
    pub(crate) async fn get(&self, app: &TestApp, id: &str) -> Value {
        ok(app.get(&self.conversation(id), &self.t.token).await, 200).await
    }

    /// Changes a conversation.
    pub(crate) async fn patch(
        &self,
        app: &TestApp,
        token: &str,
        id: &str,
        body: Value,
    ) -> Response {
        app.patch(&self.conversation(id), token, body).await
    }

    /// The messages of a conversation, one page of at most 200.
    pub(crate) async fn messages(&self, app: &TestApp, id: &str) -> Vec<Value> {
        let path = format!("{}/messages?limit=200", self.conversation(id));
        let page = ok(app.get(&path, &self.t.token).await, 200).await;
        page["items"].as_array().cloned().unwrap_or_default()
    }

    /// Posts a reply or note as the holder of `token`.
    pub(crate) async fn post_message(
        &self,
        app: &TestApp,
        token: &str,
        id: &str,
        body: Value,
    ) -> Response {
        let path = format!("{}/messages", self.conversation(id));
        app.post(&path, token, body).await
    }

    /// A team with these members; returns its id.
    pub(crate) async fn team(&self, app: &TestApp, name: &str, members: &[&str]) -> String {
        let path = format!("{}/teams", self.ws());
        let body = json!({ "name": name, "member_ids": members });
        str_of(&ok(app.post(&path, &self.t.token, body).await, 201).await["id"])
    }

    /// Sets the workspace's `agent_visibility`.
    pub(crate) async fn agent_visibility(&self, app: &TestApp, value: &str) {
        let body = json!({ "agent_visibility": value });
        ok(app.patch(&self.ws(), &self.t.token, body).await, 200).await;
    }
}

async fn desk() -> (TestApp, Desk) {
    let app = TestApp::spawn().await;
    let t = app.tenant("Acme").await;
    let desk = Desk::open(&app, &t).await;
    (app, desk)
}

// --- reading and changing one conversation ----------------------------------------------

#[tokio::test]
async fn a_conversation_reads_back_with_its_contact_and_channel() {
    let (app, desk) = desk().await;
    let mut message = inbound("ada", "Where is my parcel?");
    message["visibility"] = json!("public");
    let pushed = desk.push(&app, message).await;
    let id = str_of(&pushed["id"]);
    let got = desk.get(&app, &id).await;
    assert_eq!(got, pushed);
    assert_eq!(got["status"], "open");
    assert_eq!(got["visibility"], "public");
    assert_eq!(got["channel_id"], desk.channel.as_str());
    assert_eq!(got["channel_kind"], "api");
    assert_eq!(got["contact"]["display_name"], "ada Customer");
    assert_eq!(got["contact"]["handle"], "@ada");
    assert_eq!(got["message_count"], 1);
    assert!(got["assignee_id"].is_null() && got["team_id"].is_null());
    assert_eq!(got["tags"], json!([]));
}

#[tokio::test]
async fn the_status_follows_the_machine_and_closed_is_final() {
    let (app, desk) = desk().await;
    let id = desk.customer(&app, "ada", "Where is my parcel?").await;
    let token = desk.t.token.clone();
    let patch = |body: Value| desk.patch(&app, &token, &id, body);
    let pending = ok(patch(json!({ "status": "pending" })).await, 200).await;
    assert_eq!(pending["status"], "pending");
    let past = (Utc::now() - Duration::hours(1)).to_rfc3339();
    for body in [
        json!({ "status": "snoozed" }),
        json!({ "status": "snoozed", "snoozed_until": past }),
    ] {
        let problem = assert_problem(patch(body).await, 422, "validation_failed").await;
        assert_eq!(problem["errors"][0]["field"], "snoozed_until", "{problem}");
    }
    let until = (Utc::now() + Duration::hours(4)).to_rfc3339();
    for body in [
        json!({ "snoozed_until": until }),
        json!({ "status": "open", "snoozed_until": until }),
    ] {
        let problem = assert_problem(patch(body).await, 422, "validation_failed").await;
        assert_eq!(problem["errors"][0]["code"], "not_snoozed", "{problem}");
    }
    assert_eq!(desk.get(&app, &id).await["status"], "pending");
    let body = json!({ "status": "snoozed", "snoozed_until": until });
    let snoozed = ok(patch(body).await, 200).await;
    assert_eq!(snoozed["status"], "snoozed");
    assert!(snoozed["snoozed_until"].is_string(), "{snoozed}");
    assert!(snoozed["resolved_at"].is_null());
    let later = Utc::now() + Duration::days(2);
    let moved = ok(
        patch(json!({ "snoozed_until": later.to_rfc3339() })).await,
        200,
    )
    .await;
    assert_eq!(moved["status"], "snoozed");
    let wakes: chrono::DateTime<Utc> =
        serde_json::from_value(moved["snoozed_until"].clone()).unwrap();
    assert!((wakes - later).num_seconds().abs() < 1, "{moved}");
    let resolved = ok(patch(json!({ "status": "resolved" })).await, 200).await;
    assert_eq!(resolved["status"], "resolved");
    assert!(resolved["resolved_at"].is_string(), "{resolved}");
    assert!(resolved["snoozed_until"].is_null(), "{resolved}");
    let closed = ok(patch(json!({ "status": "closed" })).await, 200).await;
    assert_eq!(closed["status"], "closed");
    for to in ["open", "pending", "resolved", "snoozed"] {
        let body = json!({ "status": to, "snoozed_until": until });
        let problem = assert_problem(patch(body).await, 422, "validation_failed").await;
        assert_eq!(problem["errors"][0]["field"], "status", "{problem}");
        assert_eq!(
            problem["errors"][0]["code"], "invalid_transition",
            "{problem}"
        );
    }
    let unknown = patch(json!({ "status": "archived" })).await;
    assert_problem(unknown, 422, "validation_failed").await;
    assert_eq!(desk.get(&app, &id).await, closed);
}

#[tokio::test]
async fn a_priority_set_by_hand_stays_and_is_no_longer_automatic() {
    let (app, desk) = desk().await;
    let id = desk.customer(&app, "ada", "Where is my parcel?").await;
    assert_eq!(desk.get(&app, &id).await["priority_auto"], true);
    let body = json!({ "priority": "low" });
    let set = ok(desk.patch(&app, &desk.t.token, &id, body).await, 200).await;
    assert_eq!(
        (&set["priority"], &set["priority_auto"]),
        (&json!("low"), &json!(false))
    );
    let mut angry = inbound(
        "ada",
        "Worst service ever, 3rd outage this week! I am furious",
    );
    angry["author"]["follower_count"] = json!(50_000);
    angry["author"]["verified"] = json!(true);
    let joined = desk.push(&app, angry).await;
    assert_eq!(str_of(&joined["id"]), id);
    assert_eq!(joined["priority"], "low", "{joined}");
    assert_eq!(joined["priority_auto"], false);
    let unknown = desk
        .patch(&app, &desk.t.token, &id, json!({ "priority": "asap" }))
        .await;
    assert_problem(unknown, 422, "validation_failed").await;
}

#[tokio::test]
async fn tags_are_trimmed_and_deduplicated_and_bad_tags_change_nothing() {
    let (app, desk) = desk().await;
    let id = desk.customer(&app, "ada", "Where is my parcel?").await;
    let token = desk.t.token.clone();
    let patch = |body: Value| desk.patch(&app, &token, &id, body);
    let body = json!({ "add_tags": ["  vip ", "vip", "refund", "vip  "] });
    let tagged = ok(patch(body).await, 200).await;
    assert_eq!(tagged["tags"], json!(["refund", "vip"]));
    let body = json!({ "add_tags": ["late"], "remove_tags": [" refund "] });
    let changed = ok(patch(body).await, 200).await;
    assert_eq!(changed["tags"], json!(["late", "vip"]));
    let before = desk.get(&app, &id).await;
    let huge = "x".repeat(10 * 1024);
    let many: Vec<String> = (0..51).map(|i| format!("tag-{i}")).collect();
    let bad = [
        json!({ "add_tags": [huge], "status": "pending" }),
        json!({ "add_tags": ["ok", "   "] }),
        json!({ "add_tags": ["line\nbreak"] }),
        json!({ "add_tags": many, "priority": "urgent" }),
        json!({ "remove_tags": ["y".repeat(65)] }),
    ];
    for body in bad {
        let problem = assert_problem(patch(body.clone()).await, 422, "validation_failed").await;
        assert!(
            problem["errors"][0]["field"].as_str().is_some(),
            "{problem}"
        );
    }
    // 48 more fit; then the fifty-first tag overflows the conversation, in one call or two.
    let fill: Vec<String> = (0..48).map(|i| format!("t{i:02}")).collect();
    let full = ok(patch(json!({ "add_tags": fill })).await, 200).await;
    assert_eq!(full["tags"].as_array().map(Vec::len), Some(50));
    let problem = assert_problem(
        patch(json!({ "add_tags": ["one-too-many"] })).await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(problem["errors"][0]["code"], "too_many");
    assert_eq!(desk.get(&app, &id).await["tags"], full["tags"]);
    let kept = ok(patch(json!({ "remove_tags": ["t00"] })).await, 200).await;
    assert_eq!(kept["tags"].as_array().map(Vec::len), Some(49));
    assert_ne!(before["tags"], kept["tags"]);
}

#[tokio::test]
async fn an_assignee_or_team_from_another_workspace_is_refused_and_nothing_changes() {
    let (app, a, b) = TestApp::two_workspaces().await;
    let desk = Desk::open(&app, &a).await;
    let id = desk.customer(&app, "ada", "Where is my parcel?").await;
    let (stranger, _) = app.member_with_role(&b, "agent").await;
    let other = Desk::open(&app, &b).await;
    let foreign_team = other.team(&app, "Their team", &[]).await;
    let before = desk.get(&app, &id).await;
    let cases = [
        (
            json!({ "assignee_id": stranger, "status": "pending" }),
            "assignee_id",
            "not_a_member",
        ),
        (
            json!({ "assignee_id": uuid::Uuid::new_v4() }),
            "assignee_id",
            "not_a_member",
        ),
        (
            json!({ "team_id": foreign_team, "priority": "high" }),
            "team_id",
            "unknown_team",
        ),
        (
            json!({ "team_id": uuid::Uuid::new_v4() }),
            "team_id",
            "unknown_team",
        ),
    ];
    for (body, field, code) in cases {
        let response = desk.patch(&app, &a.token, &id, body).await;
        let problem = assert_problem(response, 422, "validation_failed").await;
        assert_eq!(problem["errors"][0]["field"], field, "{problem}");
        assert_eq!(problem["errors"][0]["code"], code, "{problem}");
    }
    let malformed = desk
        .patch(&app, &a.token, &id, json!({ "assignee_id": "bob" }))
        .await;
    assert_problem(malformed, 422, "validation_failed").await;
    assert_eq!(desk.get(&app, &id).await, before);
    let audit = format!("{}/audit-log?action=conversation.updated", desk.ws());
    assert_eq!(
        ok(app.get(&audit, &a.token).await, 200).await["items"],
        json!([])
    );
}

#[tokio::test]
async fn an_agent_assigns_only_to_itself_or_its_teams() {
    let (app, desk) = desk().await;
    let id = desk.customer(&app, "ada", "Where is my parcel?").await;
    let (agent, agent_token) = app.member_with_role(&desk.t, "agent").await;
    let (colleague, _) = app.member_with_role(&desk.t, "agent").await;
    let (_, supervisor) = app.member_with_role(&desk.t, "supervisor").await;
    let mine = desk.team(&app, "Mine", &[&agent]).await;
    let theirs = desk.team(&app, "Theirs", &[&colleague]).await;
    let before = desk.get(&app, &id).await;
    for body in [
        json!({ "assignee_id": colleague }),
        json!({ "team_id": theirs }),
        json!({ "assignee_id": agent, "team_id": theirs }),
    ] {
        let response = desk.patch(&app, &agent_token, &id, body).await;
        assert_problem(response, 403, "forbidden").await;
    }
    assert_eq!(desk.get(&app, &id).await, before);
    let body = json!({ "assignee_id": agent, "team_id": mine });
    let taken = ok(desk.patch(&app, &agent_token, &id, body).await, 200).await;
    assert_eq!(
        (&taken["assignee_id"], &taken["team_id"]),
        (&json!(agent), &json!(mine))
    );
    let body = json!({ "assignee_id": null, "team_id": null });
    let released = ok(desk.patch(&app, &agent_token, &id, body).await, 200).await;
    assert!(released["assignee_id"].is_null() && released["team_id"].is_null());
    let body = json!({ "assignee_id": colleague, "team_id": theirs });
    let given = ok(desk.patch(&app, &supervisor, &id, body).await, 200).await;
    assert_eq!(given["assignee_id"], colleague.as_str());
}

#[tokio::test]
async fn a_viewer_can_read_but_change_nothing() {
    let (app, desk) = desk().await;
    let id = desk.customer(&app, "ada", "Where is my parcel?").await;
    let (viewer_id, viewer) = app.member_with_role(&desk.t, "viewer").await;
    let before = desk.get(&app, &id).await;
    let until = (Utc::now() + Duration::hours(1)).to_rfc3339();
    for body in [
        json!({ "status": "resolved" }),
        json!({ "status": "snoozed", "snoozed_until": until }),
        json!({ "priority": "urgent" }),
        json!({ "add_tags": ["seen"] }),
        json!({ "remove_tags": ["seen"] }),
        json!({ "assignee_id": viewer_id }),
        json!({ "team_id": null }),
        json!({}),
    ] {
        let response = desk.patch(&app, &viewer, &id, body).await;
        assert_problem(response, 403, "forbidden").await;
    }
    for body in [
        json!({ "kind": "reply", "text": "Hello" }),
        json!({ "kind": "note", "text": "Hello" }),
    ] {
        let response = desk.post_message(&app, &viewer, &id, body).await;
        assert_problem(response, 403, "forbidden").await;
    }
    let bulk = format!("{}/conversations/bulk", desk.ws());
    let body = json!({ "ids": [id], "changes": { "status": "closed" } });
    assert_problem(app.post(&bulk, &viewer, body).await, 403, "forbidden").await;
    assert_eq!(
        ok(app.get(&desk.conversation(&id), &viewer).await, 200).await,
        before
    );
    assert_eq!(desk.get(&app, &id).await, before);
}

#[tokio::test]
async fn every_change_lands_in_the_audit_log() {
    let (app, desk) = desk().await;
    let id = desk.customer(&app, "ada", "Where is my parcel?").await;
    let (agent, agent_token) = app.member_with_role(&desk.t, "agent").await;
    let changes = [
        (desk.t.token.clone(), json!({ "status": "pending" })),
        (
            desk.t.token.clone(),
            json!({ "priority": "high", "add_tags": ["vip"] }),
        ),
        (agent_token.clone(), json!({ "assignee_id": agent })),
    ];
    for (token, body) in &changes {
        ok(desk.patch(&app, token, &id, body.clone()).await, 200).await;
    }
    let bulk = format!("{}/conversations/bulk", desk.ws());
    let body = json!({ "ids": [id], "changes": { "remove_tags": ["vip"] } });
    ok(app.post(&bulk, &agent_token, body).await, 200).await;
    let path = format!("{}/audit-log?action=conversation.updated", desk.ws());
    let entries = ok(app.get(&path, &desk.t.token).await, 200).await;
    let entries = entries["items"].as_array().cloned().unwrap_or_default();
    assert_eq!(entries.len(), 4, "{entries:?}");
    for entry in &entries {
        assert_eq!(entry["target_kind"], "conversation");
        assert_eq!(entry["target_id"], id.as_str());
    }
    // Newest first: the bulk change by the agent, then the agent's assignment.
    assert_eq!(entries[0]["actor"]["id"], agent.as_str());
    assert_eq!(entries[0]["details"]["remove_tags"], json!(["vip"]));
    assert_eq!(entries[1]["details"]["assignee_id"], agent.as_str());
    assert_eq!(entries[3]["actor"]["id"], desk.t.user_id.as_str());
    assert_eq!(entries[3]["details"]["status"], "pending");
}

// --- proactive outreach -------------------------------------------------------------------

async fn contact(app: &TestApp, desk: &Desk, kind: &str, user: &str) -> String {
    let body = json!({
        "display_name": format!("{user} Customer"),
        "identities": [{ "channel_kind": kind, "platform_user_id": format!("id-{user}") }],
    });
    let path = format!("{}/contacts", desk.ws());
    str_of(&ok(app.post(&path, &desk.t.token, body).await, 201).await["id"])
}

async fn inbox_ids(app: &TestApp, desk: &Desk) -> Vec<String> {
    let path = format!("{}/conversations?limit=200", desk.ws());
    ids_of(&ok(app.get(&path, &desk.t.token).await, 200).await)
}

#[tokio::test]
async fn starting_a_conversation_stores_its_first_message() {
    let (app, desk) = desk().await;
    let ada = contact(&app, &desk, "api", "ada").await;
    let (agent, agent_token) = app.member_with_role(&desk.t, "agent").await;
    let path = format!("{}/conversations", desk.ws());
    let body = json!({
        "contact_id": ada, "channel_id": desk.channel, "text": "Your refund is on its way",
        "assignee_id": agent,
    });
    let started = ok(app.post(&path, &agent_token, body).await, 201).await;
    let id = str_of(&started["id"]);
    assert_eq!(started["status"], "open");
    assert_eq!(started["visibility"], "private");
    assert_eq!(started["contact"]["id"], ada.as_str());
    assert_eq!(started["assignee_id"], agent.as_str());
    assert_eq!(started["message_count"], 1);
    assert_eq!(desk.get(&app, &id).await, started);
    let messages = desk.messages(&app, &id).await;
    assert_eq!(messages.len(), 1);
    let first = &messages[0];
    assert_eq!(first["direction"], "outbound");
    // Handed to the partner through the API (the api channel has no callback URL).
    assert_eq!(first["delivery_status"], "sent");
    assert_eq!(first["visibility"], "private");
    assert_eq!(first["text"], "Your refund is on its way");
    assert_eq!(first["author"]["user_id"], agent.as_str());
    assert_eq!(inbox_ids(&app, &desk).await, vec![id]);
}

#[tokio::test]
async fn an_agent_who_sees_only_its_own_conversations_is_given_the_one_it_starts() {
    let (app, desk) = desk().await;
    let ada = contact(&app, &desk, "api", "ada").await;
    let (agent, agent_token) = app.member_with_role(&desk.t, "agent").await;
    let team = desk.team(&app, "Refunds", &[&agent]).await;
    let path = format!("{}/conversations", desk.ws());
    let start = |extra: Value| {
        let mut body = json!({ "contact_id": ada, "channel_id": desk.channel, "text": "Hi!" });
        body.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        body
    };
    desk.agent_visibility(&app, "assigned").await;
    let own = ok(app.post(&path, &agent_token, start(json!({}))).await, 201).await;
    assert_eq!(own["assignee_id"], agent.as_str());
    let read = format!("{}/conversations/{}", desk.ws(), str_of(&own["id"]));
    ok(app.get(&read, &agent_token).await, 200).await;
    // Seeing its teams', an agent who names its team leaves the conversation to the team.
    desk.agent_visibility(&app, "team").await;
    let teams = ok(
        app.post(&path, &agent_token, start(json!({ "team_id": team })))
            .await,
        201,
    )
    .await;
    assert_eq!(teams["assignee_id"], Value::Null);
    assert_eq!(teams["team_id"], team.as_str());
    let unnamed = ok(app.post(&path, &agent_token, start(json!({}))).await, 201).await;
    assert_eq!(unnamed["assignee_id"], agent.as_str());
    // Those who see every conversation start them unassigned.
    desk.agent_visibility(&app, "all").await;
    let open = ok(app.post(&path, &agent_token, start(json!({}))).await, 201).await;
    assert_eq!(open["assignee_id"], Value::Null);
    let by_owner = ok(app.post(&path, &desk.t.token, start(json!({}))).await, 201).await;
    assert_eq!(by_owner["assignee_id"], Value::Null);
}

#[tokio::test]
async fn a_disabled_channel_starts_no_conversation() {
    let (app, desk) = desk().await;
    let ada = contact(&app, &desk, "api", "ada").await;
    let channel = format!("{}/channels/{}", desk.ws(), desk.channel);
    ok(
        app.patch(&channel, &desk.t.token, json!({ "health": "disabled" }))
            .await,
        200,
    )
    .await;
    let path = format!("{}/conversations", desk.ws());
    let body = json!({ "contact_id": ada, "channel_id": desk.channel, "text": "Hello" });
    assert_problem(
        app.post(&path, &desk.t.token, body).await,
        409,
        "channel_disabled",
    )
    .await;
    assert!(inbox_ids(&app, &desk).await.is_empty());
}

#[tokio::test]
async fn a_contact_without_an_identity_on_the_channels_platform_cannot_be_reached() {
    let (app, desk) = desk().await;
    let on_x = contact(&app, &desk, "x", "ada").await;
    let path = format!("{}/conversations", desk.ws());
    let body = json!({ "contact_id": on_x, "channel_id": desk.channel, "text": "Hello" });
    let problem = assert_problem(
        app.post(&path, &desk.t.token, body).await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(problem["errors"][0]["code"], "no_identity_on_channel");
    let bare = format!("{}/contacts", desk.ws());
    let bare = ok(
        app.post(&bare, &desk.t.token, json!({ "display_name": "Nobody" }))
            .await,
        201,
    )
    .await;
    let body = json!({ "contact_id": bare["id"], "channel_id": desk.channel, "text": "Hello" });
    let problem = assert_problem(
        app.post(&path, &desk.t.token, body).await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(problem["errors"][0]["code"], "no_identity_on_channel");
    assert!(inbox_ids(&app, &desk).await.is_empty());
}

#[tokio::test]
async fn another_workspaces_contact_or_channel_cannot_start_a_conversation() {
    let (app, a, b) = TestApp::two_workspaces().await;
    let (here, there) = (Desk::open(&app, &a).await, Desk::open(&app, &b).await);
    let ours = contact(&app, &here, "api", "ada").await;
    let theirs = contact(&app, &there, "api", "bob").await;
    let path = format!("{}/conversations", here.ws());
    let cases = [
        (
            json!({ "contact_id": theirs, "channel_id": here.channel, "text": "Hi" }),
            "contact_id",
        ),
        (
            json!({ "contact_id": ours, "channel_id": there.channel, "text": "Hi" }),
            "channel_id",
        ),
        (
            json!({ "contact_id": theirs, "channel_id": there.channel, "text": "Hi" }),
            "channel_id",
        ),
        (
            json!({ "contact_id": uuid::Uuid::new_v4(), "channel_id": here.channel, "text": "Hi" }),
            "contact_id",
        ),
    ];
    for (body, field) in cases {
        let problem = assert_problem(
            app.post(&path, &a.token, body).await,
            422,
            "validation_failed",
        )
        .await;
        assert_eq!(problem["errors"][0]["field"], field, "{problem}");
    }
    let elsewhere = format!("{}/conversations", there.ws());
    let body = json!({ "contact_id": theirs, "channel_id": there.channel, "text": "Hi" });
    assert_problem(app.post(&elsewhere, &a.token, body).await, 404, "not_found").await;
    let (stranger, _) = app.member_with_role(&b, "agent").await;
    let body = json!({ "contact_id": ours, "channel_id": here.channel, "text": "Hi", "assignee_id": stranger });
    assert_problem(
        app.post(&path, &a.token, body).await,
        422,
        "validation_failed",
    )
    .await;
    assert!(inbox_ids(&app, &here).await.is_empty());
    assert!(inbox_ids(&app, &there).await.is_empty());
}

// --- messages ---------------------------------------------------------------------------

#[tokio::test]
async fn the_history_pages_oldest_first_and_walks_every_message_once() {
    let (app, desk) = desk().await;
    let id = desk.customer(&app, "ada", "message 0").await;
    for i in 1..4 {
        let joined = desk
            .push(&app, inbound("ada", &format!("message {i}")))
            .await;
        assert_eq!(str_of(&joined["id"]), id);
    }
    for (i, kind) in [(4, "reply"), (5, "note"), (6, "reply")] {
        let body = json!({ "kind": kind, "text": format!("message {i}") });
        ok(desk.post_message(&app, &desk.t.token, &id, body).await, 201).await;
    }
    let all = desk.messages(&app, &id).await;
    let texts: Vec<String> = all.iter().map(|m| str_of(&m["text"])).collect();
    let expected: Vec<String> = (0..7).map(|i| format!("message {i}")).collect();
    assert_eq!(texts, expected);
    assert_eq!(desk.get(&app, &id).await["message_count"], 7);
    let mut walked = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut path = format!("{}/messages?limit=3", desk.conversation(&id));
        if let Some(c) = &cursor {
            path.push_str(&format!("&cursor={c}"));
        }
        let page = ok(app.get(&path, &desk.t.token).await, 200).await;
        walked.extend(ids_of(&page));
        cursor = page["next_cursor"].as_str().map(String::from);
        if cursor.is_none() {
            break;
        }
    }
    let all_ids: Vec<String> = all.iter().map(|m| str_of(&m["id"])).collect();
    assert_eq!(walked, all_ids);
    let path = format!("{}/messages?cursor=AAAA", desk.conversation(&id));
    assert_problem(app.get(&path, &desk.t.token).await, 400, "invalid_cursor").await;
    let path = format!("{}/messages?limit=201", desk.conversation(&id));
    assert_problem(app.get(&path, &desk.t.token).await, 400, "invalid_query").await;
}

#[tokio::test]
async fn a_private_reply_keeps_the_conversation_public() {
    let (app, desk) = desk().await;
    let mut message = inbound("ada", "@Brand my parcel is late");
    message["visibility"] = json!("public");
    let id = str_of(&desk.push(&app, message).await["id"]);
    let (agent, agent_token) = app.member_with_role(&desk.t, "agent").await;
    let body = json!({ "kind": "reply", "text": "Sorry to hear that" });
    let public = ok(desk.post_message(&app, &agent_token, &id, body).await, 201).await;
    let body = json!({ "kind": "reply", "text": "Sending you a DM", "visibility": "private" });
    let private = ok(desk.post_message(&app, &agent_token, &id, body).await, 201).await;
    for (reply, visibility) in [(&public, "public"), (&private, "private")] {
        assert_eq!(reply["direction"], "outbound");
        assert_eq!(reply["visibility"], visibility);
        assert_eq!(reply["delivery_status"], "sent");
        assert_eq!(reply["conversation_id"], id.as_str());
        assert_eq!(reply["author"]["kind"], "user");
        assert_eq!(reply["author"]["user_id"], agent.as_str());
    }
    let conversation = desk.get(&app, &id).await;
    assert_eq!(conversation["visibility"], "public");
    assert_eq!(conversation["message_count"], 3);
    let stored = desk.messages(&app, &id).await;
    assert_eq!(stored[1], public);
    assert_eq!(stored[2], private);
}

#[tokio::test]
async fn a_closed_conversation_takes_no_reply() {
    let (app, desk) = desk().await;
    let id = desk.customer(&app, "ada", "Thanks, all good").await;
    ok(
        desk.patch(&app, &desk.t.token, &id, json!({ "status": "closed" }))
            .await,
        200,
    )
    .await;
    let before = desk.get(&app, &id).await;
    for visibility in ["public", "private"] {
        let body = json!({ "kind": "reply", "text": "One more thing", "visibility": visibility });
        let response = desk.post_message(&app, &desk.t.token, &id, body).await;
        assert_problem(response, 409, "conversation_closed").await;
    }
    assert_eq!(desk.get(&app, &id).await, before);
    assert_eq!(desk.messages(&app, &id).await.len(), 1);
}

async fn notifications(app: &TestApp, desk: &Desk, token: &str, unread: bool) -> Vec<Value> {
    let path = format!("{}/notifications?unread={unread}", desk.ws());
    let page = ok(app.get(&path, token).await, 200).await;
    page["items"].as_array().cloned().unwrap_or_default()
}

#[tokio::test]
async fn a_note_notifies_each_mentioned_colleague_but_not_its_author() {
    let (app, desk) = desk().await;
    let id = desk.customer(&app, "ada", "Where is my parcel?").await;
    let (agent, agent_token) = app.member_with_role(&desk.t, "agent").await;
    let (supervisor, supervisor_token) = app.member_with_role(&desk.t, "supervisor").await;
    let (_, bystander) = app.member_with_role(&desk.t, "agent").await;
    let mentions = json!([agent, supervisor, desk.t.user_id, agent]);
    let body = json!({ "kind": "note", "text": "Can one of you check?", "mentions": mentions });
    let note = ok(desk.post_message(&app, &desk.t.token, &id, body).await, 201).await;
    assert_eq!(note["direction"], "note");
    assert!(note["visibility"].is_null() && note["delivery_status"].is_null());
    assert_eq!(note["mentions"].as_array().map(Vec::len), Some(3));
    assert!(
        notifications(&app, &desk, &desk.t.token, false)
            .await
            .is_empty()
    );
    assert!(
        notifications(&app, &desk, &bystander, false)
            .await
            .is_empty()
    );
    let theirs = notifications(&app, &desk, &supervisor_token, true).await;
    assert_eq!(theirs.len(), 1);
    let mine = notifications(&app, &desk, &agent_token, true).await;
    assert_eq!(mine.len(), 1, "{mine:?}");
    assert_eq!(mine[0]["kind"], "mention");
    assert_eq!(mine[0]["conversation_id"], id.as_str());
    assert_eq!(mine[0]["message_id"], note["id"]);
    assert!(mine[0]["read_at"].is_null());
    let read = format!(
        "{}/notifications/{}/read",
        desk.ws(),
        str_of(&mine[0]["id"])
    );
    let response = app.post(&read, &supervisor_token, json!({})).await;
    assert_problem(response, 404, "not_found").await;
    assert_eq!(app.post(&read, &agent_token, json!({})).await.status(), 204);
    assert!(
        notifications(&app, &desk, &agent_token, true)
            .await
            .is_empty()
    );
    let all = notifications(&app, &desk, &agent_token, false).await;
    assert!(all[0]["read_at"].is_string(), "{all:?}");
    assert_eq!(
        notifications(&app, &desk, &supervisor_token, true).await,
        theirs
    );
    let path = format!("{}/notifications", desk.ws());
    assert_problem(app.get(&path, &desk.ingest).await, 403, "forbidden").await;
}

#[tokio::test]
async fn a_mention_of_someone_outside_the_workspace_is_refused_and_nothing_is_stored() {
    let (app, a, b) = TestApp::two_workspaces().await;
    let desk = Desk::open(&app, &a).await;
    let id = desk.customer(&app, "ada", "Where is my parcel?").await;
    let (agent, agent_token) = app.member_with_role(&a, "agent").await;
    let (stranger, stranger_token) = app.member_with_role(&b, "agent").await;
    for outsider in [stranger.clone(), uuid::Uuid::new_v4().to_string()] {
        let body = json!({ "kind": "note", "text": "Look", "mentions": [agent, outsider] });
        let response = desk.post_message(&app, &a.token, &id, body).await;
        let problem = assert_problem(response, 422, "validation_failed").await;
        assert_eq!(problem["errors"][0]["field"], "mentions[1]", "{problem}");
        assert_eq!(problem["errors"][0]["code"], "not_a_member", "{problem}");
    }
    assert_eq!(desk.messages(&app, &id).await.len(), 1);
    assert!(
        notifications(&app, &desk, &agent_token, false)
            .await
            .is_empty()
    );
    let theirs = format!("/v1/workspaces/{}/notifications", b.workspace_id);
    let page = ok(app.get(&theirs, &stranger_token).await, 200).await;
    assert_eq!(page["items"], json!([]));
}

#[tokio::test]
async fn bad_message_bodies_answer_a_problem_and_store_nothing() {
    let (app, desk) = desk().await;
    let id = desk.customer(&app, "ada", "Where is my parcel?").await;
    let before = desk.get(&app, &id).await;
    let long = "a".repeat(30_000);
    let cases = [
        (
            json!({ "kind": "shout", "text": "Hello" }),
            422,
            "validation_failed",
        ),
        (json!({ "text": "Hello" }), 422, "validation_failed"),
        (json!({ "kind": "reply" }), 422, "validation_failed"),
        (
            json!({ "kind": "reply", "text": 42 }),
            422,
            "validation_failed",
        ),
        (
            json!({ "kind": "reply", "text": "Hi", "visibility": "secret" }),
            422,
            "validation_failed",
        ),
        (
            json!({ "kind": "note", "text": "Hi", "mentions": ["bob"] }),
            422,
            "validation_failed",
        ),
        (
            json!({ "kind": "reply", "text": "" }),
            422,
            "validation_failed",
        ),
        (
            json!({ "kind": "note", "text": " \n\t " }),
            422,
            "validation_failed",
        ),
        (
            json!({ "kind": "reply", "text": long }),
            422,
            "validation_failed",
        ),
        (
            json!({ "kind": "note", "text": long }),
            422,
            "validation_failed",
        ),
        (
            json!({ "kind": "reply", "text": "Hi", "attachments": [{ "type": "image", "url": "file:///etc/passwd" }] }),
            422,
            "validation_failed",
        ),
    ];
    for (body, status, code) in cases {
        let response = desk
            .post_message(&app, &desk.t.token, &id, body.clone())
            .await;
        let label = body.to_string();
        let problem = assert_problem(response, status, code).await;
        assert!(problem["detail"].is_string(), "{label}: {problem}");
    }
    let path = format!("{}/messages", desk.conversation(&id));
    let response = app
        .client
        .post(app.url(&path))
        .bearer_auth(&desk.t.token)
        .header("content-type", "application/json")
        .body("{\"kind\": \"reply\", \"text\": ")
        .send()
        .await
        .unwrap();
    assert_problem(response, 400, "malformed_json").await;
    assert_eq!(desk.get(&app, &id).await, before);
    assert_eq!(desk.messages(&app, &id).await.len(), 1);
}

// --- bulk changes -----------------------------------------------------------------------

fn bulk_path(desk: &Desk) -> String {
    format!("{}/conversations/bulk", desk.ws())
}

#[tokio::test]
async fn a_bulk_change_applies_to_every_conversation_named() {
    let (app, desk) = desk().await;
    let mut ids = Vec::new();
    for user in ["ada", "bob", "cat", "dan"] {
        ids.push(desk.customer(&app, user, "Where is my parcel?").await);
    }
    let (agent, _) = app.member_with_role(&desk.t, "agent").await;
    let team = desk.team(&app, "Parcels", &[&agent]).await;
    let chosen = &ids[..3];
    let body = json!({
        "ids": [chosen[0], chosen[1], chosen[2], chosen[0]],
        "changes": { "assignee_id": agent, "team_id": team, "add_tags": ["parcel"], "status": "pending" },
    });
    let changed = ok(app.post(&bulk_path(&desk), &desk.t.token, body).await, 200).await;
    let mut returned = ids_of(&changed);
    returned.sort();
    let mut expected = chosen.to_vec();
    expected.sort();
    assert_eq!(returned, expected);
    for id in chosen {
        let got = desk.get(&app, id).await;
        assert_eq!(got["status"], "pending");
        assert_eq!(got["assignee_id"], agent.as_str());
        assert_eq!(got["team_id"], team.as_str());
        assert_eq!(got["tags"], json!(["parcel"]));
    }
    let untouched = desk.get(&app, &ids[3]).await;
    assert_eq!(untouched["status"], "open");
    assert_eq!(untouched["tags"], json!([]));
}

#[tokio::test]
async fn a_bulk_change_is_all_or_none() {
    let (app, a, b) = TestApp::two_workspaces().await;
    let desk = Desk::open(&app, &a).await;
    let other = Desk::open(&app, &b).await;
    let mut ids = Vec::new();
    for user in ["ada", "bob", "cat"] {
        ids.push(desk.customer(&app, user, "Where is my parcel?").await);
    }
    let closed = desk.customer(&app, "dan", "All good, thanks").await;
    ok(
        desk.patch(&app, &a.token, &closed, json!({ "status": "closed" }))
            .await,
        200,
    )
    .await;
    let foreign = other.customer(&app, "eve", "Hello").await;
    let (agent, agent_token) = app.member_with_role(&a, "agent").await;
    ok(
        desk.patch(&app, &a.token, &ids[0], json!({ "assignee_id": agent }))
            .await,
        200,
    )
    .await;
    let mut snapshot = Vec::new();
    for id in ids.iter().chain([&closed]) {
        snapshot.push(desk.get(&app, id).await);
    }
    let their_before = other.get(&app, &foreign).await;
    let change = json!({ "status": "resolved", "add_tags": ["done"] });
    let with = |extra: &str| json!({ "ids": [ids[0], ids[1], extra, ids[2]], "changes": change });
    let random = uuid::Uuid::new_v4().to_string();
    let cases = [
        (a.token.clone(), with(&foreign), 404, "not_found"),
        (a.token.clone(), with(&random), 404, "not_found"),
        (
            a.token.clone(),
            with("not-a-uuid"),
            422,
            "validation_failed",
        ),
        (a.token.clone(), with(&closed), 422, "validation_failed"),
        (
            a.token.clone(),
            json!({ "ids": [ids[0], ids[1]], "changes": { "add_tags": ["x".repeat(10_000)] } }),
            422,
            "validation_failed",
        ),
    ];
    for (token, body, status, code) in cases {
        let response = app.post(&bulk_path(&desk), &token, body).await;
        assert_problem(response, status, code).await;
    }
    // An agent restricted to its own conversations cannot reach the others through bulk.
    desk.agent_visibility(&app, "assigned").await;
    let body = json!({ "ids": [ids[0], ids[1]], "changes": change });
    let response = app.post(&bulk_path(&desk), &agent_token, body).await;
    assert_problem(response, 404, "not_found").await;
    let body = json!({ "ids": [ids[0], foreign], "changes": change });
    let response = app.post(&bulk_path(&other), &a.token, body).await;
    assert_problem(response, 404, "not_found").await;
    let mut after = Vec::new();
    for id in ids.iter().chain([&closed]) {
        after.push(desk.get(&app, id).await);
    }
    assert_eq!(after, snapshot);
    assert_eq!(other.get(&app, &foreign).await, their_before);
    let body = json!({ "ids": [ids[0]], "changes": change });
    ok(app.post(&bulk_path(&desk), &agent_token, body).await, 200).await;
}

#[tokio::test]
async fn a_bulk_change_names_one_to_two_hundred_conversations() {
    let (app, desk) = desk().await;
    let id = desk.customer(&app, "ada", "Where is my parcel?").await;
    let before = desk.get(&app, &id).await;
    let mut many: Vec<String> = (0..200).map(|_| uuid::Uuid::new_v4().to_string()).collect();
    many.push(id.clone());
    for ids in [many, Vec::new()] {
        let body = json!({ "ids": ids, "changes": { "status": "resolved" } });
        let response = app.post(&bulk_path(&desk), &desk.t.token, body).await;
        let problem = assert_problem(response, 422, "validation_failed").await;
        assert_eq!(problem["errors"][0]["field"], "ids", "{problem}");
    }
    let body = json!({ "ids": [id], "changes": { "status": "bogus" } });
    let response = app.post(&bulk_path(&desk), &desk.t.token, body).await;
    assert_problem(response, 422, "validation_failed").await;
    assert_eq!(desk.get(&app, &id).await, before);
}

// --- isolation ------------------------------------------------------------------------

#[tokio::test]
async fn another_workspaces_conversations_and_notifications_answer_404() {
    let (app, a, b) = TestApp::two_workspaces().await;
    let here = Desk::open(&app, &a).await;
    let there = Desk::open(&app, &b).await;
    let ours = here.customer(&app, "ada", "Where is my parcel?").await;
    let theirs = there.customer(&app, "bob", "Where is my order?").await;
    let (colleague, colleague_token) = app.member_with_role(&b, "agent").await;
    let body = json!({ "kind": "note", "text": "Look", "mentions": [colleague] });
    ok(there.post_message(&app, &b.token, &theirs, body).await, 201).await;
    let notification = str_of(&notifications(&app, &there, &colleague_token, true).await[0]["id"]);
    let before = (
        there.get(&app, &theirs).await,
        there.messages(&app, &theirs).await,
        notifications(&app, &there, &colleague_token, false).await,
    );
    for desk in [&here, &there] {
        let conversation = desk.conversation(&theirs);
        let messages = format!("{conversation}/messages");
        let read = format!("{}/notifications/{notification}/read", desk.ws());
        let answers = [
            app.get(&conversation, &a.token).await,
            app.patch(&conversation, &a.token, json!({ "status": "closed" }))
                .await,
            app.patch(&conversation, &a.token, json!({ "add_tags": ["x"] }))
                .await,
            app.get(&messages, &a.token).await,
            app.post(
                &messages,
                &a.token,
                json!({ "kind": "reply", "text": "Hi" }),
            )
            .await,
            app.post(&messages, &a.token, json!({ "kind": "note", "text": "Hi" }))
                .await,
            app.post(&read, &a.token, json!({})).await,
            app.post(
                &bulk_path(desk),
                &a.token,
                json!({ "ids": [theirs], "changes": { "status": "closed" } }),
            )
            .await,
            app.post(
                &bulk_path(desk),
                &a.token,
                json!({ "ids": [ours, theirs], "changes": { "status": "closed" } }),
            )
            .await,
        ];
        for response in answers {
            assert_problem(response, 404, "not_found").await;
        }
    }
    let after = (
        there.get(&app, &theirs).await,
        there.messages(&app, &theirs).await,
        notifications(&app, &there, &colleague_token, false).await,
    );
    assert_eq!(after, before);
    assert_eq!(here.get(&app, &ours).await["status"], "open");
    let listed = ok(
        app.get(&format!("{}/conversations", here.ws()), &a.token)
            .await,
        200,
    )
    .await;
    assert_eq!(ids_of(&listed), vec![ours]);
}

#[tokio::test]
async fn concurrent_messages_notes_and_tags_are_all_counted_and_never_fail() {
    let (app, desk) = desk().await;
    let id = desk.customer(&app, "ada", "Where is my parcel?").await;
    let notes = (0..10).map(|i| {
        let body = json!({ "kind": "note", "text": format!("note {i}") });
        desk.post_message(&app, &desk.t.token, &id, body)
    });
    let tags =
        (0..10).map(|_| desk.patch(&app, &desk.t.token, &id, json!({ "add_tags": ["vip"] })));
    let path = format!("{}/channels/{}/inbound", desk.ws(), desk.channel);
    let pushes =
        (0..5).map(|i| app.post(&path, &desk.ingest, inbound("ada", &format!("hello {i}"))));
    let (notes, tags, pushes) = tokio::join!(
        futures_util::future::join_all(notes),
        futures_util::future::join_all(tags),
        futures_util::future::join_all(pushes),
    );
    let statuses: Vec<u16> = notes
        .iter()
        .chain(&tags)
        .chain(&pushes)
        .map(|r| r.status().as_u16())
        .collect();
    assert!(statuses.iter().all(|s| *s < 300), "{statuses:?}");
    let got = desk.get(&app, &id).await;
    assert_eq!(got["tags"], json!(["vip"]));
    assert_eq!(got["message_count"], 16, "{got}");
    assert_eq!(desk.messages(&app, &id).await.len(), 16);
}

#[tokio::test]
async fn an_agent_sees_a_mention_only_once_it_may_see_the_conversation() {
    let (app, desk) = desk().await;
    desk.agent_visibility(&app, "assigned").await;
    let id = desk.customer(&app, "ada", "Where is my parcel?").await;
    let (agent, agent_token) = app.member_with_role(&desk.t, "agent").await;
    let body = json!({ "kind": "note", "text": "Could you take this?", "mentions": [agent] });
    ok(desk.post_message(&app, &desk.t.token, &id, body).await, 201).await;
    assert!(
        notifications(&app, &desk, &agent_token, false)
            .await
            .is_empty()
    );
    let body = json!({ "assignee_id": agent });
    ok(desk.patch(&app, &desk.t.token, &id, body).await, 200).await;
    let mine = notifications(&app, &desk, &agent_token, false).await;
    assert_eq!(mine.len(), 1, "{mine:?}");
    assert_eq!(mine[0]["conversation_id"], id.as_str());
}
