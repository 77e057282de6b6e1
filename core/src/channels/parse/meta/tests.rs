//! The Meta parser's shared test helpers, and the tests of the envelope: every recorded
//! delivery read or skipped, batches, the dispatch of changes, and bodies that are no delivery.

use serde_json::json;

use super::super::tests::{fixture, real_fixtures};
use super::*;
use crate::service::ingest::InboundMessage;

pub(super) const PAGE: &str = "300000000000001";

pub(super) fn parsed_as(kind: ChannelKind, body: &Value, account: Option<&str>) -> Parsed {
    let account = Account {
        id: account.map(str::to_owned),
    };
    parse(kind, body, &account).unwrap()
}

/// A fixture's JSON; one recorded from a C# project starts with a byte-order mark.
pub(super) fn json_of(body: &str) -> Value {
    serde_json::from_str(body.trim_start_matches('\u{feff}')).unwrap()
}

pub(super) fn read(kind: ChannelKind, name: &str, account: Option<&str>) -> Parsed {
    parsed_as(kind, &json_of(&fixture(name)), account)
}

pub(super) fn message(parsed: &Parsed) -> &InboundMessage {
    match parsed.items.as_slice() {
        [Item::Message(message)] => message,
        other => panic!("not one message: {other:?}"),
    }
}

pub(super) fn only_skip(parsed: &Parsed) -> (&str, &str) {
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
pub(super) fn delivered(kind: ChannelKind, event: Value) -> Value {
    json!({
        "object": object_of(kind),
        "entry": [{"id": "PAGE_ID", "time": 1_458_668_856_463_i64, "messaging": [event]}]
    })
}

/// Every recorded delivery of a folder: keyed maps give each case, bare events are
/// wrapped in their delivery.
pub(super) fn recorded(kind: ChannelKind, folder: &str) -> Vec<(String, Value)> {
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

pub(super) fn case(kind: ChannelKind, folder: &str, wanted: &str) -> Value {
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
            skipped: parsed.skipped,
            tags: Vec::new(),
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
