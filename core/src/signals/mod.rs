//! Signals computed on every inbound customer message (SPEC §2): sentiment, the
//! author's influence, the automatic priority, and the conversation label.
//!
//! Everything here is pure: no I/O, no clock, no database. The lexicons are compiled in
//! and parsed once on first use. Callers feed the results into the conversation (rules
//! may override the priority).
//!
//! ```
//! use earshot_core::signals::{self, Priority, Visibility};
//!
//! let signals = signals::assess(
//!     "worst service ever, 3rd outage this week @Brand",
//!     Some(50_000),
//!     false,
//!     Visibility::Public,
//! );
//! assert!(signals.sentiment < -0.5);
//! assert_eq!(signals.priority, Priority::Urgent);
//! ```

pub mod csat;
pub mod influence;
pub mod label;
pub mod priority;
pub mod sentiment;

mod data;
mod phrases;
mod tokens;

pub use label::Label;
pub use priority::{Priority, Visibility};

/// The signals of one inbound message.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Assessment {
    /// [`sentiment::score`] of the text, in [-1, 1].
    pub sentiment: f64,
    /// [`influence::score`] of the author, in [0, 1].
    pub influence: f64,
    /// [`priority::automatic`] from the two and the visibility.
    pub priority: Priority,
}

/// Scores one inbound message: its text's sentiment, its author's influence and the
/// automatic priority that follows from them and from where it was said.
pub fn assess(
    text: &str,
    followers: Option<u64>,
    verified: bool,
    visibility: Visibility,
) -> Assessment {
    let sentiment = sentiment::score(text);
    let influence = influence::score(followers, verified);
    let priority = priority::automatic(sentiment, influence, visibility);
    Assessment {
        sentiment,
        influence,
        priority,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Priority::{High, Low, Normal, Urgent};
    use Visibility::{Private, Public};

    const OUTAGE: &str = "worst service ever, 3rd outage this week @Brand";

    /// (text, followers, verified, visibility, expected priority)
    #[rustfmt::skip]
    const MESSAGES: &[(&str, Option<u64>, bool, Visibility, Priority)] = &[
        (OUTAGE, Some(50_000), false, Public, Urgent),
        (OUTAGE, Some(50), false, Private, High),
        (OUTAGE, None, false, Public, High),
        ("@Brand do you ship to Canada?", Some(2_000), false, Public, Normal),
        ("How do I reset my password?", Some(50_000), true, Public, Normal),
        ("Thank you so much, you guys rock! 🙏", Some(80_000), true, Public, Low),
        ("thanks, that fixed it!", Some(300), false, Private, Low),
        ("my package is a bit late", Some(300), false, Private, Normal),
        ("STILL WAITING for my refund!!! 😡 @Brand", Some(1_000_000), true, Public, Urgent),
    ];

    #[test]
    fn messages_are_assessed_end_to_end() {
        for (text, followers, verified, visibility, expected) in MESSAGES {
            let assessment = assess(text, *followers, *verified, *visibility);
            assert_eq!(assessment.priority, *expected, "{text}: {assessment:?}");
        }
    }

    #[test]
    fn the_outage_rant_is_negative_and_urgent_in_public() {
        let assessment = assess(OUTAGE, Some(50_000), false, Public);
        assert!(assessment.sentiment < -0.5, "{assessment:?}");
        assert!(
            (0.75..=0.85).contains(&assessment.influence),
            "{assessment:?}"
        );
        assert_eq!(assessment.priority, Urgent);
    }

    #[test]
    fn a_rant_then_thanks_turns_an_adversary_into_an_advocate() {
        let rant = sentiment::score(OUTAGE);
        assert_eq!(label::follow(&[rant]), Label::Adversary);
        let thanks = sentiment::score("thanks, that fixed it!");
        assert_eq!(label::follow(&[rant, thanks]), Label::Advocate);
    }
}
