//! Tests of the X parser against the documented and recorded deliveries.

use serde_json::json;

use super::super::tests::{fixture, real_fixtures};
use super::*;

const BRAND: &str = "1000000000000000001";

fn parsed_as(body: &Value, brand: &str) -> Parsed {
    let account = Account {
        id: Some(brand.into()),
    };
    parse(body, &account).unwrap()
}

fn parsed(body: &str) -> Parsed {
    parsed_as(&serde_json::from_str(body).unwrap(), BRAND)
}

fn message(parsed: &Parsed) -> &InboundMessage {
    match parsed.items.as_slice() {
        [Item::Message(message)] => message,
        other => panic!("not one message: {other:?}"),
    }
}

/// A recorded item wrapped in the delivery that would carry it.
fn delivered(list: &str, event: Value, for_user: &str) -> Value {
    json!({ "for_user_id": for_user, list: [event] })
}

/// Every event of every list, and the `user_event`: each must be read or skipped.
fn events_in(delivery: &Value) -> usize {
    let fields = delivery.as_object().unwrap();
    fields
        .iter()
        .map(|(key, value)| match value.as_array() {
            Some(list) if key.ends_with("_events") => list.len(),
            _ => usize::from(key == "user_event"),
        })
        .sum()
}

fn assert_all_read(name: &str, delivery: &Value, brand: &str) -> Parsed {
    let parsed = parsed_as(delivery, brand);
    assert_eq!(
        parsed.items.len() + parsed.skipped.len(),
        events_in(delivery),
        "{name}: {parsed:?}"
    );
    for skipped in &parsed.skipped {
        assert!(
            !skipped.reason.is_empty() && !skipped.at.is_empty(),
            "{name}"
        );
    }
    parsed
}

#[test]
fn a_mention_is_a_public_reply_threaded_on_the_post_it_answers() {
    let parsed = parsed(&fixture("x_aaa_mention.json"));
    let m = message(&parsed);
    assert_eq!(m.platform_message_id, "1874000000000000100");
    assert_eq!(m.author.platform_user_id, "2000000000000000002");
    assert_eq!(m.author.handle.as_deref(), Some("@dana_example"));
    assert_eq!(m.author.display_name.as_deref(), Some("Dana Example"));
    assert_eq!(m.author.follower_count, Some(1234));
    assert_eq!(m.author.verified, Some(false));
    assert_eq!(
        m.author.avatar_url.as_deref(),
        Some("https://pbs.twimg.com/profile_images/0/example_normal.jpg")
    );
    assert_eq!(m.text, "my order still hasn't arrived");
    assert_eq!(m.visibility, Some(Visibility::Public));
    assert_eq!(m.reply_to.as_deref(), Some("1874000000000000050"));
    assert_eq!(m.thread_id.as_deref(), Some("1874000000000000050"));
    assert_eq!(m.timestamp.unwrap().timestamp(), 1_735_732_800);
    assert!(m.attachments.is_empty());
}

#[test]
fn a_dm_is_private_and_its_author_comes_from_the_users_map() {
    let parsed = parsed(&fixture("x_aaa_dm.json"));
    let m = message(&parsed);
    assert_eq!(m.platform_message_id, "1874000000000000200");
    assert_eq!(m.author.platform_user_id, "2000000000000000002");
    assert_eq!(m.author.handle.as_deref(), Some("@dana_example"));
    assert_eq!(m.author.display_name.as_deref(), Some("Dana Example"));
    assert_eq!(m.author.follower_count, Some(1234));
    assert_eq!(m.text, "Order A-1001, can you check it?");
    assert_eq!(m.visibility, Some(Visibility::Private));
    assert_eq!(
        (m.thread_id.as_deref(), m.reply_to.as_deref()),
        (None, None)
    );
    assert_eq!(m.timestamp.unwrap().timestamp(), 1_735_732_800);
}

#[test]
fn the_brands_own_posts_and_dms_are_echoes() {
    let mut post: Value = serde_json::from_str(&fixture("x_aaa_mention.json")).unwrap();
    post["tweet_create_events"][0]["user"]["id_str"] = json!(BRAND);
    let echo = parsed_as(&post, BRAND);
    assert_eq!(
        echo.items,
        [Item::Echo {
            platform_message_id: "1874000000000000100".into()
        }]
    );
    let recorded: Value =
        serde_json::from_str(&fixture("real/x/tweepy-v1_1_dm_event_message_create.json")).unwrap();
    let sender = "1072250532645998596";
    let dm = delivered("direct_message_events", recorded["event"].clone(), sender);
    assert_eq!(
        parsed_as(&dm, sender).items,
        [Item::Echo {
            platform_message_id: "1150493286110552068".into()
        }]
    );
    // The same DM delivered to the other side is a customer's, known by id only.
    let received = delivered("direct_message_events", recorded["event"].clone(), BRAND);
    let parsed = parsed_as(&received, BRAND);
    let m = message(&parsed);
    assert_eq!(m.author.platform_user_id, sender);
    assert_eq!(m.author.handle, None);
    assert_eq!(m.text, "test message");
    assert_eq!(m.timestamp.unwrap().timestamp_millis(), 1_563_133_949_197);
}

#[test]
fn a_recorded_retweet_is_skipped() {
    let post: Value =
        serde_json::from_str(&fixture("real/x/tweepy-v1_1_status_retweet.json")).unwrap();
    let parsed = parsed_as(&delivered("tweet_create_events", post, BRAND), BRAND);
    assert!(parsed.items.is_empty(), "{parsed:?}");
    assert_eq!(
        parsed.skipped,
        [Skipped {
            at: "tweet_create_events[0]".into(),
            reason: "a retweet".into()
        }]
    );
    let mut native: Value = serde_json::from_str(&fixture("x_aaa_mention.json")).unwrap();
    native["tweet_create_events"][0]["retweeted_status"] = json!({"id_str": "7"});
    assert_eq!(parsed_as(&native, BRAND).skipped[0].reason, "a retweet");
}

#[test]
fn a_long_post_is_read_whole_with_its_media_and_html_unescaped() {
    let post = json!({
        "id_str": "11", "text": "@AcmeHelp short &amp; cut…", "truncated": true,
        "created_at": "Wed Jan 01 12:00:00 +0000 2025",
        "user": {"id_str": "22", "screen_name": "dana"},
        "extended_tweet": {
            "full_text": "@AcmeHelp it is &lt;broken&gt; &amp; late https://t.co/x",
            "display_text_range": [10, 31],
            "extended_entities": {"media": [
                {"type": "photo", "media_url_https": "https://pbs.twimg.com/media/a.jpg"},
                {"type": "video", "media_url_https": "https://pbs.twimg.com/v.jpg",
                 "video_info": {"variants": [
                    {"content_type": "application/x-mpegURL", "url": "https://video.twimg.com/v.m3u8"},
                    {"content_type": "video/mp4", "bitrate": 256_000, "url": "https://video.twimg.com/low.mp4"},
                    {"content_type": "video/mp4", "bitrate": 832_000, "url": "https://video.twimg.com/high.mp4"}
                 ]}}
            ]}
        }
    });
    let parsed = parsed_as(&delivered("tweet_create_events", post, BRAND), BRAND);
    let m = message(&parsed);
    assert_eq!(m.text, "it is <broken> & late");
    assert_eq!(m.thread_id.as_deref(), Some("11"));
    assert_eq!(m.reply_to, None);
    assert_eq!(m.timestamp.unwrap().timestamp(), 1_735_732_800);
    let media: Vec<_> = m
        .attachments
        .iter()
        .map(|a| (a.kind.as_str(), a.url.as_str()))
        .collect();
    assert_eq!(
        media,
        [
            ("image", "https://pbs.twimg.com/media/a.jpg"),
            ("video", "https://video.twimg.com/high.mp4")
        ]
    );
}

#[test]
fn an_edited_post_edits_its_first_version_and_a_deleted_post_is_deleted() {
    let mut post: Value = serde_json::from_str(&fixture("x_aaa_mention.json")).unwrap();
    let event = &mut post["tweet_create_events"][0];
    event["id_str"] = json!("1874000000000000101");
    event["text"] = json!("@AcmeHelp my order still hasn't arrived!!");
    event["display_text_range"] = json!([10, 41]);
    event["edit_history"]["edit_tweet_ids"] = json!(["1874000000000000100", "1874000000000000101"]);
    assert_eq!(
        parsed_as(&post, BRAND).items,
        [Item::Edited {
            platform_message_id: "1874000000000000100".into(),
            text: "my order still hasn't arrived!!".into(),
            at: DateTime::from_timestamp(1_735_732_800, 0),
        }]
    );
    let deleted = json!({
        "for_user_id": BRAND,
        "tweet_delete_events": [{
            "status": {"id": "1874000000000000100", "user_id": "2000000000000000002"},
            "timestamp_ms": "1735732900000"
        }]
    });
    assert_eq!(
        parsed_as(&deleted, BRAND).items,
        [Item::Deleted {
            platform_message_id: "1874000000000000100".into(),
            at: DateTime::from_timestamp(1_735_732_900, 0),
        }]
    );
}

#[test]
fn other_activity_is_skipped_with_its_reason_and_a_bad_event_alone() {
    let delivery = json!({
        "for_user_id": BRAND,
        "favorite_events": [{"id": "f1"}],
        "direct_message_indicate_typing_events": [{"sender_id": "2"}],
        "direct_message_mark_read_events": [{"sender_id": "2"}],
        "follow_events": [{"type": "follow"}],
        "tweet_create_events": [{"id_str": "5", "text": "no author"}],
        "user_event": {"revoke": {"source": {"user_id": BRAND}}}
    });
    let parsed = assert_all_read("activity", &delivery, BRAND);
    assert!(parsed.items.is_empty());
    let reasons: Vec<_> = parsed
        .skipped
        .iter()
        .map(|s| (s.at.as_str(), s.reason.as_str()))
        .collect();
    for expected in [
        ("favorite_events[0]", "a like"),
        (
            "direct_message_indicate_typing_events[0]",
            "a typing indicator",
        ),
        ("direct_message_mark_read_events[0]", "a read receipt"),
        ("follow_events[0]", "a follow or unfollow"),
        ("tweet_create_events[0]", "a post without its author"),
    ] {
        assert!(reasons.contains(&expected), "{expected:?} in {reasons:?}");
    }
    assert!(reasons.iter().any(|(at, _)| *at == "user_event"));
}

#[test]
fn every_documented_and_recorded_delivery_is_read_or_skipped_with_a_reason() {
    for name in ["x_aaa_mention.json", "x_aaa_dm.json"] {
        let delivery: Value = serde_json::from_str(&fixture(name)).unwrap();
        let parsed = assert_all_read(name, &delivery, BRAND);
        assert_eq!(parsed.items.len(), 1, "{name}");
    }
    let mut recorded = 0;
    for (name, body) in real_fixtures("x") {
        let value: Value = serde_json::from_str(&body).unwrap();
        // Item shapes are recorded without their delivery: wrap them as one would carry them.
        let delivery = if let Some(event) = value.get("event") {
            delivered("direct_message_events", event.clone(), BRAND)
        } else if value.get("id_str").is_some() {
            delivered("tweet_create_events", value, BRAND)
        } else {
            let refused = parse(&value, &Account::default());
            assert!(refused.is_err(), "{name}: an API response was read");
            continue;
        };
        assert_all_read(&name, &delivery, BRAND);
        recorded += 1;
    }
    assert_eq!(recorded, 2);
}

#[test]
fn api_responses_and_requests_are_not_deliveries() {
    let mut bodies = vec![
        fixture("x_v2_mentions_page.json"),
        fixture("x_reply_request.json"),
    ];
    bodies.extend(
        real_fixtures("x")
            .into_iter()
            .filter(|(name, _)| name.contains("-v2_"))
            .map(|(_, body)| body),
    );
    assert_eq!(bodies.len(), 7);
    for body in bodies {
        let refused = parse(&serde_json::from_str(&body).unwrap(), &Account::default());
        assert_eq!(
            refused,
            Err(ParseError(
                "not an Account Activity delivery: no for_user_id".into()
            )),
            "{body}"
        );
    }
}

#[test]
fn the_contract_reads_x_deliveries() {
    let account = Account {
        id: Some(BRAND.into()),
    };
    let parsed = super::super::parse(
        crate::views::ChannelKind::X,
        &fixture("x_aaa_dm.json"),
        &account,
    )
    .unwrap();
    assert_eq!(parsed.items.len(), 1);
}
