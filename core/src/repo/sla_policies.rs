//! SLA policies: per workspace, read and changed through the scope; and the facts of a
//! conversation their conditions look at.

use std::collections::HashMap;

use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, Set, SqlErr,
};
use uuid::Uuid;

use crate::entity::sla_policies::{self, Column as C};
use crate::entity::{conversation_tags, conversations, sla_policies::Model};
use crate::ids::{BusinessHoursId, ConversationId, SlaPolicyId, TeamId};
use crate::pagination::PageRequest;
use crate::sla::policy::{BreachActions, Conditions, ConversationFacts, Targets};
use crate::tenancy::WorkspaceScope;
use crate::views::{ChannelKind, Label, Priority, SlaPolicyView, Visibility};
use crate::{Error, Result};

use super::scoped::{delete_one, scoped};
use super::{Direction, paged};

const NAME_TAKEN: &str = "an SLA policy with this name already exists in the workspace";

/// A policy's fields as the caller sets them, already checked.
pub(crate) struct PolicyFields {
    pub name: String,
    pub enabled: bool,
    pub position: i32,
    pub targets: Targets,
    pub warning_percent: i16,
    pub business_hours_id: Option<BusinessHoursId>,
    pub conditions: Conditions,
    pub breach_actions: BreachActions,
}

pub(crate) async fn insert(
    conn: &impl ConnectionTrait,
    scope: &WorkspaceScope,
    fields: PolicyFields,
) -> Result<SlaPolicyView> {
    let now = Utc::now();
    let mut model = active(fields)?;
    model.id = Set(SlaPolicyId::new().as_uuid());
    model.workspace_id = Set(scope.workspace_id().as_uuid());
    model.created_at = Set(now);
    let model = written(model.insert(conn).await)?;
    view(model)
}

pub(crate) async fn get(
    conn: &impl ConnectionTrait,
    scope: &WorkspaceScope,
    id: SlaPolicyId,
) -> Result<SlaPolicyView> {
    view(one(conn, scope, id).await?)
}

async fn one(
    conn: &impl ConnectionTrait,
    scope: &WorkspaceScope,
    id: SlaPolicyId,
) -> Result<Model> {
    scoped::<sla_policies::Entity>(scope)
        .filter(C::Id.eq(id.as_uuid()))
        .one(conn)
        .await?
        .ok_or(Error::NotFound)
}

/// A page of the workspace's policies, oldest first.
pub(crate) async fn list(
    conn: &impl ConnectionTrait,
    scope: &WorkspaceScope,
    page: PageRequest,
) -> Result<Vec<SlaPolicyView>> {
    let select = scoped::<sla_policies::Entity>(scope);
    paged(select, C::Id, page, Direction::OldestFirst)
        .all(conn)
        .await?
        .into_iter()
        .map(view)
        .collect()
}

/// Every enabled policy of the workspace, in the order they apply.
pub(crate) async fn enabled(
    conn: &impl ConnectionTrait,
    scope: &WorkspaceScope,
) -> Result<Vec<SlaPolicyView>> {
    scoped::<sla_policies::Entity>(scope)
        .filter(C::Enabled.eq(true))
        .order_by_asc(C::Position)
        .order_by_asc(C::CreatedAt)
        .order_by_asc(C::Id)
        .all(conn)
        .await?
        .into_iter()
        .map(view)
        .collect()
}

/// The position after the workspace's last policy.
pub(crate) async fn next_position(
    conn: &impl ConnectionTrait,
    scope: &WorkspaceScope,
) -> Result<i32> {
    let last: Option<i32> = scoped::<sla_policies::Entity>(scope)
        .select_only()
        .column_as(C::Position.max(), "max")
        .into_tuple::<Option<i32>>()
        .one(conn)
        .await?
        .flatten();
    Ok(last.map_or(0, |p| p.saturating_add(1)))
}

/// Whether a policy of the workspace counts in this calendar.
pub(crate) async fn use_calendar(
    conn: &impl ConnectionTrait,
    scope: &WorkspaceScope,
    hours: BusinessHoursId,
) -> Result<bool> {
    let count = scoped::<sla_policies::Entity>(scope)
        .filter(C::BusinessHoursId.eq(hours.as_uuid()))
        .count(conn)
        .await?;
    Ok(count > 0)
}

/// Whether a policy of the workspace assigns this team on a breach. Policies are few per
/// workspace, so they are read and their actions checked here rather than in JSON SQL.
pub(crate) async fn escalate_to(
    conn: &impl ConnectionTrait,
    scope: &WorkspaceScope,
    team: TeamId,
) -> Result<bool> {
    let rows = scoped::<sla_policies::Entity>(scope).all(conn).await?;
    for row in rows {
        if view(row)?.breach_actions.assign_team_id == Some(team) {
            return Ok(true);
        }
    }
    Ok(false)
}

/// Replaces a policy's caller-set fields.
pub(crate) async fn update(
    conn: &impl ConnectionTrait,
    scope: &WorkspaceScope,
    id: SlaPolicyId,
    fields: PolicyFields,
) -> Result<SlaPolicyView> {
    let current = one(conn, scope, id).await?;
    let mut model = active(fields)?;
    model.id = sea_orm::Unchanged(current.id);
    model.workspace_id = sea_orm::Unchanged(current.workspace_id);
    model.created_at = sea_orm::Unchanged(current.created_at);
    let model = written(model.update(conn).await)?;
    view(model)
}

pub(crate) async fn delete(
    conn: &impl ConnectionTrait,
    scope: &WorkspaceScope,
    id: SlaPolicyId,
) -> Result<()> {
    delete_one::<sla_policies::Entity>(conn, scope, C::Id, id.as_uuid()).await
}

/// What a policy's conditions look at in one conversation the scope may read.
pub(crate) async fn conversation_facts(
    conn: &impl ConnectionTrait,
    scope: &WorkspaceScope,
    id: ConversationId,
) -> Result<ConversationFacts> {
    let row = super::conversations::get(conn, scope, id).await?;
    let mut facts = facts_of(conn, scope, std::slice::from_ref(&row)).await?;
    facts
        .remove(&row.id)
        .ok_or_else(|| Error::Internal(anyhow::anyhow!("a conversation's channel is gone")))
}

/// What a policy's conditions look at in these conversations of the scope's workspace, by
/// id: a channel kind and tags each, read in one statement each.
pub(crate) async fn facts_of(
    conn: &impl ConnectionTrait,
    scope: &WorkspaceScope,
    rows: &[conversations::Model],
) -> Result<HashMap<Uuid, ConversationFacts>> {
    let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
    let mut channel_ids: Vec<Uuid> = rows.iter().map(|r| r.channel_id).collect();
    channel_ids.sort();
    channel_ids.dedup();
    let kinds = super::channels::kinds_of(conn, scope, &channel_ids).await?;
    let mut tags: HashMap<Uuid, Vec<String>> = HashMap::new();
    let tagged = scoped::<conversation_tags::Entity>(scope)
        .filter(conversation_tags::Column::ConversationId.is_in(ids))
        .all(conn)
        .await?;
    for tag in tagged {
        tags.entry(tag.conversation_id).or_default().push(tag.tag);
    }
    let mut facts = HashMap::with_capacity(rows.len());
    for row in rows {
        let Some(&kind) = kinds.get(&row.channel_id) else {
            continue;
        };
        let tags = tags.remove(&row.id).unwrap_or_default();
        facts.insert(row.id, facts_from(row, kind, tags)?);
    }
    Ok(facts)
}

fn facts_from(
    row: &conversations::Model,
    channel_kind: ChannelKind,
    tags: Vec<String>,
) -> Result<ConversationFacts> {
    let stored = |what: &str, e: Error| {
        Error::Internal(anyhow::anyhow!("a stored {what} cannot be read: {e}"))
    };
    Ok(ConversationFacts {
        channel_kind,
        priority: Priority::from_rank(row.priority),
        tags,
        visibility: row
            .visibility
            .parse::<Visibility>()
            .map_err(|e| stored("visibility", e))?,
        label: row.label.parse::<Label>().map_err(|e| stored("label", e))?,
        influence: row.influence,
    })
}

/// A database refusal as the caller sees it: a name taken, or a calendar deleted while
/// the policy naming it was being written (the same as one that never existed).
fn written(result: std::result::Result<Model, DbErr>) -> Result<Model> {
    result.map_err(|err| match err.sql_err() {
        Some(SqlErr::UniqueConstraintViolation(_)) => {
            Error::conflict("sla_policy_name_taken", NAME_TAKEN)
        }
        Some(SqlErr::ForeignKeyConstraintViolation(_)) => {
            let message = "no such business-hours calendar in this workspace";
            Error::invalid("business_hours_id", "unknown_business_hours", message)
        }
        _ => err.into(),
    })
}

fn active(fields: PolicyFields) -> Result<sla_policies::ActiveModel> {
    Ok(sla_policies::ActiveModel {
        name: Set(fields.name),
        enabled: Set(fields.enabled),
        position: Set(fields.position),
        targets: Set(to_json(&fields.targets)?),
        warning_percent: Set(fields.warning_percent),
        business_hours_id: Set(fields.business_hours_id.map(|h| h.as_uuid())),
        conditions: Set(to_json(&fields.conditions)?),
        breach_actions: Set(to_json(&fields.breach_actions)?),
        updated_at: Set(Utc::now()),
        ..Default::default()
    })
}

fn to_json(value: &impl serde::Serialize) -> Result<serde_json::Value> {
    serde_json::to_value(value).map_err(|e| Error::Internal(anyhow::Error::new(e)))
}

fn view(model: Model) -> Result<SlaPolicyView> {
    let stored = |e: serde_json::Error| {
        Error::Internal(anyhow::Error::new(e).context("a stored SLA policy cannot be read"))
    };
    Ok(SlaPolicyView {
        id: SlaPolicyId::from(model.id),
        name: model.name,
        enabled: model.enabled,
        position: model.position,
        targets: serde_json::from_value(model.targets).map_err(stored)?,
        warning_percent: model.warning_percent,
        business_hours_id: model.business_hours_id.map(BusinessHoursId::from),
        conditions: serde_json::from_value(model.conditions).map_err(stored)?,
        breach_actions: serde_json::from_value(model.breach_actions).map_err(stored)?,
        created_at: model.created_at,
        updated_at: model.updated_at,
    })
}
