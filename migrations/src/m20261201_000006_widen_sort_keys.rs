//! Sort keys are derived from what people type, and can be longer than it:
//! lower-casing "İ" gives two characters, Unicode decomposition turns one Hangul
//! syllable into up to three letters. PostgreSQL enforces `varchar(n)`, so a long
//! name could not be stored; the keys become `text` there. SQLite never enforced
//! the lengths and keeps its columns.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Users {
    Table,
    NameKey,
}

#[derive(DeriveIden)]
enum Teams {
    Table,
    NameKey,
}

async fn set_key_type(
    manager: &SchemaManager<'_>,
    users: ColumnDef,
    teams: ColumnDef,
) -> Result<(), DbErr> {
    if manager.get_database_backend() != DbBackend::Postgres {
        return Ok(());
    }
    manager
        .alter_table(
            Table::alter()
                .table(Users::Table)
                .modify_column(users)
                .to_owned(),
        )
        .await?;
    manager
        .alter_table(
            Table::alter()
                .table(Teams::Table)
                .modify_column(teams)
                .to_owned(),
        )
        .await
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        set_key_type(
            manager,
            ColumnDef::new(Users::NameKey).text().not_null().to_owned(),
            ColumnDef::new(Teams::NameKey).text().not_null().to_owned(),
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        set_key_type(
            manager,
            ColumnDef::new(Users::NameKey)
                .string_len(201)
                .not_null()
                .to_owned(),
            ColumnDef::new(Teams::NameKey)
                .string_len(100)
                .not_null()
                .to_owned(),
        )
        .await
    }
}
