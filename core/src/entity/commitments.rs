//! The `commitments` table.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "commitments")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub workspace_id: Uuid,
    pub conversation_id: Uuid,
    pub text: String,
    pub due_at: DateTimeUtc,
    pub warning_percent: i16,
    pub warn_at: DateTimeUtc,
    pub wake_at: Option<DateTimeUtc>,
    pub owner_user_id: Option<Uuid>,
    pub owner_team_id: Option<Uuid>,
    /// As `views::CommitmentState`.
    pub state: String,
    pub warned_at: Option<DateTimeUtc>,
    pub breached_at: Option<DateTimeUtc>,
    pub fulfilled_at: Option<DateTimeUtc>,
    pub fulfilled_by: Option<Uuid>,
    pub cancelled_at: Option<DateTimeUtc>,
    pub created_by: Option<Uuid>,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
