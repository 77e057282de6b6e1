//! Snoozed conversations, in every workspace: which are due to wake, and their wake times
//! for the wake-up index.

use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use uuid::Uuid;

use crate::Result;
use crate::entity::conversations;
use crate::entity::conversations::Column as C;
use crate::ids::ConversationId;
use crate::views::Status;

/// Across every workspace (the worker re-enters each through `WorkspaceScope::system`):
/// `(workspace, conversation)` of snoozed conversations due to wake by `now`, earliest
/// first — among `ids` only, when given.
pub(crate) async fn due(
    conn: &impl ConnectionTrait,
    now: DateTime<Utc>,
    among: Option<&[Uuid]>,
    limit: u64,
) -> Result<Vec<(Uuid, ConversationId)>> {
    let mut select = conversations::Entity::find()
        .select_only()
        .column(C::WorkspaceId)
        .column(C::Id)
        .filter(C::SnoozedUntil.lte(now))
        .filter(C::Status.eq(Status::Snoozed.as_str()));
    if let Some(ids) = among {
        select = select.filter(C::Id.is_in(ids.to_vec()));
    }
    let rows: Vec<(Uuid, Uuid)> = select
        .order_by_asc(C::SnoozedUntil)
        .limit(limit)
        .into_tuple()
        .all(conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(workspace_id, id)| (workspace_id, ConversationId::from(id)))
        .collect())
}

/// A page of snoozed conversations in every workspace, by id after `after`: their wake times.
pub(crate) async fn snoozed_page(
    conn: &impl ConnectionTrait,
    after: Option<Uuid>,
    limit: u64,
) -> Result<Vec<(Uuid, DateTime<Utc>)>> {
    let mut select = conversations::Entity::find()
        .select_only()
        .column(C::Id)
        .column(C::SnoozedUntil)
        .filter(C::Status.eq(Status::Snoozed.as_str()))
        .filter(C::SnoozedUntil.is_not_null());
    if let Some(after) = after {
        select = select.filter(C::Id.gt(after));
    }
    let rows: Vec<(Uuid, Option<DateTime<Utc>>)> = select
        .order_by_asc(C::Id)
        .limit(limit)
        .into_tuple()
        .all(conn)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(id, until)| Some((id, until?)))
        .collect())
}
