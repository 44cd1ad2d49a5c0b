//! Users and their global roles, with the indexes that keep the Users table's
//! search and sorts fast.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
    FirstName,
    LastName,
    Email,
    NameKey,
    SearchText,
    Status,
    PasswordHash,
    ThinkificUserId,
    CreatedAt,
    UpdatedAt,
    LastLoginAt,
    Version,
}

#[derive(DeriveIden)]
enum UserRoles {
    Table,
    UserId,
    Role,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // Sorting must be the same on both databases: byte order, as in SQLite,
        // rather than PostgreSQL's locale-dependent default collation.
        let byte_order = |mut col: ColumnDef| {
            if manager.get_database_backend() == DbBackend::Postgres {
                col.extra("COLLATE \"C\"");
            }
            col
        };
        manager
            .create_table(
                Table::create()
                    .table(Users::Table)
                    .col(ColumnDef::new(Users::Id).uuid().not_null().primary_key())
                    .col(ColumnDef::new(Users::FirstName).string_len(100).not_null())
                    .col(ColumnDef::new(Users::LastName).string_len(100).not_null())
                    .col(byte_order(
                        ColumnDef::new(Users::Email)
                            .string_len(254)
                            .not_null()
                            .to_owned(),
                    ))
                    .col(byte_order(
                        ColumnDef::new(Users::NameKey)
                            .string_len(201)
                            .not_null()
                            .to_owned(),
                    ))
                    .col(byte_order(
                        ColumnDef::new(Users::SearchText)
                            .text()
                            .not_null()
                            .to_owned(),
                    ))
                    .col(
                        ColumnDef::new(Users::Status)
                            .string_len(16)
                            .not_null()
                            .check(Expr::col(Users::Status).is_in([
                                "invited",
                                "active",
                                "suspended",
                            ])),
                    )
                    .col(ColumnDef::new(Users::PasswordHash).text().null())
                    .col(ColumnDef::new(Users::ThinkificUserId).big_integer().null())
                    .col(
                        ColumnDef::new(Users::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(Users::UpdatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(Users::LastLoginAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .col(
                        ColumnDef::new(Users::Version)
                            .integer()
                            .not_null()
                            .default(1),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("users_email_key")
                    .table(Users::Table)
                    .col(Users::Email)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("users_thinkific_user_id_key")
                    .table(Users::Table)
                    .col(Users::ThinkificUserId)
                    .unique()
                    .to_owned(),
            )
            .await?;
        for (name, col) in [
            ("users_name_key_idx", Users::NameKey),
            ("users_created_at_idx", Users::CreatedAt),
        ] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(Users::Table)
                        .col(col)
                        .col(Users::Id)
                        .to_owned(),
                )
                .await?;
        }

        manager
            .create_table(
                Table::create()
                    .table(UserRoles::Table)
                    .col(ColumnDef::new(UserRoles::UserId).uuid().not_null())
                    .col(
                        ColumnDef::new(UserRoles::Role)
                            .string_len(16)
                            .not_null()
                            .check(
                                Expr::col(UserRoles::Role).is_in(["admin", "manager", "learner"]),
                            ),
                    )
                    .primary_key(Index::create().col(UserRoles::UserId).col(UserRoles::Role))
                    .foreign_key(
                        ForeignKey::create()
                            .from(UserRoles::Table, UserRoles::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("user_roles_role_idx")
                    .table(UserRoles::Table)
                    .col(UserRoles::Role)
                    .col(UserRoles::UserId)
                    .to_owned(),
            )
            .await?;

        if manager.get_database_backend() == DbBackend::Sqlite {
            // Substring search over 100k users is a full scan with LIKE; an FTS5
            // trigram index answers terms of three or more characters instead.
            // Keyed by user id rather than rowid: VACUUM may renumber rowids of a
            // table without an INTEGER PRIMARY KEY.
            let db = manager.get_connection();
            for sql in [
                "CREATE VIRTUAL TABLE users_search USING fts5(search_text, user_id UNINDEXED, tokenize = 'trigram')",
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
            ] {
                db.execute_unprepared(sql).await?;
            }
        }
        if manager.get_database_backend() == DbBackend::Postgres {
            // Substring search (`LIKE '%term%'`) needs a trigram index on PostgreSQL.
            // pg_trgm ships with PostgreSQL but creating it may need rights the
            // deploying role lacks; search still works without it, only slower.
            let db = manager.get_connection();
            db.execute_unprepared(
                "DO $$ BEGIN
                   CREATE EXTENSION IF NOT EXISTS pg_trgm;
                 EXCEPTION WHEN OTHERS THEN
                   RAISE WARNING 'pg_trgm unavailable (%); user search will not be indexed', SQLERRM;
                 END $$;",
            )
            .await?;
            db.execute_unprepared(
                "DO $$ BEGIN
                   IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm') THEN
                     CREATE INDEX users_search_text_trgm_idx ON users USING gin (search_text gin_trgm_ops);
                   END IF;
                 END $$;",
            )
            .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() == DbBackend::Sqlite {
            manager
                .get_connection()
                .execute_unprepared("DROP TABLE IF EXISTS users_search")
                .await?;
        }
        manager
            .drop_table(Table::drop().table(UserRoles::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(Users::Table).to_owned())
            .await
    }
}
