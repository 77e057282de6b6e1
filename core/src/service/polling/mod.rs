//! Polling the platforms for what webhooks do not bring: X mentions, for a channel whose
//! settings say how often (`mentions`), and X recent search for each enabled keyword
//! listening rule (`search`). The worker's `polling` consumer leases due cursors, fetches
//! every new page (X's `since_id` cursor algorithm), appends them to the inbound-event log
//! as one delivery — where the `inbound` consumer reads them like any other — and only then
//! moves the cursor, so a crash between the two fetches the same posts again (stored once by
//! their ids) and loses none.

mod mentions;
pub(crate) mod search;

use std::collections::BTreeMap;

use chrono::{DateTime, TimeDelta, Utc};
use sea_orm::ConnectionTrait;
use serde_json::Value;

use crate::channels::poll::page_meta;
use crate::channels::probe::{self, Probe};
use crate::channels::send::{self, Answer, Call, Delivery, Unsendable};
use crate::entity::{channels, poll_cursors};
use crate::ids::{ChannelId, OrgId, WorkspaceId};
use crate::inbound::NewInboundEvent;
use crate::repo::poll_cursors::Polled as CursorPolled;
use crate::tenancy::WorkspaceScope;
use crate::views::{ChannelHealth, ChannelKind, EventView};
use crate::{Core, Result, repo};

use super::channels::record_health_changed;

/// How long a worker holds a cursor while it polls.
const LEASE: TimeDelta = TimeDelta::seconds(120);
/// Cursors one turn takes.
const BATCH: u64 = 20;
/// Pages one poll follows (X keeps the 800 newest mentions: 8 pages of 100).
const MAX_PAGES: usize = 10;
/// When polling is switched off, the cursor is looked at again this much later.
const IDLE: TimeDelta = TimeDelta::hours(1);

/// What one turn did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Polled {
    /// Sources polled: channels' mentions and listening rules' searches.
    pub channels: usize,
    /// Posts fetched and logged.
    pub posts: u64,
}

/// Polls the sources due as of `now`.
#[tracing::instrument(skip_all, fields(job = "polling"), err)]
pub async fn poll_due(core: &Core, now: DateTime<Utc>) -> Result<Polled> {
    mentions::start(core, now).await?;
    search::start(core, now).await?;
    let txn = core.db().begin().await?;
    let leased = repo::poll_cursors::lease(&txn, now, now + LEASE, BATCH).await?;
    txn.commit().await?;
    let mut done = Polled::default();
    for cursor in leased {
        done.posts += match search::rule_of(&cursor.source) {
            Some(rule) => search::poll_one(core, &cursor, rule, now).await?,
            None => mentions::poll_one(core, &cursor, now).await?,
        };
        done.channels += 1;
    }
    Ok(done)
}

/// Releases a cursor that had nothing to poll, to be looked at again at `next_due`.
async fn idle(
    conn: &impl ConnectionTrait,
    cursor: &poll_cursors::Model,
    why: Option<String>,
    next_due: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<()> {
    let polled = CursorPolled {
        since_id: None,
        next_due,
        error: why,
        at: now,
    };
    repo::poll_cursors::finish(conn, cursor.id, polled).await
}

/// Why a channel in this health state is not polled, if it is not.
fn not_polled(channel: &channels::Model) -> Result<Option<String>> {
    let health: ChannelHealth = channel.health.parse()?;
    Ok(
        (!matches!(health, ChannelHealth::Active | ChannelHealth::RateLimited))
            .then(|| format!("not polled while the channel is {}", health.as_str())),
    )
}

/// Every new page, newest first, or the platform's refusal; `request` builds the request for
/// the page behind a token (none for the first).
async fn fetch_pages(
    core: &Core,
    request: impl Fn(Option<&str>) -> std::result::Result<Probe, Unsendable>,
) -> std::result::Result<Vec<Value>, Delivery> {
    let mut pages = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let probe = request(token.as_deref()).map_err(|unsendable| Delivery::Failed {
            error: unsendable.0,
        })?;
        let page = fetch_page(core, &probe).await?;
        token = page_meta(&page).next_token;
        pages.push(page);
        if token.is_none() || pages.len() >= MAX_PAGES {
            return Ok(pages);
        }
    }
}

async fn fetch_page(core: &Core, request: &Probe) -> std::result::Result<Value, Delivery> {
    let answer: Answer = probe::get(core.http(), request).await?;
    if !(200..300).contains(&answer.status) {
        let call = Call {
            url: request.url.clone(),
            headers: Vec::new(),
            body: String::new(),
        };
        return Err(match send::read_answer(ChannelKind::X, &call, &answer) {
            Delivery::Sent { .. } => Delivery::Failed {
                error: format!("X answered {}", answer.status),
            },
            refused => refused,
        });
    }
    serde_json::from_str(&answer.body).map_err(|e| Delivery::Retry {
        after: None,
        rate_limited: false,
        error: format!("X answered a page that is not JSON: {e}"),
    })
}

/// What pages hold: how many posts, and the next cursor (the first page's newest id).
fn pages_summary(pages: &[Value]) -> (u64, Option<String>) {
    let posts: u64 = pages.iter().map(|page| page_meta(page).count).sum();
    let newest = pages.first().and_then(|page| page_meta(page).newest_id);
    (posts, newest.filter(|_| posts > 0))
}

/// Appends polled pages to the inbound-event log as one delivery of `channel`, under
/// `platform_event_id` (a repeat of the same id is logged once), and wakes the consumer.
async fn log_pages(
    core: &Core,
    channel: &channels::Model,
    platform_event_id: String,
    body: &Value,
    now: DateTime<Utc>,
) -> Result<()> {
    let row = NewInboundEvent {
        id: uuid::Uuid::now_v7(),
        workspace_id: channel.workspace_id,
        channel_id: channel.id,
        kind: ChannelKind::X.as_str().to_owned(),
        platform_event_id,
        body: body.to_string(),
        received_at: now,
        held_until: None,
    };
    let appended = core
        .inbound_log()
        .append(row, core.config().database.wait)
        .await?;
    if !appended.duplicate {
        core.bus().inbound_logged();
    }
    Ok(())
}

/// The brand's X user id, from the channel's settings.
fn account_of(channel: &channels::Model) -> Value {
    channel
        .settings
        .get("account_id")
        .cloned()
        .unwrap_or(Value::Null)
}

/// What a platform's refusal means for polling.
struct Refusal {
    /// X's words.
    error: String,
    /// How long until the next try: X's wait for a rate limit, the interval otherwise.
    wait: TimeDelta,
    /// The channel's health the refusal shows: a revoked token, or the rate limit.
    health: Option<ChannelHealth>,
}

fn refusal(refused: Delivery, every: TimeDelta) -> Refusal {
    let (health, error, wait) = match refused {
        Delivery::Retry {
            after,
            rate_limited: true,
            error,
        } => {
            let wait = after
                .and_then(|a| TimeDelta::from_std(a).ok())
                .unwrap_or(every);
            (Some(ChannelHealth::RateLimited), error, wait.max(every))
        }
        Delivery::Reauth { error } => (Some(ChannelHealth::NeedsReauth), error, every),
        Delivery::Retry { error, .. } | Delivery::Failed { error } => (None, error, every),
        Delivery::Sent { .. } => (None, "no answer".to_owned(), every),
    };
    Refusal {
        error,
        wait,
        health,
    }
}

/// Moves the channel's health as the platform said (inside `conn`'s transaction); the event
/// to publish once committed, when it moved.
async fn channel_health(
    core: &Core,
    conn: &impl ConnectionTrait,
    scope: &WorkspaceScope,
    channel: &channels::Model,
    health: Option<ChannelHealth>,
    error: &str,
) -> Result<Option<EventView>> {
    let id = ChannelId::from(channel.id);
    let moved = match health {
        Some(health) => {
            repo::channels::set_health(conn, scope, id, health, Some(error.to_owned())).await?
        }
        None => false,
    };
    Ok(match moved {
        true => Some(record_health_changed(core, conn, scope, id).await?),
        false => None,
    })
}

async fn scope_of(core: &Core, channel: &channels::Model) -> Result<WorkspaceScope> {
    let workspace_id = WorkspaceId::from(channel.workspace_id);
    let workspace = repo::workspaces::find_for_entry(core.db().conn(), workspace_id)
        .await?
        .ok_or(crate::Error::NotFound)?;
    Ok(WorkspaceScope::system(
        workspace_id,
        OrgId::from(workspace.org_id),
    ))
}

/// The opened credentials of a channel, for signing its polls.
fn credentials_of(core: &Core, channel: &channels::Model) -> Result<BTreeMap<String, String>> {
    super::channels::opened_credentials(core, channel)
}
