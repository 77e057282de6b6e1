//! Property tests of the sentiment scorer: bounds on random text, and negation and
//! boosting over every word of the lexicon.

use super::super::data::{LEXICON, Lexicon};
use super::score;

/// Single-word lexicon terms whose sign the property tests can reason about.
fn plain_sentiment_words() -> Vec<(&'static str, f64)> {
    let lexicon: &'static Lexicon = &LEXICON;
    let mut words: Vec<(&str, f64)> = lexicon
        .words()
        .filter(|(word, valence)| {
            valence.plain.abs() >= 0.1
                && valence.negated.is_none()
                && word.chars().all(char::is_alphabetic)
                && lexicon.booster(word).is_none()
                && !Lexicon::is_negator(word)
                && !matches!(*word, "least" | "but" | "however")
                && lexicon.phrases_from(word).is_empty()
        })
        .map(|(word, valence)| (word, valence.plain))
        .collect();
    words.sort_by(|a, b| a.0.cmp(b.0));
    words
}

#[test]
fn adding_not_before_any_lexicon_word_flips_its_sign() {
    let words = plain_sentiment_words();
    assert!(words.len() > 6_000, "{}", words.len());
    for (word, valence) in words {
        let plain = score(&format!("the service was {word}"));
        let negated = score(&format!("the service was not {word}"));
        assert!(plain * valence > 0.0, "{word}: {plain}");
        assert!(plain * negated < 0.0, "{word}: {plain} vs {negated}");
    }
}

#[test]
fn adding_very_before_any_lexicon_word_increases_its_magnitude() {
    for (word, _) in plain_sentiment_words() {
        let plain = score(&format!("it was {word}"));
        let very = score(&format!("it was very {word}"));
        assert!(
            very.abs() > plain.abs() && very * plain > 0.0,
            "{word}: {plain} vs {very}"
        );
    }
}

/// A tiny deterministic generator (xorshift64*), so the property test needs no crate.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[(self.next() % items.len() as u64) as usize]
    }
}

#[rustfmt::skip]
const PIECES: &[&str] = &[
    "not", "never", "no", "very", "so", "kind of", "slightly", "but", "good", "BAD", "worst",
    "service", "ever", "3rd", "outage", "refund", "thanks", "LOVE", "loooove", "hate",
    "sooooo", "useless", "😡", "😍", "❤️", "👎", "🙏", ":(", ":)", "<3", "!!!", "???", "?",
    "!", ".", ",", "@Brand", "#fail", "#EpicFail", "https://t.co/x", "still waiting",
    "fix it", "isn't", "helpful", "WORST SERVICE EVER", "on hold for", "ñandú", "注文",
    "Заказ", "\u{FE0F}", "\u{200D}", "🏽", "'", "''", "-", "\n", "   ", "kinda", "least",
    "without", "doubt", "however", "x:)", "j/k", "ok", "no one", "the", "app",
];

fn random_post(rng: &mut Rng) -> String {
    let length = rng.next() % 40;
    let mut post = String::new();
    for _ in 0..length {
        if rng.next().is_multiple_of(4) {
            // A raw character, anything from ASCII to astral planes.
            post.extend(char::from_u32((rng.next() % 0x1_FFFF) as u32));
        } else {
            post.push_str(rng.pick(PIECES));
        }
        if !rng.next().is_multiple_of(3) {
            post.push(' ');
        }
    }
    post
}

#[test]
fn scores_stay_within_bounds_for_random_posts() {
    let mut rng = Rng(0x5EED_0FEA_2540_7ABC);
    for _ in 0..5_000 {
        let post = random_post(&mut rng);
        let s = score(&post);
        assert!(s.is_finite() && (-1.0..=1.0).contains(&s), "{post:?} → {s}");
    }
}

#[test]
fn a_very_long_rant_saturates_without_leaving_the_range() {
    let rant = "WORST SERVICE EVER!!! 😡 ".repeat(10_000);
    let s = score(&rant);
    assert!((-1.0..-0.99).contains(&s), "{s}");
}
