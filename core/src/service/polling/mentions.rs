//! X mentions, for a channel whose settings say how often (`poll_mentions_every`, seconds):
//! the mention timeline's new pages are logged as one delivery, then the cursor moves. The
//! channel's health follows what X says: a revoked token, a rate limit waited out.

use chrono::{DateTime, TimeDelta, Utc};
use serde_json::{Value, json};

use crate::channels::poll;
use crate::entity::{channels, poll_cursors};
use crate::ids::ChannelId;
use crate::repo::poll_cursors::Polled as CursorPolled;
use crate::views::ChannelKind;
use crate::{Core, Result, repo};

use super::super::channels::record_health_changed;
use super::{
    IDLE, account_of, channel_health, credentials_of, fetch_pages, idle, log_pages, not_polled,
    pages_summary, refusal, scope_of,
};

/// The source polled: X's mention timeline.
const X_MENTIONS: &str = "x_mentions";
/// The shortest interval a channel may ask for (X allows 300 mention reads per 15 minutes).
const MIN_EVERY: i64 = 15;

/// Gives every X channel that asks for polling a cursor.
pub(super) async fn start(core: &Core, now: DateTime<Utc>) -> Result<()> {
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

/// Polls one channel's mentions; how many posts it logged.
pub(super) async fn poll_one(
    core: &Core,
    cursor: &poll_cursors::Model,
    now: DateTime<Utc>,
) -> Result<u64> {
    let conn = core.db().conn();
    let id = ChannelId::from(cursor.channel_id);
    let Some(channel) = repo::channels::find_for_hook(conn, id).await? else {
        return Ok(0);
    };
    let Some(every) = every(&channel.settings) else {
        idle(conn, cursor, None, now + IDLE, now).await?;
        return Ok(0);
    };
    if let Some(why) = not_polled(&channel)? {
        idle(conn, cursor, Some(why), now + every, now).await?;
        return Ok(0);
    }
    let credentials = credentials_of(core, &channel)?;
    let since_id = cursor.since_id.as_deref();
    let fetched = fetch_pages(core, |token| {
        poll::mentions_page(&channel.settings, &credentials, since_id, token, now)
    })
    .await;
    match fetched {
        Ok(pages) => store_pages(core, cursor, &channel, pages, now + every, now).await,
        Err(refused) => {
            let refused = refusal(refused, every);
            let scope = scope_of(core, &channel).await?;
            let txn = core.db().begin().await?;
            let error = refused.error.clone();
            idle(&txn, cursor, Some(error), now + refused.wait, now).await?;
            let event =
                channel_health(core, &txn, &scope, &channel, refused.health, &refused.error)
                    .await?;
            txn.commit().await?;
            crate::events::committed(core, event.as_slice());
            Ok(0)
        }
    }
}

/// Logs the pages as one delivery (when they hold posts), then moves the cursor; a channel
/// that was rate limited is active again.
async fn store_pages(
    core: &Core,
    cursor: &poll_cursors::Model,
    channel: &channels::Model,
    pages: Vec<Value>,
    next_due: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<u64> {
    let (posts, newest) = pages_summary(&pages);
    if let Some(newest) = &newest {
        let body =
            json!({ "polled": "mentions", "for_user_id": account_of(channel), "pages": pages });
        log_pages(core, channel, format!("mentions:{newest}"), &body, now).await?;
    }
    let polled = CursorPolled {
        since_id: newest,
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
