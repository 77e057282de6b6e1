//! The rules of a conversation's life, as pure functions: which status changes an agent
//! may make, and what a new customer message does to an existing conversation.

use chrono::{DateTime, Duration, Utc};

use crate::views::Status;
use crate::{Error, Result};

/// Whether an agent may move a conversation from one status to another. `closed` is final:
/// a later customer message starts a new conversation.
pub fn check_transition(from: Status, to: Status) -> Result<()> {
    use Status::*;
    let allowed = match (from, to) {
        (a, b) if a == b => true,
        (Closed, _) => false,
        (_, Open | Pending | Resolved | Closed | Snoozed) => true,
    };
    if allowed {
        Ok(())
    } else {
        Err(Error::invalid(
            "status",
            "invalid_transition",
            format!("a {from} conversation cannot become {to}"),
        ))
    }
}

/// What a new customer message does to the conversation it would join.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CustomerMessageEffect {
    /// Join it; it is open already.
    Join,
    /// Join it and re-open it.
    Reopen,
    /// Leave it alone and start a new conversation.
    StartNew,
}

/// `pending` and `snoozed` re-open; `resolved` re-opens within the workspace's re-open
/// window and otherwise starts a new conversation; `closed` always starts a new one.
pub fn on_customer_message(
    status: Status,
    resolved_at: Option<DateTime<Utc>>,
    reopen_window: Duration,
    now: DateTime<Utc>,
) -> CustomerMessageEffect {
    match status {
        Status::Open => CustomerMessageEffect::Join,
        Status::Pending | Status::Snoozed => CustomerMessageEffect::Reopen,
        Status::Resolved => match resolved_at {
            Some(at) if now - at <= reopen_window => CustomerMessageEffect::Reopen,
            _ => CustomerMessageEffect::StartNew,
        },
        Status::Closed => CustomerMessageEffect::StartNew,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn closed_is_final_and_everything_else_moves_freely() {
        use Status::*;
        for to in [Open, Pending, Resolved, Snoozed] {
            assert!(check_transition(Closed, to).is_err(), "closed → {to}");
        }
        assert!(check_transition(Closed, Closed).is_ok());
        for from in [Open, Pending, Resolved, Snoozed] {
            for to in [Open, Pending, Resolved, Closed, Snoozed] {
                assert!(check_transition(from, to).is_ok(), "{from} → {to}");
            }
        }
        assert_eq!(
            check_transition(Closed, Open).unwrap_err().code(),
            "validation_failed"
        );
    }

    #[test]
    fn a_customer_message_reopens_pending_snoozed_and_recently_resolved() {
        let now = Utc::now();
        let week = Duration::days(7);
        let cases = [
            (Status::Open, None, CustomerMessageEffect::Join),
            (Status::Pending, None, CustomerMessageEffect::Reopen),
            (Status::Snoozed, None, CustomerMessageEffect::Reopen),
            (
                Status::Resolved,
                Some(now - Duration::days(6)),
                CustomerMessageEffect::Reopen,
            ),
            (
                Status::Resolved,
                Some(now - Duration::days(8)),
                CustomerMessageEffect::StartNew,
            ),
            (Status::Resolved, None, CustomerMessageEffect::StartNew),
            (Status::Closed, Some(now), CustomerMessageEffect::StartNew),
        ];
        for (status, resolved_at, expected) in cases {
            assert_eq!(
                on_customer_message(status, resolved_at, week, now),
                expected,
                "{status}"
            );
        }
    }

    #[test]
    fn the_window_edge_still_reopens() {
        let now = Utc::now();
        let window = Duration::hours(1);
        assert_eq!(
            on_customer_message(Status::Resolved, Some(now - window), window, now),
            CustomerMessageEffect::Reopen
        );
    }
}
