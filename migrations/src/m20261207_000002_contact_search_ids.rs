//! Contacts are found by their platform user ids and `email` attribute as well as their
//! names and handles: their search text gains those words. (New and changed contacts get
//! them from the service; this brings the stored ones up to date.)

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DatabaseBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

const POSTGRES: &str = "UPDATE contacts SET search_text = trim(concat_ws(' ', search_text, \
    (SELECT string_agg(i.platform_user_id, ' ') FROM contact_identities i WHERE i.contact_id = contacts.id), \
    attributes->>'email')) WHERE erased_at IS NULL";

const SQLITE: &str = "UPDATE contacts SET search_text = trim(search_text || ' ' || \
    coalesce((SELECT group_concat(i.platform_user_id, ' ') FROM contact_identities i WHERE i.contact_id = contacts.id), '') \
    || ' ' || coalesce(json_extract(attributes, '$.email'), '')) WHERE erased_at IS NULL";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let sql = match manager.get_database_backend() {
            DatabaseBackend::Postgres => POSTGRES,
            _ => SQLITE,
        };
        manager.get_connection().execute_unprepared(sql).await?;
        Ok(())
    }

    async fn down(&self, _manager: &SchemaManager) -> Result<(), DbErr> {
        // The extra words do no harm; the service keeps writing them.
        Ok(())
    }
}
