//! The `messages` table.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "messages")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub workspace_id: Uuid,
    pub conversation_id: Uuid,
    pub channel_id: Uuid,
    pub direction: String,
    pub visibility: Option<String>,
    pub author_kind: String,
    pub author_user_id: Option<Uuid>,
    pub author_key_id: Option<Uuid>,
    pub contact_id: Option<Uuid>,
    #[sea_orm(column_type = "Text")]
    pub text: String,
    pub platform_message_id: Option<String>,
    pub reply_to_platform_id: Option<String>,
    #[sea_orm(column_type = "JsonBinary")]
    pub attachments: Json,
    #[sea_orm(column_type = "JsonBinary")]
    pub mentions: Json,
    pub delivery_status: Option<String>,
    pub delivery_error: Option<String>,
    #[sea_orm(column_type = "Double", nullable)]
    pub sentiment: Option<f64>,
    pub sent_at: DateTimeUtc,
    pub created_at: DateTimeUtc,
    pub edited_at: Option<DateTimeUtc>,
    pub deleted_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
