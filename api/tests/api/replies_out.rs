//! Agents' replies go out on their platforms, against local fakes that speak each platform's
//! wire format: the call each platform documents, the platform's id stored on the reply,
//! waits honoured on rate limits, a revoked token failing the reply and flagging the
//! channel, the platforms' windows refused up front, and WhatsApp statuses moving forward.
#![expect(
    clippy::unwrap_used,
    reason = "test helpers fail the test at once on an unexpected answer"
)]

use chrono::{Duration, Utc};
use earshot_core::channels::verify::meta_signature;
use earshot_testkit::platforms::{Credentials, FakePlatforms, Platform, Trouble};
use earshot_testkit::{Tenant, TestApp, assert_problem, str_of};
use serde_json::{Value, json};

struct Desk {
    app: TestApp,
    t: Tenant,
    fake: FakePlatforms,
}

async fn desk() -> Desk {
    let app = TestApp::spawn_stepped_with(|c| c.allow_private_targets = true).await;
    let t = app.tenant("Acme").await;
    let fake = FakePlatforms::start(Credentials::default()).await;
    Desk { app, t, fake }
}

impl Desk {
    fn ws(&self, rest: &str) -> String {
        format!("/v1/workspaces/{}{rest}", self.t.workspace_id)
    }

    async fn channel(&self, kind: &str, settings: Value, credentials: Value) -> String {
        let body =
            json!({ "kind": kind, "name": kind, "settings": settings, "credentials": credentials });
        let response = self
            .app
            .post(&self.ws("/channels"), &self.t.token, body)
            .await;
        let created: Value = response.json().await.unwrap();
        assert!(created["id"].is_string(), "{created}");
        str_of(&created["id"])
    }

    async fn deliver(&self, kind: &str, channel: &str, headers: &[(&str, String)], body: &str) {
        let mut request = self
            .app
            .client
            .post(self.app.url(&format!("/v1/hooks/{kind}/{channel}")))
            .header("content-type", "application/json")
            .body(body.to_owned());
        for (name, value) in headers {
            request = request.header(*name, value);
        }
        assert_eq!(request.send().await.unwrap().status(), 200);
        earshot_worker::Consumer::Inbound
            .run_once(&self.app.core, Utc::now())
            .await
            .unwrap();
    }

    async fn deliver_meta(&self, kind: &str, channel: &str, body: &str) {
        let signature = meta_signature("meta-secret", body.as_bytes());
        self.deliver(kind, channel, &[("x-hub-signature-256", signature)], body)
            .await;
    }

    async fn only_conversation(&self) -> String {
        let inbox = self
            .app
            .get_json(&self.ws("/conversations"), &self.t.token)
            .await;
        let items = inbox["items"].as_array().unwrap();
        assert_eq!(items.len(), 1, "{inbox}");
        str_of(&items[0]["id"])
    }

    async fn reply(&self, conversation: &str, text: &str, visibility: &str) -> reqwest::Response {
        let body = json!({ "kind": "reply", "text": text, "visibility": visibility });
        let path = self.ws(&format!("/conversations/{conversation}/messages"));
        self.app.post(&path, &self.t.token, body).await
    }

    async fn replied(&self, conversation: &str, text: &str, visibility: &str) -> Value {
        let response = self.reply(conversation, text, visibility).await;
        assert_eq!(response.status(), 201);
        let reply: Value = response.json().await.unwrap();
        assert_eq!(reply["delivery_status"], "queued");
        reply
    }

    /// One turn of the outbound consumer, as of `at`.
    async fn send_due(&self, at: chrono::DateTime<Utc>) -> usize {
        earshot_worker::Consumer::Outbound
            .run_once(&self.app.core, at)
            .await
            .unwrap()
    }

    async fn message(&self, conversation: &str, id: &Value) -> Value {
        let path = self.ws(&format!("/conversations/{conversation}/messages"));
        let page = self.app.get_json(&path, &self.t.token).await;
        page["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["id"] == *id)
            .cloned()
            .unwrap()
    }

    async fn channel_health(&self, channel: &str) -> Value {
        let view = self
            .app
            .get_json(&self.ws(&format!("/channels/{channel}")), &self.t.token)
            .await;
        view["health"].clone()
    }
}

fn telegram_update(update_id: i64, message_id: i64, text: &str) -> String {
    json!({ "update_id": update_id, "message": { "message_id": message_id,
        "date": Utc::now().timestamp(), "text": text,
        "chat": { "id": 5000000001_i64, "type": "private" },
        "from": { "id": 5000000001_i64, "is_bot": false, "first_name": "Dana", "username": "dana_example" } } })
    .to_string()
}

#[tokio::test]
async fn a_telegram_reply_goes_out_in_the_chat_waiting_as_long_as_telegram_asks() {
    let d = desk().await;
    let token = d.fake.credentials().telegram_bot_token.clone();
    let channel = d
        .channel(
            "telegram",
            json!({ "bot_username": "acme_care_bot", "api_base_url": d.fake.base_url(Platform::Telegram) }),
            json!({ "bot_token": token, "secret_token": "care" }),
        )
        .await;
    let secret = [("x-telegram-bot-api-secret-token", "care".to_owned())];
    d.deliver(
        "telegram",
        &channel,
        &secret,
        &telegram_update(1, 42, "My order is late"),
    )
    .await;
    let conversation = d.only_conversation().await;
    let reply = d
        .replied(&conversation, "Sorry Dana, checking now", "private")
        .await;

    // Telegram is busy: the reply waits the 30 s it asks for, and the channel says so.
    d.fake
        .fail_next(Platform::Telegram, Trouble::telegram_retry_after(30));
    let now = Utc::now();
    assert_eq!(d.send_due(now).await, 1);
    let waiting = d.message(&conversation, &reply["id"]).await;
    assert_eq!(waiting["delivery_status"], "queued");
    let health = d.channel_health(&channel).await;
    assert_eq!(health["state"], "rate_limited", "{health}");
    assert!(
        health["last_error"]
            .as_str()
            .unwrap()
            .contains("retry after 30"),
        "{health}"
    );
    assert_eq!(
        d.send_due(now + Duration::seconds(20)).await,
        0,
        "sent before the wait ended"
    );

    assert_eq!(d.send_due(now + Duration::seconds(31)).await, 1);
    let sent = d.fake.sent(Platform::Telegram);
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].path, format!("/telegram/bot{token}/sendMessage"));
    assert_eq!(sent[0].body["chat_id"], 5000000001_i64);
    assert_eq!(sent[0].body["text"], "Sorry Dana, checking now");
    assert_eq!(sent[0].body["reply_parameters"]["message_id"], 42);
    let delivered = d.message(&conversation, &reply["id"]).await;
    assert_eq!(delivered["delivery_status"], "sent");
    let platform_id = str_of(&delivered["platform_message_id"]);
    assert!(platform_id.starts_with("5000000001:"), "{platform_id}");
    assert_eq!(d.channel_health(&channel).await["state"], "active");
    let states: Vec<Value> = d
        .app
        .outbox()
        .await
        .into_iter()
        .filter(|row| row.event_type == "channel.health_changed")
        .map(|row| row.payload["data"]["channel"]["health"]["state"].clone())
        .collect();
    assert_eq!(states, vec![json!("rate_limited"), json!("active")]);
    // Nothing is sent twice.
    assert_eq!(d.send_due(now + Duration::hours(1)).await, 0);
}

fn facebook_comment(comment: &str, text: &str, written: chrono::DateTime<Utc>) -> String {
    json!({ "object": "page", "entry": [{ "id": "300000000000001", "time": written.timestamp(),
        "changes": [{ "field": "feed", "value": { "item": "comment", "verb": "add",
            "comment_id": comment, "post_id": "300000000000001_400000000000001",
            "parent_id": "300000000000001_400000000000001",
            "from": { "id": "7000000000000001", "name": "Dana Example" },
            "message": text, "created_time": written.timestamp() } }] }] })
    .to_string()
}

async fn facebook(d: &Desk) -> String {
    let token = d.fake.credentials().meta_token.clone();
    d.channel(
        "facebook",
        json!({ "page_id": "300000000000001", "graph_version": "v21.0",
            "api_base_url": d.fake.base_url(Platform::Meta) }),
        json!({ "app_secret": "meta-secret", "page_access_token": token, "verify_token": "v" }),
    )
    .await
}

#[tokio::test]
async fn a_facebook_comment_gets_a_public_answer_and_one_private_reply() {
    let d = desk().await;
    let channel = facebook(&d).await;
    let comment = "400000000000001_500000000000001";
    let body = facebook_comment(comment, "Still no refund after two weeks", Utc::now());
    d.deliver_meta("facebook", &channel, &body).await;
    let conversation = d.only_conversation().await;

    let public = d
        .replied(&conversation, "We are on it, Dana", "public")
        .await;
    let private = d
        .replied(
            &conversation,
            "Sending you the details privately",
            "private",
        )
        .await;
    assert_eq!(private["reply_to_platform_id"], comment);
    // One private reply per comment: the second is refused before anything is stored.
    let again = d
        .reply(&conversation, "And one more thing", "private")
        .await;
    assert_problem(again, 409, "private_reply_used").await;

    assert_eq!(
        d.send_due(Utc::now()).await,
        1,
        "one reply at a time per conversation"
    );
    assert_eq!(d.send_due(Utc::now()).await, 1);
    let sent = d.fake.sent(Platform::Meta);
    assert_eq!(sent.len(), 2);
    assert_eq!(sent[0].path, format!("/graph/v21.0/{comment}/comments"));
    assert_eq!(sent[0].body, json!({ "message": "We are on it, Dana" }));
    assert_eq!(sent[1].path, "/graph/v21.0/300000000000001/messages");
    assert_eq!(sent[1].body["recipient"], json!({ "comment_id": comment }));
    assert_eq!(
        sent[1].body["message"]["text"],
        "Sending you the details privately"
    );
    for reply in [&public, &private] {
        let stored = d.message(&conversation, &reply["id"]).await;
        assert_eq!(stored["delivery_status"], "sent", "{stored}");
        assert!(stored["platform_message_id"].is_string());
    }
}

#[tokio::test]
async fn a_week_old_comment_takes_no_private_reply() {
    let d = desk().await;
    let channel = facebook(&d).await;
    let old = Utc::now() - Duration::days(8);
    let body = facebook_comment("400000000000001_500000000000009", "Hello?", old);
    d.deliver_meta("facebook", &channel, &body).await;
    let conversation = d.only_conversation().await;
    let refused = d
        .reply(&conversation, "Sorry for the wait", "private")
        .await;
    assert_problem(refused, 409, "outside_reply_window").await;
    // A public answer is still possible.
    d.replied(&conversation, "Sorry for the wait", "public")
        .await;
}

fn whatsapp_text(written: chrono::DateTime<Utc>) -> String {
    let fixture = std::fs::read_to_string(format!(
        "{}/../../shared/fixtures/whatsapp_text.json",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    fixture.replace("1735732800", &written.timestamp().to_string())
}

fn whatsapp_status(wamid: &str, status: &str) -> String {
    json!({ "object": "whatsapp_business_account", "entry": [{ "id": "110000000000001",
        "changes": [{ "field": "messages", "value": { "messaging_product": "whatsapp",
            "metadata": { "display_phone_number": "15550100000", "phone_number_id": "120000000000001" },
            "statuses": [{ "id": wamid, "status": status, "timestamp": Utc::now().timestamp().to_string(),
                "recipient_id": "15550001111" }] } }] }] })
    .to_string()
}

async fn whatsapp(d: &Desk) -> String {
    let token = d.fake.credentials().meta_token.clone();
    d.channel(
        "whatsapp",
        json!({ "phone_number_id": "120000000000001", "api_base_url": d.fake.base_url(Platform::Meta) }),
        json!({ "app_secret": "meta-secret", "access_token": token, "verify_token": "v" }),
    )
    .await
}

#[tokio::test]
async fn whatsapp_statuses_only_move_a_reply_forward() {
    let d = desk().await;
    let channel = whatsapp(&d).await;
    d.deliver_meta("whatsapp", &channel, &whatsapp_text(Utc::now()))
        .await;
    let conversation = d.only_conversation().await;
    let reply = d
        .replied(
            &conversation,
            "Thanks Dana, checking order A-1001 now.",
            "private",
        )
        .await;
    assert_eq!(d.send_due(Utc::now()).await, 1);
    let sent = d.fake.sent(Platform::Meta);
    assert_eq!(sent[0].path, "/graph/v21.0/120000000000001/messages");
    assert_eq!(sent[0].body["to"], "15550001111");
    assert_eq!(sent[0].body["context"]["message_id"], "wamid.SYNTHETIC0001");
    let wamid = str_of(&d.message(&conversation, &reply["id"]).await["platform_message_id"]);
    assert!(wamid.starts_with("wamid."), "{wamid}");

    d.deliver_meta("whatsapp", &channel, &whatsapp_status(&wamid, "read"))
        .await;
    assert_eq!(
        d.message(&conversation, &reply["id"]).await["delivery_status"],
        "read"
    );
    // `delivered` arriving after `read` changes nothing.
    d.deliver_meta("whatsapp", &channel, &whatsapp_status(&wamid, "delivered"))
        .await;
    assert_eq!(
        d.message(&conversation, &reply["id"]).await["delivery_status"],
        "read"
    );
}

#[tokio::test]
async fn whatsapp_refuses_free_replies_a_day_after_the_customer_wrote() {
    let d = desk().await;
    let channel = whatsapp(&d).await;
    let yesterday = Utc::now() - Duration::hours(25);
    d.deliver_meta("whatsapp", &channel, &whatsapp_text(yesterday))
        .await;
    let conversation = d.only_conversation().await;
    let refused = d.reply(&conversation, "Hello again", "private").await;
    assert_problem(refused, 409, "outside_reply_window").await;
    let public = d.reply(&conversation, "Hello again", "public").await;
    assert_problem(public, 409, "no_public_thread").await;
    assert_eq!(d.send_due(Utc::now()).await, 0);
}

#[tokio::test]
async fn a_revoked_token_fails_the_reply_and_the_channel_needs_reauthorising() {
    let d = desk().await;
    let channel = whatsapp(&d).await;
    d.deliver_meta("whatsapp", &channel, &whatsapp_text(Utc::now()))
        .await;
    let conversation = d.only_conversation().await;
    let first = d.replied(&conversation, "First", "private").await;
    let second = d.replied(&conversation, "Second", "private").await;
    d.fake.expire_token(Platform::Meta);
    assert_eq!(d.send_due(Utc::now()).await, 1);
    let failed = d.message(&conversation, &first["id"]).await;
    assert_eq!(failed["delivery_status"], "failed");
    assert!(
        failed["delivery_error"].as_str().unwrap().contains("190"),
        "{failed}"
    );
    let health = d.channel_health(&channel).await;
    assert_eq!(health["state"], "needs_reauth", "{health}");
    // No more calls on a channel that needs re-authorising: the next reply fails at once.
    assert_eq!(d.send_due(Utc::now()).await, 1);
    let held = d.message(&conversation, &second["id"]).await;
    assert_eq!(held["delivery_status"], "failed");
    assert!(
        held["delivery_error"]
            .as_str()
            .unwrap()
            .contains("re-authorising"),
        "{held}"
    );
    assert_eq!(d.fake.requests().len(), 1);
}

#[tokio::test]
async fn a_partner_callback_receives_each_reply_signed() {
    let d = desk().await;
    let secret = d.fake.credentials().partner_secret.clone();
    let callback = format!("{}/callback", d.fake.base_url(Platform::Partner));
    let channel = d
        .channel(
            "api",
            json!({ "callback_url": callback }),
            json!({ "webhook_secret": secret }),
        )
        .await;
    let key = d.app.api_key(&d.t, &["messages:ingest"]).await.1;
    let message = json!({ "platform_message_id": "p-1", "text": "Is my order shipped?",
        "author": { "platform_user_id": "cust-7" } });
    assert_eq!(
        d.app.push(&d.t, &key, &channel, message).await.status(),
        201
    );
    let conversation = d.only_conversation().await;
    let reply = d
        .replied(&conversation, "It left the warehouse today", "private")
        .await;
    assert_eq!(d.send_due(Utc::now()).await, 1);
    let sent = d.fake.sent(Platform::Partner);
    assert_eq!(sent.len(), 1, "{:?}", d.fake.requests());
    assert_eq!(sent[0].body["type"], "message.outbound");
    assert_eq!(
        sent[0].body["data"]["message"]["text"],
        "It left the warehouse today"
    );
    assert_eq!(
        sent[0].body["data"]["recipient"]["platform_user_id"],
        "cust-7"
    );
    assert_eq!(sent[0].body["data"]["reply_to"], "p-1");
    assert!(
        sent[0]
            .header("webhook-signature")
            .unwrap()
            .starts_with("v1,")
    );
    let stored = d.message(&conversation, &reply["id"]).await;
    assert_eq!(stored["delivery_status"], "sent");
}

#[tokio::test]
async fn a_malformed_webhook_secret_is_refused() {
    let d = desk().await;
    let body =
        json!({ "kind": "api", "name": "feed", "credentials": { "webhook_secret": "hunter2" } });
    let refused = d.app.post(&d.ws("/channels"), &d.t.token, body).await;
    let problem = assert_problem(refused, 422, "validation_failed").await;
    assert_eq!(problem["errors"][0]["field"], "credentials.webhook_secret");
}

#[tokio::test]
async fn a_callback_url_needs_a_webhook_secret_to_sign_with() {
    let d = desk().await;
    let callback = format!("{}/callback", d.fake.base_url(Platform::Partner));
    let body = json!({ "kind": "api", "name": "feed", "settings": { "callback_url": callback } });
    let refused = d.app.post(&d.ws("/channels"), &d.t.token, body).await;
    let problem = assert_problem(refused, 422, "validation_failed").await;
    assert_eq!(problem["errors"][0]["field"], "credentials.webhook_secret");
    // Nor can the secret be taken away from a channel that calls back.
    let secret = d.fake.credentials().partner_secret.clone();
    let channel = d
        .channel(
            "api",
            json!({ "callback_url": callback }),
            json!({ "webhook_secret": secret }),
        )
        .await;
    let path = d.ws(&format!("/channels/{channel}"));
    let removed = d
        .app
        .patch(&path, &d.t.token, json!({ "credentials": null }))
        .await;
    assert_problem(removed, 422, "validation_failed").await;
    let view = d.app.get_json(&path, &d.t.token).await;
    assert_eq!(view["credentials_set"], json!(["webhook_secret"]));
}

#[tokio::test]
async fn outreach_on_whatsapp_is_refused_outside_the_customers_window() {
    let d = desk().await;
    let channel = whatsapp(&d).await;
    let body = json!({ "display_name": "Dana",
        "identities": [{ "channel_kind": "whatsapp", "platform_user_id": "15550001111" }] });
    let created = d.app.post(&d.ws("/contacts"), &d.t.token, body).await;
    let contact: Value = created.json().await.unwrap();
    let body = json!({ "contact_id": contact["id"], "channel_id": channel, "text": "Hello Dana" });
    let refused = d.app.post(&d.ws("/conversations"), &d.t.token, body).await;
    assert_problem(refused, 409, "outside_reply_window").await;
    let inbox = d.app.get_json(&d.ws("/conversations"), &d.t.token).await;
    assert_eq!(inbox["items"], json!([]), "nothing half-written");
    assert_eq!(d.send_due(Utc::now()).await, 0);
}

#[tokio::test]
async fn a_host_the_operator_lists_is_reached_without_opening_every_private_address() {
    let app = TestApp::spawn_stepped_with(|c| {
        c.allow_private_targets = false;
        c.allowed_targets = vec!["127.0.0.1".into()];
    })
    .await;
    let t = app.tenant("Acme").await;
    let fake = FakePlatforms::start(Credentials::default()).await;
    let d = Desk { app, t, fake };
    // Another private address is still refused.
    let body = json!({ "kind": "telegram", "name": "t", "settings": { "api_base_url": "http://10.0.0.9/telegram" } });
    let refused = d.app.post(&d.ws("/channels"), &d.t.token, body).await;
    assert_problem(refused, 422, "validation_failed").await;

    let token = d.fake.credentials().telegram_bot_token.clone();
    let channel = d
        .channel(
            "telegram",
            json!({ "api_base_url": d.fake.base_url(Platform::Telegram) }),
            json!({ "bot_token": token, "secret_token": "care" }),
        )
        .await;
    let secret = [("x-telegram-bot-api-secret-token", "care".to_owned())];
    d.deliver(
        "telegram",
        &channel,
        &secret,
        &telegram_update(1, 7, "Hello?"),
    )
    .await;
    let conversation = d.only_conversation().await;
    let reply = d.replied(&conversation, "Hi Dana", "private").await;
    assert_eq!(d.send_due(Utc::now()).await, 1);
    assert_eq!(
        d.message(&conversation, &reply["id"]).await["delivery_status"],
        "sent"
    );
}

#[tokio::test]
async fn attachments_a_platform_cannot_carry_are_refused_when_the_reply_is_written() {
    let d = desk().await;
    let channel = whatsapp(&d).await;
    d.deliver_meta("whatsapp", &channel, &whatsapp_text(Utc::now()))
        .await;
    let conversation = d.only_conversation().await;
    let path = d.ws(&format!("/conversations/{conversation}/messages"));
    let receipt = json!({ "type": "image", "url": "https://cdn.example/receipt.png" });
    let both = json!({ "kind": "reply", "visibility": "private", "text": "Here it is",
        "attachments": [receipt] });
    let refused = d.app.post(&path, &d.t.token, both).await;
    assert_eq!(refused.status(), 422);
    let problem: Value = refused.json().await.unwrap();
    assert_eq!(problem["errors"][0]["field"], "attachments", "{problem}");
    let path_messages = d.ws(&format!("/conversations/{conversation}/messages"));
    let messages = d.app.get_json(&path_messages, &d.t.token).await;
    assert_eq!(
        messages["items"].as_array().unwrap().len(),
        1,
        "nothing stored"
    );

    let alone = json!({ "kind": "reply", "visibility": "private", "text": "",
        "attachments": [receipt] });
    let taken = d.app.post(&path, &d.t.token, alone).await;
    assert_eq!(taken.status(), 201, "{}", taken.text().await.unwrap());
    assert_eq!(d.send_due(Utc::now()).await, 1);
    let sent = d.fake.sent(Platform::Meta);
    assert_eq!(sent.len(), 1, "only the reply that can be carried went out");
    assert_eq!(
        sent[0].body["image"]["link"],
        "https://cdn.example/receipt.png"
    );
}

fn messenger_event(event: Value) -> String {
    json!({ "object": "page", "entry": [{ "id": "300000000000001",
        "time": Utc::now().timestamp_millis(), "messaging": [event] }] })
    .to_string()
}

#[tokio::test]
async fn a_messenger_reply_is_delivered_when_named_and_read_up_to_the_watermark() {
    let d = desk().await;
    let channel = facebook(&d).await;
    let now = Utc::now().timestamp_millis();
    let dm = json!({ "sender": { "id": "8000000000000001" },
        "recipient": { "id": "300000000000001" }, "timestamp": now,
        "message": { "mid": "m_customer_1", "text": "My parcel arrived damaged" } });
    d.deliver_meta("facebook", &channel, &messenger_event(dm))
        .await;
    let conversation = d.only_conversation().await;
    let reply = d
        .replied(
            &conversation,
            "Sorry to hear that, sending a new one",
            "private",
        )
        .await;
    assert_eq!(d.send_due(Utc::now()).await, 1);
    let sent = d.message(&conversation, &reply["id"]).await;
    assert_eq!(sent["delivery_status"], "sent");
    let mid = str_of(&sent["platform_message_id"]);

    let receipt = json!({ "sender": { "id": "8000000000000001" },
        "recipient": { "id": "300000000000001" },
        "delivery": { "mids": [mid], "watermark": Utc::now().timestamp_millis(), "seq": 37 } });
    d.deliver_meta("facebook", &channel, &messenger_event(receipt))
        .await;
    let delivered = d.message(&conversation, &reply["id"]).await;
    assert_eq!(delivered["delivery_status"], "delivered", "{delivered}");

    // A read receipt names no message, only a watermark: what was sent before it is read.
    let later = d
        .replied(&conversation, "Tracking number follows", "private")
        .await;
    assert_eq!(d.send_due(Utc::now()).await, 1);
    let seen = |watermark: i64| {
        messenger_event(json!({ "sender": { "id": "8000000000000001" },
            "recipient": { "id": "300000000000001" }, "timestamp": watermark,
            "read": { "watermark": watermark, "seq": 38 } }))
    };
    let before_either = Utc::now().timestamp_millis() - 3_600_000;
    d.deliver_meta("facebook", &channel, &seen(before_either))
        .await;
    let unread = d.message(&conversation, &reply["id"]).await;
    assert_eq!(unread["delivery_status"], "delivered", "{unread}");
    d.deliver_meta("facebook", &channel, &seen(Utc::now().timestamp_millis()))
        .await;
    for id in [&reply["id"], &later["id"]] {
        let read = d.message(&conversation, id).await;
        assert_eq!(read["delivery_status"], "read", "{read}");
    }
}
