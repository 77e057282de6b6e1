//! Health, readiness, metrics, documents, and the edge's error documents.

use earshot_testkit::{TestApp, assert_problem};
use reqwest::Method;

#[tokio::test]
async fn healthz_and_readyz_answer_ok() {
    let app = TestApp::spawn().await;
    let health = app.request(Method::GET, "/healthz", None, None).await;
    assert_eq!(health.status(), 200);
    assert!(health.headers().contains_key("x-request-id"));
    let ready: serde_json::Value = app
        .request(Method::GET, "/readyz", None, None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(ready["ready"], true);
    assert_eq!(ready["database"], "ok");
    let expected_redis = if std::env::var("TEST_REDIS_URL").is_ok() {
        "ok"
    } else {
        "not_configured"
    };
    assert_eq!(ready["redis"], expected_redis);
}

#[tokio::test]
async fn unknown_routes_and_wrong_methods_are_problem_documents() {
    let app = TestApp::spawn().await;
    let body = assert_problem(
        app.request(Method::GET, "/v1/nothing-here", None, None)
            .await,
        404,
        "not_found",
    )
    .await;
    assert!(body["request_id"].is_string());
    assert_problem(
        app.request(Method::DELETE, "/healthz", None, None).await,
        405,
        "method_not_allowed",
    )
    .await;
}

#[tokio::test]
async fn a_client_request_id_is_echoed_in_headers_and_problems() {
    let app = TestApp::spawn().await;
    let response = app
        .client
        .get(app.url("/v1/me"))
        .header("x-request-id", "client-chosen-42")
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["x-request-id"], "client-chosen-42");
    let body = assert_problem(response, 401, "unauthenticated").await;
    assert_eq!(body["request_id"], "client-chosen-42");
}

#[tokio::test]
async fn the_committed_openapi_document_matches_the_code() {
    let app = TestApp::spawn().await;
    let served: serde_json::Value = app
        .request(Method::GET, "/openapi.json", None, None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(served["openapi"], "3.1.0");
    let generated = earshot_api::openapi::document().unwrap();
    let committed = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../openapi/openapi.json"
    ))
    .unwrap_or_default();
    assert!(
        generated == committed,
        "openapi/openapi.json is out of date; regenerate it with: cargo run -p earshot-api -- openapi"
    );
    assert_eq!(
        served,
        serde_json::from_str::<serde_json::Value>(&generated).unwrap()
    );
}

#[tokio::test]
async fn the_docs_page_is_served_from_the_binary() {
    let app = TestApp::spawn().await;
    let page = app.request(Method::GET, "/docs/", None, None).await;
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("swagger"), "docs page");
    assert!(
        !html.contains("cdn.") && !html.contains("unpkg.com"),
        "no CDN assets"
    );
    let script = app
        .request(Method::GET, "/docs/swagger-ui-bundle.js", None, None)
        .await;
    assert_eq!(script.status(), 200);
}

#[tokio::test]
async fn jwks_publishes_the_signing_key_and_metrics_count_requests() {
    let app = TestApp::spawn().await;
    let jwks: serde_json::Value = app
        .request(Method::GET, "/.well-known/jwks.json", None, None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(jwks["keys"][0]["kty"], "OKP");
    assert_eq!(jwks["keys"][0]["alg"], "EdDSA");
    app.request(Method::GET, "/healthz", None, None).await;
    let metrics = app
        .request(Method::GET, "/metrics", None, None)
        .await
        .text()
        .await
        .unwrap();
    assert!(metrics.contains("earshot_http_requests_total"), "{metrics}");
}

/// Requests are counted by the pattern of the route they matched, so every workspace's
/// requests fall in one series; a path no route matches is counted as `unmatched`.
#[tokio::test]
async fn request_metrics_are_labelled_by_route_pattern() {
    let app = TestApp::spawn().await;
    let routed = r#"earshot_http_requests_total{method="GET",route="/v1/workspaces/{workspace_id}/conversations",status="401"}"#;
    let unmatched = r#"earshot_http_requests_total{method="GET",route="unmatched",status="404"}"#;
    let (routed_before, unmatched_before) = (app.metric(routed).await, app.metric(unmatched).await);
    for _ in 0..2 {
        let path = format!("/v1/workspaces/{}/conversations", uuid::Uuid::new_v4());
        let response = app.request(Method::GET, &path, None, None).await;
        assert_eq!(response.status(), 401);
    }
    let response = app
        .request(Method::GET, "/v1/no-such-route", None, None)
        .await;
    assert_eq!(response.status(), 404);
    // Other tests in this process may add to the same series, never take from it.
    assert!(app.metric(routed).await >= routed_before + 2.0);
    assert!(app.metric(unmatched).await >= unmatched_before + 1.0);
}
