//! A tag carries its conversation's last-activity key, so that the inbox filtered by a tag
//! reads the tag's own index in activity order and stops after one page, however rare the
//! tag, instead of walking the whole inbox until enough tagged conversations turn up.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone)]
enum ConversationTags {
    Table,
    WorkspaceId,
    Tag,
    ConversationId,
    LastActivityKey,
}

const ACTIVITY_INDEX: &str = "idx_conversation_tags_activity";
/// The index this one replaces: the new one starts with the same columns.
const TAG_INDEX: &str = "idx_conversation_tags_tag";

const BACKFILL: &str = "UPDATE conversation_tags SET last_activity_key = \
     (SELECT c.last_activity_key FROM conversations c \
      WHERE c.id = conversation_tags.conversation_id)";

fn tag_index(name: &str, columns: &[ConversationTags]) -> IndexCreateStatement {
    let mut index = Index::create();
    index.name(name).table(ConversationTags::Table);
    for column in columns {
        index.col(column.clone());
    }
    index.to_owned()
}

fn drop_index(name: &str) -> IndexDropStatement {
    Index::drop()
        .name(name)
        .table(ConversationTags::Table)
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use ConversationTags as T;
        manager
            .alter_table(
                Table::alter()
                    .table(T::Table)
                    .add_column(
                        ColumnDef::new(T::LastActivityKey)
                            .big_integer()
                            .not_null()
                            .default(0),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .get_connection()
            .execute_unprepared(BACKFILL)
            .await?;
        let columns = [
            T::WorkspaceId,
            T::Tag,
            T::LastActivityKey,
            T::ConversationId,
        ];
        manager
            .create_index(tag_index(ACTIVITY_INDEX, &columns))
            .await?;
        manager.drop_index(drop_index(TAG_INDEX)).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use ConversationTags as T;
        let columns = [T::WorkspaceId, T::Tag, T::ConversationId];
        manager.create_index(tag_index(TAG_INDEX, &columns)).await?;
        manager.drop_index(drop_index(ACTIVITY_INDEX)).await?;
        manager
            .alter_table(
                Table::alter()
                    .table(T::Table)
                    .drop_column(T::LastActivityKey)
                    .to_owned(),
            )
            .await
    }
}
