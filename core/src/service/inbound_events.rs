//! The inbound-event log as admins and partners see it: deliveries, where they stand, the
//! messages they stored, and a retry for those that had problems.

use crate::entity::inbound_events;
use crate::ids::ChannelId;
use crate::inbound::queue::Entry;
use crate::pagination::{Page, PageRequest};
use crate::repo::inbound_events::InboundFilter;
use crate::tenancy::{Capability, WorkspaceScope};
use crate::views::{InboundEventView, InboundMessageRef, InboundStatus};
use crate::{Core, Error, Result, repo};

use super::audit;

/// The workspace's logged deliveries, newest first: of one channel, or in one status.
pub async fn list(
    core: &Core,
    scope: &WorkspaceScope,
    channel: Option<ChannelId>,
    status: Option<InboundStatus>,
    page: PageRequest,
) -> Result<Page<InboundEventView>> {
    scope.require(Capability::ReadInboundEvents)?;
    let filter = InboundFilter {
        channel: channel.map(|c| c.as_uuid()),
        status,
    };
    let rows = repo::inbound_events::list(core.db().conn(), scope, &filter, page).await?;
    let page = core.cursors().page(rows, page, |row| row.id)?;
    Ok(Page {
        items: page.items.into_iter().map(view).collect::<Result<_>>()?,
        next_cursor: page.next_cursor,
    })
}

/// One logged delivery.
pub async fn get(core: &Core, scope: &WorkspaceScope, id: uuid::Uuid) -> Result<InboundEventView> {
    scope.require(Capability::ReadInboundEvents)?;
    view(repo::inbound_events::get(core.db().conn(), scope, id).await?)
}

/// Puts a delivery that had problems back in line for the worker (`409 not_failed` for one
/// that had none: it would change nothing).
#[tracing::instrument(skip_all, fields(inbound_event_id = %id), err(level = "debug"))]
pub async fn retry(
    core: &Core,
    scope: &WorkspaceScope,
    id: uuid::Uuid,
) -> Result<InboundEventView> {
    scope.require(Capability::ManageChannels)?;
    let txn = core.db().begin().await?;
    repo::inbound_events::get(&txn, scope, id).await?;
    if !repo::inbound_events::requeue_failed(&txn, scope, id).await? {
        return Err(Error::conflict(
            "not_failed",
            "only a delivery that had problems can be retried",
        ));
    }
    let details = serde_json::json!({});
    audit::record(
        &txn,
        scope,
        "inbound_event.retried",
        "inbound_event",
        id,
        details,
    )
    .await?;
    let row = repo::inbound_events::get(&txn, scope, id).await?;
    txn.commit().await?;
    let entry = Entry {
        delivery: row.id,
        workspace: row.workspace_id,
    };
    // Without the entry the sweep still takes it, a little later.
    if let Err(err) = core.inbound_queue().publish(&[entry]).await {
        tracing::warn!(error = %err, "the retried delivery waits for the sweep");
    }
    core.bus().inbound_logged();
    view(row)
}

fn view(row: inbound_events::Model) -> Result<InboundEventView> {
    let status = match (&row.processed_at, &row.last_error) {
        (_, Some(_)) => InboundStatus::Failed,
        (Some(_), None) => InboundStatus::Processed,
        (None, None) => InboundStatus::Pending,
    };
    let messages: Vec<InboundMessageRef> = row
        .outcome
        .map(serde_json::from_value)
        .transpose()
        .map_err(|e| Error::Internal(e.into()))?
        .unwrap_or_default();
    Ok(InboundEventView {
        id: row.id,
        channel_id: ChannelId::from(row.channel_id),
        kind: row.kind.parse()?,
        platform_event_id: row.platform_event_id,
        status,
        attempts: row.attempts,
        last_error: row.last_error,
        messages,
        received_at: row.received_at,
        processed_at: row.processed_at,
    })
}
