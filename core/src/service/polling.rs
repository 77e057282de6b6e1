//! Polling the platforms for what webhooks do not bring: X mentions, for a channel whose
//! settings say how often (`poll_mentions_every`, seconds). The worker's `polling` consumer
//! leases due cursors, fetches every new page (X's `since_id` cursor algorithm), appends
//! them to the inbound-event log as one delivery — where the `inbound` consumer reads them
//! like any other — and only then moves the cursor, so a crash between the two fetches the
//! same posts again (stored once by their ids) and loses none.

use chrono::{DateTime, TimeDelta, Utc};
use serde_json::{Value, json};

use crate::channels::poll::{self, page_meta};
use crate::channels::probe::{self, Probe};
use crate::channels::send::{self, Answer, Call, Delivery};
use crate::entity::{channels, poll_cursors};
use crate::ids::{ChannelId, OrgId, WorkspaceId};
use crate::inbound::NewInboundEvent;
use crate::repo::poll_cursors::Polled as CursorPolled;
use crate::tenancy::WorkspaceScope;
use crate::views::{ChannelHealth, ChannelKind};
use crate::{Core, Result, repo};

use super::channels::{opened_credentials, record_health_changed};

/// The source polled: X's mention timeline.
const X_MENTIONS: &str = "x_mentions";
/// How long a worker holds a cursor while it polls.
const LEASE: TimeDelta = TimeDelta::seconds(120);
/// Cursors one turn takes.
const BATCH: u64 = 20;
/// Pages one poll follows (X keeps the 800 newest mentions: 8 pages of 100).
const MAX_PAGES: usize = 10;
/// The shortest interval a channel may ask for (X allows 300 mention reads per 15 minutes).
const MIN_EVERY: i64 = 15;
/// When polling is switched off, the cursor is looked at again this much later.
const IDLE: TimeDelta = TimeDelta::hours(1);

/// What one turn did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Polled {
    /// Channels polled.
    pub channels: usize,
    /// Posts fetched and logged.
    pub posts: u64,
}

/// Polls the channels due as of `now`.
#[tracing::instrument(skip_all, fields(job = "polling"), err)]
pub async fn poll_due(core: &Core, now: DateTime<Utc>) -> Result<Polled> {
    start_polling(core, now).await?;
    let txn = core.db().begin().await?;
    let leased = repo::poll_cursors::lease(&txn, now, now + LEASE, BATCH).await?;
    txn.commit().await?;
    let mut done = Polled::default();
    for cursor in leased {
        done.posts += poll_one(core, &cursor, now).await?;
        done.channels += 1;
    }
    Ok(done)
}

/// Gives every X channel that asks for polling a cursor.
async fn start_polling(core: &Core, now: DateTime<Utc>) -> Result<()> {
    let conn = core.db().conn();
    for channel in repo::channels::of_kind(conn, ChannelKind::X).await? {
        if every(&channel.settings).is_some() {
            repo::poll_cursors::ensure(conn, channel.workspace_id, channel.id, X_MENTIONS, now)
                .await?;
        }
    }
    Ok(())
}

/// The channel's polling interval, if it polls.
fn every(settings: &Value) -> Option<TimeDelta> {
    let seconds: i64 = settings
        .get("poll_mentions_every")?
        .as_str()?
        .parse()
        .ok()?;
    Some(TimeDelta::seconds(seconds.max(MIN_EVERY)))
}

/// Polls one channel; how many posts it logged.
async fn poll_one(core: &Core, cursor: &poll_cursors::Model, now: DateTime<Utc>) -> Result<u64> {
    let conn = core.db().conn();
    let id = ChannelId::from(cursor.channel_id);
    let idle = |error: Option<String>, next_due| CursorPolled {
        since_id: None,
        next_due,
        error,
        at: now,
    };
    let Some(channel) = repo::channels::find_for_hook(conn, id).await? else {
        return Ok(0);
    };
    let Some(every) = every(&channel.settings) else {
        repo::poll_cursors::finish(conn, cursor.id, idle(None, now + IDLE)).await?;
        return Ok(0);
    };
    let health: ChannelHealth = channel.health.parse()?;
    if !matches!(health, ChannelHealth::Active | ChannelHealth::RateLimited) {
        let why = Some(format!(
            "not polled while the channel is {}",
            health.as_str()
        ));
        repo::poll_cursors::finish(conn, cursor.id, idle(why, now + every)).await?;
        return Ok(0);
    }
    let credentials = opened_credentials(core, &channel)?;
    match fetch_pages(
        core,
        &channel.settings,
        &credentials,
        cursor.since_id.as_deref(),
        now,
    )
    .await
    {
        Ok(pages) => store_pages(core, cursor, &channel, pages, now + every, now).await,
        Err(refused) => {
            record_refusal(core, cursor, &channel, refused, every, now).await?;
            Ok(0)
        }
    }
}

/// Every new page, newest first, or the platform's refusal.
async fn fetch_pages(
    core: &Core,
    settings: &Value,
    credentials: &std::collections::BTreeMap<String, String>,
    since_id: Option<&str>,
    now: DateTime<Utc>,
) -> std::result::Result<Vec<Value>, Delivery> {
    let mut pages = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let request = poll::mentions_page(settings, credentials, since_id, token.as_deref(), now)
            .map_err(|unsendable| Delivery::Failed {
            error: unsendable.0,
        })?;
        let page = fetch_page(core, &request).await?;
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

/// Logs the pages as one delivery (when they hold posts), then moves the cursor.
async fn store_pages(
    core: &Core,
    cursor: &poll_cursors::Model,
    channel: &channels::Model,
    pages: Vec<Value>,
    next_due: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<u64> {
    let posts: u64 = pages.iter().map(|page| page_meta(page).count).sum();
    let newest = pages.first().and_then(|page| page_meta(page).newest_id);
    if let (true, Some(newest)) = (posts > 0, &newest) {
        let account = channel
            .settings
            .get("account_id")
            .cloned()
            .unwrap_or(Value::Null);
        let body = json!({ "polled": "mentions", "for_user_id": account, "pages": pages });
        let row = NewInboundEvent {
            id: uuid::Uuid::now_v7(),
            workspace_id: channel.workspace_id,
            channel_id: channel.id,
            kind: ChannelKind::X.as_str().to_owned(),
            platform_event_id: format!("mentions:{newest}"),
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
    }
    let polled = CursorPolled {
        since_id: newest.filter(|_| posts > 0),
        next_due,
        error: None,
        at: now,
    };
    let scope = scope_of(core, channel).await?;
    let txn = core.db().begin().await?;
    repo::poll_cursors::finish(&txn, cursor.id, polled).await?;
    let id = ChannelId::from(channel.id);
    let event = match repo::channels::clear_rate_limit(&txn, &scope, id).await? {
        true => Some(record_health_changed(core, &txn, &scope, id).await?),
        false => None,
    };
    txn.commit().await?;
    crate::events::committed(core, event.as_slice());
    metrics::counter!("earshot_polled_posts_total", "source" => X_MENTIONS).increment(posts);
    Ok(posts)
}

/// Records why a poll got nothing: the channel's health follows a revoked token or a rate
/// limit (polled again once X's wait is over); the cursor stays where it was.
async fn record_refusal(
    core: &Core,
    cursor: &poll_cursors::Model,
    channel: &channels::Model,
    refused: Delivery,
    every: TimeDelta,
    now: DateTime<Utc>,
) -> Result<()> {
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
    let scope = scope_of(core, channel).await?;
    let txn = core.db().begin().await?;
    let polled = CursorPolled {
        since_id: None,
        next_due: now + wait,
        error: Some(error.clone()),
        at: now,
    };
    repo::poll_cursors::finish(&txn, cursor.id, polled).await?;
    let id = ChannelId::from(channel.id);
    let moved = match health {
        Some(health) => repo::channels::set_health(&txn, &scope, id, health, Some(error)).await?,
        None => false,
    };
    let event = match moved {
        true => Some(record_health_changed(core, &txn, &scope, id).await?),
        false => None,
    };
    txn.commit().await?;
    crate::events::committed(core, event.as_slice());
    Ok(())
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
