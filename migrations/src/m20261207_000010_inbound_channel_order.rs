//! A channel's deliveries apply in the order they were logged: a worker looks up whether an
//! earlier delivery of the same channel is still to be processed, by this index.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum InboundEvents {
    Table,
    Id,
    ChannelId,
    ProcessedAt,
}

const NAME: &str = "idx_inbound_events_channel_order";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_index(
                Index::create()
                    .name(NAME)
                    .table(InboundEvents::Table)
                    .col(InboundEvents::ChannelId)
                    .col(InboundEvents::ProcessedAt)
                    .col(InboundEvents::Id)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name(NAME)
                    .table(InboundEvents::Table)
                    .to_owned(),
            )
            .await
    }
}
