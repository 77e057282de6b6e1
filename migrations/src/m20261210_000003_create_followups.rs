//! Follow-ups: after a conversation is resolved, the workspace's follow-up delay later, a
//! satisfaction question goes to the customer on the same channel; the answer (1–5) is
//! stored on the follow-up and on the conversation.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone)]
enum Conversations {
    Table,
    Id,
    CsatScore,
}

#[derive(DeriveIden, Clone)]
enum Followups {
    Table,
    Id,
    WorkspaceId,
    ConversationId,
    State,
    DueAt,
    WakeAt,
    QuestionMessageId,
    SentAt,
    Score,
    AnswerText,
    AnsweredAt,
    FirstLabel,
    TurnedAdvocate,
    Note,
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
                    .table(Followups::Table)
                    .col(uuid(Followups::Id).primary_key())
                    .col(uuid(Followups::WorkspaceId))
                    .col(uuid(Followups::ConversationId))
                    .col(string_len(Followups::State, 12))
                    .col(timestamp_with_time_zone(Followups::DueAt))
                    .col(timestamp_with_time_zone_null(Followups::WakeAt))
                    .col(uuid_null(Followups::QuestionMessageId))
                    .col(timestamp_with_time_zone_null(Followups::SentAt))
                    .col(small_integer_null(Followups::Score))
                    .col(text_null(Followups::AnswerText))
                    .col(timestamp_with_time_zone_null(Followups::AnsweredAt))
                    .col(string_len_null(Followups::FirstLabel, 12))
                    .col(boolean(Followups::TurnedAdvocate))
                    .col(text_null(Followups::Note))
                    .col(integer(Followups::Version))
                    .col(timestamp_with_time_zone(Followups::CreatedAt))
                    .col(timestamp_with_time_zone(Followups::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Followups::Table, Followups::ConversationId)
                            .to(Conversations::Table, Conversations::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        let indexes = [
            (
                "idx_followups_conversation",
                vec![Followups::ConversationId, Followups::State],
            ),
            ("idx_followups_wake", vec![Followups::WakeAt]),
            (
                "idx_followups_workspace_answered",
                vec![Followups::WorkspaceId, Followups::AnsweredAt],
            ),
        ];
        for (name, columns) in indexes {
            let mut index = Index::create();
            index.name(name).table(Followups::Table);
            for column in columns {
                index.col(column);
            }
            manager.create_index(index.to_owned()).await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table(Conversations::Table)
                    .add_column(small_integer_null(Conversations::CsatScore))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Conversations::Table)
                    .drop_column(Conversations::CsatScore)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_table(Table::drop().table(Followups::Table).to_owned())
            .await
    }
}
