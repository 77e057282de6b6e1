//! The workspace filter every tenant query starts from.

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Select};

use crate::entity::{
    api_keys, audit_log, business_hours, channels, commitments, contact_identities, contacts,
    conversation_tags, conversations, followups, inbound_events, listening_rules, messages,
    notifications, sla_clocks, sla_policies, team_members, teams, workspace_members,
};
use crate::tenancy::WorkspaceScope;
use crate::{Error, Result};

/// A table whose rows belong to one workspace.
pub(crate) trait WorkspaceOwned: EntityTrait {
    fn workspace_col() -> Self::Column;
}

/// All rows of `E` in the scope's workspace, and no others.
pub(crate) fn scoped<E: WorkspaceOwned>(scope: &WorkspaceScope) -> Select<E>
where
    E::Column: ColumnTrait,
{
    E::find().filter(E::workspace_col().eq(scope.workspace_id().as_uuid()))
}

/// Deletes the row of `E` whose `id_col` is `id` in the scope's workspace; `NotFound` when
/// the workspace has no such row.
pub(crate) async fn delete_one<E: WorkspaceOwned>(
    conn: &impl ConnectionTrait,
    scope: &WorkspaceScope,
    id_col: E::Column,
    id: uuid::Uuid,
) -> Result<()>
where
    E::Column: ColumnTrait,
{
    let result = E::delete_many()
        .filter(E::workspace_col().eq(scope.workspace_id().as_uuid()))
        .filter(id_col.eq(id))
        .exec(conn)
        .await?;
    if result.rows_affected == 0 {
        return Err(Error::NotFound);
    }
    Ok(())
}

macro_rules! workspace_owned {
    ($($module:ident),+) => {$(
        impl WorkspaceOwned for $module::Entity {
            fn workspace_col() -> Self::Column {
                $module::Column::WorkspaceId
            }
        }
    )+};
}

workspace_owned!(
    api_keys,
    audit_log,
    business_hours,
    channels,
    commitments,
    contact_identities,
    contacts,
    conversation_tags,
    conversations,
    followups,
    inbound_events,
    listening_rules,
    messages,
    notifications,
    sla_clocks,
    sla_policies,
    team_members,
    teams,
    workspace_members
);
