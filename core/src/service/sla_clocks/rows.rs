//! A clock between its stored row, its pure state and what callers see.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::Result;
use crate::entity::sla_clocks::Model;
use crate::ids::{BusinessHoursId, ConversationId, SlaClockId, SlaPolicyId};
use crate::sla::calendar::Calendar;
use crate::sla::clock::{Clock, ClockKind, Outcome, Terms};
use crate::tenancy::WorkspaceScope;
use crate::views::{SlaClockView, SlaPolicyView};

/// The terms a policy sets for a kind of clock; `None` when it sets no target for it.
pub(super) fn terms(policy: &SlaPolicyView, kind: ClockKind) -> Option<Terms> {
    let targets = &policy.targets;
    let target = match kind {
        ClockKind::FirstResponse => targets.first_response_seconds,
        ClockKind::NextResponse => targets.next_response_seconds,
        ClockKind::Resolution => targets.resolution_seconds,
    }?;
    Some(Terms {
        target_seconds: target,
        warning_percent: policy.warning_percent,
    })
}

pub(super) fn clock_of(row: &Model) -> Result<Clock> {
    Ok(Clock {
        kind: row.kind.parse()?,
        terms: Terms {
            target_seconds: row.target_seconds,
            warning_percent: row.warning_percent,
        },
        state: row.state.parse()?,
        started_at: row.started_at,
        resumed_at: row.resumed_at,
        remaining_seconds: row.remaining_seconds,
        due_at: row.due_at,
        warn_at: row.warn_at,
        wake_at: row.wake_at,
        warned_at: row.warned_at,
        breached_at: row.breached_at,
        stopped_at: row.stopped_at,
        outcome: row.outcome.as_deref().map(str::parse).transpose()?,
    })
}

/// The row of a clock just started.
pub(super) fn new_row(
    scope: &WorkspaceScope,
    conversation_id: Uuid,
    policy_id: Uuid,
    business_hours_id: Option<Uuid>,
    clock: &Clock,
    now: DateTime<Utc>,
) -> Model {
    let row = Model {
        id: SlaClockId::new().as_uuid(),
        workspace_id: scope.workspace_id().as_uuid(),
        conversation_id,
        kind: clock.kind.as_str().to_owned(),
        policy_id: Some(policy_id),
        target_seconds: clock.terms.target_seconds,
        warning_percent: clock.terms.warning_percent,
        business_hours_id,
        state: String::new(),
        started_at: clock.started_at,
        resumed_at: None,
        remaining_seconds: 0,
        due_at: None,
        warn_at: None,
        wake_at: None,
        warned_at: None,
        breached_at: None,
        stopped_at: None,
        outcome: None,
        version: 0,
        updated_at: now,
    };
    with_state(row, clock)
}

/// The row of a changed clock, at the next version.
pub(super) fn updated_row(row: Model, clock: &Clock, now: DateTime<Utc>) -> Model {
    let mut row = with_state(row, clock);
    row.version += 1;
    row.updated_at = now;
    row
}

fn with_state(mut row: Model, clock: &Clock) -> Model {
    row.target_seconds = clock.terms.target_seconds;
    row.warning_percent = clock.terms.warning_percent;
    row.state = clock.state.as_str().to_owned();
    row.resumed_at = clock.resumed_at;
    row.remaining_seconds = clock.remaining_seconds;
    row.due_at = clock.due_at;
    row.warn_at = clock.warn_at;
    row.wake_at = clock.wake_at;
    row.warned_at = clock.warned_at;
    row.breached_at = clock.breached_at;
    row.stopped_at = clock.stopped_at;
    row.outcome = clock.outcome.map(|o| o.as_str().to_owned());
    row
}

/// What callers see of a clock at `now`.
pub(super) fn view_of(
    row: &Model,
    calendar: &Calendar,
    now: DateTime<Utc>,
) -> Result<SlaClockView> {
    let clock = clock_of(row)?;
    Ok(SlaClockView {
        id: SlaClockId::from(row.id),
        conversation_id: ConversationId::from(row.conversation_id),
        kind: clock.kind,
        state: clock.state,
        outcome: clock.outcome,
        policy_id: row.policy_id.map(SlaPolicyId::from),
        target_seconds: row.target_seconds,
        warning_percent: row.warning_percent,
        business_hours_id: row.business_hours_id.map(BusinessHoursId::from),
        started_at: row.started_at,
        remaining_seconds: clock.remaining_at(now, calendar),
        due_at: row.due_at,
        warn_at: row.warn_at,
        warned_at: row.warned_at,
        breached_at: row.breached_at,
        breached: row.breached_at.is_some() || clock.outcome == Some(Outcome::Breached),
        stopped_at: row.stopped_at,
        version: row.version,
    })
}
