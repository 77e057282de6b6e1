//! The Meta Graph fakes: comment replies, the Send API, WhatsApp and node fields.

use serde_json::{Value, json};

use super::{Answer, State, meta_error_answer};

/// A new Graph object id: a numeric string.
fn graph_id(state: &mut State) -> String {
    (900_000_000_000_000_u64 + state.next()).to_string()
}

fn graph_missing(what: &str) -> Answer {
    meta_error_answer(400, 100, None, &format!("(#100) {what}"))
}

/// The id `me` stands for: the fake account the one Graph token belongs to.
const GRAPH_ME: &str = "17800000000000001";

/// `GET /{id}?fields=a,b`: `{"id": id}` plus each requested field from a fixed set; without
/// `fields`, Graph's default `{"id","name"}`. An unknown field is refused with code 100 as
/// Graph does.
pub(super) fn graph_node(id: &str, fields: Option<&str>) -> Answer {
    let id = if id == "me" { GRAPH_ME } else { id };
    let requested: Vec<&str> = fields
        .unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|f| !f.is_empty())
        .collect();
    let requested = if requested.is_empty() {
        vec!["name"]
    } else {
        requested
    };
    let mut node = serde_json::Map::new();
    node.insert("id".into(), json!(id));
    for field in requested {
        let value = match field {
            "id" | "user_id" => json!(id),
            "name" => json!(format!("Fake Page {id}")),
            "username" => json!(format!("fake_account_{id}")),
            "display_phone_number" => json!("+1 555-010-0000"),
            "verified_name" => json!("Acme Support"),
            "quality_rating" => json!("GREEN"),
            unknown => {
                return meta_error_answer(
                    400,
                    100,
                    None,
                    &format!(
                        "(#100) Tried accessing nonexisting field ({unknown}) on node type (User)"
                    ),
                );
            }
        };
        node.insert(field.to_owned(), value);
    }
    Answer::json(200, Value::Object(node))
}

/// A Facebook comment reply. Facebook numbers a comment `{object}_{comment}`; a reply to a
/// comment keeps the object part, so the new id is `{first part of id}_{new}`.
pub(super) fn graph_comment(state: &mut State, object_id: &str, message: Option<&str>) -> Answer {
    if message.is_none_or(str::is_empty) {
        return graph_missing("Missing message or attachment");
    }
    let object = object_id.split('_').next().unwrap_or(object_id).to_owned();
    Answer::json(200, json!({"id": format!("{object}_{}", graph_id(state))}))
}

/// An Instagram comment reply: `{"id": <new comment id>}`.
pub(super) fn graph_reply(state: &mut State, message: Option<&str>) -> Answer {
    if message.is_none_or(str::is_empty) {
        return graph_missing("Missing message or attachment");
    }
    Answer::json(200, json!({"id": graph_id(state)}))
}

/// `/{id}/messages`: WhatsApp when `messaging_product` says so, else the Send API of
/// Messenger and Instagram.
pub(super) fn graph_messages(state: &mut State, body: &Value) -> Answer {
    if body.get("messaging_product").and_then(Value::as_str) == Some("whatsapp") {
        whatsapp_send(state, body)
    } else {
        send_api(state, body)
    }
}

fn whatsapp_send(state: &mut State, body: &Value) -> Answer {
    if body.get("status").and_then(Value::as_str) == Some("read") {
        return Answer::json(200, json!({"success": true}));
    }
    let Some(to) = body
        .get("to")
        .and_then(Value::as_str)
        .filter(|t| !t.is_empty())
    else {
        return graph_missing("The parameter to is required.");
    };
    let n = state.next();
    Answer::json(
        200,
        json!({
            "messaging_product": "whatsapp",
            "contacts": [{"input": to, "wa_id": to}],
            "messages": [{"id": format!("wamid.FAKE{n:016}")}],
        }),
    )
}

/// Messenger / Instagram Send API. A private reply (`recipient.comment_id` or `post_id`) is
/// allowed once per comment; the second is refused.
fn send_api(state: &mut State, body: &Value) -> Answer {
    let recipient = body.get("recipient");
    let field = |name: &str| recipient.and_then(|r| r.get(name)).and_then(Value::as_str);
    let message = body.get("message");
    let has_text = message
        .and_then(|m| m.get("text"))
        .and_then(Value::as_str)
        .is_some_and(|t| !t.is_empty());
    if !has_text && message.and_then(|m| m.get("attachment")).is_none() {
        return graph_missing("Must send either message or sender action");
    }
    let tagged = body.get("messaging_type").and_then(Value::as_str) == Some("MESSAGE_TAG");
    if tagged && body.get("tag").and_then(Value::as_str).is_none() {
        return graph_missing("Tag is required for MESSAGE_TAG messaging type");
    }
    let recipient_id = if let Some(id) = field("id") {
        id.to_owned()
    } else if let Some(comment) = field("comment_id").or(field("post_id")) {
        if !state.privately_replied.insert(comment.to_owned()) {
            // Meta documents one private reply per comment as a refusal; the exact code and
            // message of that refusal are unverified.
            return graph_missing("Only one private reply allowed per comment");
        }
        graph_id(state)
    } else {
        return graph_missing("param recipient must be non-empty.");
    };
    let message_id = format!("m_{}", graph_id(state));
    Answer::json(
        200,
        json!({"recipient_id": recipient_id, "message_id": message_id}),
    )
}
