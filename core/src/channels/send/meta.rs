//! Meta's Graph API: Facebook (comment replies and Messenger), Instagram (comment replies and
//! DMs) and WhatsApp (messages only). The three share the bearer token, the versioned URL and
//! the Graph error body, whose `code` (not the HTTP status, usually 400 or 403) says whether
//! to retry, re-authorise or give up.

use std::time::Duration;

use serde::Deserialize;
use serde_json::{Value, json};

use super::{
    Answer, Call, Delivery, Outgoing, Target, Unsendable, base_url, credential, path_id,
    platform_failed, retry_after, setting, snippet,
};
use crate::views::{Attachment, ChannelKind};

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

/// The `error` object of a Graph answer.
#[derive(Debug, Deserialize)]
struct GraphError {
    #[serde(default)]
    message: String,
    code: Option<i64>,
    error_subcode: Option<i64>,
    #[serde(default)]
    is_transient: bool,
}

impl GraphError {
    /// As recorded: Meta's message and code, e.g. `(#551) This person isn't available right
    /// now. [code 551]`.
    fn describe(&self) -> String {
        match self.code {
            Some(code) => format!("{} [code {code}]", self.message),
            None => self.message.clone(),
        }
    }
}

/// What a Graph error asks of us, after the tables of §2 and §5.4 of the channel notes.
#[derive(Debug, PartialEq, Eq)]
enum Remedy {
    /// The 24-hour (or 7-day) messaging window is closed: no retry will get through.
    WindowClosed,
    /// The token or a permission is gone.
    Reauth,
    /// Throttled: wait as told.
    Throttled,
    /// A passing failure on Meta's side.
    Transient,
    /// Refused for good.
    Refused,
}

/// Sorts a Graph error by its code (and subcode). Messenger's 10/2018278 and Instagram's
/// 10/2534022 are the closed window, not a lost permission as other code-10 errors are.
fn remedy(kind: ChannelKind, error: &GraphError) -> Remedy {
    match (error.code, error.error_subcode) {
        (Some(10), Some(2_018_278 | 2_534_022)) | (Some(131_047), _) => Remedy::WindowClosed,
        (Some(190 | 10 | 200..=299), _) => Remedy::Reauth,
        (Some(0), _) if kind == ChannelKind::Whatsapp => Remedy::Reauth,
        (Some(4 | 17 | 32 | 613 | 80_001..=80_014 | 130_429 | 131_056), _) => Remedy::Throttled,
        (Some(1 | 2 | 1200 | 131_000 | 131_016), _) => Remedy::Transient,
        _ if error.is_transient => Remedy::Transient,
        _ => Remedy::Refused,
    }
}

/// What Meta's answer means: a Graph error by its code, else the id of what was sent.
pub(super) fn read_answer(kind: ChannelKind, answer: &Answer) -> Delivery {
    let body: Value = serde_json::from_str(&answer.body).unwrap_or(Value::Null);
    let error = body
        .get("error")
        .and_then(|e| GraphError::deserialize(e).ok());
    if let Some(error) = error {
        return refused(kind, &error, answer);
    }
    match answer.status {
        200..=299 => sent(kind, &body, answer),
        429 => Delivery::Retry {
            after: retry_after(answer),
            rate_limited: true,
            error: format!("the platform answered 429: {}", snippet(&answer.body)),
        },
        500..=599 => platform_failed(answer),
        status => Delivery::Failed {
            error: format!("the platform answered {status}: {}", snippet(&answer.body)),
        },
    }
}

/// The delivery for a Graph error.
fn refused(kind: ChannelKind, error: &GraphError, answer: &Answer) -> Delivery {
    match remedy(kind, error) {
        Remedy::WindowClosed => Delivery::Failed {
            error: format!(
                "the reply window is closed: {} (WhatsApp then needs a template; Messenger and \
                 Instagram allow 24 hours, 7 days with the human agent tag)",
                error.describe()
            ),
        },
        Remedy::Reauth => Delivery::Reauth {
            error: error.describe(),
        },
        Remedy::Throttled => Delivery::Retry {
            after: regain_access(answer).or_else(|| retry_after(answer)),
            rate_limited: true,
            error: error.describe(),
        },
        Remedy::Transient => Delivery::Retry {
            after: retry_after(answer),
            rate_limited: false,
            error: error.describe(),
        },
        Remedy::Refused => Delivery::Failed {
            error: error.describe(),
        },
    }
}

/// The longest `estimated_time_to_regain_access` (minutes) in `X-Business-Use-Case-Usage`,
/// when Meta says a wait is needed.
fn regain_access(answer: &Answer) -> Option<Duration> {
    let usage: Value = serde_json::from_str(answer.header("x-business-use-case-usage")?).ok()?;
    let minutes = usage
        .as_object()?
        .values()
        .filter_map(Value::as_array)
        .flatten()
        .filter_map(|entry| entry.get("estimated_time_to_regain_access")?.as_u64())
        .max()
        .filter(|minutes| *minutes > 0)?;
    Some(Duration::from_secs(minutes.saturating_mul(60)))
}

/// A `2xx`: WhatsApp's `messages[0].id`; Messenger's and Instagram's `message_id`, or the
/// new comment's `id`. Without it the answer cannot be trusted, so it is retried.
fn sent(kind: ChannelKind, body: &Value, answer: &Answer) -> Delivery {
    let id = match kind {
        ChannelKind::Whatsapp => body.pointer("/messages/0/id"),
        _ => body.get("message_id").or_else(|| body.get("id")),
    };
    match id.and_then(Value::as_str).filter(|id| !id.is_empty()) {
        Some(id) => Delivery::Sent {
            platform_message_id: id.to_owned(),
        },
        None => platform_failed(answer),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use chrono::{TimeZone, Utc};

    use super::*;
    use crate::channels::parse::tests::fixture;

    /// A reply on a channel of `kind` with its settings and token, no base URL override.
    fn outgoing(kind: ChannelKind, target: Target) -> Outgoing {
        let (settings, token) = match kind {
            ChannelKind::Facebook => (
                json!({ "page_id": "400000000000001", "graph_version": "v21.0" }),
                "page_access_token",
            ),
            ChannelKind::Instagram => {
                (json!({ "account_id": "17800000000000001" }), "access_token")
            }
            _ => (
                json!({ "phone_number_id": "106540352242922" }),
                "access_token",
            ),
        };
        Outgoing {
            message_id: uuid::Uuid::from_u128(7),
            kind,
            settings,
            credentials: BTreeMap::from([(token.to_owned(), "fake-token".to_owned())]),
            target,
            text: "Thanks Dana, checking order A-1001 now.".to_owned(),
            attachments: Vec::new(),
            partner_payload: None,
            now: Utc.with_ymd_and_hms(2025, 1, 1, 12, 0, 0).unwrap(),
        }
    }

    fn public(id: &str) -> Target {
        Target::Public {
            reply_to: id.to_owned(),
        }
    }

    fn direct(user_id: &str, reply_to: Option<&str>, human_agent: bool) -> Target {
        Target::Direct {
            user_id: user_id.to_owned(),
            reply_to: reply_to.map(str::to_owned),
            human_agent,
        }
    }

    fn to_comment(id: &str) -> Target {
        Target::PrivateToComment {
            comment_id: id.to_owned(),
        }
    }

    fn image() -> Attachment {
        Attachment {
            kind: "image".to_owned(),
            url: "https://cdn.example/receipt.png".to_owned(),
            name: None,
            mime_type: Some("image/png".to_owned()),
        }
    }

    fn pdf() -> Attachment {
        Attachment {
            kind: "file".to_owned(),
            url: "https://cdn.example/invoice.pdf".to_owned(),
            name: Some("invoice.pdf".to_owned()),
            mime_type: Some("application/pdf".to_owned()),
        }
    }

    fn body(call: &Call) -> Value {
        serde_json::from_str(&call.body).unwrap()
    }

    fn bearer_header() -> Vec<(String, String)> {
        vec![("Authorization".to_owned(), "Bearer fake-token".to_owned())]
    }

    fn answer(status: u16, headers: &[(&str, &str)], body: &str) -> Answer {
        Answer {
            status,
            headers: headers
                .iter()
                .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
                .collect(),
            body: body.to_owned(),
        }
    }

    /// A Graph error body.
    fn graph_error(code: i64, subcode: Option<i64>, message: &str) -> String {
        let mut error = json!({ "message": message, "type": "OAuthException", "code": code, "fbtrace_id": "AbC" });
        if let Some(subcode) = subcode {
            error["error_subcode"] = json!(subcode);
        }
        json!({ "error": error }).to_string()
    }

    fn read(kind: ChannelKind, code: i64, subcode: Option<i64>) -> Delivery {
        read_answer(
            kind,
            &answer(400, &[], &graph_error(code, subcode, "(#0) Meta says no")),
        )
    }

    // Facebook

    #[test]
    fn a_facebook_public_reply_is_a_comment_under_the_comment() {
        let out = outgoing(
            ChannelKind::Facebook,
            public("400000000000001_500000000000001"),
        );
        let call = call(&out).unwrap();
        assert_eq!(
            call.url,
            "https://graph.facebook.com/v21.0/400000000000001_500000000000001/comments"
        );
        assert_eq!(call.headers, bearer_header());
        assert_eq!(
            body(&call),
            json!({ "message": "Thanks Dana, checking order A-1001 now." })
        );
    }

    #[test]
    fn a_messenger_reply_is_a_response_inside_the_window_and_tagged_past_it() {
        let out = outgoing(
            ChannelKind::Facebook,
            direct("6000000000000001", None, false),
        );
        let call = call(&out).unwrap();
        assert_eq!(
            call.url,
            "https://graph.facebook.com/v21.0/400000000000001/messages"
        );
        assert_eq!(call.headers, bearer_header());
        assert_eq!(
            body(&call),
            json!({
                "recipient": { "id": "6000000000000001" },
                "messaging_type": "RESPONSE",
                "message": { "text": "Thanks Dana, checking order A-1001 now." }
            })
        );

        let late = outgoing(
            ChannelKind::Facebook,
            direct("6000000000000001", None, true),
        );
        assert_eq!(
            body(&super::call(&late).unwrap()),
            json!({
                "recipient": { "id": "6000000000000001" },
                "messaging_type": "MESSAGE_TAG",
                "tag": "HUMAN_AGENT",
                "message": { "text": "Thanks Dana, checking order A-1001 now." }
            })
        );
    }

    #[test]
    fn a_facebook_private_reply_goes_to_the_commenter() {
        let out = outgoing(
            ChannelKind::Facebook,
            to_comment("400000000000001_500000000000001"),
        );
        let call = call(&out).unwrap();
        assert_eq!(
            call.url,
            "https://graph.facebook.com/v21.0/400000000000001/messages"
        );
        assert_eq!(
            body(&call),
            json!({
                "recipient": { "comment_id": "400000000000001_500000000000001" },
                "message": { "text": "Thanks Dana, checking order A-1001 now." }
            })
        );
    }

    #[test]
    fn settings_choose_the_host_and_the_graph_version() {
        let mut out = outgoing(
            ChannelKind::Facebook,
            direct("6000000000000001", None, false),
        );
        out.settings = json!({
            "page_id": "400000000000001",
            "graph_version": "v23.0",
            "api_base_url": "http://127.0.0.1:4020"
        });
        assert_eq!(
            call(&out).unwrap().url,
            "http://127.0.0.1:4020/v23.0/400000000000001/messages"
        );
    }

    #[test]
    fn without_text_messenger_sends_the_first_attachment() {
        let mut out = outgoing(
            ChannelKind::Facebook,
            direct("6000000000000001", None, false),
        );
        out.text = String::new();
        out.attachments = vec![pdf(), image()];
        assert_eq!(
            body(&call(&out).unwrap())["message"],
            json!({ "attachment": { "type": "file", "payload": { "url": "https://cdn.example/invoice.pdf" } } })
        );
        out.attachments = vec![image()];
        assert_eq!(
            body(&call(&out).unwrap())["message"],
            json!({ "attachment": { "type": "image", "payload": { "url": "https://cdn.example/receipt.png" } } })
        );
        out.text = "Here it is".to_owned();
        assert_eq!(
            body(&call(&out).unwrap())["message"],
            json!({ "text": "Here it is" })
        );
    }

    #[test]
    fn facebook_calls_need_their_page_and_token() {
        let mut no_page = outgoing(
            ChannelKind::Facebook,
            direct("6000000000000001", None, false),
        );
        no_page.settings = json!({});
        assert_eq!(
            call(&no_page),
            Err(Unsendable(
                "the channel has no `page_id` setting".to_owned()
            ))
        );
        let mut no_token = outgoing(ChannelKind::Facebook, public("1_2"));
        no_token.credentials.clear();
        assert_eq!(
            call(&no_token),
            Err(Unsendable(
                "the channel has no `page_access_token` credential".to_owned()
            ))
        );
        let mut nothing = outgoing(
            ChannelKind::Facebook,
            direct("6000000000000001", None, false),
        );
        nothing.text = String::new();
        assert!(call(&nothing).is_err());
        let mut silent = outgoing(ChannelKind::Facebook, public("1_2"));
        silent.text = String::new();
        silent.attachments = vec![image()];
        assert!(call(&silent).is_err());
        assert!(call(&outgoing(ChannelKind::Facebook, public("1_2/../me"))).is_err());
    }

    // Instagram

    #[test]
    fn an_instagram_public_reply_is_a_reply_to_the_comment() {
        let out = outgoing(ChannelKind::Instagram, public("17900000000000001"));
        let call = call(&out).unwrap();
        assert_eq!(
            call.url,
            "https://graph.instagram.com/v21.0/17900000000000001/replies"
        );
        assert_eq!(call.headers, bearer_header());
        assert_eq!(
            body(&call),
            json!({ "message": "Thanks Dana, checking order A-1001 now." })
        );
    }

    #[test]
    fn an_instagram_dm_is_sent_from_the_account_and_tagged_past_the_window() {
        let out = outgoing(
            ChannelKind::Instagram,
            direct("2100000000000001", Some("m_1"), false),
        );
        let call = call(&out).unwrap();
        assert_eq!(
            call.url,
            "https://graph.instagram.com/v21.0/17800000000000001/messages"
        );
        assert_eq!(
            body(&call),
            json!({
                "recipient": { "id": "2100000000000001" },
                "message": { "text": "Thanks Dana, checking order A-1001 now." }
            })
        );
        let late = outgoing(
            ChannelKind::Instagram,
            direct("2100000000000001", None, true),
        );
        assert_eq!(
            body(&super::call(&late).unwrap()),
            json!({
                "recipient": { "id": "2100000000000001" },
                "messaging_type": "MESSAGE_TAG",
                "tag": "HUMAN_AGENT",
                "message": { "text": "Thanks Dana, checking order A-1001 now." }
            })
        );
    }

    #[test]
    fn an_instagram_private_reply_goes_to_the_commenter() {
        let mut out = outgoing(ChannelKind::Instagram, to_comment("17900000000000001"));
        out.text = String::new();
        out.attachments = vec![image()];
        let call = call(&out).unwrap();
        assert_eq!(
            call.url,
            "https://graph.instagram.com/v21.0/17800000000000001/messages"
        );
        assert_eq!(
            body(&call),
            json!({
                "recipient": { "comment_id": "17900000000000001" },
                "message": { "attachment": { "type": "image", "payload": { "url": "https://cdn.example/receipt.png" } } }
            })
        );
        let mut no_account = outgoing(ChannelKind::Instagram, to_comment("17900000000000001"));
        no_account.settings = json!({});
        assert_eq!(
            super::call(&no_account),
            Err(Unsendable(
                "the channel has no `account_id` setting".to_owned()
            ))
        );
    }

    // WhatsApp

    #[test]
    fn a_whatsapp_reply_quotes_the_customers_message_as_the_fixture_shows() {
        let target = direct("15550001111", Some("wamid.SYNTHETIC0001"), false);
        let call = call(&outgoing(ChannelKind::Whatsapp, target)).unwrap();
        assert_eq!(
            call.url,
            "https://graph.facebook.com/v21.0/106540352242922/messages"
        );
        assert_eq!(call.headers, bearer_header());
        let expected: Value = serde_json::from_str(&fixture("whatsapp_send_request.json")).unwrap();
        assert_eq!(body(&call), expected);
    }

    #[test]
    fn a_whatsapp_reply_without_a_quote_has_no_context() {
        let call = call(&outgoing(
            ChannelKind::Whatsapp,
            direct("15550001111", None, true),
        ))
        .unwrap();
        assert_eq!(
            body(&call),
            json!({
                "messaging_product": "whatsapp",
                "recipient_type": "individual",
                "to": "15550001111",
                "type": "text",
                "text": { "preview_url": false, "body": "Thanks Dana, checking order A-1001 now." }
            })
        );
    }

    #[test]
    fn without_text_whatsapp_sends_the_first_attachment_by_link() {
        let mut out = outgoing(ChannelKind::Whatsapp, direct("15550001111", None, false));
        out.text = String::new();
        out.attachments = vec![image(), pdf()];
        assert_eq!(
            body(&call(&out).unwrap()),
            json!({
                "messaging_product": "whatsapp",
                "recipient_type": "individual",
                "to": "15550001111",
                "type": "image",
                "image": { "link": "https://cdn.example/receipt.png" }
            })
        );
        out.attachments = vec![pdf()];
        let sent = body(&call(&out).unwrap());
        assert_eq!(sent["type"], json!("document"));
        assert_eq!(
            sent["document"],
            json!({ "link": "https://cdn.example/invoice.pdf", "filename": "invoice.pdf" })
        );
    }

    #[test]
    fn whatsapp_has_no_public_replies() {
        let public = call(&outgoing(ChannelKind::Whatsapp, public("wamid.X")));
        assert!(
            matches!(public, Err(Unsendable(e)) if e.starts_with("WhatsApp has no public replies"))
        );
        assert!(call(&outgoing(ChannelKind::Whatsapp, to_comment("1"))).is_err());
        let mut no_number = outgoing(ChannelKind::Whatsapp, direct("15550001111", None, false));
        no_number.settings = json!({});
        assert_eq!(
            call(&no_number),
            Err(Unsendable(
                "the channel has no `phone_number_id` setting".to_owned()
            ))
        );
    }

    #[test]
    fn other_kinds_are_not_meta_channels() {
        assert!(call(&outgoing(ChannelKind::Telegram, direct("1", None, false))).is_err());
    }

    // Answers

    #[test]
    fn the_id_of_what_was_sent_is_read_per_product() {
        let comment = answer(200, &[], r#"{"id":"400000000000001_500000000000009"}"#);
        assert_eq!(
            read_answer(ChannelKind::Facebook, &comment),
            Delivery::Sent {
                platform_message_id: "400000000000001_500000000000009".to_owned()
            }
        );
        let message = answer(
            200,
            &[],
            r#"{"recipient_id":"6000000000000001","message_id":"m_AbC"}"#,
        );
        assert_eq!(
            read_answer(ChannelKind::Instagram, &message),
            Delivery::Sent {
                platform_message_id: "m_AbC".to_owned()
            }
        );
        let whatsapp = answer(
            200,
            &[],
            r#"{"messaging_product":"whatsapp","contacts":[{"input":"15550001111","wa_id":"15550001111"}],"messages":[{"id":"wamid.SYNTHETIC0100"}]}"#,
        );
        assert_eq!(
            read_answer(ChannelKind::Whatsapp, &whatsapp),
            Delivery::Sent {
                platform_message_id: "wamid.SYNTHETIC0100".to_owned()
            }
        );
    }

    #[test]
    fn a_success_without_the_expected_id_is_retried() {
        for (kind, body) in [
            (ChannelKind::Whatsapp, r#"{"id":"not-a-wamid-place"}"#),
            (ChannelKind::Facebook, r#"{"success":true}"#),
            (ChannelKind::Instagram, "not json"),
        ] {
            assert!(
                matches!(
                    read_answer(kind, &answer(200, &[], body)),
                    Delivery::Retry {
                        rate_limited: false,
                        ..
                    }
                ),
                "{kind}: {body}"
            );
        }
    }

    #[test]
    fn lost_tokens_and_permissions_need_reauthorising() {
        assert_eq!(
            read_answer(
                ChannelKind::Facebook,
                &answer(
                    400,
                    &[],
                    &graph_error(
                        190,
                        Some(463),
                        "Error validating access token: Session has expired"
                    )
                )
            ),
            Delivery::Reauth {
                error: "Error validating access token: Session has expired [code 190]".to_owned()
            }
        );
        for (kind, code, subcode) in [
            (ChannelKind::Instagram, 190, None),
            (ChannelKind::Facebook, 10, Some(2_018_065)),
            (ChannelKind::Facebook, 10, None),
            (ChannelKind::Facebook, 200, None),
            (ChannelKind::Instagram, 230, None),
            (ChannelKind::Whatsapp, 299, None),
            (ChannelKind::Whatsapp, 0, None),
        ] {
            assert!(
                matches!(read(kind, code, subcode), Delivery::Reauth { .. }),
                "{kind} {code}"
            );
        }
        assert!(matches!(
            read(ChannelKind::Facebook, 0, None),
            Delivery::Failed { .. }
        ));
    }

    #[test]
    fn throttling_codes_wait_for_access_to_come_back() {
        let usage = r#"{"400000000000001":[{"type":"messenger","call_count":100,"total_cputime":20,"total_time":30,"estimated_time_to_regain_access":4},{"type":"pages","call_count":0,"total_cputime":0,"total_time":0,"estimated_time_to_regain_access":0}]}"#;
        let throttled = answer(
            400,
            &[("x-business-use-case-usage", usage), ("retry-after", "10")],
            &graph_error(
                80_006,
                None,
                "There have been too many messenger requests to this Page.",
            ),
        );
        assert_eq!(
            read_answer(ChannelKind::Facebook, &throttled),
            Delivery::Retry {
                after: Some(Duration::from_secs(240)),
                rate_limited: true,
                error: "There have been too many messenger requests to this Page. [code 80006]"
                    .to_owned(),
            }
        );
        let told = answer(
            400,
            &[("retry-after", "10")],
            &graph_error(613, None, "Calls to this api have exceeded the rate limit."),
        );
        assert!(matches!(
            read_answer(ChannelKind::Instagram, &told),
            Delivery::Retry { after: Some(after), rate_limited: true, .. } if after == Duration::from_secs(10)
        ));
        for (kind, code) in [
            (ChannelKind::Facebook, 4),
            (ChannelKind::Facebook, 17),
            (ChannelKind::Facebook, 32),
            (ChannelKind::Instagram, 80_001),
            (ChannelKind::Whatsapp, 80_007),
            (ChannelKind::Whatsapp, 80_014),
            (ChannelKind::Whatsapp, 130_429),
            (ChannelKind::Whatsapp, 131_056),
        ] {
            assert!(
                matches!(
                    read(kind, code, None),
                    Delivery::Retry {
                        after: None,
                        rate_limited: true,
                        ..
                    }
                ),
                "{kind} {code}"
            );
        }
    }

    #[test]
    fn passing_failures_are_retried_without_a_rate_limit() {
        for (kind, code) in [
            (ChannelKind::Facebook, 1),
            (ChannelKind::Facebook, 2),
            (ChannelKind::Facebook, 1200),
            (ChannelKind::Whatsapp, 131_000),
            (ChannelKind::Whatsapp, 131_016),
        ] {
            assert!(
                matches!(
                    read(kind, code, None),
                    Delivery::Retry {
                        rate_limited: false,
                        ..
                    }
                ),
                "{kind} {code}"
            );
        }
        let transient = json!({ "error": { "message": "An unknown error occurred", "code": 100, "is_transient": true } });
        assert_eq!(
            read_answer(
                ChannelKind::Instagram,
                &answer(500, &[], &transient.to_string())
            ),
            Delivery::Retry {
                after: None,
                rate_limited: false,
                error: "An unknown error occurred [code 100]".to_owned(),
            }
        );
    }

    #[test]
    fn a_closed_window_fails_for_good() {
        for (kind, code, subcode) in [
            (ChannelKind::Facebook, 10, Some(2_018_278)),
            (ChannelKind::Instagram, 10, Some(2_534_022)),
            (ChannelKind::Whatsapp, 131_047, None),
        ] {
            let Delivery::Failed { error } = read(kind, code, subcode) else {
                panic!("{kind} {code} is a closed window");
            };
            assert!(error.starts_with("the reply window is closed"), "{error}");
        }
    }

    #[test]
    fn other_errors_fail_with_metas_message_and_code() {
        let unavailable = answer(
            400,
            &[],
            &graph_error(
                551,
                Some(1_545_041),
                "(#551) This person isn't available right now.",
            ),
        );
        assert_eq!(
            read_answer(ChannelKind::Facebook, &unavailable),
            Delivery::Failed {
                error: "(#551) This person isn't available right now. [code 551]".to_owned()
            }
        );
        for (kind, code) in [
            (ChannelKind::Facebook, 100),
            (ChannelKind::Facebook, 506),
            (ChannelKind::Facebook, 368),
            (ChannelKind::Whatsapp, 131_026),
            (ChannelKind::Whatsapp, 131_048),
        ] {
            assert!(
                matches!(read(kind, code, None), Delivery::Failed { .. }),
                "{kind} {code}"
            );
        }
    }

    #[test]
    fn answers_without_a_graph_error_go_by_status() {
        assert_eq!(
            read_answer(
                ChannelKind::Whatsapp,
                &answer(502, &[("retry-after", "5")], "Bad Gateway")
            ),
            Delivery::Retry {
                after: Some(Duration::from_secs(5)),
                rate_limited: false,
                error: "the platform answered 502: Bad Gateway".to_owned(),
            }
        );
        assert!(matches!(
            read_answer(ChannelKind::Facebook, &answer(429, &[], "")),
            Delivery::Retry {
                rate_limited: true,
                ..
            }
        ));
        assert_eq!(
            read_answer(ChannelKind::Instagram, &answer(404, &[], "Not Found")),
            Delivery::Failed {
                error: "the platform answered 404: Not Found".to_owned()
            }
        );
    }
}
