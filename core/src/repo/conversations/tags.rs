//! A conversation's tags.

use chrono::Utc;
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};
use uuid::Uuid;

use crate::Result;
use crate::entity::{conversation_tags, conversations};
use crate::ids::ConversationId;
use crate::tenancy::WorkspaceScope;

use super::super::scoped::scoped;

/// The tags of the given conversations.
pub(crate) async fn tags_of(
    conn: &impl ConnectionTrait,
    scope: &WorkspaceScope,
    ids: &[Uuid],
) -> Result<Vec<(Uuid, String)>> {
    Ok(scoped::<conversation_tags::Entity>(scope)
        .select_only()
        .column(conversation_tags::Column::ConversationId)
        .column(conversation_tags::Column::Tag)
        .filter(conversation_tags::Column::ConversationId.is_in(ids.to_vec()))
        .order_by_asc(conversation_tags::Column::Tag)
        .into_tuple()
        .all(conn)
        .await?)
}

/// Adds tags to a conversation (ignoring ones already there).
pub(crate) async fn add_tags(
    conn: &impl ConnectionTrait,
    scope: &WorkspaceScope,
    conversation: &conversations::Model,
    tags: &[String],
) -> Result<()> {
    if tags.is_empty() {
        return Ok(());
    }
    let existing: Vec<String> = tags_of(conn, scope, &[conversation.id])
        .await?
        .into_iter()
        .map(|(_, tag)| tag)
        .collect();
    let now = Utc::now();
    let rows: Vec<conversation_tags::ActiveModel> = tags
        .iter()
        .filter(|t| !existing.contains(t))
        .map(|tag| conversation_tags::ActiveModel {
            conversation_id: Set(conversation.id),
            tag: Set(tag.clone()),
            workspace_id: Set(scope.workspace_id().as_uuid()),
            created_at: Set(now),
            last_activity_key: Set(conversation.last_activity_key),
        })
        .collect();
    if !rows.is_empty() {
        conversation_tags::Entity::insert_many(rows)
            .exec(conn)
            .await?;
    }
    Ok(())
}

/// Removes tags.
pub(crate) async fn remove_tags(
    conn: &impl ConnectionTrait,
    scope: &WorkspaceScope,
    id: ConversationId,
    tags: &[String],
) -> Result<()> {
    if tags.is_empty() {
        return Ok(());
    }
    conversation_tags::Entity::delete_many()
        .filter(conversation_tags::Column::WorkspaceId.eq(scope.workspace_id().as_uuid()))
        .filter(conversation_tags::Column::ConversationId.eq(id.as_uuid()))
        .filter(conversation_tags::Column::Tag.is_in(tags.to_vec()))
        .exec(conn)
        .await?;
    Ok(())
}
