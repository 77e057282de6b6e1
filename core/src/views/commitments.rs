//! Commitments as callers see them.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::care::wire_enum;
use crate::ids::{CommitmentId, ConversationId, TeamId, UserId};

wire_enum!(
    /// Where a commitment stands: `open` (still owed), `fulfilled` (kept, or late: see
    /// `breached`) or `cancelled` (withdrawn).
    CommitmentState { Open = "open", Fulfilled = "fulfilled", Cancelled = "cancelled" }
);

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

wire_enum!(
    /// Where a follow-up stands: `scheduled` (waiting for its time), `sent` (waiting for
    /// the answer), `answered`, `cancelled` (the conversation re-opened first) or `skipped`
    /// (the platform would not carry the question: see `note`).
    FollowupState { Scheduled = "scheduled", Sent = "sent", Answered = "answered", Cancelled = "cancelled", Skipped = "skipped" }
);

/// The satisfaction question after a resolution, and the customer's answer.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct FollowupView {
    /// Id.
    pub id: uuid::Uuid,
    /// Its conversation.
    pub conversation_id: ConversationId,
    /// `scheduled`, `sent`, `answered`, `cancelled` or `skipped`.
    pub state: FollowupState,
    /// When the question goes (went) out: the resolution plus the workspace's delay.
    pub due_at: DateTime<Utc>,
    /// When it went out.
    pub sent_at: Option<DateTime<Utc>>,
    /// The question, as a message of the conversation.
    pub question_message_id: Option<crate::ids::MessageId>,
    /// The customer's score, 1 (poor) to 5 (excellent).
    pub score: Option<i16>,
    /// The customer's answer as written.
    pub answer_text: Option<String>,
    /// When they answered.
    pub answered_at: Option<DateTime<Utc>>,
    /// The label of the customer's first message in the conversation.
    pub first_label: Option<crate::views::Label>,
    /// The customer's first message was an adversary's and the score is 4 or 5.
    pub turned_advocate: bool,
    /// Why the question did not go out, when it did not.
    pub note: Option<String>,
}
