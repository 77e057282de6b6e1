//! Telegram: getMe and sendMessage, tokens and flood control.

use super::*;

#[tokio::test]
async fn telegram_get_me_answers_the_bot_by_get_and_post() {
    let f = fixture().await;
    let token = Credentials::default().telegram_bot_token;
    let expected = json!({
        "ok": true,
        "result": {
            "id": 7_000_000_001_i64,
            "is_bot": true,
            "first_name": "Acme Care",
            "username": "acme_care_bot",
            "can_join_groups": true,
            "can_read_all_group_messages": false,
            "supports_inline_queries": false,
        },
    });
    for method in [reqwest::Method::GET, reqwest::Method::POST] {
        let response = f.telegram_get_me(method, &token).await;
        assert_eq!(response.status(), 200);
        assert_eq!(json_of(response).await, expected);
    }
    let methods: Vec<String> = f.fake.requests().into_iter().map(|r| r.method).collect();
    assert_eq!(methods, ["GET", "POST"]);
    assert_eq!(f.fake.requests()[0].body, Value::Null);
    assert_eq!(
        f.fake.requests()[0].path,
        format!("/telegram/bot{token}/getMe")
    );
}
#[tokio::test]
async fn telegram_get_me_refuses_a_wrong_or_expired_token_and_takes_scripted_trouble() {
    let f = fixture().await;
    let unauthorized = json!({"ok": false, "error_code": 401, "description": "Unauthorized"});
    let wrong = f.telegram_get_me(reqwest::Method::GET, "1:wrong").await;
    assert_eq!(wrong.status(), 401);
    assert_eq!(json_of(wrong).await, unauthorized);
    let token = Credentials::default().telegram_bot_token;
    f.fake
        .fail_next(Platform::Telegram, Trouble::telegram_retry_after(3));
    let flood = f.telegram_get_me(reqwest::Method::GET, &token).await;
    assert_eq!(flood.status(), 429);
    assert_eq!(json_of(flood).await["parameters"]["retry_after"], 3);
    f.fake.expire_token(Platform::Telegram);
    let expired = f.telegram_get_me(reqwest::Method::GET, &token).await;
    assert_eq!(expired.status(), 401);
    assert_eq!(json_of(expired).await, unauthorized);
    assert!(f.fake.sent(Platform::Telegram).is_empty());
}
#[tokio::test]
async fn telegram_send_message_answers_with_the_message() {
    let f = fixture().await;
    let token = Credentials::default().telegram_bot_token;
    let body = json!({"chat_id": 5_000_000_001_i64, "text": "Looking into it", "reply_parameters": {"message_id": 42}});
    let response = f.telegram_send(&token, body).await;
    assert_eq!(response.status(), 200);
    let answer = json_of(response).await;
    assert_eq!(answer["ok"], true);
    assert!(answer["result"]["message_id"].is_u64());
    assert!(answer["result"]["date"].is_u64());
    assert_eq!(
        answer["result"]["chat"],
        json!({"id": 5_000_000_001_i64, "type": "private"})
    );
    assert_eq!(answer["result"]["text"], "Looking into it");
}
#[tokio::test]
async fn telegram_refuses_a_wrong_token_and_scripts_flood_control() {
    let f = fixture().await;
    let wrong = f
        .telegram_send("1:wrong", json!({"chat_id": 1, "text": "hi"}))
        .await;
    assert_eq!(wrong.status(), 401);
    assert_eq!(
        json_of(wrong).await,
        json!({"ok": false, "error_code": 401, "description": "Unauthorized"})
    );
    let token = Credentials::default().telegram_bot_token;
    f.fake
        .fail_next(Platform::Telegram, Trouble::telegram_retry_after(7));
    f.fake
        .fail_next(Platform::Telegram, Trouble::telegram_blocked());
    let flood = f
        .telegram_send(&token, json!({"chat_id": 1, "text": "hi"}))
        .await;
    assert_eq!(flood.status(), 429);
    let flood = json_of(flood).await;
    assert_eq!(flood["parameters"]["retry_after"], 7);
    assert_eq!(flood["description"], "Too Many Requests: retry after 7");
    let blocked = f
        .telegram_send(&token, json!({"chat_id": 1, "text": "hi"}))
        .await;
    assert_eq!(blocked.status(), 403);
    assert_eq!(
        json_of(blocked).await["description"],
        "Forbidden: bot was blocked by the user"
    );
}
