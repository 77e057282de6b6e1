//! Checks an SLA policy as a caller wrote it, every problem at once, and writes it the one
//! way it is stored: trimmed name, lists sorted without repeats.

use sea_orm::ConnectionTrait;

use crate::error::FieldError;
use crate::ids::BusinessHoursId;
use crate::repo;
use crate::repo::sla_policies::PolicyFields;
use crate::sla::policy::{BreachActions, Conditions, Targets};
use crate::tenancy::WorkspaceScope;
use crate::{Error, Result};

use super::conversations::clean_tag;

/// Longest name.
pub const MAX_NAME_LEN: usize = 100;
/// Longest target: a year of seconds.
pub const MAX_TARGET_SECONDS: i64 = 365 * 86_400;
/// Highest position.
pub const MAX_POSITION: i64 = 1_000_000;
/// Most values in one condition's list.
pub const MAX_CONDITION_VALUES: usize = 50;

/// A policy as written, defaults filled in, not yet checked.
pub(crate) struct Draft {
    pub name: String,
    pub enabled: bool,
    pub position: i64,
    pub targets: Targets,
    pub warning_percent: i64,
    pub business_hours_id: Option<BusinessHoursId>,
    pub conditions: Conditions,
    pub breach_actions: BreachActions,
}

/// The draft, checked; the calendar and team it names must be the workspace's.
pub(crate) async fn checked(
    conn: &impl ConnectionTrait,
    scope: &WorkspaceScope,
    draft: Draft,
) -> Result<PolicyFields> {
    let mut errors = Vec::new();
    let name = draft.name.trim().to_owned();
    if name.is_empty() || name.chars().count() > MAX_NAME_LEN || name.chars().any(char::is_control)
    {
        let message = format!("a name has 1 to {MAX_NAME_LEN} printable characters");
        errors.push(FieldError::new("name", "invalid_name", message));
    }
    let position = i32::try_from(draft.position)
        .ok()
        .filter(|p| (0..=MAX_POSITION).contains(&i64::from(*p)));
    if position.is_none() {
        let message = format!("a position is a whole number from 0 to {MAX_POSITION}");
        errors.push(FieldError::new("position", "out_of_range", message));
    }
    check_targets(&draft.targets, &mut errors);
    let warning_percent = i16::try_from(draft.warning_percent)
        .ok()
        .filter(|p| (1..=99).contains(p));
    if warning_percent.is_none() {
        let message = "a warning threshold is a percentage from 1 to 99";
        errors.push(FieldError::new("warning_percent", "out_of_range", message));
    }
    if let Some(hours) = draft.business_hours_id
        && repo::business_hours::get(conn, scope, hours).await.is_err()
    {
        let message = "no such business-hours calendar in this workspace";
        errors.push(FieldError::new(
            "business_hours_id",
            "unknown_business_hours",
            message,
        ));
    }
    let conditions = clean_conditions(draft.conditions, &mut errors)?;
    let breach_actions = clean_actions(conn, scope, draft.breach_actions, &mut errors).await?;
    match (position, warning_percent) {
        (Some(position), Some(warning_percent)) if errors.is_empty() => Ok(PolicyFields {
            name,
            enabled: draft.enabled,
            position,
            targets: draft.targets,
            warning_percent,
            business_hours_id: draft.business_hours_id,
            conditions,
            breach_actions,
        }),
        _ => Err(Error::Validation(errors)),
    }
}

fn check_targets(targets: &Targets, errors: &mut Vec<FieldError>) {
    let each = [
        (
            "targets.first_response_seconds",
            targets.first_response_seconds,
        ),
        (
            "targets.next_response_seconds",
            targets.next_response_seconds,
        ),
        ("targets.resolution_seconds", targets.resolution_seconds),
    ];
    for (field, seconds) in each {
        if seconds.is_some_and(|s| !(1..=MAX_TARGET_SECONDS).contains(&s)) {
            let message = format!("a target is 1 to {MAX_TARGET_SECONDS} seconds");
            errors.push(FieldError::new(field, "out_of_range", message));
        }
    }
    if each.iter().all(|(_, seconds)| seconds.is_none()) {
        let message = "set at least one of first_response_seconds, next_response_seconds and resolution_seconds";
        errors.push(FieldError::new("targets", "no_targets", message));
    }
}

/// Refuses a list longer than the bound, then sorts it and drops repeats.
fn bounded<T: Ord>(field: &str, mut values: Vec<T>, errors: &mut Vec<FieldError>) -> Vec<T> {
    if values.len() > MAX_CONDITION_VALUES {
        let message = format!("at most {MAX_CONDITION_VALUES} values");
        errors.push(FieldError::new(field, "too_many", message));
    }
    values.sort();
    values.dedup();
    values
}

fn clean_conditions(conditions: Conditions, errors: &mut Vec<FieldError>) -> Result<Conditions> {
    let mut tags = Vec::new();
    for (i, tag) in conditions.tags.iter().enumerate() {
        match clean_tag(&format!("conditions.tags[{i}]"), tag) {
            Ok(tag) => tags.push(tag),
            Err(Error::Validation(found)) => errors.extend(found),
            Err(other) => return Err(other),
        }
    }
    let min_influence = conditions.min_influence;
    if min_influence.is_some_and(|m| !(0.0..=1.0).contains(&m)) {
        let message = "an influence score is from 0 to 1";
        errors.push(FieldError::new(
            "conditions.min_influence",
            "out_of_range",
            message,
        ));
    }
    Ok(Conditions {
        channel_kinds: bounded("conditions.channel_kinds", conditions.channel_kinds, errors),
        priorities: bounded("conditions.priorities", conditions.priorities, errors),
        tags: bounded("conditions.tags", tags, errors),
        visibility: bounded("conditions.visibility", conditions.visibility, errors),
        labels: bounded("conditions.labels", conditions.labels, errors),
        min_influence,
    })
}

async fn clean_actions(
    conn: &impl ConnectionTrait,
    scope: &WorkspaceScope,
    actions: BreachActions,
    errors: &mut Vec<FieldError>,
) -> Result<BreachActions> {
    if let Some(team) = actions.assign_team_id {
        match repo::teams::get(conn, scope, team).await {
            Ok(_) => {}
            Err(Error::NotFound) => {
                let message = "no such team in this workspace";
                errors.push(FieldError::new(
                    "breach_actions.assign_team_id",
                    "unknown_team",
                    message,
                ));
            }
            Err(other) => return Err(other),
        }
    }
    let add_tag = match actions.add_tag.as_deref() {
        None => None,
        Some(tag) => match clean_tag("breach_actions.add_tag", tag) {
            Ok(tag) => Some(tag),
            Err(Error::Validation(found)) => {
                errors.extend(found);
                None
            }
            Err(other) => return Err(other),
        },
    };
    Ok(BreachActions { add_tag, ..actions })
}
