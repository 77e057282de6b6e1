//! Workspaces; nested fields resolve inside the workspace's scope.

use std::sync::Arc;

use async_graphql::{ComplexObject, Context, ID, Json, SimpleObject};
use chrono::{DateTime, Utc};
use earshot_core::ids::{ApiKeyId, TeamId, UserId};
use earshot_core::service::{api_keys, audit, members, teams};
use earshot_core::tenancy::WorkspaceScope;
use earshot_core::views::WorkspaceView;
use tokio::sync::OnceCell;

use super::care_enums::{
    GqlInboxSort, GqlLabel, GqlPriority, GqlSlaFilter, GqlStatus, GqlVisibility,
};
use super::reports::{GqlReportGroupBy, WorkspaceReport};
use super::workspace_care::{self as care_fields, InboxFilter};
use super::{
    ApiKey, AuditEntry, BusinessHours, Channel, Contact, Conversation, GqlAgentVisibility,
    GqlInboundStatus, GqlRole, InboundEvent, ListeningRule, Member, Notification, PageOf,
    SlaPolicy, Team, id,
};
use crate::graphql::context::{GqlResult, core, enter_workspace, page, parse_id, require_field};
use crate::graphql::gql;
use crate::graphql::loaders::CareLoaders;

/// A workspace's settings.
#[derive(SimpleObject)]
pub struct WorkspaceSettings {
    /// Which conversations agents may read.
    pub agent_visibility: GqlAgentVisibility,
    /// Seconds after `resolved` during which a customer message re-opens.
    pub reopen_window_secs: i64,
    /// Seconds after `resolved` before the follow-up question.
    pub followup_delay_secs: i64,
}

/// A workspace: one brand's desk.
#[derive(SimpleObject)]
#[graphql(complex)]
pub struct Workspace {
    /// Id.
    pub id: ID,
    /// Organization.
    pub org_id: ID,
    /// Name.
    pub name: String,
    /// Settings.
    pub settings: WorkspaceSettings,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
    #[graphql(skip)]
    pub scope: Option<WorkspaceScope>,
    /// The DataLoaders of this workspace's scope, built on first use.
    #[graphql(skip)]
    care: OnceCell<Arc<CareLoaders>>,
}

impl Workspace {
    pub(crate) fn new(view: WorkspaceView, scope: Option<WorkspaceScope>) -> Self {
        Self {
            id: id(view.id),
            org_id: id(view.org_id),
            name: view.name,
            settings: WorkspaceSettings {
                agent_visibility: view.settings.agent_visibility.into(),
                reopen_window_secs: view.settings.reopen_window_secs,
                followup_delay_secs: view.settings.followup_delay_secs,
            },
            created_at: view.created_at,
            updated_at: view.updated_at,
            scope,
            care: OnceCell::new(),
        }
    }

    pub(crate) fn listed(view: WorkspaceView) -> Self {
        Self::new(view, None)
    }

    /// The scope, held to what the field being resolved needs (`access::GRAPHQL_FIELDS`).
    async fn scope(&self, ctx: &Context<'_>) -> GqlResult<WorkspaceScope> {
        let scope = match &self.scope {
            Some(scope) => scope.clone(),
            None => enter_workspace(ctx, &self.id).await?,
        };
        require_field(ctx, "Workspace", &scope)?;
        Ok(scope)
    }

    /// The loaders every care object of this workspace resolves its relations with.
    async fn care(&self, ctx: &Context<'_>) -> GqlResult<&Arc<CareLoaders>> {
        let scope = self.scope(ctx).await?;
        self.care
            .get_or_try_init(|| async { Ok(CareLoaders::new(core(ctx)?.clone(), scope)) })
            .await
    }
}

#[ComplexObject]
impl Workspace {
    /// The caller's effective role here (null for API keys).
    async fn my_role(&self, ctx: &Context<'_>) -> GqlResult<Option<GqlRole>> {
        Ok(self.scope(ctx).await?.role().map(Into::into))
    }

    /// Members.
    async fn members(
        &self,
        ctx: &Context<'_>,
        limit: Option<u64>,
        cursor: Option<String>,
    ) -> GqlResult<PageOf<Member>> {
        let page = page(ctx, limit, cursor)?;
        let result = members::list(core(ctx)?, &self.scope(ctx).await?, page)
            .await
            .map_err(gql)?;
        Ok(PageOf::from_page(result, Member::from))
    }

    /// One member.
    async fn member(&self, ctx: &Context<'_>, user_id: ID) -> GqlResult<Member> {
        let user: UserId = parse_id(&user_id)?;
        Ok(members::get(core(ctx)?, &self.scope(ctx).await?, user)
            .await
            .map_err(gql)?
            .into())
    }

    /// Teams.
    async fn teams(
        &self,
        ctx: &Context<'_>,
        limit: Option<u64>,
        cursor: Option<String>,
    ) -> GqlResult<PageOf<Team>> {
        let page = page(ctx, limit, cursor)?;
        let result = teams::list(core(ctx)?, &self.scope(ctx).await?, page)
            .await
            .map_err(gql)?;
        Ok(PageOf::from_page(result, Team::from))
    }

    /// One team.
    async fn team(&self, ctx: &Context<'_>, id: ID) -> GqlResult<Team> {
        let team: TeamId = parse_id(&id)?;
        Ok(teams::get(core(ctx)?, &self.scope(ctx).await?, team)
            .await
            .map_err(gql)?
            .into())
    }

    /// API keys (never their secrets).
    async fn api_keys(
        &self,
        ctx: &Context<'_>,
        limit: Option<u64>,
        cursor: Option<String>,
    ) -> GqlResult<PageOf<ApiKey>> {
        let page = page(ctx, limit, cursor)?;
        let result = api_keys::list(core(ctx)?, &self.scope(ctx).await?, page)
            .await
            .map_err(gql)?;
        Ok(PageOf::from_page(result, ApiKey::from))
    }

    /// One API key.
    async fn api_key(&self, ctx: &Context<'_>, id: ID) -> GqlResult<ApiKey> {
        let key: ApiKeyId = parse_id(&id)?;
        Ok(api_keys::get(core(ctx)?, &self.scope(ctx).await?, key)
            .await
            .map_err(gql)?
            .into())
    }

    /// Channels.
    async fn channels(
        &self,
        ctx: &Context<'_>,
        limit: Option<u64>,
        cursor: Option<String>,
    ) -> GqlResult<PageOf<Channel>> {
        care_fields::list_channels(ctx, self.care(ctx).await?, limit, cursor).await
    }

    /// One channel.
    async fn channel(&self, ctx: &Context<'_>, id: ID) -> GqlResult<Channel> {
        care_fields::channel(self.care(ctx).await?, &id).await
    }

    /// Keyword listening rules, oldest first.
    async fn listening_rules(
        &self,
        ctx: &Context<'_>,
        limit: Option<u64>,
        cursor: Option<String>,
    ) -> GqlResult<PageOf<ListeningRule>> {
        super::listening::list(ctx, &self.scope(ctx).await?, limit, cursor).await
    }

    /// One keyword listening rule.
    async fn listening_rule(&self, ctx: &Context<'_>, id: ID) -> GqlResult<ListeningRule> {
        super::listening::one(ctx, &self.scope(ctx).await?, &id).await
    }

    /// Business-hours calendars, oldest first.
    async fn business_hours(
        &self,
        ctx: &Context<'_>,
        limit: Option<u64>,
        cursor: Option<String>,
    ) -> GqlResult<PageOf<BusinessHours>> {
        super::business_hours::list(ctx, &self.scope(ctx).await?, limit, cursor).await
    }

    /// One business-hours calendar.
    async fn business_hours_calendar(&self, ctx: &Context<'_>, id: ID) -> GqlResult<BusinessHours> {
        super::business_hours::one(ctx, &self.scope(ctx).await?, &id).await
    }

    /// SLA policies, oldest first (`position` says the order they apply in).
    async fn sla_policies(
        &self,
        ctx: &Context<'_>,
        limit: Option<u64>,
        cursor: Option<String>,
    ) -> GqlResult<PageOf<SlaPolicy>> {
        super::sla_policies::list(ctx, &self.scope(ctx).await?, limit, cursor).await
    }

    /// One SLA policy.
    async fn sla_policy(&self, ctx: &Context<'_>, id: ID) -> GqlResult<SlaPolicy> {
        super::sla_policies::one(ctx, &self.scope(ctx).await?, &id).await
    }

    /// Contacts, newest first.
    async fn contacts(
        &self,
        ctx: &Context<'_>,
        limit: Option<u64>,
        cursor: Option<String>,
        #[graphql(
            desc = "Every word in a name, handle, platform user id or the `email` attribute."
        )]
        q: Option<String>,
    ) -> GqlResult<PageOf<Contact>> {
        let page = page(ctx, limit, cursor)?;
        care_fields::list_contacts(self.care(ctx).await?, page, q.as_deref()).await
    }

    /// One contact.
    async fn contact(&self, ctx: &Context<'_>, id: ID) -> GqlResult<Contact> {
        care_fields::contact(self.care(ctx).await?, &id).await
    }

    /// Everything held on one contact (GDPR export): the JSON document of REST's
    /// `GET …/contacts/{id}/export`, with the same field names.
    async fn contact_export(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> GqlResult<Json<serde_json::Value>> {
        care_fields::contact_export(self.care(ctx).await?, &id).await
    }

    /// The inbox: the conversations the caller may see, filtered and sorted as REST's
    /// `GET …/conversations` (`assigneeId` also takes `me` and `none`).
    #[expect(
        clippy::too_many_arguments,
        reason = "one GraphQL argument per filter of the REST inbox"
    )]
    async fn conversations(
        &self,
        ctx: &Context<'_>,
        status: Option<Vec<GqlStatus>>,
        assignee_id: Option<ID>,
        team_id: Option<ID>,
        channel_id: Option<ID>,
        contact_id: Option<ID>,
        tag: Option<String>,
        priority: Option<Vec<GqlPriority>>,
        sla: Option<GqlSlaFilter>,
        q: Option<String>,
        label: Option<GqlLabel>,
        visibility: Option<GqlVisibility>,
        sort: Option<GqlInboxSort>,
        limit: Option<u64>,
        cursor: Option<String>,
    ) -> GqlResult<PageOf<Conversation>> {
        let filter = InboxFilter {
            status,
            assignee_id,
            team_id,
            channel_id,
            contact_id,
            tag,
            priority,
            sla,
            q,
            label,
            visibility,
            sort,
        };
        care_fields::list_conversations(self.care(ctx).await?, filter, limit, cursor).await
    }

    /// One conversation the caller may see.
    async fn conversation(&self, ctx: &Context<'_>, id: ID) -> GqlResult<Conversation> {
        care_fields::conversation(self.care(ctx).await?, &id).await
    }

    /// The caller's notifications (mentions), newest first.
    async fn notifications(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only unread ones (default false).")] unread: Option<bool>,
        limit: Option<u64>,
        cursor: Option<String>,
    ) -> GqlResult<PageOf<Notification>> {
        let unread = unread.unwrap_or(false);
        care_fields::list_notifications(ctx, self.care(ctx).await?, unread, limit, cursor).await
    }

    /// Logged platform deliveries, newest first: of one channel, or in one status.
    async fn inbound_events(
        &self,
        ctx: &Context<'_>,
        channel_id: Option<ID>,
        status: Option<GqlInboundStatus>,
        limit: Option<u64>,
        cursor: Option<String>,
    ) -> GqlResult<PageOf<InboundEvent>> {
        let page = page(ctx, limit, cursor)?;
        let scope = self.scope(ctx).await?;
        super::inbound::list(ctx, &scope, channel_id, status, page).await
    }

    /// One logged delivery.
    async fn inbound_event(&self, ctx: &Context<'_>, id: ID) -> GqlResult<InboundEvent> {
        super::inbound::one(ctx, &self.scope(ctx).await?, &id).await
    }

    /// The figures of a period `[from, to)` (at most 366 days), in total and, with
    /// `groupBy`, per UTC day, channel, agent or team: REST's `GET …/reports/summary`. An
    /// agent reads its own figures (the conversations assigned to it).
    async fn report_summary(
        &self,
        ctx: &Context<'_>,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        group_by: Option<GqlReportGroupBy>,
    ) -> GqlResult<WorkspaceReport> {
        let scope = self.scope(ctx).await?;
        super::reports::workspace(ctx, &scope, from, to, group_by).await
    }

    /// Audit entries, newest first.
    async fn audit_log(
        &self,
        ctx: &Context<'_>,
        action: Option<String>,
        target_kind: Option<String>,
        limit: Option<u64>,
        cursor: Option<String>,
    ) -> GqlResult<PageOf<AuditEntry>> {
        let page = page(ctx, limit, cursor)?;
        let query = audit::AuditQuery {
            action,
            target_kind,
        };
        let result = audit::list(core(ctx)?, &self.scope(ctx).await?, query, page)
            .await
            .map_err(gql)?;
        Ok(PageOf::from_page(result, AuditEntry::from))
    }
}
