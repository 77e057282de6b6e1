//! What a report is asked for: a period of at most [`MAX_DAYS`] days and an optional
//! grouping, every problem with them named at once.

use chrono::{DateTime, TimeDelta, Utc};
use serde::Deserialize;

use crate::error::FieldError;
use crate::views::ReportGroupBy;
use crate::{Error, Result};

/// The longest period a report covers, in days.
pub const MAX_DAYS: i64 = 366;

/// The query string of `GET …/reports/summary`.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ReportParams {
    /// Start of the period, included: an instant written RFC 3339, such as
    /// `2026-12-01T00:00:00Z`.
    #[param(value_type = String, format = DateTime)]
    pub from: Option<String>,
    /// End of the period, excluded: RFC 3339, after `from` and at most 366 days later.
    #[param(value_type = String, format = DateTime)]
    pub to: Option<String>,
    /// Split the figures by `day` (UTC), `channel`, `agent` (assignee) or `team`.
    #[param(value_type = Option<ReportGroupBy>)]
    pub group_by: Option<String>,
}

/// A checked report query.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReportQuery {
    /// Start of the period, included.
    pub from: DateTime<Utc>,
    /// End of the period, excluded.
    pub to: DateTime<Utc>,
    /// How to split the figures.
    pub group_by: Option<ReportGroupBy>,
}

impl ReportQuery {
    /// The query, when `to` is after `from` and at most [`MAX_DAYS`] days later.
    pub fn new(
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        group_by: Option<ReportGroupBy>,
    ) -> Result<Self> {
        match period_error(from, to) {
            Some(error) => Err(Error::Validation(vec![error])),
            None => Ok(Self { from, to, group_by }),
        }
    }
}

fn period_error(from: DateTime<Utc>, to: DateTime<Utc>) -> Option<FieldError> {
    if to <= from {
        let message = "the end of the period must come after its start";
        return Some(FieldError::new("to", "not_after_from", message));
    }
    (to - from > TimeDelta::days(MAX_DAYS)).then(|| {
        let message = format!("a report covers at most {MAX_DAYS} days");
        FieldError::new("to", "period_too_long", message)
    })
}

fn instant(field: &str, text: Option<&str>, errors: &mut Vec<FieldError>) -> Option<DateTime<Utc>> {
    let Some(text) = text else {
        errors.push(FieldError::new(
            field,
            "required",
            format!("{field} is required"),
        ));
        return None;
    };
    let parsed = DateTime::parse_from_rfc3339(text.trim()).ok();
    if parsed.is_none() {
        let message = "an instant written RFC 3339, such as 2026-12-01T00:00:00Z";
        errors.push(FieldError::new(field, "invalid_timestamp", message));
    }
    parsed.map(|t| t.to_utc())
}

fn grouping(text: Option<&str>, errors: &mut Vec<FieldError>) -> Option<ReportGroupBy> {
    let text = text?.trim();
    let found = ReportGroupBy::ALL.into_iter().find(|g| g.as_str() == text);
    if found.is_none() {
        let shown: String = text.chars().take(64).collect();
        let message = format!("group_by is day, channel, agent or team, not {shown}");
        errors.push(FieldError::new("group_by", "unknown_group_by", message));
    }
    found
}

impl ReportParams {
    /// The checked query; every field's problem at once (`422`).
    pub fn parse(&self) -> Result<ReportQuery> {
        let mut errors = Vec::new();
        let from = instant("from", self.from.as_deref(), &mut errors);
        let to = instant("to", self.to.as_deref(), &mut errors);
        let group_by = grouping(self.group_by.as_deref(), &mut errors);
        if let (Some(from), Some(to)) = (from, to) {
            errors.extend(period_error(from, to));
        }
        match (from, to, errors.is_empty()) {
            (Some(from), Some(to), true) => Ok(ReportQuery { from, to, group_by }),
            _ => Err(Error::Validation(errors)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codes(params: ReportParams) -> Vec<(String, &'static str)> {
        match params.parse() {
            Err(Error::Validation(errors)) => {
                errors.into_iter().map(|e| (e.field, e.code)).collect()
            }
            other => vec![(
                "unexpected".into(),
                if other.is_ok() { "ok" } else { "other" },
            )],
        }
    }

    fn params(from: &str, to: &str, group_by: Option<&str>) -> ReportParams {
        ReportParams {
            from: Some(from.into()),
            to: Some(to.into()),
            group_by: group_by.map(String::from),
        }
    }

    #[test]
    fn a_period_of_up_to_366_days_with_a_known_grouping_is_accepted() {
        let query = params("2025-01-01T00:00:00Z", "2026-01-02T00:00:00Z", Some("team"))
            .parse()
            .ok();
        assert_eq!(query.and_then(|q| q.group_by), Some(ReportGroupBy::Team));
        let offset = params("2026-12-01T01:00:00+01:00", "2026-12-02T00:00:00Z", None).parse();
        assert!(offset.is_ok_and(|q| q.from.to_rfc3339() == "2026-12-01T00:00:00+00:00"));
    }

    #[test]
    fn every_problem_is_named_by_field_and_code() {
        let none = ReportParams::default();
        assert_eq!(
            codes(none),
            vec![("from".into(), "required"), ("to".into(), "required")]
        );
        let bad = params("yesterday", "2026-12-01T00:00:00Z", Some("week"));
        assert_eq!(
            codes(bad),
            vec![
                ("from".into(), "invalid_timestamp"),
                ("group_by".into(), "unknown_group_by")
            ]
        );
        let backwards = params("2026-12-02T00:00:00Z", "2026-12-01T00:00:00Z", None);
        assert_eq!(codes(backwards), vec![("to".into(), "not_after_from")]);
        let long = params("2025-01-01T00:00:00Z", "2026-01-02T00:00:01Z", None);
        assert_eq!(codes(long), vec![("to".into(), "period_too_long")]);
    }
}
