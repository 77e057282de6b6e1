//! Commitments: what an agent told a customer the company would do, by when, and who owns
//! it — kept like an SLA clock (a warning, a breach, each fired once at the version read).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone)]
enum Conversations {
    Table,
    Id,
}

#[derive(DeriveIden, Clone)]
enum Commitments {
    Table,
    Id,
    WorkspaceId,
    ConversationId,
    Text,
    DueAt,
    WarningPercent,
    WarnAt,
    WakeAt,
    OwnerUserId,
    OwnerTeamId,
    State,
    WarnedAt,
    BreachedAt,
    FulfilledAt,
    FulfilledBy,
    CancelledAt,
    CreatedBy,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Commitments::Table)
                    .col(uuid(Commitments::Id).primary_key())
                    .col(uuid(Commitments::WorkspaceId))
                    .col(uuid(Commitments::ConversationId))
                    .col(text(Commitments::Text))
                    .col(timestamp_with_time_zone(Commitments::DueAt))
                    .col(small_integer(Commitments::WarningPercent))
                    .col(timestamp_with_time_zone(Commitments::WarnAt))
                    .col(timestamp_with_time_zone_null(Commitments::WakeAt))
                    .col(uuid_null(Commitments::OwnerUserId))
                    .col(uuid_null(Commitments::OwnerTeamId))
                    .col(string_len(Commitments::State, 10))
                    .col(timestamp_with_time_zone_null(Commitments::WarnedAt))
                    .col(timestamp_with_time_zone_null(Commitments::BreachedAt))
                    .col(timestamp_with_time_zone_null(Commitments::FulfilledAt))
                    .col(uuid_null(Commitments::FulfilledBy))
                    .col(timestamp_with_time_zone_null(Commitments::CancelledAt))
                    .col(uuid_null(Commitments::CreatedBy))
                    .col(integer(Commitments::Version))
                    .col(timestamp_with_time_zone(Commitments::CreatedAt))
                    .col(timestamp_with_time_zone(Commitments::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Commitments::Table, Commitments::ConversationId)
                            .to(Conversations::Table, Conversations::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        let indexes = [
            (
                "idx_commitments_conversation",
                vec![Commitments::ConversationId, Commitments::State],
            ),
            ("idx_commitments_wake", vec![Commitments::WakeAt]),
            (
                "idx_commitments_workspace_due",
                vec![Commitments::WorkspaceId, Commitments::DueAt],
            ),
        ];
        for (name, columns) in indexes {
            let mut index = Index::create();
            index.name(name).table(Commitments::Table);
            for column in columns {
                index.col(column);
            }
            manager.create_index(index.to_owned()).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Commitments::Table).to_owned())
            .await
    }
}
