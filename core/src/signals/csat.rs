//! A customer's answer to "how did we do?": a score from 1 to 5 read from a number ("4",
//! "5/5", "4 out of 5"), stars ("⭐⭐⭐⭐"), a word ("excellent", "meh", "terrible") or an
//! emoji ("👍", "😡"). Anything else is no answer (a customer writing about their problem
//! again), so the conversation takes it as a message.

/// The longest message read as an answer, in characters and in words: a survey answer is
/// short, and a longer message ("still broken 2 days later") is about the problem.
const LONGEST_ANSWER: usize = 80;
const MOST_WORDS: usize = 6;

/// Words and the score each means, longest phrases first where one contains another.
const WORDS: &[(&str, u8)] = &[
    ("not good", 2),
    ("not bad", 3),
    ("excellent", 5),
    ("amazing", 5),
    ("perfect", 5),
    ("fantastic", 5),
    ("awesome", 5),
    ("outstanding", 5),
    ("great", 5),
    ("very good", 4),
    ("good", 4),
    ("satisfied", 4),
    ("okay", 3),
    ("ok", 3),
    ("fine", 3),
    ("average", 3),
    ("meh", 3),
    ("poor", 2),
    ("bad", 2),
    ("unhappy", 2),
    ("disappointed", 2),
    ("terrible", 1),
    ("awful", 1),
    ("horrible", 1),
    ("worst", 1),
    ("useless", 1),
];

/// Emoji and the score each means.
const EMOJI: &[(char, u8)] = &[
    ('😍', 5),
    ('🤩', 5),
    ('🥰', 5),
    ('❤', 5),
    ('💯', 5),
    ('👏', 5),
    ('😀', 4),
    ('😃', 4),
    ('😄', 4),
    ('😊', 4),
    ('🙂', 4),
    ('👍', 4),
    ('😐', 3),
    ('😑', 3),
    ('🤷', 3),
    ('🙁', 2),
    ('😕', 2),
    ('😞', 2),
    ('👎', 1),
    ('😠', 1),
    ('😡', 1),
    ('🤬', 1),
];

/// The score an answer gives, if it is one.
pub fn parse(text: &str) -> Option<u8> {
    let text = text.trim();
    if text.is_empty() || text.chars().count() > LONGEST_ANSWER {
        return None;
    }
    let lower = text.to_lowercase();
    let scale = lower.replace("out of 5", " ").replace("/5", " ");
    if scale.split_whitespace().count() > MOST_WORDS {
        return None;
    }
    number(text)
        .or_else(|| stars(text))
        .or_else(|| word(text))
        .or_else(|| emoji(text))
}

/// The first standalone digit 1–5 ("4", "5/5", "I'd say 4 out of 5"); a larger number
/// ("10", "2024") is none.
fn number(text: &str) -> Option<u8> {
    let mut digits = text
        .split(|c: char| !c.is_ascii_digit())
        .filter(|d| !d.is_empty());
    let first = digits.next()?;
    match first.parse::<u8>() {
        Ok(score @ 1..=5) => Some(score),
        _ => None,
    }
}

fn stars(text: &str) -> Option<u8> {
    let count = text.chars().filter(|c| *c == '⭐' || *c == '★').count();
    u8::try_from(count).ok().filter(|n| (1..=5).contains(n))
}

fn word(text: &str) -> Option<u8> {
    let lower = text.to_lowercase();
    let words: Vec<&str> = lower
        .split(|c: char| !c.is_alphanumeric() && c != '\'')
        .filter(|w| !w.is_empty())
        .collect();
    let joined = words.join(" ");
    WORDS.iter().find_map(|(phrase, score)| {
        let found = if phrase.contains(' ') {
            format!(" {joined} ").contains(&format!(" {phrase} "))
        } else {
            words.contains(phrase)
        };
        found.then_some(*score)
    })
}

fn emoji(text: &str) -> Option<u8> {
    text.chars()
        .find_map(|c| EMOJI.iter().find(|(e, _)| *e == c).map(|(_, score)| *score))
}

#[cfg(test)]
mod tests {
    use super::parse;

    #[test]
    fn numbers_stars_words_and_emoji_are_scores() {
        let answers = [
            ("5", Some(5)),
            (" 4 ", Some(4)),
            ("5/5", Some(5)),
            ("I'd give it a 3 out of 5", Some(3)),
            ("⭐⭐⭐⭐", Some(4)),
            ("Excellent, thanks!", Some(5)),
            ("meh", Some(3)),
            ("not good", Some(2)),
            ("not bad at all", Some(3)),
            ("Terrible.", Some(1)),
            ("👍", Some(4)),
            ("😡😡", Some(1)),
        ];
        for (text, expected) in answers {
            assert_eq!(parse(text), expected, "{text}");
        }
    }

    #[test]
    fn anything_else_is_no_answer() {
        for text in [
            "",
            "10",
            "0",
            "my order 2024 never came",
            "when will the technician come?",
            "thanks",
            &"great ".repeat(30),
            "my router is still broken 2 days later",
            "the technician was bad and nothing works now",
        ] {
            assert_eq!(parse(text), None, "{text}");
        }
    }
}
