//! Workspaces: entered by id, listed per organization, changed through their scope.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::LockType;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect,
    QueryTrait, Set,
};

use crate::entity::{workspace_members, workspaces};
use crate::ids::{OrgId, SessionId, UserId, WorkspaceId};
use crate::pagination::PageRequest;
use crate::tenancy::WorkspaceScope;
use crate::views::AgentVisibility;
use crate::{Error, Result};

use super::{Direction, paged};

/// Default re-open window: 7 days.
pub(crate) const DEFAULT_REOPEN_WINDOW_SECS: i64 = 7 * 24 * 3600;
/// Default follow-up delay: 24 hours.
pub(crate) const DEFAULT_FOLLOWUP_DELAY_SECS: i64 = 24 * 3600;

pub(crate) async fn insert(
    conn: &impl ConnectionTrait,
    org: OrgId,
    name: String,
) -> Result<workspaces::Model> {
    let now = Utc::now();
    Ok(workspaces::ActiveModel {
        id: Set(WorkspaceId::new().as_uuid()),
        org_id: Set(org.as_uuid()),
        name: Set(name),
        agent_visibility: Set(AgentVisibility::All.as_str().to_owned()),
        reopen_window_secs: Set(DEFAULT_REOPEN_WINDOW_SECS),
        followup_delay_secs: Set(DEFAULT_FOLLOWUP_DELAY_SECS),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(conn)
    .await?)
}

/// The workspace with this id, before any membership check: only `access` calls this.
pub(crate) async fn find_for_entry(
    conn: &impl ConnectionTrait,
    id: WorkspaceId,
) -> Result<Option<workspaces::Model>> {
    Ok(workspaces::Entity::find_by_id(id.as_uuid())
        .one(conn)
        .await?)
}

pub(crate) async fn get(
    conn: &impl ConnectionTrait,
    scope: &WorkspaceScope,
) -> Result<workspaces::Model> {
    workspaces::Entity::find_by_id(scope.workspace_id().as_uuid())
        .one(conn)
        .await?
        .ok_or(Error::NotFound)
}

/// Locks the workspace row until the transaction ends, so changes that count its owners
/// run one at a time: otherwise two owners demoting each other at once both see a second
/// owner and leave none. A no-op on SQLite, which has one writer at a time anyway.
pub(crate) async fn lock_members(
    conn: &impl ConnectionTrait,
    scope: &WorkspaceScope,
) -> Result<()> {
    workspaces::Entity::find_by_id(scope.workspace_id().as_uuid())
        .lock(LockType::NoKeyUpdate)
        .one(conn)
        .await?
        .ok_or(Error::NotFound)?;
    Ok(())
}

/// Workspaces of an organization; with `only_member_of`, just those the user belongs to.
pub(crate) async fn list_for_org(
    conn: &impl ConnectionTrait,
    org: OrgId,
    only_member_of: Option<UserId>,
    page: PageRequest,
) -> Result<Vec<workspaces::Model>> {
    let mut select = workspaces::Entity::find().filter(workspaces::Column::OrgId.eq(org.as_uuid()));
    if let Some(user) = only_member_of {
        let member_of = workspace_members::Entity::find()
            .select_only()
            .column(workspace_members::Column::WorkspaceId)
            .filter(workspace_members::Column::UserId.eq(user.as_uuid()))
            .into_query();
        select = select.filter(workspaces::Column::Id.in_subquery(member_of));
    }
    Ok(
        paged(select, workspaces::Column::Id, page, Direction::OldestFirst)
            .all(conn)
            .await?,
    )
}

pub(crate) async fn for_orgs(
    conn: &impl ConnectionTrait,
    orgs: Vec<uuid::Uuid>,
) -> Result<Vec<workspaces::Model>> {
    Ok(workspaces::Entity::find()
        .filter(workspaces::Column::OrgId.is_in(orgs))
        .all(conn)
        .await?)
}

/// The changes a PATCH may make.
#[derive(Default)]
pub(crate) struct WorkspaceChanges {
    pub name: Option<String>,
    pub agent_visibility: Option<AgentVisibility>,
    pub reopen_window_secs: Option<i64>,
    pub followup_delay_secs: Option<i64>,
}

pub(crate) async fn update(
    conn: &impl ConnectionTrait,
    scope: &WorkspaceScope,
    changes: WorkspaceChanges,
) -> Result<workspaces::Model> {
    let mut active: workspaces::ActiveModel = get(conn, scope).await?.into();
    if let Some(name) = changes.name {
        active.name = Set(name);
    }
    if let Some(visibility) = changes.agent_visibility {
        active.agent_visibility = Set(visibility.as_str().to_owned());
    }
    if let Some(secs) = changes.reopen_window_secs {
        active.reopen_window_secs = Set(secs);
    }
    if let Some(secs) = changes.followup_delay_secs {
        active.followup_delay_secs = Set(secs);
    }
    active.updated_at = Set(Utc::now());
    Ok(active.update(conn).await?)
}

pub(crate) async fn delete(conn: &impl ConnectionTrait, scope: &WorkspaceScope) -> Result<()> {
    let result = workspaces::Entity::delete_many()
        .filter(workspaces::Column::Id.eq(scope.workspace_id().as_uuid()))
        .exec(conn)
        .await?;
    if result.rows_affected == 0 {
        return Err(Error::NotFound);
    }
    Ok(())
}

/// What entering a workspace as a user needs, read in one round trip.
pub(crate) struct UserEntry {
    /// Whether the login session is in force: the user's, neither revoked nor expired.
    pub session_in_force: bool,
    /// The workspace's organization and visibility rule, when the workspace exists.
    pub workspace: Option<(OrgId, String)>,
    /// The user's own membership role, if any.
    pub member_role: Option<String>,
    /// The user's role in the owning organization, if any.
    pub org_role: Option<String>,
}

/// The login session's state with the workspace and the user's workspace and organization
/// roles, or `None` when the session does not exist. Every authenticated request checks
/// its session and enters a workspace, so this is one statement rather than four.
pub(crate) async fn entry_for_user(
    conn: &impl ConnectionTrait,
    workspace: WorkspaceId,
    user: UserId,
    session: SessionId,
    now: DateTime<Utc>,
) -> Result<Option<UserEntry>> {
    use crate::entity::{org_members, sessions};
    use sea_orm::sea_query::{Alias, Condition, Expr, ExprTrait, JoinType, Query};
    let (s, w, wm, om) = (
        sessions::Entity,
        workspaces::Entity,
        workspace_members::Entity,
        org_members::Entity,
    );
    let select = Query::select()
        .columns([
            (s, sessions::Column::UserId),
            (s, sessions::Column::ExpiresAt),
            (s, sessions::Column::RevokedAt),
        ])
        .column((w, workspaces::Column::OrgId))
        .column((w, workspaces::Column::AgentVisibility))
        .expr_as(
            Expr::col((wm, workspace_members::Column::Role)),
            Alias::new("member_role"),
        )
        .expr_as(
            Expr::col((om, org_members::Column::Role)),
            Alias::new("org_role"),
        )
        .from(s)
        .join(
            JoinType::LeftJoin,
            w,
            Expr::col((w, workspaces::Column::Id)).eq(workspace.as_uuid()),
        )
        .join(
            JoinType::LeftJoin,
            wm,
            Condition::all()
                .add(
                    Expr::col((wm, workspace_members::Column::WorkspaceId))
                        .equals((w, workspaces::Column::Id)),
                )
                .add(Expr::col((wm, workspace_members::Column::UserId)).eq(user.as_uuid())),
        )
        .join(
            JoinType::LeftJoin,
            om,
            Condition::all()
                .add(
                    Expr::col((om, org_members::Column::OrgId))
                        .equals((w, workspaces::Column::OrgId)),
                )
                .add(Expr::col((om, org_members::Column::UserId)).eq(user.as_uuid())),
        )
        .and_where(Expr::col((s, sessions::Column::Id)).eq(session.as_uuid()))
        .to_owned();
    let Some(row) = conn.query_one(&select).await? else {
        return Ok(None);
    };
    let session_user: uuid::Uuid = row.try_get("", "user_id")?;
    let expires_at: DateTime<Utc> = row.try_get("", "expires_at")?;
    let revoked_at: Option<DateTime<Utc>> = row.try_get("", "revoked_at")?;
    let org_id: Option<uuid::Uuid> = row.try_get("", "org_id")?;
    let visibility: Option<String> = row.try_get("", "agent_visibility")?;
    Ok(Some(UserEntry {
        session_in_force: super::sessions::in_force(
            (session_user, expires_at, revoked_at),
            user,
            now,
        ),
        workspace: org_id.map(OrgId::from).zip(visibility),
        member_role: row.try_get("", "member_role")?,
        org_role: row.try_get("", "org_role")?,
    }))
}
