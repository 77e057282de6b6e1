//! Teams and their members.

use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
};

use crate::entity::{team_members, teams};
use crate::error::OnConflict;
use crate::ids::{TeamId, UserId};
use crate::pagination::PageRequest;
use crate::tenancy::WorkspaceScope;
use crate::{Error, Result};

use super::scoped::{delete_one, scoped};
use super::{Direction, paged};

const NAME_TAKEN: &str = "a team with this name already exists in the workspace";

pub(crate) async fn insert(
    conn: &impl ConnectionTrait,
    scope: &WorkspaceScope,
    name: String,
    description: Option<String>,
) -> Result<teams::Model> {
    let now = Utc::now();
    teams::ActiveModel {
        id: Set(TeamId::new().as_uuid()),
        workspace_id: Set(scope.workspace_id().as_uuid()),
        name: Set(name),
        description: Set(description),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(conn)
    .await
    .on_unique("team_name_taken", NAME_TAKEN)
}

pub(crate) async fn get(
    conn: &impl ConnectionTrait,
    scope: &WorkspaceScope,
    id: TeamId,
) -> Result<teams::Model> {
    scoped::<teams::Entity>(scope)
        .filter(teams::Column::Id.eq(id.as_uuid()))
        .one(conn)
        .await?
        .ok_or(Error::NotFound)
}

/// The teams with these ids in the scope's workspace (others left out).
pub(crate) async fn by_ids(
    conn: &impl ConnectionTrait,
    scope: &WorkspaceScope,
    ids: &[TeamId],
) -> Result<Vec<teams::Model>> {
    let ids: Vec<uuid::Uuid> = ids.iter().map(|t| t.as_uuid()).collect();
    Ok(scoped::<teams::Entity>(scope)
        .filter(teams::Column::Id.is_in(ids))
        .all(conn)
        .await?)
}

pub(crate) async fn list(
    conn: &impl ConnectionTrait,
    scope: &WorkspaceScope,
    page: PageRequest,
) -> Result<Vec<teams::Model>> {
    Ok(paged(
        scoped::<teams::Entity>(scope),
        teams::Column::Id,
        page,
        Direction::OldestFirst,
    )
    .all(conn)
    .await?)
}

pub(crate) async fn update(
    conn: &impl ConnectionTrait,
    scope: &WorkspaceScope,
    team: teams::Model,
    name: Option<String>,
    description: Option<Option<String>>,
) -> Result<teams::Model> {
    if team.workspace_id != scope.workspace_id().as_uuid() {
        return Err(Error::NotFound);
    }
    let mut active: teams::ActiveModel = team.into();
    if let Some(name) = name {
        active.name = Set(name);
    }
    if let Some(description) = description {
        active.description = Set(description);
    }
    active.updated_at = Set(Utc::now());
    active
        .update(conn)
        .await
        .on_unique("team_name_taken", NAME_TAKEN)
}

pub(crate) async fn delete(
    conn: &impl ConnectionTrait,
    scope: &WorkspaceScope,
    id: TeamId,
) -> Result<()> {
    delete_one::<teams::Entity>(conn, scope, teams::Column::Id, id.as_uuid()).await
}

/// The members of each of the given teams, in the order they joined.
pub(crate) async fn members_of(
    conn: &impl ConnectionTrait,
    scope: &WorkspaceScope,
    teams: &[uuid::Uuid],
) -> Result<Vec<team_members::Model>> {
    Ok(scoped::<team_members::Entity>(scope)
        .filter(team_members::Column::TeamId.is_in(teams.to_vec()))
        .order_by_asc(team_members::Column::CreatedAt)
        .order_by_asc(team_members::Column::UserId)
        .all(conn)
        .await?)
}

/// Replaces the team's members; the caller has checked they belong to the workspace.
pub(crate) async fn set_members(
    conn: &impl ConnectionTrait,
    scope: &WorkspaceScope,
    team: TeamId,
    users: &[UserId],
) -> Result<()> {
    team_members::Entity::delete_many()
        .filter(team_members::Column::WorkspaceId.eq(scope.workspace_id().as_uuid()))
        .filter(team_members::Column::TeamId.eq(team.as_uuid()))
        .exec(conn)
        .await?;
    if users.is_empty() {
        return Ok(());
    }
    let now = Utc::now();
    let rows = users.iter().map(|user| team_members::ActiveModel {
        team_id: Set(team.as_uuid()),
        user_id: Set(user.as_uuid()),
        workspace_id: Set(scope.workspace_id().as_uuid()),
        created_at: Set(now),
    });
    team_members::Entity::insert_many(rows).exec(conn).await?;
    Ok(())
}

/// Whether the user belongs to the team.
pub(crate) async fn has_member(
    conn: &impl ConnectionTrait,
    scope: &WorkspaceScope,
    team: TeamId,
    user: UserId,
) -> Result<bool> {
    Ok(scoped::<team_members::Entity>(scope)
        .filter(team_members::Column::TeamId.eq(team.as_uuid()))
        .filter(team_members::Column::UserId.eq(user.as_uuid()))
        .one(conn)
        .await?
        .is_some())
}
