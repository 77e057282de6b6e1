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

mod breach;
mod fire;
mod plan;
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
use crate::sla::calendar::Calendar;
use crate::sla::clock::ClockState;
use crate::sla::policy;
use crate::tenancy::{Capability, WorkspaceScope};
use crate::views::{ConversationView, SlaClockView, SlaClocksView, SlaPolicyView};

pub(crate) use breach::{escalate, notify, responsible};
pub use fire::fire_due;
use rows::view_of;

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
        plan::plan_one(&context, scope, row, *trigger, &mut planned)?;
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

pub(super) fn news(news: SlaNews, clock: SlaClockView) -> ClockNews {
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
