//! Sessions (one per sign-in, with an absolute lifetime; refresh tokens of a
//! session share its id as their family) and the append-only audit trail.
//!
//! Existing refresh-token families become sessions, so nobody is signed out by
//! the upgrade. `audit_events` refuses UPDATE and DELETE by trigger on both
//! databases.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Sessions {
    Table,
    Id,
    UserId,
    CreatedAt,
    LastUsedAt,
    ExpiresAt,
    Ip,
    UserAgent,
    RevokedAt,
    RevokedReason,
}

#[derive(DeriveIden, Clone)]
enum AuditEvents {
    Table,
    Id,
    OccurredAt,
    Action,
    Outcome,
    ActorId,
    ActorName,
    ImpersonatorId,
    SessionId,
    TargetType,
    TargetId,
    TargetName,
    SubjectUserId,
    RequestId,
    Ip,
    UserAgent,
    Details,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

fn ts(col: impl IntoIden) -> ColumnDef {
    ColumnDef::new(col)
        .timestamp_with_time_zone()
        .not_null()
        .to_owned()
}

fn index(name: &str, cols: &[AuditEvents]) -> IndexCreateStatement {
    let mut idx = Index::create();
    idx.name(name).table(AuditEvents::Table);
    for col in cols {
        idx.col(col.clone());
    }
    idx.col((AuditEvents::OccurredAt, IndexOrder::Desc))
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Sessions::Table)
                    .col(ColumnDef::new(Sessions::Id).uuid().not_null().primary_key())
                    .col(ColumnDef::new(Sessions::UserId).uuid().not_null())
                    .col(ts(Sessions::CreatedAt))
                    .col(ts(Sessions::LastUsedAt))
                    .col(ts(Sessions::ExpiresAt))
                    .col(ColumnDef::new(Sessions::Ip).text().null())
                    .col(ColumnDef::new(Sessions::UserAgent).text().null())
                    .col(
                        ColumnDef::new(Sessions::RevokedAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .col(ColumnDef::new(Sessions::RevokedReason).text().null())
                    .foreign_key(
                        ForeignKey::create()
                            .from(Sessions::Table, Sessions::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("sessions_user_idx")
                    .table(Sessions::Table)
                    .col(Sessions::UserId)
                    .to_owned(),
            )
            .await?;
        // Every live refresh-token family is a session already.
        manager
            .get_connection()
            .execute_unprepared(
                "INSERT INTO sessions (id, user_id, created_at, last_used_at, expires_at) \
                 SELECT family_id, user_id, MIN(created_at), MAX(created_at), MAX(expires_at) \
                 FROM refresh_tokens WHERE revoked_at IS NULL GROUP BY family_id, user_id",
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(AuditEvents::Table)
                    .col(
                        ColumnDef::new(AuditEvents::Id)
                            .uuid()
                            .not_null()
                            .primary_key(),
                    )
                    .col(ts(AuditEvents::OccurredAt))
                    .col({
                        // Byte order on PostgreSQL too, so that a prefix
                        // (`user.`) is a range its index answers.
                        let mut col = ColumnDef::new(AuditEvents::Action)
                            .text()
                            .not_null()
                            .to_owned();
                        if manager.get_database_backend() == DbBackend::Postgres {
                            col.extra("COLLATE \"C\"");
                        }
                        col
                    })
                    .col(ColumnDef::new(AuditEvents::Outcome).text().not_null())
                    .col(ColumnDef::new(AuditEvents::ActorId).uuid().null())
                    .col(ColumnDef::new(AuditEvents::ActorName).text().not_null())
                    .col(ColumnDef::new(AuditEvents::ImpersonatorId).uuid().null())
                    .col(ColumnDef::new(AuditEvents::SessionId).uuid().null())
                    .col(ColumnDef::new(AuditEvents::TargetType).text().null())
                    .col(ColumnDef::new(AuditEvents::TargetId).text().null())
                    .col(ColumnDef::new(AuditEvents::TargetName).text().null())
                    .col(ColumnDef::new(AuditEvents::SubjectUserId).uuid().null())
                    .col(ColumnDef::new(AuditEvents::RequestId).text().null())
                    .col(ColumnDef::new(AuditEvents::Ip).text().null())
                    .col(ColumnDef::new(AuditEvents::UserAgent).text().null())
                    .col(ColumnDef::new(AuditEvents::Details).json().not_null())
                    .to_owned(),
            )
            .await?;
        // Newest first, under every filter the API offers.
        manager
            .create_index(index("audit_events_time_idx", &[]))
            .await?;
        for (name, cols) in [
            ("audit_events_actor_idx", vec![AuditEvents::ActorId]),
            ("audit_events_subject_idx", vec![AuditEvents::SubjectUserId]),
            (
                "audit_events_target_idx",
                vec![AuditEvents::TargetType, AuditEvents::TargetId],
            ),
            ("audit_events_action_idx", vec![AuditEvents::Action]),
            ("audit_events_session_idx", vec![AuditEvents::SessionId]),
            ("audit_events_request_idx", vec![AuditEvents::RequestId]),
        ] {
            manager.create_index(index(name, &cols)).await?;
        }
        // Nearly every event succeeds: the time index serves `outcome=success`,
        // and only the few refusals and errors are indexed by outcome, so
        // ordinary writes do not pay for this index.
        let db = manager.get_connection();
        db.execute_unprepared(
            "CREATE INDEX audit_events_outcome_idx ON audit_events (outcome, occurred_at DESC) \
             WHERE outcome <> 'success'",
        )
        .await?;

        match db.get_database_backend() {
            DbBackend::Postgres => {
                db.execute_unprepared(
                    "CREATE FUNCTION audit_events_append_only() RETURNS trigger AS $$ \
                     BEGIN RAISE EXCEPTION 'audit_events is append-only'; END $$ LANGUAGE plpgsql",
                )
                .await?;
                db.execute_unprepared(
                    "CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events \
                     FOR EACH ROW EXECUTE FUNCTION audit_events_append_only()",
                )
                .await?;
                db.execute_unprepared(
                    "CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events \
                     FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only()",
                )
                .await?;
            }
            _ => {
                db.execute_unprepared(
                    "CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events \
                     BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END",
                )
                .await?;
                db.execute_unprepared(
                    "CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events \
                     BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END",
                )
                .await?;
            }
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(AuditEvents::Table).to_owned())
            .await?;
        if manager.get_database_backend() == DbBackend::Postgres {
            manager
                .get_connection()
                .execute_unprepared("DROP FUNCTION IF EXISTS audit_events_append_only()")
                .await?;
        }
        manager
            .drop_table(Table::drop().table(Sessions::Table).to_owned())
            .await
    }
}
