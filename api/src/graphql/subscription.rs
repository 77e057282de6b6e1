//! Root subscriptions: live conversation and message events over WebSocket.

use async_graphql::{Context, ID, Subscription};
use earshot_core::events;
use earshot_core::ids::ConversationId;
use futures_util::{Stream, StreamExt};

use super::context::{core, enter_workspace, parse_id};
use super::gql;
use super::loaders::CareLoaders;
use super::types::Event;

/// The root of every live stream.
pub struct Subscription;

#[Subscription]
impl Subscription {
    /// `conversation.created`, `conversation.updated` and `message.created` of a workspace
    /// (or of one conversation) as they happen, limited to the conversations the caller may
    /// read. Another workspace's id, or a conversation the caller may not see, ends the
    /// stream at once with `not_found`; losing access to the workspace ends it likewise.
    async fn conversation_events(
        &self,
        ctx: &Context<'_>,
        workspace_id: ID,
        conversation_id: Option<ID>,
    ) -> async_graphql::Result<impl Stream<Item = async_graphql::Result<Event>>> {
        let scope = enter_workspace(ctx, &workspace_id).await?;
        let conversation: Option<ConversationId> =
            conversation_id.as_ref().map(parse_id).transpose()?;
        let core = core(ctx)?.clone();
        let live = events::live(&core, scope.clone(), conversation)
            .await
            .map_err(gql)?;
        // Fresh loaders per event: a long-lived stream must not serve stale relations.
        Ok(live.filter_map(move |next| {
            let event = match next {
                Ok(view) => Event::new(view, CareLoaders::new(core.clone(), scope.clone())).map(Ok),
                Err(err) => Some(Err(gql(err))),
            };
            std::future::ready(event)
        }))
    }
}
