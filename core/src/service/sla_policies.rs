//! SLA policies: per workspace, named and ordered; each sets targets for the three clocks,
//! a warning threshold, the calendar they count in, the conversations it applies to and
//! what a breach does. Every member reads them; changing them needs `ManageSla`.
//!
//! The rule for editing: editing a policy applies to clocks started after the edit;
//! running clocks keep the targets they started with (a clock copies its policy's targets
//! when it starts).

use sea_orm::ConnectionTrait;
use serde::Deserialize;
use serde_json::json;

use crate::ids::{BusinessHoursId, ConversationId, SlaPolicyId};
use crate::pagination::{Page, PageRequest};
use crate::repo;
use crate::sla::policy::{self, BreachActions, Conditions, Targets};
use crate::tenancy::{Capability, WorkspaceScope};
use crate::views::{MatchingPolicyView, SlaPolicyView, double_option};
use crate::{Core, Result};

use super::audit;
use super::sla_policy_checks::{Draft, checked};

/// `POST /v1/workspaces/{ws}/sla-policies`.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewSlaPolicy {
    /// Name, unique in the workspace, such as `VIP on X`.
    #[schema(min_length = 1, max_length = 100)]
    pub name: String,
    /// Whether it applies (default `true`).
    pub enabled: Option<bool>,
    /// Its place, 0 to 1000000: the first enabled matching policy applies, lower first,
    /// ties by creation (default: after the last).
    #[schema(minimum = 0, maximum = 1_000_000)]
    pub position: Option<i64>,
    /// Business seconds each clock may run, 1 to 31536000 (a year); at least one.
    pub targets: Targets,
    /// The share of a target, in percent (1 to 99, default 80), after which a clock warns.
    #[schema(minimum = 1, maximum = 99)]
    pub warning_percent: Option<i64>,
    /// A business-hours calendar of the workspace the targets count in (default: around
    /// the clock).
    pub business_hours_id: Option<BusinessHoursId>,
    /// The conversations it applies to (default: every one).
    #[serde(default)]
    pub conditions: Conditions,
    /// What a breach does (default: notify only).
    #[serde(default)]
    pub breach_actions: BreachActions,
}

/// `PATCH /v1/workspaces/{ws}/sla-policies/{id}`: only the fields present change;
/// `targets`, `conditions` or `breach_actions` given replace the whole of it. Editing a
/// policy applies to clocks started after the edit; running clocks keep the targets they
/// started with.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SlaPolicyPatch {
    /// New name.
    #[schema(min_length = 1, max_length = 100)]
    pub name: Option<String>,
    /// Turn it on or off.
    pub enabled: Option<bool>,
    /// New place.
    #[schema(minimum = 0, maximum = 1_000_000)]
    pub position: Option<i64>,
    /// New targets.
    pub targets: Option<Targets>,
    /// New warning threshold.
    #[schema(minimum = 1, maximum = 99)]
    pub warning_percent: Option<i64>,
    /// Another calendar; `null`: around the clock.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<BusinessHoursId>)]
    pub business_hours_id: Option<Option<BusinessHoursId>>,
    /// New conditions.
    pub conditions: Option<Conditions>,
    /// New breach actions.
    pub breach_actions: Option<BreachActions>,
}

/// The default warning threshold, in percent of a target.
pub const DEFAULT_WARNING_PERCENT: i64 = 80;

/// The workspace's policies, oldest first (`position` says the order they apply in).
pub async fn list(
    core: &Core,
    scope: &WorkspaceScope,
    page: PageRequest,
) -> Result<Page<SlaPolicyView>> {
    scope.require(Capability::ReadWorkspace)?;
    let rows = repo::sla_policies::list(core.db().conn(), scope, page).await?;
    core.cursors().page(rows, page, |r| r.id.as_uuid())
}

/// One policy.
pub async fn get(core: &Core, scope: &WorkspaceScope, id: SlaPolicyId) -> Result<SlaPolicyView> {
    scope.require(Capability::ReadWorkspace)?;
    repo::sla_policies::get(core.db().conn(), scope, id).await
}

/// Creates a policy.
#[tracing::instrument(skip_all, err(level = "debug"))]
pub async fn create(
    core: &Core,
    scope: &WorkspaceScope,
    input: NewSlaPolicy,
) -> Result<SlaPolicyView> {
    scope.require(Capability::ManageSla)?;
    let txn = core.db().begin().await?;
    let position = match input.position {
        Some(position) => position,
        None => i64::from(repo::sla_policies::next_position(&txn, scope).await?),
    };
    let draft = Draft {
        name: input.name,
        enabled: input.enabled.unwrap_or(true),
        position,
        targets: input.targets,
        warning_percent: input.warning_percent.unwrap_or(DEFAULT_WARNING_PERCENT),
        business_hours_id: input.business_hours_id,
        conditions: input.conditions,
        breach_actions: input.breach_actions,
    };
    let fields = checked(&txn, scope, draft).await?;
    let view = repo::sla_policies::insert(&txn, scope, fields).await?;
    record(&txn, scope, "sla_policy.created", &view).await?;
    txn.commit().await?;
    Ok(view)
}

/// Changes a policy. Editing a policy applies to clocks started after the edit; running
/// clocks keep the targets they started with.
#[tracing::instrument(skip_all, fields(sla_policy_id = %id), err(level = "debug"))]
pub async fn update(
    core: &Core,
    scope: &WorkspaceScope,
    id: SlaPolicyId,
    patch: SlaPolicyPatch,
) -> Result<SlaPolicyView> {
    scope.require(Capability::ManageSla)?;
    let txn = core.db().begin().await?;
    let current = repo::sla_policies::get(&txn, scope, id).await?;
    let draft = Draft {
        name: patch.name.unwrap_or(current.name),
        enabled: patch.enabled.unwrap_or(current.enabled),
        position: patch.position.unwrap_or(i64::from(current.position)),
        targets: patch.targets.unwrap_or(current.targets),
        warning_percent: patch
            .warning_percent
            .unwrap_or(i64::from(current.warning_percent)),
        business_hours_id: patch.business_hours_id.unwrap_or(current.business_hours_id),
        conditions: patch.conditions.unwrap_or(current.conditions),
        breach_actions: patch.breach_actions.unwrap_or(current.breach_actions),
    };
    let fields = checked(&txn, scope, draft).await?;
    let view = repo::sla_policies::update(&txn, scope, id, fields).await?;
    record(&txn, scope, "sla_policy.updated", &view).await?;
    txn.commit().await?;
    Ok(view)
}

/// Deletes a policy.
#[tracing::instrument(skip_all, fields(sla_policy_id = %id), err(level = "debug"))]
pub async fn delete(core: &Core, scope: &WorkspaceScope, id: SlaPolicyId) -> Result<()> {
    scope.require(Capability::ManageSla)?;
    let txn = core.db().begin().await?;
    let view = repo::sla_policies::get(&txn, scope, id).await?;
    repo::sla_policies::delete(&txn, scope, id).await?;
    record(&txn, scope, "sla_policy.deleted", &view).await?;
    txn.commit().await?;
    Ok(())
}

async fn record(
    conn: &impl ConnectionTrait,
    scope: &WorkspaceScope,
    action: &'static str,
    view: &SlaPolicyView,
) -> Result<()> {
    let details = json!({ "name": view.name, "position": view.position, "enabled": view.enabled });
    audit::record(conn, scope, action, "sla_policy", view.id, details).await
}

/// The policy that applies to a conversation now (`policy: null` when none does).
pub async fn for_conversation(
    core: &Core,
    scope: &WorkspaceScope,
    conversation_id: ConversationId,
) -> Result<MatchingPolicyView> {
    scope.require(Capability::ReadConversations)?;
    scope.require(Capability::ReadWorkspace)?;
    let policy = matching_policy(core.db().conn(), scope, conversation_id).await?;
    Ok(MatchingPolicyView {
        conversation_id,
        policy,
    })
}

/// The first enabled policy, by position then creation, whose conditions the
/// conversation meets: what a clock starting now on it counts against.
pub(crate) async fn matching_policy(
    conn: &impl ConnectionTrait,
    scope: &WorkspaceScope,
    conversation_id: ConversationId,
) -> Result<Option<SlaPolicyView>> {
    let facts = repo::sla_policies::conversation_facts(conn, scope, conversation_id).await?;
    let policies = repo::sla_policies::enabled(conn, scope).await?;
    Ok(policy::first_match(&facts, &policies).cloned())
}
