//! SQLite's trigram index of people (`users_search`) was a table of its own,
//! each entry carrying a copy of the person's search text and their id. A
//! search read that id back for every match, and found the people by it: at a
//! million people, "lovelace" (41,687 matches) spent 70 of its 80 ms reading
//! ids, though the index itself found the matches in 9. Deleting a person
//! looked their entry up by that id, which the index cannot seek on: a scan of
//! a million entries.
//!
//! The index now holds no copy: it is an FTS5 external-content table over
//! `users`, keyed by the row's rowid, so a match is a rowid and a person is
//! found by it directly, and an entry is removed by its rowid. SQLite keeps
//! the rowids of a table without an `INTEGER PRIMARY KEY` through a `VACUUM`
//! in practice, though its documentation does not promise it; should they ever
//! move, `INSERT INTO users_search(users_search) VALUES ('rebuild')` rebuilds
//! the index from the table (the README says so).
//!
//! PostgreSQL's search is the trigram index on `users.search_text`: nothing
//! changes there.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

const TRIGGERS: [&str; 3] = [
    "users_search_insert",
    "users_search_update",
    "users_search_delete",
];

const UP: [&str; 5] = [
    "CREATE VIRTUAL TABLE users_search USING fts5(search_text, content = 'users', content_rowid = 'rowid', tokenize = 'trigram')",
    "INSERT INTO users_search (users_search) VALUES ('rebuild')",
    "CREATE TRIGGER users_search_insert AFTER INSERT ON users BEGIN
       INSERT INTO users_search (rowid, search_text) VALUES (new.rowid, new.search_text);
     END",
    "CREATE TRIGGER users_search_update AFTER UPDATE OF search_text ON users BEGIN
       INSERT INTO users_search (users_search, rowid, search_text) VALUES ('delete', old.rowid, old.search_text);
       INSERT INTO users_search (rowid, search_text) VALUES (new.rowid, new.search_text);
     END",
    "CREATE TRIGGER users_search_delete AFTER DELETE ON users BEGIN
       INSERT INTO users_search (users_search, rowid, search_text) VALUES ('delete', old.rowid, old.search_text);
     END",
];

/// The index as migration 1 made it (and migration 11 left it).
const DOWN: [&str; 5] = [
    "CREATE VIRTUAL TABLE users_search USING fts5(search_text, user_id UNINDEXED, tokenize = 'trigram')",
    "INSERT INTO users_search (search_text, user_id) SELECT search_text, id FROM users",
    "CREATE TRIGGER users_search_insert AFTER INSERT ON users BEGIN
       INSERT INTO users_search (search_text, user_id) VALUES (new.search_text, new.id);
     END",
    "CREATE TRIGGER users_search_update AFTER UPDATE OF search_text ON users BEGIN
       DELETE FROM users_search WHERE user_id = old.id;
       INSERT INTO users_search (search_text, user_id) VALUES (new.search_text, new.id);
     END",
    "CREATE TRIGGER users_search_delete AFTER DELETE ON users BEGIN
       DELETE FROM users_search WHERE user_id = old.id;
     END",
];

async fn replace_index(db: &impl ConnectionTrait, with: &[&str]) -> Result<(), DbErr> {
    for trigger in TRIGGERS {
        db.execute_unprepared(&format!("DROP TRIGGER IF EXISTS {trigger}"))
            .await?;
    }
    db.execute_unprepared("DROP TABLE IF EXISTS users_search")
        .await?;
    for sql in with {
        db.execute_unprepared(sql).await?;
    }
    Ok(())
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != DbBackend::Sqlite {
            return Ok(());
        }
        replace_index(manager.get_connection(), &UP).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != DbBackend::Sqlite {
            return Ok(());
        }
        replace_index(manager.get_connection(), &DOWN).await
    }
}
