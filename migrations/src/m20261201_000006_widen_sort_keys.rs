//! Sort keys are derived from what people type, and can be longer than it:
//! lower-casing "İ" gives two characters, Unicode decomposition turns one Hangul
//! syllable into up to three letters. PostgreSQL enforces `varchar(n)`, so a long
//! name could not be stored; the keys become `text` there, keeping their
//! byte-order collation (`C`, so names sort as on SQLite). SQLite never enforced
//! the lengths and keeps its columns.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

async fn set_key_types(manager: &SchemaManager<'_>, users: &str, teams: &str) -> Result<(), DbErr> {
    if manager.get_database_backend() != DbBackend::Postgres {
        return Ok(());
    }
    let db = manager.get_connection();
    db.execute_unprepared(&format!(
        r#"ALTER TABLE "users" ALTER COLUMN "name_key" TYPE {users} COLLATE "C""#
    ))
    .await?;
    db.execute_unprepared(&format!(
        r#"ALTER TABLE "teams" ALTER COLUMN "name_key" TYPE {teams} COLLATE "C""#
    ))
    .await?;
    Ok(())
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        set_key_types(manager, "text", "text").await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        set_key_types(manager, "varchar(201)", "varchar(100)").await
    }
}
