//! SLA clocks as callers see them.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::ids::{BusinessHoursId, ConversationId, SlaClockId, SlaPolicyId};
use crate::sla::clock::{ClockKind, ClockState, Outcome};

/// One promise a conversation runs against: how long it may take, in business seconds, and
/// where it stands.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SlaClockView {
    /// Id.
    pub id: SlaClockId,
    /// Its conversation.
    pub conversation_id: ConversationId,
    /// `first_response`, `next_response` or `resolution`.
    pub kind: ClockKind,
    /// `running`, `paused` (while the conversation is pending or snoozed) or `stopped`.
    pub state: ClockState,
    /// For a stopped clock: `achieved`, `breached` or `cancelled`.
    pub outcome: Option<Outcome>,
    /// The policy it started under (`null` once that policy is deleted).
    pub policy_id: Option<SlaPolicyId>,
    /// Its target in business seconds, as the policy set it when the clock started.
    pub target_seconds: i64,
    /// The share of the target, in percent, after which it warns.
    pub warning_percent: i16,
    /// The calendar it counts in; `null`: around the clock.
    pub business_hours_id: Option<BusinessHoursId>,
    /// When it started.
    pub started_at: DateTime<Utc>,
    /// Business seconds left when this was read; below zero once overdue.
    pub remaining_seconds: i64,
    /// When it breaches if nothing happens; `null` unless running.
    pub due_at: Option<DateTime<Utc>>,
    /// When it warns; `null` unless running.
    pub warn_at: Option<DateTime<Utc>>,
    /// When its warning fired.
    pub warned_at: Option<DateTime<Utc>>,
    /// When it breached.
    pub breached_at: Option<DateTime<Utc>>,
    /// Whether it breached.
    pub breached: bool,
    /// When it stopped.
    pub stopped_at: Option<DateTime<Utc>>,
    /// Raised on each change; a wake-up acts only on the version it read.
    pub version: i32,
}

/// The clocks of a conversation, oldest first.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SlaClocksView {
    /// The conversation.
    pub conversation_id: ConversationId,
    /// Its clocks, oldest first: open ones and those that stopped.
    pub clocks: Vec<SlaClockView>,
}
