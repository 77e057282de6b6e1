//! Commitments as callers see them.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::ids::{CommitmentId, ConversationId, TeamId, UserId};

/// Where a commitment stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CommitmentState {
    /// Still owed.
    Open,
    /// Done, as promised (or late: see `breached`).
    Fulfilled,
    /// Withdrawn: no longer owed.
    Cancelled,
}

impl CommitmentState {
    /// Its stored and wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            CommitmentState::Open => "open",
            CommitmentState::Fulfilled => "fulfilled",
            CommitmentState::Cancelled => "cancelled",
        }
    }
}

impl std::str::FromStr for CommitmentState {
    type Err = crate::Error;
    fn from_str(text: &str) -> crate::Result<Self> {
        match text {
            "open" => Ok(CommitmentState::Open),
            "fulfilled" => Ok(CommitmentState::Fulfilled),
            "cancelled" => Ok(CommitmentState::Cancelled),
            other => Err(crate::Error::Internal(anyhow::anyhow!(
                "unknown commitment state: {other}"
            ))),
        }
    }
}

/// What an agent told a customer the company would do, by when, and who owns it.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CommitmentView {
    /// Id.
    pub id: CommitmentId,
    /// Its conversation.
    pub conversation_id: ConversationId,
    /// What was promised, such as "a technician visits on Friday".
    pub text: String,
    /// By when.
    pub due_at: DateTime<Utc>,
    /// The share of the time from its recording to `due_at`, in percent, after which it warns.
    pub warning_percent: i16,
    /// When it warns.
    pub warn_at: DateTime<Utc>,
    /// The person who owns it, if a person does.
    pub owner_user_id: Option<UserId>,
    /// The team that owns it, if a team does.
    pub owner_team_id: Option<TeamId>,
    /// `open`, `fulfilled` or `cancelled`.
    pub state: CommitmentState,
    /// When its warning fired.
    pub warned_at: Option<DateTime<Utc>>,
    /// When it breached (its due time passed while open).
    pub breached_at: Option<DateTime<Utc>>,
    /// Whether it breached.
    pub breached: bool,
    /// When it was fulfilled.
    pub fulfilled_at: Option<DateTime<Utc>>,
    /// Who fulfilled it (a person; `null` for an API key).
    pub fulfilled_by: Option<UserId>,
    /// When it was cancelled.
    pub cancelled_at: Option<DateTime<Utc>>,
    /// Who recorded it (a person; `null` for an API key).
    pub created_by: Option<UserId>,
    /// Raised on each change; a wake-up acts only on the version it read.
    pub version: i32,
    /// When it was recorded.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}
