//! A fresh instance greets a newcomer with a demo organization whose inbox has customers to
//! try: the conversations are real ones, pushed through the partner feed, scored and threaded,
//! and the workspace's SLA policies run their clocks.

use earshot_core::service::bootstrap;
use earshot_testkit::{TestApp, str_of};
use serde_json::Value;

#[tokio::test]
async fn a_fresh_instance_has_a_demo_inbox_to_try() {
    let app = TestApp::spawn().await;
    let demo = bootstrap::demo_if_empty(&app.core).await.unwrap().unwrap();
    let tokens = app.login(&demo.email, &demo.password).await;
    let token = str_of(&tokens["access_token"]);
    let path = format!(
        "/v1/workspaces/{}/conversations?sort=priority",
        demo.workspace_id
    );
    let inbox = app.get_json(&path, &token).await;
    let items = inbox["items"].as_array().unwrap();
    assert_eq!(items.len(), 5, "{inbox}");
    let outage = items
        .iter()
        .find(|c| c["contact"]["handle"] == "@dana_builds")
        .unwrap();
    assert_eq!(outage["label"], "adversary", "{outage}");
    assert_eq!(outage["visibility"], "public");
    assert_eq!(
        outage["message_count"], 2,
        "a second customer joined the thread"
    );
    assert!(
        matches!(outage["priority"].as_str(), Some("high" | "urgent")),
        "{outage}"
    );
    let thanks: &Value = items
        .iter()
        .find(|c| c["contact"]["handle"] == "@priya_codes")
        .unwrap();
    assert_eq!(thanks["label"], "advocate", "{thanks}");
    // The demo workspace keeps promises from the start: every conversation runs clocks.
    for conversation in items {
        assert_eq!(conversation["sla_status"], "ok", "{conversation}");
        assert!(!conversation["sla_due_at"].is_null(), "{conversation}");
    }

    // Only an empty database gets the demo.
    assert!(bootstrap::demo_if_empty(&app.core).await.unwrap().is_none());
    assert_eq!(
        app.get_json(&path, &token).await["items"]
            .as_array()
            .unwrap()
            .len(),
        5
    );
}
