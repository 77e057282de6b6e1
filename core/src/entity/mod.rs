//! sea-orm entities, one file a table; private to core.

pub(crate) mod api_keys;
pub(crate) mod audit_log;
pub(crate) mod business_hours;
pub(crate) mod channels;
pub(crate) mod contact_identities;
pub(crate) mod contacts;
pub(crate) mod conversation_tags;
pub(crate) mod conversations;
pub(crate) mod idempotency_records;
pub(crate) mod inbound_events;
pub(crate) mod listening_rules;
pub(crate) mod messages;
pub(crate) mod notifications;
pub(crate) mod org_members;
pub(crate) mod organizations;
pub(crate) mod outbound_sends;
pub(crate) mod outbox;
pub(crate) mod poll_cursors;
pub(crate) mod refresh_tokens;
pub(crate) mod sessions;
pub(crate) mod sla_policies;
pub(crate) mod team_members;
pub(crate) mod teams;
pub(crate) mod users;
pub(crate) mod workspace_members;
pub(crate) mod workspaces;
