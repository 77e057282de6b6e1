//! Workspaces, their members and teams.

use std::str::FromStr;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::ids::{OrgId, TeamId, UserId, WorkspaceId};
use crate::tenancy::Role;
use crate::{Error, Result};

/// Which conversations an agent may read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AgentVisibility {
    /// Every conversation of the workspace.
    All,
    /// Those of the agent's teams and those assigned to it.
    Team,
    /// Only those assigned to it.
    Assigned,
}

impl AgentVisibility {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            AgentVisibility::All => "all",
            AgentVisibility::Team => "team",
            AgentVisibility::Assigned => "assigned",
        }
    }
}

impl FromStr for AgentVisibility {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "all" => Ok(AgentVisibility::All),
            "team" => Ok(AgentVisibility::Team),
            "assigned" => Ok(AgentVisibility::Assigned),
            other => Err(Error::invalid(
                "agent_visibility",
                "unknown_value",
                format!("expected all, team or assigned, found {other}"),
            )),
        }
    }
}

/// A workspace's settings.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct WorkspaceSettings {
    /// Which conversations agents may read.
    pub agent_visibility: AgentVisibility,
    /// How long after `resolved` a customer message re-opens the conversation.
    pub reopen_window_secs: i64,
    /// Delay before the follow-up question after `resolved`.
    pub followup_delay_secs: i64,
}

/// A workspace: one brand's desk.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct WorkspaceView {
    /// Id.
    pub id: WorkspaceId,
    /// The organization it belongs to.
    pub org_id: OrgId,
    /// Name.
    pub name: String,
    /// Settings.
    pub settings: WorkspaceSettings,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

/// A member of a workspace.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct MemberView {
    /// The person's id.
    pub user_id: UserId,
    /// Email.
    pub email: String,
    /// Name shown to colleagues.
    pub display_name: String,
    /// Role in this workspace.
    pub role: Role,
    /// The person has not accepted the invitation yet.
    pub invitation_pending: bool,
    /// When they were added.
    pub joined_at: DateTime<Utc>,
}

/// A member just added; an unknown email also gets an invitation token, shown once.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AddedMember {
    /// The member.
    pub member: MemberView,
    /// Send this to the person; `POST /v1/auth/invitations/accept` sets their password.
    pub invitation_token: Option<String>,
}

/// A team of a workspace.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TeamView {
    /// Id.
    pub id: TeamId,
    /// Name, unique in the workspace.
    pub name: String,
    /// What the team does.
    pub description: Option<String>,
    /// Its members.
    pub member_ids: Vec<UserId>,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}
