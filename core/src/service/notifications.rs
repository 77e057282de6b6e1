//! Notifications for the calling colleague, such as @mentions in notes.

use crate::ids::{ConversationId, MessageId, NotificationId};
use crate::pagination::{Page, PageRequest};
use crate::repo;
use crate::tenancy::{Capability, WorkspaceScope};
use crate::views::NotificationView;
use crate::{Core, Error, Result};

fn me(scope: &WorkspaceScope) -> Result<crate::ids::UserId> {
    scope.require(Capability::ReadOwnNotifications)?;
    scope.actor().user_id().ok_or(Error::PeopleOnly(
        "notifications belong to people, not API keys",
    ))
}

/// The caller's notifications in this workspace, newest first.
pub async fn list(
    core: &Core,
    scope: &WorkspaceScope,
    unread_only: bool,
    page: PageRequest,
) -> Result<Page<NotificationView>> {
    let user = me(scope)?;
    let rows = repo::notifications::list(core.db().conn(), scope, user, unread_only, page).await?;
    Ok(core
        .cursors()
        .page(rows, page, |n| n.id)?
        .map(|n| NotificationView {
            id: NotificationId::from(n.id),
            kind: n.kind,
            conversation_id: ConversationId::from(n.conversation_id),
            message_id: n.message_id.map(MessageId::from),
            created_at: n.created_at,
            read_at: n.read_at,
        }))
}

/// Marks one of the caller's notifications read.
pub async fn mark_read(core: &Core, scope: &WorkspaceScope, id: NotificationId) -> Result<()> {
    let user = me(scope)?;
    repo::notifications::mark_read(core.db().conn(), scope, user, id).await
}
