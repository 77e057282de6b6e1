//! SLA clocks in GraphQL: the object and its enums, shown on `Conversation.slaClocks`.

use async_graphql::{Enum, ID, SimpleObject};
use chrono::{DateTime, Utc};
use earshot_core::views::SlaClockView;

use super::id;

/// Which promise a clock keeps.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(name = "SlaClockKind", remote = "earshot_core::sla::clock::ClockKind")]
pub enum GqlClockKind {
    /// From the first customer message to the first reply.
    FirstResponse,
    /// From a customer message after a reply to the next reply.
    NextResponse,
    /// From the start (or a re-opening after resolution) to resolution.
    Resolution,
}

/// Where a clock stands.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(
    name = "SlaClockState",
    remote = "earshot_core::sla::clock::ClockState"
)]
pub enum GqlClockState {
    /// Counting down.
    Running,
    /// Held while the conversation is pending or snoozed.
    Paused,
    /// Done.
    Stopped,
}

/// How a stopped clock ended.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(name = "SlaClockOutcome", remote = "earshot_core::sla::clock::Outcome")]
pub enum GqlClockOutcome {
    /// Kept in time.
    Achieved,
    /// The deadline passed first.
    Breached,
    /// No longer owed.
    Cancelled,
}

/// Where a conversation's running clocks stand.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(name = "SlaStatus", remote = "earshot_core::views::SlaStatus")]
pub enum GqlSlaStatus {
    /// No clock is running.
    None,
    /// Every running clock is short of its warning threshold.
    Ok,
    /// A running clock is past its warning threshold.
    AtRisk,
    /// A running clock is past its deadline.
    Breached,
}

/// One promise a conversation runs against, in business seconds.
#[derive(SimpleObject)]
pub struct SlaClock {
    pub id: ID,
    /// Which promise.
    pub kind: GqlClockKind,
    /// Running, paused or stopped.
    pub state: GqlClockState,
    /// How a stopped clock ended.
    pub outcome: Option<GqlClockOutcome>,
    /// The policy it started under; null once deleted.
    pub policy_id: Option<ID>,
    /// Its target in business seconds.
    pub target_seconds: i64,
    /// The share of the target, in percent, after which it warns.
    pub warning_percent: i32,
    /// The calendar it counts in; null: around the clock.
    pub business_hours_id: Option<ID>,
    /// When it started.
    pub started_at: DateTime<Utc>,
    /// Business seconds left as of this read; below zero once overdue.
    pub remaining_seconds: i64,
    /// When it breaches if nothing happens; null unless running.
    pub due_at: Option<DateTime<Utc>>,
    /// When it warns; null unless running.
    pub warn_at: Option<DateTime<Utc>>,
    /// When its warning fired.
    pub warned_at: Option<DateTime<Utc>>,
    /// When it breached.
    pub breached_at: Option<DateTime<Utc>>,
    /// Whether it breached.
    pub breached: bool,
    /// When it stopped.
    pub stopped_at: Option<DateTime<Utc>>,
    /// Raised on each change.
    pub version: i32,
}

impl From<SlaClockView> for SlaClock {
    fn from(v: SlaClockView) -> Self {
        Self {
            id: id(v.id),
            kind: v.kind.into(),
            state: v.state.into(),
            outcome: v.outcome.map(Into::into),
            policy_id: v.policy_id.map(id),
            target_seconds: v.target_seconds,
            warning_percent: i32::from(v.warning_percent),
            business_hours_id: v.business_hours_id.map(id),
            started_at: v.started_at,
            remaining_seconds: v.remaining_seconds,
            due_at: v.due_at,
            warn_at: v.warn_at,
            warned_at: v.warned_at,
            breached_at: v.breached_at,
            breached: v.breached,
            stopped_at: v.stopped_at,
            version: v.version,
        }
    }
}
