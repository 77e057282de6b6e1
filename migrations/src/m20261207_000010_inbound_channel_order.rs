//! A channel's deliveries apply in the order they were logged: before leasing one, a worker
//! looks for an earlier delivery of the same channel that another worker is applying. Only
//! unprocessed rows with a lease are indexed — a handful in flight, however long the
//! backlog — so the look-up stays cheap in a storm.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const NAME: &str = "idx_inbound_events_in_flight";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // A partial index, written the same on SQLite and PostgreSQL.
        manager
            .get_connection()
            .execute_unprepared(&format!(
                "CREATE INDEX {NAME} ON inbound_events (channel_id, id) \
                 WHERE processed_at IS NULL AND leased_until IS NOT NULL"
            ))
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared(&format!("DROP INDEX {NAME}"))
            .await?;
        Ok(())
    }
}
