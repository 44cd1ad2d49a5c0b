//! Search and the Name sort fold accents and the letters that carry their mark
//! inside them (`roster_types::text`): "zajac" finds "Zając", "Łukasz"
//! sorts with "L". The stored keys of existing people are recomputed; on SQLite
//! the trigram index is rebuilt once afterwards rather than row by row.
//!
//! Down leaves the keys folded: the earlier code's lower-cased terms still find
//! unaccented text.

use roster_types::text::{user_name_key, user_search_text};
use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend, Statement, Value};
use uuid::Uuid;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// People read per round trip, and so changed per statement at most.
const BATCH: u64 = 500;

const SQLITE_UPDATE_TRIGGER: &str =
    "CREATE TRIGGER users_search_update AFTER UPDATE OF search_text ON users BEGIN
   DELETE FROM users_search WHERE user_id = old.id;
   INSERT INTO users_search (search_text, user_id) VALUES (new.search_text, new.id);
 END";

/// One person's new keys, where they differ from the stored ones.
struct Refold {
    id: Uuid,
    search_text: String,
    name_key: String,
}

async fn read_batch(
    db: &impl ConnectionTrait,
    after: Option<Uuid>,
) -> Result<(Vec<Refold>, Option<Uuid>), DbErr> {
    let backend = db.get_database_backend();
    let (sql, values): (&str, Vec<Value>) = match after {
        None => (
            "SELECT id, first_name, last_name, email, search_text, name_key FROM users ORDER BY id LIMIT ?",
            vec![BATCH.into()],
        ),
        Some(id) => (
            "SELECT id, first_name, last_name, email, search_text, name_key FROM users WHERE id > ? ORDER BY id LIMIT ?",
            vec![id.into(), BATCH.into()],
        ),
    };
    let sql = numbered(backend, sql);
    let rows = db
        .query_all_raw(Statement::from_sql_and_values(backend, sql, values))
        .await?;
    let mut last = None;
    let mut changed = Vec::new();
    for row in rows {
        let id: Uuid = row.try_get("", "id")?;
        let first: String = row.try_get("", "first_name")?;
        let last_name: String = row.try_get("", "last_name")?;
        let email: String = row.try_get("", "email")?;
        let search_text: String = row.try_get("", "search_text")?;
        let name_key: String = row.try_get("", "name_key")?;
        last = Some(id);
        let new_search = user_search_text(&first, &last_name, &email);
        let new_name = user_name_key(&first, &last_name);
        if new_search != search_text || new_name != name_key {
            changed.push(Refold {
                id,
                search_text: new_search,
                name_key: new_name,
            });
        }
    }
    Ok((changed, last))
}

/// `?` placeholders as the backend spells them.
fn numbered(backend: DbBackend, sql: &str) -> String {
    if backend != DbBackend::Postgres {
        return sql.to_string();
    }
    let mut out = String::with_capacity(sql.len() + 8);
    let mut n = 0;
    for c in sql.chars() {
        if c == '?' {
            n += 1;
            out.push_str(&format!("${n}"));
        } else {
            out.push(c);
        }
    }
    out
}

async fn write_batch(db: &impl ConnectionTrait, batch: Vec<Refold>) -> Result<(), DbErr> {
    if batch.is_empty() {
        return Ok(());
    }
    let backend = db.get_database_backend();
    let rows = vec!["(?, ?, ?)"; batch.len()].join(", ");
    let sql = format!(
        "UPDATE users SET search_text = v.column2, name_key = v.column3 \
         FROM (VALUES {rows}) AS v WHERE users.id = v.column1"
    );
    let values = batch
        .into_iter()
        .flat_map(|r| [r.id.into(), r.search_text.into(), r.name_key.into()])
        .collect::<Vec<Value>>();
    db.execute_raw(Statement::from_sql_and_values(
        backend,
        numbered(backend, &sql),
        values,
    ))
    .await?;
    Ok(())
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    /// All or nothing on SQLite too (where migrations otherwise run without one),
    /// and on one connection, so the trigger's removal and return are seen.
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        let sqlite = manager.get_database_backend() == DbBackend::Sqlite;
        if sqlite {
            // Row by row, the trigger would look each person up in the index by a
            // column it cannot seek on; one rebuild at the end is linear.
            db.execute_unprepared("DROP TRIGGER IF EXISTS users_search_update")
                .await?;
        }
        let mut after = None;
        let mut any_changed = false;
        loop {
            let (changed, last) = read_batch(db, after).await?;
            any_changed |= !changed.is_empty();
            write_batch(db, changed).await?;
            match last {
                Some(id) => after = Some(id),
                None => break,
            }
        }
        if sqlite {
            if any_changed {
                db.execute_unprepared("DELETE FROM users_search").await?;
                db.execute_unprepared(
                    "INSERT INTO users_search (search_text, user_id) SELECT search_text, id FROM users",
                )
                .await?;
            }
            db.execute_unprepared(SQLITE_UPDATE_TRIGGER).await?;
        }
        Ok(())
    }

    async fn down(&self, _manager: &SchemaManager) -> Result<(), DbErr> {
        Ok(())
    }
}
