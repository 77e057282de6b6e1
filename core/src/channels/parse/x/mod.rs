//! X Account Activity deliveries: mentions and replies (public, threaded on the post they
//! answer), DMs (private), edits and deleted posts; the brand's own posts and DMs come back
//! as echoes, and retweets, likes, follows, typing and read marks are read and left alone.
//! API responses (v2 search, timelines, DM lookups) are not deliveries and are refused, but
//! pages the poller fetched and logged are read (`polled`).

use chrono::{DateTime, Utc};
use serde_json::Value;

use super::{Account, Item, ParseError, Parsed, Skipped};
use crate::service::ingest::{InboundAuthor, InboundMessage};
use crate::views::{Attachment, Visibility};

pub(super) fn parse(delivery: &Value, account: &Account) -> Result<Parsed, ParseError> {
    if delivery.get("polled").is_some() {
        let polled_for = delivery.get("for_user_id").and_then(Value::as_str);
        let brand = Brand {
            ids: [polled_for, account.id.as_deref()],
        };
        return polled::parse(delivery, &brand);
    }
    let (Some(events), Some(for_user)) = (
        delivery.as_object(),
        delivery.get("for_user_id").and_then(Value::as_str),
    ) else {
        return Err(ParseError(
            "not an Account Activity delivery: no for_user_id".into(),
        ));
    };
    let brand = Brand {
        ids: [Some(for_user), account.id.as_deref()],
    };
    let mut parsed = Parsed::default();
    for (key, value) in events {
        if key == "user_event" {
            parsed.skipped.push(Skipped {
                at: key.clone(),
                reason: "a user_event (the brand's authorisation was revoked)".into(),
            });
            continue;
        }
        if !key.ends_with("_events") {
            continue;
        }
        let Some(list) = value.as_array() else {
            parsed.skipped.push(Skipped {
                at: key.clone(),
                reason: "an event list that is not a list".into(),
            });
            continue;
        };
        for (i, event) in list.iter().enumerate() {
            let outcome = match key.as_str() {
                "tweet_create_events" => post_item(event, &brand),
                "direct_message_events" => dm_item(event, delivery.get("users"), &brand),
                "tweet_delete_events" => delete_item(event),
                other => Err(ignored(other)),
            };
            match outcome {
                Ok(item) => parsed.items.push(item),
                Err(reason) => parsed.skipped.push(Skipped {
                    at: format!("{key}[{i}]"),
                    reason,
                }),
            }
        }
    }
    Ok(parsed)
}

/// Who the brand is: the subscribed account the delivery is for, and the channel's.
struct Brand<'a> {
    ids: [Option<&'a str>; 2],
}

impl Brand<'_> {
    fn is(&self, user_id: &str) -> bool {
        self.ids.contains(&Some(user_id))
    }
}

/// Why an event of a list we do not act on is left alone.
fn ignored(key: &str) -> String {
    let what = match key {
        "favorite_events" => "a like",
        "follow_events" => "a follow or unfollow",
        "block_events" => "a block or unblock",
        "mute_events" => "a mute or unmute",
        "direct_message_indicate_typing_events" => "a typing indicator",
        "direct_message_mark_read_events" => "a read receipt",
        other => return format!("an event of another kind ({other})"),
    };
    what.into()
}

/// X ids are strings on the wire (`id_str`); a bare number is read too, whole.
fn id_of(value: Option<&Value>) -> Option<String> {
    match value? {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => n.as_u64().map(|n| n.to_string()),
        _ => None,
    }
}

fn millis(value: Option<&Value>) -> Option<DateTime<Utc>> {
    let ms = match value? {
        Value::String(s) => s.parse().ok()?,
        other => other.as_i64()?,
    };
    DateTime::from_timestamp_millis(ms)
}

fn created_at(post: &Value) -> Option<DateTime<Utc>> {
    millis(post.get("timestamp_ms")).or_else(|| {
        let created = post.get("created_at")?.as_str()?;
        DateTime::parse_from_str(created, "%a %b %d %H:%M:%S %z %Y")
            .ok()
            .map(|at| at.with_timezone(&Utc))
    })
}

/// A v1.1 post: a mention or reply from a customer, an edit of one, or the brand's own.
fn post_item(post: &Value, brand: &Brand) -> Result<Item, String> {
    let id = id_of(post.get("id_str")).or_else(|| id_of(post.get("id")));
    let id = id.ok_or("a post without an id")?;
    if is_retweet(post) {
        return Err("a retweet".into());
    }
    let user = post.get("user").ok_or("a post without its author")?;
    let author = post_author(user).ok_or("a post author without an id")?;
    if brand.is(&author.platform_user_id) {
        return Ok(Item::Echo {
            platform_message_id: id,
        });
    }
    let attachments = media(post);
    let text = post_text(post);
    let timestamp = created_at(post);
    // An edit is a new post; the conversation holds the first version's id.
    let first = id_of_edited(post).filter(|first| *first != id);
    if let Some(first) = first {
        return Ok(Item::Edited {
            platform_message_id: first,
            text,
            at: timestamp,
        });
    }
    if text.trim().is_empty() && attachments.is_empty() {
        return Err("a post with nothing to read".into());
    }
    let reply_to = id_of(post.get("in_reply_to_status_id_str"));
    Ok(Item::Message(Box::new(InboundMessage {
        // The root of the conversation needs a lookup; the post answered stands for it.
        thread_id: Some(reply_to.clone().unwrap_or_else(|| id.clone())),
        platform_message_id: id,
        author,
        text,
        timestamp,
        reply_to,
        visibility: Some(Visibility::Public),
        attachments,
    })))
}

/// A retweet carries `retweeted_status`; one written by hand, or recorded without it, only
/// the `RT @name:` its text starts with.
fn is_retweet(post: &Value) -> bool {
    let text = post.get("text").and_then(Value::as_str).unwrap_or_default();
    post.get("retweeted_status").is_some_and(|r| !r.is_null()) || text.starts_with("RT @")
}

fn id_of_edited(post: &Value) -> Option<String> {
    id_of(post.get("edit_history")?.get("initial_tweet_id"))
}

/// The text as shown: the full text of a long post, unescaped, without the @names a reply
/// starts with or the link of its media (`display_text_range`, in code points of the
/// unescaped text).
fn post_text(post: &Value) -> String {
    let (text, range) = match post.get("extended_tweet") {
        Some(long) if post.get("truncated").and_then(Value::as_bool) == Some(true) => {
            (long.get("full_text"), long.get("display_text_range"))
        }
        _ => (post.get("text"), post.get("display_text_range")),
    };
    let text = unescape(text.and_then(Value::as_str).unwrap_or_default());
    shown_range(&text, range)
        .filter(|shown| !shown.trim().is_empty())
        .unwrap_or(text)
}

fn shown_range(text: &str, range: Option<&Value>) -> Option<String> {
    let range = range?.as_array()?;
    let start = usize::try_from(range.first()?.as_u64()?).ok()?;
    let end = usize::try_from(range.get(1)?.as_u64()?).ok()?;
    (start <= end && end <= text.chars().count())
        .then(|| text.chars().skip(start).take(end - start).collect())
}

/// v1.1 text escapes `&`, `<` and `>` as HTML entities.
fn unescape(text: &str) -> String {
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// A v1.1 user (of a post, or of a DM's `users` map).
fn post_author(user: &Value) -> Option<InboundAuthor> {
    let id = id_of(user.get("id_str")).or_else(|| id_of(user.get("id")))?;
    let text = |field: &str| user.get(field).and_then(Value::as_str);
    Some(InboundAuthor {
        platform_user_id: id,
        handle: text("screen_name").map(|name| format!("@{name}")),
        display_name: text("name").map(str::to_owned),
        avatar_url: text("profile_image_url_https")
            .filter(|url| is_web(url))
            .map(str::to_owned),
        follower_count: user.get("followers_count").and_then(Value::as_u64),
        verified: user.get("verified").and_then(Value::as_bool),
    })
}

fn is_web(url: &str) -> bool {
    url.starts_with("https://") || url.starts_with("http://")
}

/// A long post keeps its media in `extended_tweet`.
fn media(post: &Value) -> Vec<Attachment> {
    let entities = post
        .get("extended_tweet")
        .and_then(|long| long.get("extended_entities"))
        .or_else(|| post.get("extended_entities"));
    entities
        .and_then(|e| e.get("media"))
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(attachment)
        .collect()
}

/// A photo by its URL; a video or GIF by its best MP4, else by its still.
fn attachment(media: &Value) -> Option<Attachment> {
    let still = media.get("media_url_https").and_then(Value::as_str);
    let video = match media.get("type").and_then(Value::as_str) {
        Some("video" | "animated_gif") => best_mp4(media),
        _ => None,
    };
    let (kind, url, mime_type) = match video {
        Some(url) => ("video", url, Some("video/mp4".to_owned())),
        None => ("image", still?, None),
    };
    is_web(url).then(|| Attachment {
        kind: kind.into(),
        url: url.into(),
        name: None,
        mime_type,
    })
}

fn best_mp4(media: &Value) -> Option<&str> {
    let variants = media.get("video_info")?.get("variants")?.as_array()?;
    variants
        .iter()
        .filter(|v| v.get("content_type").and_then(Value::as_str) == Some("video/mp4"))
        .max_by_key(|v| v.get("bitrate").and_then(Value::as_u64).unwrap_or_default())?
        .get("url")?
        .as_str()
}

/// A DM, from a customer or the brand's own; its author is hydrated from `users`.
fn dm_item(event: &Value, users: Option<&Value>, brand: &Brand) -> Result<Item, String> {
    let kind = event.get("type").and_then(Value::as_str);
    if kind != Some("message_create") {
        return Err(format!(
            "a DM event of another kind ({})",
            kind.unwrap_or("none")
        ));
    }
    let id = id_of(event.get("id")).ok_or("a DM without an id")?;
    let create = event
        .get("message_create")
        .ok_or("a DM without its content")?;
    let sender = id_of(create.get("sender_id")).ok_or("a DM without a sender")?;
    if brand.is(&sender) {
        return Ok(Item::Echo {
            platform_message_id: id,
        });
    }
    let data = create.get("message_data");
    let text = data
        .and_then(|d| d.get("text"))
        .and_then(Value::as_str)
        .unwrap_or_default();
    let attachments: Vec<Attachment> = data
        .and_then(|d| d.get("attachment"))
        .and_then(|a| a.get("media"))
        .and_then(attachment)
        .into_iter()
        .collect();
    if text.trim().is_empty() && attachments.is_empty() {
        return Err("a DM with nothing to read".into());
    }
    let author = users
        .and_then(|users| users.get(&sender))
        .and_then(post_author)
        .unwrap_or(InboundAuthor {
            platform_user_id: sender,
            handle: None,
            display_name: None,
            avatar_url: None,
            follower_count: None,
            verified: None,
        });
    Ok(Item::Message(Box::new(InboundMessage {
        platform_message_id: id,
        author,
        text: text.to_owned(),
        timestamp: millis(event.get("created_timestamp")),
        reply_to: None,
        thread_id: None,
        visibility: Some(Visibility::Private),
        attachments,
    })))
}

fn delete_item(event: &Value) -> Result<Item, String> {
    let status = event.get("status").ok_or("a deletion without its post")?;
    Ok(Item::Deleted {
        platform_message_id: id_of(status.get("id")).ok_or("a deletion without a post id")?,
        at: millis(event.get("timestamp_ms")),
    })
}

mod polled;
#[cfg(test)]
mod tests;
