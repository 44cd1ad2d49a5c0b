//! Connecting to SQLite or PostgreSQL and bringing the schema up to date.

use std::time::Duration;

use roster_migrations::{Migrator, MigratorTrait};
pub use sea_orm::DatabaseConnection;
use sea_orm::{ConnectOptions, Database, DbBackend};

use crate::{Error, Result};

/// Opens a connection pool for `url` (`sqlite://...` or `postgres://...`).
/// SQLite files (and their folder) are created when missing, in WAL mode.
pub async fn connect(url: &str) -> Result<DatabaseConnection> {
    let mut opts = ConnectOptions::new(url.to_owned());
    opts.sqlx_logging(false)
        .connect_timeout(Duration::from_secs(10))
        .acquire_timeout(Duration::from_secs(10));
    if url.starts_with("sqlite:") {
        if let Some(parent) = sqlite_path(url).and_then(|p| std::path::Path::new(p).parent())
            && !parent.as_os_str().is_empty()
        {
            std::fs::create_dir_all(parent).map_err(Error::internal)?;
        }
        opts.max_connections(8).map_sqlx_sqlite_opts(|o| {
            o.create_if_missing(true)
                .journal_mode(sea_orm::sqlx::sqlite::SqliteJournalMode::Wal)
                .synchronous(sea_orm::sqlx::sqlite::SqliteSynchronous::Normal)
                .busy_timeout(Duration::from_secs(10))
                .foreign_keys(true)
        });
    } else {
        opts.max_connections(20);
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
