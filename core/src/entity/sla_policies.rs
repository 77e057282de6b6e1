//! The `sla_policies` table.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "sla_policies")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub workspace_id: Uuid,
    pub name: String,
    pub enabled: bool,
    pub position: i32,
    /// As `sla::policy::Targets`.
    #[sea_orm(column_type = "JsonBinary")]
    pub targets: Json,
    pub warning_percent: i16,
    pub business_hours_id: Option<Uuid>,
    /// As `sla::policy::Conditions`.
    #[sea_orm(column_type = "JsonBinary")]
    pub conditions: Json,
    /// As `sla::policy::BreachActions`.
    #[sea_orm(column_type = "JsonBinary")]
    pub breach_actions: Json,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
