//! The lexicons behind [`super::sentiment`]: VADER's words, emoji and degree modifiers plus
//! Earshot's social-care supplement, parsed once into one immutable table.
//!
//! The files live in `data/` (see its `README.md` for where they come from and `LICENSE`
//! for VADER's licence). They are compiled in with `include_str!`, so parsing cannot meet
//! I/O errors; a malformed line is skipped and recorded, and a test keeps that list empty.

use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

const VADER_WORDS: &str = include_str!("data/vader_lexicon.tsv");
const VADER_EMOJI: &str = include_str!("data/emoji_utf8_lexicon.txt");
const BOOSTERS: &str = include_str!("data/boosters.tsv");
const SOCIAL: &str = include_str!("data/social_lexicon.tsv");

/// Words that negate a sentiment word up to three tokens after them: VADER's list plus a
/// few social-care ones ("nobody", "unable", "stopped"). Any word with "n't" negates too.
const NEGATORS: &[&str] = &[
    "aint", "arent", "cannot", "cant", "couldnt", "darent", "didnt", "doesnt", "dont", "hadnt",
    "hasnt", "havent", "isnt", "mightnt", "mustnt", "neednt", "oughtnt", "shant", "shouldnt",
    "wasnt", "werent", "wont", "wouldnt", "neither", "never", "no", "nobody", "none", "noone",
    "nope", "nor", "not", "nothing", "nowhere", "uhuh", "without", "rarely", "seldom", "despite",
    "unable", "stopped",
];

/// Characters that only decorate an emoji (variation selectors, zero-width joiner, skin
/// tones, gender signs, keycap); the scorer reads the base emoji alone.
fn is_emoji_modifier(c: char) -> bool {
    matches!(
        c,
        '\u{FE0E}' | '\u{FE0F}' | '\u{200D}' | '\u{20E3}' | '\u{2640}' | '\u{2642}'
    ) || ('\u{1F3FB}'..='\u{1F3FF}').contains(&c)
}

/// The valence of one term, and its valence when negated if that is not simply VADER's
/// damped flip (`plain × -0.74`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Valence {
    pub(crate) plain: f64,
    pub(crate) negated: Option<f64>,
}

/// Words, emoticons, emoji and phrases with their valence; modifiers; phrase patterns.
#[derive(Debug, Default)]
pub(crate) struct Lexicon {
    terms: HashMap<String, Valence>,
    boosters: HashMap<String, f64>,
    /// First word → the phrases starting with it, longest first.
    phrases: HashMap<String, Vec<Vec<String>>>,
    /// Every word that occurs in some phrase, so elongations of it can be undone.
    phrase_words: HashSet<String>,
    emoji: HashSet<char>,
    rejects: Vec<String>,
}

/// The lexicon, parsed on first use and never changed.
pub(crate) static LEXICON: LazyLock<Lexicon> = LazyLock::new(Lexicon::load);

impl Lexicon {
    fn load() -> Self {
        let mut lexicon = Lexicon::default();
        lexicon.read_vader(VADER_WORDS);
        // Ours after VADER's, so it overrides; emoji last, so overrides beat descriptions.
        lexicon.read_social(SOCIAL);
        lexicon.read_boosters(BOOSTERS);
        lexicon.read_emoji(VADER_EMOJI);
        lexicon.order_phrases();
        lexicon
    }

    /// The valence of a lowercased word, emoticon, emoji or joined phrase.
    pub(crate) fn valence(&self, term: &str) -> Option<Valence> {
        self.terms.get(term).copied()
    }

    /// The scalar of a degree modifier ("very" > 0, "slightly" < 0).
    pub(crate) fn booster(&self, term: &str) -> Option<f64> {
        self.boosters.get(term).copied()
    }

    /// Whether a lowercased word negates what follows it.
    pub(crate) fn is_negator(word: &str) -> bool {
        NEGATORS.contains(&word) || word.contains("n't")
    }

    /// Whether the scorer has any use for this lowercased word.
    pub(crate) fn knows(&self, word: &str) -> bool {
        self.terms.contains_key(word)
            || self.boosters.contains_key(word)
            || self.phrase_words.contains(word)
            || Self::is_negator(word)
    }

    /// The phrases whose first word (or placeholder) is `first`, longest first.
    pub(crate) fn phrases_from(&self, first: &str) -> &[Vec<String>] {
        self.phrases.get(first).map_or(&[], Vec::as_slice)
    }

    /// Whether a character is an emoji the scorer gives a valence.
    pub(crate) fn is_emoji(&self, c: char) -> bool {
        self.emoji.contains(&c)
    }

    /// Data lines that could not be parsed (kept empty by a test).
    #[cfg(test)]
    pub(crate) fn rejects(&self) -> &[String] {
        &self.rejects
    }

    /// Every single-word term with its valence, for property tests.
    #[cfg(test)]
    pub(crate) fn words(&self) -> impl Iterator<Item = (&str, Valence)> {
        self.terms
            .iter()
            .filter(|(term, _)| !term.contains(' '))
            .map(|(term, valence)| (term.as_str(), *valence))
    }

    fn read_vader(&mut self, source: &str) {
        for line in source.lines() {
            match line
                .split_once('\t')
                .map(|(t, v)| (t, v.trim().parse::<f64>()))
            {
                Some((term, Ok(plain))) => self.add_vader(term, plain),
                _ => self.rejects.push(line.to_owned()),
            }
        }
    }

    fn add_vader(&mut self, term: &str, plain: f64) {
        // In care traffic numbers are order ids and amounts, not slang ("143", "86").
        if term.chars().all(|c| c.is_ascii_digit()) {
            return;
        }
        let key = term.to_lowercase();
        if key.contains(' ') && !self.add_phrase(&key) {
            return;
        }
        // VADER lists both "LOL" and "lol"; the lowercase spelling wins.
        if term != key && self.terms.contains_key(&key) {
            return;
        }
        let valence = Valence {
            plain,
            negated: None,
        };
        self.terms.insert(key, valence);
    }

    fn read_social(&mut self, source: &str) {
        for line in data_lines(source) {
            let fields: Vec<&str> = line.split('\t').collect();
            match parse_social(&fields) {
                Some((term, valence)) => self.add_social(term, valence),
                None => self.rejects.push(line.to_owned()),
            }
        }
    }

    fn add_social(&mut self, term: &str, valence: Valence) {
        let key: String = term
            .to_lowercase()
            .chars()
            .filter(|c| !is_emoji_modifier(*c))
            .collect();
        if key.contains(' ') && !self.add_phrase(&key) {
            self.rejects.push(term.to_owned());
            return;
        }
        if let Some(c) = single_emoji(&key) {
            self.emoji.insert(c);
        }
        self.terms.insert(key, valence);
    }

    fn read_boosters(&mut self, source: &str) {
        for line in data_lines(source) {
            let parsed = line
                .split_once('\t')
                .map(|(t, v)| (t, v.trim().parse::<f64>()));
            let Some((term, Ok(scalar))) = parsed else {
                self.rejects.push(line.to_owned());
                continue;
            };
            let key = term.to_lowercase();
            if key.contains(' ') && !self.add_phrase(&key) {
                self.rejects.push(line.to_owned());
                continue;
            }
            self.boosters.insert(key, scalar);
        }
    }

    fn read_emoji(&mut self, source: &str) {
        for line in source.lines() {
            let Some((emoji, description)) = line.split_once('\t') else {
                self.rejects.push(line.to_owned());
                continue;
            };
            let base: String = emoji.chars().filter(|c| !is_emoji_modifier(*c)).collect();
            // The first spelling wins: the base emoji comes before its skin-tone variants.
            let Some(c) = single_emoji(&base).filter(|_| !self.terms.contains_key(&base)) else {
                continue;
            };
            if let Some(plain) = self.describe(description) {
                self.emoji.insert(c);
                self.terms.insert(
                    base,
                    Valence {
                        plain,
                        negated: None,
                    },
                );
            }
        }
    }

    /// VADER reads an emoji as the words of its description; we take the mean valence of
    /// the words that carry one, so "smiling face with smiling eyes" is not doubly happy.
    fn describe(&self, description: &str) -> Option<f64> {
        let valences: Vec<f64> = description
            .split(|c: char| !(c.is_alphanumeric() || c == '\''))
            .filter_map(|word| self.terms.get(&word.to_lowercase()))
            .map(|valence| valence.plain)
            .filter(|plain| *plain != 0.0)
            .collect();
        let count = u32::try_from(valences.len()).ok().filter(|n| *n > 0)?;
        Some(valences.iter().sum::<f64>() / f64::from(count))
    }

    /// Registers a multi-word term; false if it is not a phrase of words.
    fn add_phrase(&mut self, key: &str) -> bool {
        let words: Vec<String> = key.split(' ').map(str::to_owned).collect();
        let wordlike = |w: &String| !w.is_empty() && w.chars().all(is_phrase_char);
        let Some(first) = words.first().filter(|_| words.iter().all(wordlike)) else {
            return false;
        };
        self.phrase_words.extend(words.iter().cloned());
        self.phrases.entry(first.clone()).or_default().push(words);
        true
    }

    fn order_phrases(&mut self) {
        for phrases in self.phrases.values_mut() {
            phrases.sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
            phrases.dedup();
        }
    }
}

fn is_phrase_char(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '\'' | '<' | '>')
}

/// Lines of one of our data files, without blank lines and `#` comments.
fn data_lines(source: &str) -> impl Iterator<Item = &str> {
    source
        .lines()
        .filter(|line| !line.trim().is_empty() && !line.starts_with('#'))
}

/// `term<TAB>valence[<TAB>valence when negated]`.
fn parse_social<'a>(fields: &[&'a str]) -> Option<(&'a str, Valence)> {
    let (term, plain, negated) = match fields {
        [term, plain] => (*term, plain.trim().parse().ok()?, None),
        [term, plain, negated] => (
            *term,
            plain.trim().parse().ok()?,
            Some(negated.trim().parse().ok()?),
        ),
        _ => return None,
    };
    Some((term, Valence { plain, negated }))
}

/// The one character of `s` if it is a lone non-ASCII symbol (an emoji, ♥, ❤).
fn single_emoji(s: &str) -> Option<char> {
    let mut chars = s.chars();
    let c = chars.next()?;
    let symbol = !c.is_ascii() && !c.is_alphanumeric();
    (chars.next().is_none() && symbol).then_some(c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_data_line_parses() {
        assert_eq!(LEXICON.rejects(), &[] as &[String]);
    }

    #[test]
    fn the_tables_are_filled() {
        assert!(LEXICON.terms.len() > 7_000, "{} terms", LEXICON.terms.len());
        assert!(LEXICON.boosters.len() > 80);
        assert!(LEXICON.emoji.len() > 100, "{} emoji", LEXICON.emoji.len());
    }

    #[test]
    fn terms_read_as_expected() {
        let cases: &[(&str, f64)] = &[
            ("good", 1.9),          // VADER
            ("worst", -3.1),        // VADER
            (":(", -1.9),           // VADER emoticon
            ("lol", 1.8),           // the lowercase entry wins over "LOL" (2.9)
            ("support", 0.0),       // our override
            ("fed up", -1.8),       // VADER phrase
            ("<ord> outage", -2.6), // our phrase with a placeholder
            ("😡", -2.8),           // our emoji override
            ("❤", 2.6),             // ❤️ loses its variation selector
            ("😀", 1.5),            // "grinning face": the description's mean
        ];
        for (term, plain) in cases {
            let valence = LEXICON.valence(term).map(|v| v.plain);
            assert_eq!(valence, Some(*plain), "{term}");
        }
    }

    #[test]
    fn numbers_are_not_slang() {
        assert_eq!(LEXICON.valence("143"), None);
        assert_eq!(LEXICON.valence("86"), None);
    }

    #[test]
    fn negated_valences_come_from_the_third_column() {
        let works = LEXICON.valence("works");
        assert_eq!(
            works,
            Some(Valence {
                plain: 0.0,
                negated: Some(-1.8)
            })
        );
    }

    #[test]
    fn negators_include_contractions() {
        for word in ["not", "never", "isn't", "doesn't", "won't", "cant", "no"] {
            assert!(Lexicon::is_negator(word), "{word}");
        }
        for word in ["now", "note", "know", "nothingness"] {
            assert!(!Lexicon::is_negator(word), "{word}");
        }
    }

    #[test]
    fn multi_word_modifiers_are_phrases() {
        assert_eq!(LEXICON.booster("kind of"), Some(-0.293));
        let from_kind = LEXICON.phrases_from("kind");
        assert!(from_kind.iter().any(|p| p == &["kind", "of"]));
    }

    #[test]
    fn longer_phrases_come_first() {
        for phrases in LEXICON.phrases.values() {
            assert!(phrases.windows(2).all(|w| w[0].len() >= w[1].len()));
        }
    }

    #[test]
    fn skin_tones_and_selectors_are_decoration() {
        for c in ['\u{FE0F}', '\u{200D}', '\u{1F3FB}', '\u{1F3FF}', '\u{2640}'] {
            assert!(is_emoji_modifier(c));
        }
        assert!(!is_emoji_modifier('😡'));
    }
}
