//! The platforms answering back after our replies, as channels.md says each does: WhatsApp
//! posts the reply's `statuses` (sent, then delivered, then read); X echoes our posts and DMs
//! through the webhook; Messenger echoes our message and then reports it delivered; Instagram
//! echoes DMs and comment replies; a Facebook Page's own comment comes back in its feed;
//! Telegram sends nothing (a bot's own messages are never echoed).

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use serde_json::Value;

use super::{Channel, Hooks, Poster, brand, meta, x};
use crate::{FakePlatforms, Platform, Recorded};

/// How often the fake's record of sends is looked at.
const LOOK_EVERY: Duration = Duration::from_millis(200);

/// Watches what the instance sends to the fake and delivers the platforms' answers.
pub struct Comeback {
    fake: Arc<FakePlatforms>,
    poster: Poster,
    pace: Duration,
}

/// One delivery the platform makes after a send: after how many `pace`s, to which channel.
type Answer = (u32, Channel, Value);

impl Comeback {
    /// Answers every send the fake accepts through `hooks`; WhatsApp's statuses and
    /// Messenger's receipt follow each other `pace` apart.
    pub fn new(fake: Arc<FakePlatforms>, hooks: Hooks, pace: Duration) -> Self {
        Self {
            fake,
            poster: Poster::new(hooks),
            pace,
        }
    }

    /// Watches until dropped.
    pub async fn run(self) {
        let mut seen = 0;
        loop {
            let new = self.fake.requests_after(seen);
            seen += new.len();
            for sent in new
                .iter()
                .filter(|r| r.method == "POST" && (200..300).contains(&r.answered))
            {
                let answers = answers_to(sent);
                if answers.is_empty() {
                    tracing::info!(path = %sent.path, "reply sent; the platform reports nothing back");
                    continue;
                }
                tokio::spawn(deliver(self.poster.clone(), self.pace, answers));
            }
            tokio::time::sleep(LOOK_EVERY).await;
        }
    }
}

/// Delivers a send's answers in order, each at its time.
async fn deliver(poster: Poster, pace: Duration, answers: Vec<Answer>) {
    let mut waited = 0;
    for (at, channel, payload) in answers {
        if at > waited {
            tokio::time::sleep(pace * (at - waited)).await;
            waited = at;
        }
        match poster.deliver(channel, &payload).await {
            Ok(Some(status)) if (200..300).contains(&status) => {
                tracing::info!(platform = ?channel, "the platform reported back on a reply");
            }
            Ok(None) => {}
            Ok(Some(status)) => {
                tracing::warn!(platform = ?channel, status, "the instance refused a report on a reply")
            }
            Err(err) => {
                tracing::warn!(platform = ?channel, error = %err, "a report on a reply did not reach the instance")
            }
        }
    }
}

fn text(value: &Value, pointer: &str) -> String {
    value
        .pointer(pointer)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned()
}

/// What the platform delivers after the send `sent`.
fn answers_to(sent: &Recorded) -> Vec<Answer> {
    let segments: Vec<&str> = sent.path.trim_start_matches('/').split('/').collect();
    let (body, answer, now) = (&sent.body, &sent.answer, Utc::now());
    match (sent.platform, segments.as_slice()) {
        (Platform::X, ["x", "2", "tweets"]) => {
            let parent = body
                .pointer("/reply/in_reply_to_tweet_id")
                .and_then(Value::as_str);
            let parent = parent.map(|id| x::Parent {
                id: id.to_owned(),
                author: None,
            });
            let echo = x::post_echo(
                &text(answer, "/data/id"),
                &text(body, "/text"),
                parent.as_ref(),
                now,
            );
            vec![(0, Channel::X, echo)]
        }
        (
            Platform::X,
            [
                "x",
                "2",
                "dm_conversations",
                "with",
                participant,
                "messages",
            ],
        ) => {
            let echo = x::dm_echo(
                &text(answer, "/data/dm_event_id"),
                participant,
                &text(body, "/text"),
                now,
            );
            vec![(0, Channel::X, echo)]
        }
        (Platform::Meta, ["graph", _, _, "messages"])
            if body["messaging_product"] == "whatsapp" =>
        {
            whatsapp_statuses(body, answer)
        }
        (Platform::Meta, ["graph", _, account, "messages"]) => {
            let inbox = match *account == brand::INSTAGRAM_ACCOUNT_ID {
                true => meta::Inbox::Instagram,
                false => meta::Inbox::Messenger,
            };
            inbox_echo(inbox, body, answer)
        }
        (Platform::Meta, ["graph", _, comment, "comments"]) => {
            let echo =
                meta::page_comment(&text(answer, "/id"), comment, &text(body, "/message"), now);
            vec![(0, Channel::Facebook, echo)]
        }
        (Platform::Meta, ["graph", _, comment, "replies"]) => {
            let echo = meta::own_instagram_comment(
                &text(answer, "/id"),
                &text(body, "/message"),
                comment,
                now,
            );
            vec![(0, Channel::Instagram, echo)]
        }
        _ => Vec::new(),
    }
}

/// WhatsApp's `sent`, `delivered` and `read` for a message we sent (not for a mark-read).
fn whatsapp_statuses(body: &Value, answer: &Value) -> Vec<Answer> {
    let wamid = text(answer, "/messages/0/id");
    if wamid.is_empty() {
        return Vec::new();
    }
    let to = text(body, "/to");
    ["sent", "delivered", "read"]
        .into_iter()
        .zip(0..)
        .map(|(status, at)| {
            (
                at,
                Channel::Whatsapp,
                meta::whatsapp_status(&wamid, &to, status, Utc::now()),
            )
        })
        .collect()
}

/// The echo of a Messenger or Instagram message we sent; Messenger then reports it
/// delivered.
fn inbox_echo(inbox: meta::Inbox, body: &Value, answer: &Value) -> Vec<Answer> {
    let (recipient, mid) = (text(answer, "/recipient_id"), text(answer, "/message_id"));
    let now = Utc::now();
    let echo = meta::dm_echo(inbox, &recipient, &mid, &text(body, "/message/text"), now);
    match inbox {
        meta::Inbox::Instagram => vec![(0, Channel::Instagram, echo)],
        meta::Inbox::Messenger => vec![
            (0, Channel::Facebook, echo),
            (
                1,
                Channel::Facebook,
                meta::messenger_delivery(&recipient, &mid, now),
            ),
        ],
    }
}
