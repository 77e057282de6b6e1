//! Conversations, their tags, and messages.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone)]
enum Workspaces {
    Table,
    Id,
}

#[derive(DeriveIden, Clone)]
enum Channels {
    Table,
    Id,
}

#[derive(DeriveIden, Clone)]
enum Contacts {
    Table,
    Id,
}

#[derive(DeriveIden, Clone)]
enum Users {
    Table,
    Id,
}

#[derive(DeriveIden, Clone)]
enum Teams {
    Table,
    Id,
}

#[derive(DeriveIden, Clone)]
enum Conversations {
    Table,
    Id,
    WorkspaceId,
    ChannelId,
    ContactId,
    Visibility,
    Status,
    SnoozedUntil,
    Priority,
    PriorityAuto,
    AssigneeId,
    TeamId,
    Label,
    Sentiment,
    Influence,
    ThreadKey,
    MessageCount,
    LastActivityAt,
    LastActivityKey,
    LastInboundAt,
    ResolvedAt,
    SlaDueAt,
    SlaDueKey,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden, Clone)]
enum ConversationTags {
    Table,
    WorkspaceId,
    ConversationId,
    Tag,
    CreatedAt,
}

#[derive(DeriveIden, Clone)]
enum Messages {
    Table,
    Id,
    WorkspaceId,
    ConversationId,
    ChannelId,
    Direction,
    Visibility,
    AuthorKind,
    AuthorUserId,
    AuthorKeyId,
    ContactId,
    Text,
    PlatformMessageId,
    ReplyToPlatformId,
    Attachments,
    Mentions,
    DeliveryStatus,
    DeliveryError,
    Sentiment,
    SentAt,
    CreatedAt,
}

fn fk(
    from: (impl IntoIden, impl IntoIden),
    to: (impl IntoIden, impl IntoIden),
    action: ForeignKeyAction,
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(from.0, from.1)
        .to(to.0, to.1)
        .on_delete(action)
        .to_owned()
}

fn conversations_table() -> TableCreateStatement {
    use Conversations as C;
    Table::create()
        .table(C::Table)
        .col(uuid(C::Id).primary_key())
        .col(uuid(C::WorkspaceId))
        .col(uuid(C::ChannelId))
        .col(uuid(C::ContactId))
        .col(string(C::Visibility))
        .col(string(C::Status))
        .col(timestamp_with_time_zone_null(C::SnoozedUntil))
        .col(small_integer(C::Priority))
        .col(boolean(C::PriorityAuto))
        .col(uuid_null(C::AssigneeId))
        .col(uuid_null(C::TeamId))
        .col(string(C::Label))
        .col(double_null(C::Sentiment))
        .col(double_null(C::Influence))
        .col(string_null(C::ThreadKey))
        .col(integer(C::MessageCount))
        .col(timestamp_with_time_zone(C::LastActivityAt))
        .col(big_integer(C::LastActivityKey))
        .col(timestamp_with_time_zone_null(C::LastInboundAt))
        .col(timestamp_with_time_zone_null(C::ResolvedAt))
        .col(timestamp_with_time_zone_null(C::SlaDueAt))
        .col(big_integer(C::SlaDueKey))
        .col(timestamp_with_time_zone(C::CreatedAt))
        .col(timestamp_with_time_zone(C::UpdatedAt))
        .foreign_key(&mut fk(
            (C::Table, C::WorkspaceId),
            (Workspaces::Table, Workspaces::Id),
            ForeignKeyAction::Cascade,
        ))
        .foreign_key(&mut fk(
            (C::Table, C::ChannelId),
            (Channels::Table, Channels::Id),
            ForeignKeyAction::Cascade,
        ))
        .foreign_key(&mut fk(
            (C::Table, C::ContactId),
            (Contacts::Table, Contacts::Id),
            ForeignKeyAction::Cascade,
        ))
        .foreign_key(&mut fk(
            (C::Table, C::AssigneeId),
            (Users::Table, Users::Id),
            ForeignKeyAction::SetNull,
        ))
        .foreign_key(&mut fk(
            (C::Table, C::TeamId),
            (Teams::Table, Teams::Id),
            ForeignKeyAction::SetNull,
        ))
        .to_owned()
}

fn tags_table() -> TableCreateStatement {
    use ConversationTags as T;
    Table::create()
        .table(T::Table)
        .col(uuid(T::WorkspaceId))
        .col(uuid(T::ConversationId))
        .col(string(T::Tag))
        .col(timestamp_with_time_zone(T::CreatedAt))
        .primary_key(Index::create().col(T::ConversationId).col(T::Tag))
        .foreign_key(&mut fk(
            (T::Table, T::WorkspaceId),
            (Workspaces::Table, Workspaces::Id),
            ForeignKeyAction::Cascade,
        ))
        .foreign_key(&mut fk(
            (T::Table, T::ConversationId),
            (Conversations::Table, Conversations::Id),
            ForeignKeyAction::Cascade,
        ))
        .to_owned()
}

fn messages_table() -> TableCreateStatement {
    use Messages as M;
    Table::create()
        .table(M::Table)
        .col(uuid(M::Id).primary_key())
        .col(uuid(M::WorkspaceId))
        .col(uuid(M::ConversationId))
        .col(uuid(M::ChannelId))
        .col(string(M::Direction))
        .col(string_null(M::Visibility))
        .col(string(M::AuthorKind))
        .col(uuid_null(M::AuthorUserId))
        .col(uuid_null(M::AuthorKeyId))
        .col(uuid_null(M::ContactId))
        .col(text(M::Text))
        .col(string_null(M::PlatformMessageId))
        .col(string_null(M::ReplyToPlatformId))
        .col(json_binary(M::Attachments))
        .col(json_binary(M::Mentions))
        .col(string_null(M::DeliveryStatus))
        .col(text_null(M::DeliveryError))
        .col(double_null(M::Sentiment))
        .col(timestamp_with_time_zone(M::SentAt))
        .col(timestamp_with_time_zone(M::CreatedAt))
        .foreign_key(&mut fk(
            (M::Table, M::WorkspaceId),
            (Workspaces::Table, Workspaces::Id),
            ForeignKeyAction::Cascade,
        ))
        .foreign_key(&mut fk(
            (M::Table, M::ConversationId),
            (Conversations::Table, Conversations::Id),
            ForeignKeyAction::Cascade,
        ))
        .foreign_key(&mut fk(
            (M::Table, M::ChannelId),
            (Channels::Table, Channels::Id),
            ForeignKeyAction::Cascade,
        ))
        .to_owned()
}

fn index(name: &str, table: impl IntoIden + Clone, cols: &[&str]) -> IndexCreateStatement {
    let mut index = Index::create();
    index.name(name).table(table);
    for col in cols {
        index.col(Alias::new(*col));
    }
    index.to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.create_table(conversations_table()).await?;
        manager.create_table(tags_table()).await?;
        manager.create_table(messages_table()).await?;
        use Conversations as C;
        let indexes = [
            index(
                "idx_conversations_activity",
                C::Table,
                &["workspace_id", "last_activity_key", "id"],
            ),
            index(
                "idx_conversations_status",
                C::Table,
                &["workspace_id", "status", "last_activity_key"],
            ),
            index(
                "idx_conversations_assignee",
                C::Table,
                &["workspace_id", "assignee_id", "last_activity_key"],
            ),
            index(
                "idx_conversations_team",
                C::Table,
                &["workspace_id", "team_id", "last_activity_key"],
            ),
            index(
                "idx_conversations_priority",
                C::Table,
                &["workspace_id", "priority", "last_activity_key"],
            ),
            index(
                "idx_conversations_sla",
                C::Table,
                &["workspace_id", "sla_due_key", "id"],
            ),
            index(
                "idx_conversations_thread",
                C::Table,
                &["workspace_id", "channel_id", "thread_key"],
            ),
            index(
                "idx_conversations_contact",
                C::Table,
                &["workspace_id", "contact_id", "channel_id"],
            ),
            index(
                "idx_conversation_tags_tag",
                ConversationTags::Table,
                &["workspace_id", "tag", "conversation_id"],
            ),
            index(
                "idx_messages_conversation",
                Messages::Table,
                &["workspace_id", "conversation_id", "id"],
            ),
        ];
        for index in indexes {
            manager.create_index(index).await?;
        }
        let mut unique = index(
            "uq_messages_platform_id",
            Messages::Table,
            &["channel_id", "platform_message_id"],
        );
        manager.create_index(unique.unique().to_owned()).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            Messages::Table.into_iden(),
            ConversationTags::Table.into_iden(),
            Conversations::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
