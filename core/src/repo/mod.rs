//! Every query on a tenant table. Workspace-owned rows are reached only through a
//! `WorkspaceScope`, and these functions add its `workspace_id` filter themselves.

pub(crate) mod api_keys;
pub(crate) mod audit;
pub(crate) mod business_hours;
pub(crate) mod channels;
pub(crate) mod commitments;
pub(crate) mod contacts;
pub(crate) mod conversations;
pub(crate) mod followups;
pub(crate) mod idempotency;
pub(crate) mod inbound_events;
pub(crate) mod inbox;
pub(crate) mod ingest_batch;
pub(crate) mod listening_rules;
pub(crate) mod members;
pub(crate) mod messages;
pub(crate) mod notifications;
pub(crate) mod orgs;
pub(crate) mod outbound_sends;
pub(crate) mod outbox;
pub(crate) mod poll_cursors;
pub(crate) mod reports;
pub(crate) mod scoped;
pub(crate) mod search;
pub(crate) mod sessions;
pub(crate) mod sla_clocks;
pub(crate) mod sla_policies;
pub(crate) mod snoozes;
pub(crate) mod teams;
pub(crate) mod users;
pub(crate) mod wake_times;
pub(crate) mod word_stats;
pub(crate) mod workspaces;

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Select};

use crate::pagination::PageRequest;

/// Which way a list runs along its time-ordered ids.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Direction {
    OldestFirst,
    NewestFirst,
}

/// Applies the cursor, order and `limit + 1` (to learn whether another page follows).
pub(crate) fn paged<E: EntityTrait>(
    select: Select<E>,
    id: E::Column,
    page: PageRequest,
    direction: Direction,
) -> Select<E>
where
    E::Column: ColumnTrait,
{
    let select = match (direction, page.after) {
        (Direction::OldestFirst, Some(after)) => select.filter(id.gt(after)),
        (Direction::NewestFirst, Some(after)) => select.filter(id.lt(after)),
        (_, None) => select,
    };
    let select = match direction {
        Direction::OldestFirst => select.order_by_asc(id),
        Direction::NewestFirst => select.order_by_desc(id),
    };
    select.limit(page.limit + 1)
}

/// Most rows one multi-row insert carries: well under the databases' bound on parameters.
const ROWS_PER_INSERT: usize = 500;

/// Inserts whole rows built in memory, many per statement (the worker's batches).
pub(crate) async fn insert_rows<E, C>(conn: &C, rows: Vec<E::Model>) -> crate::Result<()>
where
    E: EntityTrait,
    E::Model: sea_orm::IntoActiveModel<E::ActiveModel>,
    E::ActiveModel: sea_orm::ActiveModelTrait<Entity = E> + Send,
    C: sea_orm::ConnectionTrait,
{
    use sea_orm::{ActiveModelTrait, IntoActiveModel};
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let chunk: Vec<E::ActiveModel> = rows
            .by_ref()
            .take(ROWS_PER_INSERT)
            .map(|row| row.into_active_model().reset_all())
            .collect();
        E::insert_many(chunk).exec_without_returning(conn).await?;
    }
    Ok(())
}
