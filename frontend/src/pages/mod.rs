//! The screens of the app, one module per route.

pub mod login;
pub mod not_found;
pub mod teams;
pub mod users;
