//! A report's backlog counts a workspace's conversations still waiting (open, pending or
//! snoozed) that were created before the end of the period. Waiting conversations are few
//! beside the settled ones, so a partial index of them alone, ordered by `(workspace_id,
//! created_at)`, lets the backlog read only them: on PostgreSQL carrying the status and the
//! group columns (channel, assignee, team), on SQLite with the status as a last key column.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DatabaseBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

const INDEX: &str = "idx_conversations_backlog";

/// The statuses of a conversation that waits; the reports' backlog query names the same.
const WAITING: &str = "status IN ('open', 'pending', 'snoozed')";

fn create(backend: DatabaseBackend) -> String {
    match backend {
        DatabaseBackend::Postgres => format!(
            "CREATE INDEX IF NOT EXISTS {INDEX} ON conversations (workspace_id, created_at) \
             INCLUDE (status, channel_id, assignee_id, team_id) WHERE {WAITING}"
        ),
        _ => format!(
            "CREATE INDEX IF NOT EXISTS {INDEX} ON conversations \
             (workspace_id, created_at, status) WHERE {WAITING}"
        ),
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let sql = create(manager.get_database_backend());
        manager.get_connection().execute_unprepared(&sql).await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let sql = format!("DROP INDEX IF EXISTS {INDEX}");
        manager.get_connection().execute_unprepared(&sql).await?;
        Ok(())
    }
}
