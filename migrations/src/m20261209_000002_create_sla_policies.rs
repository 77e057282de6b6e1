//! SLA policies: per workspace, named and ordered, each targets for the three clocks, a
//! warning threshold, an optional business-hours calendar, the conversations it applies to
//! and what a breach does.

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
}

#[derive(DeriveIden, Clone)]
enum SlaPolicies {
    Table,
    Id,
    WorkspaceId,
    Name,
    Enabled,
    Position,
    Targets,
    WarningPercent,
    BusinessHoursId,
    Conditions,
    BreachActions,
    CreatedAt,
    UpdatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(SlaPolicies::Table)
                    .col(uuid(SlaPolicies::Id).primary_key())
                    .col(uuid(SlaPolicies::WorkspaceId))
                    .col(string(SlaPolicies::Name))
                    .col(boolean(SlaPolicies::Enabled))
                    .col(integer(SlaPolicies::Position))
                    .col(json_binary(SlaPolicies::Targets))
                    .col(small_integer(SlaPolicies::WarningPercent))
                    .col(uuid_null(SlaPolicies::BusinessHoursId))
                    .col(json_binary(SlaPolicies::Conditions))
                    .col(json_binary(SlaPolicies::BreachActions))
                    .col(timestamp_with_time_zone(SlaPolicies::CreatedAt))
                    .col(timestamp_with_time_zone(SlaPolicies::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(SlaPolicies::Table, SlaPolicies::WorkspaceId)
                            .to(Workspaces::Table, Workspaces::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    // The service checks the calendar is the workspace's and refuses to
                    // delete one in use; the key holds that against concurrent changes.
                    .foreign_key(
                        ForeignKey::create()
                            .from(SlaPolicies::Table, SlaPolicies::BusinessHoursId)
                            .to(BusinessHours::Table, BusinessHours::Id)
                            .on_delete(ForeignKeyAction::NoAction),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_sla_policies_workspace_name")
                    .table(SlaPolicies::Table)
                    .col(SlaPolicies::WorkspaceId)
                    .col(SlaPolicies::Name)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_sla_policies_workspace_hours")
                    .table(SlaPolicies::Table)
                    .col(SlaPolicies::WorkspaceId)
                    .col(SlaPolicies::BusinessHoursId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(SlaPolicies::Table).to_owned())
            .await
    }
}
