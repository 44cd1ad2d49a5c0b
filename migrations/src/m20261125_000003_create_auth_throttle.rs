//! Counters of failed sign-ins per email and per client address, kept in the
//! database so that every `roster` instance behind a load balancer sees them.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum AuthThrottle {
    Table,
    Key,
    Failures,
    WindowStartedAt,
    LockedUntil,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(AuthThrottle::Table)
                    .col(
                        ColumnDef::new(AuthThrottle::Key)
                            .string_len(300)
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(AuthThrottle::Failures).integer().not_null())
                    .col(
                        ColumnDef::new(AuthThrottle::WindowStartedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(AuthThrottle::LockedUntil)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(AuthThrottle::Table).to_owned())
            .await
    }
}
