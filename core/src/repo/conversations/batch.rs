//! What the worker's batches do to many conversations at once: lock the threads they
//! add to, and save what they changed in one statement.

use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

use crate::Result;
use crate::entity::{conversation_tags, conversations};
use crate::ids::ChannelId;
use crate::tenancy::WorkspaceScope;
use uuid::Uuid;

use conversations::Column as C;

/// Holds, until the transaction ends, the lock of one thread of a channel (a public
/// thread's key, or a contact's private conversation), so that messages arriving together
/// find or start one conversation instead of one each. PostgreSQL takes an advisory lock;
/// SQLite needs none, as it has one writer and one connection.
pub(crate) async fn lock_thread(
    conn: &impl ConnectionTrait,
    scope: &WorkspaceScope,
    channel: ChannelId,
    thread: &str,
) -> Result<()> {
    lock_threads(conn, scope, &[(channel, thread.to_owned())]).await
}

/// [`lock_thread`] for many threads at once, always taken in the same order so that two
/// batches locking overlapping threads wait for each other instead of deadlocking.
pub(crate) async fn lock_threads(
    conn: &impl ConnectionTrait,
    scope: &WorkspaceScope,
    threads: &[(ChannelId, String)],
) -> Result<()> {
    use sea_orm::{DatabaseBackend, Statement};
    if conn.get_database_backend() != DatabaseBackend::Postgres || threads.is_empty() {
        return Ok(());
    }
    let mut keys: Vec<i64> = threads
        .iter()
        .map(|(channel, thread)| thread_lock_key(scope, *channel, thread))
        .collect();
    keys.sort_unstable();
    keys.dedup();
    // The keys are numbers computed here, so they are written into the statement.
    let rows: Vec<String> = keys.iter().map(|k| format!("({k}::bigint)")).collect();
    let sql = format!(
        "SELECT pg_advisory_xact_lock(k) FROM (VALUES {}) AS t(k)",
        rows.join(",")
    );
    conn.query_all_raw(Statement::from_string(DatabaseBackend::Postgres, sql))
        .await?;
    Ok(())
}

/// The advisory lock key of a thread: the first 8 bytes of a digest of where it is.
fn thread_lock_key(scope: &WorkspaceScope, channel: ChannelId, thread: &str) -> i64 {
    use sha2::{Digest, Sha256};
    let digest = Sha256::new()
        .chain_update(scope.workspace_id().as_uuid().as_bytes())
        .chain_update(channel.as_uuid().as_bytes())
        .chain_update(thread.as_bytes())
        .finalize();
    let mut key = [0u8; 8];
    key.copy_from_slice(&digest[..8]);
    i64::from_be_bytes(key)
}

/// Saves what the worker's batch changed on conversations it did not start, in one
/// statement: the scores as computed, the activity, and the count raised by the messages
/// added (a reply sent meanwhile keeps its own count).
pub(crate) async fn save_counted_many(
    conn: &impl ConnectionTrait,
    scope: &WorkspaceScope,
    changed: &[(conversations::Model, conversations::Model)],
) -> Result<()> {
    use sea_orm::sea_query::CaseStatement;
    for chunk in changed.chunks(100) {
        let mut columns: Vec<(C, CaseStatement)> = [
            C::Priority,
            C::Sentiment,
            C::Influence,
            C::Label,
            C::LastInboundAt,
            C::MessageCount,
            C::LastActivityAt,
            C::LastActivityKey,
            C::UpdatedAt,
            C::SlaDueAt,
            C::SlaDueKey,
            C::SlaWarnAt,
        ]
        .into_iter()
        .map(|c| (c, CaseStatement::new()))
        .collect();
        let mut tags = CaseStatement::new();
        for (read, row) in chunk {
            let added = row.message_count - read.message_count;
            let values: [Expr; 12] = [
                Expr::value(row.priority),
                Expr::value(row.sentiment),
                Expr::value(row.influence),
                Expr::value(row.label.clone()),
                Expr::value(row.last_inbound_at),
                Expr::col(C::MessageCount).add(added),
                Expr::value(row.last_activity_at),
                Expr::value(row.last_activity_key),
                Expr::value(row.updated_at),
                Expr::value(row.sla_due_at),
                Expr::value(row.sla_due_key),
                Expr::value(row.sla_warn_at),
            ];
            for ((_, case), value) in columns.iter_mut().zip(values) {
                *case = std::mem::take(case).case(C::Id.eq(row.id), value);
            }
            tags = tags.case(
                conversation_tags::Column::ConversationId.eq(row.id),
                Expr::value(row.last_activity_key),
            );
        }
        let ids: Vec<Uuid> = chunk.iter().map(|(_, row)| row.id).collect();
        let mut update = conversations::Entity::update_many();
        for (column, case) in columns {
            update = update.col_expr(column, case.finally(Expr::col(column)).into());
        }
        update
            .filter(C::WorkspaceId.eq(scope.workspace_id().as_uuid()))
            .filter(C::Id.is_in(ids.clone()))
            .exec(conn)
            .await?;
        let tag_activity = conversation_tags::Column::LastActivityKey;
        conversation_tags::Entity::update_many()
            .col_expr(tag_activity, tags.finally(Expr::col(tag_activity)).into())
            .filter(conversation_tags::Column::WorkspaceId.eq(scope.workspace_id().as_uuid()))
            .filter(conversation_tags::Column::ConversationId.is_in(ids))
            .exec(conn)
            .await?;
    }
    Ok(())
}
