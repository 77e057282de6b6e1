//! The audit log and the stored answers of idempotent POSTs.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Workspaces {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum AuditLog {
    Table,
    Id,
    WorkspaceId,
    ActorKind,
    ActorId,
    Action,
    TargetKind,
    TargetId,
    Ip,
    RequestId,
    Details,
    CreatedAt,
}

#[derive(DeriveIden)]
enum IdempotencyRecords {
    Table,
    Id,
    Fingerprint,
    RequestHash,
    StatusCode,
    ContentType,
    ResponseBody,
    CreatedAt,
    ExpiresAt,
}

fn audit_log_table() -> TableCreateStatement {
    Table::create()
        .table(AuditLog::Table)
        .col(uuid(AuditLog::Id).primary_key())
        .col(uuid(AuditLog::WorkspaceId))
        .col(string(AuditLog::ActorKind))
        .col(uuid_null(AuditLog::ActorId))
        .col(string(AuditLog::Action))
        .col(string(AuditLog::TargetKind))
        .col(string_null(AuditLog::TargetId))
        .col(string_null(AuditLog::Ip))
        .col(string_null(AuditLog::RequestId))
        .col(json_binary_null(AuditLog::Details))
        .col(timestamp_with_time_zone(AuditLog::CreatedAt))
        .foreign_key(
            ForeignKey::create()
                .from(AuditLog::Table, AuditLog::WorkspaceId)
                .to(Workspaces::Table, Workspaces::Id)
                .on_delete(ForeignKeyAction::Cascade),
        )
        .to_owned()
}

fn idempotency_table() -> TableCreateStatement {
    Table::create()
        .table(IdempotencyRecords::Table)
        .col(uuid(IdempotencyRecords::Id).primary_key())
        .col(string_uniq(IdempotencyRecords::Fingerprint))
        .col(string(IdempotencyRecords::RequestHash))
        .col(integer_null(IdempotencyRecords::StatusCode))
        .col(string_null(IdempotencyRecords::ContentType))
        .col(text_null(IdempotencyRecords::ResponseBody))
        .col(timestamp_with_time_zone(IdempotencyRecords::CreatedAt))
        .col(timestamp_with_time_zone(IdempotencyRecords::ExpiresAt))
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.create_table(audit_log_table()).await?;
        manager.create_table(idempotency_table()).await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_audit_log_workspace")
                    .table(AuditLog::Table)
                    .col(AuditLog::WorkspaceId)
                    .col(AuditLog::Id)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_idempotency_expires")
                    .table(IdempotencyRecords::Table)
                    .col(IdempotencyRecords::ExpiresAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            IdempotencyRecords::Table.into_iden(),
            AuditLog::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
