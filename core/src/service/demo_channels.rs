//! `earshot demo`'s platform channels: the demo workspace found again on every run, and its
//! channels created on the first run and pointed at this run's local fake afterwards, so a
//! second run reuses the same channels (and their conversations).

use serde_json::Value;

use crate::ids::{ChannelId, WorkspaceId};
use crate::service::channels::{self, ChannelPatch, NewChannel};
use crate::tenancy::WorkspaceScope;
use crate::views::{ChannelHealth, ChannelKind, ChannelView};
use crate::{Core, Error, Result, repo};

/// One channel the demo wants, known by its kind and name.
#[derive(Debug, Clone)]
pub struct DemoChannel {
    /// Platform.
    pub kind: ChannelKind,
    /// Name shown to agents; what finds the channel again on the next run.
    pub name: String,
    /// Settings of the kind (`api_base_url` pointing at the fake).
    pub settings: Value,
    /// Credentials of the kind (what the fake accepts and signs with).
    pub credentials: Value,
}

/// The workspace the first start created for the demo owner, if it still exists.
pub async fn demo_workspace(core: &Core) -> Result<Option<WorkspaceId>> {
    let conn = core.db().conn();
    let Some(owner) = repo::users::by_email(conn, super::bootstrap::DEMO_EMAIL).await? else {
        return Ok(None);
    };
    let memberships = repo::members::memberships_of(conn, owner.id.into()).await?;
    Ok(memberships
        .into_iter()
        .min_by_key(|m| m.created_at)
        .map(|m| WorkspaceId::from(m.workspace_id)))
}

/// The system's scope in `workspace`; `NotFound` when it does not exist.
async fn system_scope(core: &Core, workspace: WorkspaceId) -> Result<WorkspaceScope> {
    let row = repo::workspaces::find_for_entry(core.db().conn(), workspace)
        .await?
        .ok_or(Error::NotFound)?;
    Ok(WorkspaceScope::system(workspace, row.org_id.into()))
}

/// Creates each channel in `workspace`, or brings the existing one of the same kind and name
/// up to date (settings, credentials, enabled), so it reaches this run's fake.
pub async fn ensure(
    core: &Core,
    workspace: WorkspaceId,
    wanted: Vec<DemoChannel>,
) -> Result<Vec<ChannelView>> {
    let scope = system_scope(core, workspace).await?;
    let mut views = Vec::with_capacity(wanted.len());
    for channel in wanted {
        let existing =
            repo::channels::named(core.db().conn(), &scope, channel.kind, &channel.name).await?;
        let view = match existing {
            Some(model) => {
                let patch = ChannelPatch {
                    settings: Some(channel.settings),
                    credentials: Some(Some(channel.credentials)),
                    health: Some(ChannelHealth::Active),
                    ..ChannelPatch::default()
                };
                channels::update(core, &scope, ChannelId::from(model.id), patch).await?
            }
            None => {
                let new = NewChannel {
                    kind: channel.kind,
                    name: channel.name,
                    credentials: Some(channel.credentials),
                    settings: Some(channel.settings),
                };
                channels::create(core, &scope, new).await?
            }
        };
        views.push(view);
    }
    Ok(views)
}
