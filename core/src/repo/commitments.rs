//! Commitments: a conversation's, read and changed through the scope and only at the
//! version read; and, across every workspace for the worker, which are due.

use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, PaginatorTrait,
    QueryFilter, QueryOrder,
};
use uuid::Uuid;

use crate::entity::commitments::{self, Column as C, Model};
use crate::ids::{CommitmentId, ConversationId};
use crate::tenancy::WorkspaceScope;
use crate::views::CommitmentState;
use crate::{Error, Result};

use super::scoped::scoped;

pub(crate) async fn insert(conn: &impl ConnectionTrait, row: Model) -> Result<Model> {
    Ok(row.into_active_model().reset_all().insert(conn).await?)
}

/// One commitment of a conversation of the scope's workspace.
pub(crate) async fn get(
    conn: &impl ConnectionTrait,
    scope: &WorkspaceScope,
    conversation: ConversationId,
    id: CommitmentId,
) -> Result<Model> {
    scoped::<commitments::Entity>(scope)
        .filter(C::ConversationId.eq(conversation.as_uuid()))
        .filter(C::Id.eq(id.as_uuid()))
        .one(conn)
        .await?
        .ok_or(Error::NotFound)
}

/// A conversation's commitments, by due time.
pub(crate) async fn of_conversation(
    conn: &impl ConnectionTrait,
    scope: &WorkspaceScope,
    conversation: ConversationId,
) -> Result<Vec<Model>> {
    Ok(scoped::<commitments::Entity>(scope)
        .filter(C::ConversationId.eq(conversation.as_uuid()))
        .order_by_asc(C::DueAt)
        .order_by_asc(C::Id)
        .all(conn)
        .await?)
}

/// The open commitments of these conversations.
pub(crate) async fn open_of(
    conn: &impl ConnectionTrait,
    scope: &WorkspaceScope,
    conversations: &[Uuid],
) -> Result<Vec<Model>> {
    if conversations.is_empty() {
        return Ok(Vec::new());
    }
    Ok(scoped::<commitments::Entity>(scope)
        .filter(C::ConversationId.is_in(conversations.to_vec()))
        .filter(C::State.eq(CommitmentState::Open.as_str()))
        .all(conn)
        .await?)
}

/// How many commitments of a conversation are still open.
pub(crate) async fn open_count(
    conn: &impl ConnectionTrait,
    scope: &WorkspaceScope,
    conversation: ConversationId,
) -> Result<u64> {
    Ok(scoped::<commitments::Entity>(scope)
        .filter(C::ConversationId.eq(conversation.as_uuid()))
        .filter(C::State.eq(CommitmentState::Open.as_str()))
        .count(conn)
        .await?)
}

/// Writes a changed commitment if it is still at `read_version`; the row carries the next
/// version. `Conflict` when someone changed it meanwhile.
pub(crate) async fn update_at_version(
    conn: &impl ConnectionTrait,
    row: Model,
    read_version: i32,
) -> Result<Model> {
    let changed = Error::conflict(
        "commitment_changed",
        "the commitment changed meanwhile; read it again",
    );
    let id = row.id;
    super::wake_times::update_at_version::<commitments::Entity>(
        conn,
        row.clone(),
        id,
        read_version,
        changed,
    )
    .await?;
    Ok(row)
}

/// One commitment in any workspace (the worker re-reads it under its conversation's lock).
pub(crate) async fn by_id(conn: &impl ConnectionTrait, id: Uuid) -> Result<Option<Model>> {
    Ok(commitments::Entity::find_by_id(id).one(conn).await?)
}

/// Replaces what was promised in these conversations (an erasure: it may name the
/// customer's address or appointment); dates, owners and states stay.
pub(crate) async fn forget_texts(
    conn: &impl ConnectionTrait,
    scope: &WorkspaceScope,
    conversations: &[Uuid],
) -> Result<()> {
    use sea_orm::sea_query::Expr;
    if conversations.is_empty() {
        return Ok(());
    }
    commitments::Entity::update_many()
        .col_expr(C::Text, Expr::value("[erased]"))
        .filter(C::WorkspaceId.eq(scope.workspace_id().as_uuid()))
        .filter(C::ConversationId.is_in(conversations.to_vec()))
        .exec(conn)
        .await?;
    Ok(())
}
