//! GraphQL subscriptions over a real WebSocket (`graphql-transport-ws`): authentication by
//! header and by `connection_init`, refused credentials (`401` before the upgrade, close
//! `4403` after it), events that never cross workspaces nor reach an agent who may not see
//! the conversation, logout and key revocation ending live subscriptions, and fan-out from
//! one API process to another.
//!
//! The protocol has no "subscribed" acknowledgement, so a test first *warms up* a
//! subscription: it repeats a harmless change the subscriber may see until one event
//! arrives. Absence is proven with a sentinel: the forbidden change is made first, a
//! permitted one after it, and every event received before the sentinel's is inspected.
#![expect(
    clippy::unwrap_used,
    clippy::panic,
    reason = "test helpers fail the test at once on an unexpected answer"
)]

use std::future::Future;
use std::time::Duration;

use earshot_testkit::{PASSWORD, Tenant, TestApp, str_of};
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::{self, Message};

use super::care_graphql::{Desk, codes, ok};

type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// How long an expected message may take.
const WAIT: Duration = Duration::from_secs(10);

const EVENTS: &str = "subscription($ws: ID!, $c: ID) {
  conversationEvents(workspaceId: $ws, conversationId: $c) {
    id type workspaceId occurredAt
    conversation { id status assigneeId teamId tags contactSummary { displayName }
      contact { id displayName } assignee { userId } lastMessage { text } }
    message { id text direction }
  }
}";

/// What the server sent next.
#[derive(Debug)]
enum Incoming {
    Json(Value),
    Closed(u16, String),
    Silent,
}

/// A `graphql-transport-ws` client.
struct Client {
    ws: Ws,
}

/// Opens the upgrade request, with `Authorization: <authorization>` when given.
async fn connect(app: &TestApp, authorization: Option<&str>) -> Result<Ws, tungstenite::Error> {
    let mut request = app.ws_url().into_client_request().unwrap();
    let headers = request.headers_mut();
    headers.insert(
        "sec-websocket-protocol",
        HeaderValue::from_static("graphql-transport-ws"),
    );
    if let Some(value) = authorization {
        headers.insert("authorization", HeaderValue::from_str(value).unwrap());
    }
    tokio_tungstenite::connect_async(request)
        .await
        .map(|(ws, _)| ws)
}

impl Client {
    /// A socket authenticated by the upgrade's header, acknowledged.
    async fn by_header(app: &TestApp, token: &str) -> Client {
        let ws = connect(app, Some(&format!("Bearer {token}")))
            .await
            .unwrap();
        let mut client = Client { ws };
        client.init(json!({})).await;
        client
    }

    /// A socket authenticated by `connection_init`, acknowledged.
    async fn by_init(app: &TestApp, token: &str) -> Client {
        let mut client = Client::bare(app).await;
        client
            .init(json!({ "authorization": format!("Bearer {token}") }))
            .await;
        client
    }

    /// A socket without credentials, not yet initialised.
    async fn bare(app: &TestApp) -> Client {
        Client {
            ws: connect(app, None).await.unwrap(),
        }
    }

    async fn send(&mut self, message: Value) {
        self.ws
            .send(Message::text(message.to_string()))
            .await
            .unwrap();
    }

    /// Sends `connection_init` and expects `connection_ack`.
    async fn init(&mut self, payload: Value) {
        self.send(json!({ "type": "connection_init", "payload": payload }))
            .await;
        match self.recv(WAIT).await {
            Incoming::Json(m) if m["type"] == "connection_ack" => {}
            other => panic!("expected connection_ack, got {other:?}"),
        }
    }

    async fn subscribe(&mut self, id: &str, workspace: &str, conversation: Option<&str>) {
        let payload =
            json!({ "query": EVENTS, "variables": { "ws": workspace, "c": conversation } });
        self.send(json!({ "type": "subscribe", "id": id, "payload": payload }))
            .await;
    }

    /// The next protocol message, or why there is none.
    async fn recv(&mut self, wait: Duration) -> Incoming {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            let next = tokio::time::timeout_at(deadline, self.ws.next()).await;
            match next {
                Err(_) => return Incoming::Silent,
                Ok(Some(Ok(Message::Text(text)))) => {
                    return Incoming::Json(serde_json::from_str(text.as_str()).unwrap());
                }
                Ok(Some(Ok(Message::Close(frame)))) => {
                    let (code, reason) = frame
                        .map(|f| (u16::from(f.code), f.reason.to_string()))
                        .unwrap_or((1005, String::new()));
                    return Incoming::Closed(code, reason);
                }
                Ok(Some(Ok(_))) => {}
                Ok(Some(Err(err))) => return Incoming::Closed(1006, err.to_string()),
                Ok(None) => return Incoming::Closed(1006, "ended".into()),
            }
        }
    }

    /// The next event of subscription `id` (payload `data.conversationEvents`), or `None`
    /// when nothing came within `wait`.
    async fn event(&mut self, id: &str, wait: Duration) -> Option<Value> {
        loop {
            match self.recv(wait).await {
                Incoming::Json(m) if m["type"] == "next" && m["id"] == id => {
                    assert!(m["payload"].get("errors").is_none(), "{m:#}");
                    return Some(m["payload"]["data"]["conversationEvents"].clone());
                }
                Incoming::Json(m) if m["type"] == "ping" => {
                    self.send(json!({ "type": "pong" })).await;
                }
                Incoming::Json(m) => panic!("unexpected message {m:#}"),
                Incoming::Closed(code, reason) => panic!("closed {code} {reason}"),
                Incoming::Silent => return None,
            }
        }
    }

    /// Events of `id` until one satisfies `done`; returns them all (the last satisfies it).
    async fn events_until(&mut self, id: &str, done: impl Fn(&Value) -> bool) -> Vec<Value> {
        let mut seen = Vec::new();
        loop {
            let event = self
                .event(id, WAIT)
                .await
                .unwrap_or_else(|| panic!("no awaited event; saw {seen:#?}"));
            let stop = done(&event);
            seen.push(event);
            if stop {
                return seen;
            }
        }
    }

    /// Repeats `change` until the subscription delivers an event, proving it is live.
    async fn warm_up<F, Fut>(&mut self, id: &str, change: F)
    where
        F: Fn(usize) -> Fut,
        Fut: Future<Output = ()>,
    {
        for attempt in 0..40 {
            change(attempt).await;
            if self.event(id, Duration::from_millis(250)).await.is_some() {
                return;
            }
        }
        panic!("subscription {id} never delivered an event");
    }

    /// Expects the server to close the socket; returns the code.
    async fn closed(&mut self) -> (u16, String) {
        loop {
            match self.recv(WAIT).await {
                Incoming::Closed(code, reason) => return (code, reason),
                Incoming::Json(m) if m["type"] == "next" || m["type"] == "complete" => {}
                other => panic!("expected the socket to close, got {other:?}"),
            }
        }
    }
}

/// The bus of this process hears what is published (over Redis: the relay subscribed).
async fn bus_ready(app: &TestApp) {
    assert!(
        app.core.bus().wait_until_connected(WAIT).await,
        "the event bus never connected"
    );
}

/// A desk whose subscriber warms up on a conversation of its own.
async fn desk(app: &TestApp, t: &Tenant) -> (Desk, String) {
    let desk = Desk::open(app, t).await;
    let probe = str_of(&desk.push(app, "probe", "probe conversation").await["id"]);
    (desk, probe)
}

/// A change to `conversation` that produces a `conversation.updated` event.
async fn touch(app: &TestApp, desk: &Desk, conversation: &str, n: usize) {
    desk.patch(
        app,
        conversation,
        json!({ "add_tags": [format!("probe-{n}")] }),
    )
    .await;
}

// ---------------------------------------------------------------------------------------
// Authentication
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn a_subscriber_authenticated_by_header_receives_its_workspace_events() {
    let app = TestApp::spawn().await;
    bus_ready(&app).await;
    let a = app.tenant("Acme").await;
    let (desk, probe) = desk(&app, &a).await;
    let mut sub = Client::by_header(&app, &a.token).await;
    sub.subscribe("all", &a.workspace_id, None).await;
    sub.warm_up("all", |n| touch(&app, &desk, &probe, n)).await;

    let pushed = desk.push(&app, "ada", "where is my parcel?").await;
    let id = str_of(&pushed["id"]);
    let seen = sub
        .events_until("all", |e| {
            e["type"] == "message.created" && e["conversation"]["id"] == id.as_str()
        })
        .await;
    let created = seen
        .iter()
        .find(|e| e["type"] == "conversation.created" && e["conversation"]["id"] == id.as_str())
        .unwrap_or_else(|| panic!("no conversation.created in {seen:#?}"));
    assert_eq!(created["workspaceId"], a.workspace_id.as_str());
    assert_eq!(created["conversation"]["status"], "OPEN");
    assert_eq!(created["message"], Value::Null);
    let message = seen.last().unwrap();
    assert_eq!(message["message"]["text"], "where is my parcel?");
    assert_eq!(message["message"]["direction"], "INBOUND");
    // Relations resolve inside events too.
    assert_eq!(
        message["conversation"]["contact"]["displayName"],
        "ada Customer"
    );
    assert_eq!(
        message["conversation"]["lastMessage"]["text"],
        "where is my parcel?"
    );

    // An update, as REST made it.
    desk.patch(
        &app,
        &id,
        json!({ "status": "pending", "add_tags": ["late"] }),
    )
    .await;
    let seen = sub
        .events_until("all", |e| {
            e["type"] == "conversation.updated" && e["conversation"]["id"] == id.as_str()
        })
        .await;
    let updated = seen.last().unwrap();
    assert_eq!(updated["conversation"]["status"], "PENDING");
    assert_eq!(updated["conversation"]["tags"], json!(["late"]));
}

#[tokio::test]
async fn a_subscriber_authenticated_by_connection_init_follows_one_conversation() {
    let app = TestApp::spawn().await;
    bus_ready(&app).await;
    let a = app.tenant("Acme").await;
    let (desk, probe) = desk(&app, &a).await;
    let other = str_of(&desk.push(&app, "grace", "another one").await["id"]);
    let mut sub = Client::by_init(&app, &a.token).await;
    sub.subscribe("one", &a.workspace_id, Some(&probe)).await;
    sub.warm_up("one", |n| touch(&app, &desk, &probe, n)).await;

    // A change elsewhere, then one here: only the latter arrives.
    touch(&app, &desk, &other, 100).await;
    let path = desk.ws(&format!("/conversations/{probe}/messages"));
    let note = json!({ "kind": "note", "text": "sentinel" });
    ok(app.post(&path, &a.token, note).await, 201).await;
    let seen = sub
        .events_until("one", |e| e["message"]["text"] == "sentinel")
        .await;
    for event in &seen {
        assert_eq!(event["conversation"]["id"], probe.as_str(), "{event:#}");
    }

    // An API key authenticates the same way.
    let (_, key) = app
        .api_key(&a, &["conversations:read", "contacts:read"])
        .await;
    let mut keyed = Client::by_init(&app, &key).await;
    keyed.subscribe("k", &a.workspace_id, None).await;
    keyed
        .warm_up("k", |n| touch(&app, &desk, &probe, 200 + n))
        .await;
}

/// The problem document of a refused upgrade.
fn refused_upgrade(result: Result<Ws, tungstenite::Error>) -> (u16, Value) {
    match result {
        Err(tungstenite::Error::Http(response)) => {
            let content_type = response
                .headers()
                .get("content-type")
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_owned();
            assert!(
                content_type.starts_with("application/problem+json"),
                "{content_type}"
            );
            let body = response.body().clone().unwrap_or_default();
            (
                response.status().as_u16(),
                serde_json::from_slice(&body).unwrap(),
            )
        }
        Err(other) => panic!("expected an HTTP refusal, got {other}"),
        Ok(_) => panic!("the upgrade was accepted"),
    }
}

#[tokio::test]
async fn refused_credentials_answer_401_before_the_upgrade_and_4403_after_it() {
    let app = TestApp::spawn().await;
    let a = app.tenant("Acme").await;

    // The same answer REST gives the same header.
    for header in [
        "Bearer not-a-token",
        "Bearer esk_not-a-key",
        "Basic Zm9vOmJhcg==",
        "Bearer",
    ] {
        let (status, body) = refused_upgrade(connect(&app, Some(header)).await);
        assert_eq!(status, 401, "{header}: {body}");
        let rest = app
            .client
            .get(app.url("/v1/me"))
            .header("authorization", header)
            .send()
            .await
            .unwrap();
        let rest = ok(rest, 401).await;
        assert_eq!(body["code"], rest["code"], "{header}: {body}");
    }
    // The platform token is no user's credential.
    let platform = format!("Bearer {}", earshot_testkit::PLATFORM_TOKEN);
    assert_eq!(refused_upgrade(connect(&app, Some(&platform)).await).0, 401);

    // In `connection_init`: a bad token, a missing one, another scheme.
    for payload in [
        json!({ "authorization": "Bearer not-a-token" }),
        json!({}),
        json!({ "authorization": format!("Basic {}", a.token) }),
        json!({ "authorization": a.token }),
    ] {
        let mut client = Client::bare(&app).await;
        client
            .send(json!({ "type": "connection_init", "payload": payload }))
            .await;
        assert_eq!(client.closed().await.0, 4403, "{payload}");
    }

    // Once acknowledged: an unknown message is 4400, a second `connection_init` 4429.
    let mut client = Client::by_init(&app, &a.token).await;
    client.send(json!({ "type": "bogus" })).await;
    assert_eq!(client.closed().await.0, 4400);
    let mut client = Client::by_header(&app, &a.token).await;
    client
        .send(json!({ "type": "connection_init", "payload": {} }))
        .await;
    assert_eq!(client.closed().await.0, 4429);

    // Subscribing before `connection_init` is refused as the protocol says.
    let mut client = Client::bare(&app).await;
    client.subscribe("1", &a.workspace_id, None).await;
    assert_eq!(client.closed().await.0, 4401);

    // A plain GET is not an upgrade; an upgrade without the sub-protocol is refused.
    let plain = app.get("/graphql", &a.token).await;
    assert_eq!(plain.status().as_u16(), 405);
    let mut request = app.ws_url().into_client_request().unwrap();
    request.headers_mut().insert(
        "authorization",
        HeaderValue::from_str(&format!("Bearer {}", a.token)).unwrap(),
    );
    let (status, body) = refused_upgrade(
        tokio_tungstenite::connect_async(request)
            .await
            .map(|(ws, _)| ws),
    );
    assert_eq!(
        (status, str_of(&body["code"])),
        (400, "unsupported_websocket_protocol".into())
    );
}

// ---------------------------------------------------------------------------------------
// Isolation and visibility
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn no_event_crosses_workspaces() {
    let (app, a, b) = TestApp::two_workspaces().await;
    bus_ready(&app).await;
    let (mine, probe) = desk(&app, &a).await;
    let (theirs, their_probe) = desk(&app, &b).await;

    // B's workspace, or B's conversation under A's workspace: `not_found`, then complete.
    for (workspace, conversation) in [
        (b.workspace_id.as_str(), None),
        (b.workspace_id.as_str(), Some(their_probe.as_str())),
        (a.workspace_id.as_str(), Some(their_probe.as_str())),
    ] {
        let mut sub = Client::by_header(&app, &a.token).await;
        sub.subscribe("x", workspace, conversation).await;
        let Incoming::Json(next) = sub.recv(WAIT).await else {
            panic!("no answer");
        };
        assert_eq!(next["type"], "next", "{next}");
        assert_eq!(codes(&next["payload"]), vec!["not_found"], "{next}");
        assert_eq!(next["payload"]["data"], Value::Null, "{next}");
        let Incoming::Json(complete) = sub.recv(WAIT).await else {
            panic!("no complete");
        };
        assert_eq!(complete, json!({ "type": "complete", "id": "x" }));
        // Nothing of B ever arrives on that socket afterwards.
        touch(&app, &theirs, &their_probe, 1).await;
        assert!(matches!(
            sub.recv(Duration::from_millis(300)).await,
            Incoming::Silent
        ));
    }

    // A's subscriber: B's changes (made first) never arrive before A's sentinel.
    let mut sub = Client::by_header(&app, &a.token).await;
    sub.subscribe("a", &a.workspace_id, None).await;
    sub.warm_up("a", |n| touch(&app, &mine, &probe, n)).await;
    let their_new = str_of(&theirs.push(&app, "mallory", "B's news").await["id"]);
    touch(&app, &theirs, &their_probe, 2).await;
    touch(&app, &mine, &probe, 999).await;
    let seen = sub
        .events_until("a", |e| {
            e["conversation"]["tags"].to_string().contains("probe-999")
        })
        .await;
    for event in &seen {
        assert_eq!(event["workspaceId"], a.workspace_id.as_str(), "{event:#}");
        assert_ne!(event["conversation"]["id"], their_new.as_str());
        assert_ne!(event["conversation"]["id"], their_probe.as_str());
    }
}

#[tokio::test]
async fn an_agent_restricted_to_assigned_conversations_receives_only_theirs() {
    let app = TestApp::spawn().await;
    bus_ready(&app).await;
    let a = app.tenant("Acme").await;
    let desk = Desk::open(&app, &a).await;
    let (agent, agent_token) = app.member_with_role(&a, "agent").await;
    let (colleague, _) = app.member_with_role(&a, "agent").await;
    desk.agent_visibility(&app, "assigned").await;
    let theirs = str_of(&desk.push(&app, "ada", "not for the agent").await["id"]);
    let yours = str_of(&desk.push(&app, "grace", "for the agent").await["id"]);
    desk.patch(&app, &yours, json!({ "assignee_id": agent }))
        .await;

    // A conversation the agent may not see cannot be followed.
    let mut sub = Client::by_init(&app, &agent_token).await;
    sub.subscribe("theirs", &a.workspace_id, Some(&theirs))
        .await;
    let Incoming::Json(next) = sub.recv(WAIT).await else {
        panic!("no answer");
    };
    assert_eq!(codes(&next["payload"]), vec!["not_found"], "{next}");
    let Incoming::Json(complete) = sub.recv(WAIT).await else {
        panic!("no complete");
    };
    assert_eq!(complete["type"], "complete");

    // The whole workspace: only what is assigned to the agent.
    sub.subscribe("all", &a.workspace_id, None).await;
    sub.warm_up("all", |n| touch(&app, &desk, &yours, n)).await;
    touch(&app, &desk, &theirs, 1).await;
    let news = str_of(&desk.push(&app, "linus", "new and unassigned").await["id"]);
    desk.patch(&app, &theirs, json!({ "assignee_id": colleague }))
        .await;
    // Assigning a conversation to the agent is the first event of it they receive.
    desk.patch(&app, &news, json!({ "assignee_id": agent }))
        .await;
    let seen = sub
        .events_until("all", |e| e["conversation"]["id"] == news.as_str())
        .await;
    for event in &seen {
        assert_ne!(event["conversation"]["id"], theirs.as_str(), "{event:#}");
        assert_eq!(
            event["conversation"]["assigneeId"],
            agent.as_str(),
            "{event:#}"
        );
    }
    assert_eq!(seen.last().unwrap()["type"], "conversation.updated");
    assert_eq!(
        seen.last().unwrap()["conversation"]["assignee"]["userId"],
        agent.as_str()
    );
    // And the agent's own work on it arrives.
    let path = desk.ws(&format!("/conversations/{news}/messages"));
    ok(
        app.post(
            &path,
            &agent_token,
            json!({ "kind": "note", "text": "on it" }),
        )
        .await,
        201,
    )
    .await;
    let seen = sub
        .events_until("all", |e| e["message"]["text"] == "on it")
        .await;
    assert_eq!(seen.last().unwrap()["type"], "message.created");
}

#[tokio::test]
async fn an_agent_restricted_to_team_conversations_receives_its_teams() {
    let app = TestApp::spawn().await;
    bus_ready(&app).await;
    let a = app.tenant("Acme").await;
    let desk = Desk::open(&app, &a).await;
    let (agent, agent_token) = app.member_with_role(&a, "agent").await;
    let mine = desk.team(&app, "Mine", &[&agent]).await;
    let other = desk.team(&app, "Other", &[]).await;
    desk.agent_visibility(&app, "team").await;
    let ours = str_of(&desk.push(&app, "ada", "team work").await["id"]);
    desk.patch(&app, &ours, json!({ "team_id": mine })).await;
    let not_ours = str_of(&desk.push(&app, "grace", "other team").await["id"]);
    desk.patch(&app, &not_ours, json!({ "team_id": other }))
        .await;

    let mut sub = Client::by_header(&app, &agent_token).await;
    sub.subscribe("t", &a.workspace_id, None).await;
    sub.warm_up("t", |n| touch(&app, &desk, &ours, n)).await;
    touch(&app, &desk, &not_ours, 1).await;
    touch(&app, &desk, &ours, 999).await;
    let seen = sub
        .events_until("t", |e| {
            e["conversation"]["tags"].to_string().contains("probe-999")
        })
        .await;
    for event in &seen {
        assert_eq!(event["conversation"]["teamId"], mine.as_str(), "{event:#}");
    }
}

// ---------------------------------------------------------------------------------------
// Revocation
// ---------------------------------------------------------------------------------------

/// A fresh session of the tenant's owner: (access token, refresh token).
async fn session(app: &TestApp, t: &Tenant) -> (String, String) {
    let tokens = app.login(&t.email, PASSWORD).await;
    (
        str_of(&tokens["access_token"]),
        str_of(&tokens["refresh_token"]),
    )
}

#[tokio::test]
async fn logging_out_ends_the_sessions_live_subscriptions() {
    let app = TestApp::spawn().await;
    bus_ready(&app).await;
    let a = app.tenant("Acme").await;
    let (desk, probe) = desk(&app, &a).await;
    let (token, _) = session(&app, &a).await;
    let mut by_header = Client::by_header(&app, &token).await;
    by_header.subscribe("1", &a.workspace_id, None).await;
    by_header
        .warm_up("1", |n| touch(&app, &desk, &probe, n))
        .await;
    let mut by_init = Client::by_init(&app, &token).await;
    by_init.subscribe("1", &a.workspace_id, None).await;
    // Another session of the same person stays connected.
    let mut other = Client::by_header(&app, &a.token).await;
    other.subscribe("1", &a.workspace_id, None).await;
    other
        .warm_up("1", |n| touch(&app, &desk, &probe, 100 + n))
        .await;

    let logout = app
        .request(reqwest::Method::POST, "/v1/auth/logout", Some(&token), None)
        .await;
    assert_eq!(logout.status().as_u16(), 204);
    assert_eq!(by_header.closed().await.0, 4403);
    assert_eq!(by_init.closed().await.0, 4403);
    // The logged-out token cannot open a new socket either.
    assert_eq!(
        refused_upgrade(connect(&app, Some(&format!("Bearer {token}"))).await).0,
        401
    );

    touch(&app, &desk, &probe, 999).await;
    other
        .events_until("1", |e| {
            e["conversation"]["tags"].to_string().contains("probe-999")
        })
        .await;
}

#[tokio::test]
async fn refresh_token_reuse_ends_the_sessions_live_subscriptions() {
    let app = TestApp::spawn().await;
    bus_ready(&app).await;
    let a = app.tenant("Acme").await;
    let (_, refresh) = session(&app, &a).await;
    let refreshed = ok(
        app.request(
            reqwest::Method::POST,
            "/v1/auth/refresh",
            None,
            Some(json!({ "refresh_token": refresh })),
        )
        .await,
        200,
    )
    .await;
    let token = str_of(&refreshed["access_token"]);
    let mut sub = Client::by_init(&app, &token).await;
    sub.subscribe("1", &a.workspace_id, None).await;

    // The rotated token presented again: the whole session ends, and its sockets with it.
    let reused = app
        .request(
            reqwest::Method::POST,
            "/v1/auth/refresh",
            None,
            Some(json!({ "refresh_token": refresh })),
        )
        .await;
    assert_eq!(reused.status().as_u16(), 401);
    assert_eq!(sub.closed().await.0, 4403);
}

#[tokio::test]
async fn revoking_an_api_key_ends_its_live_subscriptions() {
    let app = TestApp::spawn().await;
    bus_ready(&app).await;
    let a = app.tenant("Acme").await;
    let (desk, probe) = desk(&app, &a).await;
    let scopes = ["conversations:read", "contacts:read"];
    let (key_id, key) = app.api_key(&a, &scopes).await;
    let (_, other_key) = app.api_key(&a, &scopes).await;
    let mut by_init = Client::by_init(&app, &key).await;
    by_init.subscribe("1", &a.workspace_id, None).await;
    by_init
        .warm_up("1", |n| touch(&app, &desk, &probe, n))
        .await;
    let mut by_header = Client::by_header(&app, &key).await;
    by_header.subscribe("1", &a.workspace_id, None).await;
    let mut other = Client::by_header(&app, &other_key).await;
    other.subscribe("1", &a.workspace_id, None).await;
    other
        .warm_up("1", |n| touch(&app, &desk, &probe, 100 + n))
        .await;

    let path = desk.ws(&format!("/api-keys/{key_id}"));
    ok(app.delete(&path, &a.token).await, 204).await;
    assert_eq!(by_init.closed().await.0, 4403);
    assert_eq!(by_header.closed().await.0, 4403);

    touch(&app, &desk, &probe, 999).await;
    other
        .events_until("1", |e| {
            e["conversation"]["tags"].to_string().contains("probe-999")
        })
        .await;
}

// ---------------------------------------------------------------------------------------
// Fan-out across API processes
// ---------------------------------------------------------------------------------------

/// Two API processes share one database. With `TEST_REDIS_URL` they also share Redis: a
/// change made through one reaches a subscriber of the other over pub/sub, and a logout
/// through one closes the other's sockets. Without Redis each process has its own
/// in-process bus, which serves that process only (the embedded, single-process default):
/// then the single-process path is what is asserted.
#[tokio::test]
async fn a_subscriber_of_one_process_sees_changes_made_through_another() {
    let first = TestApp::spawn().await;
    let second = first.sibling().await;
    bus_ready(&first).await;
    bus_ready(&second).await;
    let a = first.tenant("Acme").await;
    let (desk, probe) = desk(&first, &a).await;
    let over_redis = std::env::var("TEST_REDIS_URL").is_ok();
    let listening = if over_redis { &second } else { &first };

    let mut sub = Client::by_header(listening, &a.token).await;
    sub.subscribe("1", &a.workspace_id, None).await;
    // Every change goes through the first process.
    sub.warm_up("1", |n| touch(&first, &desk, &probe, n)).await;
    let pushed = str_of(&desk.push(&first, "ada", "across processes").await["id"]);
    let seen = sub
        .events_until("1", |e| e["message"]["text"] == "across processes")
        .await;
    assert_eq!(seen.last().unwrap()["conversation"]["id"], pushed.as_str());

    // A logout through the first process ends the socket wherever it is.
    let (token, _) = session(&first, &a).await;
    let mut doomed = Client::by_header(listening, &token).await;
    doomed.subscribe("1", &a.workspace_id, None).await;
    let logout = first
        .request(reqwest::Method::POST, "/v1/auth/logout", Some(&token), None)
        .await;
    assert_eq!(logout.status().as_u16(), 204);
    assert_eq!(doomed.closed().await.0, 4403);
}

// ---------------------------------------------------------------------------------------
// Redis away
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn with_redis_away_changes_go_on_and_live_updates_resume_when_it_returns() {
    let Some(mut redis) = earshot_testkit::servers::OwnRedis::start() else {
        return;
    };
    let url = redis.url();
    let app = TestApp::spawn_with(move |config| config.redis_url = Some(url)).await;
    bus_ready(&app).await;
    let a = app.tenant("Acme").await;
    let (desk, probe) = desk(&app, &a).await;
    let mut sub = Client::by_header(&app, &a.token).await;
    sub.subscribe("all", &a.workspace_id, None).await;
    sub.warm_up("all", |n| touch(&app, &desk, &probe, n)).await;

    redis.kill();
    // Reads and writes go on; their events wait in the outbox.
    let started = std::time::Instant::now();
    let pushed = desk.push(&app, "ada", "written while Redis is away").await;
    let away = str_of(&pushed["id"]);
    desk.patch(&app, &away, json!({ "add_tags": ["while-away"] }))
        .await;
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "writes were held up"
    );
    let read = desk.get(&app, &format!("/conversations/{away}")).await;
    assert_eq!(read["tags"], json!(["while-away"]));
    let ready = app.get("/readyz", &a.token).await;
    assert_eq!(ready.status(), 503);
    let problem: Value = ready.json().await.unwrap();
    assert!(
        str_of(&problem["detail"]).contains("redis: unreachable"),
        "{problem}"
    );
    let waiting = app.outbox().await;
    let unpublished: Vec<_> = waiting.iter().filter(|row| !row.published).collect();
    assert!(
        unpublished
            .iter()
            .any(|row| row.conversation_id.as_deref() == Some(away.as_str())),
        "the changes' events wait to be published: {waiting:?}"
    );

    redis.start_again().unwrap();
    bus_ready(&app).await;
    // The fan-out publishes what waited, in order, at its next turn; the subscriber hears it.
    let seen = sub
        .events_until("all", |e| {
            e["type"] == "conversation.updated" && e["conversation"]["id"] == away.as_str()
        })
        .await;
    assert!(
        seen.iter().any(|e| e["type"] == "message.created"
            && e["message"]["text"] == "written while Redis is away"),
        "{seen:#?}"
    );
    // New changes reach subscribers live again.
    desk.patch(&app, &away, json!({ "status": "pending" }))
        .await;
    let seen = sub
        .events_until("all", |e| e["conversation"]["status"] == "PENDING")
        .await;
    assert_eq!(seen.last().unwrap()["conversation"]["id"], away.as_str());
    assert!(app.outbox().await.iter().all(|row| row.published));
}
