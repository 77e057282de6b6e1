//! Telegram updates as the Bot API delivers them (channels.md §6.2): a private chat's
//! messages. The bot's own messages are never echoed, so nothing comes back for replies.

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use super::script::Person;

/// A person's Telegram user id (= their private chat's id).
pub(super) fn user_id(who: &Person) -> u64 {
    5_000_000_000 + who.n
}

/// A customer's message to the bot in their private chat.
pub(super) fn message(
    update_id: u64,
    message_id: u64,
    who: &Person,
    text: &str,
    at: DateTime<Utc>,
) -> Value {
    let id = user_id(who);
    json!({
        "update_id": update_id,
        "message": {
            "message_id": message_id,
            "from": {"id": id, "is_bot": false, "first_name": who.first, "last_name": who.last,
                     "username": who.handle, "language_code": "en"},
            "chat": {"id": id, "first_name": who.first, "last_name": who.last,
                     "username": who.handle, "type": "private"},
            "date": at.timestamp(),
            "text": text,
        },
    })
}
