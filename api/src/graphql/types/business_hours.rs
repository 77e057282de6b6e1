//! Business-hours calendars in GraphQL: the object, its inputs, the `Workspace` fields and
//! the mutations, each making the call its REST route makes.

use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, NaiveDate, Utc};
use earshot_core::ids::BusinessHoursId;
use earshot_core::service::business_hours::{self, BusinessHoursPatch, NewBusinessHours};
use earshot_core::sla::calendar::{HoursInterval as CoreInterval, WeeklyHours as CoreWeek};
use earshot_core::tenancy::WorkspaceScope;
use earshot_core::views::BusinessHoursView;

use super::{PageOf, id};
use crate::graphql::context::{GqlResult, core, enter_workspace, page, parse_id};
use crate::graphql::gql;

/// One shift in local wall-clock time; an `end` at or before `start` runs overnight.
#[derive(SimpleObject)]
pub struct HoursInterval {
    /// `HH:MM`.
    pub start: String,
    /// `HH:MM` or `24:00`.
    pub end: String,
}

/// Shifts per weekday.
#[derive(SimpleObject)]
pub struct WeeklyHours {
    /// Monday's shifts.
    pub monday: Vec<HoursInterval>,
    /// Tuesday's shifts.
    pub tuesday: Vec<HoursInterval>,
    /// Wednesday's shifts.
    pub wednesday: Vec<HoursInterval>,
    /// Thursday's shifts.
    pub thursday: Vec<HoursInterval>,
    /// Friday's shifts.
    pub friday: Vec<HoursInterval>,
    /// Saturday's shifts.
    pub saturday: Vec<HoursInterval>,
    /// Sunday's shifts (an overnight one runs into Monday).
    pub sunday: Vec<HoursInterval>,
}

/// A business-hours calendar: SLA targets count only the time inside its shifts.
#[derive(SimpleObject)]
pub struct BusinessHours {
    /// Id.
    pub id: ID,
    /// Name, unique in the workspace.
    pub name: String,
    /// IANA time zone.
    pub timezone: String,
    /// Shifts per weekday, in local wall-clock time.
    pub weekly: WeeklyHours,
    /// Local dates without the shifts that start on them.
    pub holidays: Vec<NaiveDate>,
    /// Business seconds in a week without holidays or clock changes.
    pub business_seconds_per_week: i64,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

fn intervals(day: Vec<CoreInterval>) -> Vec<HoursInterval> {
    day.into_iter()
        .map(|i| HoursInterval {
            start: i.start,
            end: i.end,
        })
        .collect()
}

impl From<BusinessHoursView> for BusinessHours {
    fn from(v: BusinessHoursView) -> Self {
        let w = v.weekly;
        Self {
            id: id(v.id),
            name: v.name,
            timezone: v.timezone,
            weekly: WeeklyHours {
                monday: intervals(w.monday),
                tuesday: intervals(w.tuesday),
                wednesday: intervals(w.wednesday),
                thursday: intervals(w.thursday),
                friday: intervals(w.friday),
                saturday: intervals(w.saturday),
                sunday: intervals(w.sunday),
            },
            holidays: v.holidays,
            business_seconds_per_week: v.business_seconds_per_week,
            created_at: v.created_at,
            updated_at: v.updated_at,
        }
    }
}

/// One shift: `HH:MM` to `HH:MM` (or `24:00`); an end at or before the start runs
/// overnight.
#[derive(InputObject)]
pub struct HoursIntervalInput {
    start: String,
    end: String,
}

/// Shifts per weekday; a day left out has none.
#[derive(InputObject)]
pub struct WeeklyHoursInput {
    monday: Option<Vec<HoursIntervalInput>>,
    tuesday: Option<Vec<HoursIntervalInput>>,
    wednesday: Option<Vec<HoursIntervalInput>>,
    thursday: Option<Vec<HoursIntervalInput>>,
    friday: Option<Vec<HoursIntervalInput>>,
    saturday: Option<Vec<HoursIntervalInput>>,
    sunday: Option<Vec<HoursIntervalInput>>,
}

impl WeeklyHoursInput {
    fn into_core(self) -> CoreWeek {
        let day = |d: Option<Vec<HoursIntervalInput>>| {
            d.unwrap_or_default()
                .into_iter()
                .map(|i| CoreInterval {
                    start: i.start,
                    end: i.end,
                })
                .collect()
        };
        CoreWeek {
            monday: day(self.monday),
            tuesday: day(self.tuesday),
            wednesday: day(self.wednesday),
            thursday: day(self.thursday),
            friday: day(self.friday),
            saturday: day(self.saturday),
            sunday: day(self.sunday),
        }
    }
}

/// A new business-hours calendar.
#[derive(InputObject)]
pub struct CreateBusinessHoursInput {
    /// 1 to 100 characters, unique in the workspace.
    name: String,
    /// IANA time zone, such as `Europe/Berlin`.
    timezone: String,
    /// Shifts per weekday; at least one in the week, none overlapping.
    weekly: WeeklyHoursInput,
    /// Local dates `YYYY-MM-DD`.
    holidays: Option<Vec<String>>,
}

/// Calendar fields to change; absent fields stay, a week or holiday list given replaces
/// the whole of it.
#[derive(InputObject, Default)]
pub struct UpdateBusinessHoursInput {
    name: Option<String>,
    timezone: Option<String>,
    weekly: Option<WeeklyHoursInput>,
    holidays: Option<Vec<String>>,
}

/// `Workspace.businessHours`.
pub(crate) async fn list(
    ctx: &Context<'_>,
    scope: &WorkspaceScope,
    limit: Option<u64>,
    cursor: Option<String>,
) -> GqlResult<PageOf<BusinessHours>> {
    let page = page(ctx, limit, cursor)?;
    let result = business_hours::list(core(ctx)?, scope, page)
        .await
        .map_err(gql)?;
    Ok(PageOf::from_page(result, BusinessHours::from))
}

/// `Workspace.businessHoursCalendar`.
pub(crate) async fn one(
    ctx: &Context<'_>,
    scope: &WorkspaceScope,
    hours: &ID,
) -> GqlResult<BusinessHours> {
    let hours: BusinessHoursId = parse_id(hours)?;
    Ok(business_hours::get(core(ctx)?, scope, hours)
        .await
        .map_err(gql)?
        .into())
}

/// Business-hours calendars' changes.
#[derive(Default)]
pub struct BusinessHoursMutation;

#[Object]
impl BusinessHoursMutation {
    /// Creates a business-hours calendar (as `POST …/business-hours`).
    async fn create_business_hours(
        &self,
        ctx: &Context<'_>,
        workspace_id: ID,
        input: CreateBusinessHoursInput,
    ) -> GqlResult<BusinessHours> {
        let scope = enter_workspace(ctx, &workspace_id).await?;
        let input = NewBusinessHours {
            name: input.name,
            timezone: input.timezone,
            weekly: input.weekly.into_core(),
            holidays: input.holidays.unwrap_or_default(),
        };
        Ok(business_hours::create(core(ctx)?, &scope, input)
            .await
            .map_err(gql)?
            .into())
    }

    /// Changes a business-hours calendar; a week or holiday list given replaces the whole of it.
    async fn update_business_hours(
        &self,
        ctx: &Context<'_>,
        workspace_id: ID,
        business_hours_id: ID,
        input: UpdateBusinessHoursInput,
    ) -> GqlResult<BusinessHours> {
        let scope = enter_workspace(ctx, &workspace_id).await?;
        let hours: BusinessHoursId = parse_id(&business_hours_id)?;
        let patch = BusinessHoursPatch {
            name: input.name,
            timezone: input.timezone,
            weekly: input.weekly.map(WeeklyHoursInput::into_core),
            holidays: input.holidays,
        };
        Ok(business_hours::update(core(ctx)?, &scope, hours, patch)
            .await
            .map_err(gql)?
            .into())
    }

    /// Deletes a business-hours calendar.
    async fn delete_business_hours(
        &self,
        ctx: &Context<'_>,
        workspace_id: ID,
        business_hours_id: ID,
    ) -> GqlResult<bool> {
        let scope = enter_workspace(ctx, &workspace_id).await?;
        let hours: BusinessHoursId = parse_id(&business_hours_id)?;
        business_hours::delete(core(ctx)?, &scope, hours)
            .await
            .map_err(gql)?;
        Ok(true)
    }
}
