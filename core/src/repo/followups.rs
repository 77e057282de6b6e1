//! Follow-ups: a conversation's, the one waiting for an answer, changed only at the version
//! read; and, across every workspace for the worker, which are due.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter,
    QueryOrder,
};
use uuid::Uuid;

use crate::entity::followups::{self, Column as C, Model};
use crate::ids::ConversationId;
use crate::tenancy::WorkspaceScope;
use crate::views::FollowupState;
use crate::{Error, Result};

use super::scoped::scoped;

pub(crate) async fn insert(conn: &impl ConnectionTrait, row: Model) -> Result<Model> {
    Ok(row.into_active_model().reset_all().insert(conn).await?)
}

/// A conversation's follow-ups, oldest first.
pub(crate) async fn of_conversation(
    conn: &impl ConnectionTrait,
    scope: &WorkspaceScope,
    conversation: ConversationId,
) -> Result<Vec<Model>> {
    Ok(scoped::<followups::Entity>(scope)
        .filter(C::ConversationId.eq(conversation.as_uuid()))
        .order_by_asc(C::CreatedAt)
        .order_by_asc(C::Id)
        .all(conn)
        .await?)
}

/// A conversation's latest follow-up in a state.
pub(crate) async fn latest_in(
    conn: &impl ConnectionTrait,
    scope: &WorkspaceScope,
    conversation: ConversationId,
    state: FollowupState,
) -> Result<Option<Model>> {
    Ok(scoped::<followups::Entity>(scope)
        .filter(C::ConversationId.eq(conversation.as_uuid()))
        .filter(C::State.eq(state.as_str()))
        .order_by_desc(C::CreatedAt)
        .one(conn)
        .await?)
}

/// Cancels a conversation's scheduled follow-ups, noting why.
pub(crate) async fn cancel_scheduled(
    conn: &impl ConnectionTrait,
    scope: &WorkspaceScope,
    conversation: ConversationId,
    note: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    use sea_orm::sea_query::{Expr, ExprTrait};
    followups::Entity::update_many()
        .col_expr(C::State, Expr::value(FollowupState::Cancelled.as_str()))
        .col_expr(C::WakeAt, Expr::value(Option::<DateTime<Utc>>::None))
        .col_expr(C::Note, Expr::value(note))
        .col_expr(C::Version, Expr::col(C::Version).add(1))
        .col_expr(C::UpdatedAt, Expr::value(now))
        .filter(C::WorkspaceId.eq(scope.workspace_id().as_uuid()))
        .filter(C::ConversationId.eq(conversation.as_uuid()))
        .filter(C::State.eq(FollowupState::Scheduled.as_str()))
        .exec(conn)
        .await?;
    Ok(())
}

/// Writes a changed followup if it is still at `read_version`; the row carries the next
/// version. `Conflict` when someone changed it meanwhile.
pub(crate) async fn update_at_version(
    conn: &impl ConnectionTrait,
    row: Model,
    read_version: i32,
) -> Result<Model> {
    let changed = Error::conflict("followup_changed", "the follow-up changed meanwhile");
    let id = row.id;
    super::wake_times::update_at_version::<followups::Entity>(
        conn,
        row.clone(),
        id,
        read_version,
        changed,
    )
    .await?;
    Ok(row)
}

/// One follow-up in any workspace.
pub(crate) async fn by_id(conn: &impl ConnectionTrait, id: Uuid) -> Result<Option<Model>> {
    Ok(followups::Entity::find_by_id(id).one(conn).await?)
}

/// Forgets the customer's words in these conversations' answers (an erasure); the scores
/// stay, as figures without personal data.
pub(crate) async fn forget_answers(
    conn: &impl ConnectionTrait,
    scope: &WorkspaceScope,
    conversations: &[Uuid],
) -> Result<()> {
    use sea_orm::sea_query::Expr;
    if conversations.is_empty() {
        return Ok(());
    }
    followups::Entity::update_many()
        .col_expr(C::AnswerText, Expr::value(Option::<String>::None))
        .filter(C::WorkspaceId.eq(scope.workspace_id().as_uuid()))
        .filter(C::ConversationId.is_in(conversations.to_vec()))
        .exec(conn)
        .await?;
    Ok(())
}
