//! Replies out to the platforms. A reply is checked against its platform's rules when the
//! agent writes it (`rules`), queued with the message in one transaction, and sent by the
//! worker's `outbound` consumer (`process_due`): it leases due replies (the first waiting in
//! each conversation, so a conversation's replies keep their order), calls the platform
//! (`channels::send`) and records what came of it — the platform's id of the sent reply
//! (which later recognises its echo and its delivery statuses), a retry after the
//! platform's own wait, or the failure with the platform's error.

mod apply;
mod prepare;
pub(crate) mod rules;

use chrono::{DateTime, TimeDelta, Utc};
use sea_orm::ConnectionTrait;
use serde_json::Value;

use crate::entity::conversations;
use crate::ids::{ChannelId, ConversationId};
use crate::tenancy::WorkspaceScope;
use crate::views::{ChannelKind, Visibility};
use crate::{Core, Result, repo};

pub(crate) use apply::{apply_status_in, read_up_to};
pub(crate) use rules::Content;
use rules::{ReplyFacts, Route};

/// How long a worker holds a reply it is sending before another may take it.
const LEASE: TimeDelta = TimeDelta::seconds(60);
/// Most replies one turn takes.
const BATCH: u64 = 50;

/// How a reply goes out, decided when it is written.
pub(crate) struct Plan {
    /// How the platform addresses it.
    pub route: Route,
    /// Whether a call goes out: an `api` channel without a callback URL hands replies to
    /// the partner through the API and events only.
    pub send: bool,
}

/// Checks a reply against its platform's rules and says how it goes out.
pub(crate) async fn plan_reply(
    conn: &impl ConnectionTrait,
    scope: &WorkspaceScope,
    conversation: &conversations::Model,
    visibility: Visibility,
    content: Content,
    now: DateTime<Utc>,
) -> Result<Plan> {
    let channel_id = ChannelId::from(conversation.channel_id);
    let channel = repo::channels::get(conn, scope, channel_id).await?;
    let kind: ChannelKind = channel.kind.parse()?;
    let id = ConversationId::from(conversation.id);
    let latest = repo::messages::latest_inbound(conn, scope, id).await?;
    let answered = latest.and_then(|m| Some((m.platform_message_id?, m.sent_at)));
    let conversation_visibility: Visibility = conversation.visibility.parse()?;
    let private_reply_used = match &answered {
        Some((comment, _))
            if conversation_visibility == Visibility::Public
                && visibility == Visibility::Private =>
        {
            repo::messages::private_reply_exists(conn, scope, channel_id, comment).await?
        }
        _ => false,
    };
    let route = rules::route(&ReplyFacts {
        kind,
        conversation: conversation_visibility,
        reply: visibility,
        answered,
        private_reply_used,
        now,
    })?;
    rules::carries(kind, &route, content)?;
    let send = kind != ChannelKind::Api || has_callback(&channel.settings);
    Ok(Plan { route, send })
}

fn has_callback(settings: &Value) -> bool {
    settings
        .get("callback_url")
        .and_then(Value::as_str)
        .is_some_and(|url| !url.is_empty())
}

/// What one turn did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Sent {
    /// Replies the platforms took.
    pub sent: usize,
    /// Replies to try again later.
    pub retried: usize,
    /// Replies refused for good.
    pub failed: usize,
}

impl Sent {
    /// Replies handled.
    pub fn handled(&self) -> usize {
        self.sent + self.retried + self.failed
    }
}

/// Sends the replies due as of `now`.
#[tracing::instrument(skip_all, fields(job = "outbound"), err)]
pub async fn process_due(core: &Core, now: DateTime<Utc>) -> Result<Sent> {
    let txn = core.db().begin().await?;
    let leased = repo::outbound_sends::lease(&txn, now, now + LEASE, BATCH).await?;
    txn.commit().await?;
    let mut done = Sent::default();
    for send in leased {
        let (scope, outgoing) = match prepare::outgoing(core, &send, now).await? {
            prepare::Prepared::Ready(scope, outgoing) => (scope, outgoing),
            prepare::Prepared::Gone => continue,
            prepare::Prepared::Unsendable(scope, why) => {
                let failed = crate::channels::send::Delivery::Failed { error: why };
                apply::delivery(core, &scope, &send, failed, now).await?;
                done.failed += 1;
                continue;
            }
        };
        let delivery = send_one(core, &outgoing).await;
        match apply::delivery(core, &scope, &send, delivery, now).await? {
            apply::Outcome::Sent => done.sent += 1,
            apply::Outcome::Retried => done.retried += 1,
            apply::Outcome::Failed => done.failed += 1,
        }
    }
    Ok(done)
}

async fn send_one(
    core: &Core,
    outgoing: &crate::channels::send::Outgoing,
) -> crate::channels::send::Delivery {
    use crate::channels::send;
    match send::call(outgoing) {
        Ok(call) => {
            let delivery = send::send(core.http(), outgoing.kind, call).await;
            let outcome = match &delivery {
                send::Delivery::Sent { .. } => "sent",
                send::Delivery::Retry { .. } => "retry",
                send::Delivery::Reauth { .. } => "reauth",
                send::Delivery::Failed { .. } => "failed",
            };
            metrics::counter!("earshot_outbound_calls_total",
                "kind" => outgoing.kind.as_str(), "outcome" => outcome)
            .increment(1);
            delivery
        }
        Err(unsendable) => send::Delivery::Failed {
            error: unsendable.to_string(),
        },
    }
}
