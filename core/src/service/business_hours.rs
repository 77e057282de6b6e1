//! Business-hours calendars: per workspace, named, each an IANA time zone, weekly shifts
//! per weekday and holidays. SLA targets count business time in one of them (24/7 when none
//! is named). Every member reads them; changing them needs `ManageSla` (owners, admins and
//! keys with `settings:manage`). The arithmetic lives in `sla::calendar`.

use chrono::{DateTime, Utc};
use sea_orm::ConnectionTrait;
use serde::Deserialize;
use serde_json::json;

use crate::error::FieldError;
use crate::ids::BusinessHoursId;
use crate::pagination::{Page, PageRequest};
use crate::repo;
use crate::repo::business_hours::HoursFields;
use crate::sla::calendar::{self, Calendar, WeeklyHours};
use crate::tenancy::{Capability, WorkspaceScope};
use crate::views::{BusinessDueView, BusinessHoursView};
use crate::{Core, Error, Result};

use super::audit;

/// Longest name.
pub const MAX_NAME_LEN: usize = 100;
/// Most business seconds the due-time helper counts: ten years' worth of seconds.
pub const MAX_DUE_SECONDS: i64 = 10 * 366 * 86_400;

/// `POST /v1/workspaces/{ws}/business-hours`.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewBusinessHours {
    /// Name, unique in the workspace, such as `Support desk (Berlin)`.
    #[schema(min_length = 1, max_length = 100)]
    pub name: String,
    /// IANA time zone, such as `Europe/Berlin`.
    #[schema(example = "Europe/Berlin")]
    pub timezone: String,
    /// Shifts per weekday (at most 12 a day), in local wall-clock time; at least one in
    /// the week, none overlapping.
    pub weekly: WeeklyHours,
    /// Local dates `YYYY-MM-DD` (at most 400) whose shifts do not happen; a shift that
    /// started the evening before still runs until its end.
    #[serde(default)]
    pub holidays: Vec<String>,
}

/// `PATCH /v1/workspaces/{ws}/business-hours/{id}`: only the fields present change; a
/// `weekly` or `holidays` given replaces the whole week or list.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BusinessHoursPatch {
    /// New name.
    #[schema(min_length = 1, max_length = 100)]
    pub name: Option<String>,
    /// New time zone.
    pub timezone: Option<String>,
    /// The new week.
    pub weekly: Option<WeeklyHours>,
    /// The new holidays.
    pub holidays: Option<Vec<String>>,
}

/// `GET /v1/workspaces/{ws}/business-hours/{id}/due`.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct DueQuery {
    /// Where counting starts, RFC 3339 (default: now).
    #[param(value_type = Option<String>, format = DateTime)]
    pub from: Option<String>,
    /// Business seconds to count, 0 to 316224000 (ten years).
    #[param(value_type = i64, minimum = 0, maximum = 316_224_000)]
    pub seconds: Option<String>,
}

/// Checks what a caller wrote, every problem at once, and writes it the one way it is
/// stored: the zone's canonical name, each day's shifts in order, holidays in order.
fn checked(
    name: &str,
    timezone: &str,
    weekly: &WeeklyHours,
    holidays: &[String],
) -> Result<HoursFields> {
    let mut errors = Vec::new();
    let name = name.trim();
    if name.is_empty() || name.chars().count() > MAX_NAME_LEN || name.chars().any(char::is_control)
    {
        let message = format!("a name has 1 to {MAX_NAME_LEN} printable characters");
        errors.push(FieldError::new("name", "invalid_name", message));
    }
    let calendar = calendar::parse(timezone, weekly, holidays).map_err(|refusals| {
        let fields = refusals.into_iter();
        errors.extend(fields.map(|e| FieldError::new(e.field, e.code, e.message)));
    });
    match calendar {
        Ok(calendar) if errors.is_empty() => Ok(HoursFields {
            name: name.to_owned(),
            timezone: calendar.tz().name().to_owned(),
            weekly: WeeklyHours::of(&calendar),
            holidays: calendar.holidays().collect(),
        }),
        _ => Err(Error::Validation(errors)),
    }
}

/// The calendar a stored view describes.
fn calendar_of(view: &BusinessHoursView) -> Result<Calendar> {
    let holidays: Vec<String> = view.holidays.iter().map(|d| d.to_string()).collect();
    calendar::parse(&view.timezone, &view.weekly, &holidays).map_err(|errors| {
        Error::Internal(anyhow::anyhow!("a stored calendar is refused: {errors:?}"))
    })
}

/// The workspace's calendars among `ids`, ready for arithmetic, by id. One deleted meanwhile
/// is missing: clocks that named it count around the clock.
pub(crate) async fn calendars(
    conn: &impl ConnectionTrait,
    scope: &WorkspaceScope,
    ids: &[uuid::Uuid],
) -> Result<std::collections::HashMap<uuid::Uuid, Calendar>> {
    let mut found = std::collections::HashMap::new();
    for &id in ids {
        if found.contains_key(&id) {
            continue;
        }
        match repo::business_hours::get(conn, scope, BusinessHoursId::from(id)).await {
            Ok(view) => {
                found.insert(id, calendar_of(&view)?);
            }
            Err(Error::NotFound) => {}
            Err(err) => return Err(err),
        }
    }
    Ok(found)
}

/// The workspace's calendars, oldest first.
pub async fn list(
    core: &Core,
    scope: &WorkspaceScope,
    page: PageRequest,
) -> Result<Page<BusinessHoursView>> {
    scope.require(Capability::ReadWorkspace)?;
    let rows = repo::business_hours::list(core.db().conn(), scope, page).await?;
    core.cursors().page(rows, page, |r| r.id.as_uuid())
}

/// One calendar.
pub async fn get(
    core: &Core,
    scope: &WorkspaceScope,
    id: BusinessHoursId,
) -> Result<BusinessHoursView> {
    scope.require(Capability::ReadWorkspace)?;
    repo::business_hours::get(core.db().conn(), scope, id).await
}

/// One calendar, ready for arithmetic (for SLA policies that name it).
pub async fn calendar(
    core: &Core,
    scope: &WorkspaceScope,
    id: BusinessHoursId,
) -> Result<Calendar> {
    calendar_of(&get(core, scope, id).await?)
}

/// Creates a calendar.
#[tracing::instrument(skip_all, err(level = "debug"))]
pub async fn create(
    core: &Core,
    scope: &WorkspaceScope,
    input: NewBusinessHours,
) -> Result<BusinessHoursView> {
    scope.require(Capability::ManageSla)?;
    let fields = checked(&input.name, &input.timezone, &input.weekly, &input.holidays)?;
    let txn = core.db().begin().await?;
    let view = repo::business_hours::insert(&txn, scope, fields).await?;
    let details = json!({ "name": view.name, "timezone": view.timezone });
    audit::record(
        &txn,
        scope,
        "business_hours.created",
        "business_hours",
        view.id,
        details,
    )
    .await?;
    txn.commit().await?;
    Ok(view)
}

/// Changes a calendar; a `weekly` or `holidays` given replaces the whole week or list.
#[tracing::instrument(skip_all, fields(business_hours_id = %id), err(level = "debug"))]
pub async fn update(
    core: &Core,
    scope: &WorkspaceScope,
    id: BusinessHoursId,
    patch: BusinessHoursPatch,
) -> Result<BusinessHoursView> {
    scope.require(Capability::ManageSla)?;
    let txn = core.db().begin().await?;
    let current = repo::business_hours::get(&txn, scope, id).await?;
    let holidays: Vec<String> = match patch.holidays {
        Some(holidays) => holidays,
        None => current.holidays.iter().map(|d| d.to_string()).collect(),
    };
    let fields = checked(
        patch.name.as_deref().unwrap_or(&current.name),
        patch.timezone.as_deref().unwrap_or(&current.timezone),
        patch.weekly.as_ref().unwrap_or(&current.weekly),
        &holidays,
    )?;
    let view = repo::business_hours::update(&txn, scope, id, fields).await?;
    let details = json!({ "name": view.name, "timezone": view.timezone });
    audit::record(
        &txn,
        scope,
        "business_hours.updated",
        "business_hours",
        id,
        details,
    )
    .await?;
    txn.commit().await?;
    Ok(view)
}

/// Deletes a calendar no SLA policy counts in.
#[tracing::instrument(skip_all, fields(business_hours_id = %id), err(level = "debug"))]
pub async fn delete(core: &Core, scope: &WorkspaceScope, id: BusinessHoursId) -> Result<()> {
    scope.require(Capability::ManageSla)?;
    let txn = core.db().begin().await?;
    let view = repo::business_hours::get(&txn, scope, id).await?;
    if repo::sla_policies::use_calendar(&txn, scope, id).await? {
        return Err(repo::business_hours::in_use());
    }
    repo::business_hours::delete(&txn, scope, id).await?;
    let details = json!({ "name": view.name });
    audit::record(
        &txn,
        scope,
        "business_hours.deleted",
        "business_hours",
        id,
        details,
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// When `seconds` business seconds from `from` (default now) have passed in the calendar.
pub async fn due(
    core: &Core,
    scope: &WorkspaceScope,
    id: BusinessHoursId,
    query: DueQuery,
) -> Result<BusinessDueView> {
    scope.require(Capability::ReadWorkspace)?;
    let (from, seconds) = due_input(&query)?;
    let calendar = calendar(core, scope, id).await?;
    let due_at = calendar.add(from, seconds).ok_or_else(|| {
        Error::invalid(
            "seconds",
            "out_of_range",
            "the due time would be past the year 9999",
        )
    })?;
    Ok(BusinessDueView {
        business_hours_id: id,
        from,
        business_seconds: seconds,
        due_at,
    })
}

fn due_input(query: &DueQuery) -> Result<(DateTime<Utc>, i64)> {
    let mut errors = Vec::new();
    let from = match query.from.as_deref() {
        None => Some(Utc::now()),
        Some(text) => DateTime::parse_from_rfc3339(text).ok().map(|t| t.to_utc()),
    };
    if from.is_none() {
        let message = "an instant written RFC 3339, such as 2026-12-07T09:30:00Z";
        errors.push(FieldError::new("from", "invalid_timestamp", message));
    }
    let seconds = query.seconds.as_deref().map(str::parse::<i64>);
    let seconds = match seconds {
        Some(Ok(n)) if (0..=MAX_DUE_SECONDS).contains(&n) => Some(n),
        Some(_) => {
            let message = format!("a whole number from 0 to {MAX_DUE_SECONDS}");
            errors.push(FieldError::new("seconds", "out_of_range", message));
            None
        }
        None => {
            let message = "the business seconds to count";
            errors.push(FieldError::new("seconds", "required", message));
            None
        }
    };
    match (from, seconds) {
        (Some(from), Some(seconds)) => Ok((from, seconds)),
        _ => Err(Error::Validation(errors)),
    }
}
