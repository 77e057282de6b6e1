//! Organizations: created by the platform operator (or open sign-up), and their members.

use chrono::DateTime;
use serde::Deserialize;

use crate::auth::password;
use crate::entity::{org_members, organizations, users};
use crate::ids::{OrgId, UserId};
use crate::pagination::{Page, PageRequest};
use crate::repo;
use crate::tenancy::{OrgRole, OrgScope};
use crate::views::{OrgCreated, OrgMemberView, OrgView, UserView};
use crate::{Core, Error, Result};

use super::auth::normalize_email;
use super::required_name;

/// The first owner of a new organization.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewOwner {
    /// Email address.
    #[schema(format = Email)]
    pub email: String,
    /// Password (at least 10 characters).
    pub password: Option<String>,
    /// Name shown to colleagues; defaults to the part of the email before `@`.
    pub display_name: Option<String>,
}

/// `POST /v1/orgs`.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewOrg {
    /// Organization name.
    #[schema(min_length = 1, max_length = 200)]
    pub name: String,
    /// Its first `org_owner`.
    pub owner: NewOwner,
    /// When given, a first workspace with this name, owned by the owner.
    pub workspace_name: Option<String>,
}

/// Who is creating an organization.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrgCreator {
    /// The platform operator: may attach an existing user as owner.
    Platform,
    /// Anyone, when open sign-up is on: the owner must be a new user.
    OpenSignup,
}

pub(crate) fn org_view(model: organizations::Model) -> OrgView {
    OrgView {
        id: OrgId::from(model.id),
        name: model.name,
        created_at: model.created_at,
    }
}

pub(crate) fn user_view(model: users::Model) -> UserView {
    UserView {
        id: UserId::from(model.id),
        email: model.email,
        display_name: model.display_name,
        created_at: model.created_at,
    }
}

fn default_display_name(email: &str) -> String {
    email.split('@').next().unwrap_or(email).to_owned()
}

/// Creates an organization with its first owner (and optionally its first workspace).
#[tracing::instrument(skip_all, err(level = "debug"))]
pub async fn create(core: &Core, creator: OrgCreator, input: NewOrg) -> Result<OrgCreated> {
    let name = required_name("name", &input.name, 200)?;
    let email = normalize_email(&input.owner.email)?;
    let workspace_name = input
        .workspace_name
        .as_deref()
        .map(|n| required_name("workspace_name", n, 200))
        .transpose()?;
    let display_name = match &input.owner.display_name {
        Some(n) => required_name("owner.display_name", n, 120)?,
        None => default_display_name(&email),
    };
    let txn = core.db().begin().await?;
    let owner = match repo::users::by_email(&txn, &email).await? {
        Some(user) if creator == OrgCreator::Platform => user,
        Some(_) => {
            return Err(Error::conflict(
                "email_taken",
                "a user with this email already exists",
            ));
        }
        None => {
            let password = input.owner.password.ok_or_else(|| {
                Error::invalid("owner.password", "required", "a new owner needs a password")
            })?;
            password::check_policy(&password, &email).map_err(|e| prefix_field(e, "owner."))?;
            let password_hash = password::hash(password).await?;
            repo::users::insert(
                &txn,
                repo::users::NewUser {
                    email,
                    display_name,
                    password_hash: Some(password_hash),
                    invitation: None,
                },
            )
            .await?
        }
    };
    let org = repo::orgs::insert(&txn, name).await?;
    let org_id = OrgId::from(org.id);
    let owner_id = UserId::from(owner.id);
    repo::orgs::add_member(&txn, org_id, owner_id, OrgRole::OrgOwner).await?;
    let workspace = match workspace_name {
        Some(name) => Some(super::workspaces::create_in(&txn, org_id, owner_id, name).await?),
        None => None,
    };
    txn.commit().await?;
    Ok(OrgCreated {
        org: org_view(org),
        owner: user_view(owner),
        workspace,
    })
}

fn prefix_field(err: Error, prefix: &str) -> Error {
    match err {
        Error::Validation(fields) => {
            Error::Validation(fields.into_iter().map(|f| f.prefixed(prefix)).collect())
        }
        other => other,
    }
}

/// The organization of the scope.
pub async fn get(core: &Core, scope: &OrgScope) -> Result<OrgView> {
    Ok(org_view(
        repo::orgs::get(core.db().conn(), scope.org_id()).await?,
    ))
}

async fn member_view(core: &Core, member: org_members::Model) -> Result<OrgMemberView> {
    let user = repo::users::get(core.db().conn(), UserId::from(member.user_id))
        .await?
        .ok_or(Error::NotFound)?;
    Ok(OrgMemberView {
        user: user_view(user),
        role: member.role.parse()?,
        joined_at: member.created_at,
    })
}

/// Members of the organization; any member may list them.
pub async fn list_members(
    core: &Core,
    scope: &OrgScope,
    page: PageRequest,
) -> Result<Page<OrgMemberView>> {
    let rows = repo::orgs::list_members(core.db().conn(), scope, page).await?;
    let page = core.cursors().page(rows, page, |m| m.user_id)?;
    let users = repo::users::by_ids(
        core.db().conn(),
        page.items.iter().map(|m| m.user_id).collect(),
    )
    .await?;
    let mut items = Vec::with_capacity(page.items.len());
    for member in page.items {
        let Some(user) = users.iter().find(|u| u.id == member.user_id).cloned() else {
            continue;
        };
        items.push(OrgMemberView {
            user: user_view(user),
            role: member.role.parse()?,
            joined_at: member.created_at,
        });
    }
    Ok(Page {
        items,
        next_cursor: page.next_cursor,
    })
}

fn require_manager(scope: &OrgScope) -> Result<()> {
    if scope.role().manages_org() {
        Ok(())
    } else {
        Err(Error::Forbidden(crate::tenancy::Capability::ManageMembers))
    }
}

/// Changes a member's organization role. Only an `org_owner` grants or removes `org_owner`,
/// and the last `org_owner` stays.
pub async fn set_member_role(
    core: &Core,
    scope: &OrgScope,
    user: UserId,
    role: OrgRole,
) -> Result<OrgMemberView> {
    require_manager(scope)?;
    let txn = core.db().begin().await?;
    repo::orgs::lock_members(&txn, scope).await?;
    let current: OrgRole = repo::orgs::member(&txn, scope, user).await?.role.parse()?;
    let touches_owner = role == OrgRole::OrgOwner || current == OrgRole::OrgOwner;
    if touches_owner && scope.role() != OrgRole::OrgOwner {
        return Err(Error::Forbidden(crate::tenancy::Capability::ManageOwners));
    }
    if current == OrgRole::OrgOwner
        && role != OrgRole::OrgOwner
        && repo::orgs::count_with_role(&txn, scope.org_id(), OrgRole::OrgOwner).await? <= 1
    {
        return Err(Error::conflict(
            "last_owner",
            "an organization needs at least one org_owner",
        ));
    }
    repo::orgs::set_member_role(&txn, scope, user, role).await?;
    let details = serde_json::json!({ "from": current, "to": role });
    record_in_every_workspace(&txn, scope, "org_member.role_changed", user, details).await?;
    txn.commit().await?;
    member_view(
        core,
        repo::orgs::member(core.db().conn(), scope, user).await?,
    )
    .await
}

/// Removes a person from the organization and every workspace and team in it. Only an
/// `org_owner` removes someone who owns a workspace, or another `org_owner`.
pub async fn remove_member(core: &Core, scope: &OrgScope, user: UserId) -> Result<()> {
    require_manager(scope)?;
    let txn = core.db().begin().await?;
    repo::orgs::lock_members(&txn, scope).await?;
    let current: OrgRole = repo::orgs::member(&txn, scope, user).await?.role.parse()?;
    // Leaving the organization ends every workspace membership, so removing a workspace
    // owner is what an admin may not do there: it takes an `org_owner`.
    let owns_a_workspace = repo::orgs::owns_a_workspace(&txn, scope, user).await?;
    if owns_a_workspace && scope.role() != OrgRole::OrgOwner {
        return Err(Error::Forbidden(crate::tenancy::Capability::ManageOwners));
    }
    if current == OrgRole::OrgOwner {
        if scope.role() != OrgRole::OrgOwner {
            return Err(Error::Forbidden(crate::tenancy::Capability::ManageOwners));
        }
        if repo::orgs::count_with_role(&txn, scope.org_id(), OrgRole::OrgOwner).await? <= 1 {
            return Err(Error::conflict(
                "last_owner",
                "an organization needs at least one org_owner",
            ));
        }
    }
    repo::orgs::remove_member(&txn, scope, user).await?;
    let details = serde_json::json!({ "role": current });
    record_in_every_workspace(&txn, scope, "org_member.removed", user, details).await?;
    txn.commit().await?;
    Ok(())
}

/// Organization changes appear in the audit log of every workspace of the organization,
/// where the people they affect work.
async fn record_in_every_workspace(
    conn: &impl sea_orm::ConnectionTrait,
    scope: &OrgScope,
    action: &'static str,
    user: UserId,
    details: serde_json::Value,
) -> Result<()> {
    let workspaces = repo::workspaces::for_orgs(conn, vec![scope.org_id().as_uuid()]).await?;
    for workspace in workspaces {
        let in_workspace = crate::tenancy::WorkspaceScope::for_role(
            workspace.id.into(),
            scope.org_id(),
            scope.actor().clone(),
            crate::tenancy::Role::Owner,
            crate::views::AgentVisibility::All,
        );
        super::audit::record(
            conn,
            &in_workspace,
            action,
            "org_member",
            user,
            details.clone(),
        )
        .await?;
    }
    Ok(())
}

/// Time a new invitation stays valid.
pub(crate) fn invitation_expiry() -> DateTime<chrono::Utc> {
    chrono::Utc::now() + chrono::Duration::days(7)
}
