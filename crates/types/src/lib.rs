//! The API contract shared by the server and the browser: request and response
//! bodies, id newtypes, the problem body and the validation rules forms share.
//!
//! Plain serde types that compile for wasm32. `utoipa::ToSchema` derives sit behind
//! the `openapi` feature so the SPA does not pay for them.

pub mod audit;
pub mod auth;
pub mod jobs;
pub mod mail;
pub mod problem;
pub mod teams;
pub mod users;
pub mod validate;

pub use audit::*;
pub use auth::*;
pub use jobs::*;
pub use mail::*;
pub use problem::*;
pub use teams::*;
pub use users::*;

/// Pagination metadata of every list response.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PageInfo {
    /// The 1-based page number that was returned.
    #[cfg_attr(feature = "openapi", schema(example = 1))]
    pub page: u32,
    /// How many items a page holds.
    #[cfg_attr(feature = "openapi", schema(example = 25))]
    pub per_page: u32,
    /// How many items match the filters, across all pages.
    #[cfg_attr(feature = "openapi", schema(example = 1342))]
    pub total: u64,
}

impl PageInfo {
    /// The number of pages needed for `total` items (at least one).
    pub fn page_count(&self) -> u64 {
        self.total.div_ceil(u64::from(self.per_page.max(1))).max(1)
    }
}

/// Default page size of list endpoints.
pub const DEFAULT_PER_PAGE: u32 = 25;
/// Largest page size a list endpoint accepts.
pub const MAX_PER_PAGE: u32 = 200;

/// Parses `page` (at least 1) or `per_page` (1 to `MAX_PER_PAGE`).
pub fn parse_page_param(key: &str, value: &str) -> Result<u32, FieldError> {
    match (key, value.parse::<u32>()) {
        ("per_page", Ok(n)) if (1..=MAX_PER_PAGE).contains(&n) => Ok(n),
        ("per_page", _) => Err(FieldError::new(
            key,
            format!("Use a whole number from 1 to {MAX_PER_PAGE}."),
        )),
        (_, Ok(n)) if n >= 1 => Ok(n),
        _ => Err(FieldError::new(key, "Use a whole number of at least 1.")),
    }
}

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
