//! The `inbound_events` table.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "inbound_events")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub workspace_id: Uuid,
    pub channel_id: Uuid,
    pub kind: String,
    pub platform_event_id: String,
    #[sea_orm(column_type = "Text")]
    pub body: String,
    pub received_at: DateTimeUtc,
    pub attempts: i32,
    pub leased_until: Option<DateTimeUtc>,
    pub processed_at: Option<DateTimeUtc>,
    #[sea_orm(column_type = "Text", nullable)]
    pub last_error: Option<String>,
    #[sea_orm(column_type = "JsonBinary", nullable)]
    pub outcome: Option<Json>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
