//! People and organizations, and what `GET /v1/me` shows.

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::ids::{OrgId, UserId, WorkspaceId};
use crate::tenancy::{OrgRole, Role};

/// A person.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct UserView {
    /// Id.
    pub id: UserId,
    /// Login email (lower case).
    pub email: String,
    /// Name shown to colleagues.
    pub display_name: String,
    /// When the account was created.
    pub created_at: DateTime<Utc>,
}

/// An organization.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct OrgView {
    /// Id.
    pub id: OrgId,
    /// Name.
    pub name: String,
    /// When it was created.
    pub created_at: DateTime<Utc>,
}

/// A new organization, its first owner and, when asked for, its first workspace.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct OrgCreated {
    /// The organization.
    pub org: OrgView,
    /// Its `org_owner`.
    pub owner: UserView,
    /// The first workspace, when a name was given.
    pub workspace: Option<super::WorkspaceView>,
}

/// A member of an organization.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct OrgMemberView {
    /// The person.
    pub user: UserView,
    /// Their organization role.
    pub role: OrgRole,
    /// When they joined.
    pub joined_at: DateTime<Utc>,
}

/// A workspace the caller can enter, with their effective role there.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct MyWorkspace {
    /// Id.
    pub id: WorkspaceId,
    /// Name.
    pub name: String,
    /// Effective role (explicit, or implied by the organization role).
    pub role: Role,
}

/// An organization the caller belongs to.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct MyOrg {
    /// Id.
    pub id: OrgId,
    /// Name.
    pub name: String,
    /// The caller's organization role.
    pub role: OrgRole,
    /// Workspaces the caller can enter.
    pub workspaces: Vec<MyWorkspace>,
}

/// The caller, with their organizations and workspaces.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct MeView {
    /// The person.
    pub user: UserView,
    /// Where they belong.
    pub organizations: Vec<MyOrg>,
}
