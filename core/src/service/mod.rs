//! The API of core: one function a use case, shared by REST, GraphQL and the worker.

pub mod access;
pub mod api_keys;
pub mod audit;
pub mod auth;
pub mod bootstrap;
pub mod business_hours;
pub mod channel_check;
pub mod channels;
pub mod commitments;
pub mod contacts;
mod conversation_views;
pub mod conversations;
mod demo;
pub mod demo_channels;
pub mod followups;
pub mod hooks;
pub mod idempotency;
pub mod inbound;
pub mod inbound_events;
pub mod inbox;
pub mod ingest;
pub mod listening;
pub mod me;
pub mod members;
pub mod messages;
pub mod notifications;
pub mod orgs;
pub mod outbound;
pub(crate) mod pace;
pub mod polling;
pub mod reports;
pub mod sla_clocks;
pub mod sla_policies;
mod sla_policy_checks;
pub(crate) mod targets;
pub mod teams;
pub mod wake_sweep;
pub mod wake_ups;
pub mod workspaces;

/// Trims a required name and checks its length.
pub(crate) fn required_name(field: &str, value: &str, max: usize) -> crate::Result<String> {
    let trimmed = value.trim();
    if trimmed.is_empty() {
        return Err(crate::Error::invalid(
            field,
            "required",
            format!("{field} must not be empty"),
        ));
    }
    if trimmed.chars().count() > max {
        return Err(crate::Error::invalid(
            field,
            "too_long",
            format!("{field} must have at most {max} characters"),
        ));
    }
    Ok(trimmed.to_owned())
}
