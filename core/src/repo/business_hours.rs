//! Business-hours calendars: per workspace, read and changed through the scope.

use chrono::{NaiveDate, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set, SqlErr,
};

use crate::entity::business_hours::{self, Column as C};
use crate::error::OnConflict;
use crate::ids::BusinessHoursId;
use crate::pagination::PageRequest;
use crate::sla::calendar::{self, WeeklyHours};
use crate::tenancy::WorkspaceScope;
use crate::views::BusinessHoursView;
use crate::{Error, Result};

use super::scoped::scoped;
use super::{Direction, paged};

const NAME_TAKEN: &str = "business hours with this name already exist in the workspace";

/// A calendar's fields as the caller sets them, already checked.
pub(crate) struct HoursFields {
    pub name: String,
    pub timezone: String,
    pub weekly: WeeklyHours,
    pub holidays: Vec<NaiveDate>,
}

pub(crate) async fn insert(
    conn: &impl ConnectionTrait,
    scope: &WorkspaceScope,
    fields: HoursFields,
) -> Result<BusinessHoursView> {
    let now = Utc::now();
    let model = business_hours::ActiveModel {
        id: Set(BusinessHoursId::new().as_uuid()),
        workspace_id: Set(scope.workspace_id().as_uuid()),
        name: Set(fields.name),
        timezone: Set(fields.timezone),
        weekly: Set(to_json(&fields.weekly)?),
        holidays: Set(to_json(&fields.holidays)?),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(conn)
    .await
    .on_unique("business_hours_name_taken", NAME_TAKEN)?;
    view(model)
}

pub(crate) async fn get(
    conn: &impl ConnectionTrait,
    scope: &WorkspaceScope,
    id: BusinessHoursId,
) -> Result<BusinessHoursView> {
    let model = scoped::<business_hours::Entity>(scope)
        .filter(C::Id.eq(id.as_uuid()))
        .one(conn)
        .await?
        .ok_or(Error::NotFound)?;
    view(model)
}

pub(crate) async fn list(
    conn: &impl ConnectionTrait,
    scope: &WorkspaceScope,
    page: PageRequest,
) -> Result<Vec<BusinessHoursView>> {
    let select = scoped::<business_hours::Entity>(scope);
    paged(select, C::Id, page, Direction::OldestFirst)
        .all(conn)
        .await?
        .into_iter()
        .map(view)
        .collect()
}

/// Replaces a calendar's caller-set fields.
pub(crate) async fn update(
    conn: &impl ConnectionTrait,
    scope: &WorkspaceScope,
    id: BusinessHoursId,
    fields: HoursFields,
) -> Result<BusinessHoursView> {
    let model = scoped::<business_hours::Entity>(scope)
        .filter(C::Id.eq(id.as_uuid()))
        .one(conn)
        .await?
        .ok_or(Error::NotFound)?;
    let mut active: business_hours::ActiveModel = model.into();
    active.name = Set(fields.name);
    active.timezone = Set(fields.timezone);
    active.weekly = Set(to_json(&fields.weekly)?);
    active.holidays = Set(to_json(&fields.holidays)?);
    active.updated_at = Set(Utc::now());
    let model = active
        .update(conn)
        .await
        .on_unique("business_hours_name_taken", NAME_TAKEN)?;
    view(model)
}

/// Deletes a calendar; one an SLA policy counts in is refused (`business_hours_in_use`).
pub(crate) async fn delete(
    conn: &impl ConnectionTrait,
    scope: &WorkspaceScope,
    id: BusinessHoursId,
) -> Result<()> {
    let result = business_hours::Entity::delete_many()
        .filter(C::WorkspaceId.eq(scope.workspace_id().as_uuid()))
        .filter(C::Id.eq(id.as_uuid()))
        .exec(conn)
        .await
        .map_err(|err| match err.sql_err() {
            Some(SqlErr::ForeignKeyConstraintViolation(_)) => in_use(),
            _ => err.into(),
        })?;
    if result.rows_affected == 0 {
        return Err(Error::NotFound);
    }
    Ok(())
}

/// The refusal to delete a calendar an SLA policy counts in.
pub(crate) fn in_use() -> Error {
    let message = "an SLA policy counts in this calendar; change or delete it first";
    Error::conflict("business_hours_in_use", message)
}

fn to_json(value: &impl serde::Serialize) -> Result<serde_json::Value> {
    serde_json::to_value(value).map_err(|e| Error::Internal(anyhow::Error::new(e)))
}

fn view(model: business_hours::Model) -> Result<BusinessHoursView> {
    let stored = |e: serde_json::Error| {
        Error::Internal(anyhow::Error::new(e).context("a stored calendar cannot be read"))
    };
    let weekly: WeeklyHours = serde_json::from_value(model.weekly).map_err(stored)?;
    let holidays: Vec<NaiveDate> = serde_json::from_value(model.holidays).map_err(stored)?;
    let texts: Vec<String> = holidays.iter().map(NaiveDate::to_string).collect();
    let calendar = calendar::parse(&model.timezone, &weekly, &texts).map_err(|errors| {
        Error::Internal(anyhow::anyhow!("a stored calendar is refused: {errors:?}"))
    })?;
    Ok(BusinessHoursView {
        id: BusinessHoursId::from(model.id),
        name: model.name,
        timezone: model.timezone,
        weekly,
        holidays,
        business_seconds_per_week: calendar.week_seconds(),
        created_at: model.created_at,
        updated_at: model.updated_at,
    })
}
