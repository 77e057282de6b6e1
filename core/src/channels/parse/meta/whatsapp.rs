//! WhatsApp Cloud API changes: customers' messages (told in text), their edits and
//! revocations, the delivery states of what we sent, and echoes from the Business app.

use chrono::{DateTime, Utc};
use serde_json::Value;

use super::super::{DeliveryState, Item, Parsed};
use super::{author, id_of, number, push, seconds, skip, text};
use crate::service::ingest::{InboundAuthor, InboundMessage};
use crate::views::Visibility;

/// A WhatsApp `messages` change: customers' messages, states of ours, and errors.
pub(super) fn read_whatsapp(value: &Value, at: &str, parsed: &mut Parsed) {
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
pub(super) fn read_app_echoes(value: &Value, at: &str, parsed: &mut Parsed) {
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
mod tests;
