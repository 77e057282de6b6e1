//! Planning one conversation's clocks: what its change stops, re-targets, starts, pauses
//! and resumes, and the deadline it leaves the conversation with.

use uuid::Uuid;

use crate::Result;
use crate::entity::{conversations, sla_clocks};
use crate::events::SlaNews;
use crate::repo::conversations::{NO_DEADLINE, time_key};
use crate::sla::clock::{Clock, ClockKind, ClockState, Firing, Outcome};
use crate::tenancy::WorkspaceScope;
use crate::views::{SlaPolicyView, Status};

use super::rows::{self, clock_of, new_row, updated_row, view_of};
use super::{Context, Planned, Trigger, news};

/// One conversation's clocks, open ones changed in place and new ones started.
struct Working {
    /// Open clocks as read, each with its state now and whether it changed.
    open: Vec<(sla_clocks::Model, Clock, bool)>,
    started: Vec<(Clock, Uuid)>,
}

pub(super) fn plan_one(
    context: &Context,
    scope: &WorkspaceScope,
    row: &mut conversations::Model,
    trigger: Trigger,
    planned: &mut Planned,
) -> Result<()> {
    let now = context.now;
    let known = context
        .clocks
        .get(&row.id)
        .map(Vec::as_slice)
        .unwrap_or(&[]);
    let had_first = known
        .iter()
        .any(|c| c.kind == ClockKind::FirstResponse.as_str());
    let mut working = Working {
        open: Vec::new(),
        started: Vec::new(),
    };
    for clock in known
        .iter()
        .filter(|c| c.state != ClockState::Stopped.as_str())
    {
        working.open.push((clock.clone(), clock_of(clock)?, false));
    }
    let status: Status = row.status.parse()?;
    let policy = context.policy_for(row);
    let mut fired: Vec<(usize, Firing)> = Vec::new();
    if matches!(trigger, Trigger::Changed { rematch: true }) {
        rematch(context, &mut working, policy, &mut fired);
    }
    if matches!(status, Status::Resolved | Status::Closed) {
        for (i, (_, clock, changed)) in working.open.iter_mut().enumerate() {
            let kept = clock.kind == ClockKind::Resolution;
            fired.extend(clock.stop(now, kept).map(|f| (i, f)));
            *changed = true;
        }
    } else {
        if trigger == Trigger::Reply {
            for (i, (_, clock, changed)) in working.open.iter_mut().enumerate() {
                if clock.kind.is_response() {
                    fired.extend(clock.stop(now, true).map(|f| (i, f)));
                    *changed = true;
                }
            }
        }
        start_owed(context, &mut working, policy, trigger, had_first);
        hold_or_run(context, &mut working, status);
    }
    settle(context, scope, row, working, fired, planned)
}

/// A new matching policy re-targets each open clock it sets a target for (keeping the time
/// used) and cancels the others.
fn rematch(
    context: &Context,
    working: &mut Working,
    policy: Option<&SlaPolicyView>,
    fired: &mut Vec<(usize, Firing)>,
) {
    let now = context.now;
    let policy_id = policy.map(|p| p.id.as_uuid());
    for (i, (read, clock, changed)) in working.open.iter_mut().enumerate() {
        if read.policy_id == policy_id {
            continue;
        }
        let old = context.calendar(read.business_hours_id);
        match policy.and_then(|p| rows::terms(p, clock.kind).map(|t| (p, t))) {
            Some((policy, terms)) => {
                let hours = policy.business_hours_id.map(|h| h.as_uuid());
                clock.retarget(terms, now, &old, &context.calendar(hours));
                read.policy_id = policy_id;
                read.business_hours_id = hours;
            }
            None => fired.extend(clock.stop(now, false).map(|f| (i, f))),
        }
        *changed = true;
    }
}

/// Starts what the conversation now owes: a response clock after a customer message, and
/// a resolution clock whenever none is open.
fn start_owed(
    context: &Context,
    working: &mut Working,
    policy: Option<&SlaPolicyView>,
    trigger: Trigger,
    had_first: bool,
) {
    let Some(policy) = policy else {
        return;
    };
    let has_open = |kinds: &dyn Fn(ClockKind) -> bool, w: &Working| {
        w.open.iter().any(|(_, c, _)| c.is_open() && kinds(c.kind))
    };
    let mut owed = Vec::new();
    if trigger == Trigger::CustomerMessage && !has_open(&ClockKind::is_response, working) {
        owed.push(if had_first {
            ClockKind::NextResponse
        } else {
            ClockKind::FirstResponse
        });
    }
    if !has_open(&|k| k == ClockKind::Resolution, working) {
        owed.push(ClockKind::Resolution);
    }
    let hours = policy.business_hours_id.map(|h| h.as_uuid());
    let calendar = context.calendar(hours);
    for kind in owed {
        if let Some(terms) = rows::terms(policy, kind) {
            let clock = Clock::start(kind, terms, context.now, &calendar);
            working.started.push((clock, policy.id.as_uuid()));
        }
    }
}

/// `pending` and `snoozed` hold every clock; `open` runs them.
fn hold_or_run(context: &Context, working: &mut Working, status: Status) {
    let now = context.now;
    let held = matches!(status, Status::Pending | Status::Snoozed);
    for (read, clock, changed) in &mut working.open {
        let calendar = context.calendar(read.business_hours_id);
        match (held, clock.state) {
            (true, ClockState::Running) => clock.pause(now, &calendar),
            (false, ClockState::Paused) => clock.resume(now, &calendar),
            _ => continue,
        }
        *changed = true;
    }
    for (clock, policy_id) in &mut working.started {
        if held {
            let hours = context
                .policies
                .iter()
                .find(|p| p.id.as_uuid() == *policy_id)
                .and_then(|p| p.business_hours_id.map(|h| h.as_uuid()));
            clock.pause(now, &context.calendar(hours));
        }
    }
}

/// Turns the decisions into rows, news and the conversation's deadline.
fn settle(
    context: &Context,
    scope: &WorkspaceScope,
    row: &mut conversations::Model,
    working: Working,
    fired: Vec<(usize, Firing)>,
    planned: &mut Planned,
) -> Result<()> {
    let now = context.now;
    let mut running: Vec<Clock> = Vec::new();
    for (i, (read, clock, changed)) in working.open.into_iter().enumerate() {
        if clock.state == ClockState::Running {
            running.push(clock.clone());
        }
        if !changed {
            continue;
        }
        let calendar = context.calendar(read.business_hours_id);
        let written = updated_row(read.clone(), &clock, now);
        let view = view_of(&written, &calendar, now)?;
        for (_, firing) in fired.iter().filter(|(at, _)| *at == i) {
            if *firing == Firing::Breach {
                planned.news.push(news(SlaNews::Breached, view.clone()));
            }
        }
        if clock.outcome == Some(Outcome::Achieved) {
            planned.news.push(news(SlaNews::Achieved, view));
        }
        planned.updates.push((written, read.version));
    }
    for (clock, policy_id) in working.started {
        if clock.state == ClockState::Running {
            running.push(clock.clone());
        }
        let hours = context
            .policies
            .iter()
            .find(|p| p.id.as_uuid() == policy_id)
            .and_then(|p| p.business_hours_id.map(|h| h.as_uuid()));
        planned
            .inserts
            .push(new_row(scope, row.id, policy_id, hours, &clock, now));
    }
    let promised = context
        .promised
        .get(&row.id)
        .map(Vec::as_slice)
        .unwrap_or(&[]);
    let dues = running.iter().filter_map(|c| c.due_at);
    row.sla_due_at = dues.chain(promised.iter().map(|p| p.0)).min();
    row.sla_due_key = row.sla_due_at.map_or(NO_DEADLINE, time_key);
    let warnings = running.iter().filter_map(|c| c.warn_at);
    row.sla_warn_at = warnings.chain(promised.iter().map(|p| p.1)).min();
    Ok(())
}
