//! The platform every slice writes through: the request context (who acts, on
//! whose behalf, from where), the audit trail, durable background jobs, and idempotent creation.

pub mod audit;
pub mod context;
pub mod idempotency;
pub mod jobs;
