//! The screens of the app, one module per route.

pub mod audit;
pub mod forgot_password;
pub mod jobs;
pub mod login;
pub mod not_found;
pub mod set_password;
pub mod teams;
pub mod users;
