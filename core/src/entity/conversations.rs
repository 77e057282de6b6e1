//! The `conversations` table.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "conversations")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub workspace_id: Uuid,
    pub channel_id: Uuid,
    pub contact_id: Uuid,
    pub visibility: String,
    pub status: String,
    pub snoozed_until: Option<DateTimeUtc>,
    pub priority: i16,
    pub priority_auto: bool,
    pub assignee_id: Option<Uuid>,
    pub team_id: Option<Uuid>,
    pub label: String,
    #[sea_orm(column_type = "Double", nullable)]
    pub sentiment: Option<f64>,
    #[sea_orm(column_type = "Double", nullable)]
    pub influence: Option<f64>,
    pub thread_key: Option<String>,
    pub message_count: i32,
    pub last_activity_at: DateTimeUtc,
    pub last_activity_key: i64,
    pub last_inbound_at: Option<DateTimeUtc>,
    pub resolved_at: Option<DateTimeUtc>,
    pub sla_due_at: Option<DateTimeUtc>,
    pub sla_due_key: i64,
    pub sla_warn_at: Option<DateTimeUtc>,
    pub csat_score: Option<i16>,
    /// When its first reply (outbound message) was stored; `None` until then.
    pub first_reply_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(has_many = "super::conversation_tags::Entity")]
    Tags,
}

impl Related<super::conversation_tags::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Tags.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
