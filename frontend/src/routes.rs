//! Every path of the SPA, named once.

use std::fmt;

use leptos_router::location::Url;

/// A screen of the app with its own address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Page {
    /// The sign-in form.
    Login,
    /// The Users table.
    Users,
}

impl Page {
    /// The path segment the router matches, without the leading slash.
    pub const fn segment(self) -> &'static str {
        match self {
            Page::Login => "login",
            Page::Users => "users",
        }
    }

    /// The absolute path followed by `query` (which starts with `?` or is empty).
    pub fn with_query(self, query: &str) -> String {
        format!("{self}{query}")
    }
}

/// Writes the absolute path, e.g. `/users`.
impl fmt::Display for Page {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "/{}", self.segment())
    }
}

/// An encoded query string (with its `?`, or empty) of `params`.
pub fn query_string<K: AsRef<str>, V: AsRef<str>>(params: &[(K, V)]) -> String {
    if params.is_empty() {
        return String::new();
    }
    let pairs: Vec<String> = params
        .iter()
        .map(|(key, value)| {
            format!(
                "{}={}",
                Url::escape(key.as_ref()),
                Url::escape(value.as_ref())
            )
        })
        .collect();
    format!("?{}", pairs.join("&"))
}

/// The value of `key` in a raw (still encoded) query string such as
/// `location.search`, decoded once.
///
/// Read this rather than the router's `use_query_map`: leptos_router 0.8.17
/// decodes its query map twice, so a search for `100%25` would come back as
/// `100%`.
pub fn query_param(raw_search: &str, key: &str) -> Option<String> {
    web_sys::UrlSearchParams::new_with_str(raw_search)
        .ok()?
        .get(key)
}

/// Whether `path` is a same-site path that is safe to return to after signing in
/// (not `//host` or an absolute URL, which would send people elsewhere).
pub fn is_local_path(path: &str) -> bool {
    path.starts_with('/') && !path.starts_with("//") && !path.starts_with("/\\")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_render_as_absolute_paths() {
        assert_eq!(Page::Login.to_string(), "/login");
        assert_eq!(Page::Users.with_query("?page=2"), "/users?page=2");
    }

    #[test]
    fn only_same_site_paths_count_as_local() {
        assert!(is_local_path("/users?page=2"));
        assert!(!is_local_path("//evil.example"));
        assert!(!is_local_path("https://evil.example"));
        assert!(!is_local_path("/\\evil.example"));
    }
}
