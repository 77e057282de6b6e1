//! Posts the poller fetched from X's API v2 (the mention timeline, or recent search for a
//! keyword listening rule): logged as one delivery, `{"polled": "mentions" | "search",
//! "for_user_id": …, "tag": …, "pages": [page, …]}`, each page as X answered it (`data`,
//! `includes.users`, `meta`); a search's `tag` goes on the conversations of its posts. A mention or reply is a customer's public message,
//! threaded on the post it answers (its `conversation_id` is the thread); the brand's own
//! posts are echoes; an edit (a new id whose `edit_history_tweet_ids` starts elsewhere)
//! changes the first version; retweets and posts without an author are left alone.

use chrono::{DateTime, Utc};
use serde_json::Value;

use super::{Brand, id_of, is_web, unescape};
use crate::channels::parse::{Item, ParseError, Parsed, Skipped};
use crate::service::ingest::{InboundAuthor, InboundMessage};
use crate::views::Visibility;

pub(super) fn parse(delivery: &Value, brand: &Brand) -> Result<Parsed, ParseError> {
    let pages = delivery
        .get("pages")
        .and_then(Value::as_array)
        .ok_or_else(|| ParseError("a polled delivery without pages".into()))?;
    let mut parsed = Parsed {
        tags: delivery
            .get("tag")
            .and_then(Value::as_str)
            .map(str::to_owned)
            .into_iter()
            .collect(),
        ..Parsed::default()
    };
    for (p, page) in pages.iter().enumerate() {
        let users = page
            .get("includes")
            .and_then(|i| i.get("users"))
            .and_then(Value::as_array)
            .map(Vec::as_slice)
            .unwrap_or_default();
        let posts = page
            .get("data")
            .and_then(Value::as_array)
            .into_iter()
            .flatten();
        for (i, post) in posts.enumerate() {
            match post_item(post, users, brand) {
                Ok(item) => parsed.items.push(item),
                Err(reason) => parsed.skipped.push(Skipped {
                    at: format!("pages[{p}].data[{i}]"),
                    reason,
                }),
            }
        }
    }
    Ok(parsed)
}

fn post_item(post: &Value, users: &[Value], brand: &Brand) -> Result<Item, String> {
    let id = id_of(post.get("id")).ok_or("a post without an id")?;
    let author_id = id_of(post.get("author_id")).ok_or("a post without its author")?;
    if brand.is(&author_id) {
        return Ok(Item::Echo {
            platform_message_id: id,
        });
    }
    if referenced(post, "retweeted").is_some() {
        return Err("a retweet".into());
    }
    let text = unescape(post.get("text").and_then(Value::as_str).unwrap_or_default());
    let timestamp = post
        .get("created_at")
        .and_then(Value::as_str)
        .and_then(|at| DateTime::parse_from_rfc3339(at).ok())
        .map(|at| at.with_timezone(&Utc));
    let first = post
        .get("edit_history_tweet_ids")
        .and_then(Value::as_array)
        .and_then(|ids| id_of(ids.first()))
        .filter(|first| *first != id);
    if let Some(first) = first {
        return Ok(Item::Edited {
            platform_message_id: first,
            text,
            at: timestamp,
        });
    }
    if text.trim().is_empty() {
        return Err("a post with nothing to read".into());
    }
    let reply_to = referenced(post, "replied_to");
    let thread = id_of(post.get("conversation_id"))
        .or_else(|| reply_to.clone())
        .unwrap_or_else(|| id.clone());
    Ok(Item::Message(Box::new(InboundMessage {
        platform_message_id: id,
        author: author(&author_id, users),
        text,
        timestamp,
        reply_to,
        thread_id: Some(thread),
        visibility: Some(Visibility::Public),
        attachments: Vec::new(),
    })))
}

/// The id of the post this one references as `kind` (`replied_to`, `quoted`, `retweeted`).
fn referenced(post: &Value, kind: &str) -> Option<String> {
    post.get("referenced_tweets")?
        .as_array()?
        .iter()
        .find(|r| r.get("type").and_then(Value::as_str) == Some(kind))
        .and_then(|r| id_of(r.get("id")))
}

/// The author from the page's `includes.users`, or their id alone.
fn author(id: &str, users: &[Value]) -> InboundAuthor {
    let user = users
        .iter()
        .find(|u| id_of(u.get("id")).as_deref() == Some(id));
    let text = |field: &str| user.and_then(|u| u.get(field)).and_then(Value::as_str);
    InboundAuthor {
        platform_user_id: id.to_owned(),
        handle: text("username").map(|name| format!("@{name}")),
        display_name: text("name").map(str::to_owned),
        avatar_url: text("profile_image_url")
            .filter(|url| is_web(url))
            .map(str::to_owned),
        follower_count: user
            .and_then(|u| u.get("public_metrics"))
            .and_then(|m| m.get("followers_count"))
            .and_then(Value::as_u64),
        verified: user
            .and_then(|u| u.get("verified"))
            .and_then(Value::as_bool),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::super::super::{Account, parse as parse_delivery};
    use super::*;
    use crate::views::ChannelKind;

    const BRAND: &str = "1000000000000000001";

    fn polled(pages: Vec<Value>) -> String {
        json!({ "polled": "mentions", "for_user_id": BRAND, "pages": pages }).to_string()
    }

    fn read(body: &str) -> Parsed {
        parse_delivery(
            ChannelKind::X,
            body,
            &Account {
                id: Some(BRAND.into()),
            },
        )
        .unwrap()
    }

    fn page_fixture(path: &str) -> Value {
        let text = std::fs::read_to_string(format!(
            "{}/../../shared/fixtures/{path}",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap();
        serde_json::from_str(&text).unwrap()
    }

    #[test]
    fn a_polled_mention_is_a_public_message_threaded_on_its_conversation() {
        let parsed = read(&polled(vec![page_fixture("x_v2_mentions_page.json")]));
        let [Item::Message(message)] = parsed.items.as_slice() else {
            panic!("one message expected: {parsed:?}");
        };
        assert_eq!(message.platform_message_id, "1874000000000000300");
        assert_eq!(message.text, "@AcmeHelp still waiting on this");
        assert_eq!(message.reply_to.as_deref(), Some("1874000000000000050"));
        assert_eq!(message.thread_id.as_deref(), Some("1874000000000000050"));
        assert_eq!(message.author.handle.as_deref(), Some("@dana_example"));
        assert_eq!(message.author.follower_count, Some(1234));
        assert_eq!(message.visibility, Some(Visibility::Public));
        assert!(message.timestamp.is_some());
    }

    #[test]
    fn every_recorded_v2_post_page_is_read_post_by_post() {
        for name in [
            "real/x/python-twitter-v2_mentions_timeline.json",
            "real/x/python-twitter-v2_recent_search_with_includes.json",
        ] {
            let page = page_fixture(name);
            let posts = page["data"].as_array().unwrap().len();
            let parsed = read(&polled(vec![page]));
            assert_eq!(
                parsed.items.len() + parsed.skipped.len(),
                posts,
                "{name}: {parsed:?}"
            );
            assert!(
                !parsed.items.is_empty() || !parsed.skipped.is_empty(),
                "{name}"
            );
        }
    }

    #[test]
    fn the_brands_own_posts_edits_and_retweets_are_told_apart() {
        let page = json!({ "data": [
            { "id": "3", "author_id": BRAND, "text": "We are on it", "edit_history_tweet_ids": ["3"] },
            { "id": "5", "author_id": "2", "text": "@AcmeHelp fixed typo", "edit_history_tweet_ids": ["4", "5"] },
            { "id": "6", "author_id": "2", "text": "RT", "referenced_tweets": [{ "type": "retweeted", "id": "1" }] },
            { "id": "7", "text": "who wrote me?" }
        ] });
        let parsed = read(&polled(vec![page]));
        assert_eq!(
            parsed.items,
            vec![
                Item::Echo {
                    platform_message_id: "3".into()
                },
                Item::Edited {
                    platform_message_id: "4".into(),
                    text: "@AcmeHelp fixed typo".into(),
                    at: None
                },
            ]
        );
        let reasons: Vec<&str> = parsed.skipped.iter().map(|s| s.reason.as_str()).collect();
        assert_eq!(reasons, vec!["a retweet", "a post without its author"]);
    }

    #[test]
    fn a_searched_post_is_read_like_a_mention_and_carries_its_rules_tag() {
        let page = json!({ "data": [
            { "id": "9", "author_id": "2", "text": "my order is late again", "conversation_id": "9" }
        ], "meta": { "result_count": 1, "newest_id": "9" } });
        let body = json!({ "polled": "search", "for_user_id": BRAND, "tag": "listening:Late",
            "pages": [page] });
        let parsed = read(&body.to_string());
        let [Item::Message(message)] = parsed.items.as_slice() else {
            panic!("one message expected: {parsed:?}");
        };
        assert_eq!(message.text, "my order is late again");
        assert_eq!(message.visibility, Some(Visibility::Public));
        assert_eq!(parsed.tags, vec!["listening:Late".to_owned()]);
        assert!(read(&polled(vec![])).tags.is_empty());
    }

    #[test]
    fn an_empty_page_reads_as_nothing() {
        let parsed = read(&polled(vec![json!({ "meta": { "result_count": 0 } })]));
        assert_eq!(parsed, Parsed::default());
        assert!(
            parse_delivery(
                ChannelKind::X,
                r#"{"polled":"mentions"}"#,
                &Account::default()
            )
            .is_err()
        );
    }
}
