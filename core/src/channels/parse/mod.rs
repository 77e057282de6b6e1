//! Platform deliveries into what they mean: customers' messages, edits and deletions, our
//! own messages echoed back, and delivery states of what we sent. Pure functions over the
//! raw JSON (one module per platform); the worker applies what they find.
//!
//! A delivery may carry many entries (Meta batches them): every entry is read, and one that
//! cannot be understood is reported in `skipped` with the reason instead of failing the
//! others. Entries that need no action (read receipts, typing, reactions) are skipped too.

use chrono::{DateTime, Utc};

use crate::service::ingest::InboundMessage;
use crate::views::ChannelKind;

/// The brand's own account on the platform, from the channel's settings: what tells a
/// customer's message from the brand's own (an echo).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Account {
    /// X user id, Facebook Page id, Instagram account id, WhatsApp phone number id or
    /// Telegram bot username, as the kind has it.
    pub id: Option<String>,
}

/// One thing a delivery says.
#[derive(Debug, Clone, PartialEq)]
pub enum Item {
    /// A customer's message: a DM, a mention, a comment or a reply.
    Message(Box<InboundMessage>),
    /// A customer edited a message.
    Edited {
        /// The platform's id of the message.
        platform_message_id: String,
        /// The new text.
        text: String,
        /// When.
        at: Option<DateTime<Utc>>,
    },
    /// A customer deleted a message (or the platform removed it).
    Deleted {
        /// The platform's id of the message.
        platform_message_id: String,
        /// When.
        at: Option<DateTime<Utc>>,
    },
    /// A message the brand sent, coming back: never stored as a customer's.
    Echo {
        /// The platform's id of the message.
        platform_message_id: String,
    },
    /// How far a message the brand sent has got.
    Status {
        /// The platform's id of the message we sent.
        platform_message_id: String,
        /// Where it is.
        state: DeliveryState,
        /// The platform's error, for `failed`.
        error: Option<String>,
        /// When.
        at: Option<DateTime<Utc>>,
    },
    /// The customer has seen every message the brand sent them up to a time (a read receipt
    /// that names no message, only a watermark).
    ReadUpTo {
        /// The customer's platform user id.
        customer: String,
        /// Every message sent to them by then is read.
        up_to: DateTime<Utc>,
    },
}

/// The delivery states platforms report, in the order they only move forward.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum DeliveryState {
    /// Accepted by the platform.
    Sent,
    /// On the customer's device.
    Delivered,
    /// Seen by the customer.
    Read,
    /// Not delivered; see the error.
    Failed,
}

/// An entry of a delivery that was read but not acted on, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    /// Where in the delivery, such as `entry[0].messaging[1]`.
    pub at: String,
    /// Why, such as `read receipt` or `no sender id`.
    pub reason: String,
}

/// What a delivery says, entry by entry.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Parsed {
    /// What to act on, in the delivery's order.
    pub items: Vec<Item>,
    /// What was read and left alone.
    pub skipped: Vec<Skipped>,
    /// Tags for the conversations of the messages it brings (a keyword listening rule's
    /// `listening:<name>`).
    pub tags: Vec<String>,
}

/// Why a delivery as a whole cannot be read (not JSON, not the platform's envelope).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ParseError(pub String);

/// Reads a delivery of `kind` for the channel whose account is `account`.
pub fn parse(kind: ChannelKind, body: &str, account: &Account) -> Result<Parsed, ParseError> {
    // A byte-order mark is no part of JSON, though some tools write one.
    let body = body.strip_prefix('\u{feff}').unwrap_or(body);
    let value: serde_json::Value =
        serde_json::from_str(body).map_err(|e| ParseError(format!("not JSON: {e}")))?;
    match kind {
        ChannelKind::Api => api::parse(value),
        ChannelKind::Telegram => telegram::parse(&value, account),
        ChannelKind::X => x::parse(&value, account),
        ChannelKind::Facebook | ChannelKind::Instagram | ChannelKind::Whatsapp => {
            meta::parse(kind, &value, account)
        }
    }
}

mod api;
mod meta;
mod telegram;
mod x;

#[cfg(test)]
pub(crate) mod tests {
    //! The fixtures every parser is tested against: `shared/fixtures/` (written from the
    //! documented field lists) and `shared/fixtures/real/` (recorded by other projects).

    use std::path::PathBuf;

    fn fixtures_dir() -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/fixtures")
    }

    /// One fixture, by its path under `shared/fixtures/`.
    pub(crate) fn fixture(path: &str) -> String {
        let file = fixtures_dir().join(path);
        std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display()))
    }

    /// Every recorded fixture of a platform folder under `shared/fixtures/real/`, by name.
    pub(crate) fn real_fixtures(platform: &str) -> Vec<(String, String)> {
        let dir = fixtures_dir().join("real").join(platform);
        let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .filter_map(|entry| entry.ok().map(|e| e.path()))
            .filter(|path| path.extension().is_some_and(|ext| ext == "json"))
            .collect();
        files.sort();
        assert!(!files.is_empty(), "no fixtures in {}", dir.display());
        files
            .into_iter()
            .map(|path| {
                let name = path.file_name().map(|n| n.to_string_lossy().into_owned());
                let body = std::fs::read_to_string(&path).unwrap_or_default();
                (name.unwrap_or_default(), body)
            })
            .collect()
    }
}
