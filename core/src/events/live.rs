//! Live streams: the events of a workspace that one subscriber may see, as they happen.

use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::Stream;
use tokio::sync::broadcast;

use super::BusMessage;
use crate::ids::ConversationId;
use crate::repo;
use crate::service::access;
use crate::tenancy::{Capability, ConversationAccess, WorkspaceScope};
use crate::views::{ConversationView, EventView};
use crate::{Core, Error, Result};

/// How long a live subscription trusts the scope it was opened with before entering the
/// workspace again (membership, role and `agent_visibility` may have changed meanwhile).
const SCOPE_RECHECK: Duration = Duration::from_secs(30);

/// The live events of the scope's workspace that the scope may see, from now on:
/// of one conversation when `conversation` is given. A conversation the
/// scope may not see is `NotFound`, as everywhere. Each event is shown only to those who may
/// read its conversation as the event left it (agents under `agent_visibility` see theirs,
/// or their teams'). Every [`SCOPE_RECHECK`] the workspace is entered again, so a member who
/// was removed gets one `NotFound` and the stream ends.
pub async fn live(
    core: &Core,
    scope: WorkspaceScope,
    conversation: Option<ConversationId>,
) -> Result<impl Stream<Item = Result<EventView>> + Send + use<>> {
    scope.require(Capability::ReadConversations)?;
    // Subscribe before checking, so nothing committed after the check is missed.
    let receiver = core.bus().subscribe();
    if let Some(id) = conversation {
        repo::conversations::get(core.db().conn(), &scope, id).await?;
    }
    let live = Live {
        core: core.clone(),
        scope,
        entered_at: Instant::now(),
        conversation,
        receiver,
        ended: false,
    };
    Ok(futures_util::stream::unfold(live, |mut live| async move {
        if live.ended {
            return None;
        }
        let next = live.next().await?;
        live.ended = next.is_err();
        Some((next, live))
    }))
}

/// Whether the scope may read the conversation as an event shows it: the rule of
/// `repo::conversations::visible_to`, applied to the event's copy instead of the table.
pub(crate) async fn may_see(
    core: &Core,
    scope: &WorkspaceScope,
    conversation: &ConversationView,
) -> Result<bool> {
    Ok(match scope.conversation_access() {
        ConversationAccess::All => true,
        ConversationAccess::AssignedTo(user) => conversation.assignee_id == Some(user),
        ConversationAccess::TeamsOf(user) => {
            conversation.assignee_id == Some(user)
                || match conversation.team_id {
                    Some(team) => {
                        repo::teams::has_member(core.db().conn(), scope, team, user).await?
                    }
                    None => false,
                }
        }
    })
}

/// One live subscription's state.
struct Live {
    core: Core,
    scope: WorkspaceScope,
    entered_at: Instant,
    conversation: Option<ConversationId>,
    receiver: broadcast::Receiver<Arc<BusMessage>>,
    ended: bool,
}

impl Live {
    /// The next event to deliver; an error ends the stream, `None` means the bus closed.
    async fn next(&mut self) -> Option<Result<EventView>> {
        loop {
            let message = match self.receiver.recv().await {
                Ok(message) => message,
                Err(broadcast::error::RecvError::Lagged(skipped)) => {
                    tracing::warn!(skipped, "a live subscriber fell behind; events skipped");
                    continue;
                }
                Err(broadcast::error::RecvError::Closed) => return None,
            };
            let BusMessage::Event(event) = &*message else {
                continue;
            };
            if !self.wants(event) {
                continue;
            }
            if let Err(err) = self.recheck_scope().await {
                return Some(Err(err));
            }
            // Live streams carry conversations' events; a channel's go to the outbox (and
            // partners' webhooks) only.
            let Some(conversation) = event.event.conversation() else {
                continue;
            };
            match may_see(&self.core, &self.scope, conversation).await {
                Ok(true) => return Some(Ok(event.clone())),
                Ok(false) => {}
                Err(err) => tracing::warn!(error = %err, "checking an event's visibility failed"),
            }
        }
    }

    /// Never another workspace's event, only the live types, only the chosen conversation.
    fn wants(&self, event: &EventView) -> bool {
        event.workspace_id == self.scope.workspace_id()
            && self
                .conversation
                .is_none_or(|id| event.conversation_id == Some(id))
    }

    /// Enters the workspace again when the scope is older than [`SCOPE_RECHECK`]. Losing
    /// access ends the subscription; a database hiccup keeps the scope it has.
    async fn recheck_scope(&mut self) -> Result<()> {
        if self.entered_at.elapsed() < SCOPE_RECHECK {
            return Ok(());
        }
        let entered =
            access::enter_workspace(&self.core, self.scope.actor(), self.scope.workspace_id())
                .await
                .and_then(|scope| {
                    scope.require(Capability::ReadConversations)?;
                    Ok(scope)
                });
        match entered {
            Ok(scope) => {
                self.scope = scope;
                self.entered_at = Instant::now();
                Ok(())
            }
            Err(err @ (Error::NotFound | Error::Forbidden(_) | Error::Unauthenticated { .. })) => {
                Err(err)
            }
            Err(err) => {
                tracing::warn!(error = %err, "re-entering a live subscription's workspace failed");
                Ok(())
            }
        }
    }
}
