//! The platform every slice writes through: the request context (who acts, on
//! whose behalf, from where) and the audit trail.

pub mod audit;
pub mod context;
