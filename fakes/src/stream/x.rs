//! X Account Activity deliveries as X sends them (channels.md §1.2): mentions and replies as
//! v1.1 Tweets in `tweet_create_events`, DMs in `direct_message_events` with the `users` map,
//! and the brand's own posts and DMs coming back the same way (the echo of a reply).

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use super::brand;
use super::script::{Person, SCRIPT};

/// The post a reply answers: its id and, when known, its author's id and handle.
#[derive(Clone, Debug)]
pub(super) struct Parent {
    pub(super) id: String,
    pub(super) author: Option<(String, String)>,
}

/// A person's X user id.
pub(super) fn user_id(who: &Person) -> String {
    format!("{}", 2_000_000_000_000_000_000_u64 + who.n)
}

/// A person as a v1.1 User object.
fn user(who: &Person) -> Value {
    json!({
        "id_str": user_id(who),
        "name": who.name(),
        "screen_name": who.handle,
        "followers_count": who.followers,
        "verified": who.followers >= 100_000,
        "profile_image_url_https": format!("https://pbs.twimg.com/profile_images/{}/avatar_normal.jpg", who.n),
    })
}

/// The brand's account as a v1.1 User object.
fn brand_user() -> Value {
    json!({
        "id_str": brand::X_USER_ID,
        "name": brand::NAME,
        "screen_name": brand::X_HANDLE,
        "followers_count": 50_000,
        "verified": true,
        "profile_image_url_https": "https://pbs.twimg.com/profile_images/0/acme_normal.jpg",
    })
}

/// `entities.user_mentions` for the `@handles` of the text X knows (the brand and the cast),
/// with their indices in characters.
fn mentions(text: &str) -> Vec<Value> {
    let chars: Vec<char> = text.chars().collect();
    let mut found = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        if chars[i] != '@' {
            i += 1;
            continue;
        }
        let end = (i + 1..chars.len())
            .find(|&j| !(chars[j].is_ascii_alphanumeric() || chars[j] == '_'))
            .unwrap_or(chars.len());
        let handle: String = chars[i + 1..end].iter().collect();
        let known = if handle.eq_ignore_ascii_case(brand::X_HANDLE) {
            Some((brand::X_USER_ID.to_owned(), brand::NAME.to_owned()))
        } else {
            SCRIPT
                .iter()
                .find(|l| l.who.handle == handle)
                .map(|l| (user_id(l.who), l.who.name()))
        };
        if let Some((id, name)) = known {
            found.push(
                json!({"screen_name": handle, "name": name, "id_str": id, "indices": [i, end]}),
            );
        }
        i = end;
    }
    found
}

/// A v1.1 Tweet by `author` (a User object).
fn tweet(id: &str, author: Value, text: &str, parent: Option<&Parent>, at: DateTime<Utc>) -> Value {
    let number: u64 = id.parse().unwrap_or_default();
    json!({
        "created_at": at.format("%a %b %d %H:%M:%S +0000 %Y").to_string(),
        "id": number,
        "id_str": id,
        "text": text,
        "display_text_range": [0, text.chars().count()],
        "truncated": false,
        "in_reply_to_status_id_str": parent.map(|p| p.id.clone()),
        "in_reply_to_user_id_str": parent.and_then(|p| p.author.as_ref()).map(|a| a.0.clone()),
        "in_reply_to_screen_name": parent.and_then(|p| p.author.as_ref()).map(|a| a.1.clone()),
        "user": author,
        "entities": {"hashtags": [], "urls": [], "symbols": [], "user_mentions": mentions(text)},
        "edit_history": {"initial_tweet_id": id, "edit_tweet_ids": [id]},
        "timestamp_ms": at.timestamp_millis().to_string(),
    })
}

/// A customer's post mentioning the brand, or replying in a thread that does.
pub(super) fn mention(
    id: &str,
    who: &Person,
    text: &str,
    parent: Option<&Parent>,
    at: DateTime<Utc>,
) -> Value {
    json!({
        "for_user_id": brand::X_USER_ID,
        "user_has_blocked": "false",
        "tweet_create_events": [tweet(id, user(who), text, parent, at)],
    })
}

/// The brand's own post (a public reply we sent) coming back.
pub(super) fn post_echo(id: &str, text: &str, parent: Option<&Parent>, at: DateTime<Utc>) -> Value {
    json!({
        "for_user_id": brand::X_USER_ID,
        "tweet_create_events": [tweet(id, brand_user(), text, parent, at)],
    })
}

fn dm_user(id: &str, name: &str, handle: &str, followers: u64) -> Value {
    json!({
        "id": id, "created_timestamp": "1422556069340", "name": name, "screen_name": handle,
        "protected": false, "verified": followers >= 100_000, "followers_count": followers,
        "friends_count": 56, "statuses_count": 789,
        "profile_image_url_https": "https://pbs.twimg.com/profile_images/0/example_normal.jpg",
    })
}

/// A DM from `sender` to `recipient`, with both hydrated in `users`.
fn dm_event(
    id: &str,
    sender: &str,
    recipient: &str,
    text: &str,
    at: DateTime<Utc>,
    users: Value,
) -> Value {
    json!({
        "for_user_id": brand::X_USER_ID,
        "direct_message_events": [{
            "type": "message_create",
            "id": id,
            "created_timestamp": at.timestamp_millis().to_string(),
            "message_create": {
                "target": {"recipient_id": recipient},
                "sender_id": sender,
                "message_data": {
                    "text": text,
                    "entities": {"hashtags": [], "symbols": [], "user_mentions": [], "urls": []},
                },
            },
        }],
        "users": users,
    })
}

/// The `users` map: the brand and the customer, when X knows them.
fn users(customer: Option<&Person>) -> Value {
    let mut map = serde_json::Map::new();
    map.insert(
        brand::X_USER_ID.to_owned(),
        dm_user(brand::X_USER_ID, brand::NAME, brand::X_HANDLE, 50_000),
    );
    if let Some(who) = customer {
        let id = user_id(who);
        map.insert(
            id.clone(),
            dm_user(&id, &who.name(), who.handle, who.followers),
        );
    }
    Value::Object(map)
}

/// A customer's DM to the brand.
pub(super) fn dm(id: &str, who: &Person, text: &str, at: DateTime<Utc>) -> Value {
    dm_event(
        id,
        &user_id(who),
        brand::X_USER_ID,
        text,
        at,
        users(Some(who)),
    )
}

/// The brand's DM to `recipient` (a reply we sent) coming back.
pub(super) fn dm_echo(id: &str, recipient: &str, text: &str, at: DateTime<Utc>) -> Value {
    let customer = SCRIPT
        .iter()
        .map(|l| l.who)
        .find(|who| user_id(who) == recipient);
    dm_event(id, brand::X_USER_ID, recipient, text, at, users(customer))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mentions_carry_their_indices_and_the_ids_x_knows() {
        let found = mentions("@AcmeHelp @dana_builds same here, @nobody");
        assert_eq!(found.len(), 2);
        assert_eq!(found[0]["id_str"], brand::X_USER_ID);
        assert_eq!(found[0]["indices"], json!([0, 9]));
        assert_eq!(found[1]["screen_name"], "dana_builds");
        assert_eq!(found[1]["indices"], json!([10, 22]));
    }
}
