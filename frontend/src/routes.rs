//! Every path of the SPA, named once.

use std::fmt;

use uuid::Uuid;

/// A tab of the user detail page, in display order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum UserTab {
    #[default]
    Profile,
    Enrollments,
    Quizzes,
    Teams,
    /// The audit trail about this person (admins only). Not last, so the first
    /// and last tabs (Home, End) are the same whoever is looking.
    History,
    Groups,
}

impl UserTab {
    pub const ALL: [UserTab; 6] = [
        UserTab::Profile,
        UserTab::Enrollments,
        UserTab::Quizzes,
        UserTab::Teams,
        UserTab::History,
        UserTab::Groups,
    ];

    /// The path segment, e.g. `profile`.
    pub const fn slug(self) -> &'static str {
        match self {
            UserTab::Profile => "profile",
            UserTab::Enrollments => "enrollments",
            UserTab::Quizzes => "quizzes",
            UserTab::Teams => "teams",
            UserTab::History => "history",
            UserTab::Groups => "groups",
        }
    }

    /// The tab's visible name.
    pub const fn label(self) -> &'static str {
        match self {
            UserTab::Profile => "Profile",
            UserTab::Enrollments => "Enrollments",
            UserTab::Quizzes => "Quizzes",
            UserTab::Teams => "Teams",
            UserTab::History => "History",
            UserTab::Groups => "Groups",
        }
    }

    pub fn parse(slug: &str) -> Option<UserTab> {
        UserTab::ALL.into_iter().find(|tab| tab.slug() == slug)
    }
}

/// A screen of the app with its own address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Page {
    /// The sign-in form.
    Login,
    /// Choosing a password from an emailed link (`?token=...`): first password
    /// or reset. Reachable signed out.
    SetPassword,
    /// "Forgot password?": asking for a reset link. Reachable signed out.
    ForgotPassword,
    /// The Users table.
    Users,
    /// One user, on one tab.
    User(Uuid, UserTab),
    /// The Teams table.
    Teams,
    /// One team and its members.
    Team(Uuid),
    /// The audit trail, with its filters in the query string (admins only).
    Audit,
    /// The background jobs, with their filters in the query string (admins
    /// only).
    Jobs,
}

impl Page {
    /// The first path segment, which the router matches, without the slash.
    pub const fn segment(self) -> &'static str {
        match self {
            Page::Login => "login",
            Page::SetPassword => "set-password",
            Page::ForgotPassword => "forgot-password",
            Page::Users | Page::User(..) => "users",
            Page::Teams | Page::Team(_) => "teams",
            Page::Audit => "audit",
            Page::Jobs => "jobs",
        }
    }

    /// The absolute path followed by `query` (which starts with `?` or is empty).
    pub fn with_query(self, query: &str) -> String {
        format!("{self}{query}")
    }
}

/// Writes the absolute path, e.g. `/users` or `/users/<id>/profile`.
impl fmt::Display for Page {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Page::Login
            | Page::SetPassword
            | Page::ForgotPassword
            | Page::Users
            | Page::Teams
            | Page::Audit
            | Page::Jobs => write!(f, "/{}", self.segment()),
            Page::User(id, tab) => write!(f, "/{}/{id}/{}", self.segment(), tab.slug()),
            Page::Team(id) => write!(f, "/{}/{id}", self.segment()),
        }
    }
}

/// An encoded query string (with its `?`, or empty) of `params`: the codec the
/// server reads list queries with.
pub fn query_string<K: AsRef<str>, V: AsRef<str>>(params: &[(K, V)]) -> String {
    roster_types::query::encode(params)
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
        assert_eq!(Page::Teams.to_string(), "/teams");
        assert_eq!(
            Page::Audit.with_query("?action=user."),
            "/audit?action=user."
        );
        assert_eq!(
            Page::Jobs.with_query("?status=failed"),
            "/jobs?status=failed"
        );
        assert_eq!(Page::SetPassword.to_string(), "/set-password");
        assert_eq!(Page::ForgotPassword.to_string(), "/forgot-password");
        let id = Uuid::nil();
        assert_eq!(
            Page::User(id, UserTab::Teams).to_string(),
            format!("/users/{id}/teams")
        );
        assert_eq!(Page::Team(id).to_string(), format!("/teams/{id}"));
    }

    #[test]
    fn every_user_tab_round_trips_through_its_slug() {
        for tab in UserTab::ALL {
            assert_eq!(UserTab::parse(tab.slug()), Some(tab));
        }
        assert_eq!(UserTab::parse("settings"), None);
    }

    #[test]
    fn only_same_site_paths_count_as_local() {
        assert!(is_local_path("/users?page=2"));
        assert!(!is_local_path("//evil.example"));
        assert!(!is_local_path("https://evil.example"));
        assert!(!is_local_path("/\\evil.example"));
    }
}
