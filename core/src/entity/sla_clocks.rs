//! The `sla_clocks` table.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "sla_clocks")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub workspace_id: Uuid,
    pub conversation_id: Uuid,
    /// As `sla::clock::ClockKind`.
    pub kind: String,
    pub policy_id: Option<Uuid>,
    pub target_seconds: i64,
    pub warning_percent: i16,
    pub business_hours_id: Option<Uuid>,
    /// As `sla::clock::ClockState`.
    pub state: String,
    pub started_at: DateTimeUtc,
    pub resumed_at: Option<DateTimeUtc>,
    pub remaining_seconds: i64,
    pub due_at: Option<DateTimeUtc>,
    pub warn_at: Option<DateTimeUtc>,
    pub wake_at: Option<DateTimeUtc>,
    pub warned_at: Option<DateTimeUtc>,
    pub breached_at: Option<DateTimeUtc>,
    pub stopped_at: Option<DateTimeUtc>,
    /// As `sla::clock::Outcome`.
    pub outcome: Option<String>,
    pub version: i32,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
