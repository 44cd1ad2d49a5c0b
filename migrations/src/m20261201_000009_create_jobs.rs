//! Durable background jobs: one table for all background work, claimed with a
//! lease renewed by a heartbeat, and the schedule of recurring work (one row
//! per kind, advanced by whichever instance runs the next slot).

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Jobs {
    Table,
    Id,
    Kind,
    Payload,
    Principal,
    RequestId,
    Ip,
    UserAgent,
    Status,
    RunAt,
    Attempts,
    MaxAttempts,
    LeaseUntil,
    HeartbeatAt,
    LockedBy,
    ProgressDone,
    ProgressTotal,
    ProgressMessage,
    Result,
    LastError,
    DedupKey,
    CreatedBy,
    CreatedAt,
    StartedAt,
    FinishedAt,
}

#[derive(DeriveIden)]
enum JobSchedules {
    Table,
    Kind,
    NextRunAt,
}

fn ts(col: impl IntoIden) -> ColumnDef {
    ColumnDef::new(col)
        .timestamp_with_time_zone()
        .not_null()
        .to_owned()
}

fn ts_null(col: impl IntoIden) -> ColumnDef {
    ColumnDef::new(col)
        .timestamp_with_time_zone()
        .null()
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Jobs::Table)
                    .col(ColumnDef::new(Jobs::Id).uuid().not_null().primary_key())
                    .col(ColumnDef::new(Jobs::Kind).text().not_null())
                    .col(ColumnDef::new(Jobs::Payload).json().not_null())
                    .col(ColumnDef::new(Jobs::Principal).json().not_null())
                    .col(ColumnDef::new(Jobs::RequestId).text().null())
                    .col(ColumnDef::new(Jobs::Ip).text().null())
                    .col(ColumnDef::new(Jobs::UserAgent).text().null())
                    .col(ColumnDef::new(Jobs::Status).text().not_null())
                    .col(ts(Jobs::RunAt))
                    .col(ColumnDef::new(Jobs::Attempts).integer().not_null())
                    .col(ColumnDef::new(Jobs::MaxAttempts).integer().not_null())
                    .col(ts_null(Jobs::LeaseUntil))
                    .col(ts_null(Jobs::HeartbeatAt))
                    .col(ColumnDef::new(Jobs::LockedBy).text().null())
                    .col(ColumnDef::new(Jobs::ProgressDone).big_integer().not_null())
                    .col(ColumnDef::new(Jobs::ProgressTotal).big_integer().null())
                    .col(ColumnDef::new(Jobs::ProgressMessage).text().null())
                    .col(ColumnDef::new(Jobs::Result).json().null())
                    .col(ColumnDef::new(Jobs::LastError).text().null())
                    .col(ColumnDef::new(Jobs::DedupKey).text().null())
                    .col(ColumnDef::new(Jobs::CreatedBy).uuid().null())
                    .col(ts(Jobs::CreatedAt))
                    .col(ts_null(Jobs::StartedAt))
                    .col(ts_null(Jobs::FinishedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("jobs_due_idx")
                    .table(Jobs::Table)
                    .col(Jobs::Status)
                    .col(Jobs::RunAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("jobs_kind_idx")
                    .table(Jobs::Table)
                    .col(Jobs::Kind)
                    .col((Jobs::CreatedAt, IndexOrder::Desc))
                    .to_owned(),
            )
            .await?;
        // At most one queued or running job per dedup key (both databases
        // support partial indexes).
        manager
            .get_connection()
            .execute_unprepared(
                "CREATE UNIQUE INDEX jobs_dedup_key ON jobs (dedup_key) \
                 WHERE dedup_key IS NOT NULL AND status IN ('queued', 'running')",
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(JobSchedules::Table)
                    .col(
                        ColumnDef::new(JobSchedules::Kind)
                            .text()
                            .not_null()
                            .primary_key(),
                    )
                    .col(ts(JobSchedules::NextRunAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(JobSchedules::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(Jobs::Table).to_owned())
            .await
    }
}
