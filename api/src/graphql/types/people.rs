//! The people of a workspace as GraphQL shows them: members and teams.

use async_graphql::{ID, SimpleObject};
use chrono::{DateTime, Utc};
use earshot_core::views::{AddedMember, MemberView, TeamView};

use super::{GqlRole, id};

/// A member of a workspace.
#[derive(SimpleObject)]
pub struct Member {
    /// The person's id.
    pub user_id: ID,
    /// Email.
    pub email: String,
    /// Name shown to colleagues.
    pub display_name: String,
    /// Role here.
    pub role: GqlRole,
    /// The invitation has not been accepted yet.
    pub invitation_pending: bool,
    /// When they were added.
    pub joined_at: DateTime<Utc>,
}

impl From<MemberView> for Member {
    fn from(v: MemberView) -> Self {
        Self {
            user_id: id(v.user_id),
            email: v.email,
            display_name: v.display_name,
            role: v.role.into(),
            invitation_pending: v.invitation_pending,
            joined_at: v.joined_at,
        }
    }
}

/// A member just added, with the invitation token for a new user (shown once).
#[derive(SimpleObject)]
pub struct AddedMemberResult {
    /// The member.
    pub member: Member,
    /// Send this to the person.
    pub invitation_token: Option<String>,
}

impl From<AddedMember> for AddedMemberResult {
    fn from(v: AddedMember) -> Self {
        Self {
            member: v.member.into(),
            invitation_token: v.invitation_token,
        }
    }
}

/// A team.
#[derive(SimpleObject)]
pub struct Team {
    /// Id.
    pub id: ID,
    /// Name.
    pub name: String,
    /// What it does.
    pub description: Option<String>,
    /// Its members.
    pub member_ids: Vec<ID>,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

impl From<TeamView> for Team {
    fn from(v: TeamView) -> Self {
        Self {
            id: id(v.id),
            name: v.name,
            description: v.description,
            member_ids: v.member_ids.into_iter().map(id).collect(),
            created_at: v.created_at,
            updated_at: v.updated_at,
        }
    }
}
