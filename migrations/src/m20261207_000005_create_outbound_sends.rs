//! Replies waiting to be sent on their platform: one row per outbound message, written with
//! the message, leased by the worker while it calls the platform, due again after a
//! platform's wait, and removed once the platform took the reply or refused it for good.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone)]
enum Workspaces {
    Table,
    Id,
}

#[derive(DeriveIden, Clone)]
enum Messages {
    Table,
    Id,
}

#[derive(DeriveIden, Clone)]
enum OutboundSends {
    Table,
    Id,
    WorkspaceId,
    ChannelId,
    ConversationId,
    Attempts,
    DueAt,
    LeasedUntil,
    LastError,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(OutboundSends::Table)
                    .col(uuid(OutboundSends::Id).primary_key())
                    .col(uuid(OutboundSends::WorkspaceId))
                    .col(uuid(OutboundSends::ChannelId))
                    .col(uuid(OutboundSends::ConversationId))
                    .col(integer(OutboundSends::Attempts).default(0))
                    .col(timestamp_with_time_zone(OutboundSends::DueAt))
                    .col(timestamp_with_time_zone_null(OutboundSends::LeasedUntil))
                    .col(text_null(OutboundSends::LastError))
                    .col(timestamp_with_time_zone(OutboundSends::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(OutboundSends::Table, OutboundSends::Id)
                            .to(Messages::Table, Messages::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(OutboundSends::Table, OutboundSends::WorkspaceId)
                            .to(Workspaces::Table, Workspaces::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_outbound_sends_due")
                    .table(OutboundSends::Table)
                    .col(OutboundSends::DueAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_outbound_sends_conversation")
                    .table(OutboundSends::Table)
                    .col(OutboundSends::ConversationId)
                    .col(OutboundSends::CreatedAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(OutboundSends::Table).to_owned())
            .await
    }
}
