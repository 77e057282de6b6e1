//! Conversations: found by thread or contact for threading, listed for the inbox with the
//! caller's visibility applied in the query itself.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Condition, Expr, ExprTrait, IntoCondition, JoinType, LockType, Query};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, RelationDef, RelationTrait, Set,
};
use uuid::Uuid;

use crate::entity::{contact_identities, contacts, conversation_tags, conversations, team_members};
use crate::ids::{ChannelId, ContactId, ConversationId, TeamId, UserId};
use crate::tenancy::{ConversationAccess, WorkspaceScope};
use crate::views::{Label, Priority, Status, Visibility};
use crate::{Error, Result};

use super::scoped::scoped;

use conversations::Column as C;

mod batch;

pub(crate) use batch::{lock_thread, lock_threads, save_counted_many};

/// What a new conversation starts with.
pub(crate) struct NewConversation {
    pub channel_id: ChannelId,
    pub contact_id: ContactId,
    pub visibility: Visibility,
    pub priority: Priority,
    pub priority_auto: bool,
    pub thread_key: Option<String>,
    pub assignee_id: Option<UserId>,
    pub team_id: Option<TeamId>,
    pub at: DateTime<Utc>,
}

/// The sort key of "no SLA deadline": after every real deadline.
pub(crate) const NO_DEADLINE: i64 = i64::MAX;

/// Microseconds since the epoch: the stored, sortable form of a time.
pub(crate) fn time_key(at: DateTime<Utc>) -> i64 {
    at.timestamp_micros()
}

pub(crate) async fn insert(
    conn: &impl ConnectionTrait,
    scope: &WorkspaceScope,
    new: NewConversation,
) -> Result<conversations::Model> {
    Ok(conversations::ActiveModel::from(new_row(scope, new))
        .reset_all()
        .insert(conn)
        .await?)
}

/// The row a new conversation becomes: open, neutral, with no messages yet.
pub(crate) fn new_row(scope: &WorkspaceScope, new: NewConversation) -> conversations::Model {
    conversations::Model {
        id: ConversationId::new().as_uuid(),
        workspace_id: scope.workspace_id().as_uuid(),
        channel_id: new.channel_id.as_uuid(),
        contact_id: new.contact_id.as_uuid(),
        visibility: new.visibility.as_str().to_owned(),
        status: Status::Open.as_str().to_owned(),
        snoozed_until: None,
        priority: new.priority.rank(),
        priority_auto: new.priority_auto,
        assignee_id: new.assignee_id.map(|u| u.as_uuid()),
        team_id: new.team_id.map(|t| t.as_uuid()),
        label: Label::Neutral.as_str().to_owned(),
        sentiment: None,
        influence: None,
        thread_key: new.thread_key,
        message_count: 0,
        last_activity_at: new.at,
        last_activity_key: time_key(new.at),
        last_inbound_at: None,
        resolved_at: None,
        sla_due_at: None,
        sla_due_key: NO_DEADLINE,
        sla_warn_at: None,
        csat_score: None,
        first_reply_at: None,
        created_at: new.at,
        updated_at: new.at,
    }
}

/// Stores many new conversations in one statement (the worker's batches).
pub(crate) async fn insert_many(
    conn: &impl ConnectionTrait,
    rows: Vec<conversations::Model>,
) -> Result<()> {
    super::insert_rows::<conversations::Entity, _>(conn, rows).await
}

/// The condition that limits conversations to those the scope may see.
pub(crate) fn visible_to(scope: &WorkspaceScope) -> Condition {
    let mut condition = Condition::all().add(C::WorkspaceId.eq(scope.workspace_id().as_uuid()));
    match scope.conversation_access() {
        ConversationAccess::All => {}
        ConversationAccess::AssignedTo(user) => {
            condition = condition.add(C::AssigneeId.eq(user.as_uuid()));
        }
        ConversationAccess::TeamsOf(user) => {
            let my_teams = Query::select()
                .column(team_members::Column::TeamId)
                .from(team_members::Entity)
                .and_where(team_members::Column::WorkspaceId.eq(scope.workspace_id().as_uuid()))
                .and_where(team_members::Column::UserId.eq(user.as_uuid()))
                .to_owned();
            condition = condition.add(
                Condition::any()
                    .add(C::AssigneeId.eq(user.as_uuid()))
                    .add(C::TeamId.in_subquery(my_teams)),
            );
        }
    }
    condition
}

/// `column` of the conversations the scope may see, as a subquery.
pub(crate) fn visible_column(
    scope: &WorkspaceScope,
    column: C,
) -> sea_orm::sea_query::SelectStatement {
    Query::select()
        .column(column)
        .from(conversations::Entity)
        .cond_where(visible_to(scope))
        .to_owned()
}

/// One conversation the scope may see.
pub(crate) async fn get(
    conn: &impl ConnectionTrait,
    scope: &WorkspaceScope,
    id: ConversationId,
) -> Result<conversations::Model> {
    conversations::Entity::find()
        .filter(visible_to(scope))
        .filter(C::Id.eq(id.as_uuid()))
        .one(conn)
        .await?
        .ok_or(Error::NotFound)
}

/// The same, locking the row until the transaction ends, so that changes to one
/// conversation queue up instead of overwriting each other (PostgreSQL; SQLite has one
/// writer at a time anyway).
pub(crate) async fn get_for_update(
    conn: &impl ConnectionTrait,
    scope: &WorkspaceScope,
    id: ConversationId,
) -> Result<conversations::Model> {
    conversations::Entity::find()
        .filter(visible_to(scope))
        .filter(C::Id.eq(id.as_uuid()))
        .lock(LockType::NoKeyUpdate)
        .one(conn)
        .await?
        .ok_or(Error::NotFound)
}

/// [`get_for_update`] for many conversations, locked in id order (so that two workers
/// locking overlapping sets wait for each other instead of deadlocking); those the scope
/// sees, in id order.
pub(crate) async fn get_many_for_update(
    conn: &impl ConnectionTrait,
    scope: &WorkspaceScope,
    ids: &[Uuid],
) -> Result<Vec<conversations::Model>> {
    Ok(conversations::Entity::find()
        .filter(visible_to(scope))
        .filter(C::Id.is_in(ids.to_vec()))
        .order_by_asc(C::Id)
        .lock(LockType::NoKeyUpdate)
        .all(conn)
        .await?)
}

/// Counts a new message on a conversation in one statement (concurrent messages all
/// count) and moves its last activity; a reply (`replied_at`: when it was stored) also
/// moves the first reply time back to it if it is earlier. Returns the row as it now
/// stands.
pub(crate) async fn count_message(
    conn: &impl ConnectionTrait,
    scope: &WorkspaceScope,
    id: ConversationId,
    at: DateTime<Utc>,
    replied_at: Option<DateTime<Utc>>,
) -> Result<conversations::Model> {
    let mut update = conversations::Entity::update_many()
        .col_expr(C::MessageCount, Expr::col(C::MessageCount).add(1))
        .col_expr(C::LastActivityAt, Expr::value(at))
        .col_expr(C::LastActivityKey, Expr::value(time_key(at)))
        .col_expr(C::UpdatedAt, Expr::value(at));
    if let Some(replied_at) = replied_at {
        update = update.col_expr(C::FirstReplyAt, earliest_reply(replied_at));
    }
    let result = update
        .filter(C::WorkspaceId.eq(scope.workspace_id().as_uuid()))
        .filter(C::Id.eq(id.as_uuid()))
        .exec(conn)
        .await?;
    if result.rows_affected == 0 {
        return Err(Error::NotFound);
    }
    sync_tag_activity(conn, scope, id, time_key(at)).await?;
    get_any(conn, scope, id).await
}

/// The first reply time once a reply stored at `replied_at` counts: the earlier of the two,
/// decided in the statement so that concurrent replies leave the earliest.
fn earliest_reply(replied_at: DateTime<Utc>) -> Expr {
    Expr::case(
        Condition::any()
            .add(Expr::col(C::FirstReplyAt).is_null())
            .add(Expr::col(C::FirstReplyAt).gt(replied_at)),
        Expr::value(replied_at),
    )
    .finally(Expr::col(C::FirstReplyAt))
    .into()
}

/// Writes where a conversation's SLA clocks stand: its earliest running deadline and
/// warning time.
pub(crate) async fn set_sla(
    conn: &impl ConnectionTrait,
    scope: &WorkspaceScope,
    row: conversations::Model,
) -> Result<conversations::Model> {
    conversations::Entity::update_many()
        .col_expr(C::SlaDueAt, Expr::value(row.sla_due_at))
        .col_expr(C::SlaDueKey, Expr::value(row.sla_due_key))
        .col_expr(C::SlaWarnAt, Expr::value(row.sla_warn_at))
        .filter(C::WorkspaceId.eq(scope.workspace_id().as_uuid()))
        .filter(C::Id.eq(row.id))
        .exec(conn)
        .await?;
    Ok(row)
}

/// Stores the customer's satisfaction score on a conversation; the conversation.
pub(crate) async fn set_csat(
    conn: &impl ConnectionTrait,
    scope: &WorkspaceScope,
    id: ConversationId,
    score: i16,
) -> Result<conversations::Model> {
    conversations::Entity::update_many()
        .col_expr(C::CsatScore, Expr::value(score))
        .filter(C::WorkspaceId.eq(scope.workspace_id().as_uuid()))
        .filter(C::Id.eq(id.as_uuid()))
        .exec(conn)
        .await?;
    get_any(conn, scope, id).await
}

/// Keeps the activity key the conversation's tags carry equal to its own.
async fn sync_tag_activity(
    conn: &impl ConnectionTrait,
    scope: &WorkspaceScope,
    id: ConversationId,
    key: i64,
) -> Result<()> {
    conversation_tags::Entity::update_many()
        .col_expr(conversation_tags::Column::LastActivityKey, Expr::value(key))
        .filter(conversation_tags::Column::WorkspaceId.eq(scope.workspace_id().as_uuid()))
        .filter(conversation_tags::Column::ConversationId.eq(id.as_uuid()))
        .exec(conn)
        .await?;
    Ok(())
}

/// The same, without the visibility rule: for ingestion and the worker.
pub(crate) async fn get_any(
    conn: &impl ConnectionTrait,
    scope: &WorkspaceScope,
    id: ConversationId,
) -> Result<conversations::Model> {
    scoped::<conversations::Entity>(scope)
        .filter(C::Id.eq(id.as_uuid()))
        .one(conn)
        .await?
        .ok_or(Error::NotFound)
}

/// The latest conversation of a public thread on a channel.
pub(crate) async fn latest_in_thread(
    conn: &impl ConnectionTrait,
    scope: &WorkspaceScope,
    channel: ChannelId,
    thread_key: &str,
) -> Result<Option<conversations::Model>> {
    Ok(scoped::<conversations::Entity>(scope)
        .filter(C::ChannelId.eq(channel.as_uuid()))
        .filter(C::ThreadKey.eq(thread_key))
        .order_by_desc(C::CreatedAt)
        .order_by_desc(C::Id)
        .one(conn)
        .await?)
}

/// The latest private conversation of a contact on a channel.
pub(crate) async fn latest_private(
    conn: &impl ConnectionTrait,
    scope: &WorkspaceScope,
    channel: ChannelId,
    contact: ContactId,
) -> Result<Option<conversations::Model>> {
    Ok(scoped::<conversations::Entity>(scope)
        .filter(C::ChannelId.eq(channel.as_uuid()))
        .filter(C::ContactId.eq(contact.as_uuid()))
        .filter(C::Visibility.eq(Visibility::Private.as_str()))
        .order_by_desc(C::CreatedAt)
        .order_by_desc(C::Id)
        .one(conn)
        .await?)
}

/// Saves changed columns of a conversation of the scope's workspace.
pub(crate) async fn save(
    conn: &impl ConnectionTrait,
    scope: &WorkspaceScope,
    model: conversations::ActiveModel,
) -> Result<conversations::Model> {
    if model.workspace_id.as_ref() != &scope.workspace_id().as_uuid() {
        return Err(Error::NotFound);
    }
    let activity_moved = model.last_activity_key.is_set();
    let saved = model.update(conn).await?;
    if activity_moved {
        let id = ConversationId::from(saved.id);
        sync_tag_activity(conn, scope, id, saved.last_activity_key).await?;
    }
    Ok(saved)
}

/// Moves every conversation of one contact to another (merge).
pub(crate) async fn move_contact(
    conn: &impl ConnectionTrait,
    scope: &WorkspaceScope,
    from: ContactId,
    to: ContactId,
) -> Result<u64> {
    let result = conversations::Entity::update_many()
        .col_expr(C::ContactId, Expr::value(to.as_uuid()))
        .filter(C::WorkspaceId.eq(scope.workspace_id().as_uuid()))
        .filter(C::ContactId.eq(from.as_uuid()))
        .exec(conn)
        .await?;
    Ok(result.rows_affected)
}

/// Conversations of a contact (export, erase).
pub(crate) async fn of_contact(
    conn: &impl ConnectionTrait,
    scope: &WorkspaceScope,
    contact: ContactId,
) -> Result<Vec<conversations::Model>> {
    Ok(scoped::<conversations::Entity>(scope)
        .filter(C::ContactId.eq(contact.as_uuid()))
        .order_by_asc(C::Id)
        .all(conn)
        .await?)
}

/// The tags of the given conversations.
pub(crate) async fn tags_of(
    conn: &impl ConnectionTrait,
    scope: &WorkspaceScope,
    ids: &[Uuid],
) -> Result<Vec<(Uuid, String)>> {
    Ok(scoped::<conversation_tags::Entity>(scope)
        .select_only()
        .column(conversation_tags::Column::ConversationId)
        .column(conversation_tags::Column::Tag)
        .filter(conversation_tags::Column::ConversationId.is_in(ids.to_vec()))
        .order_by_asc(conversation_tags::Column::Tag)
        .into_tuple()
        .all(conn)
        .await?)
}

/// Adds tags to a conversation (ignoring ones already there).
pub(crate) async fn add_tags(
    conn: &impl ConnectionTrait,
    scope: &WorkspaceScope,
    conversation: &conversations::Model,
    tags: &[String],
) -> Result<()> {
    if tags.is_empty() {
        return Ok(());
    }
    let existing: Vec<String> = tags_of(conn, scope, &[conversation.id])
        .await?
        .into_iter()
        .map(|(_, tag)| tag)
        .collect();
    let now = Utc::now();
    let rows: Vec<conversation_tags::ActiveModel> = tags
        .iter()
        .filter(|t| !existing.contains(t))
        .map(|tag| conversation_tags::ActiveModel {
            conversation_id: Set(conversation.id),
            tag: Set(tag.clone()),
            workspace_id: Set(scope.workspace_id().as_uuid()),
            created_at: Set(now),
            last_activity_key: Set(conversation.last_activity_key),
        })
        .collect();
    if !rows.is_empty() {
        conversation_tags::Entity::insert_many(rows)
            .exec(conn)
            .await?;
    }
    Ok(())
}

/// Removes tags.
pub(crate) async fn remove_tags(
    conn: &impl ConnectionTrait,
    scope: &WorkspaceScope,
    id: ConversationId,
    tags: &[String],
) -> Result<()> {
    if tags.is_empty() {
        return Ok(());
    }
    conversation_tags::Entity::delete_many()
        .filter(conversation_tags::Column::WorkspaceId.eq(scope.workspace_id().as_uuid()))
        .filter(conversation_tags::Column::ConversationId.eq(id.as_uuid()))
        .filter(conversation_tags::Column::Tag.is_in(tags.to_vec()))
        .exec(conn)
        .await?;
    Ok(())
}

/// Contacts of the workspace with these ids, each with its identities, in one statement.
pub(crate) async fn contact_rows(
    conn: &impl ConnectionTrait,
    scope: &WorkspaceScope,
    contact_ids: &[Uuid],
) -> Result<Vec<(contacts::Model, Vec<contact_identities::Model>)>> {
    let rows = scoped::<contacts::Entity>(scope)
        .filter(contacts::Column::Id.is_in(contact_ids.to_vec()))
        .join(JoinType::LeftJoin, identities_in(scope))
        .select_also(contact_identities::Entity)
        .order_by_asc(contacts::Column::Id)
        .order_by_asc(contact_identities::Column::CreatedAt)
        .order_by_asc(contact_identities::Column::Id)
        .all(conn)
        .await?;
    let mut grouped: Vec<(contacts::Model, Vec<contact_identities::Model>)> = Vec::new();
    for (contact, identity) in rows {
        if grouped.last().is_none_or(|(last, _)| last.id != contact.id) {
            grouped.push((contact, Vec::new()));
        }
        if let (Some(identity), Some((_, identities))) = (identity, grouped.last_mut()) {
            identities.push(identity);
        }
    }
    Ok(grouped)
}

/// The join from contacts to their identities in the scope's workspace: the workspace in
/// the join lets the identities' (workspace, contact) index serve it.
fn identities_in(scope: &WorkspaceScope) -> RelationDef {
    let workspace = scope.workspace_id().as_uuid();
    contacts::Relation::Identities
        .def()
        .on_condition(move |_, identity| {
            Expr::col((identity, contact_identities::Column::WorkspaceId))
                .eq(workspace)
                .into_condition()
        })
}

/// What a conversation's contact summary shows of one identity.
pub(crate) struct IdentityFace {
    pub channel_kind: String,
    pub handle: Option<String>,
    pub display_name: Option<String>,
    pub avatar_url: Option<String>,
    pub follower_count: Option<i64>,
    pub verified: bool,
}

/// A contact as summaries show it: its own name and its identities, oldest first.
pub(crate) type ContactFace = (Option<String>, Vec<IdentityFace>);

/// A row of [`contact_faces`], read by position.
type FaceRow = (
    Uuid,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<i64>,
    Option<bool>,
);

/// The contacts of the workspace with these ids as conversation summaries show them, in one
/// statement that reads only the columns shown (inbox pages read 50 at a time).
pub(crate) async fn contact_faces(
    conn: &impl ConnectionTrait,
    scope: &WorkspaceScope,
    contact_ids: &[Uuid],
) -> Result<HashMap<Uuid, ContactFace>> {
    use contact_identities::Column as I;
    let rows: Vec<FaceRow> = scoped::<contacts::Entity>(scope)
        .select_only()
        .column(contacts::Column::Id)
        .column(contacts::Column::DisplayName)
        .columns([I::ChannelKind, I::Handle, I::DisplayName, I::AvatarUrl])
        .columns([I::FollowerCount, I::Verified])
        .filter(contacts::Column::Id.is_in(contact_ids.to_vec()))
        .join(JoinType::LeftJoin, identities_in(scope))
        .order_by_asc(I::CreatedAt)
        .order_by_asc(I::Id)
        .into_tuple()
        .all(conn)
        .await?;
    let mut faces: HashMap<Uuid, ContactFace> = HashMap::with_capacity(contact_ids.len());
    for (id, name, kind, handle, display_name, avatar_url, follower_count, verified) in rows {
        let (_, identities) = faces.entry(id).or_insert_with(|| (name, Vec::new()));
        if let Some(channel_kind) = kind {
            identities.push(IdentityFace {
                channel_kind,
                handle,
                display_name,
                avatar_url,
                follower_count,
                verified: verified.unwrap_or(false),
            });
        }
    }
    Ok(faces)
}
