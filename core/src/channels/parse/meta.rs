//! Meta webhook deliveries (`{"object", "entry": [...]}`) for Facebook Pages and Messenger,
//! Instagram and WhatsApp: comments, visitor posts and mentions (public, threaded on their
//! post), DMs (private), their edits and deletions, echoes of the brand's own messages and
//! the delivery states of what it sent. Every entry, change and event is read on its own:
//! one that cannot be understood, or needs no action, is skipped with where it was and why.

use chrono::{DateTime, Utc};
use serde_json::Value;

use super::{Account, DeliveryState, Item, ParseError, Parsed, Skipped};
use crate::service::ingest::{InboundAuthor, InboundMessage};
use crate::views::{Attachment, ChannelKind, Visibility};

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
                // Standby events are the same events, while another app holds the thread.
                _ => push(parsed, at, messaging_item(event, &context)),
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

/// A Page feed or mention change: a comment or a visitor's post, added, edited or removed.
fn feed_item(value: &Value, entry: &Entry) -> Result<Item, String> {
    let item = text(value, "item").ok_or("a feed change without an item")?;
    let id_field = match item {
        "comment" => "comment_id",
        "post" | "status" | "photo" | "video" | "share" => "post_id",
        other => return Err(format!("a feed {other}")),
    };
    let id = id_of(value.get(id_field)).ok_or_else(|| format!("a feed {item} without an id"))?;
    let changed_at = entry.time.or_else(|| seconds(value.get("created_time")));
    match text(value, "verb") {
        Some("add") => feed_message(value, id, entry),
        Some("edited") => Ok(Item::Edited {
            platform_message_id: id,
            text: text(value, "message")
                .ok_or("an edit without text")?
                .to_owned(),
            at: changed_at,
        }),
        Some("remove") => Ok(Item::Deleted {
            platform_message_id: id,
            at: changed_at,
        }),
        Some(other) => Err(format!("a feed {item} {other}")),
        None => Err(format!("a feed {item} without a verb")),
    }
}

fn feed_message(value: &Value, id: String, entry: &Entry) -> Result<Item, String> {
    let author = feed_author(value).ok_or("a post or comment without its author")?;
    // The Page's own comments and posts are not flagged: they are the Page's id.
    if entry.is_ours(&author.platform_user_id) {
        return Ok(Item::Echo {
            platform_message_id: id,
        });
    }
    let post = id_of(value.get("post_id")).ok_or("a post or comment without its post_id")?;
    let text = text(value, "message").unwrap_or_default().to_owned();
    let attachments = feed_media(value);
    if text.trim().is_empty() && attachments.is_empty() {
        return Err("a post or comment with nothing to read".into());
    }
    Ok(Item::Message(Box::new(InboundMessage {
        reply_to: id_of(value.get("parent_id")).filter(|parent| *parent != post),
        thread_id: Some(post),
        platform_message_id: id,
        author,
        text,
        timestamp: seconds(value.get("created_time")).or(entry.time),
        visibility: Some(Visibility::Public),
        attachments,
    })))
}

/// `from{id,name}`, or the legacy `sender_id` and `sender_name`.
fn feed_author(value: &Value) -> Option<InboundAuthor> {
    let from = value.get("from");
    let user = id_of(from.and_then(|f| f.get("id"))).or_else(|| id_of(value.get("sender_id")))?;
    let name = from
        .and_then(|f| text(f, "name"))
        .or_else(|| text(value, "sender_name"));
    Some(author(user, None, name.map(str::to_owned)))
}

/// A comment's photo or video, or the photo or video a post is.
fn feed_media(value: &Value) -> Vec<Attachment> {
    let link = match text(value, "item") {
        Some(kind @ ("photo" | "video")) => text(value, "link").map(|url| (kind, url)),
        _ => None,
    };
    [("photo", "image"), ("video", "video")]
        .into_iter()
        .filter_map(|(field, kind)| text(value, field).map(|url| (kind, url)))
        .chain(link.map(|(kind, url)| (if kind == "photo" { "image" } else { kind }, url)))
        .filter(|(_, url)| is_web(url))
        .map(|(kind, url)| Attachment {
            kind: kind.into(),
            url: url.into(),
            name: None,
            mime_type: None,
        })
        .collect()
}

/// An Instagram comment, on the brand's media or in reply to another comment.
fn ig_comment(value: &Value, entry: &Entry) -> Result<Item, String> {
    let id = id_of(value.get("id")).ok_or("a comment without an id")?;
    let from = value.get("from").ok_or("a comment without its author")?;
    let user = id_of(from.get("id")).ok_or("a comment author without an id")?;
    // The account's own comments are not flagged: they are the account's id.
    if entry.is_ours(&user) {
        return Ok(Item::Echo {
            platform_message_id: id,
        });
    }
    let body = text(value, "text").filter(|t| !t.trim().is_empty());
    let handle = text(from, "username").map(|name| format!("@{name}"));
    Ok(Item::Message(Box::new(InboundMessage {
        platform_message_id: id,
        author: author(user, handle, None),
        text: body.ok_or("a comment without text")?.to_owned(),
        // A comment has no time of its own.
        timestamp: entry.time,
        reply_to: id_of(value.get("parent_id")),
        thread_id: value.get("media").and_then(|m| id_of(m.get("id"))),
        visibility: Some(Visibility::Public),
        attachments: Vec::new(),
    })))
}

/// A Messenger or Instagram DM event: a message, an edit or an unsend; receipts, reactions,
/// button presses and the like are left alone.
fn messaging_item(event: &Value, entry: &Entry) -> Result<Item, String> {
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

/// A WhatsApp `messages` change: customers' messages, states of ours, and errors.
fn read_whatsapp(value: &Value, at: &str, parsed: &mut Parsed) {
    let list = |field: &str| value.get(field).and_then(Value::as_array);
    let (messages, statuses, errors) = (list("messages"), list("statuses"), list("errors"));
    if messages.is_none() && statuses.is_none() && errors.is_none() {
        return skip(parsed, at, "a messages change with nothing in it");
    }
    for (i, message) in messages.into_iter().flatten().enumerate() {
        let outcome = wa_item(message, value);
        push(parsed, format!("{at}.value.messages[{i}]"), outcome);
    }
    for (i, status) in statuses.into_iter().flatten().enumerate() {
        push(
            parsed,
            format!("{at}.value.statuses[{i}]"),
            wa_status(status),
        );
    }
    for (i, error) in errors.into_iter().flatten().enumerate() {
        let reason = format!("an error: {}", error_text(error));
        skip(parsed, &format!("{at}.value.errors[{i}]"), &reason);
    }
}

/// Messages sent from the WhatsApp Business app on the same number.
fn read_app_echoes(value: &Value, at: &str, parsed: &mut Parsed) {
    let Some(echoes) = value.get("message_echoes").and_then(Value::as_array) else {
        return skip(parsed, at, "an echo change without message_echoes");
    };
    for (i, echo) in echoes.iter().enumerate() {
        let outcome = id_of(echo.get("id"))
            .map(|id| Item::Echo {
                platform_message_id: id,
            })
            .ok_or_else(|| "an echo without an id".to_owned());
        push(parsed, format!("{at}.value.message_echoes[{i}]"), outcome);
    }
}

fn wa_item(message: &Value, value: &Value) -> Result<Item, String> {
    let at = seconds(message.get("timestamp"));
    let original = |field: &str| {
        let of = message
            .get(field)
            .and_then(|m| id_of(m.get("original_message_id")));
        of.ok_or_else(|| format!("a {field} without its original message"))
    };
    match text(message, "type") {
        Some("edit") => {
            let edited = message.get("edit").and_then(|e| e.get("message"));
            Ok(Item::Edited {
                platform_message_id: original("edit")?,
                text: wa_text(edited.ok_or("an edit without its message")?)?,
                at,
            })
        }
        Some("revoke") => Ok(Item::Deleted {
            platform_message_id: original("revoke")?,
            at,
        }),
        _ => wa_message(message, value, at),
    }
}

fn wa_message(message: &Value, value: &Value, at: Option<DateTime<Utc>>) -> Result<Item, String> {
    let id = id_of(message.get("id")).ok_or("a message without an id")?;
    let text = wa_text(message)?;
    let from = id_of(message.get("from")).ok_or("a message without a sender")?;
    Ok(Item::Message(Box::new(InboundMessage {
        platform_message_id: id,
        author: wa_author(from, value),
        text,
        timestamp: at,
        reply_to: message.get("context").and_then(|c| id_of(c.get("id"))),
        thread_id: None,
        visibility: Some(Visibility::Private),
        attachments: Vec::new(),
    })))
}

/// The sender by `wa_id`, named as its contact card says; the number is its handle.
fn wa_author(from: String, value: &Value) -> InboundAuthor {
    let contacts = value.get("contacts").and_then(Value::as_array);
    let name = contacts
        .into_iter()
        .flatten()
        .find(|c| {
            ["wa_id", "user_id"]
                .iter()
                .any(|f| text(c, f) == Some(from.as_str()))
        })
        .and_then(|c| c.get("profile"))
        .and_then(|p| text(p, "name"))
        .map(str::to_owned);
    let digits = !from.is_empty() && from.bytes().all(|b| b.is_ascii_digit());
    let handle = digits.then(|| format!("+{from}"));
    author(from, handle, name)
}

/// What a message says. WhatsApp's media are fetched with the channel's token, so they are
/// named, not linked; a button or list reply says its title.
fn wa_text(message: &Value) -> Result<String, String> {
    let kind = text(message, "type").ok_or("a message without a type")?;
    let part = message.get(kind);
    let field = |field: &str| part.and_then(|p| text(p, field)).map(str::to_owned);
    let said = match kind {
        "text" => field("body"),
        "button" => field("text"),
        "interactive" => part.and_then(interactive_text),
        "image" | "video" | "audio" | "document" | "sticker" => {
            Some(field("caption").unwrap_or_else(|| media_name(kind, part)))
        }
        "location" => part.map(location_text),
        "contacts" => message.get("contacts").map(contacts_text),
        "order" => Some(match field("text").filter(|t| !t.trim().is_empty()) {
            Some(text) => format!("(order) {text}"),
            None => "(order)".into(),
        }),
        "reaction" => return Err("a reaction".into()),
        "unsupported" => {
            let errors = message.get("errors").and_then(Value::as_array);
            let error = errors.and_then(|e| e.first()).map(error_text);
            return Err(format!(
                "an unsupported message ({})",
                error.unwrap_or_else(|| "no reason given".into())
            ));
        }
        "system" => return Err("a system notice (such as a changed number)".into()),
        other => return Err(format!("a message of type {other}")),
    };
    said.filter(|s| !s.trim().is_empty())
        .ok_or_else(|| format!("a message of type {kind} without its content"))
}

fn interactive_text(interactive: &Value) -> Option<String> {
    let kind = text(interactive, "type")?;
    let reply = interactive.get(kind)?;
    text(reply, "title")
        .or_else(|| text(reply, "body"))
        .map(str::to_owned)
}

fn media_name(kind: &str, media: Option<&Value>) -> String {
    let media = media.unwrap_or(&Value::Null);
    if media.get("voice").and_then(Value::as_bool) == Some(true) {
        return "(voice message)".into();
    }
    match text(media, "filename") {
        Some(name) => format!("({kind}) {name}"),
        None => format!("({kind})"),
    }
}

fn location_text(location: &Value) -> String {
    let named: Vec<&str> = ["name", "address"]
        .into_iter()
        .filter_map(|field| text(location, field))
        .collect();
    if !named.is_empty() {
        return format!("(location) {}", named.join(", "));
    }
    let coordinate = |field: &str| location.get(field).and_then(Value::as_f64);
    match (coordinate("latitude"), coordinate("longitude")) {
        (Some(lat), Some(lon)) => format!("(location) {lat}, {lon}"),
        _ => "(location)".into(),
    }
}

fn contacts_text(cards: &Value) -> String {
    let names: Vec<&str> = cards
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|card| card.get("name").and_then(|n| text(n, "formatted_name")))
        .collect();
    format!("(contacts) {}", names.join(", "))
        .trim_end()
        .to_owned()
}

/// How far a message we sent has got; `played` (a voice message) means read.
fn wa_status(status: &Value) -> Result<Item, String> {
    let id = id_of(status.get("id")).ok_or("a status without a message id")?;
    let state = match text(status, "status").ok_or("a status without its state")? {
        "sent" => DeliveryState::Sent,
        "delivered" => DeliveryState::Delivered,
        "read" | "played" => DeliveryState::Read,
        "failed" => DeliveryState::Failed,
        other => return Err(format!("a {other} status")),
    };
    let errors = status.get("errors").and_then(Value::as_array);
    let error = errors.and_then(|e| e.first()).map(error_text);
    Ok(Item::Status {
        platform_message_id: id,
        error: error.filter(|_| state == DeliveryState::Failed),
        state,
        at: seconds(status.get("timestamp")),
    })
}

/// `131047 Re-engagement message: More than 24 hours have passed…`: the code is what to
/// act on, the rest is for people.
fn error_text(error: &Value) -> String {
    let title = text(error, "title").or_else(|| text(error, "message"));
    let details = error.get("error_data").and_then(|d| text(d, "details"));
    let code = number(error.get("code")).map(|code| code.to_string());
    let head: Vec<String> = [code, title.map(str::to_owned)]
        .into_iter()
        .flatten()
        .collect();
    let head = head.join(" ");
    match details.filter(|d| Some(*d) != title) {
        Some(details) if !head.is_empty() => format!("{head}: {details}"),
        Some(details) => details.to_owned(),
        None if head.is_empty() => "an unexplained error".into(),
        None => head,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::super::tests::{fixture, real_fixtures};
    use super::*;

    const PAGE: &str = "300000000000001";

    fn parsed_as(kind: ChannelKind, body: &Value, account: Option<&str>) -> Parsed {
        let account = Account {
            id: account.map(str::to_owned),
        };
        parse(kind, body, &account).unwrap()
    }

    /// A fixture's JSON; one recorded from a C# project starts with a byte-order mark.
    fn json_of(body: &str) -> Value {
        serde_json::from_str(body.trim_start_matches('\u{feff}')).unwrap()
    }

    fn read(kind: ChannelKind, name: &str, account: Option<&str>) -> Parsed {
        parsed_as(kind, &json_of(&fixture(name)), account)
    }

    fn message(parsed: &Parsed) -> &InboundMessage {
        match parsed.items.as_slice() {
            [Item::Message(message)] => message,
            other => panic!("not one message: {other:?}"),
        }
    }

    fn only_skip(parsed: &Parsed) -> (&str, &str) {
        match (parsed.items.as_slice(), parsed.skipped.as_slice()) {
            ([], [skipped]) => (&skipped.at, &skipped.reason),
            other => panic!("not one skip: {other:?}"),
        }
    }

    fn object_of(kind: ChannelKind) -> &'static str {
        match kind {
            ChannelKind::Facebook => "page",
            ChannelKind::Instagram => "instagram",
            _ => "whatsapp_business_account",
        }
    }

    /// A `messaging[]` event in the delivery that would carry it.
    fn delivered(kind: ChannelKind, event: Value) -> Value {
        json!({
            "object": object_of(kind),
            "entry": [{"id": "PAGE_ID", "time": 1_458_668_856_463_i64, "messaging": [event]}]
        })
    }

    /// Every recorded delivery of a folder: keyed maps give each case, bare events are
    /// wrapped in their delivery.
    fn recorded(kind: ChannelKind, folder: &str) -> Vec<(String, Value)> {
        let mut deliveries = Vec::new();
        for (name, body) in real_fixtures(folder) {
            let value = json_of(&body);
            if value.get("object").is_some() {
                deliveries.push((name, value));
            } else if value.get("sender").is_some() {
                deliveries.push((name, delivered(kind, value)));
            } else {
                let cases = value.as_object().unwrap();
                assert!(!cases.is_empty(), "{name}");
                for (case, delivery) in cases {
                    deliveries.push((format!("{name}#{case}"), delivery.clone()));
                }
            }
        }
        deliveries
    }

    fn case(kind: ChannelKind, folder: &str, wanted: &str) -> Value {
        let found = recorded(kind, folder)
            .into_iter()
            .find(|(name, _)| name == wanted);
        found.unwrap_or_else(|| panic!("no {wanted}")).1
    }

    /// What a delivery holds to be read: each entry's changes and events, and each
    /// WhatsApp message, status and error.
    fn to_read(delivery: &Value) -> usize {
        let lists = ["changes", "messaging", "standby"];
        let mut count = 0;
        for entry in delivery["entry"].as_array().unwrap() {
            if lists.iter().all(|list| entry.get(*list).is_none()) {
                count += 1;
            }
            for list in lists.iter().filter_map(|list| entry.get(*list)) {
                for event in list.as_array().unwrap() {
                    let value = &event["value"];
                    let inner: usize = ["messages", "statuses", "errors"]
                        .iter()
                        .filter_map(|field| value.get(*field).and_then(Value::as_array))
                        .map(Vec::len)
                        .sum();
                    count += match event["field"].as_str() {
                        Some("messages") if object_of_value(delivery) == "whatsapp" => inner.max(1),
                        _ => 1,
                    };
                }
            }
        }
        count
    }

    fn object_of_value(delivery: &Value) -> &str {
        match delivery["object"].as_str() {
            Some("whatsapp_business_account") => "whatsapp",
            _ => "other",
        }
    }

    fn assert_all_read(kind: ChannelKind, name: &str, delivery: &Value) -> Parsed {
        let parsed = parsed_as(kind, delivery, None);
        assert_eq!(
            parsed.items.len() + parsed.skipped.len(),
            to_read(delivery),
            "{name}: {parsed:?}"
        );
        for skipped in &parsed.skipped {
            assert!(skipped.at.starts_with("entry["), "{name}: {skipped:?}");
            assert!(!skipped.reason.is_empty(), "{name}: {skipped:?}");
        }
        parsed
    }

    #[test]
    fn every_documented_and_recorded_delivery_is_read_or_skipped_with_a_reason() {
        let documented = [
            (ChannelKind::Facebook, "facebook_feed_comment.json"),
            (ChannelKind::Facebook, "messenger_message.json"),
            (ChannelKind::Instagram, "instagram_comment.json"),
            (ChannelKind::Instagram, "instagram_dm.json"),
            (ChannelKind::Whatsapp, "whatsapp_text.json"),
            (ChannelKind::Whatsapp, "whatsapp_status.json"),
        ];
        for (kind, name) in documented {
            let parsed = assert_all_read(kind, name, &json_of(&fixture(name)));
            assert!(parsed.skipped.is_empty(), "{name}: {parsed:?}");
        }
        let folders = [
            (ChannelKind::Facebook, "facebook", 5),
            (ChannelKind::Facebook, "messenger", 9),
            (ChannelKind::Instagram, "instagram", 4),
            (
                ChannelKind::Whatsapp,
                "whatsapp",
                2 + 23 + 7 + 3 + 2 + 1 + 1,
            ),
        ];
        for (kind, folder, cases) in folders {
            let deliveries = recorded(kind, folder);
            assert_eq!(deliveries.len(), cases, "{folder}");
            for (name, delivery) in deliveries {
                assert_all_read(kind, &name, &delivery);
            }
        }
    }

    #[test]
    fn a_page_comment_is_public_threaded_on_its_post_and_replies_to_its_parent() {
        let parsed = read(
            ChannelKind::Facebook,
            "facebook_feed_comment.json",
            Some(PAGE),
        );
        let m = message(&parsed);
        assert_eq!(m.platform_message_id, "400000000000001_500000000000001");
        assert_eq!(m.author.platform_user_id, "7000000000000001");
        assert_eq!(m.author.display_name.as_deref(), Some("Dana Example"));
        assert_eq!(m.author.handle, None);
        assert_eq!(m.text, "Still no refund after two weeks");
        assert_eq!(m.visibility, Some(Visibility::Public));
        assert_eq!(
            m.thread_id.as_deref(),
            Some("300000000000001_400000000000001")
        );
        assert_eq!(m.reply_to, None);
        assert_eq!(m.timestamp.unwrap().timestamp(), 1_735_732_800);

        let mut reply = json_of(&fixture("facebook_feed_comment.json"));
        reply["entry"][0]["changes"][0]["value"]["parent_id"] =
            json!("400000000000001_500000000000000");
        let parsed = parsed_as(ChannelKind::Facebook, &reply, Some(PAGE));
        let m = message(&parsed);
        assert_eq!(
            m.reply_to.as_deref(),
            Some("400000000000001_500000000000000")
        );
        assert_eq!(
            m.thread_id.as_deref(),
            Some("300000000000001_400000000000001")
        );
    }

    #[test]
    fn the_pages_own_comment_is_an_echo() {
        let own = read(
            ChannelKind::Facebook,
            "real/facebook/restfb-feed_comment_add.json",
            None,
        );
        assert_eq!(
            own.items,
            [Item::Echo {
                platform_message_id: "901097836652708_903438993085259".into()
            }]
        );
        let by_account = read(
            ChannelKind::Facebook,
            "facebook_feed_comment.json",
            Some("7000000000000001"),
        );
        assert!(
            matches!(by_account.items.as_slice(), [Item::Echo { .. }]),
            "{by_account:?}"
        );
    }

    #[test]
    fn a_comment_edited_in_the_legacy_form_or_removed_is_an_edit_or_a_deletion() {
        let edited = read(
            ChannelKind::Facebook,
            "real/facebook/restfb-feed_comment_edited_legacy.json",
            None,
        );
        assert_eq!(
            edited.items,
            [Item::Edited {
                platform_message_id: "900728623356296_900744590021366".into(),
                text: "Let's see the Webhooks in action :D".into(),
                at: DateTime::from_timestamp(1_448_555_737, 0),
            }]
        );
        let removed = read(
            ChannelKind::Facebook,
            "real/facebook/restfb-feed_comment_remove.json",
            None,
        );
        assert_eq!(
            removed.items,
            [Item::Deleted {
                platform_message_id: "905578656204626_905579239537901".into(),
                at: DateTime::from_timestamp(1_452_107_182, 0),
            }]
        );
        let mut legacy = json_of(&fixture(
            "real/facebook/restfb-feed_comment_edited_legacy.json",
        ));
        legacy["entry"][0]["changes"][0]["value"]["verb"] = json!("add");
        legacy["entry"][0]["changes"][0]["value"]["sender_id"] = json!(8_423_678_347_823_u64);
        let parsed = parsed_as(ChannelKind::Facebook, &legacy, None);
        let m = message(&parsed);
        assert_eq!(m.author.platform_user_id, "8423678347823");
        assert_eq!(m.author.display_name.as_deref(), Some("Tester"));
    }

    #[test]
    fn a_visitor_post_is_a_public_thread_of_its_own_and_a_mention_needs_its_author() {
        let parsed = read(
            ChannelKind::Facebook,
            "real/facebook/restfb-feed_visitor_post_add.json",
            None,
        );
        let m = message(&parsed);
        assert_eq!(m.platform_message_id, "1234567890321_7293787835232");
        assert_eq!(m.author.platform_user_id, "8423678347823");
        assert_eq!(m.author.display_name.as_deref(), Some("John Doe"));
        assert_eq!(m.text, "Let's check this");
        assert_eq!(m.thread_id.as_deref(), Some("1234567890321_7293787835232"));
        assert_eq!(m.reply_to, None);
        assert_eq!(m.timestamp.unwrap().timestamp(), 1_454_707_020);

        let name = "real/facebook/restfb-mention_comment_add.json";
        let mention = parsed_as(ChannelKind::Facebook, &json_of(&fixture(name)), None);
        assert_eq!(
            only_skip(&mention),
            (
                "entry[0].changes[0]",
                "a post or comment without its author"
            )
        );
        let mut named = json_of(&fixture(name));
        named["entry"][0]["changes"][0]["value"]["from"] = json!({"id": "55", "name": "Ann"});
        let parsed = parsed_as(ChannelKind::Facebook, &named, None);
        let m = message(&parsed);
        assert_eq!(m.platform_message_id, "7363534231324_3754798971271444");
        assert_eq!(m.text, "Just a test message");
        assert_eq!(m.thread_id.as_deref(), Some("1234567890321_7363534231324"));
        assert_eq!(m.timestamp.unwrap().timestamp(), 1_614_340_862);
    }

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
    fn receipts_reactions_and_button_presses_are_skipped_and_standby_is_read() {
        for (name, reason) in [
            ("messenger-php-event_delivery.json", "a delivery receipt"),
            ("messenger-php-event_read.json", "a read receipt"),
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
    fn a_batch_is_read_entry_by_entry_and_a_bad_part_is_skipped_where_it_is() {
        let mut batch = json_of(&fixture("facebook_feed_comment.json"));
        let messenger = json_of(&fixture("messenger_message.json"));
        let entries = batch["entry"].as_array_mut().unwrap();
        entries.push(json!("not an entry"));
        entries.push(messenger["entry"][0].clone());
        entries.push(json!({"id": PAGE, "time": 1, "changes": [
            {"field": "feed"},
            {"field": "feed", "value": {"item": "reaction", "verb": "add", "post_id": "1_2"}},
            {"field": "feed", "value": {"item": "comment", "verb": "add", "comment_id": "2_3",
                                        "post_id": "1_2", "from": {"id": "9"}}}
        ]}));
        entries.push(json!({"id": PAGE, "time": 1}));
        let parsed = parsed_as(ChannelKind::Facebook, &batch, Some(PAGE));
        assert_eq!(parsed.items.len(), 2, "{parsed:?}");
        let skipped: Vec<_> = parsed
            .skipped
            .iter()
            .map(|s| (s.at.as_str(), s.reason.as_str()))
            .collect();
        assert_eq!(
            skipped,
            [
                ("entry[1]", "an entry that is not an object"),
                ("entry[3].changes[0]", "a change without field or value"),
                ("entry[3].changes[1]", "a feed reaction"),
                (
                    "entry[3].changes[2]",
                    "a post or comment with nothing to read"
                ),
                ("entry[4]", "an entry without changes or messaging"),
            ]
        );
    }

    #[test]
    fn an_instagram_comment_is_public_on_its_media_and_replies_to_its_parent() {
        let parsed = read(ChannelKind::Instagram, "instagram_comment.json", None);
        let m = message(&parsed);
        assert_eq!(m.platform_message_id, "17900000000000001");
        assert_eq!(m.author.platform_user_id, "6100000000000001");
        assert_eq!(m.author.handle.as_deref(), Some("@dana.example"));
        assert_eq!(m.text, "@acme where is my order?");
        assert_eq!(m.visibility, Some(Visibility::Public));
        assert_eq!(m.thread_id.as_deref(), Some("18000000000000001"));
        assert_eq!(m.reply_to, None);
        assert_eq!(m.timestamp.unwrap().timestamp(), 1_735_732_800);

        let reply = read(
            ChannelKind::Instagram,
            "real/instagram/restfb-comments_reply.json",
            None,
        );
        let m = message(&reply);
        assert_eq!(m.platform_message_id, "123456789");
        assert_eq!(m.author.handle.as_deref(), Some("@testuser"));
        assert_eq!(m.reply_to.as_deref(), Some("987654321"));
        assert_eq!(m.thread_id.as_deref(), Some("76543987"));
        assert_eq!(m.timestamp.unwrap().timestamp(), 1_519_399_307);

        let mut own = json_of(&fixture("instagram_comment.json"));
        own["entry"][0]["changes"][0]["value"]["from"]["id"] = json!("17841400000000001");
        assert_eq!(
            parsed_as(ChannelKind::Instagram, &own, None).items,
            [Item::Echo {
                platform_message_id: "17900000000000001".into()
            }]
        );
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
        assert_eq!(
            only_skip(&seen),
            ("entry[0].messaging[0]", "a read receipt")
        );
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

    #[test]
    fn a_whatsapp_message_is_private_from_its_number_named_by_its_contact() {
        let parsed = read(
            ChannelKind::Whatsapp,
            "whatsapp_text.json",
            Some("120000000000001"),
        );
        let m = message(&parsed);
        assert_eq!(m.platform_message_id, "wamid.SYNTHETIC0001");
        assert_eq!(m.author.platform_user_id, "15550001111");
        assert_eq!(m.author.handle.as_deref(), Some("+15550001111"));
        assert_eq!(m.author.display_name.as_deref(), Some("Dana Example"));
        assert_eq!(m.text, "Hi, my order A-1001 is late");
        assert_eq!(m.reply_to.as_deref(), Some("wamid.SYNTHETIC0000"));
        assert_eq!(m.visibility, Some(Visibility::Private));
        assert_eq!(m.thread_id, None);
        assert_eq!(m.timestamp.unwrap().timestamp(), 1_735_732_800);
        assert!(m.attachments.is_empty());
    }

    #[test]
    fn whatsapp_media_buttons_and_cards_are_told_in_text() {
        let expected = [
            ("pywa-message.json#text", "Body Text"),
            ("pywa-message.json#image", "(image)"),
            ("pywa-message.json#media_with_url", "(image)"),
            ("pywa-message.json#video", "caption"),
            ("pywa-message.json#document", "caption"),
            ("pywa-message.json#audio", "(audio)"),
            ("pywa-message.json#voice", "(voice message)"),
            ("pywa-message.json#static_sticker", "(sticker)"),
            ("pywa-message.json#animated_sticker", "(sticker)"),
            (
                "pywa-message.json#current_location",
                "(location) 12.25089, 43.90539",
            ),
            (
                "pywa-message.json#chosen_location",
                "(location) Facebook HQ, 1 Hacker Way, Menlo Park, CA 94025",
            ),
            (
                "pywa-message.json#contacts",
                "(contacts) Chandler Bing, Monica, Rachel Green",
            ),
            ("pywa-message.json#order", "(order)"),
            ("pywa-message.json#reply", "replied text"),
            ("pywa-message.json#forwarded", "forwarded text"),
            (
                "pywa-message.json#forwarded_many_times",
                "text forwarded many times",
            ),
            ("pywa-message.json#referral", "BODY"),
            ("pywa-callback_button.json#button", "title"),
            ("pywa-callback_button.json#quick_reply", "title"),
            (
                "pywa-callback_button.json#quick_reply_without_context",
                "title",
            ),
            ("pywa-callback_selection.json#callback", "title"),
            ("pywa-callback_selection.json#description", "title"),
        ];
        let deliveries = recorded(ChannelKind::Whatsapp, "whatsapp");
        for (name, text) in expected {
            let (_, delivery) = deliveries.iter().find(|(n, _)| n == name).unwrap();
            let parsed = parsed_as(ChannelKind::Whatsapp, delivery, None);
            let m = message(&parsed);
            assert_eq!(m.text, text, "{name}");
            assert_eq!(m.author.platform_user_id, "972987654321", "{name}");
            assert_eq!(
                m.author.display_name.as_deref(),
                Some("Test Name"),
                "{name}"
            );
            assert!(m.attachments.is_empty(), "{name}");
        }
        let reply = case(ChannelKind::Whatsapp, "whatsapp", "pywa-message.json#reply");
        let parsed = parsed_as(ChannelKind::Whatsapp, &reply, None);
        assert_eq!(message(&parsed).reply_to.as_deref(), Some("wamid.xyzxyz=="));
        let forwarded = case(ChannelKind::Whatsapp, "whatsapp", "pywa-message.json#video");
        let parsed = parsed_as(ChannelKind::Whatsapp, &forwarded, None);
        assert_eq!(message(&parsed).reply_to, None);
    }

    #[test]
    fn whatsapp_reactions_unsupported_and_empty_messages_are_skipped() {
        let at = "entry[0].changes[0].value.messages[0]";
        for (name, reason) in [
            ("pywa-message.json#reaction", "a reaction"),
            ("pywa-message.json#unreaction_empty", "a reaction"),
            ("pywa-message.json#unreaction_no_emoji", "a reaction"),
            ("restfb-reaction_skin_tone.json", "a reaction"),
            (
                "pywa-message.json#unsupported",
                "an unsupported message (131051 Message type unknown: Message type is currently not supported.)",
            ),
        ] {
            let delivery = case(ChannelKind::Whatsapp, "whatsapp", name);
            let parsed = parsed_as(ChannelKind::Whatsapp, &delivery, None);
            assert_eq!(only_skip(&parsed), (at, reason), "{name}");
        }
        let broken = case(
            ChannelKind::Whatsapp,
            "whatsapp",
            "pywa-message.json#interactive_message_with_err",
        );
        let parsed = parsed_as(ChannelKind::Whatsapp, &broken, None);
        let skipped: Vec<_> = parsed
            .skipped
            .iter()
            .map(|s| (s.at.as_str(), s.reason.as_str()))
            .collect();
        assert_eq!(
            skipped,
            [
                (at, "a message of type interactive without its content"),
                (
                    "entry[0].changes[0].value.errors[0]",
                    "an error: 131000 Something went wrong: Unsupported webhook payload"
                ),
            ]
        );
    }

    #[test]
    fn whatsapp_edits_and_revokes_name_the_original_message() {
        let edited = case(
            ChannelKind::Whatsapp,
            "whatsapp",
            "pywa-edited_message.json#image",
        );
        assert_eq!(
            parsed_as(ChannelKind::Whatsapp, &edited, None).items,
            [Item::Edited {
                platform_message_id: "wamid.REDACTED-FAKE-0000000003".into(),
                text: "Updated image caption".into(),
                at: DateTime::from_timestamp(1_749_854_575, 0),
            }]
        );
        let revoked = case(
            ChannelKind::Whatsapp,
            "whatsapp",
            "pywa-deleted_message.json#revoke",
        );
        assert_eq!(
            parsed_as(ChannelKind::Whatsapp, &revoked, None).items,
            [Item::Deleted {
                platform_message_id: "<ORIGINAL_WHATSAPP_MESSAGE_ID>".into(),
                at: DateTime::from_timestamp(1_697_043_223, 0),
            }]
        );
    }

    #[test]
    fn whatsapp_statuses_move_our_messages_and_failures_say_why() {
        let parsed = read(ChannelKind::Whatsapp, "whatsapp_status.json", None);
        assert_eq!(
            parsed.items,
            [
                Item::Status {
                    platform_message_id: "wamid.SYNTHETIC0100".into(),
                    state: DeliveryState::Delivered,
                    error: None,
                    at: DateTime::from_timestamp(1_735_732_860, 0),
                },
                Item::Status {
                    platform_message_id: "wamid.SYNTHETIC0101".into(),
                    state: DeliveryState::Failed,
                    error: Some(
                        "131047 Re-engagement message: More than 24 hours have passed since the customer last replied."
                            .into()
                    ),
                    at: DateTime::from_timestamp(1_735_732_861, 0),
                },
            ]
        );
        for (case_name, expected) in [
            ("sent", DeliveryState::Sent),
            ("delivered", DeliveryState::Delivered),
            ("read", DeliveryState::Read),
            ("played", DeliveryState::Read),
            ("failed", DeliveryState::Failed),
            ("with_tracker", DeliveryState::Sent),
            ("group", DeliveryState::Read),
        ] {
            let name = format!("pywa-message_status.json#{case_name}");
            let delivery = case(ChannelKind::Whatsapp, "whatsapp", &name);
            let parsed = parsed_as(ChannelKind::Whatsapp, &delivery, None);
            assert!(
                matches!(parsed.items.as_slice(), [Item::Status { state, .. }] if *state == expected),
                "{name}: {parsed:?}"
            );
        }
        let failed = read(
            ChannelKind::Whatsapp,
            "real/whatsapp/restfb-status_failed_errors.json",
            None,
        );
        assert_eq!(
            failed.items,
            [Item::Status {
                platform_message_id: "wamid.REDACTED-FAKE-0000000001".into(),
                state: DeliveryState::Failed,
                error: Some(
                    "131026 Receiver is incapable of receiving this message: Message Undeliverable."
                        .into()
                ),
                at: DateTime::from_timestamp(1_698_231_447, 0),
            }]
        );
    }

    #[test]
    fn business_app_echoes_and_dashboard_test_dms_are_read() {
        let echoes = json!({"object": "whatsapp_business_account", "entry": [{"id": "1", "changes": [
            {"field": "smb_message_echoes", "value": {"message_echoes": [
                {"from": "15550100000", "to": "15550001111", "id": "wamid.APP1", "type": "text"}
            ]}},
            {"field": "account_update", "value": {"event": "VERIFIED_ACCOUNT"}}
        ]}]});
        let parsed = parsed_as(ChannelKind::Whatsapp, &echoes, None);
        assert_eq!(
            parsed.items,
            [Item::Echo {
                platform_message_id: "wamid.APP1".into()
            }]
        );
        assert_eq!(
            only_skip(&Parsed {
                items: Vec::new(),
                skipped: parsed.skipped
            }),
            ("entry[0].changes[1]", "a change of field account_update")
        );
        let dm = json_of(&fixture("instagram_dm.json"));
        let test = json!({"object": "instagram", "entry": [{"id": "0", "time": 1, "changes": [
            {"field": "messages", "value": dm["entry"][0]["messaging"][0].clone()}
        ]}]});
        let parsed = parsed_as(ChannelKind::Instagram, &test, None);
        assert_eq!(
            message(&parsed).platform_message_id,
            "aWdfZAG1SYNTHETICmid0001"
        );
    }

    #[test]
    fn bodies_that_are_no_delivery_of_the_kind_are_errors() {
        let account = Account::default();
        let refused = |kind: ChannelKind, body: &Value| parse(kind, body, &account).unwrap_err();
        let request = json_of(&fixture("whatsapp_send_request.json"));
        assert_eq!(
            refused(ChannelKind::Whatsapp, &request),
            ParseError("not a Meta delivery: no object".into())
        );
        let page = json_of(&fixture("facebook_feed_comment.json"));
        assert_eq!(
            refused(ChannelKind::Instagram, &page),
            ParseError("a delivery for page, not instagram".into())
        );
        assert_eq!(
            refused(
                ChannelKind::Whatsapp,
                &json!({"object": "whatsapp_business_account"})
            ),
            ParseError("not a Meta delivery: no entry list".into())
        );
        assert!(parse(ChannelKind::X, &page, &account).is_err());
    }

    #[test]
    fn the_contract_reads_meta_deliveries() {
        let account = Account {
            id: Some("120000000000001".into()),
        };
        let body = fixture("whatsapp_status.json");
        let parsed = super::super::parse(ChannelKind::Whatsapp, &body, &account).unwrap();
        assert_eq!(parsed.items.len(), 2);
        let page = fixture("facebook_feed_comment.json");
        assert!(super::super::parse(ChannelKind::Instagram, &page, &account).is_err());
    }
}
