//! The API contract shared by the server and the browser: request and response
//! bodies, id newtypes, the problem body and the validation rules forms share.
//!
//! Plain serde types that compile for wasm32. `utoipa::ToSchema` derives sit behind
//! the `openapi` feature so the SPA does not pay for them.

pub mod actions;
pub mod audit;
pub mod auth;
pub mod jobs;
pub mod mail;
pub mod problem;
pub mod query;
pub mod teams;
pub mod text;
pub mod users;
pub mod validate;

pub use audit::*;
pub use auth::*;
pub use jobs::*;
pub use mail::*;
pub use problem::*;
pub use query::{
    Choice, DEFAULT_PER_PAGE, ListQuery, MAX_PER_PAGE, Page, PageInfo, Pairs, Param, page_and_size,
    param,
};
pub use teams::*;
pub use users::*;

/// An RFC 3339 instant, or a bare date meaning its start in UTC.
pub(crate) fn parse_instant(value: &str) -> Option<chrono::DateTime<chrono::Utc>> {
    if let Ok(t) = chrono::DateTime::parse_from_rfc3339(value) {
        return Some(t.with_timezone(&chrono::Utc));
    }
    chrono::NaiveDate::parse_from_str(value, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|t| t.and_utc())
}
