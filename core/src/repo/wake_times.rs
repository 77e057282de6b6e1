//! Rows that fire at a time (SLA clocks, commitments, follow-ups): when each next wakes,
//! across every workspace, for the worker's wake-up index; and changing one only at the
//! version it was read at, so that a stale or repeated wake-up changes nothing.

use chrono::{DateTime, Utc};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};
use uuid::Uuid;

use crate::Result;
use crate::entity::{commitments, followups, sla_clocks};
use crate::sla::clock::ClockState;
use crate::views::{CommitmentState, FollowupState};

/// A table whose rows wake at a time and carry a version.
pub(crate) trait Wakes: EntityTrait {
    fn id_col() -> Self::Column;
    fn wake_col() -> Self::Column;
    fn conversation_col() -> Self::Column;
    fn version_col() -> Self::Column;
    fn state_col() -> Self::Column;
    /// The state of a row still to fire.
    fn waiting() -> &'static str;
}

macro_rules! wakes {
    ($($module:ident => $waiting:expr),+) => {$(
        impl Wakes for $module::Entity {
            fn id_col() -> Self::Column {
                $module::Column::Id
            }
            fn wake_col() -> Self::Column {
                $module::Column::WakeAt
            }
            fn conversation_col() -> Self::Column {
                $module::Column::ConversationId
            }
            fn version_col() -> Self::Column {
                $module::Column::Version
            }
            fn state_col() -> Self::Column {
                $module::Column::State
            }
            fn waiting() -> &'static str {
                $waiting.as_str()
            }
        }
    )+};
}

wakes!(
    sla_clocks => ClockState::Running,
    commitments => CommitmentState::Open,
    followups => FollowupState::Scheduled
);

/// Across every workspace: rows still to fire with something to do by `now`, earliest
/// first — among `ids` only, when given (the wake-up index's entries).
pub(crate) async fn due<E: Wakes>(
    conn: &impl ConnectionTrait,
    now: DateTime<Utc>,
    among: Option<&[Uuid]>,
    limit: u64,
) -> Result<Vec<E::Model>> {
    let mut select = E::find()
        .filter(E::wake_col().lte(now))
        .filter(E::state_col().eq(E::waiting()));
    if let Some(ids) = among {
        select = select.filter(E::id_col().is_in(ids.to_vec()));
    }
    Ok(select
        .order_by_asc(E::wake_col())
        .limit(limit)
        .all(conn)
        .await?)
}

/// A page of rows waiting to wake, by wake time then id after `after`: ids and wake times.
pub(crate) async fn waking_page<E: Wakes>(
    conn: &impl ConnectionTrait,
    after: Option<(DateTime<Utc>, Uuid)>,
    limit: u64,
) -> Result<Vec<(Uuid, DateTime<Utc>)>>
where
    E::Column: ColumnTrait,
{
    let mut select = E::find()
        .select_only()
        .column(E::id_col())
        .column(E::wake_col())
        .filter(E::wake_col().is_not_null());
    if let Some((at, id)) = after {
        // The bound alone lets the index start at the page instead of the first row.
        select = select.filter(E::wake_col().gte(at));
        let later = Condition::any().add(E::wake_col().gt(at)).add(
            Condition::all()
                .add(E::wake_col().eq(at))
                .add(E::id_col().gt(id)),
        );
        select = select.filter(later);
    }
    let rows: Vec<(Uuid, Option<DateTime<Utc>>)> = select
        .order_by_asc(E::wake_col())
        .order_by_asc(E::id_col())
        .limit(limit)
        .into_tuple()
        .all(conn)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(id, at)| Some((id, at?)))
        .collect())
}

/// When each waiting row of these conversations next wakes.
pub(crate) async fn waking_of<E: Wakes>(
    conn: &impl ConnectionTrait,
    conversations: &[Uuid],
) -> Result<Vec<(Uuid, DateTime<Utc>)>>
where
    E::Column: ColumnTrait,
{
    if conversations.is_empty() {
        return Ok(Vec::new());
    }
    let rows: Vec<(Uuid, Option<DateTime<Utc>>)> = E::find()
        .select_only()
        .column(E::id_col())
        .column(E::wake_col())
        .filter(E::conversation_col().is_in(conversations.to_vec()))
        .filter(E::wake_col().is_not_null())
        .into_tuple()
        .all(conn)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(id, at)| Some((id, at?)))
        .collect())
}

/// Writes a changed row (id `id`, carrying its next version) if it is still at
/// `read_version`; `changed` when someone changed it meanwhile.
pub(crate) async fn update_at_version<E: Wakes>(
    conn: &impl ConnectionTrait,
    row: E::Model,
    id: Uuid,
    read_version: i32,
    changed: crate::Error,
) -> Result<()>
where
    E::Column: ColumnTrait,
    E::Model: sea_orm::IntoActiveModel<E::ActiveModel>,
    E::ActiveModel: sea_orm::ActiveModelTrait<Entity = E> + Send,
{
    use sea_orm::{ActiveModelTrait, IntoActiveModel};
    let mut active = row.into_active_model().reset_all();
    active.not_set(E::id_col());
    let result = E::update_many()
        .set(active)
        .filter(E::id_col().eq(id))
        .filter(E::version_col().eq(read_version))
        .exec(conn)
        .await?;
    if result.rows_affected == 1 {
        Ok(())
    } else {
        Err(changed)
    }
}
