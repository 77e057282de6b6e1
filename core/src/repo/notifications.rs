//! Notifications for colleagues.

use chrono::Utc;
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};

use crate::entity::{conversations, notifications};
use crate::ids::{ConversationId, MessageId, NotificationId, UserId};
use crate::pagination::PageRequest;
use crate::tenancy::{ConversationAccess, WorkspaceScope};
use crate::{Error, Result};

use super::scoped::scoped;
use super::{Direction, paged};

pub(crate) async fn insert(
    conn: &impl ConnectionTrait,
    scope: &WorkspaceScope,
    user: UserId,
    kind: &str,
    conversation: ConversationId,
    message: Option<MessageId>,
) -> Result<()> {
    notifications::ActiveModel {
        id: Set(NotificationId::new().as_uuid()),
        workspace_id: Set(scope.workspace_id().as_uuid()),
        user_id: Set(user.as_uuid()),
        kind: Set(kind.to_owned()),
        conversation_id: Set(conversation.as_uuid()),
        message_id: Set(message.map(|m| m.as_uuid())),
        created_at: Set(Utc::now()),
        read_at: Set(None),
    }
    .insert(conn)
    .await?;
    Ok(())
}

/// Rows one statement inserts: well under SQLite's limit of bound values.
const INSERT_CHUNK: usize = 1_000;

/// Notifies each user of a conversation, `kind` alike, in as few statements as it takes.
pub(crate) async fn insert_many(
    conn: &impl ConnectionTrait,
    scope: &WorkspaceScope,
    kind: &str,
    told: &[(UserId, ConversationId)],
) -> Result<()> {
    let now = Utc::now();
    for chunk in told.chunks(INSERT_CHUNK) {
        let rows = chunk
            .iter()
            .map(|(user, conversation)| notifications::ActiveModel {
                id: Set(NotificationId::new().as_uuid()),
                workspace_id: Set(scope.workspace_id().as_uuid()),
                user_id: Set(user.as_uuid()),
                kind: Set(kind.to_owned()),
                conversation_id: Set(conversation.as_uuid()),
                message_id: Set(None),
                created_at: Set(now),
                read_at: Set(None),
            });
        notifications::Entity::insert_many(rows).exec(conn).await?;
    }
    Ok(())
}

/// The user's notifications about conversations the scope may see, newest first (an agent
/// mentioned on a conversation outside its `agent_visibility` sees the notification once the
/// conversation becomes theirs).
pub(crate) async fn list(
    conn: &impl ConnectionTrait,
    scope: &WorkspaceScope,
    user: UserId,
    unread_only: bool,
    page: PageRequest,
) -> Result<Vec<notifications::Model>> {
    let mut select = scoped::<notifications::Entity>(scope)
        .filter(notifications::Column::UserId.eq(user.as_uuid()));
    if unread_only {
        select = select.filter(notifications::Column::ReadAt.is_null());
    }
    if scope.conversation_access() != ConversationAccess::All {
        let visible = super::conversations::visible_column(scope, conversations::Column::Id);
        select = select.filter(notifications::Column::ConversationId.in_subquery(visible));
    }
    Ok(paged(
        select,
        notifications::Column::Id,
        page,
        Direction::NewestFirst,
    )
    .all(conn)
    .await?)
}

/// Marks one of the user's notifications read.
pub(crate) async fn mark_read(
    conn: &impl ConnectionTrait,
    scope: &WorkspaceScope,
    user: UserId,
    id: NotificationId,
) -> Result<()> {
    let result = notifications::Entity::update_many()
        .col_expr(notifications::Column::ReadAt, Expr::value(Utc::now()))
        .filter(notifications::Column::WorkspaceId.eq(scope.workspace_id().as_uuid()))
        .filter(notifications::Column::UserId.eq(user.as_uuid()))
        .filter(notifications::Column::Id.eq(id.as_uuid()))
        .exec(conn)
        .await?;
    if result.rows_affected == 0 {
        return Err(Error::NotFound);
    }
    Ok(())
}
