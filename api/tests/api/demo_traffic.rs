//! `earshot demo` against a test instance: customers arrive from every platform through
//! signed webhooks, a reply goes out to the fake, and the fake reports back on it as the
//! platform would — a WhatsApp reply is seen sent, delivered and read.
#![expect(
    clippy::unwrap_used,
    clippy::panic,
    reason = "test helpers fail the test at once on an unexpected answer"
)]

use std::collections::BTreeSet;
use std::time::Duration;

use earshot_api::demo::{self, Demo, DemoOptions};
use earshot_testkit::platforms::Platform;
use earshot_testkit::{Tenant, TestApp, str_of};
use serde_json::{Value, json};

const EVERY: Duration = Duration::from_millis(40);

struct Running {
    app: TestApp,
    t: Tenant,
    demo: Demo,
    worker: tokio::task::JoinHandle<anyhow::Result<()>>,
}

impl Drop for Running {
    fn drop(&mut self) {
        self.worker.abort();
    }
}

/// A test instance that allows only the demo's fake (not every private address), with the
/// worker running as in `earshot serve`, and the demo streaming `count` messages into it.
async fn running(count: u64) -> Running {
    let app = TestApp::spawn_stepped_with(|c| {
        c.allow_private_targets = false;
        demo::allow_fake(c);
    })
    .await;
    let t = app.tenant("Acme").await;
    let worker = tokio::spawn(earshot_worker::run(app.core.clone()));
    let demo = start(&app, &t, count).await;
    Running {
        app,
        t,
        demo,
        worker,
    }
}

async fn start(app: &TestApp, t: &Tenant, count: u64) -> Demo {
    let options = DemoOptions {
        every: EVERY,
        count: Some(count),
    };
    let workspace = t.workspace_id.parse().unwrap();
    demo::start(&app.core, &app.address, workspace, options)
        .await
        .unwrap()
}

impl Running {
    fn ws(&self, rest: &str) -> String {
        format!("/v1/workspaces/{}{rest}", self.t.workspace_id)
    }

    async fn conversations(&self) -> Vec<Value> {
        let page = self
            .app
            .get_json(&self.ws("/conversations?limit=100"), &self.t.token)
            .await;
        page["items"].as_array().cloned().unwrap_or_default()
    }

    /// Waits until the inbox holds conversations of every kind in `kinds`.
    async fn conversations_from(&self, kinds: &[&str]) -> Vec<Value> {
        self.inbox_until(|items| {
            let seen: BTreeSet<String> = items.iter().map(|c| str_of(&c["channel_kind"])).collect();
            kinds.iter().all(|k| seen.contains(*k))
        })
        .await
    }

    /// Waits until the inbox is as `done` wants it.
    async fn inbox_until(&self, done: impl Fn(&[Value]) -> bool) -> Vec<Value> {
        for _ in 0..300 {
            let items = self.conversations().await;
            if done(&items) {
                return items;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!(
            "the inbox never got there: {:?}",
            self.conversations().await
        );
    }

    async fn messages(&self, conversation: &str) -> Vec<Value> {
        let path = self.ws(&format!("/conversations/{conversation}/messages"));
        let page = self.app.get_json(&path, &self.t.token).await;
        page["items"].as_array().cloned().unwrap_or_default()
    }

    async fn reply(&self, conversation: &str, text: &str, visibility: &str) -> Value {
        let body = json!({ "kind": "reply", "text": text, "visibility": visibility });
        let path = self.ws(&format!("/conversations/{conversation}/messages"));
        let response = self.app.post(&path, &self.t.token, body).await;
        assert_eq!(response.status(), 201);
        response.json().await.unwrap()
    }

    /// Waits until the reply's delivery status is `status`.
    async fn delivery_becomes(&self, conversation: &str, reply: &Value, status: &str) {
        let mut found = Value::Null;
        for _ in 0..300 {
            let messages = self.messages(conversation).await;
            found = messages
                .into_iter()
                .find(|m| m["id"] == reply["id"])
                .unwrap();
            if found["delivery_status"] == status {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("the reply never became {status}: {found}");
    }
}

fn of_kind<'a>(items: &'a [Value], kind: &str) -> &'a Value {
    items.iter().find(|c| c["channel_kind"] == kind).unwrap()
}

#[tokio::test]
async fn customers_arrive_from_every_platform_with_influencers_among_them() {
    let r = running(18).await;
    let kinds = ["x", "facebook", "instagram", "whatsapp", "telegram"];
    r.conversations_from(&kinds).await;
    let influential =
        |c: &Value| c["contact"]["follower_count"].as_i64().unwrap_or_default() >= 100_000;
    // Two influencers: one public, one in DMs.
    let items = r
        .inbox_until(|items| items.iter().filter(|c| influential(c)).count() == 2)
        .await;
    let public = items.iter().filter(|c| c["visibility"] == "public").count();
    assert!(
        public >= 1 && public < items.len(),
        "public and private: {items:?}"
    );
    // The thread the influencer started gathers its follow-ups.
    let x = items
        .iter()
        .find(|c| {
            c["contact"]["handle"]
                .as_str()
                .is_some_and(|h| h.contains("dana_builds"))
        })
        .unwrap();
    assert!(r.messages(&str_of(&x["id"])).await.len() >= 2);
}

#[tokio::test]
async fn a_whatsapp_reply_goes_to_the_fake_and_comes_back_delivered_then_read() {
    let r = running(3).await;
    let items = r.conversations_from(&["whatsapp"]).await;
    let conversation = str_of(&of_kind(&items, "whatsapp")["id"]);
    let reply = r
        .reply(
            &conversation,
            "Sorry Theo, checking order A-1001 now.",
            "private",
        )
        .await;
    r.delivery_becomes(&conversation, &reply, "read").await;
    let sent = r.demo.fake().sent(Platform::Meta);
    let call = sent
        .iter()
        .find(|s| s.body["text"]["body"] == "Sorry Theo, checking order A-1001 now.")
        .unwrap();
    assert_eq!(call.body["messaging_product"], "whatsapp");
    let states: Vec<Value> = r
        .app
        .outbox()
        .await
        .into_iter()
        .filter(|e| e.event_type == "message.updated")
        .filter_map(|e| e.payload.pointer("/data/message").cloned())
        .filter(|m| m["id"] == reply["id"])
        .map(|m| m["delivery_status"].clone())
        .collect();
    assert_eq!(states, [json!("sent"), json!("delivered"), json!("read")]);
}

#[tokio::test]
async fn a_public_x_reply_is_posted_and_its_echo_is_not_taken_for_a_customer() {
    let r = running(1).await;
    let items = r.conversations_from(&["x"]).await;
    let conversation = str_of(&of_kind(&items, "x")["id"]);
    let reply = r
        .reply(&conversation, "@dana_builds we're on it, sorry.", "public")
        .await;
    r.delivery_becomes(&conversation, &reply, "sent").await;
    let tweets: Vec<_> = r
        .demo
        .fake()
        .sent(Platform::X)
        .into_iter()
        .filter(|s| s.path == "/x/2/tweets")
        .collect();
    assert_eq!(tweets.len(), 1);
    // The echo arrives, and is read as the brand's own post.
    let mut processed = Vec::new();
    for _ in 0..100 {
        let log = r.app.get_json(&r.ws("/inbound-events"), &r.t.token).await;
        processed = log["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["kind"] == "x" && e["status"] == "processed")
            .cloned()
            .collect();
        if processed.len() == 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(
        processed.len(),
        2,
        "the mention and the echo: {processed:?}"
    );
    let messages = r.messages(&conversation).await;
    assert_eq!(messages.len(), 2, "the mention and the reply: {messages:?}");
}

#[tokio::test]
async fn a_second_run_reuses_the_channels_and_reaches_its_own_fake() {
    let r = running(1).await;
    r.conversations_from(&["x"]).await;
    let first: Vec<String> = r.demo.channels().iter().map(|c| c.id.to_string()).collect();
    let second = start(&r.app, &r.t, 3).await;
    let again: Vec<String> = second.channels().iter().map(|c| c.id.to_string()).collect();
    assert_eq!(first, again);
    let listed = r.app.get_json(&r.ws("/channels"), &r.t.token).await;
    assert_eq!(listed["items"].as_array().unwrap().len(), 5, "{listed}");
    let whatsapp = listed["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["kind"] == "whatsapp")
        .unwrap();
    let base = str_of(&whatsapp["settings"]["api_base_url"]);
    assert!(base.starts_with(second.fake().address()), "{base}");
    r.conversations_from(&["telegram", "whatsapp"]).await;
}

#[tokio::test]
async fn the_demo_stays_in_its_workspace() {
    let (app, a, b) = TestApp::two_workspaces().await;
    let worker = tokio::spawn(earshot_worker::run(app.core.clone()));
    let demo = start(&app, &a, 4).await;
    while !demo.finished_streaming() {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let channel = &demo.channels()[0].id;
    let other = format!("/v1/workspaces/{}/channels/{channel}", b.workspace_id);
    earshot_testkit::assert_problem(app.get(&other, &b.token).await, 404, "not_found").await;
    let inbox = format!("/v1/workspaces/{}/conversations", b.workspace_id);
    let items = app.get_json(&inbox, &b.token).await;
    assert_eq!(items["items"], json!([]));
    worker.abort();
}
