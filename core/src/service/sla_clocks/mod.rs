//! A conversation's SLA clocks follow what happens to it (SPEC §3). After each change —
//! a customer message, a reply, a status, priority or tag change — the conversation's clocks
//! are brought in line with it: a customer message starts the response clock owed (first,
//! then next) and the resolution clock; a reply stops the response clock; resolving stops
//! every clock; `pending` and `snoozed` pause them and re-opening resumes them; a new
//! priority or tag re-matches the policy and re-targets running clocks, keeping the
//! business time already used. Clocks start under the policy that matches at that moment and
//! keep its terms: editing a policy changes clocks started after the edit.
//!
//! The same planning serves one conversation and a whole batch: it reads what it needs in
//! a few statements for all of them, decides in memory, and writes the new clocks in one
//! statement. The conversation keeps its earliest running deadline and warning time for the
//! inbox; the worker's wake-up index learns the clocks' deadlines from the committed events
//! (`wake_ups::index_clocks`), and firing is in `fire`.

mod fire;
mod rows;

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::ConnectionTrait;
use uuid::Uuid;

use crate::Core;
use crate::Result;
use crate::entity::{conversations, sla_clocks};
use crate::events::{Event, SlaNews};
use crate::ids::ConversationId;
use crate::repo;
use crate::repo::conversations::{NO_DEADLINE, time_key};
use crate::sla::calendar::Calendar;
use crate::sla::clock::{Clock, ClockKind, ClockState, Firing, Outcome};
use crate::sla::policy;
use crate::tenancy::{Capability, WorkspaceScope};
use crate::views::{ConversationView, SlaClockView, SlaClocksView, SlaPolicyView, Status};

pub use fire::fire_due;
pub(crate) use fire::{escalate, notify, responsible};
use rows::{clock_of, new_row, updated_row, view_of};

/// What just happened to a conversation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Trigger {
    /// A customer's message was stored.
    CustomerMessage,
    /// An agent's reply (public or private) was stored; a note is no trigger.
    Reply,
    /// Its status, assignment, priority or tags changed; `rematch` when priority or tags did.
    Changed { rematch: bool },
}

/// A clock's news for the event log, with the clock as it now is.
pub(crate) struct ClockNews {
    pub news: SlaNews,
    pub clock: SlaClockView,
}

impl ClockNews {
    /// Its event, showing the conversation as the change left it.
    pub(crate) fn event(self, conversation: ConversationView) -> Event {
        Event::sla(self.news, conversation, self.clock)
    }
}

/// What planning decided: clocks to insert, clocks to change (with the version read) and
/// their news.
#[derive(Default)]
pub(crate) struct Planned {
    inserts: Vec<sla_clocks::Model>,
    updates: Vec<(sla_clocks::Model, i32)>,
    pub news: Vec<ClockNews>,
}

/// An open commitment's due and warning times.
type Promised = (DateTime<Utc>, DateTime<Utc>);

/// What a plan reads once for all its conversations.
struct Context {
    policies: Vec<SlaPolicyView>,
    facts: HashMap<Uuid, policy::ConversationFacts>,
    calendars: HashMap<Uuid, Calendar>,
    clocks: HashMap<Uuid, Vec<sla_clocks::Model>>,
    /// Open commitments' due and warning times, by conversation: they count in its deadline.
    promised: HashMap<Uuid, Vec<Promised>>,
    now: DateTime<Utc>,
}

impl Context {
    fn calendar(&self, id: Option<Uuid>) -> Calendar {
        id.and_then(|id| self.calendars.get(&id).cloned())
            .unwrap_or_else(Calendar::always)
    }

    fn policy_for(&self, row: &conversations::Model) -> Option<&SlaPolicyView> {
        let facts = self.facts.get(&row.id)?;
        policy::first_match(facts, &self.policies)
    }
}

/// Brings one conversation's clocks in line with a change inside the caller's transaction;
/// returns the conversation with its SLA deadline updated, and the clocks' news.
pub(crate) async fn reconcile_one(
    conn: &impl ConnectionTrait,
    scope: &WorkspaceScope,
    row: conversations::Model,
    trigger: Trigger,
    now: DateTime<Utc>,
) -> Result<(conversations::Model, Vec<ClockNews>)> {
    let before = (row.sla_due_at, row.sla_warn_at);
    let mut rows = [row];
    let planned = plan(conn, scope, &mut rows, &[trigger], now).await?;
    let [row] = rows;
    let news = write(conn, planned).await?;
    let row = if (row.sla_due_at, row.sla_warn_at) == before {
        row
    } else {
        repo::conversations::set_sla(conn, scope, row).await?
    };
    Ok((row, news))
}

/// Decides what each conversation's change does to its clocks (`triggers[i]` happened to
/// `rows[i]`) and sets each row's SLA deadline and warning time; nothing is written yet.
pub(crate) async fn plan(
    conn: &impl ConnectionTrait,
    scope: &WorkspaceScope,
    rows: &mut [conversations::Model],
    triggers: &[Trigger],
    now: DateTime<Utc>,
) -> Result<Planned> {
    let Some(context) = context(conn, scope, rows, now).await? else {
        return Ok(Planned::default());
    };
    let mut planned = Planned::default();
    for (row, trigger) in rows.iter_mut().zip(triggers) {
        plan_one(&context, scope, row, *trigger, &mut planned)?;
    }
    Ok(planned)
}

/// Writes what a plan decided; its news. `Conflict` when a clock changed meanwhile.
pub(crate) async fn write(conn: &impl ConnectionTrait, planned: Planned) -> Result<Vec<ClockNews>> {
    repo::sla_clocks::insert_many(conn, planned.inserts).await?;
    for (row, read_version) in planned.updates {
        repo::sla_clocks::update_at_version(conn, row, read_version).await?;
    }
    Ok(planned.news)
}

/// Reads what planning needs; `None` when no policy is enabled and no clock is open, so a
/// workspace without SLAs pays one or two reads.
async fn context(
    conn: &impl ConnectionTrait,
    scope: &WorkspaceScope,
    rows: &[conversations::Model],
    now: DateTime<Utc>,
) -> Result<Option<Context>> {
    let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
    let existing = repo::sla_clocks::open_and_first(conn, scope, &ids).await?;
    let any_open = existing
        .iter()
        .any(|c| c.state != ClockState::Stopped.as_str());
    let policies = repo::sla_policies::enabled(conn, scope).await?;
    let commitments = repo::commitments::open_of(conn, scope, &ids).await?;
    let promised_before = rows.iter().any(|r| r.sla_due_at.is_some());
    if policies.is_empty() && !any_open && commitments.is_empty() && !promised_before {
        return Ok(None);
    }
    let mut promised: HashMap<Uuid, Vec<Promised>> = HashMap::new();
    for c in commitments {
        promised
            .entry(c.conversation_id)
            .or_default()
            .push((c.due_at, c.warn_at));
    }
    let facts = if policies.is_empty() {
        HashMap::new()
    } else {
        repo::sla_policies::facts_of(conn, scope, rows).await?
    };
    let calendar_ids: Vec<Uuid> = policies
        .iter()
        .filter_map(|p| p.business_hours_id.map(|h| h.as_uuid()))
        .chain(existing.iter().filter_map(|c| c.business_hours_id))
        .collect();
    let calendars = super::business_hours::calendars(conn, scope, &calendar_ids).await?;
    let mut clocks: HashMap<Uuid, Vec<sla_clocks::Model>> = HashMap::new();
    for clock in existing {
        clocks.entry(clock.conversation_id).or_default().push(clock);
    }
    Ok(Some(Context {
        policies,
        facts,
        calendars,
        clocks,
        promised,
        now,
    }))
}

/// One conversation's clocks, open ones changed in place and new ones started.
struct Working {
    /// Open clocks as read, each with its state now and whether it changed.
    open: Vec<(sla_clocks::Model, Clock, bool)>,
    started: Vec<(Clock, Uuid)>,
}

fn plan_one(
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

fn news(news: SlaNews, clock: SlaClockView) -> ClockNews {
    ClockNews { news, clock }
}

/// The clocks of a conversation the scope may read, oldest first.
pub async fn of_conversation(
    core: &Core,
    scope: &WorkspaceScope,
    id: ConversationId,
) -> Result<SlaClocksView> {
    scope.require(Capability::ReadConversations)?;
    let conn = core.db().conn();
    repo::conversations::get(conn, scope, id).await?;
    let rows = repo::sla_clocks::of_conversation(conn, scope, id).await?;
    let hours: Vec<Uuid> = rows.iter().filter_map(|r| r.business_hours_id).collect();
    let calendars = super::business_hours::calendars(conn, scope, &hours).await?;
    let now = Utc::now();
    let clocks = rows
        .iter()
        .map(|row| {
            let calendar = row
                .business_hours_id
                .and_then(|h| calendars.get(&h).cloned())
                .unwrap_or_else(Calendar::always);
            view_of(row, &calendar, now)
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(SlaClocksView {
        conversation_id: id,
        clocks,
    })
}
