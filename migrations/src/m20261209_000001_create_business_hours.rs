//! Business-hours calendars: per workspace, named, each a time zone, weekly shifts per
//! weekday and holidays; SLA policies name one to count their targets in business time.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone)]
enum Workspaces {
    Table,
    Id,
}

#[derive(DeriveIden, Clone)]
enum BusinessHours {
    Table,
    Id,
    WorkspaceId,
    Name,
    Timezone,
    Weekly,
    Holidays,
    CreatedAt,
    UpdatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(BusinessHours::Table)
                    .col(uuid(BusinessHours::Id).primary_key())
                    .col(uuid(BusinessHours::WorkspaceId))
                    .col(string(BusinessHours::Name))
                    .col(string(BusinessHours::Timezone))
                    .col(json_binary(BusinessHours::Weekly))
                    .col(json_binary(BusinessHours::Holidays))
                    .col(timestamp_with_time_zone(BusinessHours::CreatedAt))
                    .col(timestamp_with_time_zone(BusinessHours::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(BusinessHours::Table, BusinessHours::WorkspaceId)
                            .to(Workspaces::Table, Workspaces::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_business_hours_workspace_name")
                    .table(BusinessHours::Table)
                    .col(BusinessHours::WorkspaceId)
                    .col(BusinessHours::Name)
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(BusinessHours::Table).to_owned())
            .await
    }
}
