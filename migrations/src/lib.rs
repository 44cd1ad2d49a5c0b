//! Roster's database migrations, for SQLite and PostgreSQL alike. Append-only: a
//! shipped migration is never edited; a change is a new migration.

pub use sea_orm_migration::prelude::*;

mod m20261125_000001_create_users;
mod m20261125_000002_create_refresh_tokens;
mod m20261125_000003_create_auth_throttle;
mod m20261125_000004_create_teams;
mod m20261125_000005_create_outbox_and_one_time_tokens;
mod m20261201_000006_widen_sort_keys;
mod m20261201_000007_add_outbox_last_attempt_at;
mod m20261201_000008_create_sessions_and_audit_events;
mod m20261201_000009_create_jobs;
mod m20261201_000010_create_idempotency_keys;
mod m20261202_000011_fold_user_search;
mod m20261203_000012_team_managers_are_managers;
mod m20261203_000013_index_users_list_orders;
mod m20261203_000014_search_index_by_rowid;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261125_000001_create_users::Migration),
            Box::new(m20261125_000002_create_refresh_tokens::Migration),
            Box::new(m20261125_000003_create_auth_throttle::Migration),
            Box::new(m20261125_000004_create_teams::Migration),
            Box::new(m20261125_000005_create_outbox_and_one_time_tokens::Migration),
            Box::new(m20261201_000006_widen_sort_keys::Migration),
            Box::new(m20261201_000007_add_outbox_last_attempt_at::Migration),
            Box::new(m20261201_000008_create_sessions_and_audit_events::Migration),
            Box::new(m20261201_000009_create_jobs::Migration),
            Box::new(m20261201_000010_create_idempotency_keys::Migration),
            Box::new(m20261202_000011_fold_user_search::Migration),
            Box::new(m20261203_000012_team_managers_are_managers::Migration),
            Box::new(m20261203_000013_index_users_list_orders::Migration),
            Box::new(m20261203_000014_search_index_by_rowid::Migration),
        ]
    }
}
