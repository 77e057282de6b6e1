//! A commitment as a caller records or changes it, checked all at once: every refusal names
//! its field and a stable code.

use chrono::{DateTime, Duration, Utc};
use sea_orm::ConnectionTrait;
use serde::Deserialize;

use crate::entity::commitments::Model;
use crate::error::FieldError;
use crate::events::CommitmentNews;
use crate::ids::{TeamId, UserId};
use crate::repo;
use crate::tenancy::WorkspaceScope;
use crate::views::{CommitmentState, double_option};
use crate::{Error, Result};

use super::{Checked, alarm, warn_at};

/// Longest text of a commitment, in characters.
pub const MAX_TEXT: usize = 500;
/// How far ahead a commitment may be due.
const LONGEST_AHEAD: Duration = Duration::days(366);
/// The default warning threshold, in percent of the time to the due time.
const DEFAULT_WARNING_PERCENT: i64 = 80;

/// `POST …/conversations/{id}/commitments`: a promise made to the customer.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCommitment {
    /// What was promised, 1 to 500 characters.
    #[schema(example = "A technician visits on Friday between 8 and 12")]
    pub text: String,
    /// By when: in the future, at most a year ahead.
    pub due_at: DateTime<Utc>,
    /// After how much of the time until `due_at`, in percent (1–99, default 80), it warns.
    pub warning_percent: Option<i64>,
    /// The person who owns it (a member of the workspace). Give a person or a team; with
    /// neither, the person recording it owns it.
    #[schema(value_type = Option<String>, format = Uuid)]
    pub owner_user_id: Option<UserId>,
    /// The team that owns it, such as the tier that can fix the problem.
    #[schema(value_type = Option<String>, format = Uuid)]
    pub owner_team_id: Option<TeamId>,
}

/// `PATCH …/commitments/{id}`: change an open commitment, or fulfil or cancel it.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CommitmentPatch {
    /// New text.
    pub text: Option<String>,
    /// New due time (in the future); its warning time moves with it.
    pub due_at: Option<DateTime<Utc>>,
    /// A person now owns it (`null` with a team given).
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, format = Uuid)]
    pub owner_user_id: Option<Option<UserId>>,
    /// A team now owns it (`null` with a person given).
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, format = Uuid)]
    pub owner_team_id: Option<Option<TeamId>>,
    /// `fulfilled` (kept) or `cancelled` (withdrawn).
    pub state: Option<CommitmentState>,
}

pub(super) async fn checked_new(
    conn: &impl ConnectionTrait,
    scope: &WorkspaceScope,
    new: NewCommitment,
    now: DateTime<Utc>,
) -> Result<Checked> {
    let mut errors = Vec::new();
    let text = checked_text(&new.text, &mut errors);
    check_due(new.due_at, now, &mut errors);
    let percent = new.warning_percent.unwrap_or(DEFAULT_WARNING_PERCENT);
    if !(1..=99).contains(&percent) {
        let message = "a percentage from 1 to 99";
        errors.push(FieldError::new("warning_percent", "out_of_range", message));
    }
    let user = new.owner_user_id.or(match new.owner_team_id {
        None => scope.actor().user_id(),
        Some(_) => None,
    });
    check_owner(conn, scope, user, new.owner_team_id, &mut errors).await?;
    if !errors.is_empty() {
        return Err(Error::Validation(errors));
    }
    Ok(Checked {
        text,
        due_at: new.due_at,
        warning_percent: i16::try_from(percent).unwrap_or(80),
        owner_user_id: user,
        owner_team_id: new.owner_team_id,
    })
}

/// The commitment as the patch leaves it, and what the change amounts to.
pub(super) async fn apply(
    conn: &impl ConnectionTrait,
    scope: &WorkspaceScope,
    mut row: Model,
    patch: CommitmentPatch,
    now: DateTime<Utc>,
) -> Result<(Model, CommitmentNews)> {
    let mut errors = Vec::new();
    if let Some(text) = &patch.text {
        row.text = checked_text(text, &mut errors);
    }
    if let Some(due) = patch.due_at {
        check_due(due, now, &mut errors);
        row.due_at = due;
        row.warn_at = warn_at(row.created_at, due, row.warning_percent);
    }
    let user = patch
        .owner_user_id
        .unwrap_or(row.owner_user_id.map(UserId::from));
    let team = patch
        .owner_team_id
        .unwrap_or(row.owner_team_id.map(TeamId::from));
    if patch.owner_user_id.is_some() || patch.owner_team_id.is_some() {
        check_owner(conn, scope, user, team, &mut errors).await?;
    }
    row.owner_user_id = user.map(|u| u.as_uuid());
    row.owner_team_id = team.map(|t| t.as_uuid());
    let news = match patch.state {
        None => CommitmentNews::Updated,
        Some(CommitmentState::Fulfilled) => {
            row.fulfilled_at = Some(now);
            row.fulfilled_by = scope.actor().user_id().map(|u| u.as_uuid());
            CommitmentNews::Fulfilled
        }
        Some(CommitmentState::Cancelled) => {
            row.cancelled_at = Some(now);
            CommitmentNews::Cancelled
        }
        Some(CommitmentState::Open) => {
            let message = "a commitment is fulfilled or cancelled; it is open already";
            errors.push(FieldError::new("state", "invalid_transition", message));
            CommitmentNews::Updated
        }
    };
    if !errors.is_empty() {
        return Err(Error::Validation(errors));
    }
    if let Some(state) = patch.state {
        row.state = state.as_str().to_owned();
    }
    row.wake_at = alarm(&row).next_wake();
    row.version += 1;
    row.updated_at = now;
    Ok((row, news))
}

fn checked_text(text: &str, errors: &mut Vec<FieldError>) -> String {
    let text = text.trim();
    if text.is_empty() {
        errors.push(FieldError::new("text", "required", "say what was promised"));
    } else if text.chars().count() > MAX_TEXT {
        let message = format!("at most {MAX_TEXT} characters");
        errors.push(FieldError::new("text", "too_long", message));
    }
    text.to_owned()
}

fn check_due(due: DateTime<Utc>, now: DateTime<Utc>, errors: &mut Vec<FieldError>) {
    if due <= now {
        errors.push(FieldError::new(
            "due_at",
            "in_the_past",
            "a due time in the future",
        ));
    } else if due > now + LONGEST_AHEAD {
        errors.push(FieldError::new("due_at", "too_far", "at most a year ahead"));
    }
}

/// Exactly one owner, and one of the workspace's.
async fn check_owner(
    conn: &impl ConnectionTrait,
    scope: &WorkspaceScope,
    user: Option<UserId>,
    team: Option<TeamId>,
    errors: &mut Vec<FieldError>,
) -> Result<()> {
    match (user, team) {
        (Some(_), Some(_)) => {
            let message = "a person or a team owns a commitment, not both";
            errors.push(FieldError::new("owner_team_id", "one_owner", message));
        }
        (None, None) => {
            let message = "name the person or team who owns it";
            errors.push(FieldError::new("owner_user_id", "owner_required", message));
        }
        (Some(user), None) => {
            if repo::members::existing(conn, scope, &[user])
                .await?
                .is_empty()
            {
                let message = "not a member of this workspace";
                errors.push(FieldError::new("owner_user_id", "not_a_member", message));
            }
        }
        (None, Some(team)) => match repo::teams::get(conn, scope, team).await {
            Ok(_) => {}
            Err(Error::NotFound) => {
                let message = "no such team in this workspace";
                errors.push(FieldError::new("owner_team_id", "unknown_team", message));
            }
            Err(err) => return Err(err),
        },
    }
    Ok(())
}
