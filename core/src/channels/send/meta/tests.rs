//! Tests of the Meta calls against the documented and recorded shapes, and of the reading of
//! Graph answers and errors.

use std::collections::BTreeMap;
use std::time::Duration;

use chrono::{TimeZone, Utc};

use super::super::{Answer, Delivery};
use super::*;
use crate::channels::parse::tests::fixture;

/// A reply on a channel of `kind` with its settings and token, no base URL override.
fn outgoing(kind: ChannelKind, target: Target) -> Outgoing {
    let (settings, token) = match kind {
        ChannelKind::Facebook => (
            json!({ "page_id": "400000000000001", "graph_version": "v21.0" }),
            "page_access_token",
        ),
        ChannelKind::Instagram => (json!({ "account_id": "17800000000000001" }), "access_token"),
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
    let mut error =
        json!({ "message": message, "type": "OAuthException", "code": code, "fbtrace_id": "AbC" });
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
