//! The `business_hours` table.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "business_hours")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub workspace_id: Uuid,
    pub name: String,
    pub timezone: String,
    /// Shifts per weekday, as `WeeklyHours`.
    #[sea_orm(column_type = "JsonBinary")]
    pub weekly: Json,
    /// Local dates, `YYYY-MM-DD`, in order.
    #[sea_orm(column_type = "JsonBinary")]
    pub holidays: Json,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
