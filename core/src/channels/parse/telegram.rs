//! Telegram `Update`s: messages (private chats are DMs; group and forum messages are public
//! threads of their chat or topic), edits; channel posts, button presses and reactions are
//! read and left alone. A message's id is unique per chat only, so ours is `chat:message`.

use chrono::{DateTime, Utc};
use serde_json::Value;

use super::{Account, Item, ParseError, Parsed, Skipped};
use crate::service::ingest::{InboundAuthor, InboundMessage};
use crate::views::Visibility;

pub(super) fn parse(update: &Value, account: &Account) -> Result<Parsed, ParseError> {
    if update.get("update_id").and_then(Value::as_i64).is_none() {
        return Err(ParseError("not a Telegram update: no update_id".into()));
    }
    let mut parsed = Parsed::default();
    let skip = |reason: &str| Skipped {
        at: "update".into(),
        reason: reason.into(),
    };
    if let Some(message) = update.get("message") {
        match message_item(message, account) {
            Ok(item) => parsed.items.push(item),
            Err(reason) => parsed.skipped.push(skip(&reason)),
        }
    } else if let Some(edited) = update.get("edited_message") {
        match edit_item(edited) {
            Some(item) => parsed.items.push(item),
            None => parsed.skipped.push(skip("an edit without ids")),
        }
    } else {
        let reason = [
            "channel_post",
            "edited_channel_post",
            "callback_query",
            "message_reaction",
        ]
        .into_iter()
        .find(|kind| update.get(*kind).is_some())
        .map_or_else(
            || "an update of another kind".to_owned(),
            |kind| format!("a {kind}"),
        );
        parsed.skipped.push(skip(&reason));
    }
    Ok(parsed)
}

fn message_id(message: &Value) -> Option<String> {
    let chat = message.get("chat")?.get("id")?.as_i64()?;
    let id = message.get("message_id")?.as_i64()?;
    Some(format!("{chat}:{id}"))
}

fn at(seconds: Option<&Value>) -> Option<DateTime<Utc>> {
    DateTime::from_timestamp(seconds?.as_i64()?, 0)
}

fn message_item(message: &Value, account: &Account) -> Result<Item, String> {
    let id = message_id(message).ok_or("a message without ids")?;
    let from = message.get("from").ok_or("a message without a sender")?;
    if from.get("is_bot").and_then(Value::as_bool) == Some(true) {
        let ours = from.get("username").and_then(Value::as_str) == account.id.as_deref();
        return match ours {
            true => Ok(Item::Echo {
                platform_message_id: id,
            }),
            false => Err("a message from another bot".into()),
        };
    }
    let chat = message.get("chat").ok_or("a message without a chat")?;
    let private = chat.get("type").and_then(Value::as_str) == Some("private");
    let text = message
        .get("text")
        .or_else(|| message.get("caption"))
        .and_then(Value::as_str)
        .map(str::to_owned)
        .or_else(|| media_kind(message).map(|kind| format!("({kind})")))
        .ok_or("a message with nothing to read")?;
    let chat_id = chat.get("id").and_then(Value::as_i64).unwrap_or_default();
    let thread_id =
        (!private).then(
            || match message.get("message_thread_id").and_then(Value::as_i64) {
                Some(topic) => format!("{chat_id}:topic:{topic}"),
                None => format!("{chat_id}"),
            },
        );
    let reply_to = message
        .get("reply_to_message")
        .and_then(|r| r.get("message_id"))
        .and_then(Value::as_i64)
        .map(|r| format!("{chat_id}:{r}"));
    Ok(Item::Message(Box::new(InboundMessage {
        platform_message_id: id,
        author: author(from).ok_or("a sender without an id")?,
        text,
        timestamp: at(message.get("date")),
        reply_to,
        thread_id,
        visibility: Some(if private {
            Visibility::Private
        } else {
            Visibility::Public
        }),
        attachments: Vec::new(),
    })))
}

/// Telegram's files are fetched with the bot's token, so they are named, not linked.
fn media_kind(message: &Value) -> Option<&'static str> {
    [
        ("photo", "photo"),
        ("video", "video"),
        ("voice", "voice message"),
        ("audio", "audio"),
        ("document", "document"),
        ("sticker", "sticker"),
    ]
    .into_iter()
    .find(|(field, _)| message.get(*field).is_some())
    .map(|(_, kind)| kind)
}

fn author(from: &Value) -> Option<InboundAuthor> {
    let id = from.get("id")?.as_i64()?;
    let name = |field: &str| from.get(field).and_then(Value::as_str);
    let display_name = match (name("first_name"), name("last_name")) {
        (Some(first), Some(last)) => Some(format!("{first} {last}")),
        (first, last) => first.or(last).map(str::to_owned),
    };
    Some(InboundAuthor {
        platform_user_id: id.to_string(),
        handle: name("username").map(|u| format!("@{u}")),
        display_name,
        avatar_url: None,
        follower_count: None,
        verified: None,
    })
}

fn edit_item(edited: &Value) -> Option<Item> {
    let text = edited
        .get("text")
        .or_else(|| edited.get("caption"))
        .and_then(Value::as_str)?;
    Some(Item::Edited {
        platform_message_id: message_id(edited)?,
        text: text.to_owned(),
        at: at(edited.get("edit_date")),
    })
}

#[cfg(test)]
mod tests {
    use super::super::tests::{fixture, real_fixtures};
    use super::*;

    fn parsed(body: &str) -> Parsed {
        let account = Account {
            id: Some("acme_care_bot".into()),
        };
        parse(&serde_json::from_str(body).unwrap(), &account).unwrap()
    }

    fn message(parsed: &Parsed) -> &InboundMessage {
        match parsed.items.as_slice() {
            [Item::Message(message)] => message,
            other => panic!("not one message: {other:?}"),
        }
    }

    #[test]
    fn a_private_message_is_a_dm_from_its_sender() {
        let parsed = parsed(&fixture("telegram_update.json"));
        let m = message(&parsed);
        assert_eq!(m.platform_message_id, "5000000001:42");
        assert_eq!(m.author.platform_user_id, "5000000001");
        assert_eq!(m.author.handle.as_deref(), Some("@dana_example"));
        assert_eq!(m.author.display_name.as_deref(), Some("Dana Example"));
        assert_eq!(m.text, "Hello, I need help with order A-1001");
        assert_eq!(m.visibility, Some(Visibility::Private));
        assert_eq!(m.thread_id, None);
        assert_eq!(m.timestamp.unwrap().timestamp(), 1_735_732_800);
    }

    #[test]
    fn a_forum_topic_message_is_a_public_reply_in_its_topic() {
        let parsed = parsed(&fixture("real/telegram/nutgram-message_topic.json"));
        let m = message(&parsed);
        assert_eq!(m.platform_message_id, "-1001234567489:35");
        assert_eq!(m.visibility, Some(Visibility::Public));
        assert_eq!(m.thread_id.as_deref(), Some("-1001234567489:topic:33"));
        assert_eq!(m.reply_to.as_deref(), Some("-1001234567489:33"));
    }

    #[test]
    fn a_photo_keeps_its_caption_and_an_edit_is_an_edit() {
        let photo = parsed(&fixture("real/telegram/nutgram-photo.json"));
        assert!(!message(&photo).text.is_empty());
        let edited = parsed(&fixture("real/telegram/nutgram-edited_message.json"));
        assert!(
            matches!(edited.items.as_slice(), [Item::Edited { text, .. }] if !text.is_empty()),
            "{edited:?}"
        );
    }

    #[test]
    fn every_recorded_update_is_read_or_skipped_with_a_reason() {
        for (name, body) in real_fixtures("telegram") {
            let parsed = parsed(&body);
            assert_eq!(
                parsed.items.len() + parsed.skipped.len(),
                1,
                "{name}: {parsed:?}"
            );
            for skipped in &parsed.skipped {
                assert!(!skipped.reason.is_empty(), "{name}");
            }
        }
        for kind in ["callback_query", "channel_post", "message_reaction"] {
            let parsed = parsed(&fixture(&format!("real/telegram/nutgram-{kind}.json")));
            assert_eq!(parsed.skipped[0].reason, format!("a {kind}"), "{parsed:?}");
        }
    }

    #[test]
    fn a_body_that_is_no_update_is_an_error() {
        let account = Account::default();
        assert!(parse(&serde_json::json!({ "ok": true }), &account).is_err());
    }
}
