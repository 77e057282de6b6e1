//! Telegram Bot API: every reply is a `sendMessage` into a chat, the customer's private
//! chat or the group the message came from, quoting the customer's message where we know it.
//! We store Telegram message ids as `"{chat_id}:{message_id}"` (a `message_id` is unique per
//! chat only), so the quoted message and, for a group, the chat come out of that id.

use std::time::Duration;

use serde::Deserialize;
use serde_json::{Value, json};

use super::{
    Answer, Call, Delivery, Outgoing, Target, Unsendable, base_url, credential, platform_failed,
    retry_after, snippet,
};

/// Where the Bot API lives unless the channel says otherwise.
const DEFAULT_BASE: &str = "https://api.telegram.org";

/// The `sendMessage` call. Media need `sendPhoto`/`sendDocument`, which are not done yet: a
/// reply goes as text, and one without text cannot be sent.
pub(super) fn call(out: &Outgoing) -> Result<Call, Unsendable> {
    if out.text.trim().is_empty() {
        return Err(Unsendable(
            "a reply on Telegram needs text: attachments alone are not sent yet".to_owned(),
        ));
    }
    let (chat, quoted) = match &out.target {
        Target::Direct {
            user_id, reply_to, ..
        } => (
            user_id.as_str(),
            reply_to.as_deref().and_then(message_number),
        ),
        Target::Public { reply_to } => {
            let (chat, _) = reply_to.rsplit_once(':').ok_or_else(|| {
                Unsendable(format!(
                    "`{reply_to}` is not a Telegram message id (`chat_id:message_id`)"
                ))
            })?;
            (chat, message_number(reply_to))
        }
        Target::PrivateToComment { .. } => {
            return Err(Unsendable(
                "Telegram has no private reply to a comment: message the customer's chat"
                    .to_owned(),
            ));
        }
    };
    if chat.is_empty() {
        return Err(Unsendable("the Telegram chat id is empty".to_owned()));
    }
    let token = credential(out, "bot_token")?;
    let base = base_url(&out.settings, DEFAULT_BASE);
    let mut body = json!({ "chat_id": chat_id(chat), "text": out.text });
    if let (Some(number), Some(fields)) = (quoted, body.as_object_mut()) {
        // The reply still goes out when the customer has deleted the message it quotes.
        fields.insert(
            "reply_parameters".to_owned(),
            json!({ "message_id": number, "allow_sending_without_reply": true }),
        );
    }
    Ok(Call {
        url: format!("{base}/bot{token}/sendMessage"),
        headers: Vec::new(),
        body: body.to_string(),
    })
}

/// A chat id as the Bot API takes it: a number for numeric ids (private chats, groups,
/// `-100…` supergroups), else the string (a `@channelusername`).
fn chat_id(chat: &str) -> Value {
    chat.parse::<i64>()
        .map_or_else(|_| json!(chat), |n| json!(n))
}

/// The per-chat `message_id` in one of our stored ids: what follows the last `:` (the whole
/// id when it has none); nothing when that is not a number.
fn message_number(stored: &str) -> Option<i64> {
    let tail = stored.rsplit_once(':').map_or(stored, |(_, tail)| tail);
    tail.parse().ok()
}

/// The Bot API's answer, success or error.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Reply {
    ok: bool,
    result: Option<Message>,
    error_code: Option<u16>,
    description: Option<String>,
    parameters: Option<Parameters>,
}

/// The sent message: what identifies it.
#[derive(Debug, Deserialize)]
struct Message {
    message_id: i64,
    chat: Chat,
}

#[derive(Debug, Deserialize)]
struct Chat {
    id: i64,
}

/// Extra facts on an error.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Parameters {
    retry_after: Option<u64>,
    migrate_to_chat_id: Option<i64>,
}

/// What Telegram's answer means: the sent message as `"{chat_id}:{message_id}"`, or the
/// error by its `error_code` (which is also the HTTP status).
pub(super) fn read_answer(answer: &Answer) -> Delivery {
    let Ok(reply) = serde_json::from_str::<Reply>(&answer.body) else {
        return unreadable(answer);
    };
    if reply.ok {
        return match reply.result {
            Some(message) => Delivery::Sent {
                platform_message_id: format!("{}:{}", message.chat.id, message.message_id),
            },
            None => platform_failed(answer),
        };
    }
    let code = reply.error_code.unwrap_or(answer.status);
    let error = describe(code, &reply);
    let parameters = reply.parameters.unwrap_or_default();
    match code {
        429 => Delivery::Retry {
            after: parameters
                .retry_after
                .map(Duration::from_secs)
                .or_else(|| retry_after(answer)),
            rate_limited: true,
            error,
        },
        401 => Delivery::Reauth { error },
        500..=599 => Delivery::Retry {
            after: retry_after(answer),
            rate_limited: false,
            error,
        },
        // 403: the user blocked the bot or is deactivated — that conversation only.
        _ => Delivery::Failed { error },
    }
}

/// An answer that is not the Bot API's JSON (a proxy's page): retried when the status says
/// the platform failed or when it claims success, otherwise failed.
fn unreadable(answer: &Answer) -> Delivery {
    match answer.status {
        200..=299 | 500..=599 => platform_failed(answer),
        status => Delivery::Failed {
            error: format!("the platform answered {status}: {}", snippet(&answer.body)),
        },
    }
}

/// Telegram's error, as recorded; a group that became a supergroup says where it went.
fn describe(code: u16, reply: &Reply) -> String {
    let description = reply.description.as_deref().unwrap_or("no description");
    let moved = reply
        .parameters
        .as_ref()
        .and_then(|p| p.migrate_to_chat_id)
        .map(|chat| format!(" (the group is now chat {chat})"))
        .unwrap_or_default();
    format!("Telegram answered {code}: {description}{moved}")
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use chrono::{TimeZone, Utc};

    use super::*;
    use crate::views::{Attachment, ChannelKind};

    /// A reply on a bot channel with its token and no base URL override.
    fn outgoing(target: Target) -> Outgoing {
        Outgoing {
            message_id: uuid::Uuid::from_u128(9),
            kind: ChannelKind::Telegram,
            settings: json!({ "bot_username": "acme_care_bot" }),
            credentials: BTreeMap::from([("bot_token".to_owned(), "123456:ABC-fake".to_owned())]),
            target,
            text: "Thanks Dana, looking into it.".to_owned(),
            attachments: Vec::new(),
            partner_payload: None,
            now: Utc.with_ymd_and_hms(2025, 1, 1, 12, 0, 0).unwrap(),
        }
    }

    fn direct(user_id: &str, reply_to: Option<&str>) -> Target {
        Target::Direct {
            user_id: user_id.to_owned(),
            reply_to: reply_to.map(str::to_owned),
            human_agent: false,
        }
    }

    fn body(call: &Call) -> Value {
        serde_json::from_str(&call.body).unwrap()
    }

    fn answer(status: u16, body: &str) -> Answer {
        Answer {
            status,
            headers: Vec::new(),
            body: body.to_owned(),
        }
    }

    #[test]
    fn a_private_reply_quotes_the_customers_message() {
        let call = call(&outgoing(direct("5000000001", Some("5000000001:42")))).unwrap();
        assert_eq!(
            call.url,
            "https://api.telegram.org/bot123456:ABC-fake/sendMessage"
        );
        assert!(call.headers.is_empty());
        assert_eq!(
            body(&call),
            json!({
                "chat_id": 5_000_000_001_i64,
                "text": "Thanks Dana, looking into it.",
                "reply_parameters": { "message_id": 42, "allow_sending_without_reply": true }
            })
        );
    }

    #[test]
    fn without_a_numeric_quote_there_are_no_reply_parameters() {
        for reply_to in [None, Some("5000000001:abc"), Some("")] {
            let call = call(&outgoing(direct("5000000001", reply_to))).unwrap();
            assert_eq!(
                body(&call),
                json!({ "chat_id": 5_000_000_001_i64, "text": "Thanks Dana, looking into it." }),
                "{reply_to:?}"
            );
        }
    }

    #[test]
    fn a_chat_id_that_is_not_a_number_goes_as_a_string() {
        let call = call(&outgoing(direct("@acme_news", None))).unwrap();
        assert_eq!(body(&call)["chat_id"], json!("@acme_news"));
    }

    #[test]
    fn a_public_reply_goes_to_the_group_the_message_came_from() {
        let mut out = outgoing(Target::Public {
            reply_to: "-1001234567890:77".to_owned(),
        });
        out.settings = json!({ "api_base_url": "http://127.0.0.1:4030/" });
        let call = call(&out).unwrap();
        assert_eq!(
            call.url,
            "http://127.0.0.1:4030/bot123456:ABC-fake/sendMessage"
        );
        assert_eq!(
            body(&call),
            json!({
                "chat_id": -1_001_234_567_890_i64,
                "text": "Thanks Dana, looking into it.",
                "reply_parameters": { "message_id": 77, "allow_sending_without_reply": true }
            })
        );
    }

    #[test]
    fn what_telegram_cannot_carry_is_unsendable() {
        let to_comment = Target::PrivateToComment {
            comment_id: "1:2".to_owned(),
        };
        assert!(call(&outgoing(to_comment)).is_err());
        let no_chat = Target::Public {
            reply_to: "42".to_owned(),
        };
        assert!(call(&outgoing(no_chat)).is_err());
        let mut media_only = outgoing(direct("5000000001", None));
        media_only.text = String::new();
        media_only.attachments = vec![Attachment {
            kind: "image".to_owned(),
            url: "https://cdn.example/a.png".to_owned(),
            name: None,
            mime_type: None,
        }];
        assert!(call(&media_only).is_err());
        let mut no_token = outgoing(direct("5000000001", None));
        no_token.credentials.clear();
        assert_eq!(
            call(&no_token),
            Err(Unsendable(
                "the channel has no `bot_token` credential".to_owned()
            ))
        );
    }

    #[test]
    fn a_sent_message_is_known_by_chat_and_message_id() {
        let ok = r#"{"ok":true,"result":{"message_id":43,"from":{"id":1,"is_bot":true,"first_name":"Acme"},"chat":{"id":5000000001,"type":"private"},"date":1735732900,"text":"Thanks Dana, looking into it."}}"#;
        assert_eq!(
            read_answer(&answer(200, ok)),
            Delivery::Sent {
                platform_message_id: "5000000001:43".to_owned()
            }
        );
        assert!(matches!(
            read_answer(&answer(200, r#"{"ok":true,"result":true}"#)),
            Delivery::Retry {
                rate_limited: false,
                ..
            }
        ));
    }

    #[test]
    fn too_many_requests_waits_as_told() {
        let body = r#"{"ok":false,"error_code":429,"description":"Too Many Requests: retry after 35","parameters":{"retry_after":35}}"#;
        assert_eq!(
            read_answer(&answer(429, body)),
            Delivery::Retry {
                after: Some(Duration::from_secs(35)),
                rate_limited: true,
                error: "Telegram answered 429: Too Many Requests: retry after 35".to_owned(),
            }
        );
    }

    #[test]
    fn a_revoked_token_needs_reauthorising() {
        let body = r#"{"ok":false,"error_code":401,"description":"Unauthorized"}"#;
        assert_eq!(
            read_answer(&answer(401, body)),
            Delivery::Reauth {
                error: "Telegram answered 401: Unauthorized".to_owned()
            }
        );
    }

    #[test]
    fn a_blocked_bot_fails_the_message() {
        let body = r#"{"ok":false,"error_code":403,"description":"Forbidden: bot was blocked by the user"}"#;
        assert_eq!(
            read_answer(&answer(403, body)),
            Delivery::Failed {
                error: "Telegram answered 403: Forbidden: bot was blocked by the user".to_owned()
            }
        );
    }

    #[test]
    fn server_errors_are_retried() {
        let body = r#"{"ok":false,"error_code":502,"description":"Bad Gateway"}"#;
        assert_eq!(
            read_answer(&answer(502, body)),
            Delivery::Retry {
                after: None,
                rate_limited: false,
                error: "Telegram answered 502: Bad Gateway".to_owned(),
            }
        );
        assert!(matches!(
            read_answer(&answer(504, "<html>Gateway Timeout</html>")),
            Delivery::Retry {
                rate_limited: false,
                ..
            }
        ));
    }

    #[test]
    fn other_errors_fail_with_the_description() {
        let gone = r#"{"ok":false,"error_code":400,"description":"Bad Request: chat not found"}"#;
        assert_eq!(
            read_answer(&answer(400, gone)),
            Delivery::Failed {
                error: "Telegram answered 400: Bad Request: chat not found".to_owned()
            }
        );
        let moved = r#"{"ok":false,"error_code":400,"description":"Bad Request: group chat was upgraded to a supergroup chat","parameters":{"migrate_to_chat_id":-1001234567890}}"#;
        assert_eq!(
            read_answer(&answer(400, moved)),
            Delivery::Failed {
                error: "Telegram answered 400: Bad Request: group chat was upgraded to a supergroup chat (the group is now chat -1001234567890)".to_owned()
            }
        );
        assert_eq!(
            read_answer(&answer(404, "Not Found")),
            Delivery::Failed {
                error: "the platform answered 404: Not Found".to_owned()
            }
        );
    }
}
