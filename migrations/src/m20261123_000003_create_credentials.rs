//! API keys, login sessions and their rotating refresh tokens.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Workspaces {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum ApiKeys {
    Table,
    Id,
    WorkspaceId,
    Name,
    Prefix,
    KeyHash,
    Scopes,
    ExpiresAt,
    LastUsedAt,
    RevokedAt,
    CreatedBy,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Sessions {
    Table,
    Id,
    UserId,
    Ip,
    UserAgent,
    CreatedAt,
    ExpiresAt,
    RevokedAt,
}

#[derive(DeriveIden)]
enum RefreshTokens {
    Table,
    Id,
    SessionId,
    TokenHash,
    CreatedAt,
    ExpiresAt,
    UsedAt,
}

fn api_keys_table() -> TableCreateStatement {
    Table::create()
        .table(ApiKeys::Table)
        .col(uuid(ApiKeys::Id).primary_key())
        .col(uuid(ApiKeys::WorkspaceId))
        .col(string(ApiKeys::Name))
        .col(string(ApiKeys::Prefix))
        .col(string_uniq(ApiKeys::KeyHash))
        .col(text(ApiKeys::Scopes))
        .col(timestamp_with_time_zone_null(ApiKeys::ExpiresAt))
        .col(timestamp_with_time_zone_null(ApiKeys::LastUsedAt))
        .col(timestamp_with_time_zone_null(ApiKeys::RevokedAt))
        .col(uuid_null(ApiKeys::CreatedBy))
        .col(timestamp_with_time_zone(ApiKeys::CreatedAt))
        .foreign_key(
            ForeignKey::create()
                .from(ApiKeys::Table, ApiKeys::WorkspaceId)
                .to(Workspaces::Table, Workspaces::Id)
                .on_delete(ForeignKeyAction::Cascade),
        )
        .to_owned()
}

fn sessions_table() -> TableCreateStatement {
    Table::create()
        .table(Sessions::Table)
        .col(uuid(Sessions::Id).primary_key())
        .col(uuid(Sessions::UserId))
        .col(string_null(Sessions::Ip))
        .col(string_null(Sessions::UserAgent))
        .col(timestamp_with_time_zone(Sessions::CreatedAt))
        .col(timestamp_with_time_zone(Sessions::ExpiresAt))
        .col(timestamp_with_time_zone_null(Sessions::RevokedAt))
        .foreign_key(
            ForeignKey::create()
                .from(Sessions::Table, Sessions::UserId)
                .to(Users::Table, Users::Id)
                .on_delete(ForeignKeyAction::Cascade),
        )
        .to_owned()
}

fn refresh_tokens_table() -> TableCreateStatement {
    Table::create()
        .table(RefreshTokens::Table)
        .col(uuid(RefreshTokens::Id).primary_key())
        .col(uuid(RefreshTokens::SessionId))
        .col(string_uniq(RefreshTokens::TokenHash))
        .col(timestamp_with_time_zone(RefreshTokens::CreatedAt))
        .col(timestamp_with_time_zone(RefreshTokens::ExpiresAt))
        .col(timestamp_with_time_zone_null(RefreshTokens::UsedAt))
        .foreign_key(
            ForeignKey::create()
                .from(RefreshTokens::Table, RefreshTokens::SessionId)
                .to(Sessions::Table, Sessions::Id)
                .on_delete(ForeignKeyAction::Cascade),
        )
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.create_table(api_keys_table()).await?;
        manager.create_table(sessions_table()).await?;
        manager.create_table(refresh_tokens_table()).await?;
        let indexes = [
            Index::create()
                .name("idx_api_keys_workspace")
                .table(ApiKeys::Table)
                .col(ApiKeys::WorkspaceId)
                .col(ApiKeys::Id)
                .to_owned(),
            Index::create()
                .name("idx_sessions_user")
                .table(Sessions::Table)
                .col(Sessions::UserId)
                .to_owned(),
            Index::create()
                .name("idx_refresh_tokens_session")
                .table(RefreshTokens::Table)
                .col(RefreshTokens::SessionId)
                .to_owned(),
        ];
        for index in indexes {
            manager.create_index(index).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            RefreshTokens::Table.into_iden(),
            Sessions::Table.into_iden(),
            ApiKeys::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
