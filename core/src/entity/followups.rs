//! The `followups` table.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "followups")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub workspace_id: Uuid,
    pub conversation_id: Uuid,
    /// As `views::FollowupState`.
    pub state: String,
    pub due_at: DateTimeUtc,
    pub wake_at: Option<DateTimeUtc>,
    pub question_message_id: Option<Uuid>,
    pub sent_at: Option<DateTimeUtc>,
    pub score: Option<i16>,
    pub answer_text: Option<String>,
    pub answered_at: Option<DateTimeUtc>,
    pub first_label: Option<String>,
    pub turned_advocate: bool,
    /// Why it was not sent, when it was not.
    pub note: Option<String>,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
