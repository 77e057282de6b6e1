//! The inbound-event log: every verified platform delivery, stored as received before it is
//! acknowledged, then processed by the worker (which leases a row while it works on it). A
//! delivery seen twice (by its platform id) is stored once.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone)]
enum Workspaces {
    Table,
    Id,
}

#[derive(DeriveIden, Clone)]
enum Channels {
    Table,
    Id,
}

#[derive(DeriveIden, Clone)]
enum InboundEvents {
    Table,
    Id,
    WorkspaceId,
    ChannelId,
    Kind,
    PlatformEventId,
    Body,
    ReceivedAt,
    Attempts,
    LeasedUntil,
    ProcessedAt,
    LastError,
    Outcome,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(InboundEvents::Table)
                    .col(uuid(InboundEvents::Id).primary_key())
                    .col(uuid(InboundEvents::WorkspaceId))
                    .col(uuid(InboundEvents::ChannelId))
                    .col(string(InboundEvents::Kind))
                    .col(string(InboundEvents::PlatformEventId))
                    .col(text(InboundEvents::Body))
                    .col(timestamp_with_time_zone(InboundEvents::ReceivedAt))
                    .col(integer(InboundEvents::Attempts).default(0))
                    .col(timestamp_with_time_zone_null(InboundEvents::LeasedUntil))
                    .col(timestamp_with_time_zone_null(InboundEvents::ProcessedAt))
                    .col(text_null(InboundEvents::LastError))
                    .col(json_binary_null(InboundEvents::Outcome))
                    .foreign_key(
                        ForeignKey::create()
                            .from(InboundEvents::Table, InboundEvents::WorkspaceId)
                            .to(Workspaces::Table, Workspaces::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(InboundEvents::Table, InboundEvents::ChannelId)
                            .to(Channels::Table, Channels::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_inbound_events_platform_id")
                    .table(InboundEvents::Table)
                    .col(InboundEvents::ChannelId)
                    .col(InboundEvents::PlatformEventId)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_inbound_events_workspace")
                    .table(InboundEvents::Table)
                    .col(InboundEvents::WorkspaceId)
                    .col(InboundEvents::Id)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_inbound_events_unprocessed")
                    .table(InboundEvents::Table)
                    .col(InboundEvents::ProcessedAt)
                    .col(InboundEvents::Id)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(InboundEvents::Table).to_owned())
            .await
    }
}
