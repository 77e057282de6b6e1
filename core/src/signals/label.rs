//! The conversation label (adversary, neutral, advocate) that follows the customer's
//! latest messages.

pub use crate::views::Label;

/// Only the latest messages count.
const WINDOW: usize = 5;
/// Each older message weighs this much of the one after it.
const DECAY: f64 = 0.15;
/// A neutral message weighs this much against a strongly felt one (weight = this + |s|),
/// so "my order number is 123" after a rant does not calm the conversation down.
const FLOOR: f64 = 0.1;
/// The mood at or below which the customer is an adversary, and at or above which an
/// advocate.
const ADVERSARY: f64 = -0.3;
const ADVOCATE: f64 = 0.3;

/// The label for a conversation whose customer messages scored `recent` (oldest first).
/// The mood is a weighted mean of the last five sentiments, each message weighing
/// `0.15^age × (0.1 + |sentiment|)`: one strongly negative message makes an adversary,
/// and a later clearly positive one ("thanks, that fixed it!") an advocate. Non-finite
/// scores are skipped; no messages is neutral.
pub fn follow(recent: &[f64]) -> Label {
    let mood = mood(recent);
    if mood <= ADVERSARY {
        Label::Adversary
    } else if mood >= ADVOCATE {
        Label::Advocate
    } else {
        Label::Neutral
    }
}

fn mood(recent: &[f64]) -> f64 {
    let (mut weighted, mut total, mut age_weight) = (0.0, 0.0, 1.0);
    for sentiment in recent.iter().rev().filter(|s| s.is_finite()).take(WINDOW) {
        let sentiment = sentiment.clamp(-1.0, 1.0);
        let weight = age_weight * (FLOOR + sentiment.abs());
        weighted += weight * sentiment;
        total += weight;
        age_weight *= DECAY;
    }
    if total > 0.0 { weighted / total } else { 0.0 }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Label::{Adversary, Advocate, Neutral};

    #[test]
    fn the_label_follows_the_latest_messages() {
        let cases: &[(&[f64], Label, &str)] = &[
            (&[], Neutral, "no messages yet"),
            (&[0.0], Neutral, "a question"),
            (&[-0.84], Adversary, "one strongly negative message"),
            (&[-0.25], Neutral, "a mild grumble"),
            (&[0.73], Advocate, "straight praise"),
            (
                &[-0.84, 0.73],
                Advocate,
                "thanks, that fixed it! after a rant",
            ),
            (
                &[-0.9, -0.9, -0.9, -0.9, 0.73],
                Advocate,
                "thanks after a long rant",
            ),
            (&[-0.84, 0.0], Adversary, "an order number after a rant"),
            (&[-0.84, 0.0, 0.0, 0.0], Neutral, "calm after the storm"),
            (&[0.8, -0.7], Adversary, "a fan let down"),
            (&[0.8, 0.0], Advocate, "a fan giving details"),
            (&[-0.84, 0.2], Neutral, "a lukewarm ok after a rant"),
            (
                &[0.9, 0.9, 0.9, 0.9, 0.9, -0.8],
                Adversary,
                "old love is old",
            ),
        ];
        for (recent, expected, why) in cases {
            assert_eq!(follow(recent), *expected, "{why}: mood {}", mood(recent));
        }
    }

    #[test]
    fn broken_scores_are_skipped() {
        assert_eq!(follow(&[-0.8, f64::NAN]), Adversary);
        assert_eq!(follow(&[f64::INFINITY]), Neutral);
    }

    #[test]
    fn the_mood_stays_within_bounds() {
        let mut seed = 0x9E37_79B9_7F4A_7C15_u64;
        for _ in 0..2_000 {
            let recent: Vec<f64> = (0..(seed % 8))
                .map(|_| {
                    seed ^= seed << 13;
                    seed ^= seed >> 7;
                    seed ^= seed << 17;
                    (seed % 2_001) as f64 / 1_000.0 - 1.0
                })
                .collect();
            assert!((-1.0..=1.0).contains(&mood(&recent)), "{recent:?}");
        }
    }

    #[test]
    fn wire_names_round_trip() {
        for label in Label::ALL {
            assert_eq!(label.as_str().parse::<Label>().ok(), Some(*label));
        }
        assert_eq!(Adversary.as_str(), "adversary");
    }
}
