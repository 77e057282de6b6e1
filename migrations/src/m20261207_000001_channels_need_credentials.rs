//! Channels became strict about credentials: a social channel stored without any is not
//! `active` but `needs_credentials` until its kind's required credentials are given. (Those
//! stored sealed are checked when next changed; a migration cannot open them.)

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Channels {
    Table,
    Kind,
    Credentials,
    Health,
    LastError,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let update = Query::update()
            .table(Channels::Table)
            .value(Channels::Health, "needs_credentials")
            .value(Channels::LastError, "missing credentials")
            .and_where(Expr::col(Channels::Kind).ne("api"))
            .and_where(Expr::col(Channels::Credentials).is_null())
            .and_where(Expr::col(Channels::Health).eq("active"))
            .to_owned();
        manager.exec_stmt(update).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let update = Query::update()
            .table(Channels::Table)
            .value(Channels::Health, "active")
            .value(Channels::LastError, Option::<String>::None)
            .and_where(Expr::col(Channels::Health).eq("needs_credentials"))
            .to_owned();
        manager.exec_stmt(update).await
    }
}
