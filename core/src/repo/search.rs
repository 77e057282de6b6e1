//! Full-text search subqueries: PostgreSQL `tsvector` + GIN, SQLite FTS5.

use sea_orm::sea_query::{Expr, ExprTrait, Query, SelectStatement, SimpleExpr};
use sea_orm::{ConnectionTrait, DatabaseBackend};
use uuid::Uuid;

use crate::Result;
use crate::entity::{contacts, conversations, messages};
use crate::tenancy::WorkspaceScope;

/// The words of a query, each quoted for FTS5 (so user input is never FTS syntax).
pub(crate) fn fts5_query(q: &str) -> String {
    q.split_whitespace()
        .map(|word| format!("\"{}\"", word.replace('"', "\"\"")))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The ways a conversation matches `q` — a message of it, or its contact's name, holds
/// every word — as conditions on conversations; a way that matches nothing is left out.
/// The inbox pages each way on its own and merges the pages (see `listed_or_walked`; a way
/// with at most `listed` matches lists them).
pub(crate) async fn ways_to_match(
    conn: &impl ConnectionTrait,
    scope: &WorkspaceScope,
    q: &str,
    listed: usize,
) -> Result<Vec<SimpleExpr>> {
    let backend = conn.get_database_backend();
    let by_text = conversations_with_text(scope, backend, q);
    let by_name = contacts_named(scope, backend, q);
    let ways = [
        listed_or_walked(conn, by_text, conversations::Column::Id, listed).await?,
        listed_or_walked(conn, by_name, conversations::Column::ContactId, listed).await?,
    ];
    Ok(ways.into_iter().flatten().collect())
}

/// One way to match as a condition on `column`: the matching ids themselves when they are
/// few, or the subquery when they are many. Listed ids tell the planner how few they are;
/// a subquery's selectivity is only estimated, and a rare word estimated common would walk
/// the whole inbox looking for a page. Many matches make walking in order the fast plan.
async fn listed_or_walked(
    conn: &impl ConnectionTrait,
    matching: SelectStatement,
    column: conversations::Column,
    listed: usize,
) -> Result<Option<SimpleExpr>> {
    let probe = matching.clone().limit(listed as u64 + 1).to_owned();
    let mut ids = conn
        .query_all(&probe)
        .await?
        .iter()
        .map(|row| row.try_get_by_index::<Uuid>(0))
        .collect::<std::result::Result<Vec<Uuid>, _>>()?;
    let column = Expr::col((conversations::Entity, column));
    Ok(match ids.len() {
        0 => None,
        n if n <= listed => {
            ids.sort_unstable();
            ids.dedup();
            Some(column.is_in(ids))
        }
        _ => Some(column.in_subquery(matching)),
    })
}

/// Ids of conversations of the workspace with a message matching every word of `q`.
fn conversations_with_text(
    scope: &WorkspaceScope,
    backend: DatabaseBackend,
    q: &str,
) -> SelectStatement {
    let mut select = Query::select();
    select
        .column(messages::Column::ConversationId)
        .from(messages::Entity)
        .and_where(Expr::col(messages::Column::WorkspaceId).eq(scope.workspace_id().as_uuid()));
    match backend {
        DatabaseBackend::Postgres => {
            select.and_where(Expr::cust_with_values(
                "search @@ plainto_tsquery('simple', $1)",
                [q.to_owned()],
            ));
        }
        _ => {
            select.and_where(Expr::cust_with_values(
                "rowid IN (SELECT rowid FROM message_fts WHERE message_fts MATCH ?)",
                [fts5_query(q)],
            ));
        }
    }
    select.to_owned()
}

/// Ids of contacts of the workspace whose names or handles match every word of `q`.
fn contacts_named(scope: &WorkspaceScope, backend: DatabaseBackend, q: &str) -> SelectStatement {
    let mut select = Query::select();
    select
        .column(contacts::Column::Id)
        .from(contacts::Entity)
        .and_where(Expr::col(contacts::Column::WorkspaceId).eq(scope.workspace_id().as_uuid()));
    match backend {
        DatabaseBackend::Postgres => {
            select.and_where(Expr::cust_with_values(
                "search @@ plainto_tsquery('simple', $1)",
                [q.to_owned()],
            ));
        }
        _ => {
            select.and_where(Expr::cust_with_values(
                "rowid IN (SELECT rowid FROM contact_fts WHERE contact_fts MATCH ?)",
                [fts5_query(q)],
            ));
        }
    }
    select.to_owned()
}

#[cfg(test)]
mod tests {
    use super::fts5_query;

    #[test]
    fn user_input_is_quoted_word_by_word() {
        assert_eq!(fts5_query("refund  now"), "\"refund\" \"now\"");
        assert_eq!(fts5_query("say \"hi\" OR"), "\"say\" \"\"\"hi\"\"\" \"OR\"");
    }
}
