//! The platform every slice writes through: the request context (who acts, on
//! whose behalf, from where), the audit trail, and durable background jobs.

pub mod audit;
pub mod context;
pub mod jobs;
