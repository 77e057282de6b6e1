//! The inbound-event log: verified deliveries, appended in batches, once per platform id.
//! Rows are written for the workspace their channel belongs to, which the hook found
//! before verifying the delivery.

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, EntityTrait, Set};

use crate::Result;
use crate::entity::inbound_events;

/// One verified delivery about to be logged.
#[derive(Debug, Clone)]
pub(crate) struct NewInboundEvent {
    pub id: uuid::Uuid,
    pub workspace_id: uuid::Uuid,
    pub channel_id: uuid::Uuid,
    pub kind: String,
    pub platform_event_id: String,
    pub body: String,
    pub received_at: DateTime<Utc>,
}

/// Appends deliveries in one statement; those already logged (same channel and platform
/// id) are left as they are. Returns the ids of the rows written.
pub(crate) async fn append(
    conn: &impl ConnectionTrait,
    rows: Vec<NewInboundEvent>,
) -> Result<Vec<uuid::Uuid>> {
    use sea_orm::TryInsertResult;
    let models = rows.into_iter().map(|row| inbound_events::ActiveModel {
        id: Set(row.id),
        workspace_id: Set(row.workspace_id),
        channel_id: Set(row.channel_id),
        kind: Set(row.kind),
        platform_event_id: Set(row.platform_event_id),
        body: Set(row.body),
        received_at: Set(row.received_at),
        attempts: Set(0),
        processed_at: Set(None),
        last_error: Set(None),
    });
    let written = inbound_events::Entity::insert_many(models)
        .on_conflict_do_nothing_on([
            inbound_events::Column::ChannelId,
            inbound_events::Column::PlatformEventId,
        ])
        .exec_with_returning_keys(conn)
        .await?;
    Ok(match written {
        TryInsertResult::Inserted(ids) => ids,
        TryInsertResult::Empty | TryInsertResult::Conflicted => Vec::new(),
    })
}
