//! Mutations of the care model: each enters the workspace and makes the one service call its
//! REST route makes, with the same input type.

use std::sync::Arc;

use async_graphql::{Context, ID, Object};
use earshot_core::ids::{ChannelId, ContactId, ConversationId, NotificationId};
use earshot_core::service::contacts::{self, MergeContacts};
use earshot_core::service::conversations::{self, BulkUpdate};
use earshot_core::service::{channels, inbound_events, ingest, messages, notifications};
use earshot_core::tenancy::WorkspaceScope;

use super::care_inputs::{
    CreateChannelInput, CreateContactInput, InboundMessageInput, SendMessageInput,
    StartConversationInput, UpdateChannelInput, UpdateContactInput, UpdateConversationInput,
};
use super::context::{GqlResult, core, enter_workspace, parse_id};
use super::gql;
use super::loaders::CareLoaders;
use super::types::{
    Channel, ChannelCheckResult, Contact, Conversation, InboundEvent, IngestResult, Message,
};

/// The care model's changes.
#[derive(Default)]
pub struct CareMutation;

/// Enters the workspace and builds the loaders the answer's relations resolve with.
async fn enter(
    ctx: &Context<'_>,
    workspace_id: &ID,
) -> GqlResult<(WorkspaceScope, Arc<CareLoaders>)> {
    let scope = enter_workspace(ctx, workspace_id).await?;
    let loaders = CareLoaders::new(core(ctx)?.clone(), scope.clone());
    Ok((scope, loaders))
}

#[Object]
impl CareMutation {
    /// Creates a channel; credentials are sealed at rest and never returned.
    async fn create_channel(
        &self,
        ctx: &Context<'_>,
        workspace_id: ID,
        input: CreateChannelInput,
    ) -> GqlResult<Channel> {
        let scope = enter_workspace(ctx, &workspace_id).await?;
        Ok(channels::create(core(ctx)?, &scope, input.into_new())
            .await
            .map_err(gql)?
            .into())
    }

    /// Changes a channel's name, credentials, settings, or enables/disables it.
    async fn update_channel(
        &self,
        ctx: &Context<'_>,
        workspace_id: ID,
        channel_id: ID,
        input: UpdateChannelInput,
    ) -> GqlResult<Channel> {
        let scope = enter_workspace(ctx, &workspace_id).await?;
        let channel: ChannelId = parse_id(&channel_id)?;
        Ok(
            channels::update(core(ctx)?, &scope, channel, input.into_patch()?)
                .await
                .map_err(gql)?
                .into(),
        )
    }

    /// Checks a channel against its platform (as `POST …/channels/{id}/check`).
    async fn check_channel(
        &self,
        ctx: &Context<'_>,
        workspace_id: ID,
        channel_id: ID,
    ) -> GqlResult<ChannelCheckResult> {
        let scope = enter_workspace(ctx, &workspace_id).await?;
        let channel: ChannelId = parse_id(&channel_id)?;
        Ok(
            earshot_core::service::channel_check::check(core(ctx)?, &scope, channel)
                .await
                .map_err(gql)?
                .into(),
        )
    }

    /// Deletes a channel and its conversations.
    async fn delete_channel(
        &self,
        ctx: &Context<'_>,
        workspace_id: ID,
        channel_id: ID,
    ) -> GqlResult<bool> {
        let scope = enter_workspace(ctx, &workspace_id).await?;
        channels::delete(core(ctx)?, &scope, parse_id(&channel_id)?)
            .await
            .map_err(gql)?;
        Ok(true)
    }

    /// Pushes a customer message into an `api` channel (as `POST …/channels/{id}/inbound`).
    async fn push_inbound_message(
        &self,
        ctx: &Context<'_>,
        workspace_id: ID,
        channel_id: ID,
        input: InboundMessageInput,
    ) -> GqlResult<IngestResult> {
        let (scope, loaders) = enter(ctx, &workspace_id).await?;
        let channel: ChannelId = parse_id(&channel_id)?;
        let outcome = ingest::push(core(ctx)?, &scope, channel, input.into_message())
            .await
            .map_err(gql)?;
        Ok(IngestResult::new(outcome, loaders))
    }

    /// Creates a contact with identities.
    async fn create_contact(
        &self,
        ctx: &Context<'_>,
        workspace_id: ID,
        input: CreateContactInput,
    ) -> GqlResult<Contact> {
        let scope = enter_workspace(ctx, &workspace_id).await?;
        Ok(contacts::create(core(ctx)?, &scope, input.into_new())
            .await
            .map_err(gql)?
            .into())
    }

    /// Changes a contact's name or attributes.
    async fn update_contact(
        &self,
        ctx: &Context<'_>,
        workspace_id: ID,
        contact_id: ID,
        input: UpdateContactInput,
    ) -> GqlResult<Contact> {
        let scope = enter_workspace(ctx, &workspace_id).await?;
        let contact: ContactId = parse_id(&contact_id)?;
        Ok(
            contacts::update(core(ctx)?, &scope, contact, input.into_patch()?)
                .await
                .map_err(gql)?
                .into(),
        )
    }

    /// Deletes a contact and their conversations.
    async fn delete_contact(
        &self,
        ctx: &Context<'_>,
        workspace_id: ID,
        contact_id: ID,
    ) -> GqlResult<bool> {
        let scope = enter_workspace(ctx, &workspace_id).await?;
        contacts::delete(core(ctx)?, &scope, parse_id(&contact_id)?)
            .await
            .map_err(gql)?;
        Ok(true)
    }

    /// Merges `sourceId` into `contactId`: identities, conversations and history move over.
    async fn merge_contacts(
        &self,
        ctx: &Context<'_>,
        workspace_id: ID,
        contact_id: ID,
        source_id: ID,
    ) -> GqlResult<Contact> {
        let scope = enter_workspace(ctx, &workspace_id).await?;
        let target: ContactId = parse_id(&contact_id)?;
        let input = MergeContacts {
            source_id: parse_id(&source_id)?,
        };
        Ok(contacts::merge(core(ctx)?, &scope, target, input)
            .await
            .map_err(gql)?
            .into())
    }

    /// Erases a contact's personal data (GDPR).
    async fn erase_contact(
        &self,
        ctx: &Context<'_>,
        workspace_id: ID,
        contact_id: ID,
    ) -> GqlResult<Contact> {
        let scope = enter_workspace(ctx, &workspace_id).await?;
        Ok(contacts::erase(core(ctx)?, &scope, parse_id(&contact_id)?)
            .await
            .map_err(gql)?
            .into())
    }

    /// Starts a conversation with a contact on a channel; the first message is queued.
    async fn start_conversation(
        &self,
        ctx: &Context<'_>,
        workspace_id: ID,
        input: StartConversationInput,
    ) -> GqlResult<Conversation> {
        let (scope, loaders) = enter(ctx, &workspace_id).await?;
        let view = conversations::start(core(ctx)?, &scope, input.into_start()?)
            .await
            .map_err(gql)?;
        Ok(Conversation::new(view, loaders))
    }

    /// Changes status, priority, assignment or tags.
    async fn update_conversation(
        &self,
        ctx: &Context<'_>,
        workspace_id: ID,
        conversation_id: ID,
        input: UpdateConversationInput,
    ) -> GqlResult<Conversation> {
        let (scope, loaders) = enter(ctx, &workspace_id).await?;
        let id: ConversationId = parse_id(&conversation_id)?;
        let view = conversations::update(core(ctx)?, &scope, id, input.into_patch()?)
            .await
            .map_err(gql)?;
        Ok(Conversation::new(view, loaders))
    }

    /// Changes many conversations at once (assign, tag, status): all or none.
    async fn bulk_update_conversations(
        &self,
        ctx: &Context<'_>,
        workspace_id: ID,
        ids: Vec<ID>,
        changes: UpdateConversationInput,
    ) -> GqlResult<Vec<Conversation>> {
        let (scope, loaders) = enter(ctx, &workspace_id).await?;
        let input = BulkUpdate {
            ids: ids.iter().map(parse_id).collect::<GqlResult<_>>()?,
            changes: changes.into_patch()?,
        };
        let views = conversations::bulk_update(core(ctx)?, &scope, input)
            .await
            .map_err(gql)?;
        Ok(views
            .into_iter()
            .map(|v| Conversation::new(v, loaders.clone()))
            .collect())
    }

    /// Replies to the customer or adds an internal note.
    async fn send_message(
        &self,
        ctx: &Context<'_>,
        workspace_id: ID,
        conversation_id: ID,
        input: SendMessageInput,
    ) -> GqlResult<Message> {
        let scope = enter_workspace(ctx, &workspace_id).await?;
        let id: ConversationId = parse_id(&conversation_id)?;
        Ok(
            messages::create(core(ctx)?, &scope, id, input.into_message()?)
                .await
                .map_err(gql)?
                .into(),
        )
    }

    /// Marks one of the caller's notifications read.
    async fn mark_notification_read(
        &self,
        ctx: &Context<'_>,
        workspace_id: ID,
        notification_id: ID,
    ) -> GqlResult<bool> {
        let scope = enter_workspace(ctx, &workspace_id).await?;
        let id: NotificationId = parse_id(&notification_id)?;
        notifications::mark_read(core(ctx)?, &scope, id)
            .await
            .map_err(gql)?;
        Ok(true)
    }

    /// Puts a logged delivery that had problems back in line for the worker.
    async fn retry_inbound_event(
        &self,
        ctx: &Context<'_>,
        workspace_id: ID,
        event_id: ID,
    ) -> GqlResult<InboundEvent> {
        let scope = enter_workspace(ctx, &workspace_id).await?;
        let id: uuid::Uuid = parse_id(&event_id)?;
        Ok(inbound_events::retry(core(ctx)?, &scope, id)
            .await
            .map_err(gql)?
            .into())
    }
}
