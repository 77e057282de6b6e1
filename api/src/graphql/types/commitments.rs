//! Commitments in GraphQL: the object, its inputs, `Conversation.commitments` and the
//! mutations, each making the call its REST route makes.

use async_graphql::{Context, Enum, ID, InputObject, MaybeUndefined, Object, SimpleObject};
use chrono::{DateTime, Utc};
use earshot_core::ids::{CommitmentId, ConversationId};
use earshot_core::service::commitments::{self, CommitmentPatch, NewCommitment};
use earshot_core::views::CommitmentView;

use super::id;
use crate::graphql::context::{GqlResult, core, enter_workspace, parse_id};
use crate::graphql::gql;

/// Where a commitment stands.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(
    name = "CommitmentState",
    remote = "earshot_core::views::CommitmentState"
)]
pub enum GqlCommitmentState {
    /// Still owed.
    Open,
    /// Kept.
    Fulfilled,
    /// Withdrawn.
    Cancelled,
}

/// What an agent told a customer the company would do, by when, and who owns it.
#[derive(SimpleObject)]
pub struct Commitment {
    pub id: ID,
    pub conversation_id: ID,
    /// What was promised.
    pub text: String,
    /// By when.
    pub due_at: DateTime<Utc>,
    /// After how much of the time to `dueAt`, in percent, it warns.
    pub warning_percent: i32,
    /// When it warns.
    pub warn_at: DateTime<Utc>,
    /// The person who owns it.
    pub owner_user_id: Option<ID>,
    /// The team that owns it.
    pub owner_team_id: Option<ID>,
    /// Open, fulfilled or cancelled.
    pub state: GqlCommitmentState,
    /// When its warning fired.
    pub warned_at: Option<DateTime<Utc>>,
    /// When it breached.
    pub breached_at: Option<DateTime<Utc>>,
    /// Whether it breached.
    pub breached: bool,
    /// When it was fulfilled.
    pub fulfilled_at: Option<DateTime<Utc>>,
    /// Who fulfilled it.
    pub fulfilled_by: Option<ID>,
    /// When it was cancelled.
    pub cancelled_at: Option<DateTime<Utc>>,
    /// Who recorded it.
    pub created_by: Option<ID>,
    /// Raised on each change.
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<CommitmentView> for Commitment {
    fn from(v: CommitmentView) -> Self {
        Self {
            id: id(v.id),
            conversation_id: id(v.conversation_id),
            text: v.text,
            due_at: v.due_at,
            warning_percent: i32::from(v.warning_percent),
            warn_at: v.warn_at,
            owner_user_id: v.owner_user_id.map(id),
            owner_team_id: v.owner_team_id.map(id),
            state: v.state.into(),
            warned_at: v.warned_at,
            breached_at: v.breached_at,
            breached: v.breached,
            fulfilled_at: v.fulfilled_at,
            fulfilled_by: v.fulfilled_by.map(id),
            cancelled_at: v.cancelled_at,
            created_by: v.created_by.map(id),
            version: v.version,
            created_at: v.created_at,
            updated_at: v.updated_at,
        }
    }
}

/// A commitment to record (as `POST …/commitments`).
#[derive(InputObject)]
pub struct CreateCommitmentInput {
    text: String,
    due_at: DateTime<Utc>,
    warning_percent: Option<i64>,
    owner_user_id: Option<ID>,
    owner_team_id: Option<ID>,
}

/// A change to a commitment (as `PATCH …/commitments/{id}`).
#[derive(InputObject)]
pub struct UpdateCommitmentInput {
    text: Option<String>,
    due_at: Option<DateTime<Utc>>,
    owner_user_id: MaybeUndefined<ID>,
    owner_team_id: MaybeUndefined<ID>,
    state: Option<GqlCommitmentState>,
}

fn maybe<T: std::str::FromStr>(value: MaybeUndefined<ID>) -> GqlResult<Option<Option<T>>> {
    Ok(match value {
        MaybeUndefined::Undefined => None,
        MaybeUndefined::Null => Some(None),
        MaybeUndefined::Value(v) => Some(Some(parse_id(&v)?)),
    })
}

/// Commitments' changes.
#[derive(Default)]
pub struct CommitmentMutation;

#[Object]
impl CommitmentMutation {
    /// Records a commitment made to the customer.
    async fn create_commitment(
        &self,
        ctx: &Context<'_>,
        workspace_id: ID,
        conversation_id: ID,
        input: CreateCommitmentInput,
    ) -> GqlResult<Commitment> {
        let scope = enter_workspace(ctx, &workspace_id).await?;
        let conversation: ConversationId = parse_id(&conversation_id)?;
        let new = NewCommitment {
            text: input.text,
            due_at: input.due_at,
            warning_percent: input.warning_percent,
            owner_user_id: input.owner_user_id.as_ref().map(parse_id).transpose()?,
            owner_team_id: input.owner_team_id.as_ref().map(parse_id).transpose()?,
        };
        let created = commitments::create(core(ctx)?, &scope, conversation, new).await;
        Ok(created.map_err(gql)?.into())
    }

    /// Changes, fulfils or cancels an open commitment.
    async fn update_commitment(
        &self,
        ctx: &Context<'_>,
        workspace_id: ID,
        conversation_id: ID,
        commitment_id: ID,
        input: UpdateCommitmentInput,
    ) -> GqlResult<Commitment> {
        let scope = enter_workspace(ctx, &workspace_id).await?;
        let conversation: ConversationId = parse_id(&conversation_id)?;
        let id: CommitmentId = parse_id(&commitment_id)?;
        let patch = CommitmentPatch {
            text: input.text,
            due_at: input.due_at,
            owner_user_id: maybe(input.owner_user_id)?,
            owner_team_id: maybe(input.owner_team_id)?,
            state: input.state.map(Into::into),
        };
        let updated = commitments::update(core(ctx)?, &scope, conversation, id, patch).await;
        Ok(updated.map_err(gql)?.into())
    }
}
