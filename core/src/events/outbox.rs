//! Writing events: every change writes its events through [`write`], in its own transaction,
//! and once committed tells the bus ([`committed`]); the worker's fan-out then publishes
//! them to live subscribers ([`fan_out`]), and again at its next turn any it could not
//! (Redis was away). The change's answer waits for none of it.

use chrono::{DateTime, Utc};
use sea_orm::ConnectionTrait;

use super::{BusMessage, Event};
use crate::repo::outbox::NewOutboxRow;
use crate::tenancy::WorkspaceScope;
use crate::views::EventView;
use crate::{Core, Error, Result, repo};

/// Writes a change's events to the outbox inside the change's transaction, in one
/// statement, and returns them for publishing once the transaction commits.
pub(crate) async fn write(
    conn: &impl ConnectionTrait,
    scope: &WorkspaceScope,
    events: Vec<Event>,
    at: DateTime<Utc>,
) -> Result<Vec<EventView>> {
    let views: Vec<EventView> = events
        .into_iter()
        .map(|event| EventView {
            id: uuid::Uuid::now_v7(),
            workspace_id: scope.workspace_id(),
            conversation_id: event.conversation().map(|c| c.id),
            occurred_at: at,
            event,
        })
        .collect();
    let rows = views
        .iter()
        .map(|view| {
            Ok(NewOutboxRow {
                id: view.id,
                event_type: view.event.name(),
                conversation: view.conversation_id.map(|c| c.as_uuid()),
                payload: serde_json::to_value(view).map_err(|e| Error::Internal(e.into()))?,
                at,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    repo::outbox::insert(conn, scope, rows).await?;
    Ok(views)
}

/// [`write`] for a change with one event.
pub(crate) async fn record(
    conn: &impl ConnectionTrait,
    scope: &WorkspaceScope,
    event: Event,
    at: DateTime<Utc>,
) -> Result<EventView> {
    let mut written = write(conn, scope, vec![event], at).await?;
    written
        .pop()
        .ok_or_else(|| Error::Internal(anyhow::anyhow!("an event was not written")))
}

/// Publishes committed events on the bus; whether all were sent.
async fn publish(core: &Core, events: Vec<EventView>) -> bool {
    let messages = events.into_iter().map(BusMessage::Event).collect();
    core.bus().publish(messages).await
}

/// After a change committed events: wakes the fan-out, without waiting for it.
pub(crate) fn committed(core: &Core, events: &[EventView]) {
    if !events.is_empty() {
        core.bus().committed();
    }
}

/// Most events one turn of the fan-out publishes.
const FAN_OUT_BATCH: u64 = 500;

/// Publishes committed events not yet published, oldest first, and marks them; returns how
/// many. Workers side by side each take different events (a lease on the rows).
pub async fn fan_out(core: &Core) -> Result<usize> {
    let txn = core.db().begin().await?;
    let rows = repo::outbox::claim_unpublished(&txn, FAN_OUT_BATCH).await?;
    let mut events = Vec::with_capacity(rows.len());
    for row in rows {
        match serde_json::from_value::<EventView>(row.payload) {
            Ok(event) => events.push(event),
            Err(err) => {
                tracing::warn!(error = %err, outbox_id = %row.id, "an unreadable outbox row")
            }
        }
    }
    let ids: Vec<uuid::Uuid> = events.iter().map(|e| e.id).collect();
    let mut conversations: Vec<uuid::Uuid> = events
        .iter()
        .filter_map(|e| e.event.conversation().map(|c| c.id.as_uuid()))
        .collect();
    if ids.is_empty() || !publish(core, events).await {
        return Ok(0);
    }
    repo::outbox::mark_published(&txn, &ids).await?;
    txn.commit().await?;
    // What changed may have moved its clocks' deadlines: index them now they are committed.
    conversations.sort();
    conversations.dedup();
    crate::service::wake_ups::index_clocks(core, &conversations).await;
    Ok(ids.len())
}
