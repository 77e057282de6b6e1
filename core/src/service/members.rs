//! Workspace members and roles. Admins manage everyone but owners; owners manage all.

use sea_orm::ConnectionTrait;
use serde::Deserialize;
use serde_json::json;

use crate::auth::secrets::{hash_token, random_token};
use crate::entity::{users, workspace_members};
use crate::ids::UserId;
use crate::pagination::{Page, PageRequest};
use crate::repo;
use crate::tenancy::{Capability, OrgRole, Role, WorkspaceScope};
use crate::views::{AddedMember, MemberView};
use crate::{Core, Error, Result};

use super::auth::normalize_email;
use super::{audit, required_name};

/// `POST /v1/workspaces/{ws}/members`.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewMember {
    /// Email of the person; an unknown email creates the user with an invitation.
    #[schema(format = Email)]
    pub email: String,
    /// Their role in this workspace.
    pub role: Role,
    /// Name for a new user; defaults to the part of the email before `@`.
    pub display_name: Option<String>,
}

/// `PATCH /v1/workspaces/{ws}/members/{user_id}`.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MemberPatch {
    /// The new role.
    pub role: Role,
}

fn member_view(member: workspace_members::Model, user: users::Model) -> Result<MemberView> {
    Ok(MemberView {
        user_id: UserId::from(member.user_id),
        invitation_pending: user.password_hash.is_none(),
        email: user.email,
        display_name: user.display_name,
        role: member.role.parse()?,
        joined_at: member.created_at,
    })
}

async fn load(
    conn: &impl ConnectionTrait,
    scope: &WorkspaceScope,
    user: UserId,
) -> Result<MemberView> {
    let member = repo::members::get(conn, scope, user).await?;
    let account = repo::users::get(conn, user).await?.ok_or(Error::NotFound)?;
    member_view(member, account)
}

/// Members of the workspace, in the order they were added.
pub async fn list(
    core: &Core,
    scope: &WorkspaceScope,
    page: PageRequest,
) -> Result<Page<MemberView>> {
    scope.require(Capability::ReadMembers)?;
    let conn = core.db().conn();
    let rows = repo::members::list(conn, scope, page).await?;
    let page = core.cursors().page(rows, page, |m| m.user_id)?;
    let users = repo::users::by_ids(conn, page.items.iter().map(|m| m.user_id).collect()).await?;
    let mut items = Vec::with_capacity(page.items.len());
    for member in page.items {
        if let Some(user) = users.iter().find(|u| u.id == member.user_id) {
            items.push(member_view(member, user.clone())?);
        }
    }
    Ok(Page {
        items,
        next_cursor: page.next_cursor,
    })
}

/// One member.
pub async fn get(core: &Core, scope: &WorkspaceScope, user: UserId) -> Result<MemberView> {
    scope.require(Capability::ReadMembers)?;
    load(core.db().conn(), scope, user).await
}

fn require_role_change(scope: &WorkspaceScope, from: Option<Role>, to: Option<Role>) -> Result<()> {
    scope.require(Capability::ManageMembers)?;
    if from == Some(Role::Owner) || to == Some(Role::Owner) {
        scope.require(Capability::ManageOwners)?;
    }
    Ok(())
}

async fn ensure_not_last_owner(
    conn: &impl ConnectionTrait,
    scope: &WorkspaceScope,
    current: Role,
) -> Result<()> {
    if current == Role::Owner && repo::members::count_owners(conn, scope).await? <= 1 {
        return Err(Error::conflict(
            "last_owner",
            "a workspace needs at least one owner",
        ));
    }
    Ok(())
}

/// Adds a person. An unknown email creates the user with an invitation token, returned once;
/// a person already invited elsewhere gets no new token and joins with the one they have.
#[tracing::instrument(skip_all, err(level = "debug"))]
pub async fn add(core: &Core, scope: &WorkspaceScope, input: NewMember) -> Result<AddedMember> {
    require_role_change(scope, None, Some(input.role))?;
    let email = normalize_email(&input.email)?;
    let display_name = input
        .display_name
        .as_deref()
        .map(|n| required_name("display_name", n, 120))
        .transpose()?;
    let txn = core.db().begin().await?;
    let (user, invitation_token) = find_or_invite(&txn, scope, email, display_name).await?;
    let user_id = UserId::from(user.id);
    if repo::orgs::role_of(&txn, scope.org_id(), user_id)
        .await?
        .is_none()
    {
        repo::orgs::add_member(&txn, scope.org_id(), user_id, OrgRole::OrgMember).await?;
    }
    let member = repo::members::insert(&txn, scope, user_id, input.role).await?;
    audit::record(
        &txn,
        scope,
        "member.added",
        "member",
        user_id,
        json!({ "role": input.role }),
    )
    .await?;
    txn.commit().await?;
    Ok(AddedMember {
        member: member_view(member, user)?,
        invitation_token,
    })
}

async fn find_or_invite(
    conn: &impl ConnectionTrait,
    scope: &WorkspaceScope,
    email: String,
    display_name: Option<String>,
) -> Result<(users::Model, Option<String>)> {
    let token = random_token("esi_");
    let expires = super::orgs::invitation_expiry();
    match repo::users::by_email(conn, &email).await? {
        Some(user) if user.password_hash.is_some() => Ok((user, None)),
        // Invited to somewhere else: whoever holds a token sets the password and gets the
        // whole account, so no token leaves here; the person accepts the one they have.
        Some(user) if !invited_only_here(conn, scope, UserId::from(user.id)).await? => {
            Ok((user, None))
        }
        // Invited, but nowhere else any more: a fresh token replaces the old one.
        Some(user) => Ok((
            repo::users::renew_invitation(conn, user, hash_token(&token), expires).await?,
            Some(token),
        )),
        None => {
            let display_name = display_name
                .unwrap_or_else(|| email.split('@').next().unwrap_or(&email).to_owned());
            let new = repo::users::NewUser {
                email,
                display_name,
                password_hash: None,
                invitation: Some((hash_token(&token), expires)),
            };
            Ok((repo::users::insert(conn, new).await?, Some(token)))
        }
    }
}

/// Whether an invited account reaches nothing the caller does not grant: no workspace
/// membership and at most a plain membership of this organization.
async fn invited_only_here(
    conn: &impl ConnectionTrait,
    scope: &WorkspaceScope,
    user: UserId,
) -> Result<bool> {
    if !repo::members::memberships_of(conn, user).await?.is_empty() {
        return Ok(false);
    }
    let orgs = repo::orgs::memberships_of(conn, user).await?;
    Ok(orgs
        .iter()
        .all(|m| m.org_id == scope.org_id().as_uuid() && m.role == OrgRole::OrgMember.as_str()))
}

/// Changes a member's role; the last owner cannot be demoted.
#[tracing::instrument(skip_all, err(level = "debug"))]
pub async fn update_role(
    core: &Core,
    scope: &WorkspaceScope,
    user: UserId,
    patch: MemberPatch,
) -> Result<MemberView> {
    scope.require(Capability::ManageMembers)?;
    let txn = core.db().begin().await?;
    repo::workspaces::lock_members(&txn, scope).await?;
    let current: Role = repo::members::get(&txn, scope, user).await?.role.parse()?;
    require_role_change(scope, Some(current), Some(patch.role))?;
    if patch.role != Role::Owner {
        ensure_not_last_owner(&txn, scope, current).await?;
    }
    repo::members::set_role(&txn, scope, user, patch.role).await?;
    audit::record(
        &txn,
        scope,
        "member.role_changed",
        "member",
        user,
        json!({ "from": current, "to": patch.role }),
    )
    .await?;
    let view = load(&txn, scope, user).await?;
    txn.commit().await?;
    Ok(view)
}

/// Removes a member and their team memberships; the last owner stays.
#[tracing::instrument(skip_all, err(level = "debug"))]
pub async fn remove(core: &Core, scope: &WorkspaceScope, user: UserId) -> Result<()> {
    scope.require(Capability::ManageMembers)?;
    let txn = core.db().begin().await?;
    repo::workspaces::lock_members(&txn, scope).await?;
    let current: Role = repo::members::get(&txn, scope, user).await?.role.parse()?;
    require_role_change(scope, Some(current), None)?;
    ensure_not_last_owner(&txn, scope, current).await?;
    repo::members::delete(&txn, scope, user).await?;
    audit::record(
        &txn,
        scope,
        "member.removed",
        "member",
        user,
        json!({ "role": current }),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// The members with these user ids, in no particular order; users who are not members here
/// are left out. One query for memberships and one for accounts, however many ids.
pub async fn by_ids(
    core: &Core,
    scope: &WorkspaceScope,
    users: &[UserId],
) -> Result<Vec<MemberView>> {
    scope.require(Capability::ReadMembers)?;
    let conn = core.db().conn();
    let rows = repo::members::of_users(conn, scope, users).await?;
    let accounts = repo::users::by_ids(conn, rows.iter().map(|m| m.user_id).collect()).await?;
    let mut items = Vec::with_capacity(rows.len());
    for member in rows {
        if let Some(user) = accounts.iter().find(|u| u.id == member.user_id) {
            items.push(member_view(member, user.clone())?);
        }
    }
    Ok(items)
}
