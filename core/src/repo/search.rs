//! Full-text search subqueries: PostgreSQL `tsvector` + GIN, SQLite FTS5.

use sea_orm::sea_query::{Expr, ExprTrait, Query, SelectStatement, SimpleExpr};
use sea_orm::{ConnectionTrait, DatabaseBackend};
use uuid::Uuid;

use crate::Result;
use crate::entity::{contacts, conversations, messages};
use crate::tenancy::WorkspaceScope;

use super::word_stats::WordStats;

/// The words of a query, each quoted for FTS5 (so user input is never FTS syntax).
pub(crate) fn fts5_query(q: &str) -> String {
    q.split_whitespace()
        .map(|word| format!("\"{}\"", word.replace('"', "\"\"")))
        .collect::<Vec<_>>()
        .join(" ")
}

/// What a search's plan is chosen by.
pub(crate) struct Planning<'a> {
    /// How many matches of one way are listed by id (`Config::search_listed_matches`).
    pub listed: usize,
    /// How many of the latest conversations a common word is looked for in before its
    /// index is read (`Config::search_latest_stretch`).
    pub stretch: u64,
    /// How common words are.
    pub stats: &'a WordStats,
}

/// One way a conversation matches `q`: a message of it, or its contact's name, holds every
/// word. The inbox pages each way on its own and merges the pages.
pub(crate) struct Way {
    matching: SelectStatement,
    column: conversations::Column,
    by_text: bool,
}

/// The ways to match `q`.
pub(crate) fn ways(scope: &WorkspaceScope, backend: DatabaseBackend, q: &str) -> [Way; 2] {
    [
        Way {
            matching: conversations_with_text(scope, backend, q),
            column: conversations::Column::Id,
            by_text: true,
        },
        Way {
            matching: contacts_named(scope, backend, q),
            column: conversations::Column::ContactId,
            by_text: false,
        },
    ]
}

impl Way {
    /// The way as a subquery, for walking the inbox in order.
    pub(crate) fn walked(&self) -> SimpleExpr {
        Expr::col((conversations::Entity, self.column)).in_subquery(self.matching.clone())
    }

    /// Whether the words are so common in message text that listing the matches would cost
    /// more than walking the inbox: the statistics expect more than can be listed.
    pub(crate) async fn is_common(
        &self,
        conn: &impl ConnectionTrait,
        q: &str,
        planning: &Planning<'_>,
    ) -> Result<bool> {
        if !self.by_text {
            return Ok(false);
        }
        let expected = planning.stats.estimated_messages(conn, q).await?;
        Ok(expected.is_some_and(|n| n > planning.listed as f64))
    }

    /// The way as a condition on conversations, `None` when nothing matches: the matching
    /// ids themselves when they are few, or the subquery when they are many. Listed ids
    /// tell the planner how few they are; a subquery's selectivity is only estimated, and a
    /// rare word estimated common would walk the whole inbox looking for a page. Many
    /// matches make walking in order the fast plan.
    pub(crate) async fn listed_or_walked(
        &self,
        conn: &impl ConnectionTrait,
        listed: usize,
    ) -> Result<Option<SimpleExpr>> {
        let probe = self.matching.clone().limit(listed as u64 + 1).to_owned();
        let mut ids = conn
            .query_all(&probe)
            .await?
            .iter()
            .map(|row| row.try_get_by_index::<Uuid>(0))
            .collect::<std::result::Result<Vec<Uuid>, _>>()?;
        let column = Expr::col((conversations::Entity, self.column));
        Ok(match ids.len() {
            0 => None,
            n if n <= listed => {
                record_plan("listed");
                ids.sort_unstable();
                ids.dedup();
                Some(column.is_in(ids))
            }
            _ => {
                record_plan("walked");
                Some(self.walked())
            }
        })
    }
}

/// Counts the plans searches take, so operators see how often a search reads a word's
/// whole index entry.
pub(crate) fn record_plan(plan: &'static str) {
    metrics::counter!("earshot_search_plans_total", "plan" => plan).increment(1);
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

/// Ids of contacts of the workspace whose search text (names, handles, platform user ids,
/// e-mail) matches every word of `q`.
pub(crate) fn contacts_named(
    scope: &WorkspaceScope,
    backend: DatabaseBackend,
    q: &str,
) -> SelectStatement {
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

/// Erasure on SQLite, inside its transaction: merges each full-text index into one segment.
/// FTS5 marks a deleted entry in a new segment and keeps the old one, words and all, until
/// segments merge; merging drops them. PostgreSQL's GIN entries go with the row versions
/// they index, when the table is vacuumed.
pub(crate) async fn merge_erased_entries(conn: &impl ConnectionTrait) -> Result<()> {
    if conn.get_database_backend() == DatabaseBackend::Sqlite {
        conn.execute_unprepared(
            "INSERT INTO message_fts(message_fts) VALUES('optimize'); \
             INSERT INTO contact_fts(contact_fts) VALUES('optimize');",
        )
        .await?;
    }
    Ok(())
}

/// Erasure on SQLite, after its commit: copies the write-ahead log into the database file
/// and empties it, so no earlier image of an erased page stays in the log. Best effort: a
/// reader in the middle of the log leaves it to the next automatic checkpoint.
pub(crate) async fn checkpoint_erased(conn: &impl ConnectionTrait) -> Result<()> {
    if conn.get_database_backend() == DatabaseBackend::Sqlite {
        conn.execute_unprepared("PRAGMA wal_checkpoint(TRUNCATE);")
            .await?;
    }
    Ok(())
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
