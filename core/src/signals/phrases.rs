//! Joins multi-word idioms ("worst service ever", "3rd outage", "kind of") into single
//! tokens before word scoring, so the phrase is scored once instead of word by word.

use super::data::Lexicon;
use super::tokens::{Case, Token};

/// Ordinals that mean "yet again"; "first" is missing on purpose.
const ORDINAL_WORDS: &[&str] = &[
    "second",
    "third",
    "fourth",
    "fifth",
    "sixth",
    "seventh",
    "eighth",
    "ninth",
    "tenth",
    "umpteenth",
    "nth",
    "hundredth",
    "millionth",
];

const NUMBER_WORDS: &[&str] = &[
    "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "twelve", "twenty",
    "several", "multiple",
];

/// The tokens with every known phrase replaced by one token, longest match first. A
/// phrase never spans a clause boundary.
pub(crate) fn join(tokens: Vec<Token>, lexicon: &Lexicon) -> Vec<Token> {
    let mut joined = Vec::with_capacity(tokens.len());
    let mut at = 0;
    while let Some(rest) = tokens.get(at..).filter(|rest| !rest.is_empty()) {
        match longest_match(rest, lexicon) {
            Some(pattern) => {
                joined.push(merge(pattern, &rest[..pattern.len()]));
                at += pattern.len();
            }
            None => {
                joined.extend(rest.first().cloned());
                at += 1;
            }
        }
    }
    joined
}

fn longest_match<'l>(rest: &[Token], lexicon: &'l Lexicon) -> Option<&'l [String]> {
    let first = rest.first()?;
    let mut candidates: Vec<&[String]> = Vec::new();
    let mut add =
        |key: &str| candidates.extend(lexicon.phrases_from(key).iter().map(Vec::as_slice));
    add(&first.text);
    if is_ordinal(&first.text) {
        add("<ord>");
    }
    if is_number(&first.text) {
        add("<num>");
    }
    candidates.sort_by_key(|pattern| std::cmp::Reverse(pattern.len()));
    candidates
        .into_iter()
        .find(|pattern| matches_at(pattern, rest))
}

fn matches_at(pattern: &[String], rest: &[Token]) -> bool {
    pattern.len() <= rest.len()
        && pattern
            .iter()
            .zip(rest)
            .enumerate()
            .all(|(i, (word, token))| (i == 0 || !token.clause_start) && fits(word, &token.text))
}

fn fits(word: &str, text: &str) -> bool {
    match word {
        "<ord>" => is_ordinal(text),
        "<num>" => is_number(text),
        _ => word == text,
    }
}

/// One token for the whole phrase; its text is the lexicon key ("<ord> outage").
fn merge(pattern: &[String], tokens: &[Token]) -> Token {
    let shouted = tokens.iter().all(|t| t.case == Case::Shouted);
    let quiet = tokens.iter().any(|t| t.case == Case::Quiet);
    let case = if shouted {
        Case::Shouted
    } else if quiet {
        Case::Quiet
    } else {
        Case::Caseless
    };
    Token {
        text: pattern.join(" "),
        case,
        elongated: tokens.iter().any(|t| t.elongated),
        clause_start: tokens.first().is_some_and(|t| t.clause_start),
    }
}

/// "2nd", "3rd", "11th", "third"; not "1st" or "first".
fn is_ordinal(text: &str) -> bool {
    let digits = text.trim_end_matches(|c: char| c.is_ascii_alphabetic());
    let suffix = &text[digits.len()..];
    let numeric = !digits.is_empty()
        && digits.chars().all(|c| c.is_ascii_digit())
        && matches!(suffix, "st" | "nd" | "rd" | "th")
        && digits.trim_start_matches('0') != "1";
    numeric || ORDINAL_WORDS.contains(&text)
}

fn is_number(text: &str) -> bool {
    let numeric = !text.is_empty() && text.chars().all(|c| c.is_ascii_digit());
    numeric || NUMBER_WORDS.contains(&text)
}

#[cfg(test)]
mod tests {
    use super::super::data::LEXICON;
    use super::super::tokens::tokenize;
    use super::*;

    fn joined(post: &str) -> Vec<String> {
        join(tokenize(post, &LEXICON), &LEXICON)
            .into_iter()
            .map(|t| t.text)
            .collect()
    }

    #[test]
    fn known_idioms_become_one_token() {
        let cases: &[(&str, &[&str])] = &[
            ("worst service ever", &["worst service ever"]),
            ("3rd outage this week", &["<ord> outage", "this", "week"]),
            ("the third outage", &["the", "<ord> outage"]),
            ("first outage", &["first", "outage"]),
            ("it is kind of slow", &["it", "is", "kind of", "slow"]),
            ("thank you so much!", &["thank you so much"]),
            ("thank you", &["thank you"]),
            ("still waiting", &["still waiting"]),
            ("I am fed up", &["i", "am", "fed up"]),
            ("5 hours on hold", &["<num> hours on hold"]),
        ];
        for (post, expected) in cases {
            assert_eq!(joined(post), *expected, "{post}");
        }
    }

    #[test]
    fn a_phrase_does_not_cross_a_clause_boundary() {
        assert_eq!(
            joined("please fix. it works"),
            ["please", "fix", "it", "works"]
        );
    }

    #[test]
    fn ordinals_mean_again_but_first_does_not() {
        for text in ["2nd", "3rd", "4th", "11th", "21st", "third", "umpteenth"] {
            assert!(is_ordinal(text), "{text}");
        }
        for text in ["1st", "first", "3", "rd", "3rdd", "th"] {
            assert!(!is_ordinal(text), "{text}");
        }
    }

    #[test]
    fn a_joined_phrase_keeps_its_shouting() {
        let tokens = join(tokenize("WORST SERVICE EVER", &LEXICON), &LEXICON);
        assert_eq!(tokens.len(), 1);
        assert_eq!(tokens[0].case, Case::Shouted);
    }
}
