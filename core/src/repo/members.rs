//! Workspace members and their roles.

use chrono::Utc;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, Set,
};

use crate::entity::{team_members, workspace_members};
use crate::error::OnConflict;
use crate::ids::{UserId, WorkspaceId};
use crate::pagination::PageRequest;
use crate::tenancy::{Role, WorkspaceScope};
use crate::{Error, Result};

use super::scoped::scoped;
use super::{Direction, paged};

pub(crate) async fn memberships_of(
    conn: &impl ConnectionTrait,
    user: UserId,
) -> Result<Vec<workspace_members::Model>> {
    Ok(workspace_members::Entity::find()
        .filter(workspace_members::Column::UserId.eq(user.as_uuid()))
        .all(conn)
        .await?)
}

/// Adds the first member of a workspace being created (no scope exists yet).
pub(crate) async fn insert_founder(
    conn: &impl ConnectionTrait,
    workspace: WorkspaceId,
    user: UserId,
) -> Result<()> {
    workspace_members::ActiveModel {
        workspace_id: Set(workspace.as_uuid()),
        user_id: Set(user.as_uuid()),
        role: Set(Role::Owner.as_str().to_owned()),
        created_at: Set(Utc::now()),
    }
    .insert(conn)
    .await?;
    Ok(())
}

pub(crate) async fn insert(
    conn: &impl ConnectionTrait,
    scope: &WorkspaceScope,
    user: UserId,
    role: Role,
) -> Result<workspace_members::Model> {
    workspace_members::ActiveModel {
        workspace_id: Set(scope.workspace_id().as_uuid()),
        user_id: Set(user.as_uuid()),
        role: Set(role.as_str().to_owned()),
        created_at: Set(Utc::now()),
    }
    .insert(conn)
    .await
    .on_unique(
        "already_member",
        "this person is already a member of the workspace",
    )
}

pub(crate) async fn get(
    conn: &impl ConnectionTrait,
    scope: &WorkspaceScope,
    user: UserId,
) -> Result<workspace_members::Model> {
    scoped::<workspace_members::Entity>(scope)
        .filter(workspace_members::Column::UserId.eq(user.as_uuid()))
        .one(conn)
        .await?
        .ok_or(Error::NotFound)
}

pub(crate) async fn list(
    conn: &impl ConnectionTrait,
    scope: &WorkspaceScope,
    page: PageRequest,
) -> Result<Vec<workspace_members::Model>> {
    let select = scoped::<workspace_members::Entity>(scope);
    Ok(paged(
        select,
        workspace_members::Column::UserId,
        page,
        Direction::OldestFirst,
    )
    .all(conn)
    .await?)
}

/// The memberships of the given users in the scope's workspace (non-members left out).
pub(crate) async fn of_users(
    conn: &impl ConnectionTrait,
    scope: &WorkspaceScope,
    users: &[UserId],
) -> Result<Vec<workspace_members::Model>> {
    let ids: Vec<uuid::Uuid> = users.iter().map(|u| u.as_uuid()).collect();
    Ok(scoped::<workspace_members::Entity>(scope)
        .filter(workspace_members::Column::UserId.is_in(ids))
        .all(conn)
        .await?)
}

/// Of the given users, those who are members of the scope's workspace.
pub(crate) async fn existing(
    conn: &impl ConnectionTrait,
    scope: &WorkspaceScope,
    users: &[UserId],
) -> Result<Vec<UserId>> {
    let ids: Vec<uuid::Uuid> = users.iter().map(|u| u.as_uuid()).collect();
    Ok(scoped::<workspace_members::Entity>(scope)
        .filter(workspace_members::Column::UserId.is_in(ids))
        .all(conn)
        .await?
        .into_iter()
        .map(|m| UserId::from(m.user_id))
        .collect())
}

pub(crate) async fn set_role(
    conn: &impl ConnectionTrait,
    scope: &WorkspaceScope,
    user: UserId,
    role: Role,
) -> Result<()> {
    let result = workspace_members::Entity::update_many()
        .col_expr(workspace_members::Column::Role, Expr::value(role.as_str()))
        .filter(workspace_members::Column::WorkspaceId.eq(scope.workspace_id().as_uuid()))
        .filter(workspace_members::Column::UserId.eq(user.as_uuid()))
        .exec(conn)
        .await?;
    if result.rows_affected == 0 {
        return Err(Error::NotFound);
    }
    Ok(())
}

/// Removes the member and their team memberships in this workspace.
pub(crate) async fn delete(
    conn: &impl ConnectionTrait,
    scope: &WorkspaceScope,
    user: UserId,
) -> Result<()> {
    team_members::Entity::delete_many()
        .filter(team_members::Column::WorkspaceId.eq(scope.workspace_id().as_uuid()))
        .filter(team_members::Column::UserId.eq(user.as_uuid()))
        .exec(conn)
        .await?;
    let result = workspace_members::Entity::delete_many()
        .filter(workspace_members::Column::WorkspaceId.eq(scope.workspace_id().as_uuid()))
        .filter(workspace_members::Column::UserId.eq(user.as_uuid()))
        .exec(conn)
        .await?;
    if result.rows_affected == 0 {
        return Err(Error::NotFound);
    }
    Ok(())
}

pub(crate) async fn count_owners(
    conn: &impl ConnectionTrait,
    scope: &WorkspaceScope,
) -> Result<u64> {
    Ok(scoped::<workspace_members::Entity>(scope)
        .filter(workspace_members::Column::Role.eq(Role::Owner.as_str()))
        .count(conn)
        .await?)
}
