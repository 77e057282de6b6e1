//! The Telegram Bot API fakes: `sendMessage` and `getMe`.

use serde_json::{Value, json};

use super::{Answer, State, telegram_error_answer, unix_now};

/// `sendMessage` → `{"ok":true,"result":Message}` (channels.md §6.3). A chat id may come as a
/// number or a numeric string; Telegram answers with the number.
pub(super) fn telegram_send(state: &mut State, token: &str, body: &Value) -> Answer {
    let chat_id = match body.get("chat_id") {
        Some(Value::Number(n)) => n.as_i64(),
        Some(Value::String(s)) => s.parse::<i64>().ok(),
        _ => return telegram_error_answer(400, "Bad Request: chat_id is empty"),
    };
    let Some(chat_id) = chat_id else {
        return telegram_error_answer(400, "Bad Request: chat not found");
    };
    let Some(text) = body
        .get("text")
        .and_then(Value::as_str)
        .filter(|t| !t.trim().is_empty())
    else {
        return telegram_error_answer(400, "Bad Request: message text is empty");
    };
    let bot_id = telegram_bot_id(token);
    let kind = if chat_id > 0 { "private" } else { "supergroup" };
    let message_id = 100 + state.next();
    let result = json!({
        "message_id": message_id,
        "from": {"id": bot_id, "is_bot": true, "first_name": "Earshot Fake", "username": "earshot_fake_bot"},
        "date": unix_now(),
        "chat": {"id": chat_id, "type": kind},
        "text": text,
    });
    Answer::json(200, json!({"ok": true, "result": result}))
}

/// The bot's user id: the number before `:` in its token.
fn telegram_bot_id(token: &str) -> i64 {
    token
        .split(':')
        .next()
        .and_then(|id| id.parse::<i64>().ok())
        .unwrap_or_default()
}

/// `getMe` → `{"ok":true,"result":User}` with the bot's own fields.
pub(super) fn telegram_get_me(token: &str) -> Answer {
    let result = json!({
        "id": telegram_bot_id(token),
        "is_bot": true,
        "first_name": "Acme Care",
        "username": "acme_care_bot",
        "can_join_groups": true,
        "can_read_all_group_messages": false,
        "supports_inline_queries": false,
    });
    Answer::json(200, json!({"ok": true, "result": result}))
}
