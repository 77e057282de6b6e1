//! Full-text search subqueries: PostgreSQL `tsvector` + GIN, SQLite FTS5.

use sea_orm::DatabaseBackend;
use sea_orm::sea_query::{Expr, ExprTrait, Query, SelectStatement, UnionType};

use crate::entity::{contacts, conversations, messages};
use crate::tenancy::WorkspaceScope;

/// The words of a query, each quoted for FTS5 (so user input is never FTS syntax).
pub(crate) fn fts5_query(q: &str) -> String {
    q.split_whitespace()
        .map(|word| format!("\"{}\"", word.replace('"', "\"\"")))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Ids of conversations of the workspace with a message, or a contact, matching every word
/// of `q`. One `UNION ALL` rather than two `IN`s joined by `OR`: PostgreSQL can then start
/// from the few matches of a selective term instead of filtering the whole inbox.
pub(crate) fn conversations_matching(
    scope: &WorkspaceScope,
    backend: DatabaseBackend,
    q: &str,
) -> SelectStatement {
    let by_contact = Query::select()
        .column(conversations::Column::Id)
        .from(conversations::Entity)
        .and_where(Expr::col(conversations::Column::WorkspaceId).eq(scope.workspace_id().as_uuid()))
        .and_where(
            Expr::col(conversations::Column::ContactId)
                .in_subquery(contacts_named(scope, backend, q)),
        )
        .to_owned();
    conversations_with_text(scope, backend, q)
        .union(UnionType::All, by_contact)
        .to_owned()
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
