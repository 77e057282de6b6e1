//! The partner callback's Standard Webhooks signatures, and routes nobody serves.

use super::*;

#[tokio::test]
async fn partner_callback_verifies_standard_webhooks_signatures() {
    let f = fixture().await;
    let secret = Credentials::default().partner_secret;
    let payload = r#"{"type":"message.created","data":{"text":"hi"}}"#;
    let response = f.partner_post(&secret, payload).await;
    assert_eq!(response.status(), 200);
    assert!(
        json_of(response).await["id"]
            .as_str()
            .expect("id")
            .starts_with("partner-")
    );
    let recorded = f.fake.sent(Platform::Partner);
    assert_eq!(recorded[0].body["type"], "message.created");
    assert_eq!(recorded[0].header("webhook-id"), Some("msg_1"));
    let other = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    let forged = f.partner_post(other, payload).await;
    assert_eq!(forged.status(), 401);
}
#[tokio::test]
async fn partner_scripted_server_errors_carry_retry_after() {
    let f = fixture().await;
    let secret = Credentials::default().partner_secret;
    f.fake
        .fail_next(Platform::Partner, Trouble::with_retry_after(503, 30));
    f.fake
        .fail_next(Platform::Partner, Trouble::server_error(502));
    let unavailable = f.partner_post(&secret, "{}").await;
    assert_eq!(unavailable.status(), 503);
    assert_eq!(header(&unavailable, "retry-after"), "30");
    let bad_gateway = f.partner_post(&secret, "{}").await;
    assert_eq!(bad_gateway.status(), 502);
    assert_eq!(bad_gateway.text().await.expect("text"), "Bad Gateway");
    assert_eq!(f.fake.partner_answers(), [503, 502]);
}
#[tokio::test]
async fn unknown_routes_are_recorded_as_404() {
    let f = fixture().await;
    let response = f
        .client
        .post(f.url(Platform::Telegram, "/botX/sendPhoto"))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 404);
    let get = f
        .client
        .get(f.url(Platform::X, "/2/tweets"))
        .send()
        .await
        .expect("request");
    assert_eq!(get.status(), 404);
    let recorded = f.fake.requests();
    assert_eq!(recorded[0].answered, 404);
    assert_eq!(recorded[0].method, "POST");
    assert_eq!(
        (recorded[1].method.as_str(), recorded[1].answered),
        ("GET", 404)
    );
}
