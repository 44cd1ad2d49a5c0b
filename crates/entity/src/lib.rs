//! SeaORM entities: Roster's tables as Rust types. Never serialized to clients;
//! `roster-domain` turns them into `roster-types` DTOs.

pub mod audit_events;
pub mod auth_throttle;
pub mod idempotency_keys;
pub mod job_schedules;
pub mod jobs;
pub mod one_time_tokens;
pub mod outbox;
pub mod refresh_tokens;
pub mod sessions;
pub mod team_members;
pub mod teams;
pub mod user_roles;
pub mod users;
