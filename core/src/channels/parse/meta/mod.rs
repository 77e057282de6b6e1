//! Meta webhook deliveries (`{"object", "entry": [...]}`) for Facebook Pages and Messenger,
//! Instagram and WhatsApp: comments, visitor posts and mentions (public, threaded on their
//! post), DMs (private), their edits and deletions, echoes of the brand's own messages and
//! the delivery states of what it sent. Every entry, change and event is read on its own:
//! one that cannot be understood, or needs no action, is skipped with where it was and why.
//!
//! This module reads the envelope and dispatches its parts: `feed` reads Facebook feed and
//! mention changes and Instagram comments, `messaging` Messenger and Instagram DMs, and
//! `whatsapp` WhatsApp's messages, statuses and echoes.

mod feed;
mod messaging;
mod whatsapp;

use chrono::{DateTime, Utc};
use serde_json::Value;

use super::{Account, Item, ParseError, Parsed, Skipped};
use crate::service::ingest::InboundAuthor;
use crate::views::ChannelKind;
use feed::{feed_item, ig_comment};
use messaging::{delivered_items, messaging_item, read_items};
use whatsapp::{read_app_echoes, read_whatsapp};

pub(super) fn parse(
    kind: ChannelKind,
    delivery: &Value,
    account: &Account,
) -> Result<Parsed, ParseError> {
    let expected = match kind {
        ChannelKind::Facebook => "page",
        ChannelKind::Instagram => "instagram",
        ChannelKind::Whatsapp => "whatsapp_business_account",
        other => return Err(ParseError(format!("{other} deliveries are not Meta's"))),
    };
    let object = delivery.get("object").and_then(Value::as_str);
    let object = object.ok_or_else(|| ParseError("not a Meta delivery: no object".into()))?;
    if object != expected {
        return Err(ParseError(format!(
            "a delivery for {object}, not {expected}"
        )));
    }
    let entries = delivery.get("entry").and_then(Value::as_array);
    let entries = entries.ok_or_else(|| ParseError("not a Meta delivery: no entry list".into()))?;
    let mut parsed = Parsed::default();
    for (i, entry) in entries.iter().enumerate() {
        read_entry(kind, entry, &format!("entry[{i}]"), account, &mut parsed);
    }
    Ok(parsed)
}

/// What an entry tells about everything in it.
struct Entry {
    /// The brand's ids: the channel's account and the entry's own (Page, IG account).
    ours: Vec<String>,
    /// When Meta sent it: seconds for changes, milliseconds for messaging.
    time: Option<DateTime<Utc>>,
}

impl Entry {
    fn is_ours(&self, user_id: &str) -> bool {
        self.ours.iter().any(|id| id == user_id)
    }
}

fn push(parsed: &mut Parsed, at: String, outcome: Result<Item, String>) {
    match outcome {
        Ok(item) => parsed.items.push(item),
        Err(reason) => parsed.skipped.push(Skipped { at, reason }),
    }
}

fn skip(parsed: &mut Parsed, at: &str, reason: &str) {
    parsed.skipped.push(Skipped {
        at: at.into(),
        reason: reason.into(),
    });
}

fn read_entry(kind: ChannelKind, entry: &Value, at: &str, account: &Account, parsed: &mut Parsed) {
    if !entry.is_object() {
        return skip(parsed, at, "an entry that is not an object");
    }
    let context = Entry {
        ours: account
            .id
            .iter()
            .cloned()
            .chain(id_of(entry.get("id")))
            .collect(),
        time: entry_time(entry.get("time")),
    };
    let lists = ["changes", "messaging", "standby"];
    if lists.iter().all(|list| entry.get(*list).is_none()) {
        return skip(parsed, at, "an entry without changes or messaging");
    }
    for list in lists {
        let Some(value) = entry.get(list) else {
            continue;
        };
        let Some(events) = value.as_array() else {
            skip(parsed, &format!("{at}.{list}"), "not a list");
            continue;
        };
        for (i, event) in events.iter().enumerate() {
            let at = format!("{at}.{list}[{i}]");
            match list {
                "changes" => read_change(kind, event, &at, &context, parsed),
                _ => match delivered_items(event).or_else(|| read_items(event)) {
                    Some(statuses) => parsed.items.extend(statuses),
                    // Standby events are the same events, while another app holds the thread.
                    None => push(parsed, at, messaging_item(event, &context)),
                },
            }
        }
    }
}

fn read_change(kind: ChannelKind, change: &Value, at: &str, entry: &Entry, parsed: &mut Parsed) {
    let field = change.get("field").and_then(Value::as_str);
    let (Some(field), Some(value)) = (field, change.get("value")) else {
        return skip(parsed, at, "a change without field or value");
    };
    let at = at.to_owned();
    match (kind, field) {
        (ChannelKind::Facebook, "feed" | "mention") => push(parsed, at, feed_item(value, entry)),
        (ChannelKind::Instagram, "comments" | "live_comments") => {
            push(parsed, at, ig_comment(value, entry));
        }
        (ChannelKind::Instagram, "mentions") => skip(
            parsed,
            &at,
            "a mention: only ids, its text and author need a Graph lookup",
        ),
        // The dashboard's test deliveries put a DM event in a change.
        (ChannelKind::Instagram, "messages") => push(parsed, at, messaging_item(value, entry)),
        (ChannelKind::Whatsapp, "messages") => read_whatsapp(value, &at, parsed),
        (ChannelKind::Whatsapp, "smb_message_echoes") => read_app_echoes(value, &at, parsed),
        (_, other) => skip(parsed, &at, &format!("a change of field {other}")),
    }
}

/// Meta ids are strings, but some senders write them as numbers.
fn id_of(value: Option<&Value>) -> Option<String> {
    match value? {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn text<'a>(value: &'a Value, field: &str) -> Option<&'a str> {
    value.get(field).and_then(Value::as_str)
}

fn number(value: Option<&Value>) -> Option<i64> {
    match value? {
        Value::String(s) => s.parse().ok(),
        other => other.as_i64(),
    }
}

fn seconds(value: Option<&Value>) -> Option<DateTime<Utc>> {
    DateTime::from_timestamp(number(value)?, 0)
}

fn millis(value: Option<&Value>) -> Option<DateTime<Utc>> {
    DateTime::from_timestamp_millis(number(value)?)
}

/// `entry.time` is in seconds or milliseconds depending on the product; no date this
/// millennium has 12 digits in seconds.
fn entry_time(value: Option<&Value>) -> Option<DateTime<Utc>> {
    let time = number(value)?;
    match time > 99_999_999_999 {
        true => DateTime::from_timestamp_millis(time),
        false => DateTime::from_timestamp(time, 0),
    }
}

fn is_web(url: &str) -> bool {
    url.starts_with("https://") || url.starts_with("http://")
}

fn author(id: String, handle: Option<String>, display_name: Option<String>) -> InboundAuthor {
    InboundAuthor {
        platform_user_id: id,
        handle,
        display_name,
        avatar_url: None,
        follower_count: None,
        verified: None,
    }
}

#[cfg(test)]
mod tests;
