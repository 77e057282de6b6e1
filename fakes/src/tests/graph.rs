//! Meta Graph: node fields, public and private replies, WhatsApp sends, error codes.

use super::*;

#[tokio::test]
async fn graph_node_answers_the_requested_fields() {
    let f = fixture().await;
    let token = Credentials::default().meta_token;
    let fields = "name,username,user_id,display_phone_number,verified_name,quality_rating";
    let response = f
        .graph_get(&format!("/v21.0/106540352242922?fields={fields}"), &token)
        .await;
    assert_eq!(response.status(), 200);
    assert!(!header(&response, "x-app-usage").is_empty());
    assert_eq!(
        json_of(response).await,
        json!({
            "id": "106540352242922",
            "name": "Fake Page 106540352242922",
            "username": "fake_account_106540352242922",
            "user_id": "106540352242922",
            "display_phone_number": "+1 555-010-0000",
            "verified_name": "Acme Support",
            "quality_rating": "GREEN",
        })
    );
    let bare = f.graph_get("/v21.0/100000000000001", &token).await;
    assert_eq!(
        json_of(bare).await,
        json!({"id": "100000000000001", "name": "Fake Page 100000000000001"})
    );
    let me = f.graph_get("/v21.0/me?fields=id,username", &token).await;
    assert_eq!(
        json_of(me).await,
        json!({"id": "17800000000000001", "username": "fake_account_17800000000000001"})
    );
    let recorded = f.fake.requests();
    assert_eq!(recorded[0].method, "GET");
    assert_eq!(recorded[0].path, "/graph/v21.0/106540352242922");
    assert_eq!(recorded[0].body, Value::Null);
    assert_eq!(f.fake.sent(Platform::Meta).len(), 3);
}
#[tokio::test]
async fn graph_node_refuses_an_unknown_field_with_code_100() {
    let f = fixture().await;
    let token = Credentials::default().meta_token;
    let response = f
        .graph_get(
            "/v21.0/17800000000000001?fields=name,follower_count",
            &token,
        )
        .await;
    assert_eq!(response.status(), 400);
    let error = json_of(response).await["error"].clone();
    assert_eq!(
        error["message"],
        "(#100) Tried accessing nonexisting field (follower_count) on node type (User)"
    );
    assert_eq!(error["type"], "OAuthException");
    assert_eq!(error["code"], 100);
    assert!(error["fbtrace_id"].is_string());
    assert!(error.get("error_subcode").is_none());
}
#[tokio::test]
async fn graph_node_checks_the_token_like_the_sends_and_takes_scripted_trouble() {
    let f = fixture().await;
    let wrong = f.graph_get("/v21.0/me?fields=name", "wrong").await;
    assert_eq!(wrong.status(), 400);
    assert_eq!(json_of(wrong).await["error"]["code"], 190);
    let url = format!(
        "{}?fields=name&access_token={}",
        f.url(Platform::Meta, "/v21.0/me"),
        Credentials::default().meta_token
    );
    let by_query = f.client.get(url).send().await.expect("request");
    assert_eq!(by_query.status(), 200);
    assert_eq!(json_of(by_query).await["id"], "17800000000000001");
    let token = Credentials::default().meta_token;
    f.fake.fail_next(Platform::Meta, Trouble::meta_throttled());
    let throttled = f.graph_get("/v21.0/me?fields=name", &token).await;
    assert_eq!(throttled.status(), 400);
    let usage: Value =
        serde_json::from_str(&header(&throttled, "x-app-usage")).expect("usage json");
    assert_eq!(usage["call_count"], 100);
    assert_eq!(json_of(throttled).await["error"]["code"], 4);
    f.fake.expire_token(Platform::Meta);
    let expired = f.graph_get("/v21.0/me?fields=name", &token).await;
    let error = json_of(expired).await["error"].clone();
    assert_eq!(
        (error["code"].clone(), error["error_subcode"].clone()),
        (json!(190), json!(463))
    );
    let answered: Vec<u16> = f.fake.requests().iter().map(|r| r.answered).collect();
    assert_eq!(answered, [400, 200, 400, 400]);
}
#[tokio::test]
async fn meta_public_replies_answer_with_new_comment_ids() {
    let f = fixture().await;
    let token = Credentials::default().meta_token;
    let fb = f
        .graph_post(
            "/v21.0/400000000000001_500000000000001/comments",
            &token,
            json!({"message": "Thanks"}),
        )
        .await;
    assert_eq!(fb.status(), 200);
    assert!(!header(&fb, "x-app-usage").is_empty());
    let id = json_of(fb).await["id"].as_str().expect("id").to_owned();
    assert!(id.starts_with("400000000000001_"), "{id}");
    let ig = f
        .graph_post(
            "/v21.0/17900000000000001/replies",
            &token,
            json!({"message": "Thanks"}),
        )
        .await;
    assert_eq!(ig.status(), 200);
    assert!(is_numeric(json_of(ig).await["id"].as_str().expect("id")));
}
#[tokio::test]
async fn meta_send_api_answers_and_allows_one_private_reply_per_comment() {
    let f = fixture().await;
    let token = Credentials::default().meta_token;
    let dm = json!({"recipient": {"id": "7000000000000001"}, "messaging_type": "RESPONSE", "message": {"text": "Hi"}});
    let answer = json_of(
        f.graph_post("/v21.0/100000000000001/messages", &token, dm)
            .await,
    )
    .await;
    assert_eq!(answer["recipient_id"], "7000000000000001");
    assert!(
        answer["message_id"]
            .as_str()
            .expect("mid")
            .starts_with("m_")
    );
    let private = json!({"recipient": {"comment_id": "400000000000001_500000000000001"}, "message": {"text": "DM"}});
    let first = f
        .graph_post("/v21.0/100000000000001/messages", &token, private.clone())
        .await;
    assert_eq!(first.status(), 200);
    let first = json_of(first).await;
    assert!(is_numeric(first["recipient_id"].as_str().expect("psid")));
    let second = f
        .graph_post("/v21.0/100000000000001/messages", &token, private)
        .await;
    assert_eq!(second.status(), 400);
    assert_eq!(json_of(second).await["error"]["code"], 100);
}
#[tokio::test]
async fn whatsapp_send_answers_with_a_wamid() {
    let f = fixture().await;
    let body = json!({
        "messaging_product": "whatsapp", "recipient_type": "individual", "to": "15550001111",
        "type": "text", "text": {"preview_url": false, "body": "Thanks"},
    });
    let response = f
        .graph_post(
            "/v21.0/106540352242922/messages",
            &Credentials::default().meta_token,
            body,
        )
        .await;
    assert_eq!(response.status(), 200);
    let answer = json_of(response).await;
    assert_eq!(answer["messaging_product"], "whatsapp");
    assert_eq!(
        answer["contacts"],
        json!([{"input": "15550001111", "wa_id": "15550001111"}])
    );
    assert!(
        answer["messages"][0]["id"]
            .as_str()
            .expect("wamid")
            .starts_with("wamid.")
    );
}
#[tokio::test]
async fn meta_refuses_a_wrong_token_with_code_190_and_accepts_the_query_token() {
    let f = fixture().await;
    let body = json!({"message": "Thanks"});
    let response = f
        .graph_post("/v21.0/1/comments", "wrong", body.clone())
        .await;
    assert_eq!(response.status(), 400);
    let error = json_of(response).await["error"].clone();
    assert_eq!(error["code"], 190);
    assert_eq!(error["type"], "OAuthException");
    assert_eq!(
        error["message"],
        "Invalid OAuth access token - Cannot parse access token"
    );
    assert!(error["fbtrace_id"].is_string());
    let url = format!(
        "{}?access_token={}",
        f.url(Platform::Meta, "/v21.0/1/comments"),
        Credentials::default().meta_token
    );
    let by_query = f
        .client
        .post(url)
        .json(&body)
        .send()
        .await
        .expect("request");
    assert_eq!(by_query.status(), 200);
    f.fake.expire_token(Platform::Meta);
    let expired = f
        .graph_post(
            "/v21.0/1/comments",
            &Credentials::default().meta_token,
            body,
        )
        .await;
    assert_eq!(json_of(expired).await["error"]["error_subcode"], 463);
}
#[tokio::test]
async fn meta_throttling_and_scripted_errors_come_in_order() {
    let f = fixture().await;
    let token = Credentials::default().meta_token;
    f.fake.fail_next(Platform::Meta, Trouble::meta_throttled());
    f.fake.fail_next(
        Platform::Meta,
        Trouble::meta_error(400, 10, Some(2_018_278), "(#10) outside the allowed window"),
    );
    // A refused token does not use up the script.
    let refused = f
        .graph_post("/v21.0/1/comments", "wrong", json!({"message": "a"}))
        .await;
    assert_eq!(refused.status(), 400);
    let throttled = f
        .graph_post("/v21.0/1/comments", &token, json!({"message": "a"}))
        .await;
    assert_eq!(throttled.status(), 400);
    let usage: Value =
        serde_json::from_str(&header(&throttled, "x-app-usage")).expect("usage json");
    assert_eq!(usage["call_count"], 100);
    assert_eq!(json_of(throttled).await["error"]["code"], 4);
    let window = f
        .graph_post("/v21.0/1/comments", &token, json!({"message": "a"}))
        .await;
    let error = json_of(window).await["error"].clone();
    assert_eq!(
        (error["code"].clone(), error["error_subcode"].clone()),
        (json!(10), json!(2_018_278))
    );
    let ok = f
        .graph_post("/v21.0/1/comments", &token, json!({"message": "a"}))
        .await;
    assert_eq!(ok.status(), 200);
    assert_eq!(f.fake.sent(Platform::Meta).len(), 1);
}
