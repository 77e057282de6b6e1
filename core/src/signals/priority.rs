//! The automatic priority of a conversation: negativity × reach × public exposure.

pub use crate::views::{Priority, Visibility};

/// At or above this sentiment a message reads as praise.
const PRAISE: f64 = 0.35;
/// Below this sentiment a message reads as a complaint (VADER's usual cut).
const COMPLAINT: f64 = -0.05;
/// Heat from which a complaint is urgent, and from which it is high.
const URGENT_HEAT: f64 = 0.6;
const HIGH_HEAT: f64 = 0.35;
/// A private message burns at three quarters of the same message in public.
const PRIVATE_EXPOSURE: f64 = 0.75;

/// The priority a new inbound message earns before rules run. Praise is `Low`, neutral
/// text `Normal`; a complaint's heat (negativity × (½ + ½ reach) × exposure) decides
/// between `Normal`, `High` and `Urgent`. Non-finite inputs count as 0.
pub fn automatic(sentiment: f64, influence: f64, visibility: Visibility) -> Priority {
    let sentiment = finite(sentiment).clamp(-1.0, 1.0);
    if sentiment >= PRAISE {
        return Priority::Low;
    }
    if sentiment > COMPLAINT {
        return Priority::Normal;
    }
    let heat = heat(-sentiment, finite(influence).clamp(0.0, 1.0), visibility);
    if heat >= URGENT_HEAT {
        Priority::Urgent
    } else if heat >= HIGH_HEAT {
        Priority::High
    } else {
        Priority::Normal
    }
}

/// Negativity scaled by reach (an unknown author still counts half) and exposure.
fn heat(negativity: f64, influence: f64, visibility: Visibility) -> f64 {
    let reach = 0.5 + 0.5 * influence;
    let exposure = match visibility {
        Visibility::Public => 1.0,
        Visibility::Private => PRIVATE_EXPOSURE,
    };
    negativity * reach * exposure
}

fn finite(x: f64) -> f64 {
    if x.is_finite() { x } else { 0.0 }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Priority::{High, Low, Normal, Urgent};
    use Visibility::{Private, Public};

    /// (sentiment, influence, visibility, expected, why)
    #[rustfmt::skip]
    const CASES: &[(f64, f64, Visibility, Priority, &str)] = &[
        (-0.84, 0.76, Public, Urgent, "a furious public post from 50k followers"),
        (-0.84, 0.27, Private, High, "the same words in a DM from 50 followers"),
        (-0.84, 0.0, Public, High, "a furious public post from nobody"),
        (-0.84, 0.0, Private, Normal, "a furious DM from nobody"),
        (-0.6, 1.0, Public, Urgent, "a clear complaint from a celebrity"),
        (-0.6, 0.48, Public, High, "a clear complaint from 1k followers"),
        (-0.3, 0.76, Public, Normal, "a mild complaint"),
        (-0.01, 1.0, Public, Normal, "practically neutral"),
        (0.0, 0.5, Public, Normal, "a neutral question"),
        (0.2, 0.5, Private, Normal, "polite and slightly positive"),
        (0.8, 1.0, Public, Low, "praise, even from a celebrity"),
        (0.35, 0.0, Private, Low, "thanks"),
    ];

    #[test]
    fn negativity_reach_and_exposure_decide_the_priority() {
        for (sentiment, influence, visibility, expected, why) in CASES {
            let priority = automatic(*sentiment, *influence, *visibility);
            assert_eq!(priority, *expected, "{why}");
        }
    }

    #[test]
    fn going_public_never_lowers_the_priority() {
        for s in -20..=20 {
            for r in 0..=10 {
                let (s, r) = (f64::from(s) / 20.0, f64::from(r) / 10.0);
                assert!(
                    automatic(s, r, Public) >= automatic(s, r, Private),
                    "{s} {r}"
                );
            }
        }
    }

    #[test]
    fn more_reach_or_more_anger_never_lowers_the_priority() {
        for s in -20..=0 {
            for r in 0..10 {
                let (s, r) = (f64::from(s) / 20.0, f64::from(r) / 10.0);
                assert!(automatic(s, r + 0.1, Public) >= automatic(s, r, Public));
                assert!(automatic(s - 0.05, r, Public) >= automatic(s, r, Public));
            }
        }
    }

    #[test]
    fn broken_inputs_read_as_neutral() {
        assert_eq!(automatic(f64::NAN, 1.0, Public), Normal);
        assert_eq!(automatic(-0.9, f64::NAN, Private), Normal);
        assert_eq!(automatic(-9.0, 9.0, Public), Urgent);
    }

    #[test]
    fn wire_names_round_trip() {
        for priority in Priority::ALL {
            assert_eq!(priority.as_str().parse::<Priority>().ok(), Some(*priority));
        }
        for visibility in Visibility::ALL {
            assert_eq!(
                visibility.to_string().parse::<Visibility>().ok(),
                Some(*visibility)
            );
        }
        assert_eq!(Urgent.as_str(), "urgent");
        assert_eq!(Private.as_str(), "private");
        let err = "URGENT".parse::<Priority>().err().map(|e| e.code());
        assert_eq!(err, Some("validation_failed"));
    }

    #[test]
    fn priorities_are_ordered_by_urgency() {
        assert!(Low < Normal && Normal < High && High < Urgent);
    }
}
