//! Roster's HTTP face: actix-web routes (thin), the bearer-token extractor, the
//! one mapping of domain errors to problem responses, the OpenAPI document, the
//! SPA's static files, configuration and the command line.

pub mod auth;
pub mod cli;
pub mod config;
pub mod error;
pub mod fallback;
pub mod idempotency;
pub mod json;
pub mod openapi;
pub mod routes;
pub mod security;
pub mod spa;
pub mod startup;

/// Stops a running [`Application`] from elsewhere (see [`Application::handle`]).
pub use actix_web::dev::ServerHandle;
pub use config::Config;
pub use startup::Application;
