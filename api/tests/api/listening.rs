//! Keyword listening: rules per workspace whose X recent search turns matching public posts
//! into conversations tagged `listening:<name>`, against a local fake of X's search — new
//! posts only (the rule's own `since_id` cursor), every page followed, nothing stored twice,
//! X's refusals shown on the rule; the rules' CRUD over REST and GraphQL, roles and tenants.
#![expect(
    clippy::unwrap_used,
    reason = "test helpers fail the test at once on an unexpected answer"
)]

use chrono::{DateTime, Duration, Utc};
use earshot_testkit::platforms::{Credentials, FakePlatforms, Platform, Trouble, XPost};
use earshot_testkit::{Tenant, TestApp, assert_problem, str_of};
use serde_json::{Value, json};

/// Creates an X channel of the tenant's workspace, speaking to the fake; its id.
async fn x_channel(app: &TestApp, t: &Tenant, fake: &FakePlatforms, settings: Value) -> String {
    let c = fake.credentials().clone();
    let brand = c.access_token.split('-').next().unwrap().to_owned();
    let mut all = json!({ "api_base_url": fake.base_url(Platform::X), "account_id": brand });
    for (k, v) in settings.as_object().unwrap() {
        all[k] = v.clone();
    }
    let body = json!({ "kind": "x", "name": "X", "settings": all,
        "credentials": { "consumer_key": c.consumer_key, "consumer_secret": c.consumer_secret,
            "access_token": c.access_token, "access_token_secret": c.access_token_secret } });
    let path = format!("/v1/workspaces/{}/channels", t.workspace_id);
    let created: Value = app.post(&path, &t.token, body).await.json().await.unwrap();
    str_of(&created["id"])
}

fn rules_path(t: &Tenant) -> String {
    format!("/v1/workspaces/{}/listening-rules", t.workspace_id)
}

struct Setup {
    app: TestApp,
    t: Tenant,
    fake: FakePlatforms,
    channel: String,
    rule: String,
}

/// A workspace with an X channel (with `settings`) and the rule "Refunds" searching `refund`
/// every 60 seconds.
async fn setup(settings: Value) -> Setup {
    let app = TestApp::spawn_stepped_with(|c| c.allow_private_targets = true).await;
    let t = app.tenant("Acme").await;
    let fake = FakePlatforms::start(Credentials::default()).await;
    let channel = x_channel(&app, &t, &fake, settings).await;
    let body = json!({ "name": "Refunds", "query": "refund -is:retweet", "channel_id": channel });
    let response = app.post(&rules_path(&t), &t.token, body).await;
    assert_eq!(response.status(), 201);
    let rule: Value = response.json().await.unwrap();
    assert_eq!(rule["enabled"], true);
    assert_eq!(rule["poll_every_secs"], 60);
    assert_eq!(rule["posts_heard"], 0);
    Setup {
        rule: str_of(&rule["id"]),
        app,
        t,
        fake,
        channel,
    }
}

fn post_id(n: u64) -> String {
    (1_874_000_000_000_002_000_u64 + n).to_string()
}

impl Setup {
    /// A public post by customer `n`, not mentioning the brand.
    fn post(&self, n: u64, text: &str) {
        let post = XPost::new(post_id(n), format!("30{n}"), format!("fan{n}"), text);
        self.fake.x_post(post);
    }

    /// One turn of the poller, then of the inbound consumer; how many sources were polled.
    async fn poll(&self, at: DateTime<Utc>) -> usize {
        let polled = earshot_worker::Consumer::Polling
            .run_once(&self.app.core, at)
            .await
            .unwrap();
        earshot_worker::Consumer::Inbound
            .run_once(&self.app.core, at)
            .await
            .unwrap();
        polled
    }

    async fn conversations(&self, query: &str) -> Vec<Value> {
        let path = format!(
            "/v1/workspaces/{}/conversations?limit=200{query}",
            self.t.workspace_id
        );
        let page = self.app.get_json(&path, &self.t.token).await;
        page["items"].as_array().unwrap().clone()
    }

    async fn rule(&self) -> Value {
        let path = format!("{}/{}", rules_path(&self.t), self.rule);
        self.app.get_json(&path, &self.t.token).await
    }

    fn search_calls(&self) -> Vec<earshot_testkit::platforms::Recorded> {
        self.fake
            .requests()
            .into_iter()
            .filter(|r| r.path.ends_with("/search/recent"))
            .collect()
    }
}

#[tokio::test]
async fn matching_posts_become_conversations_tagged_by_their_rule_and_are_heard_once() {
    let s = setup(json!({})).await;
    s.post(1, "Still waiting for my refund from Acme");
    s.post(2, "Lovely weather for a walk");
    s.post(3, "A REFUND would be nice, Acme");
    let now = Utc::now();
    assert_eq!(s.poll(now).await, 1);

    let heard = s.conversations("").await;
    assert_eq!(heard.len(), 2, "{heard:#?}");
    for conversation in &heard {
        assert_eq!(conversation["tags"], json!(["listening:Refunds"]));
        assert_eq!(conversation["visibility"], "public");
    }
    let tagged = s.conversations("&tag=listening:Refunds").await;
    assert_eq!(tagged.len(), 2, "the inbox filters by the rule's tag");
    // Subscribers learn of a heard post with its tag already on it.
    let created: Vec<Value> = s
        .app
        .outbox()
        .await
        .into_iter()
        .filter(|row| row.event_type == "conversation.created")
        .map(|row| row.payload["data"]["conversation"]["tags"].clone())
        .collect();
    assert_eq!(created, vec![json!(["listening:Refunds"]); 2]);
    let rule = s.rule().await;
    assert_eq!(rule["posts_heard"], 2);
    assert!(rule["last_polled_at"].is_string());
    assert_eq!(rule["last_error"], Value::Null);

    // Not due again before its interval; then nothing new is nothing logged.
    assert_eq!(s.poll(now + Duration::seconds(30)).await, 0);
    assert_eq!(s.poll(now + Duration::seconds(61)).await, 1);
    assert_eq!(s.search_calls().len(), 2);
    assert!(s.search_calls().iter().all(|call| call.answered == 200));
    assert_eq!(s.app.inbound_events().await.len(), 1);

    // A new match is fetched alone: the search asked only for posts after the cursor.
    s.post(4, "refund please");
    assert_eq!(s.poll(now + Duration::seconds(122)).await, 1);
    assert_eq!(s.conversations("").await.len(), 3);
    assert_eq!(s.rule().await["posts_heard"], 3);
}

#[tokio::test]
async fn a_post_that_is_also_a_mention_is_stored_once() {
    let s = setup(json!({ "poll_mentions_every": "60" })).await;
    let mention = XPost::new(post_id(7), "307", "fan7", "@AcmeHelp where is my refund?");
    s.fake.x_mention(mention);
    s.post(8, "refund refund refund");
    assert_eq!(s.poll(Utc::now()).await, 2, "the mentions and the rule");
    let conversations = s.conversations("").await;
    assert_eq!(conversations.len(), 2, "{conversations:#?}");
    for conversation in &conversations {
        let path = format!(
            "/v1/workspaces/{}/conversations/{}/messages",
            s.t.workspace_id,
            str_of(&conversation["id"])
        );
        let messages = s.app.get_json(&path, &s.t.token).await;
        assert_eq!(messages["items"].as_array().unwrap().len(), 1);
    }
    assert_eq!(s.app.inbound_events().await.len(), 2);
}

#[tokio::test]
async fn every_page_of_a_busy_search_is_stored_before_the_cursor_moves() {
    let s = setup(json!({})).await;
    for n in 0..105 {
        s.post(n, &format!("refund number {n}"));
    }
    let now = Utc::now();
    assert_eq!(s.poll(now).await, 1);
    assert_eq!(s.search_calls().len(), 2, "the next_token was followed");
    assert_eq!(s.conversations("").await.len(), 105);
    assert_eq!(s.rule().await["posts_heard"], 105);
    s.post(200, "one more refund");
    assert_eq!(s.poll(now + Duration::seconds(61)).await, 1);
    assert_eq!(s.rule().await["posts_heard"], 106, "only the new post");
    assert_eq!(s.conversations("").await.len(), 106);
}

#[tokio::test]
async fn x_refusals_are_shown_on_the_rule_and_a_rate_limit_is_waited_out() {
    let s = setup(json!({})).await;
    s.post(1, "refund?");
    s.fake.fail_next(Platform::X, Trouble::x_rate_limited(900));
    let now = Utc::now();
    assert_eq!(s.poll(now).await, 1);
    let rule = s.rule().await;
    assert!(
        rule["last_error"].as_str().is_some_and(|e| !e.is_empty()),
        "{rule}"
    );
    assert_eq!(rule["posts_heard"], 0);
    assert!(s.conversations("").await.is_empty());
    let path = format!("/v1/workspaces/{}/channels/{}", s.t.workspace_id, s.channel);
    let channel = s.app.get_json(&path, &s.t.token).await;
    assert_eq!(
        channel["health"]["state"], "active",
        "search's window is its own: replies still go out"
    );
    assert_eq!(s.poll(now + Duration::seconds(120)).await, 0, "X's wait");
    assert_eq!(s.poll(now + Duration::seconds(901)).await, 1);
    assert_eq!(s.conversations("").await.len(), 1);
    assert_eq!(s.rule().await["last_error"], Value::Null);

    // A revoked token is the channel's: it needs re-authorising.
    s.fake.expire_token(Platform::X);
    assert_eq!(s.poll(now + Duration::seconds(962)).await, 1);
    assert!(s.rule().await["last_error"].is_string());
    let channel = s.app.get_json(&path, &s.t.token).await;
    assert_eq!(channel["health"]["state"], "needs_reauth");
}

#[tokio::test]
async fn a_disabled_rule_is_not_searched_and_a_new_query_starts_afresh() {
    let s = setup(json!({})).await;
    s.post(1, "refund now");
    let path = format!("{}/{}", rules_path(&s.t), s.rule);
    let off = s
        .app
        .patch(&path, &s.t.token, json!({ "enabled": false }))
        .await;
    assert_eq!(off.status(), 200);
    let now = Utc::now();
    assert_eq!(s.poll(now).await, 0);
    assert!(s.search_calls().is_empty());

    let on = s
        .app
        .patch(&path, &s.t.token, json!({ "enabled": true }))
        .await;
    assert_eq!(on.status(), 200);
    assert_eq!(s.poll(now).await, 1);
    assert_eq!(s.rule().await["posts_heard"], 1);
    // Another query has no cursor yet: the same post is fetched again, and stored once.
    let body = json!({ "query": "\"refund now\"", "poll_every_secs": 15 });
    let changed: Value = s
        .app
        .patch(&path, &s.t.token, body)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(changed["query"], "\"refund now\"");
    assert_eq!(changed["poll_every_secs"], 15);
    assert_eq!(s.poll(now + Duration::seconds(1)).await, 1);
    assert_eq!(s.rule().await["posts_heard"], 2);
    assert_eq!(s.conversations("").await.len(), 1);
    // Renaming keeps the cursor: nothing is fetched again.
    let renamed = s
        .app
        .patch(&path, &s.t.token, json!({ "name": "Now" }))
        .await;
    assert_eq!(renamed.status(), 200);
    assert_eq!(s.poll(now + Duration::seconds(20)).await, 1);
    assert_eq!(s.rule().await["posts_heard"], 2);

    assert_eq!(s.app.delete(&path, &s.t.token).await.status(), 204);
    assert_eq!(s.app.get(&path, &s.t.token).await.status(), 404);
    assert_eq!(
        s.poll(now + Duration::hours(2)).await,
        0,
        "its cursor is gone"
    );
    assert_eq!(s.conversations("").await.len(), 1, "what it heard stays");
}

#[tokio::test]
async fn bad_rules_are_refused_with_the_fields_named() {
    let s = setup(json!({})).await;
    let body = json!({ "name": " ", "query": "x".repeat(513), "channel_id": s.channel,
        "poll_every_secs": 5 });
    let refused = s.app.post(&rules_path(&s.t), &s.t.token, body).await;
    let problem = assert_problem(refused, 422, "validation_failed").await;
    let fields: Vec<&str> = problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["name", "query", "poll_every_secs"]);

    let api = s.app.api_channel(&s.t).await;
    let body = json!({ "name": "Api", "query": "refund", "channel_id": api });
    let refused = s.app.post(&rules_path(&s.t), &s.t.token, body).await;
    let problem = assert_problem(refused, 422, "validation_failed").await;
    assert_eq!(problem["errors"][0]["field"], "channel_id");
    assert_eq!(problem["errors"][0]["code"], "not_an_x_channel");

    let body = json!({ "name": "Refunds", "query": "again", "channel_id": s.channel });
    let taken = s.app.post(&rules_path(&s.t), &s.t.token, body).await;
    assert_problem(taken, 409, "listening_rule_name_taken").await;
    let body = json!({ "name": "Other", "query": "x", "channel_id": s.channel, "extra": 1 });
    let unknown = s.app.post(&rules_path(&s.t), &s.t.token, body).await;
    assert_eq!(unknown.status(), 422);
    let rules = s.app.get_json(&rules_path(&s.t), &s.t.token).await;
    let names: Vec<&str> = rules["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Refunds"], "no refused rule was stored");
}

#[tokio::test]
async fn agents_read_rules_but_only_admins_change_them() {
    let s = setup(json!({})).await;
    let (_, agent) = s.app.member_with_role(&s.t, "agent").await;
    let listed = s.app.get_json(&rules_path(&s.t), &agent).await;
    assert_eq!(listed["items"][0]["id"], json!(s.rule));
    let body = json!({ "name": "Mine", "query": "refund", "channel_id": s.channel });
    let refused = s.app.post(&rules_path(&s.t), &agent, body).await;
    assert_problem(refused, 403, "forbidden").await;
    let path = format!("{}/{}", rules_path(&s.t), s.rule);
    let refused = s
        .app
        .patch(&path, &agent, json!({ "enabled": false }))
        .await;
    assert_problem(refused, 403, "forbidden").await;
    assert_problem(s.app.delete(&path, &agent).await, 403, "forbidden").await;
    let (_, admin) = s.app.member_with_role(&s.t, "admin").await;
    let ok = s
        .app
        .patch(&path, &admin, json!({ "name": "Refund talk" }))
        .await;
    assert_eq!(ok.status(), 200);
}

#[tokio::test]
async fn another_workspaces_rules_and_channels_are_not_found() {
    let s = setup(json!({})).await;
    let other = s.app.tenant("Globex").await;
    let theirs = x_channel(&s.app, &other, &s.fake, json!({})).await;
    let body = json!({ "name": "Theirs", "query": "refund", "channel_id": theirs });
    let created: Value = s
        .app
        .post(&rules_path(&other), &other.token, body)
        .await
        .json()
        .await
        .unwrap();
    let their_rule = str_of(&created["id"]);

    // Their rule through our workspace, and their workspace with our token.
    let ours = format!("{}/{their_rule}", rules_path(&s.t));
    assert_problem(s.app.get(&ours, &s.t.token).await, 404, "not_found").await;
    let patch = json!({ "enabled": false });
    assert_problem(
        s.app.patch(&ours, &s.t.token, patch).await,
        404,
        "not_found",
    )
    .await;
    assert_problem(s.app.delete(&ours, &s.t.token).await, 404, "not_found").await;
    let listed = s.app.get(&rules_path(&other), &s.t.token).await;
    assert_problem(listed, 404, "not_found").await;
    // Their channel for our rule.
    let body = json!({ "name": "Borrowed", "query": "refund", "channel_id": theirs });
    let refused = s.app.post(&rules_path(&s.t), &s.t.token, body).await;
    assert_problem(refused, 404, "not_found").await;
    let path = format!("{}/{}", rules_path(&s.t), s.rule);
    let refused = s
        .app
        .patch(&path, &s.t.token, json!({ "channel_id": theirs }))
        .await;
    assert_problem(refused, 404, "not_found").await;
    // Ours lists only ours; theirs is untouched.
    let listed = s.app.get_json(&rules_path(&s.t), &s.t.token).await;
    assert_eq!(listed["items"].as_array().unwrap().len(), 1);
    let path = format!("{}/{their_rule}", rules_path(&other));
    assert_eq!(s.app.get_json(&path, &other.token).await["enabled"], true);
}

fn gql_code(answer: &Value) -> &str {
    answer["errors"][0]["extensions"]["code"]
        .as_str()
        .unwrap_or_default()
}

#[tokio::test]
async fn rules_are_managed_over_graphql_in_the_callers_workspace_only() {
    let s = setup(json!({})).await;
    let ws = s.t.workspace_id.clone();
    let create = "mutation($ws: ID!, $channel: ID!) { createListeningRule(workspaceId: $ws,
        input: { name: \"Late\", query: \"late order\", channelId: $channel, pollEverySecs: 30 })
        { id name query channelId enabled pollEverySecs postsHeard } }";
    let vars = json!({ "ws": ws, "channel": s.channel });
    let created = s.app.graphql(Some(&s.t.token), create, vars).await;
    let rule = &created["data"]["createListeningRule"];
    assert_eq!(rule["query"], "late order", "{created}");
    assert_eq!(rule["pollEverySecs"], 30);
    let id = str_of(&rule["id"]);

    let read = "query($ws: ID!, $id: ID!) { workspace(id: $ws) {
        listeningRules { items { name } } listeningRule(id: $id) { name enabled } } }";
    let answer = s
        .app
        .graphql(Some(&s.t.token), read, json!({ "ws": ws, "id": id }))
        .await;
    let names = &answer["data"]["workspace"]["listeningRules"]["items"];
    assert_eq!(*names, json!([{ "name": "Refunds" }, { "name": "Late" }]));
    let update = "mutation($ws: ID!, $id: ID!) { updateListeningRule(workspaceId: $ws,
        ruleId: $id, input: { enabled: false }) { enabled } }";
    let vars = json!({ "ws": ws, "id": id });
    let updated = s.app.graphql(Some(&s.t.token), update, vars.clone()).await;
    assert_eq!(updated["data"]["updateListeningRule"]["enabled"], false);
    let refused = s
        .app
        .graphql(
            Some(&s.t.token),
            create,
            json!({ "ws": ws, "channel": s.channel }),
        )
        .await;
    assert_eq!(gql_code(&refused), "listening_rule_name_taken");

    // Another workspace's rule and channel are not found from ours.
    let other = s.app.tenant("Globex").await;
    let theirs = x_channel(&s.app, &other, &s.fake, json!({})).await;
    let vars = json!({ "ws": other.workspace_id, "channel": theirs });
    let their_rule = s.app.graphql(Some(&other.token), create, vars).await;
    let their_rule = str_of(&their_rule["data"]["createListeningRule"]["id"]);
    let vars = json!({ "ws": ws, "id": their_rule });
    let answer = s.app.graphql(Some(&s.t.token), read, vars.clone()).await;
    assert_eq!(gql_code(&answer), "not_found", "{answer}");
    let answer = s.app.graphql(Some(&s.t.token), update, vars.clone()).await;
    assert_eq!(gql_code(&answer), "not_found");
    let delete =
        "mutation($ws: ID!, $id: ID!) { deleteListeningRule(workspaceId: $ws, ruleId: $id) }";
    let answer = s.app.graphql(Some(&s.t.token), delete, vars).await;
    assert_eq!(gql_code(&answer), "not_found");
    let vars = json!({ "ws": ws, "channel": theirs });
    let create_other = create.replace("\"Late\"", "\"Borrowed\"");
    let answer = s.app.graphql(Some(&s.t.token), &create_other, vars).await;
    assert_eq!(gql_code(&answer), "not_found");
    let vars = json!({ "ws": other.workspace_id, "id": their_rule });
    let answer = s.app.graphql(Some(&s.t.token), read, vars).await;
    assert_eq!(gql_code(&answer), "not_found");

    let vars = json!({ "ws": ws, "id": id });
    let deleted = s.app.graphql(Some(&s.t.token), delete, vars).await;
    assert_eq!(deleted["data"]["deleteListeningRule"], true);
}
