//! Reports over real HTTP: every figure of a seeded workspace against hand-computed
//! expectations, in total and per day, channel, agent and team; an agent's own figures; the
//! organization roll-up over the workspaces its caller may read only; refused input; and
//! GraphQL answering as REST does.
//!
//! The data set is made the way users make it (customers push messages, agents reply, note,
//! assign, resolve) and then dated by SQL, since a test cannot wait for days to pass.
#![expect(
    clippy::panic,
    reason = "test helpers fail the test at once on an unexpected answer"
)]

use std::collections::HashMap;

use chrono::{Duration, Utc};
use earshot_testkit::{Tenant, TestApp, assert_problem, str_of};
use serde_json::{Value, json};

use crate::conversations::{Desk, inbound, ok};
use crate::sla_policies::create as create_policy;

const FROM: &str = "2026-03-01T00:00:00Z";
const TO: &str = "2026-03-04T00:00:00Z";

/// An instant of March 2026 as stored: `day` of the month and `HH:MM`.
fn at(day: u32, time: &str) -> String {
    format!("2026-03-{day:02}T{time}:00+00:00")
}

/// Before the period.
const LAST_FEBRUARY: &str = "2026-02-28T12:00:00+00:00";
/// The end of the period, excluded.
const END: &str = "2026-03-04T00:00:00+00:00";

/// The SQL literal of an id: PostgreSQL compares text, SQLite stores UUIDs as blobs.
fn id_literal(app: &TestApp, id: &str) -> String {
    if app.core.config().database.url.starts_with("postgres") {
        format!("'{id}'")
    } else {
        format!("X'{}'", id.replace('-', ""))
    }
}

pub(crate) async fn set(app: &TestApp, table: &str, assignments: &str, id: &str) {
    let id = id_literal(app, id);
    app.execute_sql(&format!("UPDATE {table} SET {assignments} WHERE id = {id}"))
        .await;
}

/// Sets columns of the rows of `table` that belong to a conversation.
async fn of_conversation(app: &TestApp, table: &str, assignments: &str, conversation: &str) {
    let id = id_literal(app, conversation);
    app.execute_sql(&format!(
        "UPDATE {table} SET {assignments} WHERE conversation_id = {id}"
    ))
    .await;
}

/// How a clock ended, as the test sets it.
#[derive(Clone, Copy)]
enum Clock {
    Achieved,
    Breached,
    /// Running, neither achieved nor breached.
    Running,
    /// Paused after passing its deadline.
    BreachedPaused,
}

/// Sets when a conversation's clock of `kind` started and how it stands.
async fn clock(app: &TestApp, conversation: &str, kind: &str, started: &str, how: Clock) {
    let (state, outcome, breached) = match how {
        Clock::Achieved => ("stopped", "'achieved'", "NULL".to_owned()),
        Clock::Breached => ("stopped", "'breached'", format!("'{started}'")),
        Clock::Running => ("running", "NULL", "NULL".to_owned()),
        Clock::BreachedPaused => ("paused", "NULL", format!("'{started}'")),
    };
    let id = id_literal(app, conversation);
    let sql = format!(
        "UPDATE sla_clocks SET started_at = '{started}', state = '{state}', \
         outcome = {outcome}, breached_at = {breached} \
         WHERE conversation_id = {id} AND kind = '{kind}'"
    );
    app.execute_sql(&sql).await;
}

/// The seeded workspace: two channels, two agents, a team, seven conversations.
struct World {
    app: TestApp,
    desk: Desk,
    alpha: String,
    beta: String,
    agent1: (String, String),
    agent2: String,
    team: String,
    /// `c1` … `c7`.
    c: HashMap<&'static str, String>,
}

impl World {
    fn t(&self) -> &Tenant {
        &self.desk.t
    }

    fn id(&self, name: &str) -> &str {
        &self.c[name]
    }

    /// A customer message into a channel; returns its conversation's id.
    async fn customer(&self, channel: &str, user: &str) -> String {
        let message = inbound(user, "Where is my order?");
        let pushed = self.desk.push_to(&self.app, channel, message).await;
        str_of(&pushed["conversation"]["id"])
    }

    /// A reply (or a note) to a conversation; returns the message id.
    async fn answer(&self, conversation: &str, kind: &str) -> String {
        let mut body = json!({ "kind": kind, "text": "We are on it" });
        if kind == "reply" {
            body["visibility"] = json!("private");
        }
        let token = &self.t().token;
        let response = self.desk.post_message(&self.app, token, conversation, body);
        str_of(&ok(response.await, 201).await["id"])
    }

    async fn change(&self, conversation: &str, body: Value) {
        let response = self
            .desk
            .patch(&self.app, &self.t().token, conversation, body);
        ok(response.await, 200).await;
    }

    async fn dated(&self, table: &str, id: &str, column: &str, when: &str) {
        set(&self.app, table, &format!("{column} = '{when}'"), id).await;
    }

    fn report_path(&self, query: &str) -> String {
        format!(
            "/v1/workspaces/{}/reports/summary?from={FROM}&to={TO}{query}",
            self.t().workspace_id
        )
    }

    async fn report(&self, query: &str, token: &str) -> Value {
        ok(self.app.get(&self.report_path(query), token).await, 200).await
    }
}

/// Seven conversations between 28 February and 4 March 2026; the report reads
/// [1 March, 4 March). `c5` began before the period and `c6` exactly at its end.
async fn world() -> World {
    let app = TestApp::spawn().await;
    let t = app.tenant("Acme").await;
    let promises = json!({ "name": "Everyone", "targets": { "first_response_seconds": 3600,
        "next_response_seconds": 1800, "resolution_seconds": 86_400 } });
    create_policy(&app, &t, promises).await;
    let desk = Desk::open(&app, &t).await;
    let channels = format!("{}/channels", desk.ws());
    let channel =
        |name: &str| app.post(&channels, &t.token, json!({ "kind": "api", "name": name }));
    let alpha = str_of(&ok(channel("Alpha feed").await, 201).await["id"]);
    let beta = str_of(&ok(channel("Beta feed").await, 201).await["id"]);
    let agent1 = app.member_with_role(&t, "agent").await;
    let (agent2, _) = app.member_with_role(&t, "agent").await;
    let team = desk.team(&app, "Tier 1", &[&agent1.0]).await;
    let mut world = World {
        app,
        desk,
        alpha,
        beta,
        agent1,
        agent2,
        team,
        c: HashMap::new(),
    };
    act(&mut world).await;
    date(&world).await;
    world
}

/// What agents and customers did, in the order they did it; `date` then says when.
async fn act(w: &mut World) {
    let (alpha, beta) = (w.alpha.clone(), w.beta.clone());
    for (name, channel) in [
        ("c1", &alpha),
        ("c2", &alpha),
        ("c3", &beta),
        ("c4", &beta),
        ("c5", &alpha),
        ("c6", &beta),
        ("c7", &alpha),
    ] {
        let conversation = w.customer(channel, name).await;
        w.c.insert(name, conversation);
    }
    for name in ["c1", "c2"] {
        let path = format!("{}/commitments", w.desk.conversation(w.id(name)));
        let body = json!({ "text": "We call you back", "due_at": Utc::now() + Duration::days(1) });
        ok(w.app.post(&path, &w.t().token, body).await, 201).await;
    }
    let (agent1, agent2, team) = (w.agent1.0.clone(), w.agent2.clone(), w.team.clone());
    let c1 = w.id("c1").to_owned();
    w.answer(&c1, "reply").await;
    w.answer(&c1, "note").await;
    w.customer(&alpha, "c1").await;
    w.answer(&c1, "reply").await;
    w.change(
        &c1,
        json!({ "assignee_id": agent1, "team_id": team, "status": "resolved" }),
    )
    .await;
    let c2 = w.id("c2").to_owned();
    w.answer(&c2, "reply").await;
    w.change(&c2, json!({ "assignee_id": agent1 })).await;
    let c3 = w.id("c3").to_owned();
    w.change(&c3, json!({ "team_id": team, "status": "pending" }))
        .await;
    let c4 = w.id("c4").to_owned();
    w.answer(&c4, "reply").await;
    w.change(&c4, json!({ "assignee_id": agent2, "status": "resolved" }))
        .await;
    w.change(&c4, json!({ "status": "closed" })).await;
    let c5 = w.id("c5").to_owned();
    w.answer(&c5, "reply").await;
    let until = (Utc::now() + Duration::days(30)).to_rfc3339();
    w.change(
        &c5,
        json!({ "assignee_id": agent2, "status": "snoozed", "snoozed_until": until }),
    )
    .await;
    let c7 = w.id("c7").to_owned();
    w.answer(&c7, "reply").await;
    w.change(&c7, json!({ "status": "resolved" })).await;
}

/// The messages of a conversation, oldest first: (id, direction).
async fn messages_of(w: &World, conversation: &str) -> Vec<(String, String)> {
    let mut items = w.desk.messages(&w.app, conversation).await;
    items.sort_by_key(|m| str_of(&m["created_at"]));
    items
        .iter()
        .map(|m| (str_of(&m["id"]), str_of(&m["direction"])))
        .collect()
}

/// When everything happened, written over what `act` did.
async fn date(w: &World) {
    // (conversation, created, label, its messages' times oldest first)
    let plan: [(&str, String, &str, Vec<String>); 7] = [
        (
            "c1",
            at(1, "10:00"),
            "adversary",
            vec![
                at(1, "10:00"),
                at(1, "10:10"),
                at(1, "10:20"),
                at(1, "10:30"),
                at(1, "11:00"),
            ],
        ),
        (
            "c2",
            at(1, "20:00"),
            "neutral",
            vec![at(1, "20:00"), at(1, "20:30")],
        ),
        ("c3", at(2, "09:00"), "advocate", vec![at(2, "09:00")]),
        (
            "c4",
            at(3, "08:00"),
            "neutral",
            vec![at(3, "08:00"), at(3, "08:01")],
        ),
        (
            "c5",
            LAST_FEBRUARY.into(),
            "neutral",
            vec![LAST_FEBRUARY.into(), at(1, "09:00")],
        ),
        ("c6", END.into(), "neutral", vec![END.into()]),
        (
            "c7",
            at(2, "12:00"),
            "adversary",
            vec![at(2, "12:00"), at(2, "12:05")],
        ),
    ];
    for (name, created, label, times) in plan {
        let id = w.id(name);
        let messages = messages_of(w, id).await;
        assert_eq!(messages.len(), times.len(), "{name}: {messages:?}");
        for ((message, _), time) in messages.iter().zip(&times) {
            w.dated("messages", message, "created_at", time).await;
        }
        // The conversation keeps its first reply's time: dated with it.
        let first_reply = messages
            .iter()
            .zip(&times)
            .find(|((_, d), _)| d == "outbound");
        if let Some((_, time)) = first_reply {
            w.dated("conversations", id, "first_reply_at", time).await;
        }
        let assignments = format!("created_at = '{created}', label = '{label}'");
        set(&w.app, "conversations", &assignments, id).await;
        clock(&w.app, id, "first_response", &created, Clock::Achieved).await;
        clock(&w.app, id, "resolution", &created, Clock::Running).await;
    }
    let resolved = |name: &str, time: String| (w.id(name).to_owned(), time);
    for (id, time) in [
        resolved("c1", at(1, "12:00")),
        resolved("c4", at(3, "09:00")),
        resolved("c7", at(2, "13:00")),
    ] {
        w.dated("conversations", &id, "resolved_at", &time).await;
    }
    // c1's commitment was kept on 2 March, c2's breached on 3 March.
    let kept = format!(
        "due_at = '{}', state = 'fulfilled', fulfilled_at = '{}'",
        at(2, "10:00"),
        at(2, "09:00")
    );
    of_conversation(&w.app, "commitments", &kept, w.id("c1")).await;
    let broken = format!("due_at = '{0}', breached_at = '{0}'", at(3, "10:00"));
    of_conversation(&w.app, "commitments", &broken, w.id("c2")).await;
    // c1's angry customer scored 5 on 2 March; c4's scored 2 on 3 March.
    let happy = format!(
        "state = 'answered', score = 5, turned_advocate = true, answered_at = '{}'",
        at(2, "09:30")
    );
    of_conversation(&w.app, "followups", &happy, w.id("c1")).await;
    let unhappy = format!(
        "state = 'answered', score = 2, answered_at = '{}'",
        at(3, "10:00")
    );
    of_conversation(&w.app, "followups", &unhappy, w.id("c4")).await;
    // c7 was re-opened since: it is not resolved now.
    set(&w.app, "conversations", "status = 'open'", w.id("c7")).await;
    let app = &w.app;
    clock(
        app,
        w.id("c1"),
        "next_response",
        &at(1, "10:30"),
        Clock::Breached,
    )
    .await;
    clock(
        app,
        w.id("c1"),
        "resolution",
        &at(1, "10:00"),
        Clock::Achieved,
    )
    .await;
    clock(
        app,
        w.id("c2"),
        "first_response",
        &at(1, "20:00"),
        Clock::Breached,
    )
    .await;
    clock(
        app,
        w.id("c3"),
        "first_response",
        &at(2, "09:00"),
        Clock::BreachedPaused,
    )
    .await;
    clock(
        app,
        w.id("c4"),
        "resolution",
        &at(3, "08:00"),
        Clock::Breached,
    )
    .await;
    clock(
        app,
        w.id("c7"),
        "resolution",
        &at(2, "12:00"),
        Clock::Achieved,
    )
    .await;
}

/// Figures as the API writes them. `fr` and `res`: (count, median, p90); `sla`: (achieved,
/// breached) for first response, next response, resolution; `mood`: adversary, neutral,
/// advocate; `waiting`: open, pending, snoozed.
struct Expect {
    volume: [i64; 3],
    fr: (i64, Option<i64>, Option<i64>),
    res: (i64, Option<i64>, Option<i64>),
    sla: [(i64, i64); 3],
    mood: [i64; 3],
    waiting: [i64; 3],
    /// Commitments due, kept, breached.
    promises: [i64; 3],
    /// Satisfaction answers, satisfied, adversaries turned advocates.
    csat: [i64; 3],
}

fn spread((count, median, p90): (i64, Option<i64>, Option<i64>)) -> Value {
    json!({ "count": count, "median": median, "p90": p90 })
}

fn attainment((achieved, breached): (i64, i64)) -> Value {
    let judged = achieved + breached;
    let share = (judged > 0).then(|| achieved as f64 / judged as f64);
    json!({ "achieved": achieved, "breached": breached, "attainment": share })
}

impl Expect {
    fn json(&self) -> Value {
        let [conversations, customer_messages, replies] = self.volume;
        let [adversary, neutral, advocate] = self.mood;
        let [open, pending, snoozed] = self.waiting;
        let [due, kept, breached] = self.promises;
        let [answers, satisfied, turned] = self.csat;
        let rate = |part: i64, whole: i64| (whole > 0).then(|| part as f64 / whole as f64);
        json!({
            "volume": { "conversations": conversations, "customer_messages": customer_messages,
                "replies": replies },
            "first_response_seconds": spread(self.fr),
            "resolution_seconds": spread(self.res),
            "sla": { "first_response": attainment(self.sla[0]),
                "next_response": attainment(self.sla[1]), "resolution": attainment(self.sla[2]) },
            "sentiment": { "adversary": adversary, "neutral": neutral, "advocate": advocate },
            "backlog": { "total": open + pending + snoozed, "open": open, "pending": pending,
                "snoozed": snoozed },
            "commitments": { "due": due, "kept": kept, "breached": breached,
                "kept_rate": rate(kept, kept + breached) },
            "csat": { "answers": answers, "satisfied": satisfied,
                "score": rate(satisfied, answers), "turned_advocates": turned },
        })
    }
}

const NONE: (i64, Option<i64>, Option<i64>) = (0, None, None);

/// Nothing at all: the figures a test leaves unset.
const QUIET: Expect = Expect {
    volume: [0; 3],
    fr: NONE,
    res: NONE,
    sla: [(0, 0); 3],
    mood: [0; 3],
    waiting: [0; 3],
    promises: [0; 3],
    csat: [0; 3],
};

/// Everything in the period: c1–c4 and c7 created; c5's reply on 1 March; c5's backlog.
fn totals() -> Value {
    Expect {
        volume: [5, 6, 6],
        fr: (4, Some(300), Some(1800)),
        res: (2, Some(3600), Some(7200)),
        sla: [(3, 2), (0, 1), (2, 1)],
        mood: [2, 2, 1],
        waiting: [2, 1, 1],
        promises: [2, 1, 1],
        csat: [2, 1, 1],
    }
    .json()
}

#[tokio::test]
async fn every_figure_of_a_workspace_matches_what_happened() {
    let w = world().await;
    let token = w.t().token.clone();
    let report = w.report("", &token).await;
    assert_eq!(report["workspace_id"], w.t().workspace_id);
    assert_eq!(report["from"], "2026-03-01T00:00:00Z");
    assert_eq!(report["to"], "2026-03-04T00:00:00Z");
    assert_eq!(report["group_by"], Value::Null);
    assert_eq!(report["groups"], Value::Null);
    assert_eq!(report["own_conversations_only"], false);
    assert_eq!(report["totals"], totals());

    let by_day = w.report("&group_by=day", &token).await;
    assert_eq!(
        by_day["totals"],
        totals(),
        "grouping leaves the totals alone"
    );
    let day = |d: &str, e: Expect| json!({ "key": { "by": "day", "day": d }, "figures": e.json() });
    let expected = json!([
        day(
            "2026-03-01",
            Expect {
                volume: [2, 3, 4],
                fr: (2, Some(600), Some(1800)),
                res: (1, Some(7200), Some(7200)),
                sla: [(1, 1), (0, 1), (1, 0)],
                mood: [1, 1, 0],
                waiting: [1, 0, 0],
                ..QUIET
            }
        ),
        day(
            "2026-03-02",
            Expect {
                volume: [2, 2, 1],
                fr: (1, Some(300), Some(300)),
                res: NONE,
                sla: [(1, 1), (0, 0), (1, 0)],
                mood: [1, 0, 1],
                waiting: [1, 1, 0],
                promises: [1, 1, 0],
                csat: [1, 1, 1],
            }
        ),
        day(
            "2026-03-03",
            Expect {
                volume: [1, 1, 1],
                fr: (1, Some(60), Some(60)),
                res: (1, Some(3600), Some(3600)),
                sla: [(1, 0), (0, 0), (0, 1)],
                mood: [0, 1, 0],
                waiting: [0, 0, 0],
                promises: [1, 0, 1],
                csat: [1, 0, 0],
            }
        ),
    ]);
    assert_eq!(by_day["groups"], expected);

    let by_channel = w.report("&group_by=channel", &token).await;
    assert_eq!(by_channel["totals"], totals());
    let channel = |id: &str, name: &str, e: Expect| {
        json!({ "key": { "by": "channel", "channel": { "id": id, "name": name, "kind": "api" } },
            "figures": e.json() })
    };
    let expected = json!([
        channel(
            &w.alpha,
            "Alpha feed",
            Expect {
                volume: [3, 4, 5],
                fr: (3, Some(600), Some(1800)),
                res: (1, Some(7200), Some(7200)),
                sla: [(2, 1), (0, 1), (2, 0)],
                mood: [2, 1, 0],
                waiting: [2, 0, 1],
                promises: [2, 1, 1],
                csat: [1, 1, 1],
            }
        ),
        channel(
            &w.beta,
            "Beta feed",
            Expect {
                volume: [2, 2, 1],
                fr: (1, Some(60), Some(60)),
                res: (1, Some(3600), Some(3600)),
                sla: [(1, 1), (0, 0), (0, 1)],
                mood: [0, 1, 1],
                waiting: [0, 1, 0],
                csat: [1, 0, 0],
                ..QUIET
            }
        ),
    ]);
    assert_eq!(by_channel["groups"], expected);
}

#[tokio::test]
async fn figures_split_by_agent_and_team_and_an_agent_reads_its_own() {
    let w = world().await;
    let token = w.t().token.clone();
    let agent1 = Expect {
        volume: [2, 3, 3],
        fr: (2, Some(600), Some(1800)),
        res: (1, Some(7200), Some(7200)),
        sla: [(1, 1), (0, 1), (1, 0)],
        mood: [1, 1, 0],
        waiting: [1, 0, 0],
        promises: [2, 1, 1],
        csat: [1, 1, 1],
    };
    let by_agent = w.report("&group_by=agent", &token).await;
    assert_eq!(by_agent["totals"], totals());
    let groups = by_agent["groups"].as_array().cloned().unwrap_or_default();
    assert_eq!(
        groups[0]["key"],
        json!({ "by": "agent", "user_id": null }),
        "unassigned first"
    );
    let figures_of = |user: Value| {
        groups
            .iter()
            .find(|g| g["key"]["user_id"] == user)
            .map(|g| g["figures"].clone())
            .unwrap_or_else(|| panic!("no group of {user} in {groups:?}"))
    };
    assert_eq!(groups.len(), 3);
    assert_eq!(figures_of(json!(w.agent1.0)), agent1.json());
    let agent2 = Expect {
        volume: [1, 1, 2],
        fr: (1, Some(60), Some(60)),
        res: (1, Some(3600), Some(3600)),
        sla: [(1, 0), (0, 0), (0, 1)],
        mood: [0, 1, 0],
        waiting: [0, 0, 1],
        csat: [1, 0, 0],
        ..QUIET
    };
    assert_eq!(figures_of(json!(w.agent2)), agent2.json());
    let nobody = Expect {
        volume: [2, 2, 1],
        fr: (1, Some(300), Some(300)),
        res: NONE,
        sla: [(1, 1), (0, 0), (1, 0)],
        mood: [1, 0, 1],
        waiting: [1, 1, 0],
        ..QUIET
    };
    assert_eq!(figures_of(Value::Null), nobody.json());

    let by_team = w.report("&group_by=team", &token).await;
    assert_eq!(by_team["totals"], totals());
    let team = |id: Value, e: Expect| json!({ "key": { "by": "team", "team_id": id }, "figures": e.json() });
    let expected = json!([
        team(
            Value::Null,
            Expect {
                volume: [3, 3, 4],
                fr: (3, Some(300), Some(1800)),
                res: (1, Some(3600), Some(3600)),
                sla: [(2, 1), (0, 0), (1, 1)],
                mood: [1, 2, 0],
                waiting: [2, 0, 1],
                promises: [1, 0, 1],
                csat: [1, 0, 0],
            }
        ),
        team(
            json!(w.team),
            Expect {
                volume: [2, 3, 2],
                fr: (1, Some(600), Some(600)),
                res: (1, Some(7200), Some(7200)),
                sla: [(1, 1), (0, 1), (1, 0)],
                mood: [1, 0, 1],
                waiting: [0, 1, 0],
                promises: [1, 1, 0],
                csat: [1, 1, 1],
            }
        ),
    ]);
    assert_eq!(by_team["groups"], expected);

    // An agent reads its own figures: those of the conversations assigned to it.
    let own = w.report("", &w.agent1.1).await;
    assert_eq!(own["own_conversations_only"], true);
    assert_eq!(own["totals"], agent1.json());
    let own_by_channel = w.report("&group_by=channel", &w.agent1.1).await;
    assert_eq!(own_by_channel["groups"][0]["figures"], agent1.json());
    assert_eq!(own_by_channel["totals"], agent1.json());
    assert_eq!(own_by_channel["groups"].as_array().map(Vec::len), Some(1));
}

#[tokio::test]
async fn who_reads_reports_and_another_workspace_is_not_found() {
    let app = TestApp::spawn().await;
    let (a, b) = (app.tenant("Acme").await, app.tenant("Globex").await);
    let path = |t: &Tenant| {
        format!(
            "/v1/workspaces/{}/reports/summary?from={FROM}&to={TO}",
            t.workspace_id
        )
    };
    let (_, viewer) = app.member_with_role(&a, "viewer").await;
    let whole = ok(app.get(&path(&a), &viewer).await, 200).await;
    assert_eq!(whole["own_conversations_only"], false);
    let (_, key) = app.api_key(&a, &["reports:read"]).await;
    ok(app.get(&path(&a), &key).await, 200).await;
    let (_, other_key) = app.api_key(&a, &["conversations:read"]).await;
    assert_problem(app.get(&path(&a), &other_key).await, 403, "forbidden").await;
    assert_problem(app.get(&path(&b), &a.token).await, 404, "not_found").await;
    assert_problem(app.get(&path(&b), &key).await, 404, "not_found").await;
    let org = format!("/v1/orgs/{}/reports/summary?from={FROM}&to={TO}", a.org_id);
    assert_problem(app.get(&org, &key).await, 403, "people_only").await;
}

#[tokio::test]
async fn a_bad_period_or_grouping_is_refused_with_the_field_named() {
    let app = TestApp::spawn().await;
    let t = app.tenant("Acme").await;
    let base = format!("/v1/workspaces/{}/reports/summary", t.workspace_id);
    let org = format!("/v1/orgs/{}/reports/summary", t.org_id);
    let cases: [(&str, &[(&str, &str)]); 6] = [
        ("", &[("from", "required"), ("to", "required")]),
        (
            "?from=yesterday&to=2026-03-01T00:00:00Z",
            &[("from", "invalid_timestamp")],
        ),
        (
            "?from=2026-03-02T00:00:00Z&to=2026-03-01T00:00:00Z",
            &[("to", "not_after_from")],
        ),
        (
            "?from=2026-03-01T00:00:00Z&to=2026-03-01T00:00:00Z",
            &[("to", "not_after_from")],
        ),
        (
            "?from=2025-01-01T00:00:00Z&to=2026-01-02T00:00:01Z",
            &[("to", "period_too_long")],
        ),
        (
            "?from=2026-03-01T00:00:00Z&to=2026-03-02T00:00:00Z&group_by=week",
            &[("group_by", "unknown_group_by")],
        ),
    ];
    for (query, expected) in cases {
        for path in [&base, &org] {
            let answer = assert_problem(
                app.get(&format!("{path}{query}"), &t.token).await,
                422,
                "validation_failed",
            )
            .await;
            let named: Vec<(String, String)> = answer["errors"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|e| (str_of(&e["field"]), str_of(&e["code"])))
                .collect();
            let expected: Vec<(String, String)> = expected
                .iter()
                .map(|(f, c)| (f.to_string(), c.to_string()))
                .collect();
            assert_eq!(named, expected, "{path}{query}");
        }
    }
    let longest = format!("{base}?from=2025-01-01T00:00:00Z&to=2026-01-02T00:00:00Z");
    ok(app.get(&longest, &t.token).await, 200).await;
    let unknown = format!("{base}?from=2026-03-01T00:00:00Z&to=2026-03-02T00:00:00Z&sort=day");
    assert_problem(app.get(&unknown, &t.token).await, 400, "invalid_query").await;
}

/// A workspace with a channel and conversations answered after so many seconds each.
async fn answered(app: &TestApp, t: &Tenant, after: &[i64]) {
    let desk = Desk::open(app, t).await;
    for (n, seconds) in after.iter().enumerate() {
        let id = desk.customer(app, &format!("u{n}"), "Hello?").await;
        let body = json!({ "kind": "reply", "text": "Hi", "visibility": "private" });
        ok(desk.post_message(app, &t.token, &id, body).await, 201).await;
        let start = at(2, "10:00");
        let start_at =
            chrono::DateTime::parse_from_rfc3339(&start).unwrap_or_else(|e| panic!("{start}: {e}"));
        let replied = (start_at + Duration::seconds(*seconds)).to_rfc3339();
        set(
            app,
            "conversations",
            &format!("created_at = '{start}', first_reply_at = '{replied}'"),
            &id,
        )
        .await;
        for message in desk.messages(app, &id).await {
            let when = if message["direction"] == "outbound" {
                &replied
            } else {
                &start
            };
            set(
                app,
                "messages",
                &format!("created_at = '{when}'"),
                &str_of(&message["id"]),
            )
            .await;
        }
    }
}

#[tokio::test]
async fn the_org_roll_up_counts_only_the_workspaces_its_caller_may_read() {
    let app = TestApp::spawn().await;
    let t = app.tenant("Agency").await;
    let other = app.tenant("Globex").await;
    let created = ok(
        app.post(
            &format!("/v1/orgs/{}/workspaces", t.org_id),
            &t.token,
            json!({ "name": "Brand B" }),
        )
        .await,
        201,
    )
    .await;
    let brand_b = Tenant {
        workspace_id: str_of(&created["id"]),
        ..t.clone()
    };
    answered(&app, &t, &[100]).await;
    answered(&app, &brand_b, &[200, 400]).await;
    answered(&app, &other, &[50, 50, 50]).await;
    let path = |org: &str| format!("/v1/orgs/{org}/reports/summary?from={FROM}&to={TO}");

    let all = ok(app.get(&path(&t.org_id), &t.token).await, 200).await;
    assert_eq!(all["org_id"], t.org_id);
    assert_eq!(all["totals"]["volume"]["conversations"], 3);
    assert_eq!(all["totals"]["volume"]["customer_messages"], 3);
    // Over all three values together: not the mean of the workspaces' medians.
    assert_eq!(
        all["totals"]["first_response_seconds"],
        spread((3, Some(200), Some(400)))
    );
    let listed: Vec<(String, String, Value)> = all["workspaces"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|w| {
            (
                str_of(&w["workspace_id"]),
                str_of(&w["name"]),
                w["totals"]["first_response_seconds"].clone(),
            )
        })
        .collect();
    assert_eq!(
        listed,
        vec![
            (
                t.workspace_id.clone(),
                "Agency desk".into(),
                spread((1, Some(100), Some(100)))
            ),
            (
                brand_b.workspace_id.clone(),
                "Brand B".into(),
                spread((2, Some(200), Some(400)))
            ),
        ]
    );
    let by_day = ok(
        app.get(&format!("{}&group_by=day", path(&t.org_id)), &t.token)
            .await,
        200,
    )
    .await;
    let days = &by_day["workspaces"][1]["groups"];
    assert_eq!(days.as_array().map(Vec::len), Some(3));
    assert_eq!(days[1]["key"]["day"], "2026-03-02");
    assert_eq!(days[1]["figures"]["volume"]["conversations"], 2);
    assert_eq!(by_day["totals"], all["totals"]);
    for i in 0..2 {
        assert_eq!(
            by_day["workspaces"][i]["totals"],
            all["workspaces"][i]["totals"]
        );
    }
    assert_eq!(all["totals"]["backlog"]["open"], 3);

    // A member of one workspace of the two sees that one alone.
    let (_, member) = app.member_with_role(&t, "viewer").await;
    let own = ok(app.get(&path(&t.org_id), &member).await, 200).await;
    assert_eq!(own["workspaces"].as_array().map(Vec::len), Some(1));
    assert_eq!(own["workspaces"][0]["workspace_id"], t.workspace_id);
    assert_eq!(own["totals"]["volume"]["conversations"], 1);
    assert_eq!(
        own["totals"]["first_response_seconds"],
        spread((1, Some(100), Some(100)))
    );
    // Another organization does not exist for them.
    assert_problem(
        app.get(&path(&other.org_id), &t.token).await,
        404,
        "not_found",
    )
    .await;
    assert_problem(
        app.get(&path(&other.org_id), &member).await,
        404,
        "not_found",
    )
    .await;
}

/// GraphQL's camelCase names in REST's snake_case.
fn snake(value: &Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| {
                    let mut name = String::new();
                    for c in k.chars() {
                        if c.is_uppercase() {
                            name.push('_');
                        }
                        name.extend(c.to_lowercase());
                    }
                    (name, snake(v))
                })
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(snake).collect()),
        other => other.clone(),
    }
}

const FIGURES: &str = "volume { conversations customerMessages replies }
    firstResponseSeconds { count median p90 } resolutionSeconds { count median p90 }
    sla { firstResponse { achieved breached attainment } nextResponse { achieved breached attainment }
          resolution { achieved breached attainment } }
    sentiment { adversary neutral advocate } backlog { total open pending snoozed }
    commitments { due kept breached keptRate } csat { answers satisfied score turnedAdvocates }";

#[tokio::test]
async fn graphql_answers_as_rest_does() {
    let w = world().await;
    let token = w.t().token.clone();
    let rest = w.report("&group_by=channel", &token).await;
    let query = format!(
        "query($ws: ID!, $from: DateTime!, $to: DateTime!) {{ workspace(id: $ws) {{
            reportSummary(from: $from, to: $to, groupBy: CHANNEL) {{
                workspaceId groupBy ownConversationsOnly totals {{ {FIGURES} }}
                groups {{ key {{ by channel {{ id name kind }} }} figures {{ {FIGURES} }} }} }} }} }}"
    );
    let variables = json!({ "ws": w.t().workspace_id, "from": FROM, "to": TO });
    let answer = w.app.graphql(Some(&token), &query, variables.clone()).await;
    let report = snake(&answer["data"]["workspace"]["reportSummary"]);
    assert_eq!(report["totals"], rest["totals"], "{answer}");
    assert_eq!(report["group_by"], "CHANNEL");
    let figures = |r: &Value| -> Vec<Value> {
        r["groups"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|g| g["figures"].clone())
            .collect()
    };
    assert_eq!(figures(&report), figures(&rest));
    assert_eq!(report["groups"][0]["key"]["channel"]["id"], w.alpha);
    assert_eq!(report["groups"][1]["key"]["channel"]["name"], "Beta feed");

    let org = format!(
        "query($org: ID!, $from: DateTime!, $to: DateTime!) {{ organization(id: $org) {{
            reportSummary(from: $from, to: $to) {{ totals {{ {FIGURES} }} workspaces {{ workspaceId name }} }} }} }}"
    );
    let variables = json!({ "org": w.t().org_id, "from": FROM, "to": TO });
    let answer = w.app.graphql(Some(&token), &org, variables).await;
    let rolled = snake(&answer["data"]["organization"]["reportSummary"]);
    assert_eq!(rolled["totals"], rest["totals"], "{answer}");
    assert_eq!(rolled["workspaces"][0]["workspace_id"], w.t().workspace_id);

    let backwards = json!({ "ws": w.t().workspace_id, "from": TO, "to": FROM });
    let refused = w.app.graphql(Some(&token), &query, backwards).await;
    assert_eq!(
        refused["errors"][0]["extensions"]["code"], "validation_failed",
        "{refused}"
    );
    assert_eq!(
        refused["errors"][0]["extensions"]["errors"][0]["code"],
        "not_after_from"
    );
}
