//! Stored idempotent answers remember the workspace their request was addressed to, so that
//! erasing a contact can forget every stored answer of that workspace (an answer may quote
//! the contact's messages). Nullable: organization and account routes have no workspace.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum IdempotencyRecords {
    Table,
    WorkspaceId,
}

const INDEX: &str = "idx_idempotency_records_workspace";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(IdempotencyRecords::Table)
                    .add_column(
                        ColumnDef::new(IdempotencyRecords::WorkspaceId)
                            .uuid()
                            .null(),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name(INDEX)
                    .table(IdempotencyRecords::Table)
                    .col(IdempotencyRecords::WorkspaceId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name(INDEX)
                    .table(IdempotencyRecords::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(IdempotencyRecords::Table)
                    .drop_column(IdempotencyRecords::WorkspaceId)
                    .to_owned(),
            )
            .await
    }
}
