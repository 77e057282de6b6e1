//! The database connection: one path to connect and migrate for the API, the worker and tests.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use anyhow::Context;
use earshot_migrations::{Migrator, MigratorTrait};
use sea_orm::sqlx::sqlite::SqliteJournalMode;
use sea_orm::{
    AccessMode, ConnectOptions, ConnectionTrait, Database, DatabaseBackend, DatabaseConnection,
    DatabaseTransaction, IsolationLevel, TransactionTrait,
};

use crate::Result;
use crate::config::DatabaseConfig;

/// Fills each conversation's first reply time from the messages stored: bulk loads that
/// write messages directly run it after them.
pub use earshot_migrations::FIRST_REPLY_BACKFILL;

/// A pooled connection to SQLite or PostgreSQL, counting the statements it runs.
#[derive(Clone, Debug)]
pub struct Db(DatabaseConnection, Arc<AtomicU64>);

impl Db {
    pub(crate) fn conn(&self) -> &DatabaseConnection {
        &self.0
    }

    /// Statements run through this pool since it opened (transactions included): lets tests
    /// prove that batched reads stay batched.
    pub fn statements(&self) -> u64 {
        self.1.load(Ordering::Relaxed)
    }

    pub(crate) async fn begin(&self) -> Result<DatabaseTransaction> {
        Ok(self.0.begin().await?)
    }

    /// A read-only transaction whose statements all see one snapshot of the database, so
    /// that figures read by several of them agree: PostgreSQL's repeatable read; SQLite's
    /// transaction is one already once it first reads (write-ahead log).
    pub(crate) async fn begin_snapshot(&self) -> Result<DatabaseTransaction> {
        Ok(match self.0.get_database_backend() {
            DatabaseBackend::Postgres => {
                self.0
                    .begin_with_config(
                        Some(IsolationLevel::RepeatableRead),
                        Some(AccessMode::ReadOnly),
                    )
                    .await?
            }
            _ => self.0.begin().await?,
        })
    }

    /// Whether the database answers a trivial query.
    pub async fn ping(&self) -> Result<()> {
        Ok(self.0.ping().await?)
    }

    /// Closes the pool.
    pub async fn close(self) -> Result<()> {
        Ok(self.0.close().await?)
    }
}

/// Connects (creating the SQLite file and its folder when needed) and, when configured,
/// applies pending migrations.
pub async fn connect(config: &DatabaseConfig) -> Result<Db> {
    if let Some(path) = sqlite_path(&config.url)
        && let Some(dir) = std::path::Path::new(path).parent()
        && !dir.as_os_str().is_empty()
    {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    let mut options = ConnectOptions::new(config.url.clone());
    // Every wait is bounded, so an unreachable database answers `503` within `wait` instead
    // of holding requests until their clients give up.
    options
        .max_connections(config.max_connections)
        .min_connections(1)
        .connect_timeout(config.wait)
        .acquire_timeout(config.wait)
        // A ping before every statement doubles the round trips of a busy pool; one that
        // sat idle is still checked, as a server restart or a firewall may have dropped it.
        .test_before_acquire_if_idle_for(Duration::from_secs(30))
        .sqlx_logging(false);
    if let Some(path) = sqlite_path(&config.url) {
        sqlite_options(&mut options, path, config.wait)?;
    } else {
        let statement_timeout = config.statement_timeout.as_millis().to_string();
        options.map_sqlx_postgres_opts(move |pg| {
            pg.options([("statement_timeout", statement_timeout.as_str())])
        });
    }
    let mut conn = Database::connect(options).await?;
    let statements = Arc::new(AtomicU64::new(0));
    let counter = statements.clone();
    conn.set_metric_callback(move |_| {
        counter.fetch_add(1, Ordering::Relaxed);
    });
    let db = Db(conn, statements);
    if config.migrate_on_start {
        match sqlite_path(&config.url) {
            Some(_) => migrate(&db).await?,
            None => migrate_postgres(&config.url).await?,
        }
    }
    Ok(db)
}

/// Applies pending migrations on a connection of their own, without the pool's statement
/// timeout: a migration may fill a new column over millions of rows.
async fn migrate_postgres(url: &str) -> Result<()> {
    let options = ConnectOptions::new(url.to_owned())
        .max_connections(1)
        .sqlx_logging(false)
        .to_owned();
    let conn = Database::connect(options).await?;
    Migrator::up(&conn, None)
        .await
        .context("applying migrations")?;
    conn.close().await?;
    Ok(())
}

/// SQLite settings for every connection the pool opens, and a watch on the file itself.
///
/// WAL lets readers proceed while the single writer commits; a writer waits `wait` for a
/// lock held elsewhere, then gives up (`503`); `secure_delete` overwrites what a delete or an
/// erasure frees, so erased text does not linger in the file's free space. The file is
/// created once here and never again by a connection: a file removed while serving must
/// answer `503`, not be replaced by an empty one.
fn sqlite_options(options: &mut ConnectOptions, path: &str, wait: Duration) -> Result<()> {
    if !std::path::Path::new(path).exists() {
        std::fs::File::create(path).with_context(|| format!("creating {path}"))?;
    }
    options.map_sqlx_sqlite_opts(move |sqlite| {
        sqlite
            .create_if_missing(false)
            .journal_mode(SqliteJournalMode::Wal)
            .foreign_keys(true)
            .busy_timeout(wait)
            .pragma("secure_delete", "ON")
    });
    let watch = Arc::new(FileWatch::new(path));
    options.map_sqlx_sqlite_before_acquire(move |_conn, meta| {
        let keep = watch.keeps(meta.age);
        Box::pin(async move { Ok(keep) })
    });
    Ok(())
}

/// Which file a SQLite path names, so that connections opened on a file since removed or
/// replaced are not handed out again: SQLite keeps writing to an unlinked file.
struct FileWatch {
    path: std::path::PathBuf,
    seen: std::sync::Mutex<(Option<FileId>, Option<std::time::Instant>)>,
}

type FileId = (u64, u64);

impl FileWatch {
    fn new(path: &str) -> Self {
        let path = std::path::PathBuf::from(path);
        Self {
            seen: std::sync::Mutex::new((file_id(&path), None)),
            path,
        }
    }

    /// Whether a pooled connection of this age may be used: not when the file is gone, nor
    /// when it was opened before the file last changed identity.
    fn keeps(&self, age: Duration) -> bool {
        let Some(current) = file_id(&self.path) else {
            return false;
        };
        let Ok(mut seen) = self.seen.lock() else {
            return false;
        };
        if seen.0 != Some(current) {
            *seen = (Some(current), Some(std::time::Instant::now()));
        }
        seen.1.is_none_or(|changed| age < changed.elapsed())
    }
}

#[cfg(unix)]
fn file_id(path: &std::path::Path) -> Option<FileId> {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata(path).ok().map(|m| (m.dev(), m.ino()))
}

#[cfg(not(unix))]
fn file_id(path: &std::path::Path) -> Option<FileId> {
    std::fs::metadata(path).ok().map(|_| (0, 0))
}

/// Applies every pending migration.
pub async fn migrate(db: &Db) -> Result<()> {
    Migrator::up(db.conn(), None)
        .await
        .context("applying migrations")?;
    Ok(())
}

fn sqlite_path(url: &str) -> Option<&str> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next().unwrap_or(rest);
    (!path.is_empty() && path != ":memory:").then_some(path)
}

/// Creates a PostgreSQL database next to the one in `admin_url` and returns its URL; used
/// by tests to give each one its own database.
pub async fn create_postgres_database(admin_url: &str, name: &str) -> Result<String> {
    let admin = Database::connect(
        ConnectOptions::new(admin_url.to_owned())
            .sqlx_logging(false)
            .to_owned(),
    )
    .await?;
    admin
        .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
        .await?;
    admin.close().await?;
    Ok(replace_database_name(admin_url, name))
}

/// Drops a database made by [`create_postgres_database`].
pub async fn drop_postgres_database(admin_url: &str, name: &str) -> Result<()> {
    let admin = Database::connect(
        ConnectOptions::new(admin_url.to_owned())
            .sqlx_logging(false)
            .to_owned(),
    )
    .await?;
    admin
        .execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
        .await?;
    admin.close().await?;
    Ok(())
}

fn replace_database_name(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let authority_end = base.find("://").map(|i| i + 3).unwrap_or(0);
    let base = match base[authority_end..].find('/') {
        Some(slash) => &base[..authority_end + slash],
        None => base,
    };
    match query {
        Some(q) => format!("{base}/{name}?{q}"),
        None => format!("{base}/{name}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_paths_are_found_in_urls() {
        assert_eq!(
            sqlite_path("sqlite://data/earshot.db?mode=rwc"),
            Some("data/earshot.db")
        );
        assert_eq!(sqlite_path("sqlite::memory:"), None);
        assert_eq!(sqlite_path("postgres://x/y"), None);
    }

    #[test]
    fn the_database_name_is_replaced() {
        assert_eq!(
            replace_database_name("postgres://postgres@127.0.0.1:5432/postgres", "t1"),
            "postgres://postgres@127.0.0.1:5432/t1"
        );
        assert_eq!(
            replace_database_name("postgres://u@h/db?sslmode=disable", "t2"),
            "postgres://u@h/t2?sslmode=disable"
        );
        assert_eq!(
            replace_database_name("postgres://u@h", "t3"),
            "postgres://u@h/t3"
        );
    }
}
