//! One Meta app (or X app) has one callback URL for every account it serves: a delivery that
//! reaches one channel's hook is split by account, each part stored in the workspace of the
//! channel of its own account — only when that channel's secret verifies the delivery — and
//! never in the workspace whose URL it happened to reach.

#![expect(clippy::unwrap_used, reason = "test helpers")]

use earshot_core::channels::verify::meta_signature;
use earshot_testkit::{Tenant, TestApp, str_of};
use serde_json::{Value, json};

async fn facebook_channel(app: &TestApp, t: &Tenant, page: &str, app_secret: &str) -> String {
    let path = format!("/v1/workspaces/{}/channels", t.workspace_id);
    let body = json!({ "kind": "facebook", "name": format!("Page {page}"),
        "settings": { "page_id": page },
        "credentials": { "app_secret": app_secret, "page_access_token": "pat", "verify_token": "v" } });
    let response = app.post(&path, &t.token, body).await;
    assert_eq!(response.status(), 201);
    str_of(&response.json::<Value>().await.unwrap()["id"])
}

/// A comment on a post of `page`, as Meta's feed webhook has it.
fn comment_entry(page: &str, comment: &str, author: &str, text: &str) -> Value {
    json!({ "id": page, "time": 1_735_732_800, "changes": [{ "field": "feed", "value": {
        "item": "comment", "verb": "add",
        "comment_id": format!("{page}_{comment}"), "post_id": format!("{page}_1"),
        "parent_id": format!("{page}_1"),
        "from": { "id": author, "name": format!("Customer {author}") },
        "message": text, "created_time": 1_735_732_800 } }] })
}

async fn texts(app: &TestApp, t: &Tenant) -> Vec<String> {
    let path = format!("/v1/workspaces/{}/conversations", t.workspace_id);
    let mut said = Vec::new();
    for conversation in app.get_json(&path, &t.token).await["items"]
        .as_array()
        .unwrap()
    {
        let messages = format!("{path}/{}/messages", str_of(&conversation["id"]));
        for message in app.get_json(&messages, &t.token).await["items"]
            .as_array()
            .unwrap()
        {
            said.push(str_of(&message["text"]));
        }
    }
    said.sort();
    said
}

#[tokio::test]
async fn each_page_of_a_shared_app_delivery_lands_in_its_own_workspace() {
    let app = TestApp::spawn_stepped().await;
    let brand_a = app.tenant("Brand A").await;
    let brand_b = app.tenant("Brand B").await;
    let brand_d = app.tenant("Brand D").await;
    let hook_channel = facebook_channel(&app, &brand_a, "111", "agency-app-secret").await;
    facebook_channel(&app, &brand_b, "222", "agency-app-secret").await;
    // Page 444 is connected with another app: a delivery signed by this app is not its.
    facebook_channel(&app, &brand_d, "444", "another-app-secret").await;
    let delivery = json!({ "object": "page", "entry": [
        comment_entry("111", "1", "u1", "A: where is my order"),
        comment_entry("222", "2", "u2", "B: double charged"),
        comment_entry("333", "3", "u3", "C: nobody connected this page"),
        comment_entry("444", "4", "u4", "D: other app"),
        comment_entry("111", "5", "u5", "A: app crashes"),
    ]})
    .to_string();
    let signature = meta_signature("agency-app-secret", delivery.as_bytes());
    let answer = app
        .client
        .post(app.url(&format!("/v1/hooks/facebook/{hook_channel}")))
        .header("content-type", "application/json")
        .header("x-hub-signature-256", signature)
        .body(delivery.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 200);
    // Each workspace's log holds only its own part; pages nobody here may take are left out.
    let logged = app.inbound_events().await;
    assert_eq!(logged.len(), 2, "{logged:?}");
    assert!(logged[0].body.contains("A: where is my order") && logged[0].body.contains("A: app"));
    assert!(logged[1].body.contains("B: double charged"));
    assert!(
        logged
            .iter()
            .all(|row| !row.body.contains("C:") && !row.body.contains("D:"))
    );
    earshot_worker::Consumer::Inbound
        .run_once(&app.core, chrono::Utc::now())
        .await
        .unwrap();

    assert_eq!(
        texts(&app, &brand_a).await,
        ["A: app crashes", "A: where is my order"]
    );
    assert_eq!(texts(&app, &brand_b).await, ["B: double charged"]);
    assert_eq!(texts(&app, &brand_d).await, Vec::<String>::new());

    // A redelivery of the same body changes nothing anywhere.
    let again = app
        .client
        .post(app.url(&format!("/v1/hooks/facebook/{hook_channel}")))
        .header("content-type", "application/json")
        .header(
            "x-hub-signature-256",
            meta_signature("agency-app-secret", delivery.as_bytes()),
        )
        .body(delivery)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 200);
    assert_eq!(again.json::<Value>().await.unwrap()["duplicate"], true);
    assert_eq!(app.inbound_events().await.len(), 2);
}
