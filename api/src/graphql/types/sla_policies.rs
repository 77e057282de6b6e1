//! SLA policies in GraphQL: the object, its inputs, the `Workspace` fields and the
//! mutations, each making the call its REST route makes.

use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object, SimpleObject};
use chrono::{DateTime, Utc};
use earshot_core::ids::{BusinessHoursId, SlaPolicyId, TeamId};
use earshot_core::service::sla_policies::{self, NewSlaPolicy, SlaPolicyPatch};
use earshot_core::sla::policy::{BreachActions, Conditions, Targets};
use earshot_core::tenancy::WorkspaceScope;
use earshot_core::views::SlaPolicyView;

use super::care_enums::{GqlChannelKind, GqlLabel, GqlPriority, GqlVisibility};
use super::{PageOf, id};
use crate::graphql::context::{GqlResult, core, enter_workspace, page, parse_id};
use crate::graphql::gql;

/// Business seconds each clock may run; absent: no clock of that kind.
#[derive(SimpleObject, InputObject)]
#[graphql(input_name = "SlaTargetsInput")]
pub struct SlaTargets {
    /// From the first customer message to the first reply.
    pub first_response_seconds: Option<i64>,
    /// From a customer message after a reply to the next reply.
    pub next_response_seconds: Option<i64>,
    /// From creation to resolution.
    pub resolution_seconds: Option<i64>,
}

/// The conversations a policy applies to: every condition given holds, a list when the
/// conversation has any of its values.
#[derive(SimpleObject, InputObject, Default)]
#[graphql(input_name = "SlaConditionsInput")]
pub struct SlaConditions {
    /// Channel kinds.
    #[graphql(default)]
    pub channel_kinds: Vec<GqlChannelKind>,
    /// Priorities.
    #[graphql(default)]
    pub priorities: Vec<GqlPriority>,
    /// Tags.
    #[graphql(default)]
    pub tags: Vec<String>,
    /// Public or private.
    #[graphql(default)]
    pub visibility: Vec<GqlVisibility>,
    /// Signal labels.
    #[graphql(default)]
    pub labels: Vec<GqlLabel>,
    /// Lowest influence score, 0 to 1.
    pub min_influence: Option<f64>,
}

/// What a breach does.
#[derive(SimpleObject)]
pub struct SlaBreachActions {
    /// Raise the priority to this.
    pub raise_priority_to: Option<GqlPriority>,
    /// Assign to this team.
    pub assign_team_id: Option<ID>,
    /// Add this tag.
    pub add_tag: Option<String>,
    /// Notify the assignee and the team.
    pub notify: bool,
}

/// What a breach does; `notify` defaults to true.
#[derive(InputObject)]
pub struct SlaBreachActionsInput {
    raise_priority_to: Option<GqlPriority>,
    assign_team_id: Option<ID>,
    add_tag: Option<String>,
    #[graphql(default = true)]
    notify: bool,
}

/// An SLA policy. Editing one applies to clocks started after the edit; running clocks
/// keep the targets they started with.
#[derive(SimpleObject)]
pub struct SlaPolicy {
    /// Id.
    pub id: ID,
    /// Name, unique in the workspace.
    pub name: String,
    /// Whether it applies.
    pub enabled: bool,
    /// Its place: the first enabled matching policy applies, lower first.
    pub position: i32,
    /// Business seconds each clock may run.
    pub targets: SlaTargets,
    /// Percent of a target after which a clock warns.
    pub warning_percent: i32,
    /// The calendar targets count in; null: around the clock.
    pub business_hours_id: Option<ID>,
    /// The conversations it applies to.
    pub conditions: SlaConditions,
    /// What a breach does.
    pub breach_actions: SlaBreachActions,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

impl From<SlaPolicyView> for SlaPolicy {
    fn from(v: SlaPolicyView) -> Self {
        let c = v.conditions;
        let a = v.breach_actions;
        Self {
            id: id(v.id),
            name: v.name,
            enabled: v.enabled,
            position: v.position,
            targets: SlaTargets {
                first_response_seconds: v.targets.first_response_seconds,
                next_response_seconds: v.targets.next_response_seconds,
                resolution_seconds: v.targets.resolution_seconds,
            },
            warning_percent: i32::from(v.warning_percent),
            business_hours_id: v.business_hours_id.map(id),
            conditions: SlaConditions {
                channel_kinds: c.channel_kinds.into_iter().map(Into::into).collect(),
                priorities: c.priorities.into_iter().map(Into::into).collect(),
                tags: c.tags,
                visibility: c.visibility.into_iter().map(Into::into).collect(),
                labels: c.labels.into_iter().map(Into::into).collect(),
                min_influence: c.min_influence,
            },
            breach_actions: SlaBreachActions {
                raise_priority_to: a.raise_priority_to.map(Into::into),
                assign_team_id: a.assign_team_id.map(id),
                add_tag: a.add_tag,
                notify: a.notify,
            },
            created_at: v.created_at,
            updated_at: v.updated_at,
        }
    }
}

impl SlaTargets {
    fn into_core(self) -> Targets {
        Targets {
            first_response_seconds: self.first_response_seconds,
            next_response_seconds: self.next_response_seconds,
            resolution_seconds: self.resolution_seconds,
        }
    }
}

impl SlaConditions {
    fn into_core(self) -> Conditions {
        Conditions {
            channel_kinds: self.channel_kinds.into_iter().map(Into::into).collect(),
            priorities: self.priorities.into_iter().map(Into::into).collect(),
            tags: self.tags,
            visibility: self.visibility.into_iter().map(Into::into).collect(),
            labels: self.labels.into_iter().map(Into::into).collect(),
            min_influence: self.min_influence,
        }
    }
}

impl SlaBreachActionsInput {
    fn into_core(self) -> GqlResult<BreachActions> {
        let team: Option<TeamId> = self.assign_team_id.as_ref().map(parse_id).transpose()?;
        Ok(BreachActions {
            raise_priority_to: self.raise_priority_to.map(Into::into),
            assign_team_id: team,
            add_tag: self.add_tag,
            notify: self.notify,
        })
    }
}

/// A new SLA policy.
#[derive(InputObject)]
pub struct CreateSlaPolicyInput {
    name: String,
    enabled: Option<bool>,
    position: Option<i64>,
    targets: SlaTargets,
    warning_percent: Option<i64>,
    business_hours_id: Option<ID>,
    conditions: Option<SlaConditions>,
    breach_actions: Option<SlaBreachActionsInput>,
}

/// Policy fields to change; absent fields stay, `businessHoursId: null` counts around the
/// clock. Editing applies to clocks started after the edit.
#[derive(InputObject, Default)]
pub struct UpdateSlaPolicyInput {
    name: Option<String>,
    enabled: Option<bool>,
    position: Option<i64>,
    targets: Option<SlaTargets>,
    warning_percent: Option<i64>,
    business_hours_id: MaybeUndefined<ID>,
    conditions: Option<SlaConditions>,
    breach_actions: Option<SlaBreachActionsInput>,
}

impl CreateSlaPolicyInput {
    fn into_core(self) -> GqlResult<NewSlaPolicy> {
        let hours: Option<BusinessHoursId> =
            self.business_hours_id.as_ref().map(parse_id).transpose()?;
        let actions = self.breach_actions.map(SlaBreachActionsInput::into_core);
        Ok(NewSlaPolicy {
            name: self.name,
            enabled: self.enabled,
            position: self.position,
            targets: self.targets.into_core(),
            warning_percent: self.warning_percent,
            business_hours_id: hours,
            conditions: self
                .conditions
                .map(SlaConditions::into_core)
                .unwrap_or_default(),
            breach_actions: actions.transpose()?.unwrap_or_default(),
        })
    }
}

impl UpdateSlaPolicyInput {
    fn into_core(self) -> GqlResult<SlaPolicyPatch> {
        let hours = match self.business_hours_id {
            MaybeUndefined::Undefined => None,
            MaybeUndefined::Null => Some(None),
            MaybeUndefined::Value(hours) => Some(Some(parse_id(&hours)?)),
        };
        let actions = self.breach_actions.map(SlaBreachActionsInput::into_core);
        Ok(SlaPolicyPatch {
            name: self.name,
            enabled: self.enabled,
            position: self.position,
            targets: self.targets.map(SlaTargets::into_core),
            warning_percent: self.warning_percent,
            business_hours_id: hours,
            conditions: self.conditions.map(SlaConditions::into_core),
            breach_actions: actions.transpose()?,
        })
    }
}

/// `Workspace.slaPolicies`.
pub(crate) async fn list(
    ctx: &Context<'_>,
    scope: &WorkspaceScope,
    limit: Option<u64>,
    cursor: Option<String>,
) -> GqlResult<PageOf<SlaPolicy>> {
    let page = page(ctx, limit, cursor)?;
    let result = sla_policies::list(core(ctx)?, scope, page)
        .await
        .map_err(gql)?;
    Ok(PageOf::from_page(result, SlaPolicy::from))
}

/// `Workspace.slaPolicy`.
pub(crate) async fn one(
    ctx: &Context<'_>,
    scope: &WorkspaceScope,
    policy: &ID,
) -> GqlResult<SlaPolicy> {
    let policy: SlaPolicyId = parse_id(policy)?;
    Ok(sla_policies::get(core(ctx)?, scope, policy)
        .await
        .map_err(gql)?
        .into())
}

/// SLA policies' changes.
#[derive(Default)]
pub struct SlaPolicyMutation;

#[Object]
impl SlaPolicyMutation {
    /// Creates an SLA policy (as `POST …/sla-policies`).
    async fn create_sla_policy(
        &self,
        ctx: &Context<'_>,
        workspace_id: ID,
        input: CreateSlaPolicyInput,
    ) -> GqlResult<SlaPolicy> {
        let scope = enter_workspace(ctx, &workspace_id).await?;
        let input = input.into_core()?;
        Ok(sla_policies::create(core(ctx)?, &scope, input)
            .await
            .map_err(gql)?
            .into())
    }

    /// Changes an SLA policy. Editing a policy applies to clocks started after the edit;
    /// running clocks keep the targets they started with.
    async fn update_sla_policy(
        &self,
        ctx: &Context<'_>,
        workspace_id: ID,
        policy_id: ID,
        input: UpdateSlaPolicyInput,
    ) -> GqlResult<SlaPolicy> {
        let scope = enter_workspace(ctx, &workspace_id).await?;
        let policy: SlaPolicyId = parse_id(&policy_id)?;
        let patch = input.into_core()?;
        Ok(sla_policies::update(core(ctx)?, &scope, policy, patch)
            .await
            .map_err(gql)?
            .into())
    }

    /// Deletes an SLA policy.
    async fn delete_sla_policy(
        &self,
        ctx: &Context<'_>,
        workspace_id: ID,
        policy_id: ID,
    ) -> GqlResult<bool> {
        let scope = enter_workspace(ctx, &workspace_id).await?;
        let policy: SlaPolicyId = parse_id(&policy_id)?;
        sla_policies::delete(core(ctx)?, &scope, policy)
            .await
            .map_err(gql)?;
        Ok(true)
    }
}
