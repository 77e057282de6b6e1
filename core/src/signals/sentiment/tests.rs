//! Table-driven tests of the sentiment scorer on realistic social posts.

use super::*;

/// What a post should score.
#[derive(Debug, Clone, Copy)]
enum Reads {
    /// Below -0.5.
    Furious,
    /// Below -0.05.
    Negative,
    /// Within ±0.2: no sentiment to speak of.
    Flat,
    /// Above 0.05.
    Positive,
    /// Above 0.5.
    Delighted,
}

impl Reads {
    fn accepts(self, score: f64) -> bool {
        match self {
            Reads::Furious => score < -0.5,
            Reads::Negative => score < -0.05,
            Reads::Flat => score.abs() <= 0.2,
            Reads::Positive => score > 0.05,
            Reads::Delighted => score > 0.5,
        }
    }
}

use Reads::{Delighted, Flat, Furious, Negative, Positive};

const POSTS: &[(&str, Reads)] = &[
    // complaints
    ("worst service ever, 3rd outage this week @Brand", Furious),
    ("@Brand still waiting for a response. 5 days now.", Negative),
    (
        "On hold for 45 minutes and then they hung up on me",
        Furious,
    ),
    ("I want a refund. Cancel my subscription.", Furious),
    ("Your app never works when I need it", Negative),
    ("the new update isn't helpful at all", Negative),
    ("No response to my emails. Useless.", Furious),
    ("Fix it!!! I pay for this", Negative),
    ("third time I've asked and still no reply", Furious),
    ("This is a joke. Charged twice and nobody helps", Furious),
    ("Internet down again. 4th day in a row. #fail", Furious),
    (
        "Package never arrived and support isn't answering",
        Negative,
    ),
    ("@Brand can't log in since this morning", Negative),
    ("really disappointed with the service lately", Negative),
    ("the app keeps crashing, please sort it out", Negative),
    // ALL CAPS rants, shouting and elongation
    ("THIS IS THE WORST SERVICE EVER!!!", Furious),
    ("I am SO ANGRY right now", Furious),
    ("wifi is sooooo slooow today", Negative),
    ("ugh why is this sooo bad", Furious),
    ("#EpicFail #NeverAgain @Brand", Furious),
    // emoji and emoticons
    ("😡😡😡", Furious),
    ("🤬", Negative),
    ("👎", Negative),
    ("😭😭 my order", Negative),
    ("still broken :(", Furious),
    ("😍😍", Delighted),
    ("❤️", Positive),
    ("🙏", Positive),
    ("thanks :)", Delighted),
    // praise
    ("Thank you so much, you guys rock!", Delighted),
    ("Best support I've ever had, shoutout to Maria", Delighted),
    ("thanks, that fixed it!", Delighted),
    ("Works now, much appreciated 👍", Delighted),
    ("Loooove the new app ❤️", Delighted),
    ("Quick response and super helpful, thanks!", Delighted),
    ("Shoutout to @Brand for going above and beyond", Delighted),
    // questions and neutral
    ("@Brand do you ship to Canada?", Flat),
    ("How do I change my delivery address?", Flat),
    ("What are your opening hours on Sunday", Flat),
    ("My order number is 84721", Flat),
    ("Is there a student discount", Flat),
    // mixed
    ("I love the product but the delivery was terrible", Negative),
    (
        "The app is great but the 3rd outage this week is not ok",
        Negative,
    ),
    (
        "Slow reply, but the agent was very kind and fixed it",
        Positive,
    ),
    ("not bad, but kind of slow", Flat),
    // non-English
    ("Wo ist meine Bestellung? Ich warte seit zwei Wochen.", Flat),
    ("¿Dónde está mi pedido? Llevo dos semanas esperando.", Flat),
    ("No funciona la aplicación desde ayer", Flat),
    ("Je n'arrive pas à me connecter à mon compte", Flat),
    ("注文した商品がまだ届きません", Flat),
    ("Заказ до сих пор не пришёл", Flat),
];

#[test]
fn realistic_social_posts_read_as_a_person_would_read_them() {
    let wrong: Vec<String> = POSTS
        .iter()
        .map(|(post, reads)| (post, reads, score(post)))
        .filter(|(_, reads, score)| !reads.accepts(*score))
        .map(|(post, reads, score)| format!("{post:?} scored {score:.3}, expected {reads:?}"))
        .collect();
    assert!(wrong.is_empty(), "\n{}", wrong.join("\n"));
}

#[test]
fn the_outage_rant_is_strongly_negative() {
    assert!(score("worst service ever, 3rd outage this week @Brand") < -0.5);
}

#[test]
fn modifiers_move_the_score_the_right_way() {
    // (milder, stronger, why): the second must score further from zero, same sign.
    let cases = [
        ("good", "very good", "a booster intensifies"),
        (
            "bad",
            "extremely bad",
            "a booster intensifies negatives too",
        ),
        ("slightly bad", "bad", "a dampener softens"),
        ("kind of slow", "slow", "a multi-word dampener softens"),
        (
            "this is bad",
            "this is BAD",
            "shouting stands out in a mixed-case post",
        ),
        ("good", "good!!!", "exclamation marks add emphasis"),
        (
            "where is my order?",
            "where is my order???",
            "repeated question marks add urgency",
        ),
        ("love it", "loooove it", "elongation adds emphasis"),
        (
            "so slow",
            "sooooo slooow",
            "elongated boosters and words add emphasis",
        ),
        ("great", "great 😍", "emoji add to the words"),
        (
            "not working",
            "still not working",
            "'still' intensifies a complaint",
        ),
    ];
    for (milder, stronger, why) in cases {
        let (a, b) = (score(milder), score(stronger));
        assert!(
            a * b > 0.0 && b.abs() > a.abs(),
            "{why}: {milder} {a:.3} vs {stronger} {b:.3}"
        );
    }
}

#[test]
fn negation_flips_the_sign() {
    let cases = [
        ("good", "not good"),
        ("helpful", "isn't helpful"),
        ("happy", "never happy"),
        ("bad", "not bad"),
        ("problem", "no problem"),
        ("fixed it", "haven't fixed it"),
        ("helpful", "not really helpful"),
        ("a happy customer", "without a happy customer"),
        ("GOOD", "NOT GOOD"),
    ];
    for (plain, negated) in cases {
        let (a, b) = (score(plain), score(negated));
        assert!(a * b < 0.0, "{plain} {a:.3} vs {negated} {b:.3}");
    }
}

#[test]
fn negation_turns_neutral_expectations_into_complaints() {
    for (plain, negated) in [
        ("it works", "it never works"),
        ("the app is working", "the app is not working"),
        ("my parcel arrived", "my parcel hasn't arrived"),
        ("I got a response", "no response"),
        ("I can log in", "I can't log in"),
    ] {
        let (a, b) = (score(plain), score(negated));
        assert!(a >= 0.0 && b < -0.3, "{plain} {a:.3} vs {negated} {b:.3}");
    }
}

#[test]
fn negation_stops_at_the_end_of_a_clause() {
    assert!(score("No. Great job!") > 0.5);
    assert!(score("No, it's great") > 0.3);
    assert!(score("never so happy") > score("happy"));
}

#[test]
fn the_clause_after_but_weighs_more() {
    let cases = [
        ("the agent was nice but the app is terrible", Negative),
        ("the app is terrible but the agent was nice", Positive),
    ];
    for (post, reads) in cases {
        assert!(reads.accepts(score(post)), "{post}: {}", score(post));
    }
}

#[test]
fn handles_links_and_hashtags_are_read_for_what_they_are() {
    assert_eq!(score("@Terrible_Horrible_Bank"), 0.0);
    assert_eq!(score("see https://example.com/awful-bad-worst?x=1!!"), 0.0);
    assert_eq!(score("#fail"), score("fail"));
    assert_eq!(score("#Fail"), score("fail"));
}

#[test]
fn empty_and_wordless_posts_score_zero() {
    for post in [
        "",
        "   ",
        "\n\n",
        "?!?!",
        "12345",
        "@Brand",
        "https://t.co/x",
        "🏽\u{FE0F}\u{200D}",
    ] {
        assert_eq!(score(post), 0.0, "{post:?}");
    }
}

#[test]
fn the_compound_is_vader_normalised() {
    // "good" alone: 1.9 / sqrt(1.9² + 15).
    let expected = 1.9 / (1.9_f64 * 1.9 + 15.0).sqrt();
    assert!((score("good") - expected).abs() < 1e-12);
    assert!((normalise(1e6) - 1.0).abs() < 1e-6);
    assert!((normalise(-1e6) + 1.0).abs() < 1e-6);
}
