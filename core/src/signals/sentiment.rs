//! Sentiment of one customer message in [-1, 1], offline, in the VADER tradition.
//!
//! Each token takes its lexicon valence; the words before it may negate it ("not good",
//! "isn't helpful", "never works") or boost and dampen it ("very", "kind of"); ALL CAPS
//! (in a mixed-case post) and elongation ("loooove") emphasise it. After "but" the clause
//! weighs more than before it. The sum gains emphasis from "!" and "??" and is normalised
//! with VADER's compound formula `x / sqrt(x² + 15)`.

use super::data::{LEXICON, Lexicon, Valence};
use super::phrases;
use super::tokens::{self, Case, Token};

/// VADER's increment for a booster word and for an elongated word.
const BOOST: f64 = 0.293;
/// VADER's increment for a shouted word in a mixed-case post.
const CAPS: f64 = 0.733;
/// VADER's factor for a negated word: the sign flips and the strength drops.
const NEGATION: f64 = -0.74;
/// VADER's factor for "never so good", "never this bad".
const NEVER_SO: f64 = 1.25;
/// VADER's normalisation constant: the compound is `x / sqrt(x² + ALPHA)`.
const ALPHA: f64 = 15.0;
/// Weights of the clauses before and after "but".
const BEFORE_BUT: f64 = 0.5;
const AFTER_BUT: f64 = 1.5;
/// A booster two or three words back counts a little less.
const DISTANCE: [f64; 3] = [1.0, 0.95, 0.9];

/// The sentiment of `text` in [-1, 1]: below 0 is negative, above 0 positive. Text with
/// no sentiment words (including most non-English text) scores 0.
pub fn score(text: &str) -> f64 {
    let lexicon = &*LEXICON;
    let tokens = phrases::join(tokens::tokenize(text, lexicon), lexicon);
    let post = Post {
        tokens: &tokens,
        lexicon,
        shouting_stands_out: mixed_case(&tokens),
    };
    let mut valences: Vec<f64> = (0..tokens.len()).map(|i| post.valence_at(i)).collect();
    weigh_contrast(&tokens, &mut valences);
    let sum: f64 = valences.iter().sum();
    if sum == 0.0 {
        return 0.0;
    }
    normalise(sum + sum.signum() * punctuation_emphasis(text))
}

/// VADER's compound normalisation, clamped against rounding.
fn normalise(sum: f64) -> f64 {
    (sum / (sum * sum + ALPHA).sqrt()).clamp(-1.0, 1.0)
}

/// ALL CAPS only stands out when the post also has lowercase words.
fn mixed_case(tokens: &[Token]) -> bool {
    tokens.iter().any(|t| t.case == Case::Shouted) && tokens.iter().any(|t| t.case == Case::Quiet)
}

struct Post<'a> {
    tokens: &'a [Token],
    lexicon: &'a Lexicon,
    shouting_stands_out: bool,
}

enum Negation {
    None,
    Negated,
    /// "never so good": emphasis, not negation.
    Emphatic,
}

impl Post<'_> {
    fn valence_at(&self, i: usize) -> f64 {
        let Some(token) = self.tokens.get(i) else {
            return 0.0;
        };
        // A modifier acts on the next word and has no valence of its own.
        if self.lexicon.booster(&token.text).is_some() {
            return 0.0;
        }
        let Some(valence) = self.lexicon.valence(&token.text) else {
            return 0.0;
        };
        // "no" before a sentiment word negates it instead of counting itself.
        if token.text == "no" && self.next_carries_sentiment(i) {
            return 0.0;
        }
        let base = self.negate(i, valence);
        if base == 0.0 {
            return 0.0;
        }
        base + self.emphasis(token, base) + self.boost(i, base)
    }

    fn negate(&self, i: usize, valence: Valence) -> f64 {
        match self.negation(i) {
            Negation::None => valence.plain,
            Negation::Negated => valence.negated.unwrap_or(valence.plain * NEGATION),
            Negation::Emphatic => valence.plain * NEVER_SO,
        }
    }

    /// Looks up to three tokens back, within the clause, for a negator.
    fn negation(&self, i: usize) -> Negation {
        for (back, j) in self.window(i).enumerate() {
            let word = self.text(j);
            let next = self.text(j + 1);
            if back > 0 && word == "never" && matches!(next, "so" | "this") {
                return Negation::Emphatic;
            }
            if back > 0 && word == "without" && next == "doubt" {
                return Negation::None;
            }
            let least = back == 0 && word == "least" && !matches!(self.before(j), "at" | "very");
            if least || Lexicon::is_negator(word) {
                return Negation::Negated;
            }
        }
        Negation::None
    }

    /// Boosters and dampeners up to three tokens back, within the clause, pushing the
    /// valence further from zero (or closer to it).
    fn boost(&self, i: usize, valence: f64) -> f64 {
        let sign = valence.signum();
        self.window(i)
            .zip(DISTANCE)
            .filter_map(|(j, distance)| {
                let token = self.tokens.get(j)?;
                let mut scalar = self.lexicon.booster(&token.text)?;
                if scalar > 0.0 {
                    scalar += self.emphasis(token, scalar);
                }
                Some(scalar * distance * sign)
            })
            .sum()
    }

    /// Extra weight, in the direction of `valence`, for shouting and elongation.
    fn emphasis(&self, token: &Token, valence: f64) -> f64 {
        let shouted = token.case == Case::Shouted && self.shouting_stands_out;
        let caps = if shouted { CAPS } else { 0.0 };
        let stretch = if token.elongated { BOOST } else { 0.0 };
        (caps + stretch) * valence.signum()
    }

    /// The indexes of up to three tokens before `i`, nearest first, stopping at a clause
    /// boundary.
    fn window(&self, i: usize) -> impl Iterator<Item = usize> + '_ {
        (1..=3).map_while(move |back| {
            let j = i.checked_sub(back)?;
            let after = self.tokens.get(j + 1)?;
            (!after.clause_start).then_some(j)
        })
    }

    fn next_carries_sentiment(&self, i: usize) -> bool {
        let Some(next) = self.tokens.get(i + 1).filter(|t| !t.clause_start) else {
            return false;
        };
        let valence = self.lexicon.valence(&next.text);
        valence.is_some_and(|v| v.plain != 0.0 || v.negated.is_some())
    }

    fn text(&self, i: usize) -> &str {
        self.tokens.get(i).map_or("", |t| t.text.as_str())
    }

    fn before(&self, i: usize) -> &str {
        i.checked_sub(1).map_or("", |j| self.text(j))
    }
}

/// "Love the app but 3rd outage this week": the clause after the first "but" counts more.
fn weigh_contrast(tokens: &[Token], valences: &mut [f64]) {
    let Some(pivot) = tokens
        .iter()
        .position(|t| matches!(t.text.as_str(), "but" | "however"))
    else {
        return;
    };
    for (at, valence) in valences.iter_mut().enumerate() {
        match at.cmp(&pivot) {
            std::cmp::Ordering::Less => *valence *= BEFORE_BUT,
            std::cmp::Ordering::Greater => *valence *= AFTER_BUT,
            std::cmp::Ordering::Equal => {}
        }
    }
}

/// VADER's emphasis from "!" (up to four) and from two or more "?", outside links.
fn punctuation_emphasis(text: &str) -> f64 {
    let (mut bangs, mut questions) = (0_u32, 0_u32);
    for chunk in text
        .split_whitespace()
        .filter(|chunk| !tokens::is_link(chunk))
    {
        for c in chunk.chars() {
            match c {
                '!' | '！' => bangs = bangs.saturating_add(1),
                '?' | '？' => questions = questions.saturating_add(1),
                _ => {}
            }
        }
    }
    let bang = f64::from(bangs.min(4)) * 0.292;
    let question = match questions {
        0 | 1 => 0.0,
        2 | 3 => f64::from(questions) * 0.18,
        _ => 0.96,
    };
    bang + question
}

#[cfg(test)]
mod properties;
#[cfg(test)]
mod tests;
