//! Business-hours calendars as callers see them.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

use crate::ids::BusinessHoursId;
use crate::sla::calendar::WeeklyHours;

/// A business-hours calendar: SLA targets count only the time inside its shifts.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct BusinessHoursView {
    /// Id.
    pub id: BusinessHoursId,
    /// Name, unique in the workspace.
    pub name: String,
    /// IANA time zone the shifts and holidays are written in, such as `Europe/Berlin`.
    pub timezone: String,
    /// Shifts per weekday in local wall-clock time, each day's in order of start.
    pub weekly: WeeklyHours,
    /// Local dates without the shifts that start on them, in order.
    pub holidays: Vec<NaiveDate>,
    /// Business seconds in a week without holidays or clock changes.
    pub business_seconds_per_week: i64,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

/// When a target of some business seconds, started at `from`, falls due.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct BusinessDueView {
    /// The calendar counted in.
    pub business_hours_id: BusinessHoursId,
    /// Where the count starts (the next whole second).
    pub from: DateTime<Utc>,
    /// Business seconds counted.
    pub business_seconds: i64,
    /// The instant they have passed; with `0`, the first business instant from `from`.
    pub due_at: DateTime<Utc>,
}
