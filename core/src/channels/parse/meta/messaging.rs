//! Messenger and Instagram DM events (`messaging[]`, and `standby[]` while another app
//! holds the thread): private messages, their edits and unsends, and echoes of ours.

use chrono::{DateTime, Utc};
use serde_json::Value;

use super::super::{DeliveryState, Item};
use super::{Entry, author, id_of, is_web, millis, text};
use crate::service::ingest::InboundMessage;
use crate::views::{Attachment, Visibility};

/// A delivery receipt naming the messages it covers (`delivery.mids`): each of ours it
/// names has reached the customer's device. One without `mids` (only a watermark) names
/// nothing and is left to [`messaging_item`], which skips it.
pub(super) fn delivered_items(event: &Value) -> Option<Vec<Item>> {
    let delivery = event.get("delivery")?;
    let at = millis(delivery.get("watermark"));
    let items: Vec<Item> = delivery
        .get("mids")?
        .as_array()?
        .iter()
        .filter_map(|mid| id_of(Some(mid)))
        .map(|platform_message_id| Item::Status {
            platform_message_id,
            state: DeliveryState::Delivered,
            error: None,
            at,
        })
        .collect();
    (!items.is_empty()).then_some(items)
}

/// A read receipt: the message it names (Instagram's `read.mid`) is read, or every message
/// sent to the customer before its watermark (Messenger's `read.watermark`).
pub(super) fn read_items(event: &Value) -> Option<Vec<Item>> {
    let read = event.get("read")?;
    if let Some(platform_message_id) = id_of(read.get("mid")) {
        let at = millis(event.get("timestamp"));
        return Some(vec![Item::Status {
            platform_message_id,
            state: DeliveryState::Read,
            error: None,
            at,
        }]);
    }
    let customer = id_of(event.get("sender").and_then(|s| s.get("id")))?;
    let up_to = millis(read.get("watermark"))?;
    Some(vec![Item::ReadUpTo { customer, up_to }])
}

/// A Messenger or Instagram DM event: a message, an edit or an unsend; reactions, button
/// presses and the like are left alone.
pub(super) fn messaging_item(event: &Value, entry: &Entry) -> Result<Item, String> {
    let at = millis(event.get("timestamp"));
    if let Some(message) = event.get("message") {
        return dm_item(event, message, at, entry);
    }
    if let Some(edit) = event.get("message_edit") {
        return Ok(Item::Edited {
            platform_message_id: id_of(edit.get("mid")).ok_or("an edit without a mid")?,
            text: text(edit, "text").ok_or("an edit without text")?.to_owned(),
            at,
        });
    }
    let reason = [
        ("read", "a read receipt"),
        ("delivery", "a delivery receipt"),
        ("reaction", "a reaction"),
        ("postback", "a button press (postback)"),
        ("referral", "a referral"),
        ("optin", "an opt-in"),
        ("pass_thread_control", "a handover of the thread"),
        ("take_thread_control", "a handover of the thread"),
        ("request_thread_control", "a handover of the thread"),
    ]
    .into_iter()
    .find(|(field, _)| event.get(*field).is_some())
    .map_or("an event of another kind", |(_, reason)| reason);
    Err(reason.into())
}

fn dm_item(
    event: &Value,
    message: &Value,
    at: Option<DateTime<Utc>>,
    entry: &Entry,
) -> Result<Item, String> {
    let mid = id_of(message.get("mid")).ok_or("a message without a mid")?;
    let flag = |field: &str| message.get(field).and_then(Value::as_bool) == Some(true);
    if flag("is_deleted") {
        return Ok(Item::Deleted {
            platform_message_id: mid,
            at,
        });
    }
    let sender = id_of(event.get("sender").and_then(|s| s.get("id")));
    let sender = sender.ok_or("a message without a sender")?;
    if flag("is_echo") || entry.is_ours(&sender) {
        return Ok(Item::Echo {
            platform_message_id: mid,
        });
    }
    let attachments = dm_attachments(message);
    let text = match text(message, "text").filter(|t| !t.trim().is_empty()) {
        Some(text) => text.to_owned(),
        None if !attachments.is_empty() => String::new(),
        None => unlinked(message).ok_or("a message with nothing to read")?,
    };
    Ok(Item::Message(Box::new(InboundMessage {
        platform_message_id: mid,
        author: author(sender, None, None),
        text,
        timestamp: at,
        reply_to: message.get("reply_to").and_then(|r| id_of(r.get("mid"))),
        thread_id: None,
        visibility: Some(Visibility::Private),
        attachments,
    })))
}

fn dm_attachments(message: &Value) -> Vec<Attachment> {
    let list = message.get("attachments").and_then(Value::as_array);
    list.into_iter()
        .flatten()
        .filter_map(dm_attachment)
        .collect()
}

/// An attachment by its type (a sticker is an image with a `sticker_id`) and its URL.
fn dm_attachment(attachment: &Value) -> Option<Attachment> {
    let payload = attachment.get("payload")?;
    let url = text(payload, "url").filter(|url| is_web(url))?;
    let kind = match text(attachment, "type")? {
        "image" if payload.get("sticker_id").is_some() => "sticker",
        other => other,
    };
    Some(Attachment {
        kind: kind.into(),
        url: url.into(),
        name: text(payload, "title").map(str::to_owned),
        mime_type: None,
    })
}

/// What a message without text or usable links is, named: `(unsupported_type)`.
fn unlinked(message: &Value) -> Option<String> {
    let list = message.get("attachments").and_then(Value::as_array);
    let kinds: Vec<&str> = list
        .into_iter()
        .flatten()
        .filter_map(|a| text(a, "type"))
        .collect();
    match kinds.is_empty() {
        false => Some(format!("({})", kinds.join(", "))),
        true => (message.get("is_unsupported").and_then(Value::as_bool) == Some(true))
            .then(|| "(a message the platform does not show)".to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::super::tests::{PAGE, case, delivered, message, only_skip, parsed_as, read};
    use super::*;
    use crate::views::ChannelKind;

    #[test]
    fn a_messenger_message_is_a_private_message_from_its_psid() {
        let parsed = read(ChannelKind::Facebook, "messenger_message.json", Some(PAGE));
        let m = message(&parsed);
        assert_eq!(m.platform_message_id, "m_SYNTHETICmid0001");
        assert_eq!(m.author.platform_user_id, "8000000000000001");
        assert_eq!(m.text, "Hi, my parcel arrived damaged");
        assert_eq!(m.reply_to.as_deref(), Some("m_SYNTHETICmid0000"));
        assert_eq!(m.visibility, Some(Visibility::Private));
        assert_eq!(m.thread_id, None);
        assert_eq!(m.timestamp.unwrap().timestamp_millis(), 1_735_732_800_900);

        let quick = parsed_as(
            ChannelKind::Facebook,
            &case(
                ChannelKind::Facebook,
                "messenger",
                "messenger-php-callback_message_quick_reply.json",
            ),
            None,
        );
        assert_eq!(message(&quick).text, "hello, world!");
        assert_eq!(message(&quick).author.platform_user_id, "USER_ID");
    }

    #[test]
    fn messenger_echoes_edits_and_unsends_are_told_apart() {
        let echo = read(
            ChannelKind::Facebook,
            "real/messenger/restfb-message_echo.json",
            None,
        );
        assert_eq!(
            echo.items,
            [Item::Echo {
                platform_message_id: "mid.1457764197618:41d102a3e1ae206a38".into()
            }]
        );
        let edit = read(
            ChannelKind::Facebook,
            "real/messenger/restfb-message_edit.json",
            None,
        );
        assert_eq!(
            edit.items,
            [Item::Edited {
                platform_message_id: "mid.1457764197618:41d102a3e1ae206a38".into(),
                text: "hello, world!".into(),
                at: DateTime::from_timestamp_millis(1_457_764_197_627),
            }]
        );
        let deleted = read(
            ChannelKind::Facebook,
            "real/messenger/restfb-message_is_deleted.json",
            None,
        );
        assert_eq!(
            deleted.items,
            [Item::Deleted {
                platform_message_id: "message_id".into(),
                at: DateTime::from_timestamp_millis(1_457_764_197_627),
            }]
        );
        let from_page = delivered(
            ChannelKind::Facebook,
            json!({"sender": {"id": PAGE}, "message": {"mid": "m_1", "text": "hi"}}),
        );
        assert_eq!(
            parsed_as(ChannelKind::Facebook, &from_page, Some(PAGE)).items,
            [Item::Echo {
                platform_message_id: "m_1".into()
            }]
        );
    }

    #[test]
    fn reactions_and_button_presses_are_skipped_and_standby_is_read() {
        for (name, reason) in [
            ("messenger-php-event_reaction.json", "a reaction"),
            (
                "botbuilder-postback_with_referral.json",
                "a button press (postback)",
            ),
        ] {
            let delivery = case(ChannelKind::Facebook, "messenger", name);
            let parsed = parsed_as(ChannelKind::Facebook, &delivery, None);
            assert_eq!(
                only_skip(&parsed),
                ("entry[0].messaging[0]", reason),
                "{name}"
            );
        }
        let standby = case(
            ChannelKind::Facebook,
            "messenger",
            "botbuilder-standby.json",
        );
        let parsed = parsed_as(ChannelKind::Facebook, &standby, None);
        assert_eq!(message(&parsed).platform_message_id, "AAAA-BBBB-CCCC");
        let skipped: Vec<_> = parsed.skipped.iter().map(|s| s.at.as_str()).collect();
        assert_eq!(skipped, ["entry[0].standby[0]", "entry[0].standby[1]"]);
    }

    #[test]
    fn a_read_receipt_with_only_a_watermark_reads_up_to_it() {
        let delivery = case(
            ChannelKind::Facebook,
            "messenger",
            "messenger-php-event_read.json",
        );
        let parsed = parsed_as(ChannelKind::Facebook, &delivery, None);
        assert!(parsed.skipped.is_empty(), "{:?}", parsed.skipped);
        assert!(matches!(
            &parsed.items[..],
            [Item::ReadUpTo { customer, up_to }]
                if customer == "USER_ID" && up_to.timestamp_millis() == 1_458_668_856_253
        ));
    }

    #[test]
    fn a_delivery_receipt_marks_each_message_it_names_delivered() {
        let delivery = case(
            ChannelKind::Facebook,
            "messenger",
            "messenger-php-event_delivery.json",
        );
        let parsed = parsed_as(ChannelKind::Facebook, &delivery, None);
        assert!(parsed.skipped.is_empty(), "{:?}", parsed.skipped);
        assert!(matches!(
            &parsed.items[..],
            [Item::Status { platform_message_id, state: DeliveryState::Delivered, error: None, at: Some(_) }]
                if platform_message_id == "mid.1458668856218:ed81099e15d3f4f233"
        ));
    }

    #[test]
    fn dm_attachments_keep_their_links_and_stickers_are_named() {
        let event = json!({
            "sender": {"id": "81"}, "timestamp": 1,
            "message": {"mid": "m_2", "attachments": [
                {"type": "image", "payload": {"url": "https://scontent.example/a.jpg"}},
                {"type": "image", "payload": {"url": "https://scontent.example/s.png", "sticker_id": 369}},
                {"type": "file", "payload": {"url": "ftp://nope"}}
            ]}
        });
        let parsed = parsed_as(
            ChannelKind::Facebook,
            &delivered(ChannelKind::Facebook, event),
            None,
        );
        let m = message(&parsed);
        assert_eq!(m.text, "");
        let kinds: Vec<_> = m.attachments.iter().map(|a| a.kind.as_str()).collect();
        assert_eq!(kinds, ["image", "sticker"]);
        assert_eq!(m.attachments[0].url, "https://scontent.example/a.jpg");
    }

    #[test]
    fn instagram_dms_read_like_messenger_and_mentions_are_skipped() {
        let parsed = read(ChannelKind::Instagram, "instagram_dm.json", None);
        let m = message(&parsed);
        assert_eq!(m.platform_message_id, "aWdfZAG1SYNTHETICmid0001");
        assert_eq!(m.author.platform_user_id, "6100000000000001");
        assert_eq!(m.text, "Can you help me with a return?");
        assert_eq!(m.visibility, Some(Visibility::Private));
        assert_eq!(m.timestamp.unwrap().timestamp_millis(), 1_735_732_800_900);

        let unsupported = read(
            ChannelKind::Instagram,
            "real/instagram/restfb-messaging_unsupported_attachment.json",
            None,
        );
        let m = message(&unsupported);
        assert_eq!(m.author.platform_user_id, "5614879045272581");
        assert_eq!(m.attachments.len(), 1);
        assert_eq!(m.attachments[0].kind, "unsupported_type");
        assert!(
            m.attachments[0]
                .url
                .starts_with("https://lookaside.fbsbx.com/")
        );

        let seen = read(
            ChannelKind::Instagram,
            "real/instagram/restfb-messaging_read.json",
            None,
        );
        assert!(seen.skipped.is_empty(), "{:?}", seen.skipped);
        assert!(matches!(
            &seen.items[..],
            [Item::Status { platform_message_id, state: DeliveryState::Read, error: None, at: Some(_) }]
                if platform_message_id == "MESSAGE-ID"
        ));
        let mention = read(
            ChannelKind::Instagram,
            "real/instagram/restfb-mentions.json",
            None,
        );
        assert_eq!(
            only_skip(&mention),
            (
                "entry[0].changes[0]",
                "a mention: only ids, its text and author need a Graph lookup"
            )
        );
        let echo = delivered(
            ChannelKind::Instagram,
            json!({"sender": {"id": "17841400000000001"}, "recipient": {"id": "61"},
                   "message": {"mid": "aWdf1", "text": "On it", "is_echo": true}}),
        );
        assert_eq!(
            parsed_as(ChannelKind::Instagram, &echo, None).items,
            [Item::Echo {
                platform_message_id: "aWdf1".into()
            }]
        );
    }
}
