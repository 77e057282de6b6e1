//! Reports count a workspace's conversations by when they were created and its messages by
//! direction and when they were written, over a period of up to a year. These indexes let
//! each count read only that period of that workspace, however large the workspace grows:
//! conversations by `(workspace_id, created_at)`; messages by `(workspace_id, direction,
//! created_at)`, with the conversation so that a conversation's first reply is found in
//! the index alone; SLA clocks by `(workspace_id, kind, started_at)` with how each ended,
//! so that they are counted in the index alone. That last one replaces the index of the
//! same first columns (`idx_sla_clocks_workspace_kind`).

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Conversations {
    Table,
    WorkspaceId,
    CreatedAt,
}

#[derive(DeriveIden)]
enum SlaClocks {
    Table,
    WorkspaceId,
    Kind,
    StartedAt,
    Outcome,
    BreachedAt,
}

#[derive(DeriveIden)]
enum Messages {
    Table,
    WorkspaceId,
    Direction,
    CreatedAt,
    ConversationId,
}

const CONVERSATIONS_INDEX: &str = "idx_conversations_created";
const MESSAGES_INDEX: &str = "idx_messages_direction_created";
const CLOCKS_INDEX: &str = "idx_sla_clocks_report";
/// The index `CLOCKS_INDEX` replaces: the new one starts with its columns.
const OLD_CLOCKS_INDEX: &str = "idx_sla_clocks_workspace_kind";

fn clocks_index(name: &str, columns: Vec<SlaClocks>) -> IndexCreateStatement {
    let mut index = Index::create();
    index.name(name).table(SlaClocks::Table);
    for column in columns {
        index.col(column);
    }
    index.to_owned()
}

fn drop_clocks_index(name: &str) -> IndexDropStatement {
    Index::drop().name(name).table(SlaClocks::Table).to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_index(
                Index::create()
                    .name(CONVERSATIONS_INDEX)
                    .table(Conversations::Table)
                    .col(Conversations::WorkspaceId)
                    .col(Conversations::CreatedAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name(MESSAGES_INDEX)
                    .table(Messages::Table)
                    .col(Messages::WorkspaceId)
                    .col(Messages::Direction)
                    .col(Messages::CreatedAt)
                    .col(Messages::ConversationId)
                    .to_owned(),
            )
            .await?;
        use SlaClocks as S;
        let columns = vec![
            S::WorkspaceId,
            S::Kind,
            S::StartedAt,
            S::Outcome,
            S::BreachedAt,
        ];
        manager
            .create_index(clocks_index(CLOCKS_INDEX, columns))
            .await?;
        manager
            .drop_index(drop_clocks_index(OLD_CLOCKS_INDEX))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use SlaClocks as S;
        let columns = vec![S::WorkspaceId, S::Kind, S::StartedAt];
        manager
            .create_index(clocks_index(OLD_CLOCKS_INDEX, columns))
            .await?;
        manager.drop_index(drop_clocks_index(CLOCKS_INDEX)).await?;
        manager
            .drop_index(
                Index::drop()
                    .name(MESSAGES_INDEX)
                    .table(Messages::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_index(
                Index::drop()
                    .name(CONVERSATIONS_INDEX)
                    .table(Conversations::Table)
                    .to_owned(),
            )
            .await
    }
}
