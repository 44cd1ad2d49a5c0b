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
            skip(
                "the PostgreSQL run of the API tests",
                "DATABASE_URL is not set to postgres://...; this run used SQLite",
                "ROSTER_REQUIRE_POSTGRES",
            );
        }
    }
}
