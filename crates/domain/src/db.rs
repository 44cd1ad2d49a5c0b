//! Connecting to SQLite or PostgreSQL and bringing the schema up to date.

use std::time::Duration;

use roster_migrations::{Migrator, MigratorTrait};
pub use sea_orm::DatabaseConnection;
use sea_orm::{ConnectOptions, Database, DbBackend};

use crate::{Error, Result};

/// How many connections a pool holds, and how long a request waits for one
/// before it is answered `503` with `Retry-After` ([`Error::Busy`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolSettings {
    /// At most this many connections; `None`: 8 on SQLite (one writer at a
    /// time anyway), 20 on PostgreSQL.
    pub max_connections: Option<u32>,
    /// How long to wait for a free connection.
    pub acquire_timeout: Duration,
}

impl Default for PoolSettings {
    fn default() -> Self {
        Self {
            max_connections: None,
            acquire_timeout: Duration::from_secs(3),
        }
    }
}

/// Opens a connection pool for `url` (`sqlite://...` or `postgres://...`)
/// with the default [`PoolSettings`].
pub async fn connect(url: &str) -> Result<DatabaseConnection> {
    connect_with(url, PoolSettings::default()).await
}

/// Opens a connection pool for `url` (`sqlite://...` or `postgres://...`).
/// SQLite files (and their folder) are created when missing, in WAL mode.
pub async fn connect_with(url: &str, pool: PoolSettings) -> Result<DatabaseConnection> {
    let mut opts = ConnectOptions::new(url.to_owned());
    opts.sqlx_logging(false)
        .connect_timeout(Duration::from_secs(10))
        .acquire_timeout(pool.acquire_timeout);
    if url.starts_with("sqlite:") {
        if let Some(parent) = sqlite_path(url).and_then(|p| std::path::Path::new(p).parent())
            && !parent.as_os_str().is_empty()
        {
            std::fs::create_dir_all(parent).map_err(Error::internal)?;
        }
        opts.max_connections(pool.max_connections.unwrap_or(8).max(1))
            .map_sqlx_sqlite_opts(|o| {
                o.create_if_missing(true)
                    .journal_mode(sea_orm::sqlx::sqlite::SqliteJournalMode::Wal)
                    .synchronous(sea_orm::sqlx::sqlite::SqliteSynchronous::Normal)
                    .busy_timeout(Duration::from_secs(10))
                    .foreign_keys(true)
            });
    } else {
        opts.max_connections(pool.max_connections.unwrap_or(20).max(1));
    }
    Database::connect(opts).await.map_err(Error::internal)
}

fn sqlite_path(url: &str) -> Option<&str> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next()?;
    (!path.is_empty() && path != ":memory:").then_some(path)
}

/// Applies every pending migration.
pub async fn migrate(db: &DatabaseConnection) -> Result<()> {
    Migrator::up(db, None).await.map_err(Error::internal)
}

/// Which database this is, for messages.
pub fn backend_name(db: &DatabaseConnection) -> &'static str {
    match db.get_database_backend() {
        DbBackend::Sqlite => "SQLite",
        DbBackend::Postgres => "PostgreSQL",
        _ => "an unsupported database",
    }
}

/// Fails unless the database answers a trivial query.
pub async fn ping(db: &DatabaseConnection) -> Result<()> {
    db.ping().await.map_err(Error::internal)
}
