//! The platforms' rules for a reply, checked when the agent writes it (not minutes later
//! when the worker sends it): what it answers, how it is addressed, and the windows the
//! platforms allow — Messenger and Instagram DMs 24 hours (7 days as a human agent),
//! WhatsApp 24 hours, one private reply per Facebook or Instagram comment within 7 days.

use chrono::{DateTime, TimeDelta, Utc};

use crate::views::{ChannelKind, Visibility};
use crate::{Error, Result};

/// Messenger, Instagram DMs and WhatsApp: free replies within a day of the customer's
/// last message.
pub(crate) const STANDARD_WINDOW: TimeDelta = TimeDelta::hours(24);
/// Messenger and Instagram: a human agent may answer for a week (the `HUMAN_AGENT` tag);
/// also the time a comment takes a private reply.
pub(crate) const HUMAN_AGENT_WINDOW: TimeDelta = TimeDelta::days(7);

/// What the rules look at.
#[derive(Debug, Clone)]
pub(crate) struct ReplyFacts {
    pub kind: ChannelKind,
    pub conversation: Visibility,
    pub reply: Visibility,
    /// The customer's latest message: its platform id and when it was written.
    pub answered: Option<(String, DateTime<Utc>)>,
    /// A private reply to that message was sent (or is on its way) already.
    pub private_reply_used: bool,
    pub now: DateTime<Utc>,
}

/// How a reply is addressed on its platform.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Route {
    /// Under the customer's public message.
    Public { reply_to: String },
    /// In the customer's private inbox, quoting their message where there is one.
    Direct { reply_to: Option<String> },
    /// A private answer to a public comment (Facebook, Instagram).
    PrivateToComment { comment_id: String },
}

impl Route {
    /// The platform message the reply answers.
    pub(crate) fn reply_to(&self) -> Option<&str> {
        match self {
            Route::Public { reply_to } => Some(reply_to),
            Route::Direct { reply_to } => reply_to.as_deref(),
            Route::PrivateToComment { comment_id } => Some(comment_id),
        }
    }
}

/// The route of a reply, or why the platform would refuse it.
pub(crate) fn route(facts: &ReplyFacts) -> Result<Route> {
    let reply_to = facts.answered.as_ref().map(|(id, _)| id.clone());
    match (facts.conversation, facts.reply) {
        (Visibility::Public, Visibility::Public) => match reply_to {
            Some(reply_to) => Ok(Route::Public { reply_to }),
            None if facts.kind == ChannelKind::Api => Ok(Route::Direct { reply_to: None }),
            None => Err(nothing_to_answer()),
        },
        (Visibility::Private, Visibility::Public) if facts.kind != ChannelKind::Api => {
            Err(Error::conflict(
                "no_public_thread",
                "a private conversation has no public thread to answer in; reply privately",
            ))
        }
        (Visibility::Public, Visibility::Private) if comments_take_private_replies(facts.kind) => {
            private_to_comment(facts)
        }
        _ => {
            within_dm_window(facts)?;
            Ok(Route::Direct { reply_to })
        }
    }
}

fn comments_take_private_replies(kind: ChannelKind) -> bool {
    matches!(kind, ChannelKind::Facebook | ChannelKind::Instagram)
}

fn private_to_comment(facts: &ReplyFacts) -> Result<Route> {
    let Some((comment_id, written)) = &facts.answered else {
        return Err(nothing_to_answer());
    };
    if facts.private_reply_used {
        return Err(Error::conflict(
            "private_reply_used",
            "this comment already had its one private reply; the conversation goes on in the \
             customer's inbox once they answer",
        ));
    }
    if facts.now - *written > HUMAN_AGENT_WINDOW {
        return Err(window_closed(
            "a comment takes a private reply within 7 days of being written",
        ));
    }
    Ok(Route::PrivateToComment {
        comment_id: comment_id.clone(),
    })
}

fn within_dm_window(facts: &ReplyFacts) -> Result<()> {
    let limit = match facts.kind {
        ChannelKind::Whatsapp => STANDARD_WINDOW,
        ChannelKind::Facebook | ChannelKind::Instagram => HUMAN_AGENT_WINDOW,
        ChannelKind::X | ChannelKind::Telegram | ChannelKind::Api => return Ok(()),
    };
    let last = facts.answered.as_ref().map(|(_, at)| *at);
    match last {
        Some(at) if facts.now - at <= limit => Ok(()),
        _ if facts.kind == ChannelKind::Whatsapp => Err(window_closed(
            "WhatsApp takes free-form replies for 24 hours after the customer's last message",
        )),
        _ => Err(window_closed(
            "Messenger and Instagram take replies for 7 days after the customer's last message",
        )),
    }
}

/// Whether a direct reply on `kind`, `since` the customer's last message, needs the
/// `HUMAN_AGENT` tag.
pub(crate) fn needs_human_agent_tag(kind: ChannelKind, since: TimeDelta) -> bool {
    comments_take_private_replies(kind) && since > STANDARD_WINDOW
}

/// What a reply holds, as far as the platforms care.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Content {
    pub has_text: bool,
    pub attachments: usize,
}

/// Refuses attachments a platform's reply call cannot carry, rather than sending the reply
/// without them: X and Telegram replies and public comment replies carry text only;
/// Messenger, Instagram and WhatsApp messages carry text or one attachment.
pub(crate) fn carries(kind: ChannelKind, route: &Route, content: Content) -> Result<()> {
    if content.attachments == 0 || kind == ChannelKind::Api {
        return Ok(());
    }
    let refusal = match (kind, route) {
        (ChannelKind::X | ChannelKind::Telegram, _) => {
            "replies on this platform carry text only: attachments are not sent"
        }
        (_, Route::Public { .. }) => "a public reply to a comment carries text only",
        _ if content.attachments > 1 => {
            "one message carries one attachment on this platform: send each in a reply of its own"
        }
        _ if content.has_text => {
            "one message carries text or an attachment on this platform: send the attachment \
             in a reply of its own"
        }
        _ => return Ok(()),
    };
    Err(Error::invalid("attachments", "not_carried", refusal))
}

fn window_closed(message: &str) -> Error {
    Error::conflict("outside_reply_window", message)
}

fn nothing_to_answer() -> Error {
    Error::conflict(
        "nothing_to_answer",
        "the conversation has no customer message to answer on the platform",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(
        kind: ChannelKind,
        conversation: Visibility,
        reply: Visibility,
        age_hours: i64,
    ) -> ReplyFacts {
        let now = Utc::now();
        ReplyFacts {
            kind,
            conversation,
            reply,
            answered: Some(("c-1".into(), now - TimeDelta::hours(age_hours))),
            private_reply_used: false,
            now,
        }
    }

    fn code(result: Result<Route>) -> &'static str {
        match result {
            Err(Error::Conflict { code, .. }) => code,
            other => unreachable!("expected a refusal, got {other:?}"),
        }
    }

    #[test]
    fn public_replies_answer_the_customers_latest_message() {
        let f = facts(ChannelKind::X, Visibility::Public, Visibility::Public, 500);
        assert_eq!(
            route(&f).ok(),
            Some(Route::Public {
                reply_to: "c-1".into()
            })
        );
    }

    #[test]
    fn a_private_answer_to_a_comment_is_once_and_within_a_week() {
        for kind in [ChannelKind::Facebook, ChannelKind::Instagram] {
            let fresh = facts(kind, Visibility::Public, Visibility::Private, 100);
            assert_eq!(
                route(&fresh).ok(),
                Some(Route::PrivateToComment {
                    comment_id: "c-1".into()
                })
            );
            let old = facts(kind, Visibility::Public, Visibility::Private, 7 * 24 + 1);
            assert_eq!(code(route(&old)), "outside_reply_window");
            let used = ReplyFacts {
                private_reply_used: true,
                ..fresh
            };
            assert_eq!(code(route(&used)), "private_reply_used");
        }
    }

    #[test]
    fn x_moves_a_public_complaint_to_a_dm_at_any_time() {
        let f = facts(
            ChannelKind::X,
            Visibility::Public,
            Visibility::Private,
            24 * 30,
        );
        assert_eq!(
            route(&f).ok(),
            Some(Route::Direct {
                reply_to: Some("c-1".into())
            })
        );
    }

    #[test]
    fn dm_windows_follow_each_platform() {
        let whatsapp = facts(
            ChannelKind::Whatsapp,
            Visibility::Private,
            Visibility::Private,
            23,
        );
        assert!(route(&whatsapp).is_ok());
        let late = facts(
            ChannelKind::Whatsapp,
            Visibility::Private,
            Visibility::Private,
            25,
        );
        assert_eq!(code(route(&late)), "outside_reply_window");
        let messenger = facts(
            ChannelKind::Facebook,
            Visibility::Private,
            Visibility::Private,
            6 * 24,
        );
        assert!(route(&messenger).is_ok());
        assert!(needs_human_agent_tag(
            ChannelKind::Facebook,
            TimeDelta::hours(25)
        ));
        assert!(!needs_human_agent_tag(
            ChannelKind::Facebook,
            TimeDelta::hours(23)
        ));
        let week = facts(
            ChannelKind::Instagram,
            Visibility::Private,
            Visibility::Private,
            8 * 24,
        );
        assert_eq!(code(route(&week)), "outside_reply_window");
        let telegram = facts(
            ChannelKind::Telegram,
            Visibility::Private,
            Visibility::Private,
            24 * 90,
        );
        assert!(route(&telegram).is_ok());
    }

    #[test]
    fn a_dm_conversation_has_no_public_thread() {
        let f = facts(
            ChannelKind::Telegram,
            Visibility::Private,
            Visibility::Public,
            1,
        );
        assert_eq!(code(route(&f)), "no_public_thread");
    }

    #[test]
    fn a_partner_conversation_takes_any_reply() {
        let mut f = facts(
            ChannelKind::Api,
            Visibility::Private,
            Visibility::Public,
            24 * 90,
        );
        f.answered = None;
        assert_eq!(route(&f).ok(), Some(Route::Direct { reply_to: None }));
    }

    #[test]
    fn attachments_a_platform_cannot_carry_are_refused_naming_the_field() {
        let public = Route::Public {
            reply_to: "c1".into(),
        };
        let direct = Route::Direct { reply_to: None };
        let content = |has_text, attachments| Content {
            has_text,
            attachments,
        };
        let refused = |kind, route: &Route, c| match carries(kind, route, c) {
            Err(Error::Validation(fields)) => fields[0].field.clone(),
            other => panic!("expected a refusal, got {other:?}"),
        };
        assert!(carries(ChannelKind::X, &public, content(true, 0)).is_ok());
        assert_eq!(
            refused(ChannelKind::X, &direct, content(true, 1)),
            "attachments"
        );
        assert_eq!(
            refused(ChannelKind::Telegram, &direct, content(false, 1)),
            "attachments"
        );
        assert_eq!(
            refused(ChannelKind::Facebook, &public, content(false, 1)),
            "attachments"
        );
        assert_eq!(
            refused(ChannelKind::Whatsapp, &direct, content(true, 1)),
            "attachments"
        );
        assert_eq!(
            refused(ChannelKind::Instagram, &direct, content(false, 2)),
            "attachments"
        );
        assert!(carries(ChannelKind::Whatsapp, &direct, content(false, 1)).is_ok());
        assert!(carries(ChannelKind::Facebook, &direct, content(false, 1)).is_ok());
        assert!(carries(ChannelKind::Api, &public, content(true, 3)).is_ok());
    }
}
