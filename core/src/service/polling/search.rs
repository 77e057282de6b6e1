//! Keyword listening: each enabled listening rule is searched with X's recent search on its
//! own interval and with its own `since_id` cursor (a `poll_cursors` row whose source names
//! the rule). The pages are logged as one delivery of the rule's channel, carrying the tag
//! its conversations get; the rule records when it was searched, what X refused and how many
//! posts it heard. A post that also comes as a mention is stored once: the channel's messages
//! are unique by platform id.

use chrono::{DateTime, TimeDelta, Utc};
use serde_json::{Value, json};

use crate::channels::poll;
use crate::entity::{channels, listening_rules, poll_cursors};
use crate::ids::{ChannelId, ListeningRuleId};
use crate::repo::poll_cursors::Polled as CursorPolled;
use crate::views::ChannelHealth;
use crate::{Core, Result, repo};

use super::super::listening::{MIN_EVERY_SECS, tag_of};
use super::{
    IDLE, account_of, channel_health, credentials_of, fetch_pages, idle, log_pages, not_polled,
    pages_summary, refusal, scope_of,
};

/// The cursor source of a rule: this prefix and the rule's id.
const PREFIX: &str = "x_search:";

/// The cursor source of the rule `id`.
pub(crate) fn source_of(id: ListeningRuleId) -> String {
    format!("{PREFIX}{id}")
}

/// The rule a cursor source names, if it names one.
pub(super) fn rule_of(source: &str) -> Option<ListeningRuleId> {
    source.strip_prefix(PREFIX)?.parse().ok()
}

/// Gives every enabled rule a cursor (due at once when new).
pub(super) async fn start(core: &Core, now: DateTime<Utc>) -> Result<()> {
    let conn = core.db().conn();
    for rule in repo::listening_rules::enabled(conn).await? {
        let source = source_of(ListeningRuleId::from(rule.id));
        repo::poll_cursors::ensure(conn, rule.workspace_id, rule.channel_id, &source, now).await?;
    }
    Ok(())
}

/// Searches for one rule; how many posts it logged.
pub(super) async fn poll_one(
    core: &Core,
    cursor: &poll_cursors::Model,
    id: ListeningRuleId,
    now: DateTime<Utc>,
) -> Result<u64> {
    let conn = core.db().conn();
    let rule = repo::listening_rules::find_for_poll(conn, id).await?;
    let Some(rule) = rule.filter(|rule| rule.enabled) else {
        idle(conn, cursor, None, now + IDLE, now).await?;
        return Ok(0);
    };
    let every = TimeDelta::seconds(i64::from(rule.poll_every_secs.max(MIN_EVERY_SECS)));
    let channel_id = ChannelId::from(rule.channel_id);
    let Some(channel) = repo::channels::find_for_hook(conn, channel_id).await? else {
        return Ok(0);
    };
    if let Some(why) = not_polled(&channel)? {
        let txn = core.db().begin().await?;
        idle(&txn, cursor, Some(why.clone()), now + every, now).await?;
        repo::listening_rules::record_poll(&txn, id, 0, Some(why), now).await?;
        txn.commit().await?;
        return Ok(0);
    }
    let credentials = credentials_of(core, &channel)?;
    let since_id = cursor.since_id.as_deref();
    let fetched = fetch_pages(core, |token| {
        poll::search_page(
            &channel.settings,
            &credentials,
            &rule.query,
            since_id,
            token,
            now,
        )
    })
    .await;
    match fetched {
        Ok(pages) => store_pages(core, cursor, &rule, &channel, pages, now + every, now).await,
        Err(refused) => {
            record_refusal(core, cursor, &rule, &channel, refusal(refused, every), now).await?;
            Ok(0)
        }
    }
}

/// Logs the pages as one delivery (when they hold posts), then moves the cursor and counts
/// the posts on the rule.
async fn store_pages(
    core: &Core,
    cursor: &poll_cursors::Model,
    rule: &listening_rules::Model,
    channel: &channels::Model,
    pages: Vec<Value>,
    next_due: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<u64> {
    let (posts, newest) = pages_summary(&pages);
    if let Some(newest) = &newest {
        let body = json!({
            "polled": "search",
            "for_user_id": account_of(channel),
            "listening_rule_id": rule.id,
            "tag": tag_of(&rule.name),
            "pages": pages,
        });
        let event_id = format!("search:{}:{newest}", rule.id);
        log_pages(core, channel, event_id, &body, now).await?;
    }
    let polled = CursorPolled {
        since_id: newest,
        next_due,
        error: None,
        at: now,
    };
    let txn = core.db().begin().await?;
    repo::poll_cursors::finish(&txn, cursor.id, polled).await?;
    let id = ListeningRuleId::from(rule.id);
    repo::listening_rules::record_poll(&txn, id, posts, None, now).await?;
    txn.commit().await?;
    metrics::counter!("earshot_polled_posts_total", "source" => "x_search").increment(posts);
    Ok(posts)
}

/// Records X's refusal on the rule and the cursor (which stays where it was). A rate limit
/// is waited out on this rule alone — search has a window of its own — while a revoked
/// token is the channel's: it needs re-authorising.
async fn record_refusal(
    core: &Core,
    cursor: &poll_cursors::Model,
    rule: &listening_rules::Model,
    channel: &channels::Model,
    refused: super::Refusal,
    now: DateTime<Utc>,
) -> Result<()> {
    let health = refused
        .health
        .filter(|health| *health == ChannelHealth::NeedsReauth);
    let scope = scope_of(core, channel).await?;
    let txn = core.db().begin().await?;
    let error = Some(refused.error.clone());
    idle(&txn, cursor, error.clone(), now + refused.wait, now).await?;
    let id = ListeningRuleId::from(rule.id);
    repo::listening_rules::record_poll(&txn, id, 0, error, now).await?;
    let event = channel_health(core, &txn, &scope, channel, health, &refused.error).await?;
    txn.commit().await?;
    crate::events::committed(core, event.as_slice());
    Ok(())
}
