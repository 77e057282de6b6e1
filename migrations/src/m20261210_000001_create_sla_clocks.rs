//! SLA clocks: one row per clock a conversation runs (`first_response`, `next_response`,
//! `resolution`), with the targets copied from the policy it started under, the business
//! seconds left, its deadlines and what has fired. The conversation keeps its earliest
//! running deadline and warning time for the inbox's filter and sort.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone)]
enum Conversations {
    Table,
    Id,
    SlaWarnAt,
}

#[derive(DeriveIden, Clone)]
enum SlaClocks {
    Table,
    Id,
    WorkspaceId,
    ConversationId,
    Kind,
    PolicyId,
    TargetSeconds,
    WarningPercent,
    BusinessHoursId,
    State,
    StartedAt,
    ResumedAt,
    RemainingSeconds,
    DueAt,
    WarnAt,
    WakeAt,
    WarnedAt,
    BreachedAt,
    StoppedAt,
    Outcome,
    Version,
    UpdatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(SlaClocks::Table)
                    .col(uuid(SlaClocks::Id).primary_key())
                    .col(uuid(SlaClocks::WorkspaceId))
                    .col(uuid(SlaClocks::ConversationId))
                    .col(string_len(SlaClocks::Kind, 20))
                    .col(uuid_null(SlaClocks::PolicyId))
                    .col(big_integer(SlaClocks::TargetSeconds))
                    .col(small_integer(SlaClocks::WarningPercent))
                    .col(uuid_null(SlaClocks::BusinessHoursId))
                    .col(string_len(SlaClocks::State, 10))
                    .col(timestamp_with_time_zone(SlaClocks::StartedAt))
                    .col(timestamp_with_time_zone_null(SlaClocks::ResumedAt))
                    .col(big_integer(SlaClocks::RemainingSeconds))
                    .col(timestamp_with_time_zone_null(SlaClocks::DueAt))
                    .col(timestamp_with_time_zone_null(SlaClocks::WarnAt))
                    .col(timestamp_with_time_zone_null(SlaClocks::WakeAt))
                    .col(timestamp_with_time_zone_null(SlaClocks::WarnedAt))
                    .col(timestamp_with_time_zone_null(SlaClocks::BreachedAt))
                    .col(timestamp_with_time_zone_null(SlaClocks::StoppedAt))
                    .col(string_len_null(SlaClocks::Outcome, 10))
                    .col(integer(SlaClocks::Version))
                    .col(timestamp_with_time_zone(SlaClocks::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(SlaClocks::Table, SlaClocks::ConversationId)
                            .to(Conversations::Table, Conversations::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        let indexes = [
            (
                "idx_sla_clocks_conversation",
                vec![SlaClocks::ConversationId, SlaClocks::State],
            ),
            // The worker's fallback and re-index read what is due, earliest first.
            ("idx_sla_clocks_wake", vec![SlaClocks::WakeAt]),
            // Reports read a workspace's clocks by kind over a period.
            (
                "idx_sla_clocks_workspace_kind",
                vec![
                    SlaClocks::WorkspaceId,
                    SlaClocks::Kind,
                    SlaClocks::StartedAt,
                ],
            ),
        ];
        for (name, columns) in indexes {
            let mut index = Index::create();
            index.name(name).table(SlaClocks::Table);
            for column in columns {
                index.col(column);
            }
            manager.create_index(index.to_owned()).await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table(Conversations::Table)
                    .add_column(timestamp_with_time_zone_null(Conversations::SlaWarnAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Conversations::Table)
                    .drop_column(Conversations::SlaWarnAt)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_table(Table::drop().table(SlaClocks::Table).to_owned())
            .await
    }
}
