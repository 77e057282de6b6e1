//! Matching: every condition alone, conditions together, and the order policies apply in.

use chrono::{DateTime, TimeZone, Utc};
use uuid::Uuid;

use super::{Candidate, Conditions, ConversationFacts, first_match};
use crate::views::{ChannelKind, Label, Priority, Visibility};

struct Policy {
    name: &'static str,
    enabled: bool,
    position: i32,
    created_at: DateTime<Utc>,
    conditions: Conditions,
}

impl Candidate for Policy {
    fn enabled(&self) -> bool {
        self.enabled
    }
    fn order(&self) -> (i32, DateTime<Utc>, Uuid) {
        (self.position, self.created_at, Uuid::nil())
    }
    fn conditions(&self) -> &Conditions {
        &self.conditions
    }
}

fn at(minute: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 7, 9, minute, 0)
        .single()
        .unwrap_or_default()
}

fn policy(name: &'static str, position: i32, minute: u32, conditions: Conditions) -> Policy {
    Policy {
        name,
        enabled: true,
        position,
        created_at: at(minute),
        conditions,
    }
}

/// A public X mention, normal priority, tagged `billing`, from a neutral customer of
/// influence 0.5.
fn mention() -> ConversationFacts {
    ConversationFacts {
        channel_kind: ChannelKind::X,
        priority: Priority::Normal,
        tags: vec!["billing".to_owned()],
        visibility: Visibility::Public,
        label: Label::Neutral,
        influence: Some(0.5),
    }
}

fn holds(conditions: Conditions, facts: &ConversationFacts) -> bool {
    conditions.hold_for(facts)
}

#[test]
fn no_conditions_match_every_conversation() {
    assert!(holds(Conditions::default(), &mention()));
}

#[test]
fn each_condition_matches_any_of_its_values_and_refuses_the_rest() {
    let facts = mention();
    let cases: Vec<(Conditions, bool)> = vec![
        (
            Conditions {
                channel_kinds: vec![ChannelKind::Facebook, ChannelKind::X],
                ..Default::default()
            },
            true,
        ),
        (
            Conditions {
                channel_kinds: vec![ChannelKind::Whatsapp],
                ..Default::default()
            },
            false,
        ),
        (
            Conditions {
                priorities: vec![Priority::Normal, Priority::High],
                ..Default::default()
            },
            true,
        ),
        (
            Conditions {
                priorities: vec![Priority::Urgent],
                ..Default::default()
            },
            false,
        ),
        (
            Conditions {
                tags: vec!["vip".to_owned(), "billing".to_owned()],
                ..Default::default()
            },
            true,
        ),
        (
            Conditions {
                tags: vec!["vip".to_owned()],
                ..Default::default()
            },
            false,
        ),
        (
            Conditions {
                tags: vec!["Billing".to_owned()],
                ..Default::default()
            },
            false,
        ),
        (
            Conditions {
                visibility: vec![Visibility::Public],
                ..Default::default()
            },
            true,
        ),
        (
            Conditions {
                visibility: vec![Visibility::Private],
                ..Default::default()
            },
            false,
        ),
        (
            Conditions {
                labels: vec![Label::Neutral, Label::Adversary],
                ..Default::default()
            },
            true,
        ),
        (
            Conditions {
                labels: vec![Label::Adversary],
                ..Default::default()
            },
            false,
        ),
        (
            Conditions {
                min_influence: Some(0.5),
                ..Default::default()
            },
            true,
        ),
        (
            Conditions {
                min_influence: Some(0.0),
                ..Default::default()
            },
            true,
        ),
        (
            Conditions {
                min_influence: Some(0.51),
                ..Default::default()
            },
            false,
        ),
    ];
    for (conditions, expected) in cases {
        assert_eq!(
            holds(conditions.clone(), &facts),
            expected,
            "{conditions:?}"
        );
    }
}

#[test]
fn a_conversation_without_an_influence_score_meets_no_influence_minimum() {
    let facts = ConversationFacts {
        influence: None,
        ..mention()
    };
    let zero = Conditions {
        min_influence: Some(0.0),
        ..Default::default()
    };
    assert!(!holds(zero, &facts));
    assert!(holds(Conditions::default(), &facts));
}

#[test]
fn a_conversation_without_tags_meets_no_tag_condition() {
    let facts = ConversationFacts {
        tags: Vec::new(),
        ..mention()
    };
    let tagged = Conditions {
        tags: vec!["billing".to_owned()],
        ..Default::default()
    };
    assert!(!holds(tagged, &facts));
}

#[test]
fn every_condition_given_must_hold() {
    let both = Conditions {
        channel_kinds: vec![ChannelKind::X],
        priorities: vec![Priority::Urgent],
        ..Default::default()
    };
    assert!(!holds(both.clone(), &mention()));
    let urgent = ConversationFacts {
        priority: Priority::Urgent,
        ..mention()
    };
    assert!(holds(both, &urgent));
}

#[test]
fn the_lowest_position_applies_whatever_the_order_given() {
    let policies = vec![
        policy("later", 5, 0, Conditions::default()),
        policy("first", 1, 9, Conditions::default()),
        policy("middle", 3, 1, Conditions::default()),
    ];
    let found = first_match(&mention(), &policies).map(|p| p.name);
    assert_eq!(found, Some("first"));
}

#[test]
fn ties_in_position_go_to_the_older_policy() {
    let policies = vec![
        policy("newer", 2, 30, Conditions::default()),
        policy("older", 2, 10, Conditions::default()),
    ];
    assert_eq!(
        first_match(&mention(), &policies).map(|p| p.name),
        Some("older")
    );
}

#[test]
fn a_policy_that_does_not_match_or_is_disabled_gives_way_to_the_next() {
    let whatsapp = Conditions {
        channel_kinds: vec![ChannelKind::Whatsapp],
        ..Default::default()
    };
    let mut off = policy("off", 1, 0, Conditions::default());
    off.enabled = false;
    let policies = vec![
        off,
        policy("whatsapp", 2, 0, whatsapp),
        policy("fallback", 3, 0, Conditions::default()),
    ];
    assert_eq!(
        first_match(&mention(), &policies).map(|p| p.name),
        Some("fallback")
    );
}

#[test]
fn no_policy_applies_when_none_matches() {
    let private = Conditions {
        visibility: vec![Visibility::Private],
        ..Default::default()
    };
    let policies = vec![policy("dms", 0, 0, private)];
    assert!(first_match(&mention(), &policies).is_none());
    assert!(first_match::<Policy>(&mention(), &[]).is_none());
}
