//! The care model's fields on `Workspace`: channels, contacts, the inbox, notifications.
//! Each makes one service call in the workspace's scope; conversations share the scope's
//! DataLoaders so a page resolves its relations in a few batched queries.

use std::sync::Arc;

use async_graphql::{Context, ID, Json};
use earshot_core::ids::{ChannelId, ContactId, ConversationId};
use earshot_core::pagination::PageRequest;
use earshot_core::service::inbox::InboxParams;
use earshot_core::service::{channels, contacts, conversations, inbox, notifications};

use super::care_enums::{
    GqlInboxSort, GqlLabel, GqlPriority, GqlSlaFilter, GqlStatus, GqlVisibility,
};
use super::{Channel, Contact, Conversation, Notification, PageOf};
use crate::graphql::context::{GqlResult, page, parse_id};
use crate::graphql::gql;
use crate::graphql::loaders::CareLoaders;

/// The inbox filters of REST's `GET …/conversations`, typed.
#[derive(Default)]
pub(crate) struct InboxFilter {
    /// Any of these statuses.
    pub status: Option<Vec<GqlStatus>>,
    /// A member's id, `me`, or `none` for unassigned.
    pub assignee_id: Option<ID>,
    /// A team.
    pub team_id: Option<ID>,
    /// A channel.
    pub channel_id: Option<ID>,
    /// A contact.
    pub contact_id: Option<ID>,
    /// A tag.
    pub tag: Option<String>,
    /// Any of these priorities.
    pub priority: Option<Vec<GqlPriority>>,
    /// SLA state.
    pub sla: Option<GqlSlaFilter>,
    /// Words that must all appear in a message or the contact's name.
    pub q: Option<String>,
    /// Label.
    pub label: Option<GqlLabel>,
    /// Public or private.
    pub visibility: Option<GqlVisibility>,
    /// Order (default most recent activity first).
    pub sort: Option<GqlInboxSort>,
}

fn joined<T: Copy>(values: Option<Vec<T>>, name: impl Fn(T) -> &'static str) -> Option<String> {
    values.map(|v| v.into_iter().map(name).collect::<Vec<_>>().join(","))
}

impl InboxFilter {
    /// The same query string REST parses, so both go through one `InboxParams::parse`.
    fn params(self, limit: Option<u64>, cursor: Option<String>) -> InboxParams {
        let status = |s: GqlStatus| earshot_core::views::Status::from(s).as_str();
        let priority = |p: GqlPriority| earshot_core::views::Priority::from(p).as_str();
        InboxParams {
            status: joined(self.status, status),
            assignee_id: self.assignee_id.map(|i| i.0),
            team_id: self.team_id.map(|i| i.0),
            channel_id: self.channel_id.map(|i| i.0),
            contact_id: self.contact_id.map(|i| i.0),
            tag: self.tag,
            priority: joined(self.priority, priority),
            sla: self.sla.map(|s| s.as_str().to_owned()),
            q: self.q,
            label: self
                .label
                .map(|l| earshot_core::views::Label::from(l).as_str().to_owned()),
            visibility: self
                .visibility
                .map(|v| earshot_core::views::Visibility::from(v).as_str().to_owned()),
            sort: self.sort.map(|s| s.as_str().to_owned()),
            limit,
            cursor,
        }
    }
}

/// `Workspace.channels`.
pub(crate) async fn list_channels(
    ctx: &Context<'_>,
    care: &CareLoaders,
    limit: Option<u64>,
    cursor: Option<String>,
) -> GqlResult<PageOf<Channel>> {
    let page = page(ctx, limit, cursor)?;
    let result = channels::list(care.core(), care.scope(), page)
        .await
        .map_err(gql)?;
    Ok(PageOf::from_page(result, Channel::from))
}

/// `Workspace.channel`.
pub(crate) async fn channel(care: &CareLoaders, id: &ID) -> GqlResult<Channel> {
    let id: ChannelId = parse_id(id)?;
    Ok(channels::get(care.core(), care.scope(), id)
        .await
        .map_err(gql)?
        .into())
}

/// `Workspace.contacts`.
pub(crate) async fn list_contacts(
    care: &CareLoaders,
    page: PageRequest,
    q: Option<&str>,
) -> GqlResult<PageOf<Contact>> {
    let result = contacts::list(care.core(), care.scope(), page, q)
        .await
        .map_err(gql)?;
    Ok(PageOf::from_page(result, Contact::from))
}

/// `Workspace.contact`.
pub(crate) async fn contact(care: &CareLoaders, id: &ID) -> GqlResult<Contact> {
    let id: ContactId = parse_id(id)?;
    Ok(contacts::get(care.core(), care.scope(), id)
        .await
        .map_err(gql)?
        .into())
}

/// `Workspace.contactExport`: the GDPR export document.
pub(crate) async fn contact_export(
    care: &CareLoaders,
    id: &ID,
) -> GqlResult<Json<serde_json::Value>> {
    let id: ContactId = parse_id(id)?;
    let export = contacts::export(care.core(), care.scope(), id)
        .await
        .map_err(gql)?;
    let document =
        serde_json::to_value(export).map_err(|e| gql(earshot_core::Error::Internal(e.into())))?;
    Ok(Json(document))
}

/// `Workspace.conversations`: the inbox.
pub(crate) async fn list_conversations(
    care: &Arc<CareLoaders>,
    filter: InboxFilter,
    limit: Option<u64>,
    cursor: Option<String>,
) -> GqlResult<PageOf<Conversation>> {
    let params = filter.params(limit, cursor);
    let query = params.parse(care.scope()).map_err(gql)?;
    let result = inbox::list(
        care.core(),
        care.scope(),
        &query,
        params.limit,
        params.cursor.as_deref(),
    )
    .await
    .map_err(gql)?;
    Ok(PageOf::from_page(result, |v| {
        Conversation::new(v, care.clone())
    }))
}

/// `Workspace.conversation`.
pub(crate) async fn conversation(care: &Arc<CareLoaders>, id: &ID) -> GqlResult<Conversation> {
    let id: ConversationId = parse_id(id)?;
    let view = conversations::get(care.core(), care.scope(), id)
        .await
        .map_err(gql)?;
    Ok(Conversation::new(view, care.clone()))
}

/// `Workspace.notifications`: the caller's.
pub(crate) async fn list_notifications(
    ctx: &Context<'_>,
    care: &CareLoaders,
    unread: bool,
    limit: Option<u64>,
    cursor: Option<String>,
) -> GqlResult<PageOf<Notification>> {
    let page = page(ctx, limit, cursor)?;
    let result = notifications::list(care.core(), care.scope(), unread, page)
        .await
        .map_err(gql)?;
    Ok(PageOf::from_page(result, Notification::from))
}
