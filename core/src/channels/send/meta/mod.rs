//! Meta's Graph API: Facebook (comment replies and Messenger), Instagram (comment replies and
//! DMs) and WhatsApp (messages only). The three share the bearer token, the versioned URL and
//! the Graph error body, whose `code` (not the HTTP status, usually 400 or 403) says whether
//! to retry, re-authorise or give up.

use serde_json::{Value, json};

use super::{Call, Outgoing, Target, Unsendable, base_url, credential, path_id, setting};
use crate::views::{Attachment, ChannelKind};

mod errors;
pub(super) use errors::read_answer;

/// The Graph version when the channel does not pin one.
const GRAPH_VERSION: &str = "v21.0";

/// What tells Messenger and Instagram messaging apart: the host, the setting naming the
/// account that sends, the credential holding its token and the edge of a comment reply.
struct Inbox {
    base: &'static str,
    account: &'static str,
    token: &'static str,
    public_edge: &'static str,
    /// Messenger wants `messaging_type` on every message; Instagram only with a tag.
    messaging_type_always: bool,
}

const FACEBOOK: Inbox = Inbox {
    base: "https://graph.facebook.com",
    account: "page_id",
    token: "page_access_token",
    public_edge: "comments",
    messaging_type_always: true,
};

const INSTAGRAM: Inbox = Inbox {
    base: "https://graph.instagram.com",
    account: "account_id",
    token: "access_token",
    public_edge: "replies",
    messaging_type_always: false,
};

/// WhatsApp Cloud API's host.
const WHATSAPP_BASE: &str = "https://graph.facebook.com";

/// The call that delivers `out` through the Graph API.
pub(super) fn call(out: &Outgoing) -> Result<Call, Unsendable> {
    match out.kind {
        ChannelKind::Facebook => inbox_call(out, &FACEBOOK),
        ChannelKind::Instagram => inbox_call(out, &INSTAGRAM),
        ChannelKind::Whatsapp => whatsapp_call(out),
        other => Err(Unsendable(format!(
            "an `{other}` channel is not sent through Meta's Graph API"
        ))),
    }
}

/// The Graph version segment: the channel's `graph_version`, else ours.
fn version(out: &Outgoing) -> &str {
    out.settings
        .get("graph_version")
        .and_then(Value::as_str)
        .filter(|v| !v.is_empty())
        .unwrap_or(GRAPH_VERSION)
}

/// The call for Facebook or Instagram: a reply under the comment, a message to the
/// customer's inbox, or a private reply to their comment.
fn inbox_call(out: &Outgoing, inbox: &Inbox) -> Result<Call, Unsendable> {
    let token = credential(out, inbox.token)?;
    let base = base_url(&out.settings, inbox.base);
    let version = version(out);
    let (url, body) = match &out.target {
        Target::Public { reply_to } => {
            let comment = path_id(reply_to, "comment id")?;
            (
                format!("{base}/{version}/{comment}/{}", inbox.public_edge),
                json!({ "message": public_text(out)? }),
            )
        }
        Target::Direct {
            user_id,
            human_agent,
            ..
        } => (
            messages_url(out, inbox, base, version)?,
            direct_body(inbox, user_id, *human_agent, message(out)?),
        ),
        Target::PrivateToComment { comment_id } => (
            messages_url(out, inbox, base, version)?,
            json!({ "recipient": { "comment_id": comment_id }, "message": message(out)? }),
        ),
    };
    Ok(Call {
        url,
        headers: bearer(token),
        body: body.to_string(),
    })
}

/// The Send API endpoint of the Page or Instagram account.
fn messages_url(
    out: &Outgoing,
    inbox: &Inbox,
    base: &str,
    version: &str,
) -> Result<String, Unsendable> {
    let account = path_id(setting(&out.settings, inbox.account)?, inbox.account)?;
    Ok(format!("{base}/{version}/{account}/messages"))
}

/// A message to the customer. Past the 24-hour window a human agent answers with the
/// `HUMAN_AGENT` tag (allowed up to 7 days).
fn direct_body(inbox: &Inbox, user_id: &str, human_agent: bool, message: Value) -> Value {
    let mut body = json!({ "recipient": { "id": user_id }, "message": message });
    if let Some(fields) = body.as_object_mut() {
        if human_agent {
            fields.insert("messaging_type".to_owned(), json!("MESSAGE_TAG"));
            fields.insert("tag".to_owned(), json!("HUMAN_AGENT"));
        } else if inbox.messaging_type_always {
            fields.insert("messaging_type".to_owned(), json!("RESPONSE"));
        }
    }
    body
}

/// A comment reply carries text only.
fn public_text(out: &Outgoing) -> Result<&str, Unsendable> {
    if out.text.trim().is_empty() {
        return Err(Unsendable(
            "a public reply to a comment needs text".to_owned(),
        ));
    }
    Ok(&out.text)
}

/// Messenger's and Instagram's `message`: the text when there is some (attachments then
/// stay behind: one call sends one thing, and a reply is mostly its words), else the first
/// attachment by URL.
fn message(out: &Outgoing) -> Result<Value, Unsendable> {
    if !out.text.trim().is_empty() {
        return Ok(json!({ "text": out.text }));
    }
    let attachment = first_attachment(out)?;
    let kind = match attachment.kind.as_str() {
        kind @ ("image" | "video" | "audio") => kind,
        _ => "file",
    };
    Ok(json!({ "attachment": { "type": kind, "payload": { "url": attachment.url } } }))
}

/// The attachment sent when the reply has no text.
fn first_attachment(out: &Outgoing) -> Result<&Attachment, Unsendable> {
    out.attachments
        .first()
        .ok_or_else(|| Unsendable("the reply has neither text nor attachments".to_owned()))
}

/// The call for WhatsApp: a message to the customer, quoting theirs when known.
fn whatsapp_call(out: &Outgoing) -> Result<Call, Unsendable> {
    let Target::Direct {
        user_id, reply_to, ..
    } = &out.target
    else {
        return Err(Unsendable(
            "WhatsApp has no public replies: a WhatsApp reply is a message to the customer"
                .to_owned(),
        ));
    };
    let token = credential(out, "access_token")?;
    let phone = path_id(
        setting(&out.settings, "phone_number_id")?,
        "phone_number_id",
    )?;
    let base = base_url(&out.settings, WHATSAPP_BASE);
    let mut body = json!({
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": user_id,
    });
    if let Some(fields) = body.as_object_mut() {
        for (name, value) in whatsapp_content(out)? {
            fields.insert(name.to_owned(), value);
        }
        if let Some(quoted) = reply_to {
            fields.insert("context".to_owned(), json!({ "message_id": quoted }));
        }
    }
    Ok(Call {
        url: format!("{base}/{}/{phone}/messages", version(out)),
        headers: bearer(token),
        body: body.to_string(),
    })
}

/// WhatsApp's `type` and its object: the text when there is some (attachments then stay
/// behind, as on Messenger), else the first attachment by link.
fn whatsapp_content(out: &Outgoing) -> Result<[(&'static str, Value); 2], Unsendable> {
    if !out.text.trim().is_empty() {
        return Ok([
            ("type", json!("text")),
            ("text", json!({ "preview_url": false, "body": out.text })),
        ]);
    }
    let attachment = first_attachment(out)?;
    let kind = match attachment.kind.as_str() {
        "image" => "image",
        "video" => "video",
        "audio" => "audio",
        _ => "document",
    };
    let mut media = json!({ "link": attachment.url });
    if let (Some(name), Some(fields)) = (&attachment.name, media.as_object_mut())
        && kind == "document"
    {
        fields.insert("filename".to_owned(), json!(name));
    }
    Ok([("type", json!(kind)), (kind, media)])
}

/// `Authorization: Bearer <token>`: the token stays out of the URL, and out of logs of it.
fn bearer(token: &str) -> Vec<(String, String)> {
    vec![("Authorization".to_owned(), format!("Bearer {token}"))]
}

#[cfg(test)]
mod tests;
