//! Reach of a message's author in [0, 1], from follower count and verified flag.

/// Followers grow reach by decades up to 10^6.2 (about 1.6 million), where it saturates.
const SATURATION_DECADES: f64 = 6.2;
/// What a verified badge adds.
const VERIFIED_BOOST: f64 = 0.2;

/// The author's reach in [0, 1]: logarithmic in followers (none or unknown → 0, 1k ≈ 0.48,
/// 50k ≈ 0.76, 1M ≈ 0.97, 1.6M and more → 1), plus 0.2 when verified, capped at 1.
pub fn score(followers: Option<u64>, verified: bool) -> f64 {
    // Counts beyond 2^53 lose units as f64, which a logarithm cannot tell anyway.
    let decades = followers.map_or(0.0, |n| (n as f64).ln_1p() / std::f64::consts::LN_10);
    let reach = (decades / SATURATION_DECADES).min(1.0);
    let boost = if verified { VERIFIED_BOOST } else { 0.0 };
    (reach + boost).min(1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reach_grows_with_the_log_of_followers() {
        let cases: &[(Option<u64>, f64, f64)] = &[
            (None, 0.0, 0.0),
            (Some(0), 0.0, 0.0),
            (Some(50), 0.2, 0.35),
            (Some(1_000), 0.4, 0.5),
            (Some(50_000), 0.75, 0.85),
            (Some(1_000_000), 0.95, 1.0),
            (Some(10_000_000), 1.0, 1.0),
            (Some(u64::MAX), 1.0, 1.0),
        ];
        for (followers, low, high) in cases {
            let reach = score(*followers, false);
            assert!((*low..=*high).contains(&reach), "{followers:?} → {reach}");
        }
    }

    #[test]
    fn a_verified_badge_adds_reach_up_to_one() {
        assert!((score(Some(1_000), true) - score(Some(1_000), false) - 0.2).abs() < 1e-9);
        assert!((score(None, true) - 0.2).abs() < 1e-9);
        assert!((score(Some(5_000_000), true) - 1.0).abs() < 1e-9);
    }

    #[test]
    fn more_followers_never_mean_less_reach() {
        let mut previous = 0.0;
        for exponent in 0..20 {
            let reach = score(Some(3_u64.pow(exponent)), false);
            assert!(reach >= previous, "3^{exponent}");
            previous = reach;
        }
    }
}
