//! The inbox over real HTTP: every filter, the three sorts, cursor pagination, full-text
//! search, bad queries, and the `agent_visibility` setting that limits what agents see.

use std::collections::BTreeSet;

use chrono::{Duration, Utc};
use earshot_testkit::{TestApp, assert_problem, str_of};
use serde_json::{Value, json};

use crate::conversations::{Desk, ids_of, inbound, ok};

/// The ids an inbox query returns, in order (one page of at most 200).
async fn ordered(app: &TestApp, desk: &Desk, token: &str, query: &str) -> Vec<String> {
    let path = format!("{}/conversations?limit=200&{query}", desk.ws());
    let page = ok(app.get(&path, token).await, 200).await;
    assert!(page["next_cursor"].is_null(), "{query}: {page}");
    ids_of(&page)
}

/// The ids an inbox query returns, as a set.
async fn listed(app: &TestApp, desk: &Desk, token: &str, query: &str) -> BTreeSet<String> {
    ordered(app, desk, token, query).await.into_iter().collect()
}

fn set(ids: &[&String]) -> BTreeSet<String> {
    ids.iter().map(|id| (*id).clone()).collect()
}

/// Walks every page of a query `limit` items at a time; returns the ids in order.
async fn walk(app: &TestApp, desk: &Desk, query: &str, limit: u32) -> Vec<String> {
    let mut walked = Vec::new();
    let mut cursor: Option<String> = None;
    for _ in 0..100 {
        let mut path = format!("{}/conversations?limit={limit}&{query}", desk.ws());
        if let Some(c) = &cursor {
            path.push_str(&format!("&cursor={c}"));
        }
        let page = ok(app.get(&path, &desk.t.token).await, 200).await;
        let items = ids_of(&page);
        assert!(items.len() <= limit as usize, "{query}: {page}");
        walked.extend(items);
        cursor = page["next_cursor"].as_str().map(String::from);
        if cursor.is_none() {
            break;
        }
    }
    walked
}

async fn patch_ok(app: &TestApp, desk: &Desk, id: &str, body: Value) -> Value {
    ok(desk.patch(app, &desk.t.token, id, body).await, 200).await
}

// --- filters --------------------------------------------------------------------------

#[tokio::test]
async fn every_filter_returns_exactly_its_conversations() {
    let app = TestApp::spawn().await;
    let t = app.tenant("Acme").await;
    let desk = Desk::open(&app, &t).await;
    let second = ok(
        app.post(
            &format!("{}/channels", desk.ws()),
            &t.token,
            json!({ "kind": "api", "name": "Second feed" }),
        )
        .await,
        201,
    )
    .await;
    let second = str_of(&second["id"]);
    let (agent, agent_token) = app.member_with_role(&t, "agent").await;
    let (supervisor, _) = app.member_with_role(&t, "supervisor").await;
    let team = desk.team(&app, "Parcels", &[&agent]).await;
    let ada = desk
        .push(&app, inbound("ada", "My parcel never arrived"))
        .await;
    let mut bob = inbound("bob", "Love the new app, thanks so much! Great work");
    bob["visibility"] = json!("public");
    let bob = desk.push(&app, bob).await;
    let cat = desk
        .push_to(&app, &second, inbound("cat", "Where is my order?"))
        .await;
    let cat = cat["conversation"].clone();
    let mut dan = inbound("dan", "Worst service ever, 3rd outage this week @Brand");
    dan["visibility"] = json!("public");
    dan["author"]["follower_count"] = json!(50_000);
    let dan = desk.push_to(&app, &second, dan).await["conversation"].clone();
    let eve = desk.push(&app, inbound("eve", "Hello there")).await;
    let [k1, k2, k3, k4, k5] = [&ada, &bob, &cat, &dan, &eve].map(|c| str_of(&c["id"]));
    let until = (Utc::now() + Duration::hours(3)).to_rfc3339();
    let changes = [
        (
            &k1,
            json!({ "assignee_id": agent, "add_tags": ["vip"], "priority": "urgent" }),
        ),
        (
            &k2,
            json!({ "status": "pending", "team_id": team, "add_tags": ["refund"], "priority": "normal" }),
        ),
        (
            &k3,
            json!({ "status": "resolved", "assignee_id": supervisor, "priority": "low" }),
        ),
        (&k4, json!({ "status": "closed", "priority": "high" })),
        (
            &k5,
            json!({ "status": "snoozed", "snoozed_until": until, "team_id": team,
                "assignee_id": agent, "add_tags": ["vip", "refund"], "priority": "normal" }),
        ),
    ];
    for (id, body) in changes {
        patch_ok(&app, &desk, id, body).await;
    }
    assert_eq!(desk.get(&app, &k4).await["label"], "adversary");
    let all = set(&[&k1, &k2, &k3, &k4, &k5]);
    let ada_contact = str_of(&ada["contact"]["id"]);
    let cases: Vec<(String, BTreeSet<String>)> = vec![
        (String::new(), all.clone()),
        ("status=open".into(), set(&[&k1])),
        ("status=open,pending".into(), set(&[&k1, &k2])),
        ("status= pending , snoozed".into(), set(&[&k2, &k5])),
        ("status=resolved,closed".into(), set(&[&k3, &k4])),
        (format!("assignee_id={agent}"), set(&[&k1, &k5])),
        ("assignee_id=none".into(), set(&[&k2, &k4])),
        ("assignee_id=me".into(), set(&[])),
        (format!("team_id={team}"), set(&[&k2, &k5])),
        (format!("team_id={}", uuid::Uuid::new_v4()), set(&[])),
        (format!("channel_id={second}"), set(&[&k3, &k4])),
        (
            format!("channel_id={}", desk.channel),
            set(&[&k1, &k2, &k5]),
        ),
        ("tag=vip".into(), set(&[&k1, &k5])),
        ("tag=refund".into(), set(&[&k2, &k5])),
        ("tag=%20vip%20".into(), set(&[&k1, &k5])),
        ("tag=nothing".into(), set(&[])),
        ("priority=urgent".into(), set(&[&k1])),
        ("priority=low,urgent".into(), set(&[&k1, &k3])),
        ("priority=normal".into(), set(&[&k2, &k5])),
        ("priority=high".into(), set(&[&k4])),
        ("sla=none".into(), all.clone()),
        ("sla=breached".into(), set(&[])),
        ("sla=running".into(), set(&[])),
        ("q=parcel".into(), set(&[&k1])),
        ("visibility=public".into(), set(&[&k2, &k4])),
        ("visibility=private".into(), set(&[&k1, &k3, &k5])),
        (format!("contact_id={ada_contact}"), set(&[&k1])),
        (
            format!("status=open,pending,snoozed&team_id={team}"),
            set(&[&k2, &k5]),
        ),
        (
            format!("channel_id={}&tag=vip&assignee_id={agent}", desk.channel),
            set(&[&k1, &k5]),
        ),
        ("priority=normal&visibility=private".into(), set(&[&k5])),
        ("status=closed&q=parcel".into(), set(&[])),
    ];
    for (query, expected) in cases {
        assert_eq!(
            listed(&app, &desk, &t.token, &query).await,
            expected,
            "{query}"
        );
    }
    let mut labels: Vec<(String, BTreeSet<String>)> = Vec::new();
    for label in ["adversary", "neutral", "advocate"] {
        let mut expected = BTreeSet::new();
        for id in &all {
            if desk.get(&app, id).await["label"] == label {
                expected.insert(id.clone());
            }
        }
        labels.push((format!("label={label}"), expected));
    }
    for (query, expected) in labels {
        assert_eq!(
            listed(&app, &desk, &t.token, &query).await,
            expected,
            "{query}"
        );
    }
    let mine = listed(&app, &desk, &agent_token, "assignee_id=me").await;
    assert_eq!(mine, set(&[&k1, &k5]));
}

#[tokio::test]
async fn unknown_filters_sorts_and_parameters_answer_400() {
    let app = TestApp::spawn().await;
    let t = app.tenant("Acme").await;
    let desk = Desk::open(&app, &t).await;
    desk.customer(&app, "ada", "My parcel never arrived").await;
    let (_, key) = app.api_key(&t, &["conversations:read"]).await;
    let long_q = "word ".repeat(41);
    let long_tag = "x".repeat(10 * 1024);
    let queries = [
        "sort=newest".to_owned(),
        "sort=".to_owned(),
        "status=open,bogus".to_owned(),
        "status=OPEN".to_owned(),
        "priority=extreme".to_owned(),
        "sla=late".to_owned(),
        "label=angry".to_owned(),
        "visibility=secret".to_owned(),
        "assignee_id=nobody".to_owned(),
        "team_id=not-a-uuid".to_owned(),
        "channel_id=123".to_owned(),
        "contact_id=x".to_owned(),
        "foo=bar".to_owned(),
        "status=open&order=asc".to_owned(),
        "limit=201".to_owned(),
        "limit=0".to_owned(),
        "limit=-1".to_owned(),
        "limit=ten".to_owned(),
        format!("q={long_q}"),
        format!("tag={long_tag}"),
    ];
    for query in &queries {
        let path = format!("{}/conversations?{query}", desk.ws());
        let label = query.chars().take(60).collect::<String>();
        let problem = assert_problem(app.get(&path, &t.token).await, 400, "invalid_query").await;
        assert!(problem["detail"].is_string(), "{label}: {problem}");
    }
    let path = format!("{}/conversations?assignee_id=me", desk.ws());
    assert_problem(app.get(&path, &key).await, 400, "invalid_query").await;
    let path = format!("{}/conversations?limit=200", desk.ws());
    ok(app.get(&path, &t.token).await, 200).await;
}

// --- sorts and pagination -------------------------------------------------------------

/// Twelve conversations with mixed priorities, statuses and visibility; returns their ids.
async fn a_dozen(app: &TestApp, desk: &Desk) -> Vec<String> {
    let priorities = ["low", "normal", "high", "urgent"];
    let statuses = ["open", "pending", "open"];
    let mut ids = Vec::new();
    for i in 0..12 {
        let mut message = inbound(&format!("customer{i}"), &format!("Question number {i}"));
        if i % 2 == 0 {
            message["visibility"] = json!("public");
        }
        let id = str_of(&desk.push(app, message).await["id"]);
        let body = json!({ "priority": priorities[i % 4], "status": statuses[i % 3] });
        patch_ok(app, desk, &id, body).await;
        ids.push(id);
    }
    ids
}

async fn views(app: &TestApp, desk: &Desk, query: &str) -> Vec<Value> {
    let path = format!("{}/conversations?limit=200&{query}", desk.ws());
    let page = ok(app.get(&path, &desk.t.token).await, 200).await;
    page["items"].as_array().cloned().unwrap_or_default()
}

/// A conversation's last activity in microseconds, the precision the inbox sorts by.
fn micros(conversation: &Value) -> i64 {
    serde_json::from_value::<chrono::DateTime<Utc>>(conversation["last_activity_at"].clone())
        .map(|at| at.timestamp_micros())
        .unwrap_or_default()
}

fn rank(priority: &Value) -> u8 {
    match priority.as_str() {
        Some("urgent") => 3,
        Some("high") => 2,
        Some("normal") => 1,
        _ => 0,
    }
}

#[tokio::test]
async fn the_inbox_sorts_by_last_activity_priority_or_sla_due() {
    let app = TestApp::spawn().await;
    let t = app.tenant("Acme").await;
    let desk = Desk::open(&app, &t).await;
    let ids = a_dozen(&app, &desk).await;
    // A new note and a change move a conversation to the top of the default order.
    let body = json!({ "kind": "note", "text": "Looking into it" });
    ok(desk.post_message(&app, &t.token, &ids[3], body).await, 201).await;
    patch_ok(&app, &desk, &ids[7], json!({ "add_tags": ["later"] })).await;
    let by_activity = views(&app, &desk, "").await;
    let order = ids_of(&json!({ "items": by_activity }));
    assert_eq!(order.len(), 12);
    assert_eq!(order[..2], [ids[7].clone(), ids[3].clone()]);
    assert_eq!(
        ordered(&app, &desk, &t.token, "sort=last_activity").await,
        order
    );
    let times: Vec<i64> = by_activity.iter().map(micros).collect();
    let mut newest_first = times.clone();
    newest_first.sort_by(|a, b| b.cmp(a));
    assert_eq!(times, newest_first);
    let by_priority = views(&app, &desk, "sort=priority").await;
    let keys: Vec<(u8, i64)> = by_priority
        .iter()
        .map(|c| (rank(&c["priority"]), micros(c)))
        .collect();
    let mut expected = keys.clone();
    expected.sort_by(|a, b| b.cmp(a));
    assert_eq!(keys, expected);
    assert_eq!(by_priority[0]["priority"], "urgent");
    assert_eq!(by_priority[11]["priority"], "low");
    // No SLA policy applies yet: every deadline is absent, and the order falls to the id.
    let by_due = views(&app, &desk, "sort=sla_due").await;
    assert!(by_due.iter().all(|c| c["sla_due_at"].is_null()));
    let mut sorted_ids = ids.clone();
    sorted_ids.sort();
    assert_eq!(ids_of(&json!({ "items": by_due })), sorted_ids);
}

#[tokio::test]
async fn cursor_pagination_walks_every_conversation_once_for_each_sort_and_filter() {
    let app = TestApp::spawn().await;
    let t = app.tenant("Acme").await;
    let desk = Desk::open(&app, &t).await;
    a_dozen(&app, &desk).await;
    let filters = [
        "",
        "status=open,pending",
        "visibility=public",
        "priority=high,urgent&status=open",
    ];
    for sort in ["last_activity", "priority", "sla_due"] {
        for filter in filters {
            let query = format!("sort={sort}&{filter}");
            let all = ordered(&app, &desk, &t.token, &query).await;
            assert!(!all.is_empty(), "{query}");
            for limit in [1, 2, 5] {
                let walked = walk(&app, &desk, &query, limit).await;
                assert_eq!(walked, all, "{query} limit {limit}");
            }
        }
    }
    let exact = walk(&app, &desk, "", 6).await;
    assert_eq!(exact.len(), 12);
}

#[tokio::test]
async fn a_tag_lists_its_conversations_in_the_order_of_their_latest_activity() {
    let app = TestApp::spawn().await;
    let t = app.tenant("Acme").await;
    let desk = Desk::open(&app, &t).await;
    let ids = a_dozen(&app, &desk).await;
    // The odd ones: private conversations, which a customer's new message joins.
    let tagged: Vec<&String> = ids.iter().skip(1).step_by(2).collect();
    for id in &tagged {
        patch_ok(&app, &desk, id, json!({ "add_tags": ["vip"] })).await;
    }
    // Activity moves after tagging: a customer writes again, an agent notes, a status changes.
    let joined = desk.push(&app, inbound("customer5", "Still waiting")).await;
    assert_eq!(str_of(&joined["id"]), ids[5]);
    let note = json!({ "kind": "note", "text": "Escalated" });
    ok(desk.post_message(&app, &t.token, &ids[9], note).await, 201).await;
    patch_ok(&app, &desk, &ids[3], json!({ "status": "pending" })).await;
    patch_ok(&app, &desk, &ids[2], json!({ "status": "pending" })).await;
    let everything = ordered(&app, &desk, &t.token, "").await;
    let expected: Vec<String> = everything
        .into_iter()
        .filter(|id| tagged.contains(&id))
        .collect();
    assert_eq!(expected.len(), 6);
    assert_eq!(
        expected[..3],
        [ids[3].clone(), ids[9].clone(), ids[5].clone()]
    );
    assert_eq!(ordered(&app, &desk, &t.token, "tag=vip").await, expected);
    for limit in [1, 4] {
        assert_eq!(walk(&app, &desk, "tag=vip", limit).await, expected);
    }
    let pending = ordered(&app, &desk, &t.token, "tag=vip&status=pending").await;
    let expected_pending: Vec<String> = ordered(&app, &desk, &t.token, "status=pending")
        .await
        .into_iter()
        .filter(|id| tagged.contains(&id))
        .collect();
    assert_eq!(pending, expected_pending);
    // Other sorts filter by the tag the same way.
    let by_priority = ordered(&app, &desk, &t.token, "tag=vip&sort=priority").await;
    assert_eq!(by_priority.len(), 6);
    assert_eq!(
        walk(&app, &desk, "tag=vip&sort=priority", 2).await,
        by_priority
    );
}

#[tokio::test]
async fn a_tampered_or_foreign_cursor_answers_400() {
    let app = TestApp::spawn().await;
    let t = app.tenant("Acme").await;
    let desk = Desk::open(&app, &t).await;
    let ids = a_dozen(&app, &desk).await;
    let first_page = |sort: &str| format!("{}/conversations?limit=2&sort={sort}", desk.ws());
    let mut cursors = Vec::new();
    for sort in ["last_activity", "priority", "sla_due"] {
        let page = ok(app.get(&first_page(sort), &t.token).await, 200).await;
        cursors.push((sort, str_of(&page["next_cursor"])));
    }
    let messages = format!("{}/messages?limit=1", desk.conversation(&ids[0]));
    ok(
        desk.post_message(
            &app,
            &t.token,
            &ids[0],
            json!({ "kind": "note", "text": "n" }),
        )
        .await,
        201,
    )
    .await;
    let message_cursor = str_of(&ok(app.get(&messages, &t.token).await, 200).await["next_cursor"]);
    let mut bad = vec![
        ("last_activity", "garbage".to_owned()),
        ("last_activity", String::new()),
        ("last_activity", message_cursor),
    ];
    for (sort, cursor) in &cursors {
        assert!(!cursor.is_empty(), "{sort}");
        let mut flipped: Vec<char> = cursor.chars().collect();
        flipped[4] = if flipped[4] == 'A' { 'B' } else { 'A' };
        bad.push((sort, flipped.into_iter().collect()));
        bad.push((sort, format!("{cursor}A")));
        bad.push((sort, cursor[..cursor.len() - 1].to_owned()));
        for other in ["last_activity", "priority", "sla_due"] {
            if other != *sort {
                bad.push((other, cursor.clone()));
            }
        }
    }
    for (sort, cursor) in bad {
        let path = format!("{}&cursor={cursor}", first_page(sort));
        let response = app.get(&path, &t.token).await;
        assert_problem(response, 400, "invalid_cursor").await;
    }
    for (sort, cursor) in cursors {
        let path = format!("{}&cursor={cursor}", first_page(sort));
        ok(app.get(&path, &t.token).await, 200).await;
    }
}

// --- full-text search -----------------------------------------------------------------

#[tokio::test]
async fn search_finds_words_in_messages_and_contact_names() {
    let app = TestApp::spawn().await;
    let (t, b) = (app.tenant("Acme").await, app.tenant("Globex").await);
    let desk = Desk::open(&app, &t).await;
    let mut message = inbound("adal", "My PARCEL never arrived at the depot");
    message["author"]["display_name"] = json!("Ada Lovelace");
    let ada = str_of(&desk.push(&app, message).await["id"]);
    let mut message = inbound("bobs", "Parcel arrived damaged");
    message["author"]["display_name"] = json!("Bob Stone");
    let bob = str_of(&desk.push(&app, message).await["id"]);
    let mut message = inbound("catp", "Where is my order?");
    message["author"]["display_name"] = json!("Cat Power");
    let cat = str_of(&desk.push(&app, message).await["id"]);
    let mut message = inbound("catp", "The box was crushed");
    message["author"]["display_name"] = json!("Cat Power");
    assert_eq!(str_of(&desk.push(&app, message).await["id"]), cat);
    let elsewhere = Desk::open(&app, &b).await;
    elsewhere
        .customer(&app, "adal", "parcel parcel lovelace")
        .await;
    let cases = [
        ("parcel", set(&[&ada, &bob])),
        ("PARCEL", set(&[&ada, &bob])),
        ("parcel arrived", set(&[&ada, &bob])),
        ("never parcel", set(&[&ada])),
        ("NEVER  Parcel", set(&[&ada])),
        ("parcel crushed", set(&[])),
        ("crushed", set(&[&cat])),
        ("lovelace", set(&[&ada])),
        ("LoVeLaCe", set(&[&ada])),
        ("ada lovelace", set(&[&ada])),
        ("adal", set(&[&ada])),
        ("@adal", set(&[&ada])),
        ("power", set(&[&cat])),
        ("parcel OR order", set(&[])),
        ("NOT parcel", set(&[])),
        ("parcel AND", set(&[])),
        ("depot", set(&[&ada])),
        ("dep", set(&[])),
        ("globex", set(&[])),
    ];
    for (q, expected) in cases {
        let query = format!("q={}", urlencode(q));
        assert_eq!(
            listed(&app, &desk, &t.token, &query).await,
            expected,
            "q={q}"
        );
    }
    let visible = set(&[&ada, &bob, &cat]);
    let hostile = [
        "\"OR\" NEAR(",
        "NEAR(parcel order, 2)",
        "parcel*",
        "*",
        "-parcel",
        "^parcel",
        "text:parcel",
        "search_text:ada",
        "\"",
        "'",
        "'parcel",
        "(",
        ")",
        "\\",
        "%",
        "_",
        ":",
        "&",
        "|",
        "!",
        "!!!",
        "<->",
        "parcel <-> arrived",
        "parcel & !never",
        "{}",
        "a'b\"c",
        "💥 parcel",
        "rowid",
        "1=1) OR (1=1",
    ];
    for q in hostile {
        let query = format!("q={}", urlencode(q));
        let found = listed(&app, &desk, &t.token, &query).await;
        assert!(found.is_subset(&visible), "q={q}: {found:?}");
    }
    let query = format!("q={}", urlencode("-parcel"));
    assert!(listed(&app, &desk, &t.token, &query).await.contains(&ada));
}

#[tokio::test]
async fn search_pages_walk_matches_by_text_and_by_name_once_each_in_order() {
    search_pages_walk_every_match_once(&TestApp::spawn().await, Statistics::Unread).await;
}

/// The same when each way to match has more matches than are listed by id, so the inbox
/// walks in order instead.
#[tokio::test]
async fn search_pages_are_the_same_when_matches_are_too_many_to_list() {
    let app = TestApp::spawn_with(|config| config.search_listed_matches = 1).await;
    search_pages_walk_every_match_once(&app, Statistics::Unread).await;
}

/// The same when the database's statistics call the word common, so each page is first
/// looked for among the few latest conversations after the cursor (PostgreSQL keeps such
/// statistics; SQLite's plans do not use them).
#[tokio::test]
async fn search_pages_are_the_same_when_a_common_word_is_first_looked_for_among_the_latest() {
    let app = TestApp::spawn_with(|config| {
        config.search_listed_matches = 1;
        config.search_latest_stretch = 3;
    })
    .await;
    let postgres = app.core.config().database.url.starts_with("postgres");
    let before = search_plans(&app, "latest").await;
    search_pages_walk_every_match_once(&app, Statistics::Gathered).await;
    let after = search_plans(&app, "latest").await;
    assert_eq!(
        after > before,
        postgres,
        "latest stretch used {before} → {after}"
    );
}

/// How many searches took a plan, as `/metrics` counts them.
async fn search_plans(app: &TestApp, plan: &str) -> f64 {
    let series = format!("earshot_search_plans_total{{plan=\"{plan}\"}}");
    app.metric(&series).await
}

/// Whether the database has gathered planner statistics before the searches.
#[derive(PartialEq)]
enum Statistics {
    Unread,
    Gathered,
}

async fn search_pages_walk_every_match_once(app: &TestApp, statistics: Statistics) {
    let t = app.tenant("Acme").await;
    let desk = Desk::open(app, &t).await;
    let priorities = ["low", "urgent", "normal", "high"];
    let mut matching = Vec::new();
    for i in 0..9 {
        // 0–2 are named Parcel, 2–5 write about a parcel (2 both ways), 6–8 neither.
        let text = match i {
            2..=5 => format!("Where is parcel {i}?"),
            _ => format!("Question {i}"),
        };
        let mut message = inbound(&format!("customer{i}"), &text);
        if i <= 2 {
            message["author"]["display_name"] = json!(format!("Parcel Person {i}"));
        }
        let id = str_of(&desk.push(app, message).await["id"]);
        let mut body = json!({ "priority": priorities[i % 4] });
        if i % 2 == 0 {
            body["add_tags"] = json!(["even"]);
        }
        patch_ok(app, &desk, &id, body).await;
        if i <= 5 {
            matching.push(id);
        }
    }
    if statistics == Statistics::Gathered {
        app.analyze().await;
    }
    for (filter, unfiltered) in [
        ("q=parcel", ""),
        ("q=parcel&sort=priority", "sort=priority"),
        ("q=parcel&tag=even", "tag=even"),
        (
            "q=parcel&status=open&sort=sla_due",
            "status=open&sort=sla_due",
        ),
    ] {
        let expected: Vec<String> = ordered(app, &desk, &t.token, unfiltered)
            .await
            .into_iter()
            .filter(|id| matching.contains(id))
            .collect();
        assert_eq!(
            ordered(app, &desk, &t.token, filter).await,
            expected,
            "{filter}"
        );
        for limit in [1, 2, 4] {
            let walked = walk(app, &desk, filter, limit).await;
            assert_eq!(walked, expected, "{filter} limit {limit}");
        }
    }
}

fn urlencode(q: &str) -> String {
    q.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            other => format!("%{other:02X}"),
        })
        .collect()
}

// --- agent visibility -----------------------------------------------------------------

/// A workspace where agent 1 is in a team and agent 2 is not, with five conversations:
/// assigned to agent 1, given to the team, assigned to agent 2, nobody's, and given to the
/// team but assigned to agent 2.
struct Floor {
    desk: Desk,
    agent: (String, String),
    conversations: [String; 5],
}

async fn floor(app: &TestApp) -> Floor {
    let t = app.tenant("Acme").await;
    let desk = Desk::open(app, &t).await;
    let agent = app.member_with_role(&t, "agent").await;
    let (other, _) = app.member_with_role(&t, "agent").await;
    let team = desk.team(app, "Parcels", &[&agent.0]).await;
    let mut conversations = Vec::new();
    for user in ["ada", "bob", "cat", "dan", "eve"] {
        let text = format!("Secret parcel number {user}");
        conversations.push(desk.customer(app, user, &text).await);
    }
    let changes = [
        json!({ "assignee_id": agent.0 }),
        json!({ "team_id": team }),
        json!({ "assignee_id": other }),
        json!({}),
        json!({ "team_id": team, "assignee_id": other }),
    ];
    for (id, body) in conversations.iter().zip(changes) {
        if body != json!({}) {
            patch_ok(app, &desk, id, body).await;
        }
    }
    let conversations = [0, 1, 2, 3, 4].map(|i| conversations[i].clone());
    Floor {
        desk,
        agent,
        conversations,
    }
}

/// Asserts that the agent can neither read nor touch the conversation in any way.
async fn unreachable(app: &TestApp, desk: &Desk, token: &str, id: &str) {
    let conversation = desk.conversation(id);
    let messages = format!("{conversation}/messages");
    let bulk = format!("{}/conversations/bulk", desk.ws());
    let me = json!({ "assignee_id": null });
    let answers = [
        app.get(&conversation, token).await,
        app.patch(&conversation, token, json!({ "status": "resolved" }))
            .await,
        app.patch(&conversation, token, me).await,
        app.get(&messages, token).await,
        app.post(&messages, token, json!({ "kind": "reply", "text": "Hi" }))
            .await,
        app.post(&messages, token, json!({ "kind": "note", "text": "Hi" }))
            .await,
        app.post(
            &bulk,
            token,
            json!({ "ids": [id], "changes": { "add_tags": ["x"] } }),
        )
        .await,
    ];
    for response in answers {
        assert_problem(response, 404, "not_found").await;
    }
}

#[tokio::test]
async fn an_agent_restricted_to_assigned_conversations_sees_and_reaches_only_those() {
    let app = TestApp::spawn().await;
    let floor = floor(&app).await;
    let (desk, token) = (&floor.desk, floor.agent.1.as_str());
    let [mine, team, theirs, nobodys, team_theirs] = &floor.conversations;
    desk.agent_visibility(&app, "assigned").await;
    let before: Vec<Value> = {
        let mut out = Vec::new();
        for id in &floor.conversations {
            out.push(desk.get(&app, id).await);
        }
        out
    };
    assert_eq!(listed(&app, desk, token, "").await, set(&[mine]));
    for id in [team, theirs, nobodys, team_theirs] {
        unreachable(&app, desk, token, id).await;
        let grab = json!({ "assignee_id": floor.agent.0 });
        assert_problem(desk.patch(&app, token, id, grab).await, 404, "not_found").await;
    }
    for query in [
        "q=parcel",
        "q=secret",
        "q=bob",
        "q=Customer",
        "status=open",
        "assignee_id=none",
    ] {
        let found = listed(&app, desk, token, query).await;
        assert!(found.is_subset(&set(&[mine])), "{query}: {found:?}");
    }
    assert_eq!(listed(&app, desk, token, "q=ada").await, set(&[mine]));
    for id in &floor.conversations {
        let index = floor
            .conversations
            .iter()
            .position(|c| c == id)
            .unwrap_or(0);
        assert_eq!(desk.get(&app, id).await, before[index]);
    }
    ok(app.get(&desk.conversation(mine), token).await, 200).await;
    let body = json!({ "kind": "reply", "text": "On it" });
    ok(desk.post_message(&app, token, mine, body).await, 201).await;
    // Unassigning itself hands the conversation back: the agent no longer sees it.
    let body = json!({ "assignee_id": null });
    ok(desk.patch(&app, token, mine, body).await, 200).await;
    assert!(listed(&app, desk, token, "").await.is_empty());
    unreachable(&app, desk, token, mine).await;
}

#[tokio::test]
async fn an_agent_restricted_to_its_teams_also_sees_its_teams_conversations() {
    let app = TestApp::spawn().await;
    let floor = floor(&app).await;
    let (desk, token) = (&floor.desk, floor.agent.1.as_str());
    let [mine, team, theirs, nobodys, team_theirs] = &floor.conversations;
    desk.agent_visibility(&app, "team").await;
    let visible = set(&[mine, team, team_theirs]);
    assert_eq!(listed(&app, desk, token, "").await, visible);
    assert_eq!(listed(&app, desk, token, "q=parcel").await, visible);
    assert_eq!(
        listed(&app, desk, token, "q=eve").await,
        set(&[team_theirs])
    );
    for id in [mine, team, team_theirs] {
        ok(app.get(&desk.conversation(id), token).await, 200).await;
    }
    let body = json!({ "kind": "note", "text": "Team note" });
    ok(desk.post_message(&app, token, team, body).await, 201).await;
    for id in [theirs, nobodys] {
        unreachable(&app, desk, token, id).await;
    }
    desk.agent_visibility(&app, "all").await;
    let everything: BTreeSet<String> = floor.conversations.iter().cloned().collect();
    assert_eq!(listed(&app, desk, token, "").await, everything);
    ok(app.get(&desk.conversation(nobodys), token).await, 200).await;
}

#[tokio::test]
async fn supervisors_viewers_and_keys_see_every_conversation_whatever_the_setting() {
    let app = TestApp::spawn().await;
    let floor = floor(&app).await;
    let desk = &floor.desk;
    let everything: BTreeSet<String> = floor.conversations.iter().cloned().collect();
    let (_, supervisor) = app.member_with_role(&desk.t, "supervisor").await;
    let (_, viewer) = app.member_with_role(&desk.t, "viewer").await;
    let (_, key) = app.api_key(&desk.t, &["conversations:read"]).await;
    for setting in ["assigned", "team"] {
        desk.agent_visibility(&app, setting).await;
        for token in [&supervisor, &viewer, &key, &desk.t.token] {
            assert_eq!(listed(&app, desk, token, "").await, everything, "{setting}");
            assert_eq!(listed(&app, desk, token, "q=parcel").await, everything);
            for id in &floor.conversations {
                ok(app.get(&desk.conversation(id), token).await, 200).await;
            }
        }
    }
}
