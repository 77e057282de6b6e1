//! Plays the script: one customer message at a time, at a gentle and uneven pace, each in
//! its platform's format, delivered to the channel's hook; threads are kept by answering the
//! ids the earlier lines were delivered with.

use std::collections::HashMap;
use std::time::Duration;

use chrono::Utc;
use serde_json::Value;

use super::ids::Ids;
use super::script::{Line, SCRIPT, Surface};
use super::{Channel, Hooks, Poster, brand, meta, telegram, x};

/// The script played into an instance's hooks.
#[derive(Debug)]
pub struct Stream {
    poster: Poster,
    every: Duration,
    count: Option<u64>,
    ids: Ids,
    /// The platform id each line of the current round was delivered with, by line.
    delivered: HashMap<usize, String>,
}

impl Stream {
    /// Delivers about one message `every` (each wait between half and one and a half of it),
    /// `count` messages or, without, until dropped. Lines on platforms without a hook are
    /// passed over.
    pub fn new(hooks: Hooks, every: Duration, count: Option<u64>) -> Self {
        Self {
            poster: Poster::new(hooks),
            every,
            count,
            ids: Ids::default(),
            delivered: HashMap::new(),
        }
    }

    /// Plays until `count` messages were accepted (forever without one); how many were.
    pub async fn run(mut self) -> u64 {
        let mut accepted = 0;
        for turn in 0_u64.. {
            if self.count.is_some_and(|count| accepted >= count) {
                break;
            }
            let index = (turn % SCRIPT.len() as u64) as usize;
            if index == 0 {
                self.delivered.clear();
            }
            if self.play(index).await {
                accepted += 1;
                tokio::time::sleep(self.pause(turn)).await;
            }
        }
        accepted
    }

    /// An uneven pause around `every`, so the traffic does not tick like a clock.
    fn pause(&self, turn: u64) -> Duration {
        let tenths = 5 + (turn * 7) % 11;
        self.every * u32::try_from(tenths).unwrap_or(10) / 10
    }

    /// Delivers line `index`; whether the instance accepted it.
    async fn play(&mut self, index: usize) -> bool {
        let line = SCRIPT[index];
        let (channel, id, payload) = self.payload(&line);
        let outcome = self.poster.deliver(channel, &payload).await;
        let who = line.who.name();
        match outcome {
            Ok(None) => false,
            Ok(Some(status)) if (200..300).contains(&status) => {
                tracing::info!(platform = ?line.surface, customer = %who, followers = line.who.followers, text = line.text, "customer message delivered");
                self.delivered.insert(index, id);
                true
            }
            Ok(Some(status)) => {
                tracing::warn!(platform = ?line.surface, status, "the instance refused a delivery");
                false
            }
            Err(err) => {
                tracing::warn!(platform = ?line.surface, error = %err, "a delivery did not reach the instance");
                false
            }
        }
    }

    /// The platform id of the earlier line this one answers, if it was delivered.
    fn parent(&self, line: &Line) -> Option<(usize, String)> {
        let earlier = line.replies_to?;
        self.delivered.get(&earlier).map(|id| (earlier, id.clone()))
    }

    /// The channel, the message's platform id and the delivery of a line.
    fn payload(&mut self, line: &Line) -> (Channel, String, Value) {
        let (who, text, now) = (line.who, line.text, Utc::now());
        let parent = self.parent(line);
        match line.surface {
            Surface::XMention => {
                let id = self.ids.x();
                let parent = parent.map(|(earlier, id)| {
                    let author = SCRIPT[earlier].who;
                    let author = (x::user_id(author), author.handle.to_owned());
                    x::Parent {
                        id,
                        author: Some(author),
                    }
                });
                let payload = x::mention(&id, who, text, parent.as_ref(), now);
                (Channel::X, id, payload)
            }
            Surface::XDm => {
                let id = self.ids.x();
                (Channel::X, id.clone(), x::dm(&id, who, text, now))
            }
            Surface::FacebookComment => {
                let post = brand::FACEBOOK_POST_ID
                    .rsplit('_')
                    .next()
                    .unwrap_or_default();
                let id = format!("{post}_{}", self.ids.number());
                let parent = parent.map_or(brand::FACEBOOK_POST_ID.to_owned(), |(_, id)| id);
                let payload = meta::customer_comment(&id, &parent, who, text, now);
                (Channel::Facebook, id, payload)
            }
            Surface::Messenger => {
                let mid = self.ids.mid();
                let payload = meta::dm(meta::Inbox::Messenger, &meta::psid(who), &mid, text, now);
                (Channel::Facebook, mid, payload)
            }
            Surface::InstagramComment => {
                let id = self.ids.number().to_string();
                let parent = parent.map(|(_, id)| id);
                let payload =
                    meta::customer_instagram_comment(&id, who, text, parent.as_deref(), now);
                (Channel::Instagram, id, payload)
            }
            Surface::InstagramDm => {
                let mid = self.ids.mid();
                let payload = meta::dm(meta::Inbox::Instagram, &meta::igsid(who), &mid, text, now);
                (Channel::Instagram, mid, payload)
            }
            Surface::Whatsapp => {
                let wamid = self.ids.wamid();
                (
                    Channel::Whatsapp,
                    wamid.clone(),
                    meta::whatsapp_text(&wamid, who, text, now),
                )
            }
            Surface::Telegram => {
                let (update, message) = (self.ids.number(), self.ids.number());
                let payload = telegram::message(update, message, who, text, now);
                (Channel::Telegram, message.to_string(), payload)
            }
        }
    }
}
