//! On PostgreSQL, the report indexes also carry every column a report reads of a row, so
//! that a period of a workspace is counted, split and ranked from the index alone, without
//! visiting the table: conversations by `(workspace_id, created_at)` with their status,
//! label, first reply, resolution, channel, assignee and team; messages by `(workspace_id,
//! direction, created_at)` with their channel and conversation. Each replaces the report
//! index of the same first columns (migration `m20261211_000001_report_indexes`). SQLite
//! has no included columns; it keeps those indexes.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DatabaseBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum Conversations {
    Table,
    WorkspaceId,
    CreatedAt,
    Status,
    Label,
    FirstReplyAt,
    ResolvedAt,
    ChannelId,
    AssigneeId,
    TeamId,
}

#[derive(DeriveIden, Clone, Copy)]
enum Messages {
    Table,
    WorkspaceId,
    Direction,
    CreatedAt,
    ChannelId,
    ConversationId,
}

const CONVERSATIONS_INDEX: &str = "idx_conversations_report";
const MESSAGES_INDEX: &str = "idx_messages_report";
/// The indexes these replace.
const OLD_CONVERSATIONS_INDEX: &str = "idx_conversations_created";
const OLD_MESSAGES_INDEX: &str = "idx_messages_direction_created";

fn conversations_index() -> IndexCreateStatement {
    use Conversations as C;
    let mut index = Index::create();
    index
        .name(CONVERSATIONS_INDEX)
        .table(C::Table)
        .col(C::WorkspaceId)
        .col(C::CreatedAt);
    for column in [
        C::Status,
        C::Label,
        C::FirstReplyAt,
        C::ResolvedAt,
        C::ChannelId,
        C::AssigneeId,
        C::TeamId,
    ] {
        index.include(column);
    }
    index.to_owned()
}

fn messages_index() -> IndexCreateStatement {
    use Messages as M;
    Index::create()
        .name(MESSAGES_INDEX)
        .table(M::Table)
        .col(M::WorkspaceId)
        .col(M::Direction)
        .col(M::CreatedAt)
        .include(M::ChannelId)
        .include(M::ConversationId)
        .to_owned()
}

fn drop_index(name: &str, table: impl IntoTableRef) -> IndexDropStatement {
    Index::drop().name(name).table(table).to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != DatabaseBackend::Postgres {
            return Ok(());
        }
        manager.create_index(conversations_index()).await?;
        manager
            .drop_index(drop_index(OLD_CONVERSATIONS_INDEX, Conversations::Table))
            .await?;
        manager.create_index(messages_index()).await?;
        manager
            .drop_index(drop_index(OLD_MESSAGES_INDEX, Messages::Table))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != DatabaseBackend::Postgres {
            return Ok(());
        }
        use Conversations as C;
        use Messages as M;
        manager
            .create_index(
                Index::create()
                    .name(OLD_CONVERSATIONS_INDEX)
                    .table(C::Table)
                    .col(C::WorkspaceId)
                    .col(C::CreatedAt)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_index(drop_index(CONVERSATIONS_INDEX, C::Table))
            .await?;
        manager
            .create_index(
                Index::create()
                    .name(OLD_MESSAGES_INDEX)
                    .table(M::Table)
                    .col(M::WorkspaceId)
                    .col(M::Direction)
                    .col(M::CreatedAt)
                    .col(M::ConversationId)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_index(drop_index(MESSAGES_INDEX, M::Table))
            .await
    }
}
