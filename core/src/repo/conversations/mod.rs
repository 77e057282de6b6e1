//! Conversations: found by thread or contact for threading, listed for the inbox with the
//! caller's visibility applied in the query itself.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Condition, Expr, ExprTrait, LockType, Query};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use uuid::Uuid;

use crate::entity::{conversation_tags, conversations, team_members};
use crate::ids::{ChannelId, ContactId, ConversationId, TeamId, UserId};
use crate::tenancy::{ConversationAccess, WorkspaceScope};
use crate::views::{Label, Priority, Status, Visibility};
use crate::{Error, Result};

use super::scoped::scoped;

use conversations::Column as C;

mod batch;
mod faces;
mod tags;

pub(crate) use batch::{lock_thread, lock_threads, save_counted_many};
pub(crate) use faces::{ContactFace, contact_faces, contact_rows};
pub(crate) use tags::{add_tags, remove_tags, tags_of};

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
