//! Facebook Page feed and mention changes (comments and visitor posts, added, edited or
//! removed) and Instagram comments: public messages threaded on their post or media.

use serde_json::Value;

use super::super::Item;
use super::{Entry, author, id_of, is_web, seconds, text};
use crate::service::ingest::{InboundAuthor, InboundMessage};
use crate::views::{Attachment, Visibility};

/// A Page feed or mention change: a comment or a visitor's post, added, edited or removed.
pub(super) fn feed_item(value: &Value, entry: &Entry) -> Result<Item, String> {
    let item = text(value, "item").ok_or("a feed change without an item")?;
    let id_field = match item {
        "comment" => "comment_id",
        "post" | "status" | "photo" | "video" | "share" => "post_id",
        other => return Err(format!("a feed {other}")),
    };
    let id = id_of(value.get(id_field)).ok_or_else(|| format!("a feed {item} without an id"))?;
    let changed_at = entry.time.or_else(|| seconds(value.get("created_time")));
    match text(value, "verb") {
        Some("add") => feed_message(value, id, entry),
        Some("edited") => Ok(Item::Edited {
            platform_message_id: id,
            text: text(value, "message")
                .ok_or("an edit without text")?
                .to_owned(),
            at: changed_at,
        }),
        Some("remove") => Ok(Item::Deleted {
            platform_message_id: id,
            at: changed_at,
        }),
        Some(other) => Err(format!("a feed {item} {other}")),
        None => Err(format!("a feed {item} without a verb")),
    }
}

fn feed_message(value: &Value, id: String, entry: &Entry) -> Result<Item, String> {
    let author = feed_author(value).ok_or("a post or comment without its author")?;
    // The Page's own comments and posts are not flagged: they are the Page's id.
    if entry.is_ours(&author.platform_user_id) {
        return Ok(Item::Echo {
            platform_message_id: id,
        });
    }
    let post = id_of(value.get("post_id")).ok_or("a post or comment without its post_id")?;
    let text = text(value, "message").unwrap_or_default().to_owned();
    let attachments = feed_media(value);
    if text.trim().is_empty() && attachments.is_empty() {
        return Err("a post or comment with nothing to read".into());
    }
    Ok(Item::Message(Box::new(InboundMessage {
        reply_to: id_of(value.get("parent_id")).filter(|parent| *parent != post),
        thread_id: Some(post),
        platform_message_id: id,
        author,
        text,
        timestamp: seconds(value.get("created_time")).or(entry.time),
        visibility: Some(Visibility::Public),
        attachments,
    })))
}

/// `from{id,name}`, or the legacy `sender_id` and `sender_name`.
fn feed_author(value: &Value) -> Option<InboundAuthor> {
    let from = value.get("from");
    let user = id_of(from.and_then(|f| f.get("id"))).or_else(|| id_of(value.get("sender_id")))?;
    let name = from
        .and_then(|f| text(f, "name"))
        .or_else(|| text(value, "sender_name"));
    Some(author(user, None, name.map(str::to_owned)))
}

/// A comment's photo or video, or the photo or video a post is.
fn feed_media(value: &Value) -> Vec<Attachment> {
    let link = match text(value, "item") {
        Some(kind @ ("photo" | "video")) => text(value, "link").map(|url| (kind, url)),
        _ => None,
    };
    [("photo", "image"), ("video", "video")]
        .into_iter()
        .filter_map(|(field, kind)| text(value, field).map(|url| (kind, url)))
        .chain(link.map(|(kind, url)| (if kind == "photo" { "image" } else { kind }, url)))
        .filter(|(_, url)| is_web(url))
        .map(|(kind, url)| Attachment {
            kind: kind.into(),
            url: url.into(),
            name: None,
            mime_type: None,
        })
        .collect()
}

/// An Instagram comment, on the brand's media or in reply to another comment.
pub(super) fn ig_comment(value: &Value, entry: &Entry) -> Result<Item, String> {
    let id = id_of(value.get("id")).ok_or("a comment without an id")?;
    let from = value.get("from").ok_or("a comment without its author")?;
    let user = id_of(from.get("id")).ok_or("a comment author without an id")?;
    // The account's own comments are not flagged: they are the account's id.
    if entry.is_ours(&user) {
        return Ok(Item::Echo {
            platform_message_id: id,
        });
    }
    let body = text(value, "text").filter(|t| !t.trim().is_empty());
    let handle = text(from, "username").map(|name| format!("@{name}"));
    Ok(Item::Message(Box::new(InboundMessage {
        platform_message_id: id,
        author: author(user, handle, None),
        text: body.ok_or("a comment without text")?.to_owned(),
        // A comment has no time of its own.
        timestamp: entry.time,
        reply_to: id_of(value.get("parent_id")),
        thread_id: value.get("media").and_then(|m| id_of(m.get("id"))),
        visibility: Some(Visibility::Public),
        attachments: Vec::new(),
    })))
}

#[cfg(test)]
mod tests {
    use chrono::DateTime;
    use serde_json::json;

    use super::super::tests::{PAGE, json_of, message, only_skip, parsed_as, read};
    use super::*;
    use crate::channels::parse::tests::fixture;
    use crate::views::ChannelKind;

    #[test]
    fn a_page_comment_is_public_threaded_on_its_post_and_replies_to_its_parent() {
        let parsed = read(
            ChannelKind::Facebook,
            "facebook_feed_comment.json",
            Some(PAGE),
        );
        let m = message(&parsed);
        assert_eq!(m.platform_message_id, "400000000000001_500000000000001");
        assert_eq!(m.author.platform_user_id, "7000000000000001");
        assert_eq!(m.author.display_name.as_deref(), Some("Dana Example"));
        assert_eq!(m.author.handle, None);
        assert_eq!(m.text, "Still no refund after two weeks");
        assert_eq!(m.visibility, Some(Visibility::Public));
        assert_eq!(
            m.thread_id.as_deref(),
            Some("300000000000001_400000000000001")
        );
        assert_eq!(m.reply_to, None);
        assert_eq!(m.timestamp.unwrap().timestamp(), 1_735_732_800);

        let mut reply = json_of(&fixture("facebook_feed_comment.json"));
        reply["entry"][0]["changes"][0]["value"]["parent_id"] =
            json!("400000000000001_500000000000000");
        let parsed = parsed_as(ChannelKind::Facebook, &reply, Some(PAGE));
        let m = message(&parsed);
        assert_eq!(
            m.reply_to.as_deref(),
            Some("400000000000001_500000000000000")
        );
        assert_eq!(
            m.thread_id.as_deref(),
            Some("300000000000001_400000000000001")
        );
    }

    #[test]
    fn the_pages_own_comment_is_an_echo() {
        let own = read(
            ChannelKind::Facebook,
            "real/facebook/restfb-feed_comment_add.json",
            None,
        );
        assert_eq!(
            own.items,
            [Item::Echo {
                platform_message_id: "901097836652708_903438993085259".into()
            }]
        );
        let by_account = read(
            ChannelKind::Facebook,
            "facebook_feed_comment.json",
            Some("7000000000000001"),
        );
        assert!(
            matches!(by_account.items.as_slice(), [Item::Echo { .. }]),
            "{by_account:?}"
        );
    }

    #[test]
    fn a_comment_edited_in_the_legacy_form_or_removed_is_an_edit_or_a_deletion() {
        let edited = read(
            ChannelKind::Facebook,
            "real/facebook/restfb-feed_comment_edited_legacy.json",
            None,
        );
        assert_eq!(
            edited.items,
            [Item::Edited {
                platform_message_id: "900728623356296_900744590021366".into(),
                text: "Let's see the Webhooks in action :D".into(),
                at: DateTime::from_timestamp(1_448_555_737, 0),
            }]
        );
        let removed = read(
            ChannelKind::Facebook,
            "real/facebook/restfb-feed_comment_remove.json",
            None,
        );
        assert_eq!(
            removed.items,
            [Item::Deleted {
                platform_message_id: "905578656204626_905579239537901".into(),
                at: DateTime::from_timestamp(1_452_107_182, 0),
            }]
        );
        let mut legacy = json_of(&fixture(
            "real/facebook/restfb-feed_comment_edited_legacy.json",
        ));
        legacy["entry"][0]["changes"][0]["value"]["verb"] = json!("add");
        legacy["entry"][0]["changes"][0]["value"]["sender_id"] = json!(8_423_678_347_823_u64);
        let parsed = parsed_as(ChannelKind::Facebook, &legacy, None);
        let m = message(&parsed);
        assert_eq!(m.author.platform_user_id, "8423678347823");
        assert_eq!(m.author.display_name.as_deref(), Some("Tester"));
    }

    #[test]
    fn a_visitor_post_is_a_public_thread_of_its_own_and_a_mention_needs_its_author() {
        let parsed = read(
            ChannelKind::Facebook,
            "real/facebook/restfb-feed_visitor_post_add.json",
            None,
        );
        let m = message(&parsed);
        assert_eq!(m.platform_message_id, "1234567890321_7293787835232");
        assert_eq!(m.author.platform_user_id, "8423678347823");
        assert_eq!(m.author.display_name.as_deref(), Some("John Doe"));
        assert_eq!(m.text, "Let's check this");
        assert_eq!(m.thread_id.as_deref(), Some("1234567890321_7293787835232"));
        assert_eq!(m.reply_to, None);
        assert_eq!(m.timestamp.unwrap().timestamp(), 1_454_707_020);

        let name = "real/facebook/restfb-mention_comment_add.json";
        let mention = parsed_as(ChannelKind::Facebook, &json_of(&fixture(name)), None);
        assert_eq!(
            only_skip(&mention),
            (
                "entry[0].changes[0]",
                "a post or comment without its author"
            )
        );
        let mut named = json_of(&fixture(name));
        named["entry"][0]["changes"][0]["value"]["from"] = json!({"id": "55", "name": "Ann"});
        let parsed = parsed_as(ChannelKind::Facebook, &named, None);
        let m = message(&parsed);
        assert_eq!(m.platform_message_id, "7363534231324_3754798971271444");
        assert_eq!(m.text, "Just a test message");
        assert_eq!(m.thread_id.as_deref(), Some("1234567890321_7363534231324"));
        assert_eq!(m.timestamp.unwrap().timestamp(), 1_614_340_862);
    }

    #[test]
    fn an_instagram_comment_is_public_on_its_media_and_replies_to_its_parent() {
        let parsed = read(ChannelKind::Instagram, "instagram_comment.json", None);
        let m = message(&parsed);
        assert_eq!(m.platform_message_id, "17900000000000001");
        assert_eq!(m.author.platform_user_id, "6100000000000001");
        assert_eq!(m.author.handle.as_deref(), Some("@dana.example"));
        assert_eq!(m.text, "@acme where is my order?");
        assert_eq!(m.visibility, Some(Visibility::Public));
        assert_eq!(m.thread_id.as_deref(), Some("18000000000000001"));
        assert_eq!(m.reply_to, None);
        assert_eq!(m.timestamp.unwrap().timestamp(), 1_735_732_800);

        let reply = read(
            ChannelKind::Instagram,
            "real/instagram/restfb-comments_reply.json",
            None,
        );
        let m = message(&reply);
        assert_eq!(m.platform_message_id, "123456789");
        assert_eq!(m.author.handle.as_deref(), Some("@testuser"));
        assert_eq!(m.reply_to.as_deref(), Some("987654321"));
        assert_eq!(m.thread_id.as_deref(), Some("76543987"));
        assert_eq!(m.timestamp.unwrap().timestamp(), 1_519_399_307);

        let mut own = json_of(&fixture("instagram_comment.json"));
        own["entry"][0]["changes"][0]["value"]["from"]["id"] = json!("17841400000000001");
        assert_eq!(
            parsed_as(ChannelKind::Instagram, &own, None).items,
            [Item::Echo {
                platform_message_id: "17900000000000001".into()
            }]
        );
    }
}
