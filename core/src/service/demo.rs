//! A few customers for the demo workspace, so a newcomer's first inbox has something to
//! try: a partner feed (`api` channel) and messages pushed through it as a partner would —
//! an influencer's public outage complaint with a second customer joining the thread, a
//! double charge in a DM, a question, a thank-you — each scored, threaded and evented like
//! real traffic.

use chrono::{Duration, Utc};

use crate::ids::{OrgId, WorkspaceId};
use crate::service::channels::{self, NewChannel};
use crate::service::ingest::{self, InboundAuthor, InboundMessage};
use crate::service::sla_policies::{self, NewSlaPolicy};
use crate::sla::policy::{BreachActions, Conditions, Targets};
use crate::tenancy::WorkspaceScope;
use crate::views::{ChannelKind, Priority, Visibility};
use crate::{Core, Result};

/// One sample message: (id, author id, handle, name, followers, minutes ago, visibility,
/// replies to, text).
type Sample = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    u64,
    i64,
    Visibility,
    Option<&'static str>,
    &'static str,
);

const SAMPLES: [Sample; 6] = [
    (
        "demo-1",
        "u-1",
        "@dana_builds",
        "Dana Reyes",
        48_000,
        95,
        Visibility::Public,
        None,
        "@AcmeHelp third outage this week and my whole team is offline again. Worst service ever, we are looking at alternatives.",
    ),
    (
        "demo-2",
        "u-2",
        "@lee_ops",
        "Lee Okafor",
        310,
        80,
        Visibility::Public,
        Some("demo-1"),
        "@AcmeHelp same here, nothing loads since 9am. Any ETA?",
    ),
    (
        "demo-3",
        "u-3",
        "@sam.k",
        "Sam Kowalski",
        120,
        60,
        Visibility::Private,
        None,
        "Hi, I was charged twice for order A-1001. Can you refund one of the payments please?",
    ),
    (
        "demo-4",
        "u-4",
        "@ines_m",
        "Inês Moreira",
        2_300,
        45,
        Visibility::Public,
        None,
        "@AcmeHelp do you ship to Canada? Can't find it on the site.",
    ),
    (
        "demo-5",
        "u-5",
        "@theo",
        "Theo Brandt",
        90,
        30,
        Visibility::Private,
        None,
        "How do I change the email address on my account?",
    ),
    (
        "demo-6",
        "u-6",
        "@priya_codes",
        "Priya Nair",
        5_100,
        10,
        Visibility::Public,
        None,
        "Huge thanks to @AcmeHelp for fixing my billing issue in minutes yesterday. You folks rock!",
    ),
];

/// The demo workspace's SLA policies, so its conversations run clocks from the start: the
/// urgent and high ones answered within 15 minutes, the others within an hour.
async fn promises(core: &Core, scope: &WorkspaceScope) -> Result<()> {
    let policy =
        |name: &str, position, priorities: Vec<Priority>, first, resolution| NewSlaPolicy {
            name: name.into(),
            enabled: None,
            position: Some(position),
            targets: Targets {
                first_response_seconds: Some(first),
                next_response_seconds: Some(first * 2),
                resolution_seconds: Some(resolution),
            },
            warning_percent: None,
            business_hours_id: None,
            conditions: Conditions {
                priorities,
                ..Conditions::default()
            },
            breach_actions: BreachActions {
                raise_priority_to: Some(Priority::High),
                ..BreachActions::default()
            },
        };
    let urgent = vec![Priority::Urgent, Priority::High];
    sla_policies::create(core, scope, policy("Urgent", 0, urgent, 900, 4 * 3600)).await?;
    sla_policies::create(core, scope, policy("Standard", 1, Vec::new(), 3600, 86_400)).await?;
    Ok(())
}

/// Seeds the demo workspace; how many messages it pushed.
pub(crate) async fn seed(core: &Core, workspace_id: WorkspaceId, org_id: OrgId) -> Result<usize> {
    let scope = WorkspaceScope::system(workspace_id, org_id);
    let channel = channels::create(
        core,
        &scope,
        NewChannel {
            kind: ChannelKind::Api,
            name: "Demo partner feed".into(),
            credentials: None,
            settings: None,
        },
    )
    .await?;
    promises(core, &scope).await?;
    let now = Utc::now();
    for (id, user, handle, name, followers, minutes_ago, visibility, reply_to, text) in SAMPLES {
        let message = InboundMessage {
            platform_message_id: id.into(),
            author: InboundAuthor {
                platform_user_id: user.into(),
                handle: Some(handle.into()),
                display_name: Some(name.into()),
                avatar_url: None,
                follower_count: Some(followers),
                verified: Some(followers > 10_000),
            },
            text: text.into(),
            timestamp: Some(now - Duration::minutes(minutes_ago)),
            reply_to: reply_to.map(str::to_owned),
            thread_id: match visibility {
                Visibility::Public => Some(reply_to.unwrap_or(id).to_owned()),
                Visibility::Private => None,
            },
            visibility: Some(visibility),
            attachments: Vec::new(),
        };
        ingest::push(core, &scope, channel.id, message).await?;
    }
    Ok(SAMPLES.len())
}
