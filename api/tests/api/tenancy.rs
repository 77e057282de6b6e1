//! Tenant isolation and role-based access over real HTTP, for every REST route under
//! `/v1/workspaces/{ws}` and `/v1/orgs/{org}` (the table of `api/src/rest/mod.rs`).
//!
//! Two tenants A and B, each with a workspace, an owner, a team, an API key, a member, an
//! `api` channel with a conversation pushed through it (and its contact), a second contact
//! and a notification. Every route is called with the other tenant's ids, random and malformed ids, bad
//! credentials and each workspace role; the answers and the data left behind are checked.
#![expect(
    clippy::expect_used,
    reason = "test helpers fail the test at once when a request cannot be sent"
)]

use earshot_testkit::{Tenant, TestApp, str_of};
use reqwest::{Method, Response};
use serde_json::{Value, json};

const ALL_SCOPES: &[&str] = &[
    "conversations:read",
    "conversations:write",
    "contacts:read",
    "contacts:write",
    "channels:manage",
    "settings:manage",
    "webhooks:manage",
    "reports:read",
    "audit:read",
    "messages:ingest",
];

/// Whether owner, admin, supervisor, agent and viewer (in this order) may call a route.
type Who = [bool; 5];
const EVERYONE: Who = [true; 5];
const OWNER_ADMIN: Who = [true, true, false, false, false];
const OWNER: Who = [true, false, false, false, false];
const NOT_VIEWER: Who = [true, true, true, true, false];
const ROLES: [&str; 5] = ["owner", "admin", "supervisor", "agent", "viewer"];

/// One route: method, path template, body template, who may call it, its success status.
struct Route {
    method: Method,
    path: &'static str,
    body: Option<Value>,
    who: Who,
    ok: u16,
}

fn route(method: Method, path: &'static str, body: Option<Value>, who: Who, ok: u16) -> Route {
    Route {
        method,
        path,
        body,
        who,
        ok,
    }
}

impl Route {
    fn label(&self) -> String {
        format!("{} {}", self.method, self.path)
    }

    /// Whether the route names an object inside the workspace or organization.
    fn touches_object(&self) -> bool {
        let body = self.body.as_ref().map(Value::to_string).unwrap_or_default();
        let in_path = [
            "{team}",
            "{key}",
            "{user}",
            "{channel}",
            "{contact}",
            "{conversation}",
            "{notification}",
            "{event}",
            "{rule}",
            "{hours}",
            "{policy}",
        ];
        let in_body = [
            "{heir}",
            "{source}",
            "{picked}",
            "{recipient}",
            "{via}",
            "{listener}",
        ];
        in_path.iter().any(|p| self.path.contains(p)) || in_body.iter().any(|p| body.contains(p))
    }

    /// What naming an object the workspace does not hold answers: `404`, except for the
    /// contact and channel a new conversation is started with, which are fields of the body
    /// and answer `422`.
    fn unknown_object_answer(&self) -> (u16, &'static str) {
        let body = self.body.as_ref().map(Value::to_string).unwrap_or_default();
        if body.contains("{recipient}") {
            (422, "validation_failed")
        } else {
            (404, "not_found")
        }
    }
}

/// Every workspace route but `DELETE /v1/workspaces/{ws}`, each object's deletion after its
/// reads and changes, and the ownership transfer last.
fn workspace_routes() -> Vec<Route> {
    use Method as M;
    let ws = "/v1/workspaces/{ws}";
    vec![
        route(M::GET, ws, None, EVERYONE, 200),
        route(
            M::PATCH,
            ws,
            Some(json!({ "name": "Renamed {n}" })),
            OWNER_ADMIN,
            200,
        ),
        route(M::GET, "/v1/workspaces/{ws}/members", None, EVERYONE, 200),
        route(
            M::POST,
            "/v1/workspaces/{ws}/members",
            Some(json!({ "email": "new-{n}@example.test", "role": "viewer" })),
            OWNER_ADMIN,
            201,
        ),
        route(
            M::GET,
            "/v1/workspaces/{ws}/members/{user}",
            None,
            EVERYONE,
            200,
        ),
        route(
            M::PATCH,
            "/v1/workspaces/{ws}/members/{user}",
            Some(json!({ "role": "agent" })),
            OWNER_ADMIN,
            200,
        ),
        route(
            M::DELETE,
            "/v1/workspaces/{ws}/members/{user}",
            None,
            OWNER_ADMIN,
            204,
        ),
        route(M::GET, "/v1/workspaces/{ws}/teams", None, EVERYONE, 200),
        route(
            M::POST,
            "/v1/workspaces/{ws}/teams",
            Some(json!({ "name": "Intake {n}" })),
            OWNER_ADMIN,
            201,
        ),
        route(
            M::GET,
            "/v1/workspaces/{ws}/teams/{team}",
            None,
            EVERYONE,
            200,
        ),
        route(
            M::PATCH,
            "/v1/workspaces/{ws}/teams/{team}",
            Some(json!({ "name": "Renamed {n}" })),
            OWNER_ADMIN,
            200,
        ),
        route(
            M::DELETE,
            "/v1/workspaces/{ws}/teams/{team}",
            None,
            OWNER_ADMIN,
            204,
        ),
        route(
            M::GET,
            "/v1/workspaces/{ws}/api-keys",
            None,
            OWNER_ADMIN,
            200,
        ),
        route(
            M::POST,
            "/v1/workspaces/{ws}/api-keys",
            Some(json!({ "name": "key {n}", "scopes": ["audit:read"] })),
            OWNER_ADMIN,
            201,
        ),
        route(
            M::GET,
            "/v1/workspaces/{ws}/api-keys/{key}",
            None,
            OWNER_ADMIN,
            200,
        ),
        route(
            M::PATCH,
            "/v1/workspaces/{ws}/api-keys/{key}",
            Some(json!({ "name": "renamed {n}" })),
            OWNER_ADMIN,
            200,
        ),
        route(
            M::DELETE,
            "/v1/workspaces/{ws}/api-keys/{key}",
            None,
            OWNER_ADMIN,
            204,
        ),
        route(
            M::GET,
            "/v1/workspaces/{ws}/audit-log",
            None,
            OWNER_ADMIN,
            200,
        ),
        // Agents too: their own figures.
        route(
            M::GET,
            "/v1/workspaces/{ws}/reports/summary?from=2026-01-01T00:00:00Z&to=2026-02-01T00:00:00Z&group_by=channel",
            None,
            EVERYONE,
            200,
        ),
    ]
    .into_iter()
    .chain(care_routes())
    .chain([route(
        M::POST,
        "/v1/workspaces/{ws}/transfer-ownership",
        Some(json!({ "user_id": "{heir}" })),
        OWNER,
        204,
    )])
    .collect()
}

/// The routes of the care model: channels, contacts, conversations, messages and
/// notifications, each object's deletion after every route that needs it.
fn care_routes() -> Vec<Route> {
    use Method as M;
    let inbound = json!({
        "platform_message_id": "pushed-{n}",
        "author": { "platform_user_id": "customer-{n}", "display_name": "Customer {n}" },
        "text": "Where is my parcel?",
    });
    let start = json!({ "contact_id": "{recipient}", "channel_id": "{via}", "text": "Hello {n}" });
    let bulk = json!({ "ids": ["{picked}"], "changes": { "add_tags": ["bulk"] } });
    vec![
        route(M::GET, "/v1/workspaces/{ws}/channels", None, EVERYONE, 200),
        route(
            M::POST,
            "/v1/workspaces/{ws}/channels",
            Some(json!({ "kind": "api", "name": "Partner {n}" })),
            OWNER_ADMIN,
            201,
        ),
        route(
            M::GET,
            "/v1/workspaces/{ws}/channels/{channel}",
            None,
            EVERYONE,
            200,
        ),
        route(
            M::PATCH,
            "/v1/workspaces/{ws}/channels/{channel}",
            Some(json!({ "name": "Renamed {n}" })),
            OWNER_ADMIN,
            200,
        ),
        route(
            M::POST,
            "/v1/workspaces/{ws}/channels/{channel}/inbound",
            Some(inbound),
            OWNER_ADMIN,
            201,
        ),
        route(
            M::POST,
            "/v1/workspaces/{ws}/channels/{channel}/check",
            None,
            OWNER_ADMIN,
            200,
        ),
        route(
            M::GET,
            "/v1/workspaces/{ws}/listening-rules",
            None,
            EVERYONE,
            200,
        ),
        route(
            M::POST,
            "/v1/workspaces/{ws}/listening-rules",
            Some(json!({ "name": "New {n}", "query": "refund", "channel_id": "{listener}" })),
            OWNER_ADMIN,
            201,
        ),
        route(
            M::GET,
            "/v1/workspaces/{ws}/listening-rules/{rule}",
            None,
            EVERYONE,
            200,
        ),
        route(
            M::PATCH,
            "/v1/workspaces/{ws}/listening-rules/{rule}",
            Some(json!({ "name": "Renamed {n}" })),
            OWNER_ADMIN,
            200,
        ),
        route(
            M::DELETE,
            "/v1/workspaces/{ws}/listening-rules/{rule}",
            None,
            OWNER_ADMIN,
            204,
        ),
        route(
            M::GET,
            "/v1/workspaces/{ws}/business-hours",
            None,
            EVERYONE,
            200,
        ),
        route(
            M::POST,
            "/v1/workspaces/{ws}/business-hours",
            Some(
                json!({ "name": "New hours {n}", "timezone": "Europe/Berlin",
                "weekly": { "monday": [{ "start": "09:00", "end": "17:00" }] } }),
            ),
            OWNER_ADMIN,
            201,
        ),
        route(
            M::GET,
            "/v1/workspaces/{ws}/business-hours/{hours}",
            None,
            EVERYONE,
            200,
        ),
        route(
            M::GET,
            "/v1/workspaces/{ws}/business-hours/{hours}/due?seconds=3600",
            None,
            EVERYONE,
            200,
        ),
        route(
            M::PATCH,
            "/v1/workspaces/{ws}/business-hours/{hours}",
            Some(json!({ "name": "Renamed hours {n}", "holidays": ["2026-12-25"] })),
            OWNER_ADMIN,
            200,
        ),
        route(
            M::DELETE,
            "/v1/workspaces/{ws}/business-hours/{hours}",
            None,
            OWNER_ADMIN,
            204,
        ),
        route(
            M::GET,
            "/v1/workspaces/{ws}/sla-policies",
            None,
            EVERYONE,
            200,
        ),
        route(
            M::POST,
            "/v1/workspaces/{ws}/sla-policies",
            Some(
                json!({ "name": "New policy {n}", "targets": { "first_response_seconds": 3600 } }),
            ),
            OWNER_ADMIN,
            201,
        ),
        route(
            M::GET,
            "/v1/workspaces/{ws}/sla-policies/{policy}",
            None,
            EVERYONE,
            200,
        ),
        route(
            M::PATCH,
            "/v1/workspaces/{ws}/sla-policies/{policy}",
            Some(json!({ "name": "Renamed policy {n}", "position": 3 })),
            OWNER_ADMIN,
            200,
        ),
        route(
            M::DELETE,
            "/v1/workspaces/{ws}/sla-policies/{policy}",
            None,
            OWNER_ADMIN,
            204,
        ),
        route(
            M::GET,
            "/v1/workspaces/{ws}/conversations/{conversation}/sla-policy",
            None,
            EVERYONE,
            200,
        ),
        route(
            M::GET,
            "/v1/workspaces/{ws}/conversations/{conversation}/sla-clocks",
            None,
            EVERYONE,
            200,
        ),
        route(
            M::GET,
            "/v1/workspaces/{ws}/conversations/{conversation}/commitments",
            None,
            EVERYONE,
            200,
        ),
        route(
            M::POST,
            "/v1/workspaces/{ws}/conversations/{conversation}/commitments",
            Some(json!({ "text": "We call you back",
                "due_at": chrono::Utc::now() + chrono::Duration::days(30) })),
            NOT_VIEWER,
            201,
        ),
        route(
            M::GET,
            "/v1/workspaces/{ws}/conversations/{conversation}/commitments/{commitment}",
            None,
            EVERYONE,
            200,
        ),
        route(
            M::GET,
            "/v1/workspaces/{ws}/conversations/{conversation}/follow-ups",
            None,
            EVERYONE,
            200,
        ),
        route(
            M::PATCH,
            "/v1/workspaces/{ws}/conversations/{conversation}/commitments/{commitment}",
            Some(json!({ "text": "We call you back by 5 pm" })),
            NOT_VIEWER,
            200,
        ),
        route(M::GET, "/v1/workspaces/{ws}/contacts", None, EVERYONE, 200),
        route(
            M::POST,
            "/v1/workspaces/{ws}/contacts",
            Some(json!({ "display_name": "Customer {n}" })),
            NOT_VIEWER,
            201,
        ),
        route(
            M::GET,
            "/v1/workspaces/{ws}/contacts/{contact}",
            None,
            EVERYONE,
            200,
        ),
        route(
            M::PATCH,
            "/v1/workspaces/{ws}/contacts/{contact}",
            Some(json!({ "display_name": "Renamed {n}" })),
            NOT_VIEWER,
            200,
        ),
        route(
            M::GET,
            "/v1/workspaces/{ws}/contacts/{contact}/export",
            None,
            EVERYONE,
            200,
        ),
        route(
            M::GET,
            "/v1/workspaces/{ws}/conversations",
            None,
            EVERYONE,
            200,
        ),
        route(
            M::POST,
            "/v1/workspaces/{ws}/conversations",
            Some(start),
            NOT_VIEWER,
            201,
        ),
        route(
            M::GET,
            "/v1/workspaces/{ws}/conversations/{conversation}",
            None,
            EVERYONE,
            200,
        ),
        route(
            M::PATCH,
            "/v1/workspaces/{ws}/conversations/{conversation}",
            Some(json!({ "priority": "high" })),
            NOT_VIEWER,
            200,
        ),
        route(
            M::POST,
            "/v1/workspaces/{ws}/conversations/bulk",
            Some(bulk),
            NOT_VIEWER,
            200,
        ),
        route(
            M::GET,
            "/v1/workspaces/{ws}/conversations/{conversation}/messages",
            None,
            EVERYONE,
            200,
        ),
        route(
            M::POST,
            "/v1/workspaces/{ws}/conversations/{conversation}/messages",
            Some(json!({ "kind": "note", "text": "Seen by {n}" })),
            NOT_VIEWER,
            201,
        ),
        route(
            M::GET,
            "/v1/workspaces/{ws}/notifications",
            None,
            EVERYONE,
            200,
        ),
        route(
            M::POST,
            "/v1/workspaces/{ws}/notifications/{notification}/read",
            None,
            EVERYONE,
            204,
        ),
        route(
            M::GET,
            "/v1/workspaces/{ws}/inbound-events",
            None,
            OWNER_ADMIN,
            200,
        ),
        route(
            M::GET,
            "/v1/workspaces/{ws}/inbound-events/{event}",
            None,
            OWNER_ADMIN,
            200,
        ),
        route(
            M::POST,
            "/v1/workspaces/{ws}/inbound-events/{event}/retry",
            None,
            OWNER_ADMIN,
            200,
        ),
        route(
            M::POST,
            "/v1/workspaces/{ws}/contacts/{contact}/merge",
            Some(json!({ "source_id": "{source}" })),
            NOT_VIEWER,
            200,
        ),
        route(
            M::POST,
            "/v1/workspaces/{ws}/contacts/{contact}/erase",
            None,
            NOT_VIEWER,
            200,
        ),
        route(
            M::DELETE,
            "/v1/workspaces/{ws}/contacts/{contact}",
            None,
            NOT_VIEWER,
            204,
        ),
        route(
            M::DELETE,
            "/v1/workspaces/{ws}/channels/{channel}",
            None,
            OWNER_ADMIN,
            204,
        ),
    ]
}

fn delete_workspace_route() -> Route {
    route(Method::DELETE, "/v1/workspaces/{ws}", None, OWNER, 204)
}

/// The organization routes; `who` and `ok` are what an `org_owner` gets.
fn org_routes() -> Vec<Route> {
    use Method as M;
    vec![
        route(M::GET, "/v1/orgs/{org}", None, EVERYONE, 200),
        route(M::GET, "/v1/orgs/{org}/members", None, EVERYONE, 200),
        route(
            M::PATCH,
            "/v1/orgs/{org}/members/{user}",
            Some(json!({ "role": "org_admin" })),
            OWNER,
            200,
        ),
        route(M::DELETE, "/v1/orgs/{org}/members/{user}", None, OWNER, 204),
        route(M::GET, "/v1/orgs/{org}/workspaces", None, EVERYONE, 200),
        route(
            M::GET,
            "/v1/orgs/{org}/reports/summary?from=2026-01-01T00:00:00Z&to=2026-02-01T00:00:00Z&group_by=day",
            None,
            EVERYONE,
            200,
        ),
        route(
            M::POST,
            "/v1/orgs/{org}/workspaces",
            Some(json!({ "name": "Desk {n}" })),
            OWNER,
            201,
        ),
    ]
}

fn all_routes() -> Vec<Route> {
    let mut routes = workspace_routes();
    routes.push(delete_workspace_route());
    routes.extend(org_routes());
    routes
}

/// The tenant routes of the route table in `api/src/rest/mod.rs`, as (method, template).
fn routes_in_the_route_table() -> Vec<(String, String)> {
    let table = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/src/rest/mod.rs"));
    let mut found = Vec::new();
    for line in table.lines() {
        let Some((_, rest)) = line.split_once(".service(r(\"") else {
            continue;
        };
        let Some((path, handlers)) = rest.split_once('"') else {
            continue;
        };
        let path = path
            .replace("{workspace_id}", "{ws}")
            .replace("{org_id}", "{org}")
            .replace("{user_id}", "{user}")
            .replace("{key_id}", "{key}")
            .replace("{team_id}", "{team}")
            .replace("{channel_id}", "{channel}")
            .replace("{contact_id}", "{contact}")
            .replace("{conversation_id}", "{conversation}")
            .replace("{commitment_id}", "{commitment}")
            .replace("{notification_id}", "{notification}")
            .replace("{event_id}", "{event}")
            .replace("{rule_id}", "{rule}")
            .replace("{hours_id}", "{hours}")
            .replace("{policy_id}", "{policy}");
        if !path.starts_with("/v1/workspaces/") && !path.starts_with("/v1/orgs/{org}") {
            continue;
        }
        for method in ["get", "post", "patch", "delete", "put"] {
            if handlers.contains(&format!(".{method}(")) {
                found.push((method.to_uppercase(), path.clone()));
            }
        }
    }
    found.sort();
    found
}

/// The values a route template is filled with. `heir`, `source`, `picked`, `recipient` and
/// `via` appear in bodies only.
#[derive(Clone, Debug)]
struct Ids {
    ws: String,
    org: String,
    team: String,
    key: String,
    user: String,
    heir: String,
    channel: String,
    contact: String,
    conversation: String,
    notification: String,
    event: String,
    rule: String,
    hours: String,
    policy: String,
    commitment: String,
    source: String,
    picked: String,
    recipient: String,
    via: String,
    listener: String,
    n: String,
}

fn random_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

impl Ids {
    fn random() -> Ids {
        Ids {
            ws: random_id(),
            org: random_id(),
            team: random_id(),
            key: random_id(),
            user: random_id(),
            heir: random_id(),
            channel: random_id(),
            contact: random_id(),
            conversation: random_id(),
            notification: random_id(),
            event: random_id(),
            rule: random_id(),
            hours: random_id(),
            policy: random_id(),
            commitment: random_id(),
            source: random_id(),
            picked: random_id(),
            recipient: random_id(),
            via: random_id(),
            listener: random_id(),
            n: random_id(),
        }
    }

    /// Every path id malformed; the body ids stay well-formed so the body parses.
    fn malformed() -> Ids {
        let bad = "not-a-uuid".to_owned();
        Ids {
            ws: bad.clone(),
            org: bad.clone(),
            team: bad.clone(),
            key: bad.clone(),
            user: bad.clone(),
            channel: bad.clone(),
            contact: bad.clone(),
            conversation: bad.clone(),
            notification: bad.clone(),
            event: bad.clone(),
            rule: bad.clone(),
            hours: bad.clone(),
            policy: bad.clone(),
            commitment: bad,
            ..Ids::random()
        }
    }

    /// These ids with the objects (team, key, member, care objects) of `other`.
    fn with_objects_of(&self, other: &Ids) -> Ids {
        Ids {
            ws: self.ws.clone(),
            org: self.org.clone(),
            n: self.n.clone(),
            ..other.clone()
        }
    }

    fn fill(&self, template: &str) -> String {
        template
            .replace("{ws}", &self.ws)
            .replace("{org}", &self.org)
            .replace("{team}", &self.team)
            .replace("{key}", &self.key)
            .replace("{user}", &self.user)
            .replace("{heir}", &self.heir)
            .replace("{channel}", &self.channel)
            .replace("{contact}", &self.contact)
            .replace("{conversation}", &self.conversation)
            .replace("{notification}", &self.notification)
            .replace("{event}", &self.event)
            .replace("{rule}", &self.rule)
            .replace("{hours}", &self.hours)
            .replace("{policy}", &self.policy)
            .replace("{commitment}", &self.commitment)
            .replace("{listener}", &self.listener)
            .replace("{source}", &self.source)
            .replace("{picked}", &self.picked)
            .replace("{recipient}", &self.recipient)
            .replace("{via}", &self.via)
            .replace("{n}", &self.n)
    }
}

fn bearer(token: &str) -> String {
    format!("Bearer {token}")
}

/// Calls a route with an optional `Authorization` header value.
async fn call(app: &TestApp, auth: Option<&str>, route: &Route, ids: &Ids) -> Response {
    let mut req = app
        .client
        .request(route.method.clone(), app.url(&ids.fill(route.path)));
    if let Some(auth) = auth {
        req = req.header("authorization", auth);
    }
    if let Some(body) = &route.body {
        req = req
            .header("content-type", "application/json")
            .body(ids.fill(&body.to_string()));
    }
    req.send().await.expect("request sent")
}

/// Asserts the status and, for errors, the problem document's code; returns the body.
async fn expect(response: Response, status: u16, code: Option<&str>, label: &str) -> Value {
    let actual = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let body: Value = response.json().await.unwrap_or(Value::Null);
    assert_eq!(actual, status, "{label}: {body}");
    if let Some(code) = code {
        assert_eq!(body["code"], code, "{label}: {body}");
        assert!(
            content_type.starts_with("application/problem+json"),
            "{label}: {content_type}"
        );
    }
    body
}

/// Calls every route and expects the same problem from each.
async fn expect_all(
    app: &TestApp,
    auth: Option<&str>,
    routes: &[Route],
    ids: &Ids,
    status: u16,
    code: &str,
) {
    for route in routes {
        let response = call(app, auth, route, ids).await;
        let label = format!("{} as {auth:?} with {ids:?}", route.label());
        expect(response, status, Some(code), &label).await;
    }
}

/// Calls every route naming objects the workspace does not hold and expects each route's
/// answer to that.
async fn expect_unknown_objects(app: &TestApp, auth: Option<&str>, routes: &[Route], ids: &Ids) {
    for route in routes {
        let (status, code) = route.unknown_object_answer();
        let response = call(app, auth, route, ids).await;
        let label = format!("{} as {auth:?} with {ids:?}", route.label());
        expect(response, status, Some(code), &label).await;
    }
}

/// A tenant with a team, an API key holding every scope, an agent, the care objects and a
/// notification for the owner (the agent mentioned them in a note).
struct Side {
    t: Tenant,
    team: String,
    key: String,
    secret: String,
    member: String,
    member_token: String,
    care: Care,
    notification: String,
}

impl Side {
    fn ids(&self) -> Ids {
        Ids {
            ws: self.t.workspace_id.clone(),
            org: self.t.org_id.clone(),
            team: self.team.clone(),
            key: self.key.clone(),
            user: self.member.clone(),
            heir: self.member.clone(),
            channel: self.care.channel.clone(),
            contact: self.care.contact.clone(),
            conversation: self.care.conversation.clone(),
            notification: self.notification.clone(),
            event: self.care.event.clone(),
            rule: self.care.rule.clone(),
            hours: self.care.hours.clone(),
            policy: self.care.policy.clone(),
            commitment: self.care.commitment.clone(),
            source: self.care.source.clone(),
            picked: self.care.conversation.clone(),
            recipient: self.care.contact.clone(),
            via: self.care.channel.clone(),
            listener: self.care.listener.clone(),
            n: random_id(),
        }
    }
}

async fn side(app: &TestApp, t: Tenant) -> Side {
    let team = create_team(app, &t.workspace_id, &t.token, "Escalations").await;
    let (key, secret) = app.api_key(&t, ALL_SCOPES).await;
    let (member, member_token) = app.member_with_role(&t, "agent").await;
    let care = care(app, &t, "side").await;
    let mentioned = (t.user_id.as_str(), t.token.as_str());
    let notification = mention(app, &t, &care, &member_token, mentioned).await;
    Side {
        t,
        team,
        key,
        secret,
        member,
        member_token,
        care,
        notification,
    }
}

/// The care objects of a workspace: an `api` channel, a conversation a customer started
/// through it and that customer's contact, a second contact to merge into the first, a
/// platform delivery the worker could not read (to be retried), an X channel with a
/// keyword listening rule, a business-hours calendar and an SLA policy.
#[derive(Clone, Debug)]
struct Care {
    channel: String,
    contact: String,
    conversation: String,
    source: String,
    event: String,
    listener: String,
    rule: String,
    hours: String,
    policy: String,
    commitment: String,
}

async fn care(app: &TestApp, t: &Tenant, n: &str) -> Care {
    let ws = format!("/v1/workspaces/{}", t.workspace_id);
    let body = json!({ "kind": "api", "name": format!("Partner {n}") });
    let channel = str_of(&post_ok(app, &format!("{ws}/channels"), &t.token, body).await["id"]);
    let body = json!({
        "platform_message_id": format!("first-{n}"),
        "author": { "platform_user_id": format!("ada-{n}"), "handle": "@ada", "display_name": "Ada" },
        "text": "My parcel is late",
        "visibility": "public",
    });
    let inbound = format!("{ws}/channels/{channel}/inbound");
    let pushed = post_ok(app, &inbound, &t.token, body).await;
    let body = json!({ "display_name": format!("Ada twin {n}") });
    let source = post_ok(app, &format!("{ws}/contacts"), &t.token, body).await;
    let care = Care {
        channel,
        contact: str_of(&pushed["conversation"]["contact"]["id"]),
        conversation: str_of(&pushed["conversation"]["id"]),
        source: str_of(&source["id"]),
        event: failed_delivery(app, t, n).await,
        listener: x_listener(app, t, n).await,
        rule: String::new(),
        hours: String::new(),
        policy: String::new(),
        commitment: String::new(),
    };
    let body =
        json!({ "name": format!("Seeded {n}"), "query": "refund", "channel_id": care.listener });
    let rule = post_ok(app, &format!("{ws}/listening-rules"), &t.token, body).await;
    let body = json!({ "name": format!("Seeded hours {n}"), "timezone": "America/New_York",
        "weekly": { "sunday": [{ "start": "22:00", "end": "06:00" }] } });
    let hours = post_ok(app, &format!("{ws}/business-hours"), &t.token, body).await;
    let body = json!({ "name": format!("Seeded policy {n}"),
        "targets": { "resolution_seconds": 86_400 } });
    let policy = post_ok(app, &format!("{ws}/sla-policies"), &t.token, body).await;
    let body = json!({ "text": format!("A technician visits ({n})"),
        "due_at": chrono::Utc::now() + chrono::Duration::days(3) });
    let path = format!("{ws}/conversations/{}/commitments", care.conversation);
    let commitment = post_ok(app, &path, &t.token, body).await;
    Care {
        commitment: str_of(&commitment["id"]),
        rule: str_of(&rule["id"]),
        hours: str_of(&hours["id"]),
        policy: str_of(&policy["id"]),
        ..care
    }
}

/// An X channel to listen with (never polled here); returns its id.
async fn x_listener(app: &TestApp, t: &Tenant, n: &str) -> String {
    let ws = format!("/v1/workspaces/{}", t.workspace_id);
    let body = json!({ "kind": "x", "name": format!("X {n}"),
        "settings": { "account_id": "1000000000000000001" },
        "credentials": { "consumer_key": "ck", "consumer_secret": "cs",
            "access_token": "1000000000000000001-at", "access_token_secret": "ats" } });
    str_of(&post_ok(app, &format!("{ws}/channels"), &t.token, body).await["id"])
}

/// A Telegram delivery the worker could not read; returns its id in the log.
async fn failed_delivery(app: &TestApp, t: &Tenant, n: &str) -> String {
    let ws = format!("/v1/workspaces/{}", t.workspace_id);
    let body = json!({ "kind": "telegram", "name": format!("Bot {n}"),
        "credentials": { "bot_token": "1:A", "secret_token": "hook" } });
    let bot = str_of(&post_ok(app, &format!("{ws}/channels"), &t.token, body).await["id"]);
    let delivered = app
        .client
        .post(app.url(&format!("/v1/hooks/telegram/{bot}")))
        .header("x-telegram-bot-api-secret-token", "hook")
        .json(&json!({ "unreadable": n }))
        .send()
        .await
        .expect("delivery sent");
    assert_eq!(delivered.status(), 200);
    earshot_worker::Consumer::Inbound
        .run_once(&app.core, chrono::Utc::now())
        .await
        .expect("processed");
    let path = format!("{ws}/inbound-events?status=failed&channel_id={bot}");
    str_of(&get_ok(app, &path, &t.token).await["items"][0]["id"])
}

/// Has the author of `token` mention a colleague, given as (user id, token), in a note;
/// returns the notification the colleague receives.
async fn mention(
    app: &TestApp,
    t: &Tenant,
    care: &Care,
    token: &str,
    (user, user_token): (&str, &str),
) -> String {
    let ws = format!("/v1/workspaces/{}", t.workspace_id);
    let path = format!("{ws}/conversations/{}/messages", care.conversation);
    let body = json!({ "kind": "note", "text": "Have a look", "mentions": [user] });
    post_ok(app, &path, token, body).await;
    let list = get_ok(app, &format!("{ws}/notifications?unread=true"), user_token).await;
    let id = str_of(&list["items"][0]["id"]);
    assert!(!id.is_empty(), "no notification for {user}: {list}");
    id
}

async fn world() -> (TestApp, Side, Side) {
    let (app, a, b) = TestApp::two_workspaces().await;
    let a = side(&app, a).await;
    let b = side(&app, b).await;
    (app, a, b)
}

async fn create_team(app: &TestApp, ws: &str, token: &str, name: &str) -> String {
    let path = format!("/v1/workspaces/{ws}/teams");
    let response = app.post(&path, token, json!({ "name": name })).await;
    str_of(&expect(response, 201, None, "create team").await["id"])
}

/// Adds a member without logging them in; returns their user id.
async fn add_member(app: &TestApp, t: &Tenant, role: &str) -> String {
    let path = format!("/v1/workspaces/{}/members", t.workspace_id);
    let email = format!("{role}-{}@example.test", uuid::Uuid::new_v4().simple());
    let response = app
        .post(&path, &t.token, json!({ "email": email, "role": role }))
        .await;
    str_of(&expect(response, 201, None, "add member").await["member"]["user_id"])
}

/// The role of a member, read by the tenant's owner.
async fn role_of(app: &TestApp, t: &Tenant, user: &str) -> Value {
    let path = format!("/v1/workspaces/{}/members/{user}", t.workspace_id);
    expect(app.get(&path, &t.token).await, 200, None, "get member").await["role"].clone()
}

async fn get_ok(app: &TestApp, path: &str, token: &str) -> Value {
    expect(app.get(path, token).await, 200, None, path).await
}

/// Everything a tenant's owner can read about its tenant.
async fn snapshot(app: &TestApp, side: &Side) -> Vec<Value> {
    let t = &side.t;
    let ws = format!("/v1/workspaces/{}", t.workspace_id);
    let org = format!("/v1/orgs/{}", t.org_id);
    let conversation = format!("{ws}/conversations/{}", side.care.conversation);
    let paths = [
        ws.clone(),
        format!("{ws}/members"),
        format!("{ws}/teams"),
        format!("{ws}/api-keys"),
        format!("{ws}/audit-log"),
        format!("{ws}/channels"),
        format!("{ws}/business-hours"),
        format!("{ws}/sla-policies"),
        format!("{ws}/contacts"),
        format!("{ws}/conversations"),
        conversation.clone(),
        format!("{conversation}/messages"),
        format!("{ws}/notifications"),
        org.clone(),
        format!("{org}/members"),
        format!("{org}/workspaces"),
    ];
    let mut out = Vec::new();
    for path in paths {
        out.push(get_ok(app, &path, &t.token).await);
    }
    out
}

fn object_routes() -> Vec<Route> {
    all_routes()
        .into_iter()
        .filter(Route::touches_object)
        .collect()
}

// --- 1. isolation ---------------------------------------------------------------------

#[test]
fn the_tables_here_cover_every_tenant_route_of_the_api() {
    let mut covered: Vec<(String, String)> = all_routes()
        .iter()
        .map(|r| {
            let path = r.path.split('?').next().unwrap_or_default();
            (r.method.to_string(), path.to_owned())
        })
        .collect();
    covered.sort();
    assert_eq!(covered, routes_in_the_route_table());
}

#[tokio::test]
async fn another_tenants_ids_answer_404_on_every_route_and_change_nothing() {
    let (app, a, b) = world().await;
    let before = snapshot(&app, &b).await;
    let owner = bearer(&a.t.token);
    let key = bearer(&a.secret);
    expect_all(
        &app,
        Some(&owner),
        &all_routes(),
        &b.ids(),
        404,
        "not_found",
    )
    .await;
    expect_all(&app, Some(&key), &all_routes(), &b.ids(), 404, "not_found").await;
    let crossed = a.ids().with_objects_of(&b.ids());
    expect_unknown_objects(&app, Some(&owner), &object_routes(), &crossed).await;
    assert_eq!(snapshot(&app, &b).await, before);
    let ws = format!("/v1/workspaces/{}", b.t.workspace_id);
    get_ok(&app, &ws, &b.secret).await;
    get_ok(&app, &ws, &b.member_token).await;
}

#[tokio::test]
async fn random_and_malformed_ids_answer_404_on_every_route() {
    let (app, a, _b) = world().await;
    // A first use stamps the key's `last_used_at`; later uses within a minute do not.
    get_ok(
        &app,
        &format!("/v1/workspaces/{}", a.t.workspace_id),
        &a.secret,
    )
    .await;
    let before = snapshot(&app, &a).await;
    let owner = bearer(&a.t.token);
    expect_all(
        &app,
        Some(&owner),
        &all_routes(),
        &Ids::random(),
        404,
        "not_found",
    )
    .await;
    expect_all(
        &app,
        Some(&owner),
        &all_routes(),
        &Ids::malformed(),
        404,
        "not_found",
    )
    .await;
    let key = bearer(&a.secret);
    expect_all(
        &app,
        Some(&key),
        &all_routes(),
        &Ids::random(),
        404,
        "not_found",
    )
    .await;
    for objects in [Ids::random(), Ids::malformed()] {
        let ids = a.ids().with_objects_of(&objects);
        expect_unknown_objects(&app, Some(&owner), &object_routes(), &ids).await;
    }
    assert_eq!(snapshot(&app, &a).await, before);
}

#[tokio::test]
async fn a_team_member_from_another_tenant_is_refused() {
    let (app, a, b) = world().await;
    let path = format!("/v1/workspaces/{}/teams", a.t.workspace_id);
    let body = json!({ "name": "Mixed", "member_ids": [b.member] });
    let response = app.post(&path, &a.t.token, body).await;
    let problem = expect(response, 422, Some("validation_failed"), "foreign member").await;
    assert_eq!(problem["errors"][0]["code"], "not_a_member");
    let team = format!("{path}/{}", a.team);
    let response = app
        .patch(&team, &a.t.token, json!({ "member_ids": [b.member] }))
        .await;
    expect(response, 422, Some("validation_failed"), "foreign member").await;
}

#[tokio::test]
async fn an_idempotency_key_never_replays_another_tenants_answer() {
    let (app, a, b) = world().await;
    let mut teams = Vec::new();
    for side in [&a, &b] {
        let path = app.url(&format!("/v1/workspaces/{}/teams", side.t.workspace_id));
        let response = app
            .client
            .post(path)
            .bearer_auth(&side.t.token)
            .header("idempotency-key", "same-key-for-both")
            .json(&json!({ "name": "Shared name" }))
            .send()
            .await
            .unwrap();
        assert!(!response.headers().contains_key("idempotent-replayed"));
        teams.push(str_of(&expect(response, 201, None, "team").await["id"]));
    }
    assert_ne!(teams[0], teams[1]);
    let b_team = format!("/v1/workspaces/{}/teams/{}", b.t.workspace_id, teams[1]);
    get_ok(&app, &b_team, &b.t.token).await;
    let a_team = format!("/v1/workspaces/{}/teams/{}", a.t.workspace_id, teams[1]);
    expect(
        app.get(&a_team, &a.t.token).await,
        404,
        Some("not_found"),
        "B's team",
    )
    .await;
}

/// Accepts an invitation; returns the new session's access token.
async fn accept(app: &TestApp, invitation: &str) -> String {
    let body = json!({ "token": invitation, "password": earshot_testkit::PASSWORD });
    let response = app
        .request(
            Method::POST,
            "/v1/auth/invitations/accept",
            None,
            Some(body),
        )
        .await;
    str_of(&expect(response, 200, None, "accept").await["access_token"])
}

async fn invite(app: &TestApp, ws: &str, token: &str, email: &str, role: &str) -> Value {
    let path = format!("/v1/workspaces/{ws}/members");
    let body = json!({ "email": email, "role": role });
    expect(app.post(&path, token, body).await, 201, None, "invite").await
}

#[tokio::test]
async fn adding_another_tenants_invitee_gives_no_way_into_their_account() {
    let (app, a, b) = TestApp::two_workspaces().await;
    let email = "pending@example.test";
    let invited = invite(&app, &b.workspace_id, &b.token, email, "admin").await;
    let added = invite(&app, &a.workspace_id, &a.token, email, "viewer").await;
    assert!(added["invitation_token"].is_null(), "{added}");
    let session = accept(&app, &str_of(&invited["invitation_token"])).await;
    get_ok(
        &app,
        &format!("/v1/workspaces/{}", b.workspace_id),
        &session,
    )
    .await;
    get_ok(
        &app,
        &format!("/v1/workspaces/{}", a.workspace_id),
        &session,
    )
    .await;
}

#[tokio::test]
async fn a_workspace_admin_cannot_take_over_an_invitee_of_another_workspace() {
    let app = TestApp::spawn().await;
    let t = app.tenant("Acme").await;
    let second = create_workspace(&app, &t, &t.token, "Second desk").await;
    let second = str_of(&expect(second, 201, None, "second desk").await["id"]);
    let email = "future-owner@example.test";
    let invited = invite(&app, &second, &t.token, email, "owner").await;
    let (_, admin) = app.member_with_role(&t, "admin").await;
    let added = invite(&app, &t.workspace_id, &admin, email, "viewer").await;
    assert!(added["invitation_token"].is_null(), "{added}");
    let session = accept(&app, &str_of(&invited["invitation_token"])).await;
    get_ok(&app, &format!("/v1/workspaces/{second}"), &session).await;
}

// --- 2. credentials -------------------------------------------------------------------

#[tokio::test]
async fn missing_or_bad_credentials_answer_401_on_every_route() {
    let (app, a, _b) = world().await;
    let unknown_key = bearer(&format!("esk_{}", uuid::Uuid::new_v4().simple()));
    let mut routes = all_routes();
    routes.push(route(Method::GET, "/v1/me", None, EVERYONE, 200));
    // A bearer that is neither a key nor a JWT gets the refined code `invalid_token`.
    let credentials = [
        (None, "unauthenticated"),
        (Some("Bearer garbage"), "invalid_token"),
        (Some("Basic xyz"), "unauthenticated"),
        (Some(unknown_key.as_str()), "unauthenticated"),
    ];
    for (auth, code) in credentials {
        expect_all(&app, auth, &routes, &a.ids(), 401, code).await;
    }
    get_ok(
        &app,
        &format!("/v1/workspaces/{}", a.t.workspace_id),
        &a.t.token,
    )
    .await;
}

// --- 3. roles and scopes --------------------------------------------------------------

/// Fresh objects to act on: a team, a key, a viewer, an heir and the care objects.
async fn objects(app: &TestApp, t: &Tenant, n: &str) -> (Ids, Care) {
    let team = create_team(app, &t.workspace_id, &t.token, &format!("Team {n}")).await;
    let (key, _) = app.api_key(t, &["audit:read"]).await;
    let care = care(app, t, n).await;
    let ids = Ids {
        ws: t.workspace_id.clone(),
        org: t.org_id.clone(),
        team,
        key,
        user: add_member(app, t, "viewer").await,
        heir: add_member(app, t, "agent").await,
        channel: care.channel.clone(),
        contact: care.contact.clone(),
        conversation: care.conversation.clone(),
        notification: random_id(),
        event: care.event.clone(),
        rule: care.rule.clone(),
        hours: care.hours.clone(),
        policy: care.policy.clone(),
        commitment: care.commitment.clone(),
        source: care.source.clone(),
        picked: care.conversation.clone(),
        recipient: care.contact.clone(),
        via: care.channel.clone(),
        listener: care.listener.clone(),
        n: n.to_owned(),
    };
    (ids, care)
}

/// Fresh objects for one role to act on, with a notification for the acting member, given
/// as (user id, token).
async fn targets(app: &TestApp, t: &Tenant, role: &str, me: (&str, &str)) -> Ids {
    let (ids, care) = objects(app, t, role).await;
    let notification = mention(app, t, &care, &t.token, me).await;
    Ids {
        notification,
        ..ids
    }
}

#[tokio::test]
async fn each_role_gets_what_the_matrix_grants_on_every_workspace_route() {
    let app = TestApp::spawn().await;
    let t = app.tenant("Acme").await;
    for (i, role) in ROLES.iter().enumerate() {
        let (user, token) = app.member_with_role(&t, role).await;
        let ids = targets(&app, &t, role, (&user, &token)).await;
        for route in workspace_routes() {
            let response = call(&app, Some(&bearer(&token)), &route, &ids).await;
            let label = format!("{role}: {}", route.label());
            if route.who[i] {
                expect(response, route.ok, None, &label).await;
            } else {
                expect(response, 403, Some("forbidden"), &label).await;
            }
        }
    }
}

#[tokio::test]
async fn only_an_owner_deletes_the_workspace() {
    let app = TestApp::spawn().await;
    let t = app.tenant("Acme").await;
    let path = format!("/v1/workspaces/{}", t.workspace_id);
    for role in &ROLES[1..] {
        let (_, token) = app.member_with_role(&t, role).await;
        expect(
            app.delete(&path, &token).await,
            403,
            Some("forbidden"),
            role,
        )
        .await;
    }
    let (_, owner) = app.member_with_role(&t, "owner").await;
    expect(app.delete(&path, &owner).await, 204, None, "owner").await;
    let gone = app.get(&path, &t.token).await;
    expect(gone, 404, Some("not_found"), "deleted").await;
}

#[tokio::test]
async fn an_admin_cannot_add_promote_demote_or_remove_an_owner() {
    let app = TestApp::spawn().await;
    let t = app.tenant("Acme").await;
    let (admin_id, admin) = app.member_with_role(&t, "admin").await;
    let viewer = add_member(&app, &t, "viewer").await;
    let members = format!("/v1/workspaces/{}/members", t.workspace_id);
    let new_owner = json!({ "email": "boss@example.test", "role": "owner" });
    let response = app.post(&members, &admin, new_owner).await;
    expect(response, 403, Some("forbidden"), "add owner").await;
    for user in [&viewer, &admin_id] {
        let path = format!("{members}/{user}");
        let response = app.patch(&path, &admin, json!({ "role": "owner" })).await;
        expect(response, 403, Some("forbidden"), "promote to owner").await;
    }
    let owner = format!("{members}/{}", t.user_id);
    let response = app.patch(&owner, &admin, json!({ "role": "viewer" })).await;
    expect(response, 403, Some("forbidden"), "demote owner").await;
    let response = app.delete(&owner, &admin).await;
    expect(response, 403, Some("forbidden"), "remove owner").await;
    assert_eq!(role_of(&app, &t, &t.user_id).await, "owner");
    assert_eq!(role_of(&app, &t, &admin_id).await, "admin");
    assert_eq!(role_of(&app, &t, &viewer).await, "viewer");
}

async fn key_status(app: &TestApp, t: &Tenant, scopes: &[&str], route: &Route) -> Response {
    let (key, secret) = app.api_key(t, scopes).await;
    let (ids, _) = objects(app, t, &random_id()).await;
    let ids = Ids { key, ..ids };
    call(app, Some(&bearer(&secret)), route, &ids).await
}

#[tokio::test]
async fn api_keys_act_within_their_scopes() {
    let app = TestApp::spawn().await;
    let t = app.tenant("Acme").await;
    let routes = workspace_routes();
    let find = |m: Method, p: &str| routes.iter().find(|r| r.method == m && r.path == p);
    let team_routes = routes
        .iter()
        .filter(|r| r.path.contains("/teams") && r.method != Method::GET);
    for route in team_routes {
        let response = key_status(&app, &t, &["conversations:read"], route).await;
        expect(response, 403, Some("forbidden"), &route.label()).await;
        let response = key_status(&app, &t, &["settings:manage"], route).await;
        expect(response, route.ok, None, &route.label()).await;
    }
    let list_teams = find(Method::GET, "/v1/workspaces/{ws}/teams").unwrap();
    let response = key_status(&app, &t, &["conversations:read"], list_teams).await;
    expect(
        response,
        403,
        Some("forbidden"),
        "list teams without members:read",
    )
    .await;
    let response = key_status(&app, &t, &["members:read"], list_teams).await;
    expect(response, 200, None, "list teams").await;
    let audit = find(Method::GET, "/v1/workspaces/{ws}/audit-log").unwrap();
    let response = key_status(&app, &t, &["audit:read"], audit).await;
    expect(response, 200, None, "audit with audit:read").await;
    let response = key_status(&app, &t, &["settings:manage"], audit).await;
    expect(response, 403, Some("forbidden"), "audit without audit:read").await;
}

#[tokio::test]
async fn api_keys_act_on_the_care_model_within_their_scopes() {
    let app = TestApp::spawn().await;
    let t = app.tenant("Acme").await;
    let routes = care_routes();
    let (read, write) = ("conversations:read", "conversations:write");
    // (method, path, scopes that grant it, scopes that do not); a write scope also reads
    // what it writes.
    let cases: [(Method, &str, &[&str], &[&str]); 9] = [
        (
            Method::POST,
            "/v1/workspaces/{ws}/channels/{channel}/inbound",
            &["messages:ingest"],
            &[read, write, "channels:manage"],
        ),
        (
            Method::POST,
            "/v1/workspaces/{ws}/channels",
            &["channels:manage"],
            &["settings:manage", "messages:ingest"],
        ),
        (
            Method::GET,
            "/v1/workspaces/{ws}/conversations",
            &[read],
            &["contacts:read", "contacts:write"],
        ),
        (
            Method::GET,
            "/v1/workspaces/{ws}/conversations",
            &[write],
            &["messages:ingest"],
        ),
        (
            Method::PATCH,
            "/v1/workspaces/{ws}/conversations/{conversation}",
            &[write],
            &[read],
        ),
        (
            Method::POST,
            "/v1/workspaces/{ws}/conversations/{conversation}/messages",
            &[write],
            &[read, "contacts:write"],
        ),
        (
            Method::POST,
            "/v1/workspaces/{ws}/conversations/bulk",
            &[write],
            &[read],
        ),
        (
            Method::GET,
            "/v1/workspaces/{ws}/contacts/{contact}",
            &["contacts:write"],
            &[read, write],
        ),
        (
            Method::PATCH,
            "/v1/workspaces/{ws}/contacts/{contact}",
            &["contacts:write"],
            &["contacts:read", write],
        ),
    ];
    for (method, path, grants, refuses) in cases {
        let route = routes
            .iter()
            .find(|r| r.method == method && r.path == path)
            .unwrap();
        let response = key_status(&app, &t, refuses, route).await;
        expect(response, 403, Some("forbidden"), &route.label()).await;
        let response = key_status(&app, &t, grants, route).await;
        expect(response, route.ok, None, &route.label()).await;
    }
}

#[tokio::test]
async fn no_api_key_manages_keys_members_or_the_workspace() {
    let app = TestApp::spawn().await;
    let t = app.tenant("Acme").await;
    let mut routes: Vec<Route> = workspace_routes()
        .into_iter()
        .filter(|r| {
            r.path.contains("/api-keys")
                || r.path.contains("/members") && r.method != Method::GET
                || r.who == OWNER
                || r.path == "/v1/workspaces/{ws}" && r.method == Method::PATCH
        })
        .collect();
    routes.push(delete_workspace_route());
    for route in &routes {
        let response = key_status(&app, &t, ALL_SCOPES, route).await;
        expect(response, 403, Some("forbidden"), &route.label()).await;
    }
    get_ok(
        &app,
        &format!("/v1/workspaces/{}", t.workspace_id),
        &t.token,
    )
    .await;
}

// --- 3b. organization roles -----------------------------------------------------------

async fn create_workspace(app: &TestApp, t: &Tenant, token: &str, name: &str) -> Response {
    let path = format!("/v1/orgs/{}/workspaces", t.org_id);
    app.post(&path, token, json!({ "name": name })).await
}

async fn visible_workspaces(app: &TestApp, t: &Tenant, token: &str) -> Vec<String> {
    let page = get_ok(app, &format!("/v1/orgs/{}/workspaces", t.org_id), token).await;
    let mut ids: Vec<String> = page["items"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|w| str_of(&w["id"]))
        .collect();
    ids.sort();
    ids
}

async fn set_org_role(app: &TestApp, t: &Tenant, token: &str, user: &str, role: &str) -> Response {
    let path = format!("/v1/orgs/{}/members/{user}", t.org_id);
    app.patch(&path, token, json!({ "role": role })).await
}

#[tokio::test]
async fn an_org_member_sees_only_its_workspaces_and_manages_nothing() {
    let (app, a, _b) = TestApp::two_workspaces().await;
    let second = create_workspace(&app, &a, &a.token, "Second desk").await;
    let second = str_of(&expect(second, 201, None, "second desk").await["id"]);
    let (user, token) = app.member_with_role(&a, "viewer").await;
    assert_eq!(
        visible_workspaces(&app, &a, &token).await,
        std::slice::from_ref(&a.workspace_id)
    );
    let created = create_workspace(&app, &a, &token, "Mine").await;
    expect(created, 403, Some("forbidden"), "org_member creates").await;
    let response = app.get(&format!("/v1/workspaces/{second}"), &token).await;
    expect(response, 404, Some("not_found"), "other workspace").await;
    let response = set_org_role(&app, &a, &token, &user, "org_admin").await;
    expect(response, 403, Some("forbidden"), "self-promotion").await;
    let owner_path = format!("/v1/orgs/{}/members/{}", a.org_id, a.user_id);
    let response = app.delete(&owner_path, &token).await;
    expect(response, 403, Some("forbidden"), "remove org owner").await;
    get_ok(&app, &format!("/v1/orgs/{}", a.org_id), &token).await;
    get_ok(&app, &format!("/v1/orgs/{}/members", a.org_id), &token).await;
}

#[tokio::test]
async fn an_org_admin_acts_as_admin_in_its_orgs_workspaces_only() {
    let (app, a, b) = TestApp::two_workspaces().await;
    let second = create_workspace(&app, &a, &a.token, "Second desk").await;
    let second = str_of(&expect(second, 201, None, "second desk").await["id"]);
    let (user, token) = app.member_with_role(&a, "viewer").await;
    let response = set_org_role(&app, &a, &a.token, &user, "org_admin").await;
    assert_eq!(
        expect(response, 200, None, "promote").await["role"],
        "org_admin"
    );
    let mut both = vec![a.workspace_id.clone(), second.clone()];
    both.sort();
    assert_eq!(visible_workspaces(&app, &a, &token).await, both);
    for ws in [&a.workspace_id, &second] {
        create_team(&app, ws, &token, "Agency team").await;
        let path = format!("/v1/workspaces/{ws}");
        expect(
            app.delete(&path, &token).await,
            403,
            Some("forbidden"),
            "delete",
        )
        .await;
    }
    let members = format!("/v1/workspaces/{second}/members");
    let owner = json!({ "email": "boss@example.test", "role": "owner" });
    expect(
        app.post(&members, &token, owner).await,
        403,
        Some("forbidden"),
        "owner",
    )
    .await;
    let created = create_workspace(&app, &a, &token, "Agency desk").await;
    expect(created, 201, None, "org_admin creates").await;
    let response = set_org_role(&app, &a, &token, &user, "org_owner").await;
    expect(response, 403, Some("forbidden"), "org_owner grant").await;
    let foreign = format!("/v1/workspaces/{}", b.workspace_id);
    expect(
        app.get(&foreign, &token).await,
        404,
        Some("not_found"),
        "foreign ws",
    )
    .await;
    let foreign = format!("/v1/orgs/{}", b.org_id);
    expect(
        app.get(&foreign, &token).await,
        404,
        Some("not_found"),
        "foreign org",
    )
    .await;
}

#[tokio::test]
async fn an_org_admin_cannot_remove_a_workspace_owner_through_the_org() {
    let app = TestApp::spawn().await;
    let t = app.tenant("Acme").await;
    let (owner_id, _) = app.member_with_role(&t, "owner").await;
    let (admin_id, admin) = app.member_with_role(&t, "viewer").await;
    let promoted = set_org_role(&app, &t, &t.token, &admin_id, "org_admin").await;
    expect(promoted, 200, None, "org_admin").await;
    let path = format!("/v1/orgs/{}/members/{owner_id}", t.org_id);
    let response = app.delete(&path, &admin).await;
    expect(response, 403, Some("forbidden"), "org_admin removes owner").await;
    assert_eq!(role_of(&app, &t, &owner_id).await, "owner");
    expect(
        app.delete(&path, &t.token).await,
        204,
        None,
        "org_owner removes",
    )
    .await;
}

// --- 4. mass assignment ---------------------------------------------------------------

async fn post_ok(app: &TestApp, path: &str, token: &str, body: Value) -> Value {
    expect(app.post(path, token, body).await, 201, None, path).await
}

/// Sends a body that tries to choose ids or tenants and expects `422` naming exactly the
/// smuggled fields.
async fn refused_fields(app: &TestApp, method: Method, path: &str, token: &str, body: Value) {
    let mut expected: Vec<String> = body
        .as_object()
        .into_iter()
        .flat_map(|map| map.keys())
        .filter(|key| key.ends_with("id"))
        .map(|key| format!("/{key}"))
        .collect();
    expected.sort();
    let response = app.request(method, path, Some(token), Some(body)).await;
    let problem = expect(response, 422, Some("validation_failed"), path).await;
    let mut named: Vec<String> = problem["errors"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|e| {
            assert_eq!(e["code"], "unknown_field", "{path}: {e}");
            str_of(&e["pointer"])
        })
        .collect();
    named.sort();
    assert_eq!(named, expected, "{path}");
}

#[tokio::test]
async fn create_bodies_cannot_choose_the_workspace_or_the_id() {
    let (app, a, b) = world().await;
    let (before_a, before_b) = (snapshot(&app, &a).await, snapshot(&app, &b).await);
    let ws = format!("/v1/workspaces/{}", a.t.workspace_id);
    let (forged, elsewhere) = (random_id(), b.t.workspace_id.clone());
    let body = json!({ "name": "Moved", "workspace_id": elsewhere, "id": forged });
    refused_fields(&app, Method::POST, &format!("{ws}/teams"), &a.t.token, body).await;
    let scopes = ["conversations:read"];
    let body = json!({ "name": "k", "scopes": scopes, "workspace_id": elsewhere, "id": forged });
    refused_fields(
        &app,
        Method::POST,
        &format!("{ws}/api-keys"),
        &a.t.token,
        body,
    )
    .await;
    assert_eq!(snapshot(&app, &a).await, before_a);
    assert_eq!(snapshot(&app, &b).await, before_b);
}

#[tokio::test]
async fn member_and_workspace_bodies_cannot_choose_the_organization() {
    let (app, a, b) = world().await;
    let (before_a, before_b) = (snapshot(&app, &a).await, snapshot(&app, &b).await);
    let body = json!({ "email": "moved@example.test", "role": "viewer", "org_id": b.t.org_id,
        "workspace_id": b.t.workspace_id });
    let path = format!("/v1/workspaces/{}/members", a.t.workspace_id);
    refused_fields(&app, Method::POST, &path, &a.t.token, body).await;
    let org = format!("/v1/orgs/{}", a.t.org_id);
    let body = json!({ "name": "Placed", "org_id": b.t.org_id, "id": b.t.workspace_id });
    refused_fields(
        &app,
        Method::POST,
        &format!("{org}/workspaces"),
        &a.t.token,
        body,
    )
    .await;
    let workspaces = get_ok(&app, &format!("{org}/workspaces"), &a.t.token).await;
    assert!(!workspaces.to_string().contains("Placed"), "{workspaces}");
    assert_eq!(snapshot(&app, &a).await, before_a);
    assert_eq!(snapshot(&app, &b).await, before_b);
}

#[tokio::test]
async fn patch_bodies_cannot_move_or_rename_ids() {
    let (app, a, b) = world().await;
    let (before_a, before_b) = (snapshot(&app, &a).await, snapshot(&app, &b).await);
    let ws = format!("/v1/workspaces/{}", a.t.workspace_id);
    let body = json!({ "name": "Moved", "org_id": b.t.org_id, "id": b.t.workspace_id });
    refused_fields(&app, Method::PATCH, &ws, &a.t.token, body).await;
    let team = format!("{ws}/teams/{}", a.team);
    let body = json!({ "name": "Renamed", "id": b.team, "workspace_id": b.t.workspace_id });
    refused_fields(&app, Method::PATCH, &team, &a.t.token, body).await;
    assert_eq!(snapshot(&app, &a).await, before_a);
    assert_eq!(snapshot(&app, &b).await, before_b);
}

#[tokio::test]
async fn an_agent_cannot_make_itself_owner() {
    let (app, a, _b) = world().await;
    let own = format!("/v1/workspaces/{}/members/{}", a.t.workspace_id, a.member);
    let body = json!({ "role": "owner", "user_id": a.t.user_id, "workspace_id": a.t.workspace_id });
    let response = app.patch(&own, &a.member_token, body).await;
    expect(response, 403, Some("forbidden"), "agent to owner").await;
    assert_eq!(role_of(&app, &a.t, &a.member).await, "agent");
    let transfer = format!("/v1/workspaces/{}/transfer-ownership", a.t.workspace_id);
    let response = app
        .post(&transfer, &a.member_token, json!({ "user_id": a.member }))
        .await;
    expect(response, 403, Some("forbidden"), "agent transfer").await;
}

// --- 5. revocation --------------------------------------------------------------------

#[tokio::test]
async fn a_revoked_key_is_refused_at_once() {
    let (app, a, _b) = world().await;
    let ws = format!("/v1/workspaces/{}", a.t.workspace_id);
    get_ok(&app, &ws, &a.secret).await;
    let key = format!("{ws}/api-keys/{}", a.key);
    expect(app.delete(&key, &a.t.token).await, 204, None, "revoke").await;
    let response = app.get(&ws, &a.secret).await;
    expect(response, 401, Some("unauthenticated"), "revoked key").await;
    assert!(get_ok(&app, &key, &a.t.token).await["revoked_at"].is_string());
}

#[tokio::test]
async fn a_member_removed_from_the_org_loses_access_at_once() {
    let (app, a, _b) = world().await;
    let ws = format!("/v1/workspaces/{}", a.t.workspace_id);
    get_ok(&app, &ws, &a.member_token).await;
    let member = format!("/v1/orgs/{}/members/{}", a.t.org_id, a.member);
    expect(app.delete(&member, &a.t.token).await, 204, None, "remove").await;
    for path in [
        ws.clone(),
        format!("{ws}/teams"),
        format!("/v1/orgs/{}", a.t.org_id),
    ] {
        let response = app.get(&path, &a.member_token).await;
        expect(response, 404, Some("not_found"), &path).await;
    }
    let gone = app
        .get(&format!("{ws}/members/{}", a.member), &a.t.token)
        .await;
    expect(gone, 404, Some("not_found"), "member row").await;
}

// --- 6. owners ------------------------------------------------------------------------

#[tokio::test]
async fn the_last_owner_cannot_be_demoted_or_removed() {
    let app = TestApp::spawn().await;
    let t = app.tenant("Acme").await;
    let me = format!("/v1/workspaces/{}/members/{}", t.workspace_id, t.user_id);
    let response = app.patch(&me, &t.token, json!({ "role": "admin" })).await;
    expect(response, 409, Some("last_owner"), "demote last").await;
    expect(
        app.delete(&me, &t.token).await,
        409,
        Some("last_owner"),
        "remove last",
    )
    .await;
    let (second_id, second) = app.member_with_role(&t, "owner").await;
    let response = app.patch(&me, &second, json!({ "role": "admin" })).await;
    expect(response, 200, None, "demote one of two").await;
    let own = format!("/v1/workspaces/{}/members/{second_id}", t.workspace_id);
    let response = app.patch(&own, &second, json!({ "role": "agent" })).await;
    expect(response, 409, Some("last_owner"), "demote last").await;
    expect(
        app.delete(&own, &second).await,
        409,
        Some("last_owner"),
        "remove last",
    )
    .await;
    assert_eq!(role_of(&app, &t, &second_id).await, "owner");
}

#[tokio::test]
async fn the_last_org_owner_cannot_be_demoted_or_removed() {
    let app = TestApp::spawn().await;
    let t = app.tenant("Acme").await;
    let me = format!("/v1/orgs/{}/members/{}", t.org_id, t.user_id);
    let response = app
        .patch(&me, &t.token, json!({ "role": "org_admin" }))
        .await;
    expect(response, 409, Some("last_owner"), "demote last").await;
    let response = app.delete(&me, &t.token).await;
    expect(response, 409, Some("last_owner"), "remove last").await;
    let members = get_ok(&app, &format!("/v1/orgs/{}/members", t.org_id), &t.token).await;
    assert_eq!(members["items"][0]["role"], "org_owner");
}

#[tokio::test]
async fn transfer_ownership_makes_the_target_owner_and_the_caller_admin() {
    let app = TestApp::spawn().await;
    let t = app.tenant("Acme").await;
    let (owner_id, owner) = app.member_with_role(&t, "owner").await;
    let heir = add_member(&app, &t, "agent").await;
    let transfer = format!("/v1/workspaces/{}/transfer-ownership", t.workspace_id);
    let response = app
        .post(&transfer, &owner, json!({ "user_id": owner_id }))
        .await;
    expect(response, 422, Some("validation_failed"), "to self").await;
    let response = app
        .post(&transfer, &owner, json!({ "user_id": heir }))
        .await;
    expect(response, 204, None, "transfer").await;
    assert_eq!(role_of(&app, &t, &heir).await, "owner");
    assert_eq!(role_of(&app, &t, &owner_id).await, "admin");
    let response = app
        .post(&transfer, &owner, json!({ "user_id": owner_id }))
        .await;
    expect(response, 403, Some("forbidden"), "no longer owner").await;
    let ws = format!("/v1/workspaces/{}", t.workspace_id);
    expect(
        app.delete(&ws, &owner).await,
        403,
        Some("forbidden"),
        "delete",
    )
    .await;
}

// --- 6b. concurrent demotions ---------------------------------------------------------

/// Two owners, each given as (member path, token), demote each other at the same moment,
/// up to ten rounds; returns the statuses of each round. Between rounds, whoever is still
/// an owner promotes the other again.
async fn race(app: &TestApp, x: (&str, &str), y: (&str, &str), body: &Value) -> Vec<[u16; 2]> {
    let mut rounds = Vec::new();
    for _ in 0..10 {
        let (rx, ry) = tokio::join!(
            app.patch(y.0, x.1, body.clone()),
            app.patch(x.0, y.1, body.clone()),
        );
        rounds.push([rx.status().as_u16(), ry.status().as_u16()]);
        if rounds.last() == Some(&[200, 200]) {
            break;
        }
        let (path, token) = if rx.status() == 200 {
            (y.0, x.1)
        } else {
            (x.0, y.1)
        };
        app.patch(path, token, restore_body(body)).await;
    }
    rounds
}

/// The body that undoes a demotion (workspace or organization).
fn restore_body(body: &Value) -> Value {
    if body["role"] == "admin" {
        json!({ "role": "owner" })
    } else {
        json!({ "role": "org_owner" })
    }
}

#[tokio::test]
async fn two_owners_demoting_each_other_at_once_leave_an_owner() {
    let app = TestApp::spawn().await;
    let t = app.tenant("Acme").await;
    let (x_id, x) = app.member_with_role(&t, "owner").await;
    let (y_id, y) = app.member_with_role(&t, "owner").await;
    let members = format!("/v1/workspaces/{}/members", t.workspace_id);
    let me = format!("{members}/{}", t.user_id);
    expect(
        app.patch(&me, &x, json!({ "role": "admin" })).await,
        200,
        None,
        "me",
    )
    .await;
    let (px, py) = (format!("{members}/{x_id}"), format!("{members}/{y_id}"));
    let body = json!({ "role": "admin" });
    let rounds = race(&app, (&px, &x), (&py, &y), &body).await;
    assert!(!rounds.contains(&[200, 200]), "{rounds:?}");
    let roles = [
        role_of(&app, &t, &x_id).await,
        role_of(&app, &t, &y_id).await,
    ];
    assert!(roles.contains(&json!("owner")), "{roles:?}");
}

#[tokio::test]
async fn two_org_owners_demoting_each_other_at_once_leave_an_org_owner() {
    let app = TestApp::spawn().await;
    let t = app.tenant("Acme").await;
    let (x_id, x) = app.member_with_role(&t, "viewer").await;
    let members = format!("/v1/orgs/{}/members", t.org_id);
    let (px, pt) = (
        format!("{members}/{x_id}"),
        format!("{members}/{}", t.user_id),
    );
    let promoted = app
        .patch(&px, &t.token, json!({ "role": "org_owner" }))
        .await;
    expect(promoted, 200, None, "promote").await;
    let body = json!({ "role": "org_admin" });
    let rounds = race(&app, (&px, &x), (&pt, &t.token), &body).await;
    assert!(!rounds.contains(&[200, 200]), "{rounds:?}");
    let listed = get_ok(&app, &members, &x).await;
    assert!(listed.to_string().contains("\"org_owner\""), "{listed}");
}
