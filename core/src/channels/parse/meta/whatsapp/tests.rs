//! Tests of WhatsApp messages, edits, revocations and statuses.

use super::super::tests::{case, message, only_skip, parsed_as, read, recorded};
use super::*;
use crate::views::ChannelKind;

#[test]
fn a_whatsapp_message_is_private_from_its_number_named_by_its_contact() {
    let parsed = read(
        ChannelKind::Whatsapp,
        "whatsapp_text.json",
        Some("120000000000001"),
    );
    let m = message(&parsed);
    assert_eq!(m.platform_message_id, "wamid.SYNTHETIC0001");
    assert_eq!(m.author.platform_user_id, "15550001111");
    assert_eq!(m.author.handle.as_deref(), Some("+15550001111"));
    assert_eq!(m.author.display_name.as_deref(), Some("Dana Example"));
    assert_eq!(m.text, "Hi, my order A-1001 is late");
    assert_eq!(m.reply_to.as_deref(), Some("wamid.SYNTHETIC0000"));
    assert_eq!(m.visibility, Some(Visibility::Private));
    assert_eq!(m.thread_id, None);
    assert_eq!(m.timestamp.unwrap().timestamp(), 1_735_732_800);
    assert!(m.attachments.is_empty());
}

#[test]
fn whatsapp_media_buttons_and_cards_are_told_in_text() {
    let expected = [
        ("pywa-message.json#text", "Body Text"),
        ("pywa-message.json#image", "(image)"),
        ("pywa-message.json#media_with_url", "(image)"),
        ("pywa-message.json#video", "caption"),
        ("pywa-message.json#document", "caption"),
        ("pywa-message.json#audio", "(audio)"),
        ("pywa-message.json#voice", "(voice message)"),
        ("pywa-message.json#static_sticker", "(sticker)"),
        ("pywa-message.json#animated_sticker", "(sticker)"),
        (
            "pywa-message.json#current_location",
            "(location) 12.25089, 43.90539",
        ),
        (
            "pywa-message.json#chosen_location",
            "(location) Facebook HQ, 1 Hacker Way, Menlo Park, CA 94025",
        ),
        (
            "pywa-message.json#contacts",
            "(contacts) Chandler Bing, Monica, Rachel Green",
        ),
        ("pywa-message.json#order", "(order)"),
        ("pywa-message.json#reply", "replied text"),
        ("pywa-message.json#forwarded", "forwarded text"),
        (
            "pywa-message.json#forwarded_many_times",
            "text forwarded many times",
        ),
        ("pywa-message.json#referral", "BODY"),
        ("pywa-callback_button.json#button", "title"),
        ("pywa-callback_button.json#quick_reply", "title"),
        (
            "pywa-callback_button.json#quick_reply_without_context",
            "title",
        ),
        ("pywa-callback_selection.json#callback", "title"),
        ("pywa-callback_selection.json#description", "title"),
    ];
    let deliveries = recorded(ChannelKind::Whatsapp, "whatsapp");
    for (name, text) in expected {
        let (_, delivery) = deliveries.iter().find(|(n, _)| n == name).unwrap();
        let parsed = parsed_as(ChannelKind::Whatsapp, delivery, None);
        let m = message(&parsed);
        assert_eq!(m.text, text, "{name}");
        assert_eq!(m.author.platform_user_id, "972987654321", "{name}");
        assert_eq!(
            m.author.display_name.as_deref(),
            Some("Test Name"),
            "{name}"
        );
        assert!(m.attachments.is_empty(), "{name}");
    }
    let reply = case(ChannelKind::Whatsapp, "whatsapp", "pywa-message.json#reply");
    let parsed = parsed_as(ChannelKind::Whatsapp, &reply, None);
    assert_eq!(message(&parsed).reply_to.as_deref(), Some("wamid.xyzxyz=="));
    let forwarded = case(ChannelKind::Whatsapp, "whatsapp", "pywa-message.json#video");
    let parsed = parsed_as(ChannelKind::Whatsapp, &forwarded, None);
    assert_eq!(message(&parsed).reply_to, None);
}

#[test]
fn whatsapp_reactions_unsupported_and_empty_messages_are_skipped() {
    let at = "entry[0].changes[0].value.messages[0]";
    for (name, reason) in [
        ("pywa-message.json#reaction", "a reaction"),
        ("pywa-message.json#unreaction_empty", "a reaction"),
        ("pywa-message.json#unreaction_no_emoji", "a reaction"),
        ("restfb-reaction_skin_tone.json", "a reaction"),
        (
            "pywa-message.json#unsupported",
            "an unsupported message (131051 Message type unknown: Message type is currently not supported.)",
        ),
    ] {
        let delivery = case(ChannelKind::Whatsapp, "whatsapp", name);
        let parsed = parsed_as(ChannelKind::Whatsapp, &delivery, None);
        assert_eq!(only_skip(&parsed), (at, reason), "{name}");
    }
    let broken = case(
        ChannelKind::Whatsapp,
        "whatsapp",
        "pywa-message.json#interactive_message_with_err",
    );
    let parsed = parsed_as(ChannelKind::Whatsapp, &broken, None);
    let skipped: Vec<_> = parsed
        .skipped
        .iter()
        .map(|s| (s.at.as_str(), s.reason.as_str()))
        .collect();
    assert_eq!(
        skipped,
        [
            (at, "a message of type interactive without its content"),
            (
                "entry[0].changes[0].value.errors[0]",
                "an error: 131000 Something went wrong: Unsupported webhook payload"
            ),
        ]
    );
}

#[test]
fn whatsapp_edits_and_revokes_name_the_original_message() {
    let edited = case(
        ChannelKind::Whatsapp,
        "whatsapp",
        "pywa-edited_message.json#image",
    );
    assert_eq!(
        parsed_as(ChannelKind::Whatsapp, &edited, None).items,
        [Item::Edited {
            platform_message_id: "wamid.REDACTED-FAKE-0000000003".into(),
            text: "Updated image caption".into(),
            at: DateTime::from_timestamp(1_749_854_575, 0),
        }]
    );
    let revoked = case(
        ChannelKind::Whatsapp,
        "whatsapp",
        "pywa-deleted_message.json#revoke",
    );
    assert_eq!(
        parsed_as(ChannelKind::Whatsapp, &revoked, None).items,
        [Item::Deleted {
            platform_message_id: "<ORIGINAL_WHATSAPP_MESSAGE_ID>".into(),
            at: DateTime::from_timestamp(1_697_043_223, 0),
        }]
    );
}

#[test]
fn whatsapp_statuses_move_our_messages_and_failures_say_why() {
    let parsed = read(ChannelKind::Whatsapp, "whatsapp_status.json", None);
    assert_eq!(
        parsed.items,
        [
            Item::Status {
                platform_message_id: "wamid.SYNTHETIC0100".into(),
                state: DeliveryState::Delivered,
                error: None,
                at: DateTime::from_timestamp(1_735_732_860, 0),
            },
            Item::Status {
                platform_message_id: "wamid.SYNTHETIC0101".into(),
                state: DeliveryState::Failed,
                error: Some(
                    "131047 Re-engagement message: More than 24 hours have passed since the customer last replied."
                        .into()
                ),
                at: DateTime::from_timestamp(1_735_732_861, 0),
            },
        ]
    );
    for (case_name, expected) in [
        ("sent", DeliveryState::Sent),
        ("delivered", DeliveryState::Delivered),
        ("read", DeliveryState::Read),
        ("played", DeliveryState::Read),
        ("failed", DeliveryState::Failed),
        ("with_tracker", DeliveryState::Sent),
        ("group", DeliveryState::Read),
    ] {
        let name = format!("pywa-message_status.json#{case_name}");
        let delivery = case(ChannelKind::Whatsapp, "whatsapp", &name);
        let parsed = parsed_as(ChannelKind::Whatsapp, &delivery, None);
        assert!(
            matches!(parsed.items.as_slice(), [Item::Status { state, .. }] if *state == expected),
            "{name}: {parsed:?}"
        );
    }
    let failed = read(
        ChannelKind::Whatsapp,
        "real/whatsapp/restfb-status_failed_errors.json",
        None,
    );
    assert_eq!(
        failed.items,
        [Item::Status {
            platform_message_id: "wamid.REDACTED-FAKE-0000000001".into(),
            state: DeliveryState::Failed,
            error: Some(
                "131026 Receiver is incapable of receiving this message: Message Undeliverable."
                    .into()
            ),
            at: DateTime::from_timestamp(1_698_231_447, 0),
        }]
    );
}
