//! A conversation keeps the time of its first reply (its earliest outbound message; notes
//! are not replies), written when that reply is stored, so that reports read first-response
//! times from the conversations alone instead of searching each one's messages. Filled here
//! from the messages already stored.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Conversations {
    Table,
    FirstReplyAt,
}

/// Each conversation's earliest outbound message; those without one stay `NULL`.
pub const BACKFILL: &str = "UPDATE conversations SET first_reply_at = f.replied_at \
     FROM (SELECT conversation_id, MIN(created_at) AS replied_at FROM messages \
           WHERE direction = 'outbound' GROUP BY conversation_id) AS f \
     WHERE f.conversation_id = conversations.id";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Conversations::Table)
                    .add_column(timestamp_with_time_zone_null(Conversations::FirstReplyAt))
                    .to_owned(),
            )
            .await?;
        manager
            .get_connection()
            .execute_unprepared(BACKFILL)
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Conversations::Table)
                    .drop_column(Conversations::FirstReplyAt)
                    .to_owned(),
            )
            .await
    }
}
