//! The suite runs on the database it was asked for, and says so.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use roster_tests::{skip, spawn_app};

#[tokio::test]
async fn the_suite_runs_on_the_database_that_database_url_names() {
    let app = spawn_app().await;
    let backend = roster_domain::db::backend_name(&app.roster.db);

    match std::env::var("DATABASE_URL") {
        Ok(url) if url.starts_with("postgres") => {
            assert!(app.db.is_postgres());
            assert_eq!(backend, "PostgreSQL");
        }
        _ => {
            assert_eq!(backend, "SQLite");
            // `cargo xtask test` runs a PostgreSQL pass of its own after this
            // one (or says loudly why not), so only a bare `cargo test` needs
            // telling that PostgreSQL was left out.
            if std::env::var_os("ROSTER_SKIP_LOG").is_some() {
                return;
            }
            skip(
                "the PostgreSQL run of the API tests",
                "DATABASE_URL is not set to postgres://...; this run used SQLite",
                "ROSTER_REQUIRE_POSTGRES",
            );
        }
    }
}

/// Names sort by bytes on both databases: PostgreSQL's sort keys keep the `C`
/// collation through every migration, whatever the server's default.
#[tokio::test]
async fn sort_keys_are_compared_byte_by_byte_on_postgresql() {
    let app = spawn_app().await;
    if !app.db.is_postgres() {
        return; // SQLite compares bytes by default.
    }
    use sea_orm::{ConnectionTrait, Statement};

    let rows = app
        .roster
        .db
        .query_all_raw(Statement::from_string(
            app.roster.db.get_database_backend(),
            "SELECT table_name::text, data_type::text, collation_name::text \
             FROM information_schema.columns \
             WHERE column_name = 'name_key' ORDER BY table_name",
        ))
        .await
        .unwrap();
    let columns: Vec<(String, String, String)> = rows
        .iter()
        .map(|r| {
            (
                r.try_get_by_index(0).unwrap(),
                r.try_get_by_index(1).unwrap(),
                r.try_get_by_index(2).unwrap(),
            )
        })
        .collect();

    assert_eq!(
        columns,
        [
            ("teams".to_string(), "text".to_string(), "C".to_string()),
            ("users".to_string(), "text".to_string(), "C".to_string()),
        ]
    );
}
