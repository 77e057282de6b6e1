//! Workspaces, their members, teams and team members.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Organizations {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Workspaces {
    Table,
    Id,
    OrgId,
    Name,
    AgentVisibility,
    ReopenWindowSecs,
    FollowupDelaySecs,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum WorkspaceMembers {
    Table,
    WorkspaceId,
    UserId,
    Role,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Teams {
    Table,
    Id,
    WorkspaceId,
    Name,
    Description,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum TeamMembers {
    Table,
    WorkspaceId,
    TeamId,
    UserId,
    CreatedAt,
}

fn cascade(
    from: (impl IntoIden, impl IntoIden),
    to: (impl IntoIden, impl IntoIden),
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(from.0, from.1)
        .to(to.0, to.1)
        .on_delete(ForeignKeyAction::Cascade)
        .to_owned()
}

fn workspaces_table() -> TableCreateStatement {
    Table::create()
        .table(Workspaces::Table)
        .col(uuid(Workspaces::Id).primary_key())
        .col(uuid(Workspaces::OrgId))
        .col(string(Workspaces::Name))
        .col(string(Workspaces::AgentVisibility))
        .col(big_integer(Workspaces::ReopenWindowSecs))
        .col(big_integer(Workspaces::FollowupDelaySecs))
        .col(timestamp_with_time_zone(Workspaces::CreatedAt))
        .col(timestamp_with_time_zone(Workspaces::UpdatedAt))
        .foreign_key(&mut cascade(
            (Workspaces::Table, Workspaces::OrgId),
            (Organizations::Table, Organizations::Id),
        ))
        .to_owned()
}

fn workspace_members_table() -> TableCreateStatement {
    Table::create()
        .table(WorkspaceMembers::Table)
        .col(uuid(WorkspaceMembers::WorkspaceId))
        .col(uuid(WorkspaceMembers::UserId))
        .col(string(WorkspaceMembers::Role))
        .col(timestamp_with_time_zone(WorkspaceMembers::CreatedAt))
        .primary_key(
            Index::create()
                .col(WorkspaceMembers::WorkspaceId)
                .col(WorkspaceMembers::UserId),
        )
        .foreign_key(&mut cascade(
            (WorkspaceMembers::Table, WorkspaceMembers::WorkspaceId),
            (Workspaces::Table, Workspaces::Id),
        ))
        .foreign_key(&mut cascade(
            (WorkspaceMembers::Table, WorkspaceMembers::UserId),
            (Users::Table, Users::Id),
        ))
        .to_owned()
}

fn teams_table() -> TableCreateStatement {
    Table::create()
        .table(Teams::Table)
        .col(uuid(Teams::Id).primary_key())
        .col(uuid(Teams::WorkspaceId))
        .col(string(Teams::Name))
        .col(text_null(Teams::Description))
        .col(timestamp_with_time_zone(Teams::CreatedAt))
        .col(timestamp_with_time_zone(Teams::UpdatedAt))
        .foreign_key(&mut cascade(
            (Teams::Table, Teams::WorkspaceId),
            (Workspaces::Table, Workspaces::Id),
        ))
        .to_owned()
}

fn team_members_table() -> TableCreateStatement {
    Table::create()
        .table(TeamMembers::Table)
        .col(uuid(TeamMembers::WorkspaceId))
        .col(uuid(TeamMembers::TeamId))
        .col(uuid(TeamMembers::UserId))
        .col(timestamp_with_time_zone(TeamMembers::CreatedAt))
        .primary_key(
            Index::create()
                .col(TeamMembers::TeamId)
                .col(TeamMembers::UserId),
        )
        .foreign_key(&mut cascade(
            (TeamMembers::Table, TeamMembers::WorkspaceId),
            (Workspaces::Table, Workspaces::Id),
        ))
        .foreign_key(&mut cascade(
            (TeamMembers::Table, TeamMembers::TeamId),
            (Teams::Table, Teams::Id),
        ))
        .foreign_key(&mut cascade(
            (TeamMembers::Table, TeamMembers::UserId),
            (Users::Table, Users::Id),
        ))
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.create_table(workspaces_table()).await?;
        manager.create_table(workspace_members_table()).await?;
        manager.create_table(teams_table()).await?;
        manager.create_table(team_members_table()).await?;
        let indexes = [
            Index::create()
                .name("idx_workspaces_org")
                .table(Workspaces::Table)
                .col(Workspaces::OrgId)
                .col(Workspaces::Id)
                .to_owned(),
            Index::create()
                .name("idx_workspace_members_user")
                .table(WorkspaceMembers::Table)
                .col(WorkspaceMembers::UserId)
                .to_owned(),
            Index::create()
                .name("uq_teams_workspace_name")
                .table(Teams::Table)
                .col(Teams::WorkspaceId)
                .col(Teams::Name)
                .unique()
                .to_owned(),
            Index::create()
                .name("idx_team_members_workspace_user")
                .table(TeamMembers::Table)
                .col(TeamMembers::WorkspaceId)
                .col(TeamMembers::UserId)
                .to_owned(),
        ];
        for index in indexes {
            manager.create_index(index).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            TeamMembers::Table.into_iden(),
            Teams::Table.into_iden(),
            WorkspaceMembers::Table.into_iden(),
            Workspaces::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
