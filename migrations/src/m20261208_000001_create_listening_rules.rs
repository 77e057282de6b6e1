//! Keyword listening: per workspace, rules whose X recent-search query turns matching public
//! posts into conversations, searched with one X channel's credentials on the rule's own
//! interval; what the last search said and how many posts the rule has heard.

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
enum ListeningRules {
    Table,
    Id,
    WorkspaceId,
    ChannelId,
    Name,
    Query,
    Enabled,
    PollEverySecs,
    PostsHeard,
    LastPolledAt,
    LastError,
    CreatedAt,
    UpdatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ListeningRules::Table)
                    .col(uuid(ListeningRules::Id).primary_key())
                    .col(uuid(ListeningRules::WorkspaceId))
                    .col(uuid(ListeningRules::ChannelId))
                    .col(string(ListeningRules::Name))
                    .col(text(ListeningRules::Query))
                    .col(boolean(ListeningRules::Enabled))
                    .col(integer(ListeningRules::PollEverySecs))
                    .col(big_integer(ListeningRules::PostsHeard).default(0))
                    .col(timestamp_with_time_zone_null(ListeningRules::LastPolledAt))
                    .col(text_null(ListeningRules::LastError))
                    .col(timestamp_with_time_zone(ListeningRules::CreatedAt))
                    .col(timestamp_with_time_zone(ListeningRules::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(ListeningRules::Table, ListeningRules::WorkspaceId)
                            .to(Workspaces::Table, Workspaces::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(ListeningRules::Table, ListeningRules::ChannelId)
                            .to(Channels::Table, Channels::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_listening_rules_workspace_name")
                    .table(ListeningRules::Table)
                    .col(ListeningRules::WorkspaceId)
                    .col(ListeningRules::Name)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_listening_rules_channel")
                    .table(ListeningRules::Table)
                    .col(ListeningRules::ChannelId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(ListeningRules::Table).to_owned())
            .await
    }
}
