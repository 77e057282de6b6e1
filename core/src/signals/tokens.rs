//! Splits a social post into the tokens the sentiment scorer weighs: lowercased words
//! (elongations undone, hashtags opened and CamelCase split), emoticons and emoji.
//! @handles and links carry no sentiment and are dropped.

use super::data::Lexicon;

/// How a word was written, for ALL-CAPS emphasis.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Case {
    /// Two or more letters, all capitals: "WORST".
    Shouted,
    /// Has a lowercase letter: "worst", "Worst".
    Quiet,
    /// No case to speak of: emoji, numbers, "I", "3RD".
    Caseless,
}

/// One scored unit of a post.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Token {
    /// Lowercased, normalised text ("loooove" → "love"), or a joined phrase.
    pub(crate) text: String,
    pub(crate) case: Case,
    /// Written with a letter repeated three or more times ("sooooo").
    pub(crate) elongated: bool,
    /// First token after a line break or `. , ! ? ; :`; negation and boosters stop here.
    pub(crate) clause_start: bool,
}

/// The tokens of a post, in order.
pub(crate) fn tokenize(text: &str, lexicon: &Lexicon) -> Vec<Token> {
    let mut scanner = Scanner::new(lexicon);
    for line in text.lines() {
        scanner.boundary = true;
        for chunk in line.split_whitespace() {
            let chunk = chunk.replace(['\u{2019}', '\u{2018}', '\u{02BC}'], "'");
            if !is_link(&chunk) {
                scanner.chunk(&chunk);
            }
        }
    }
    scanner.tokens
}

/// Whether a whitespace-separated chunk is a URL.
pub(crate) fn is_link(chunk: &str) -> bool {
    let lower = chunk.to_lowercase();
    lower.contains("://") || lower.starts_with("www.")
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Plain,
    Hashtag,
    Handle,
}

struct Scanner<'a> {
    lexicon: &'a Lexicon,
    tokens: Vec<Token>,
    word: String,
    mode: Mode,
    boundary: bool,
}

impl<'a> Scanner<'a> {
    fn new(lexicon: &'a Lexicon) -> Self {
        Self {
            lexicon,
            tokens: Vec::new(),
            word: String::new(),
            mode: Mode::Plain,
            boundary: true,
        }
    }

    fn chunk(&mut self, chunk: &str) {
        let (rest, emoticon) = split_emoticon(chunk, self.lexicon);
        for c in rest.chars() {
            self.feed(c);
        }
        self.flush();
        self.mode = Mode::Plain;
        if let Some(emoticon) = emoticon {
            self.push(emoticon, Case::Caseless, false);
        }
    }

    fn feed(&mut self, c: char) {
        if self.mode == Mode::Handle {
            if c.is_alphanumeric() || c == '_' {
                return;
            }
            self.mode = Mode::Plain;
        }
        if c.is_alphanumeric() || (c == '\'' && !self.word.is_empty()) {
            self.word.push(c);
            return;
        }
        self.flush();
        // "#epic_fail" stays one hashtag across the underscore.
        if !(c == '_' && self.mode == Mode::Hashtag) {
            self.mode = Mode::Plain;
        }
        match c {
            '@' => self.mode = Mode::Handle,
            '#' => self.mode = Mode::Hashtag,
            '.' | ',' | '!' | '?' | ';' | ':' | '…' | '¡' | '¿' | '(' | ')' => {
                self.boundary = true
            }
            _ if self.lexicon.is_emoji(c) => self.push(c.to_string(), Case::Caseless, false),
            _ => {}
        }
    }

    fn flush(&mut self) {
        let word = std::mem::take(&mut self.word);
        let raw = word.trim_matches('\'');
        if raw.is_empty() {
            return;
        }
        if self.mode == Mode::Hashtag {
            for part in camel_parts(raw) {
                self.push_word(part);
            }
        } else {
            self.push_word(raw);
        }
    }

    fn push_word(&mut self, raw: &str) {
        let (text, elongated) = undo_elongation(&raw.to_lowercase(), self.lexicon);
        self.push(text, case_of(raw), elongated);
    }

    fn push(&mut self, text: String, case: Case, elongated: bool) {
        let clause_start = std::mem::take(&mut self.boundary);
        self.tokens.push(Token {
            text,
            case,
            elongated,
            clause_start,
        });
    }
}

/// Splits off an emoticon that is the whole chunk (":(", "<3", ":D.") or glued to the end
/// of a word ("thanks:)"). Returns the rest of the chunk and the lowercased emoticon.
fn split_emoticon<'c>(chunk: &'c str, lexicon: &Lexicon) -> (&'c str, Option<String>) {
    let whole = chunk.trim_end_matches(['.', ',']);
    if is_emoticon(whole, lexicon) {
        return ("", Some(whole.to_lowercase()));
    }
    for (at, c) in chunk.char_indices().skip(1) {
        let (word, tail) = chunk.split_at(at);
        let glued = matches!(c, ':' | ';' | '=') && word.ends_with(char::is_alphanumeric);
        if glued && tail.chars().count() >= 2 && is_emoticon(tail, lexicon) {
            return (word, Some(tail.to_lowercase()));
        }
    }
    (chunk, None)
}

/// A lexicon term written with punctuation: ":(", "<3", "j/k", "x-d".
fn is_emoticon(s: &str, lexicon: &Lexicon) -> bool {
    let punctuated = s.chars().any(|c| !c.is_alphanumeric() && c != '\'');
    punctuated && lexicon.valence(&s.to_lowercase()).is_some()
}

/// "EpicFail" → ["Epic", "Fail"]; "FAIL" and "fail" stay whole.
fn camel_parts(tag: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut start = 0;
    let mut previous_lower = false;
    for (at, c) in tag.char_indices() {
        if c.is_uppercase() && previous_lower {
            parts.push(&tag[start..at]);
            start = at;
        }
        previous_lower = c.is_lowercase();
    }
    parts.push(&tag[start..]);
    parts
}

fn case_of(raw: &str) -> Case {
    let letters = raw.chars().filter(|c| c.is_alphabetic()).count();
    let starts_with_letter = raw.chars().next().is_some_and(char::is_alphabetic);
    if letters < 2 || !starts_with_letter {
        Case::Caseless
    } else if raw.chars().any(char::is_lowercase) {
        Case::Quiet
    } else if raw.chars().any(char::is_uppercase) {
        Case::Shouted
    } else {
        Case::Caseless
    }
}

/// "loooove" → ("love", true), "soo" → ("so", false), "good" → ("good", false). A word
/// the lexicon knows is left alone; otherwise runs are squeezed to two letters, then one.
fn undo_elongation(lower: &str, lexicon: &Lexicon) -> (String, bool) {
    let elongated = longest_letter_run(lower) >= 3;
    if lexicon.knows(lower) || longest_letter_run(lower) < 2 {
        return (lower.to_owned(), false);
    }
    let candidates = [squeeze(lower, 2), squeeze(lower, 1)];
    match candidates.iter().find(|c| lexicon.knows(c)) {
        Some(known) => (known.clone(), elongated),
        None if elongated => (candidates[0].clone(), true),
        None => (lower.to_owned(), false),
    }
}

fn longest_letter_run(word: &str) -> usize {
    let mut longest = 0;
    let mut run = 0;
    let mut previous = None;
    for c in word.chars() {
        run = if previous == Some(c) && c.is_alphabetic() {
            run + 1
        } else {
            1
        };
        longest = longest.max(run);
        previous = Some(c);
    }
    longest
}

/// Cuts every run of one repeated letter down to at most `keep` letters.
fn squeeze(word: &str, keep: usize) -> String {
    let mut out = String::with_capacity(word.len());
    let mut run = 0;
    let mut previous = None;
    for c in word.chars() {
        run = if previous == Some(c) { run + 1 } else { 1 };
        if run <= keep || !c.is_alphabetic() {
            out.push(c);
        }
        previous = Some(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::data::LEXICON;
    use super::*;

    fn texts(post: &str) -> Vec<String> {
        tokenize(post, &LEXICON)
            .into_iter()
            .map(|t| t.text)
            .collect()
    }

    #[test]
    fn social_posts_become_the_words_that_matter() {
        let cases: &[(&str, &[&str])] = &[
            ("Thanks @BrandCare!", &["thanks"]),
            ("see https://t.co/abc123 #fail", &["see", "fail"]),
            (
                "#EpicFail #worst_service",
                &["epic", "fail", "worst", "service"],
            ),
            ("sooooo slooow", &["so", "slow"]),
            ("loooove it", &["love", "it"]),
            ("isn’t helpful", &["isn't", "helpful"]),
            ("ugh :( again", &["ugh", ":(", "again"]),
            ("thanks:)", &["thanks", ":)"]),
            ("ok :D.", &["ok", ":d"]),
            ("😡😡 fix it", &["😡", "😡", "fix", "it"]),
            ("❤️👍🏽", &["❤", "👍"]),
            ("3rd outage, this week", &["3rd", "outage", "this", "week"]),
            ("email me@example.com", &["email", "me", "com"]),
            ("'quoted'", &["quoted"]),
        ];
        for (post, expected) in cases {
            assert_eq!(texts(post), *expected, "{post}");
        }
    }

    #[test]
    fn punctuation_and_line_breaks_start_clauses() {
        let tokens = tokenize("not bad. good\nfine", &LEXICON);
        let starts: Vec<bool> = tokens.iter().map(|t| t.clause_start).collect();
        assert_eq!(starts, [true, false, true, true]);
    }

    #[test]
    fn shouting_is_all_capitals_of_two_letters_or_more() {
        let cases = [
            ("WORST", Case::Shouted),
            ("Worst", Case::Quiet),
            ("worst", Case::Quiet),
            ("I", Case::Caseless),
            ("3RD", Case::Caseless),
            ("注文", Case::Caseless),
        ];
        for (word, case) in cases {
            assert_eq!(case_of(word), case, "{word}");
        }
    }

    #[test]
    fn elongations_are_undone_and_remembered() {
        let cases = [
            ("loooove", "love", true),
            ("gooood", "good", true),
            ("thankssss", "thanks", true),
            ("soo", "so", false),
            ("good", "good", false),
            ("1000", "1000", false),
            ("zzzzzz", "zz", true),
        ];
        for (word, text, elongated) in cases {
            assert_eq!(
                undo_elongation(word, &LEXICON),
                (text.to_owned(), elongated),
                "{word}"
            );
        }
    }

    #[test]
    fn hashtags_split_on_camel_case_only() {
        assert_eq!(camel_parts("EpicFail"), ["Epic", "Fail"]);
        assert_eq!(camel_parts("FAIL"), ["FAIL"]);
        assert_eq!(camel_parts("fail"), ["fail"]);
    }

    #[test]
    fn links_are_recognised() {
        for link in [
            "https://x.com/a",
            "http://a.b",
            "www.brand.com/help",
            "HTTPS://A.B",
        ] {
            assert!(is_link(link), "{link}");
        }
        assert!(!is_link("brand.com"));
    }
}
