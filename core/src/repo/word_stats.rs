//! How common words are in message text, as PostgreSQL's own statistics of the search
//! column tell (kept by `ANALYZE` and autovacuum). Only the choice of a search plan rests
//! on it, never a result.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use sea_orm::{ConnectionTrait, DatabaseBackend, Statement};

use crate::Result;

/// How long statistics read from the database are used before they are read again.
const MAX_AGE: Duration = Duration::from_secs(300);

/// The commonest lexemes of message text with the share of messages holding each, and how
/// many messages there are (of every workspace).
const READ: &str = "SELECT u.lexeme, u.frequency::float8 AS frequency, c.reltuples::float8 AS messages \
     FROM pg_stats s \
     CROSS JOIN LATERAL unnest(s.most_common_elems::text::text[], s.most_common_elem_freqs) \
         AS u(lexeme, frequency) \
     JOIN pg_class c ON c.oid = to_regclass(quote_ident(s.schemaname) || '.messages') \
     WHERE s.schemaname = current_schema() AND s.tablename = 'messages' \
       AND s.attname = 'search' AND u.lexeme IS NOT NULL";

/// The process's copy of the statistics, read again once it is older than `MAX_AGE`.
#[derive(Default)]
pub(crate) struct WordStats {
    snapshot: RwLock<Option<Arc<Snapshot>>>,
}

struct Snapshot {
    read_at: Instant,
    messages: f64,
    frequencies: HashMap<String, f64>,
}

impl WordStats {
    /// How many messages, of every workspace, are estimated to hold every word of `q`;
    /// `None` when a word is not among the commonest or the database keeps no statistics.
    pub(crate) async fn estimated_messages(
        &self,
        conn: &impl ConnectionTrait,
        q: &str,
    ) -> Result<Option<f64>> {
        if conn.get_database_backend() != DatabaseBackend::Postgres {
            return Ok(None);
        }
        Ok(self.current(conn).await?.estimate(q))
    }

    async fn current(&self, conn: &impl ConnectionTrait) -> Result<Arc<Snapshot>> {
        let cached = self
            .snapshot
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        if let Some(snapshot) = cached.filter(|s| s.read_at.elapsed() < MAX_AGE) {
            return Ok(snapshot);
        }
        let fresh = Arc::new(read(conn).await?);
        *self.snapshot.write().unwrap_or_else(|e| e.into_inner()) = Some(fresh.clone());
        Ok(fresh)
    }
}

async fn read(conn: &impl ConnectionTrait) -> Result<Snapshot> {
    let rows = conn
        .query_all_raw(Statement::from_string(DatabaseBackend::Postgres, READ))
        .await?;
    let mut snapshot = Snapshot {
        read_at: Instant::now(),
        messages: 0.0,
        frequencies: HashMap::with_capacity(rows.len()),
    };
    for row in rows {
        snapshot.messages = row.try_get("", "messages")?;
        snapshot
            .frequencies
            .insert(row.try_get("", "lexeme")?, row.try_get("", "frequency")?);
    }
    Ok(snapshot)
}

impl Snapshot {
    /// Words taken as independent, as PostgreSQL's planner does.
    fn estimate(&self, q: &str) -> Option<f64> {
        let mut share = None;
        for word in words(q) {
            share = Some(share.unwrap_or(1.0) * self.frequencies.get(&word)?);
        }
        share.map(|share| share * self.messages)
    }
}

/// The words of `q` as the `simple` text-search configuration makes lexemes of them, near
/// enough for an estimate: lower-cased runs of letters and digits.
fn words(q: &str) -> impl Iterator<Item = String> + '_ {
    q.split(|c: char| !c.is_alphanumeric())
        .filter(|word| !word.is_empty())
        .map(str::to_lowercase)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn snapshot(frequencies: &[(&str, f64)]) -> Snapshot {
        Snapshot {
            read_at: Instant::now(),
            messages: 1000.0,
            frequencies: frequencies
                .iter()
                .map(|(word, f)| ((*word).to_owned(), *f))
                .collect(),
        }
    }

    #[test]
    fn words_are_lexemes_of_letters_and_digits() {
        let found: Vec<String> = words("Order#123, don't WAIT!").collect();
        assert_eq!(found, ["order", "123", "don", "t", "wait"]);
    }

    #[test]
    fn every_word_must_be_known_and_shares_multiply() {
        let stats = snapshot(&[("refund", 0.2), ("late", 0.5)]);
        assert_eq!(stats.estimate("Refund"), Some(200.0));
        assert_eq!(stats.estimate("late refund"), Some(100.0));
        assert_eq!(stats.estimate("late parcel"), None);
        assert_eq!(stats.estimate("  "), None);
    }
}
