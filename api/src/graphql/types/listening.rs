//! Keyword listening rules in GraphQL: the object, its inputs, the `Workspace` fields and
//! the mutations, each making the call its REST route makes.

use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, Utc};
use earshot_core::ids::{ChannelId, ListeningRuleId};
use earshot_core::service::listening::{self, ListeningRulePatch, NewListeningRule};
use earshot_core::tenancy::WorkspaceScope;
use earshot_core::views::ListeningRuleView;

use super::{PageOf, id};
use crate::graphql::context::{GqlResult, core, enter_workspace, page, parse_id};
use crate::graphql::gql;

/// A keyword listening rule: public X posts matching its query become conversations tagged
/// `listening:<name>`.
#[derive(SimpleObject)]
pub struct ListeningRule {
    /// Id.
    pub id: ID,
    /// Name, unique in the workspace.
    pub name: String,
    /// The X recent-search query.
    pub query: String,
    /// The X channel whose credentials search.
    pub channel_id: ID,
    /// Whether it is searched.
    pub enabled: bool,
    /// Seconds between searches.
    pub poll_every_secs: i32,
    /// Posts its searches have fetched.
    pub posts_heard: i64,
    /// When it was last searched.
    pub last_polled_at: Option<DateTime<Utc>>,
    /// Why the last search got nothing, if it did.
    pub last_error: Option<String>,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

impl From<ListeningRuleView> for ListeningRule {
    fn from(v: ListeningRuleView) -> Self {
        Self {
            id: id(v.id),
            name: v.name,
            query: v.query,
            channel_id: id(v.channel_id),
            enabled: v.enabled,
            poll_every_secs: v.poll_every_secs,
            posts_heard: v.posts_heard,
            last_polled_at: v.last_polled_at,
            last_error: v.last_error,
            created_at: v.created_at,
            updated_at: v.updated_at,
        }
    }
}

/// A new listening rule.
#[derive(InputObject)]
pub struct CreateListeningRuleInput {
    /// 1 to 50 characters, unique in the workspace.
    name: String,
    /// X recent-search query, 1 to 512 characters.
    query: String,
    /// An X channel of the workspace.
    channel_id: ID,
    /// Default true.
    enabled: Option<bool>,
    /// 15 to 86400, default 60.
    poll_every_secs: Option<i32>,
}

/// Listening rule fields to change; absent fields stay.
#[derive(InputObject, Default)]
pub struct UpdateListeningRuleInput {
    name: Option<String>,
    query: Option<String>,
    channel_id: Option<ID>,
    enabled: Option<bool>,
    poll_every_secs: Option<i32>,
}

impl CreateListeningRuleInput {
    fn into_new(self) -> GqlResult<NewListeningRule> {
        Ok(NewListeningRule {
            name: self.name,
            query: self.query,
            channel_id: parse_id::<ChannelId>(&self.channel_id)?,
            enabled: self.enabled,
            poll_every_secs: self.poll_every_secs,
        })
    }
}

impl UpdateListeningRuleInput {
    fn into_patch(self) -> GqlResult<ListeningRulePatch> {
        Ok(ListeningRulePatch {
            name: self.name,
            query: self.query,
            channel_id: self
                .channel_id
                .map(|c| parse_id::<ChannelId>(&c))
                .transpose()?,
            enabled: self.enabled,
            poll_every_secs: self.poll_every_secs,
        })
    }
}

/// `Workspace.listeningRules`.
pub(crate) async fn list(
    ctx: &Context<'_>,
    scope: &WorkspaceScope,
    limit: Option<u64>,
    cursor: Option<String>,
) -> GqlResult<PageOf<ListeningRule>> {
    let page = page(ctx, limit, cursor)?;
    let result = listening::list(core(ctx)?, scope, page)
        .await
        .map_err(gql)?;
    Ok(PageOf::from_page(result, ListeningRule::from))
}

/// `Workspace.listeningRule`.
pub(crate) async fn one(
    ctx: &Context<'_>,
    scope: &WorkspaceScope,
    rule: &ID,
) -> GqlResult<ListeningRule> {
    let rule: ListeningRuleId = parse_id(rule)?;
    Ok(listening::get(core(ctx)?, scope, rule)
        .await
        .map_err(gql)?
        .into())
}

/// Listening rules' changes.
#[derive(Default)]
pub struct ListeningMutation;

#[Object]
impl ListeningMutation {
    /// Creates a listening rule (as `POST …/listening-rules`).
    async fn create_listening_rule(
        &self,
        ctx: &Context<'_>,
        workspace_id: ID,
        input: CreateListeningRuleInput,
    ) -> GqlResult<ListeningRule> {
        let scope = enter_workspace(ctx, &workspace_id).await?;
        Ok(listening::create(core(ctx)?, &scope, input.into_new()?)
            .await
            .map_err(gql)?
            .into())
    }

    /// Changes a listening rule; a new query or channel starts its search afresh.
    async fn update_listening_rule(
        &self,
        ctx: &Context<'_>,
        workspace_id: ID,
        rule_id: ID,
        input: UpdateListeningRuleInput,
    ) -> GqlResult<ListeningRule> {
        let scope = enter_workspace(ctx, &workspace_id).await?;
        let rule: ListeningRuleId = parse_id(&rule_id)?;
        Ok(
            listening::update(core(ctx)?, &scope, rule, input.into_patch()?)
                .await
                .map_err(gql)?
                .into(),
        )
    }

    /// Deletes a listening rule; the conversations it heard stay.
    async fn delete_listening_rule(
        &self,
        ctx: &Context<'_>,
        workspace_id: ID,
        rule_id: ID,
    ) -> GqlResult<bool> {
        let scope = enter_workspace(ctx, &workspace_id).await?;
        let rule: ListeningRuleId = parse_id(&rule_id)?;
        listening::delete(core(ctx)?, &scope, rule)
            .await
            .map_err(gql)?;
        Ok(true)
    }
}
