//! Reading a leased delivery before its batch's transaction: the channel it came in on, the
//! workspace to apply it in (each looked up once per batch), and what its platform's parser
//! finds in it.

use sea_orm::ConnectionTrait;
use serde_json::Value;

use crate::channels::parse::{self, Account, Item};
use crate::entity::{channels, inbound_events};
use crate::ids::{ChannelId, OrgId, WorkspaceId};
use crate::tenancy::WorkspaceScope;
use crate::views::ChannelKind;
use crate::{Core, Result, repo};

/// A leased delivery, read: where it applies and what it says.
pub(super) struct Prepared {
    pub delivery: inbound_events::Model,
    pub reading: Reading,
}

pub(super) enum Reading {
    /// Its channel (or workspace) is gone.
    Gone,
    /// The parser could not read it.
    Unreadable(String),
    /// The items to apply, in the channel's workspace.
    Items {
        channel: Box<channels::Model>,
        kind: ChannelKind,
        scope: Box<WorkspaceScope>,
        items: Vec<Item>,
        /// Tags for the conversations of the messages it stores.
        tags: Vec<String>,
    },
}

/// Where the deliveries of a batch apply, by channel: a storm on one channel looks its
/// channel and workspace up once.
pub(super) type Targets = std::collections::HashMap<uuid::Uuid, Option<Target>>;

/// Finds where a delivery applies and parses it.
pub(super) async fn read(
    core: &Core,
    targets: &mut Targets,
    delivery: &inbound_events::Model,
) -> Result<Reading> {
    let found = match targets.get(&delivery.channel_id) {
        Some(known) => known.clone(),
        None => {
            let found = target(core.db().conn(), delivery).await?;
            targets.insert(delivery.channel_id, found.clone());
            found
        }
    };
    let Some((channel, kind, scope)) = found else {
        return Ok(Reading::Gone);
    };
    Ok(
        match parse::parse(kind, &delivery.body, &account(kind, &channel.settings)) {
            Ok(parsed) => Reading::Items {
                channel: Box::new(channel),
                kind,
                scope: Box::new(scope),
                items: parsed.items,
                tags: parsed.tags,
            },
            Err(unreadable) => Reading::Unreadable(unreadable.to_string()),
        },
    )
}

/// A channel, its kind, and its workspace entered as Earshot itself.
type Target = (channels::Model, ChannelKind, WorkspaceScope);

/// The channel a delivery came in on, and the workspace to apply it in (as Earshot itself).
async fn target(
    conn: &impl ConnectionTrait,
    delivery: &inbound_events::Model,
) -> Result<Option<Target>> {
    let channel_id = ChannelId::from(delivery.channel_id);
    let Some(channel) = repo::channels::find_for_hook(conn, channel_id).await? else {
        return Ok(None);
    };
    let workspace_id = WorkspaceId::from(channel.workspace_id);
    let Some(workspace) = repo::workspaces::find_for_entry(conn, workspace_id).await? else {
        return Ok(None);
    };
    let scope = WorkspaceScope::system(workspace_id, OrgId::from(workspace.org_id));
    let kind = channel.kind.parse()?;
    Ok(Some((channel, kind, scope)))
}

/// The brand's own account on the platform, from the channel's settings.
fn account(kind: ChannelKind, settings: &Value) -> Account {
    Account {
        id: crate::channels::route::account_of(kind, settings),
    }
}
