//! An `api` channel's replies: POSTed to the partner's callback URL and signed as Standard
//! Webhooks asks (`webhook-id`, `webhook-timestamp`, `webhook-signature`), so partners can
//! verify them with any Standard Webhooks library and drop replays by `webhook-id`.

use serde_json::Value;
use standardwebhooks::{
    HEADER_WEBHOOK_ID, HEADER_WEBHOOK_SIGNATURE, HEADER_WEBHOOK_TIMESTAMP, Webhook,
};

use super::{
    Answer, Call, Delivery, Outgoing, Unsendable, credential, platform_failed, retry_after,
    setting, snippet,
};

/// The signed POST of the reply's payload to the partner's callback URL.
pub(super) fn call(out: &Outgoing) -> Result<Call, Unsendable> {
    let url = setting(&out.settings, "callback_url")?;
    let secret = credential(out, "webhook_secret")?;
    let payload = out.partner_payload.as_ref().ok_or_else(|| {
        Unsendable("the reply has no payload for the partner's callback".to_owned())
    })?;
    let body = payload.to_string();
    let id = webhook_id(out);
    let timestamp = out.now.timestamp();
    let signature = Webhook::new(secret)
        .and_then(|webhook| webhook.sign(&id, timestamp, body.as_bytes()))
        .map_err(|err| {
            Unsendable(format!(
                "the channel's `webhook_secret` cannot sign (a `whsec_` base64 secret is \
                 expected): {err}"
            ))
        })?;
    Ok(Call {
        url: url.to_owned(),
        headers: vec![
            (HEADER_WEBHOOK_ID.to_owned(), id),
            (HEADER_WEBHOOK_TIMESTAMP.to_owned(), timestamp.to_string()),
            (HEADER_WEBHOOK_SIGNATURE.to_owned(), signature),
        ],
        body,
    })
}

/// The `webhook-id`: the same for every attempt of one message, so the partner can drop
/// repeats.
fn webhook_id(out: &Outgoing) -> String {
    format!("msg_{}", out.message_id.simple())
}

/// What the partner's answer means. Standard Webhooks treats any `2xx` as delivered; a
/// partner that answers `{"id": "…"}` names its copy, else the message is known by the
/// `webhook-id` of the call.
pub(super) fn read_answer(call: &Call, answer: &Answer) -> Delivery {
    match answer.status {
        200..=299 => Delivery::Sent {
            platform_message_id: partner_id(answer).unwrap_or_else(|| sent_id(call)),
        },
        408 | 429 => Delivery::Retry {
            after: retry_after(answer),
            rate_limited: answer.status == 429,
            error: refusal(answer, "the partner asked to try again later"),
        },
        500..=599 => platform_failed(answer),
        401 | 403 => Delivery::Failed {
            error: refusal(answer, "the partner refused the signature"),
        },
        410 => Delivery::Failed {
            error: refusal(answer, "the partner's callback URL is gone"),
        },
        _ => Delivery::Failed {
            error: refusal(answer, "the partner refused the reply"),
        },
    }
}

/// The partner's own id for the message: `id` in a JSON answer, a string or a number.
fn partner_id(answer: &Answer) -> Option<String> {
    let body: Value = serde_json::from_str(&answer.body).ok()?;
    match body.get("id")? {
        Value::String(id) if !id.is_empty() => Some(id.clone()),
        Value::Number(id) => Some(id.to_string()),
        _ => None,
    }
}

/// The `webhook-id` the call carried; `call` always sets it.
fn sent_id(call: &Call) -> String {
    call.headers
        .iter()
        .find(|(name, _)| name == HEADER_WEBHOOK_ID)
        .map(|(_, value)| value.clone())
        .unwrap_or_default()
}

/// A refusal as recorded: what it means, the status and the start of the body.
fn refusal(answer: &Answer, meaning: &str) -> String {
    let body = snippet(&answer.body);
    if body.trim().is_empty() {
        format!("{meaning} ({})", answer.status)
    } else {
        format!("{meaning} ({}): {body}", answer.status)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::time::Duration;

    use base64::Engine;
    use base64::engine::general_purpose::STANDARD;
    use chrono::Utc;
    use hmac::{Hmac, KeyInit, Mac};
    use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
    use serde_json::json;
    use sha2::Sha256;

    use super::*;
    use crate::channels::send::Target;
    use crate::views::ChannelKind;

    const SECRET: &str = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD";

    /// A reply on an `api` channel with its callback and secret, made now (so the signature
    /// is within the verifier's tolerance).
    fn outgoing() -> Outgoing {
        Outgoing {
            message_id: uuid::Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0001),
            kind: ChannelKind::Api,
            settings: json!({ "callback_url": "https://partner.example/earshot/replies" }),
            credentials: BTreeMap::from([("webhook_secret".to_owned(), SECRET.to_owned())]),
            target: Target::Direct {
                user_id: "customer-17".to_owned(),
                reply_to: Some("partner-msg-9".to_owned()),
                human_agent: false,
            },
            text: "Thanks Dana, looking into it.".to_owned(),
            attachments: Vec::new(),
            partner_payload: Some(json!({
                "event": "message.created",
                "message": { "id": "m-1", "text": "Thanks Dana, looking into it. Grüße ✓" }
            })),
            now: Utc::now(),
        }
    }

    fn header<'a>(call: &'a Call, name: &str) -> &'a str {
        call.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
            .unwrap()
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

    #[test]
    fn the_payload_goes_to_the_callback_with_standard_webhooks_headers() {
        let out = outgoing();
        let call = call(&out).unwrap();
        assert_eq!(call.url, "https://partner.example/earshot/replies");
        let body: Value = serde_json::from_str(&call.body).unwrap();
        assert_eq!(Some(body), out.partner_payload);
        assert_eq!(
            header(&call, "webhook-id"),
            "msg_01900000000070008000000000000001"
        );
        assert_eq!(
            header(&call, "webhook-timestamp"),
            out.now.timestamp().to_string()
        );
        assert!(header(&call, "webhook-signature").starts_with("v1,"));
        assert_eq!(call.headers.len(), 3);
    }

    #[test]
    fn the_signature_verifies_with_the_standard_webhooks_crate() {
        let call = call(&outgoing()).unwrap();
        let mut headers = HeaderMap::new();
        for (name, value) in &call.headers {
            headers.insert(
                HeaderName::from_bytes(name.as_bytes()).unwrap(),
                HeaderValue::from_str(value).unwrap(),
            );
        }
        let webhook = Webhook::new(SECRET).unwrap();
        webhook.verify(call.body.as_bytes(), &headers).unwrap();
        assert!(webhook.verify(b"{\"event\":\"other\"}", &headers).is_err());
        let other = Webhook::new("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
        assert!(other.verify(call.body.as_bytes(), &headers).is_err());
    }

    #[test]
    fn the_signature_is_hmac_sha256_over_id_timestamp_and_body() {
        let mut out = outgoing();
        out.partner_payload = Some(json!({ "email": "test@example.com", "username": "test_user" }));
        out.now = chrono::DateTime::from_timestamp(1_649_367_553, 0).unwrap();
        let call = call(&out).unwrap();
        assert_eq!(
            call.body,
            r#"{"email":"test@example.com","username":"test_user"}"#
        );
        assert_eq!(header(&call, "webhook-timestamp"), "1649367553");
        // Standard Webhooks: base64(HMAC-SHA256(base64-decoded secret, "{id}.{timestamp}.{body}")).
        let key = STANDARD
            .decode(SECRET.trim_start_matches("whsec_"))
            .unwrap();
        let mut mac = Hmac::<Sha256>::new_from_slice(&key).unwrap();
        mac.update(
            format!(
                "msg_01900000000070008000000000000001.1649367553.{}",
                call.body
            )
            .as_bytes(),
        );
        let expected = format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()));
        assert_eq!(header(&call, "webhook-signature"), expected);
    }

    #[test]
    fn what_the_call_needs_is_checked() {
        let mut no_url = outgoing();
        no_url.settings = json!({});
        assert_eq!(
            call(&no_url),
            Err(Unsendable(
                "the channel has no `callback_url` setting".to_owned()
            ))
        );
        let mut no_secret = outgoing();
        no_secret.credentials.clear();
        assert_eq!(
            call(&no_secret),
            Err(Unsendable(
                "the channel has no `webhook_secret` credential".to_owned()
            ))
        );
        let mut bad_secret = outgoing();
        bad_secret
            .credentials
            .insert("webhook_secret".to_owned(), "whsec_not base64!".to_owned());
        assert!(call(&bad_secret).is_err());
        let mut no_payload = outgoing();
        no_payload.partner_payload = None;
        assert!(call(&no_payload).is_err());
    }

    #[test]
    fn a_2xx_is_sent_under_the_partners_id_or_the_webhook_id() {
        let call = call(&outgoing()).unwrap();
        assert_eq!(
            read_answer(&call, &answer(200, &[], r#"{"id":"partner-out-5"}"#)),
            Delivery::Sent {
                platform_message_id: "partner-out-5".to_owned()
            }
        );
        assert_eq!(
            read_answer(&call, &answer(201, &[], r#"{"id":12}"#)),
            Delivery::Sent {
                platform_message_id: "12".to_owned()
            }
        );
        for body in ["", "ok", r#"{"received":true}"#, r#"{"id":""}"#] {
            assert_eq!(
                read_answer(&call, &answer(204, &[], body)),
                Delivery::Sent {
                    platform_message_id: "msg_01900000000070008000000000000001".to_owned()
                },
                "{body}"
            );
        }
    }

    #[test]
    fn busy_or_failing_partners_are_retried_as_they_ask() {
        let call = call(&outgoing()).unwrap();
        assert_eq!(
            read_answer(&call, &answer(429, &[("retry-after", "120")], "slow down")),
            Delivery::Retry {
                after: Some(Duration::from_secs(120)),
                rate_limited: true,
                error: "the partner asked to try again later (429): slow down".to_owned(),
            }
        );
        assert_eq!(
            read_answer(&call, &answer(408, &[], "")),
            Delivery::Retry {
                after: None,
                rate_limited: false,
                error: "the partner asked to try again later (408)".to_owned(),
            }
        );
        assert_eq!(
            read_answer(&call, &answer(503, &[("retry-after", "7")], "down")),
            Delivery::Retry {
                after: Some(Duration::from_secs(7)),
                rate_limited: false,
                error: "the platform answered 503: down".to_owned(),
            }
        );
    }

    #[test]
    fn refusals_fail_the_message() {
        let call = call(&outgoing()).unwrap();
        for status in [401, 403] {
            assert_eq!(
                read_answer(&call, &answer(status, &[], "bad signature")),
                Delivery::Failed {
                    error: format!("the partner refused the signature ({status}): bad signature")
                }
            );
        }
        assert_eq!(
            read_answer(&call, &answer(410, &[], "")),
            Delivery::Failed {
                error: "the partner's callback URL is gone (410)".to_owned()
            }
        );
        assert_eq!(
            read_answer(
                &call,
                &answer(422, &[], r#"{"error":"unknown conversation"}"#)
            ),
            Delivery::Failed {
                error: r#"the partner refused the reply (422): {"error":"unknown conversation"}"#
                    .to_owned()
            }
        );
    }
}
