//! Database migrations, applied on start (when configured) and by `earshot migrate`.
//!
//! Each file is one landed step and is never edited once landed. Files declare their own
//! identifiers and never import core entities.

pub use sea_orm_migration::prelude::*;

mod m20261123_000001_create_identity;
mod m20261123_000002_create_workspaces;
mod m20261123_000003_create_credentials;
mod m20261123_000004_create_audit_and_idempotency;
mod m20261124_000001_create_channels_and_contacts;
mod m20261124_000002_create_conversations;
mod m20261124_000003_create_events_and_notifications;
mod m20261124_000004_create_search;
mod m20261125_000001_index_snooze_wake;
mod m20261125_000002_idempotency_workspace;
mod m20261126_000001_tag_activity_key;
mod m20261207_000001_channels_need_credentials;
mod m20261207_000002_contact_search_ids;
mod m20261207_000003_create_inbound_events;
mod m20261207_000004_message_edits;
mod m20261207_000005_create_outbound_sends;
mod m20261207_000006_create_poll_cursors;
mod m20261207_000010_inbound_channel_order;
mod m20261208_000001_create_listening_rules;
mod m20261209_000001_create_business_hours;
mod m20261209_000002_create_sla_policies;
mod m20261210_000001_create_sla_clocks;
mod m20261210_000002_create_commitments;
mod m20261210_000003_create_followups;
mod m20261211_000001_report_indexes;
mod m20261212_000001_conversation_first_reply;
mod m20261212_000002_report_covering_indexes;
mod m20261213_000001_report_backlog_index;

/// The statement that fills `conversations.first_reply_at` from the messages stored (bulk
/// loads that write messages directly run it too).
pub use m20261212_000001_conversation_first_reply::BACKFILL as FIRST_REPLY_BACKFILL;

/// The ordered list of every migration.
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261123_000001_create_identity::Migration),
            Box::new(m20261123_000002_create_workspaces::Migration),
            Box::new(m20261123_000003_create_credentials::Migration),
            Box::new(m20261123_000004_create_audit_and_idempotency::Migration),
            Box::new(m20261124_000001_create_channels_and_contacts::Migration),
            Box::new(m20261124_000002_create_conversations::Migration),
            Box::new(m20261124_000003_create_events_and_notifications::Migration),
            Box::new(m20261124_000004_create_search::Migration),
            Box::new(m20261125_000001_index_snooze_wake::Migration),
            Box::new(m20261125_000002_idempotency_workspace::Migration),
            Box::new(m20261126_000001_tag_activity_key::Migration),
            Box::new(m20261207_000001_channels_need_credentials::Migration),
            Box::new(m20261207_000002_contact_search_ids::Migration),
            Box::new(m20261207_000003_create_inbound_events::Migration),
            Box::new(m20261207_000004_message_edits::Migration),
            Box::new(m20261207_000005_create_outbound_sends::Migration),
            Box::new(m20261207_000006_create_poll_cursors::Migration),
            Box::new(m20261207_000010_inbound_channel_order::Migration),
            Box::new(m20261208_000001_create_listening_rules::Migration),
            Box::new(m20261209_000001_create_business_hours::Migration),
            Box::new(m20261209_000002_create_sla_policies::Migration),
            Box::new(m20261210_000001_create_sla_clocks::Migration),
            Box::new(m20261210_000002_create_commitments::Migration),
            Box::new(m20261210_000003_create_followups::Migration),
            Box::new(m20261211_000001_report_indexes::Migration),
            Box::new(m20261212_000001_conversation_first_reply::Migration),
            Box::new(m20261212_000002_report_covering_indexes::Migration),
            Box::new(m20261213_000001_report_backlog_index::Migration),
        ]
    }
}
