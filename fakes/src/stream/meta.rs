//! Meta webhook deliveries as Meta sends them (channels.md §2–§5): Page feed comments,
//! Messenger and Instagram DMs (`messaging[]`, echoes of our own sends included), Instagram
//! comments, WhatsApp messages and the `statuses` of messages we sent.

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use super::brand;
use super::script::Person;

/// A person's ids on Meta's platforms: Facebook user id (comments), Page-scoped id
/// (Messenger), Instagram-scoped id and WhatsApp number.
pub(super) fn facebook_id(who: &Person) -> String {
    format!("{}", 7_000_000_000_000_000 + who.n)
}

/// The person's Page-scoped id on Messenger.
pub(super) fn psid(who: &Person) -> String {
    format!("{}", 8_000_000_000_000_000 + who.n)
}

/// The person's Instagram-scoped id (shared by their comments and DMs).
pub(super) fn igsid(who: &Person) -> String {
    format!("{}", 6_100_000_000_000_000 + who.n)
}

/// The person's WhatsApp id: their phone number.
pub(super) fn wa_id(who: &Person) -> String {
    format!("1555000{:04}", who.n)
}

/// `{"object", "entry": [{id, time, changes: [{field, value}]}]}`; `time` in seconds.
fn changes(object: &str, account: &str, field: &str, value: Value, at: DateTime<Utc>) -> Value {
    json!({
        "object": object,
        "entry": [{"id": account, "time": at.timestamp(), "changes": [{"field": field, "value": value}]}],
    })
}

/// `{"object", "entry": [{id, time, messaging: [event]}]}`; `time` in milliseconds.
fn messaging(object: &str, account: &str, event: Value, at: DateTime<Utc>) -> Value {
    json!({
        "object": object,
        "entry": [{"id": account, "time": at.timestamp_millis(), "messaging": [event]}],
    })
}

/// A comment on the Page's post by `from` (`{id, name}`): top-level when `parent` is the
/// post, else a reply to the parent comment.
pub(super) fn feed_comment(
    comment_id: &str,
    parent: &str,
    from: Value,
    message: &str,
    at: DateTime<Utc>,
) -> Value {
    let value = json!({
        "item": "comment",
        "verb": "add",
        "comment_id": comment_id,
        "post_id": brand::FACEBOOK_POST_ID,
        "parent_id": parent,
        "from": from,
        "message": message,
        "created_time": at.timestamp(),
        "post": {
            "id": brand::FACEBOOK_POST_ID,
            "status_type": "added_photos",
            "is_published": true,
            "updated_time": "2025-01-01T12:00:00+0000",
            "promotion_status": "inactive",
        },
    });
    changes("page", brand::FACEBOOK_PAGE_ID, "feed", value, at)
}

/// A customer's comment on the Page's post.
pub(super) fn customer_comment(
    comment_id: &str,
    parent: &str,
    who: &Person,
    message: &str,
    at: DateTime<Utc>,
) -> Value {
    let from = json!({"id": facebook_id(who), "name": who.name()});
    feed_comment(comment_id, parent, from, message, at)
}

/// The Page's own comment (a public reply we sent) coming back: `from.id` is the Page.
pub(super) fn page_comment(
    comment_id: &str,
    parent: &str,
    message: &str,
    at: DateTime<Utc>,
) -> Value {
    let from = json!({"id": brand::FACEBOOK_PAGE_ID, "name": brand::NAME});
    feed_comment(comment_id, parent, from, message, at)
}

/// The `object` and account of a messaging inbox.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Inbox {
    Messenger,
    Instagram,
}

impl Inbox {
    fn object_and_account(self) -> (&'static str, &'static str) {
        match self {
            Inbox::Messenger => ("page", brand::FACEBOOK_PAGE_ID),
            Inbox::Instagram => ("instagram", brand::INSTAGRAM_ACCOUNT_ID),
        }
    }
}

/// A customer's DM (`sender` their scoped id) to the Page or Instagram account.
pub(super) fn dm(inbox: Inbox, sender: &str, mid: &str, text: &str, at: DateTime<Utc>) -> Value {
    let (object, account) = inbox.object_and_account();
    let event = json!({
        "sender": {"id": sender},
        "recipient": {"id": account},
        "timestamp": at.timestamp_millis(),
        "message": {"mid": mid, "text": text},
    });
    messaging(object, account, event, at)
}

/// Our own DM to `recipient` coming back with `is_echo` (Messenger adds our `app_id`).
pub(super) fn dm_echo(
    inbox: Inbox,
    recipient: &str,
    mid: &str,
    text: &str,
    at: DateTime<Utc>,
) -> Value {
    let (object, account) = inbox.object_and_account();
    let mut message = json!({"mid": mid, "text": text, "is_echo": true});
    if inbox == Inbox::Messenger
        && let Some(fields) = message.as_object_mut()
    {
        fields.insert("app_id".into(), json!(brand::META_APP_ID));
    }
    let event = json!({
        "sender": {"id": account},
        "recipient": {"id": recipient},
        "timestamp": at.timestamp_millis(),
        "message": message,
    });
    messaging(object, account, event, at)
}

/// Messenger's receipt that our message `mid` reached `customer`'s device.
pub(super) fn messenger_delivery(customer: &str, mid: &str, at: DateTime<Utc>) -> Value {
    let event = json!({
        "sender": {"id": customer},
        "recipient": {"id": brand::FACEBOOK_PAGE_ID},
        "timestamp": at.timestamp_millis(),
        "delivery": {"mids": [mid], "watermark": at.timestamp_millis()},
    });
    messaging("page", brand::FACEBOOK_PAGE_ID, event, at)
}

/// A comment on the Instagram post by `from` (`{id, username}`), a reply when `parent`.
pub(super) fn instagram_comment(
    id: &str,
    from: Value,
    text: &str,
    parent: Option<&str>,
    at: DateTime<Utc>,
) -> Value {
    let mut value = json!({
        "id": id,
        "text": text,
        "from": from,
        "media": {"id": brand::INSTAGRAM_MEDIA_ID, "media_product_type": "FEED"},
    });
    if let (Some(parent), Some(fields)) = (parent, value.as_object_mut()) {
        fields.insert("parent_id".into(), json!(parent));
    }
    changes(
        "instagram",
        brand::INSTAGRAM_ACCOUNT_ID,
        "comments",
        value,
        at,
    )
}

/// A customer's Instagram comment.
pub(super) fn customer_instagram_comment(
    id: &str,
    who: &Person,
    text: &str,
    parent: Option<&str>,
    at: DateTime<Utc>,
) -> Value {
    instagram_comment(
        id,
        json!({"id": igsid(who), "username": who.handle}),
        text,
        parent,
        at,
    )
}

/// The account's own comment (a public reply we sent) coming back.
pub(super) fn own_instagram_comment(
    id: &str,
    text: &str,
    parent: &str,
    at: DateTime<Utc>,
) -> Value {
    let from = json!({"id": brand::INSTAGRAM_ACCOUNT_ID, "username": brand::X_HANDLE.to_ascii_lowercase()});
    instagram_comment(id, from, text, Some(parent), at)
}

fn whatsapp(value_fields: Value, at: DateTime<Utc>) -> Value {
    let mut value = json!({
        "messaging_product": "whatsapp",
        "metadata": {
            "display_phone_number": brand::WHATSAPP_DISPLAY_NUMBER,
            "phone_number_id": brand::WHATSAPP_PHONE_NUMBER_ID,
        },
    });
    if let (Some(fields), Value::Object(more)) = (value.as_object_mut(), value_fields) {
        fields.extend(more);
    }
    let mut delivery = changes(
        "whatsapp_business_account",
        brand::WHATSAPP_BUSINESS_ACCOUNT_ID,
        "messages",
        value,
        at,
    );
    // WhatsApp's entries carry no `time`.
    if let Some(entry) = delivery
        .pointer_mut("/entry/0")
        .and_then(Value::as_object_mut)
    {
        entry.remove("time");
    }
    delivery
}

/// A customer's WhatsApp text message.
pub(super) fn whatsapp_text(wamid: &str, who: &Person, text: &str, at: DateTime<Utc>) -> Value {
    let from = wa_id(who);
    let fields = json!({
        "contacts": [{"profile": {"name": who.name()}, "wa_id": from}],
        "messages": [{
            "from": from,
            "id": wamid,
            "timestamp": at.timestamp().to_string(),
            "type": "text",
            "text": {"body": text},
        }],
    });
    whatsapp(fields, at)
}

/// Where our WhatsApp message `wamid` to `recipient` has got: `sent`, `delivered` or `read`.
pub(super) fn whatsapp_status(
    wamid: &str,
    recipient: &str,
    status: &str,
    at: DateTime<Utc>,
) -> Value {
    let fields = json!({
        "statuses": [{
            "id": wamid,
            "status": status,
            "timestamp": at.timestamp().to_string(),
            "recipient_id": recipient,
            "conversation": {"id": format!("DEMOconv{recipient}"), "origin": {"type": "service"}},
            "pricing": {"billable": true, "pricing_model": "PMP", "category": "service"},
        }],
    });
    whatsapp(fields, at)
}
