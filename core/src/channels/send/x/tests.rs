//! Tests of the X calls (OAuth 1.0a signing, posts and DMs) and of the reading of X's answers.

use std::collections::BTreeMap;

use base64::Engine;
use chrono::{TimeZone, Utc};
use hmac::{KeyInit, Mac};

use super::*;
use crate::channels::parse::tests::fixture;
use crate::views::{Attachment, ChannelKind};

/// A reply on a channel with a complete set of credentials and no base URL override.
fn outgoing(target: Target) -> Outgoing {
    let credentials = [
        ("consumer_key", "fake_consumer_key"),
        ("consumer_secret", "fake_consumer_secret"),
        ("access_token", "1000000000000000001-faketoken"),
        ("access_token_secret", "fake_token_secret"),
    ];
    Outgoing {
        message_id: uuid::Uuid::from_u128(0x0123_4567_89ab_cdef_0123_4567_89ab_cdef),
        kind: ChannelKind::X,
        settings: json!({ "account_id": "1000000000000000001" }),
        credentials: credentials
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect::<BTreeMap<_, _>>(),
        target,
        text: "Sorry about that, Dana. We have sent you a DM.".to_owned(),
        attachments: Vec::new(),
        partner_payload: None,
        now: Utc.with_ymd_and_hms(2025, 1, 1, 12, 0, 0).unwrap(),
    }
}

fn public() -> Target {
    Target::Public {
        reply_to: "1874000000000000100".to_owned(),
    }
}

fn direct() -> Target {
    Target::Direct {
        user_id: "2000000000000000002".to_owned(),
        reply_to: None,
        human_agent: false,
    }
}

fn body(call: &Call) -> Value {
    serde_json::from_str(&call.body).unwrap()
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

/// The OAuth parameters of an `Authorization: OAuth k="v",…` header, still encoded.
fn oauth_params(header: &str) -> BTreeMap<String, String> {
    header
        .strip_prefix("OAuth ")
        .unwrap()
        .split(',')
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap();
            (k.to_owned(), v.trim_matches('"').to_owned())
        })
        .collect()
}

/// RFC 3986 unreserved characters stay, everything else is `%XX` (RFC 5849 §3.6).
fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The signature of RFC 5849 §3.4, computed here without the crate.
fn expected_signature(url: &str, params: &BTreeMap<String, String>) -> String {
    let normalized = params
        .iter()
        .filter(|(k, _)| k.as_str() != "oauth_signature")
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&");
    let base = format!("POST&{}&{}", encode(url), encode(&normalized));
    let key = format!(
        "{}&{}",
        encode("fake_consumer_secret"),
        encode("fake_token_secret")
    );
    let mut mac = hmac::Hmac::<sha1::Sha1>::new_from_slice(key.as_bytes()).unwrap();
    mac.update(base.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

#[test]
fn a_public_reply_is_a_post_answering_the_customers_post() {
    let call = call(&outgoing(public())).unwrap();
    assert_eq!(call.url, "https://api.x.com/2/tweets");
    assert_eq!(
        body(&call),
        json!({
            "text": "Sorry about that, Dana. We have sent you a DM.",
            "reply": { "in_reply_to_tweet_id": "1874000000000000100" }
        })
    );
    let fixture: Value = serde_json::from_str(&fixture("x_reply_request.json")).unwrap();
    assert_eq!(body(&call), fixture);
    assert_eq!(call.headers.len(), 1);
    assert_eq!(call.headers[0].0, "Authorization");
}

#[test]
fn a_private_reply_is_a_direct_message_to_the_customer() {
    let call = call(&outgoing(direct())).unwrap();
    assert_eq!(
        call.url,
        "https://api.x.com/2/dm_conversations/with/2000000000000000002/messages"
    );
    assert_eq!(
        body(&call),
        json!({ "text": "Sorry about that, Dana. We have sent you a DM." })
    );
}

#[test]
fn the_base_url_override_is_used_and_signed() {
    let mut out = outgoing(public());
    out.settings = json!({ "api_base_url": "http://127.0.0.1:4010/" });
    let call = call(&out).unwrap();
    assert_eq!(call.url, "http://127.0.0.1:4010/2/tweets");
    let params = oauth_params(&call.headers[0].1);
    assert_eq!(
        params["oauth_signature"],
        encode(&expected_signature(&call.url, &params))
    );
}

#[test]
fn the_oauth_header_is_hmac_sha1_signed_as_rfc_5849_says() {
    let out = outgoing(public());
    let call = call(&out).unwrap();
    let header = &call.headers[0].1;
    assert!(header.starts_with("OAuth "));
    assert!(header.contains(r#"oauth_consumer_key="fake_consumer_key""#));
    assert!(header.contains(r#"oauth_token="1000000000000000001-faketoken""#));
    assert!(header.contains(r#"oauth_signature_method="HMAC-SHA1""#));
    assert!(header.contains(r#"oauth_timestamp="1735732800""#));
    let params = oauth_params(header);
    assert_eq!(
        params["oauth_nonce"],
        "0123456789abcdef0123456789abcdef00000000"
    );
    assert_eq!(
        params["oauth_signature"],
        encode(&expected_signature(&call.url, &params))
    );
}

#[test]
fn the_nonce_changes_between_attempts_of_one_message() {
    let first = outgoing(direct());
    let mut again = first.clone();
    again.now += chrono::Duration::milliseconds(1500);
    let nonce_of =
        |out: &Outgoing| oauth_params(&call(out).unwrap().headers[0].1)["oauth_nonce"].clone();
    assert_ne!(nonce_of(&first), nonce_of(&again));
}

#[test]
fn what_x_cannot_carry_is_unsendable() {
    let to_comment = Target::PrivateToComment {
        comment_id: "1874000000000000100".to_owned(),
    };
    assert!(call(&outgoing(to_comment)).is_err());

    let mut only_media = outgoing(direct());
    only_media.text = " ".to_owned();
    only_media.attachments = vec![Attachment {
        kind: "image".to_owned(),
        url: "https://cdn.example/a.png".to_owned(),
        name: None,
        mime_type: None,
    }];
    assert!(call(&only_media).is_err());

    let mut no_secret = outgoing(public());
    no_secret.credentials.remove("access_token_secret");
    assert_eq!(
        call(&no_secret),
        Err(Unsendable(
            "the channel has no `access_token_secret` credential".to_owned()
        ))
    );

    let odd_user = Target::Direct {
        user_id: "../../2/tweets".to_owned(),
        reply_to: None,
        human_agent: false,
    };
    assert!(call(&outgoing(odd_user)).is_err());
}

#[test]
fn with_text_and_media_only_the_text_goes() {
    let mut out = outgoing(direct());
    out.attachments = vec![Attachment {
        kind: "image".to_owned(),
        url: "https://cdn.example/a.png".to_owned(),
        name: None,
        mime_type: None,
    }];
    assert_eq!(
        body(&call(&out).unwrap()),
        json!({ "text": "Sorry about that, Dana. We have sent you a DM." })
    );
}

#[test]
fn a_created_post_or_dm_is_sent_with_its_id() {
    let post = r#"{"data":{"id":"1874000000000000400","text":"…","edit_history_tweet_ids":["1874000000000000400"]}}"#;
    assert_eq!(
        read_answer(&answer(201, &[], post)),
        Delivery::Sent {
            platform_message_id: "1874000000000000400".to_owned()
        }
    );
    let dm = r#"{"data":{"dm_conversation_id":"1000000000000000001-2000000000000000002","dm_event_id":"1874000000000000500"}}"#;
    assert_eq!(
        read_answer(&answer(201, &[], dm)),
        Delivery::Sent {
            platform_message_id: "1874000000000000500".to_owned()
        }
    );
}

#[test]
fn a_success_without_an_id_is_retried() {
    assert!(matches!(
        read_answer(&answer(200, &[], "<html>proxy</html>")),
        Delivery::Retry {
            rate_limited: false,
            ..
        }
    ));
}

#[test]
fn a_rate_limit_waits_until_the_reset() {
    let reset = (Utc::now().timestamp() + 60).to_string();
    let body = r#"{"title":"Too Many Requests","detail":"Too Many Requests","type":"about:blank","status":429}"#;
    let Delivery::Retry {
        after: Some(after),
        rate_limited: true,
        error,
    } = read_answer(&answer(429, &[("x-rate-limit-reset", &reset)], body))
    else {
        panic!("a 429 is a rate-limited retry");
    };
    assert!((55..=60).contains(&after.as_secs()), "{after:?}");
    assert_eq!(error, "X answered 429: Too Many Requests");

    let past = (Utc::now().timestamp() - 30).to_string();
    assert_eq!(
        read_answer(&answer(429, &[("x-rate-limit-reset", &past)], body)),
        Delivery::Retry {
            after: Some(Duration::from_secs(1)),
            rate_limited: true,
            error: "X answered 429: Too Many Requests".to_owned(),
        }
    );
    assert!(matches!(
        read_answer(&answer(429, &[], body)),
        Delivery::Retry {
            after: None,
            rate_limited: true,
            ..
        }
    ));
}

#[test]
fn an_expired_token_needs_reauthorising() {
    let body =
        r#"{"title":"Unauthorized","type":"about:blank","status":401,"detail":"Unauthorized"}"#;
    assert_eq!(
        read_answer(&answer(401, &[], body)),
        Delivery::Reauth {
            error: "X answered 401: Unauthorized".to_owned()
        }
    );
}

#[test]
fn a_failing_platform_is_retried() {
    assert_eq!(
        read_answer(&answer(
            503,
            &[("retry-after", "30")],
            "Service Unavailable"
        )),
        Delivery::Retry {
            after: Some(Duration::from_secs(30)),
            rate_limited: false,
            error: "the platform answered 503: Service Unavailable".to_owned(),
        }
    );
}

#[test]
fn other_refusals_fail_with_the_problem_detail() {
    let forbidden = r#"{"title":"Forbidden","type":"about:blank","status":403,"detail":"You are not permitted to reply to this post."}"#;
    assert_eq!(
        read_answer(&answer(403, &[], forbidden)),
        Delivery::Failed {
            error: "X answered 403: Forbidden: You are not permitted to reply to this post."
                .to_owned()
        }
    );
    let gone =
        r#"{"title":"Not Found Error","type":"https://api.x.com/2/problems/resource-not-found"}"#;
    assert_eq!(
        read_answer(&answer(404, &[], gone)),
        Delivery::Failed {
            error: "X answered 404: Not Found Error".to_owned()
        }
    );
    assert_eq!(
        read_answer(&answer(400, &[], "bad")),
        Delivery::Failed {
            error: "X answered 400: bad".to_owned()
        }
    );
}
