//! What the demo's customers say: a cast of people (a few of them influential on X) and a
//! script of their messages on every platform — angry and happy, questions and thanks, public
//! mentions and comments, DMs, and threads that get follow-ups.

/// Where a line is said.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Surface {
    /// A public post on X mentioning the brand (or replying in a thread that does).
    XMention,
    /// A DM to the brand's X account.
    XDm,
    /// A comment on the brand's Facebook Page post.
    FacebookComment,
    /// A Messenger message to the Page.
    Messenger,
    /// A comment on the brand's Instagram post.
    InstagramComment,
    /// An Instagram DM.
    InstagramDm,
    /// A WhatsApp message to the brand's business number.
    Whatsapp,
    /// A message to the brand's Telegram bot.
    Telegram,
}

/// One customer.
#[derive(Clone, Copy, Debug)]
pub struct Person {
    /// A small number unique in the cast: every platform id of the person derives from it.
    pub n: u64,
    /// Given name.
    pub first: &'static str,
    /// Family name.
    pub last: &'static str,
    /// Handle on X, Instagram and Telegram, without `@`.
    pub handle: &'static str,
    /// Followers on X.
    pub followers: u64,
}

impl Person {
    /// `first last`.
    pub fn name(&self) -> String {
        format!("{} {}", self.first, self.last)
    }
}

/// One message of the script.
#[derive(Clone, Copy, Debug)]
pub struct Line {
    /// Who says it.
    pub who: &'static Person,
    /// Where.
    pub surface: Surface,
    /// In answer to an earlier line of the script (its index), in that line's public thread.
    pub replies_to: Option<usize>,
    /// The words.
    pub text: &'static str,
}

const fn person(
    n: u64,
    first: &'static str,
    last: &'static str,
    handle: &'static str,
    followers: u64,
) -> Person {
    Person {
        n,
        first,
        last,
        handle,
        followers,
    }
}

const DANA: Person = person(1, "Dana", "Reyes", "dana_builds", 48_200);
const LEE: Person = person(2, "Lee", "Okafor", "lee_ops", 310);
const SAM: Person = person(3, "Sam", "Kowalski", "sam.k", 0);
const INES: Person = person(4, "Inês", "Moreira", "ines_m", 0);
const THEO: Person = person(5, "Theo", "Brandt", "theo_b", 0);
const PRIYA: Person = person(6, "Priya", "Nair", "priya.codes", 0);
const MARCUS: Person = person(7, "Marcus", "Hale", "marcushale", 251_000);
const YUKI: Person = person(8, "Yuki", "Tanaka", "yuki_t", 0);
const OLU: Person = person(9, "Olu", "Adeyemi", "olu.adeyemi", 0);
const ANA: Person = person(10, "Ana", "Souza", "ana_souza", 0);
const KOFI: Person = person(11, "Kofi", "Mensah", "kofi_writes", 121_500);
const MIA: Person = person(12, "Mia", "Jensen", "mia.jensen", 0);

const fn line(
    who: &'static Person,
    surface: Surface,
    replies_to: Option<usize>,
    text: &'static str,
) -> Line {
    Line {
        who,
        surface,
        replies_to,
        text,
    }
}

use Surface::*;

/// The script, played in order and then again from the top (with new message ids).
pub const SCRIPT: [Line; 18] = [
    line(
        &DANA,
        XMention,
        None,
        "@AcmeHelp third outage this week and my whole team is offline again. Seriously looking at alternatives now.",
    ),
    line(
        &YUKI,
        Telegram,
        None,
        "Hi! Can I still change the delivery address on order A-2231? It hasn't shipped yet.",
    ),
    line(
        &THEO,
        Whatsapp,
        None,
        "Hello, my order A-1001 still hasn't arrived and the tracking hasn't moved in 5 days. What is going on?",
    ),
    line(
        &LEE,
        XMention,
        Some(0),
        "@AcmeHelp @dana_builds same here, nothing loads since 9am. Any ETA?",
    ),
    line(
        &OLU,
        FacebookComment,
        None,
        "Still no refund after two weeks. I've emailed three times and nobody answers.",
    ),
    line(
        &PRIYA,
        InstagramComment,
        None,
        "Love the new colours!! Do you ship to Canada?",
    ),
    line(
        &SAM,
        Messenger,
        None,
        "Hi, I was charged twice for my last order. Can you refund one of the payments please?",
    ),
    line(
        &MARCUS,
        XMention,
        None,
        "Been testing the new @AcmeHelp app for a week. Honestly the smoothest checkout I've used this year. Nice work.",
    ),
    line(
        &THEO,
        Whatsapp,
        None,
        "Hello? Anyone there? This is getting ridiculous.",
    ),
    line(
        &INES,
        InstagramDm,
        None,
        "Hi! The jacket I ordered is too small. How do I exchange it for a larger size?",
    ),
    line(
        &DANA,
        XMention,
        Some(0),
        "@AcmeHelp two hours later and still nothing. Not even a status page update. Unacceptable.",
    ),
    line(
        &ANA,
        Whatsapp,
        None,
        "Thank you so much for the quick help yesterday, the replacement arrived this morning!",
    ),
    line(
        &YUKI,
        Telegram,
        None,
        "Also, can I get an invoice with my company name on it?",
    ),
    line(
        &OLU,
        FacebookComment,
        Some(4),
        "Update: still nothing. Think twice before ordering here.",
    ),
    line(
        &KOFI,
        XDm,
        None,
        "Hi, I'm a reporter at TechDaily writing about today's outage. Could someone from your team comment before 5pm?",
    ),
    line(
        &SAM,
        Messenger,
        None,
        "The order number is A-1042, if that helps.",
    ),
    line(
        &MIA,
        FacebookComment,
        None,
        "Customer service here is top notch, they sorted my issue in five minutes. Thanks Jess!",
    ),
    line(
        &PRIYA,
        InstagramComment,
        Some(5),
        "Also what's the return window for international orders?",
    ),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn follow_ups_answer_an_earlier_public_line_of_the_same_platform() {
        for (i, line) in SCRIPT.iter().enumerate() {
            if let Some(earlier) = line.replies_to {
                assert!(earlier < i, "line {i}");
                assert_eq!(SCRIPT[earlier].surface, line.surface, "line {i}");
                assert!(matches!(
                    line.surface,
                    XMention | FacebookComment | InstagramComment
                ));
            }
        }
    }

    #[test]
    fn the_cast_is_on_every_platform_and_some_are_influential() {
        for surface in [
            XMention,
            XDm,
            FacebookComment,
            Messenger,
            InstagramComment,
            InstagramDm,
            Whatsapp,
            Telegram,
        ] {
            assert!(SCRIPT.iter().any(|l| l.surface == surface), "{surface:?}");
        }
        let influential = SCRIPT.iter().filter(|l| l.who.followers >= 10_000).count();
        assert!(influential >= 3);
    }
}
