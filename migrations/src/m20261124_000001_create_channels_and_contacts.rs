//! Channels, contacts and their platform identities.

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
    WorkspaceId,
    Kind,
    Name,
    Credentials,
    Settings,
    Health,
    LastError,
    HealthChangedAt,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden, Clone)]
enum Contacts {
    Table,
    Id,
    WorkspaceId,
    DisplayName,
    SearchText,
    Attributes,
    ErasedAt,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden, Clone)]
enum ContactIdentities {
    Table,
    Id,
    WorkspaceId,
    ContactId,
    ChannelKind,
    PlatformUserId,
    Handle,
    DisplayName,
    AvatarUrl,
    FollowerCount,
    Verified,
    CreatedAt,
    UpdatedAt,
}

fn to_workspace(table: impl IntoIden + Clone) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from_tbl(table)
        .from_col(Alias::new("workspace_id"))
        .to(Workspaces::Table, Workspaces::Id)
        .on_delete(ForeignKeyAction::Cascade)
        .to_owned()
}

fn channels_table() -> TableCreateStatement {
    Table::create()
        .table(Channels::Table)
        .col(uuid(Channels::Id).primary_key())
        .col(uuid(Channels::WorkspaceId))
        .col(string(Channels::Kind))
        .col(string(Channels::Name))
        .col(text_null(Channels::Credentials))
        .col(json_binary(Channels::Settings))
        .col(string(Channels::Health))
        .col(text_null(Channels::LastError))
        .col(timestamp_with_time_zone_null(Channels::HealthChangedAt))
        .col(timestamp_with_time_zone(Channels::CreatedAt))
        .col(timestamp_with_time_zone(Channels::UpdatedAt))
        .foreign_key(&mut to_workspace(Channels::Table))
        .to_owned()
}

fn contacts_table() -> TableCreateStatement {
    Table::create()
        .table(Contacts::Table)
        .col(uuid(Contacts::Id).primary_key())
        .col(uuid(Contacts::WorkspaceId))
        .col(string_null(Contacts::DisplayName))
        .col(text(Contacts::SearchText))
        .col(json_binary(Contacts::Attributes))
        .col(timestamp_with_time_zone_null(Contacts::ErasedAt))
        .col(timestamp_with_time_zone(Contacts::CreatedAt))
        .col(timestamp_with_time_zone(Contacts::UpdatedAt))
        .foreign_key(&mut to_workspace(Contacts::Table))
        .to_owned()
}

fn identities_table() -> TableCreateStatement {
    Table::create()
        .table(ContactIdentities::Table)
        .col(uuid(ContactIdentities::Id).primary_key())
        .col(uuid(ContactIdentities::WorkspaceId))
        .col(uuid(ContactIdentities::ContactId))
        .col(string(ContactIdentities::ChannelKind))
        .col(string(ContactIdentities::PlatformUserId))
        .col(string_null(ContactIdentities::Handle))
        .col(string_null(ContactIdentities::DisplayName))
        .col(text_null(ContactIdentities::AvatarUrl))
        .col(big_integer_null(ContactIdentities::FollowerCount))
        .col(boolean(ContactIdentities::Verified))
        .col(timestamp_with_time_zone(ContactIdentities::CreatedAt))
        .col(timestamp_with_time_zone(ContactIdentities::UpdatedAt))
        .foreign_key(&mut to_workspace(ContactIdentities::Table))
        .foreign_key(
            ForeignKey::create()
                .from(ContactIdentities::Table, ContactIdentities::ContactId)
                .to(Contacts::Table, Contacts::Id)
                .on_delete(ForeignKeyAction::Cascade),
        )
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.create_table(channels_table()).await?;
        manager.create_table(contacts_table()).await?;
        manager.create_table(identities_table()).await?;
        let indexes = [
            Index::create()
                .name("idx_channels_workspace")
                .table(Channels::Table)
                .col(Channels::WorkspaceId)
                .col(Channels::Id)
                .to_owned(),
            Index::create()
                .name("idx_contacts_workspace")
                .table(Contacts::Table)
                .col(Contacts::WorkspaceId)
                .col(Contacts::Id)
                .to_owned(),
            Index::create()
                .name("uq_identities_platform_user")
                .table(ContactIdentities::Table)
                .col(ContactIdentities::WorkspaceId)
                .col(ContactIdentities::ChannelKind)
                .col(ContactIdentities::PlatformUserId)
                .unique()
                .to_owned(),
            Index::create()
                .name("idx_identities_contact")
                .table(ContactIdentities::Table)
                .col(ContactIdentities::WorkspaceId)
                .col(ContactIdentities::ContactId)
                .to_owned(),
        ];
        for index in indexes {
            manager.create_index(index).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            ContactIdentities::Table.into_iden(),
            Contacts::Table.into_iden(),
            Channels::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
