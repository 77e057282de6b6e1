//! The workspace filter every tenant query starts from.

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, Select};

use crate::entity::{
    api_keys, audit_log, channels, contact_identities, contacts, conversation_tags, conversations,
    messages, notifications, team_members, teams, workspace_members,
};
use crate::tenancy::WorkspaceScope;

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
    channels,
    contact_identities,
    contacts,
    conversation_tags,
    conversations,
    messages,
    notifications,
    team_members,
    teams,
    workspace_members
);
