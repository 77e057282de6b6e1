//! Where polling a channel's platform stands: per channel and source (X mentions), the
//! cursor of the newest post stored, when the next poll is due, and the lease of the worker
//! polling it.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone)]
enum Channels {
    Table,
    Id,
}

#[derive(DeriveIden, Clone)]
enum PollCursors {
    Table,
    Id,
    WorkspaceId,
    ChannelId,
    Source,
    SinceId,
    DueAt,
    LeasedUntil,
    PolledAt,
    LastError,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(PollCursors::Table)
                    .col(uuid(PollCursors::Id).primary_key())
                    .col(uuid(PollCursors::WorkspaceId))
                    .col(uuid(PollCursors::ChannelId))
                    .col(string(PollCursors::Source))
                    .col(string_null(PollCursors::SinceId))
                    .col(timestamp_with_time_zone(PollCursors::DueAt))
                    .col(timestamp_with_time_zone_null(PollCursors::LeasedUntil))
                    .col(timestamp_with_time_zone_null(PollCursors::PolledAt))
                    .col(text_null(PollCursors::LastError))
                    .foreign_key(
                        ForeignKey::create()
                            .from(PollCursors::Table, PollCursors::ChannelId)
                            .to(Channels::Table, Channels::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_poll_cursors_channel_source")
                    .table(PollCursors::Table)
                    .col(PollCursors::ChannelId)
                    .col(PollCursors::Source)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_poll_cursors_due")
                    .table(PollCursors::Table)
                    .col(PollCursors::DueAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(PollCursors::Table).to_owned())
            .await
    }
}
