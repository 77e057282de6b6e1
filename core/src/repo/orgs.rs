//! Organizations and their members.

use chrono::Utc;
use sea_orm::sea_query::LockType;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect,
    QueryTrait, Set,
};

use crate::entity::{org_members, organizations, team_members, workspace_members, workspaces};
use crate::error::OnConflict;
use crate::ids::{OrgId, UserId};
use crate::pagination::PageRequest;
use crate::tenancy::{OrgRole, OrgScope, Role};
use crate::{Error, Result};

use super::{Direction, paged};

pub(crate) async fn insert(
    conn: &impl ConnectionTrait,
    name: String,
) -> Result<organizations::Model> {
    Ok(organizations::ActiveModel {
        id: Set(OrgId::new().as_uuid()),
        name: Set(name),
        created_at: Set(Utc::now()),
    }
    .insert(conn)
    .await?)
}

pub(crate) async fn get(conn: &impl ConnectionTrait, id: OrgId) -> Result<organizations::Model> {
    organizations::Entity::find_by_id(id.as_uuid())
        .one(conn)
        .await?
        .ok_or(Error::NotFound)
}

/// Locks the organization row until the transaction ends, so changes that count its
/// `org_owner`s run one at a time (see `workspaces::lock_members`).
pub(crate) async fn lock_members(conn: &impl ConnectionTrait, scope: &OrgScope) -> Result<()> {
    organizations::Entity::find_by_id(scope.org_id().as_uuid())
        .lock(LockType::NoKeyUpdate)
        .one(conn)
        .await?
        .ok_or(Error::NotFound)?;
    Ok(())
}

pub(crate) async fn by_ids(
    conn: &impl ConnectionTrait,
    ids: Vec<uuid::Uuid>,
) -> Result<Vec<organizations::Model>> {
    Ok(organizations::Entity::find()
        .filter(organizations::Column::Id.is_in(ids))
        .all(conn)
        .await?)
}

pub(crate) async fn add_member(
    conn: &impl ConnectionTrait,
    org: OrgId,
    user: UserId,
    role: OrgRole,
) -> Result<org_members::Model> {
    org_members::ActiveModel {
        org_id: Set(org.as_uuid()),
        user_id: Set(user.as_uuid()),
        role: Set(role.as_str().to_owned()),
        created_at: Set(Utc::now()),
    }
    .insert(conn)
    .await
    .on_unique(
        "already_member",
        "this person already belongs to the organization",
    )
}

pub(crate) async fn role_of(
    conn: &impl ConnectionTrait,
    org: OrgId,
    user: UserId,
) -> Result<Option<OrgRole>> {
    org_members::Entity::find_by_id((org.as_uuid(), user.as_uuid()))
        .one(conn)
        .await?
        .map(|m| m.role.parse())
        .transpose()
}

pub(crate) async fn memberships_of(
    conn: &impl ConnectionTrait,
    user: UserId,
) -> Result<Vec<org_members::Model>> {
    Ok(org_members::Entity::find()
        .filter(org_members::Column::UserId.eq(user.as_uuid()))
        .all(conn)
        .await?)
}

pub(crate) async fn list_members(
    conn: &impl ConnectionTrait,
    scope: &OrgScope,
    page: PageRequest,
) -> Result<Vec<org_members::Model>> {
    let select =
        org_members::Entity::find().filter(org_members::Column::OrgId.eq(scope.org_id().as_uuid()));
    Ok(paged(
        select,
        org_members::Column::UserId,
        page,
        Direction::OldestFirst,
    )
    .all(conn)
    .await?)
}

pub(crate) async fn member(
    conn: &impl ConnectionTrait,
    scope: &OrgScope,
    user: UserId,
) -> Result<org_members::Model> {
    org_members::Entity::find_by_id((scope.org_id().as_uuid(), user.as_uuid()))
        .one(conn)
        .await?
        .ok_or(Error::NotFound)
}

pub(crate) async fn set_member_role(
    conn: &impl ConnectionTrait,
    scope: &OrgScope,
    user: UserId,
    role: OrgRole,
) -> Result<()> {
    let result = org_members::Entity::update_many()
        .col_expr(
            org_members::Column::Role,
            sea_orm::sea_query::Expr::value(role.as_str()),
        )
        .filter(org_members::Column::OrgId.eq(scope.org_id().as_uuid()))
        .filter(org_members::Column::UserId.eq(user.as_uuid()))
        .exec(conn)
        .await?;
    if result.rows_affected == 0 {
        return Err(Error::NotFound);
    }
    Ok(())
}

/// Removes the person from the organization and from every workspace and team in it.
pub(crate) async fn remove_member(
    conn: &impl ConnectionTrait,
    scope: &OrgScope,
    user: UserId,
) -> Result<()> {
    let org_workspaces = workspaces::Entity::find()
        .select_only()
        .column(workspaces::Column::Id)
        .filter(workspaces::Column::OrgId.eq(scope.org_id().as_uuid()))
        .into_query();
    team_members::Entity::delete_many()
        .filter(team_members::Column::UserId.eq(user.as_uuid()))
        .filter(team_members::Column::WorkspaceId.in_subquery(org_workspaces.clone()))
        .exec(conn)
        .await?;
    workspace_members::Entity::delete_many()
        .filter(workspace_members::Column::UserId.eq(user.as_uuid()))
        .filter(workspace_members::Column::WorkspaceId.in_subquery(org_workspaces))
        .exec(conn)
        .await?;
    let result = org_members::Entity::delete_many()
        .filter(org_members::Column::OrgId.eq(scope.org_id().as_uuid()))
        .filter(org_members::Column::UserId.eq(user.as_uuid()))
        .exec(conn)
        .await?;
    if result.rows_affected == 0 {
        return Err(Error::NotFound);
    }
    Ok(())
}

/// Whether the person is an explicit `owner` of any workspace of the organization.
pub(crate) async fn owns_a_workspace(
    conn: &impl ConnectionTrait,
    scope: &OrgScope,
    user: UserId,
) -> Result<bool> {
    use sea_orm::PaginatorTrait;
    let org_workspaces = workspaces::Entity::find()
        .select_only()
        .column(workspaces::Column::Id)
        .filter(workspaces::Column::OrgId.eq(scope.org_id().as_uuid()))
        .into_query();
    let owned = workspace_members::Entity::find()
        .filter(workspace_members::Column::UserId.eq(user.as_uuid()))
        .filter(workspace_members::Column::Role.eq(Role::Owner.as_str()))
        .filter(workspace_members::Column::WorkspaceId.in_subquery(org_workspaces))
        .count(conn)
        .await?;
    Ok(owned > 0)
}

pub(crate) async fn count_with_role(
    conn: &impl ConnectionTrait,
    org: OrgId,
    role: OrgRole,
) -> Result<u64> {
    use sea_orm::PaginatorTrait;
    Ok(org_members::Entity::find()
        .filter(org_members::Column::OrgId.eq(org.as_uuid()))
        .filter(org_members::Column::Role.eq(role.as_str()))
        .count(conn)
        .await?)
}
