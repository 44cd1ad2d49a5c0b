//! The Users table's state as it lives in the address bar (`q`, `sort`, `page`,
//! `per_page`, `team_id`, `status`, `role`, `created_from`, `created_to`), so
//! reload and Back keep it. The parameters are the API's own.

use chrono::{DateTime, Utc};
use roster_types::{
    DEFAULT_PER_PAGE, ListQuery, Role, UserColumn, UserListQuery, UserSort, UserStatus,
};
use uuid::Uuid;

/// The page sizes offered.
pub const PER_PAGE_CHOICES: &[u32] = &[25, 50, 100];

const COLUMNS: [UserColumn; 4] = [
    UserColumn::Name,
    UserColumn::Email,
    UserColumn::ThinkificId,
    UserColumn::CreatedAt,
];

/// Reads a `sort` value such as `-created_at`.
pub fn parse_sort(value: &str) -> Option<UserSort> {
    COLUMNS
        .into_iter()
        .flat_map(|column| [UserSort::new(column, false), UserSort::new(column, true)])
        .find(|sort| sort.as_str() == value)
}

/// The key of a column, as in `data-column` and the `sort` value.
pub fn column_key(column: UserColumn) -> &'static str {
    UserSort::new(column, false).as_str()
}

/// What the Users table shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsersQuery {
    /// The search text.
    pub q: String,
    pub sort: UserSort,
    /// 1-based.
    pub page: u32,
    pub per_page: u32,
    /// Only members of this team.
    pub team: Option<Uuid>,
    /// Only people with this status.
    pub status: Option<UserStatus>,
    /// Only people with this global role.
    pub role: Option<Role>,
    /// Only people added at or after this instant.
    pub created_from: Option<DateTime<Utc>>,
    /// Only people added before this instant.
    pub created_to: Option<DateTime<Utc>>,
}

impl Default for UsersQuery {
    fn default() -> Self {
        Self {
            q: String::new(),
            sort: UserSort::default(),
            page: 1,
            per_page: DEFAULT_PER_PAGE,
            team: None,
            status: None,
            role: None,
            created_from: None,
            created_to: None,
        }
    }
}

impl UsersQuery {
    /// Reads the (already decoded) query parameters that `param` looks up,
    /// with the codec the API reads them with; anything missing or malformed
    /// takes its default. The search text stays as typed (the request trims
    /// it), so a space typed between two words is not lost.
    pub fn from_params(param: impl Fn(&str) -> Option<String>) -> Self {
        let raw: Vec<(&str, String)> = [
            "sort",
            "page",
            "per_page",
            "team_id",
            "status",
            "role",
            "created_from",
            "created_to",
        ]
        .into_iter()
        .filter_map(|key| param(key).map(|value| (key, value)))
        .collect();
        let (query, _) = UserListQuery::from_pairs_lenient(
            raw.iter().map(|(key, value)| (*key, value.as_str())),
        );
        let defaults = Self::default();
        Self {
            q: param("q").unwrap_or_default(),
            sort: query.sort.unwrap_or(defaults.sort),
            page: query.page.unwrap_or(defaults.page),
            per_page: query
                .per_page
                .filter(|size| PER_PAGE_CHOICES.contains(size))
                .unwrap_or(defaults.per_page),
            team: query.team_id,
            status: query.status,
            role: query.role,
            created_from: query.created_from,
            created_to: query.created_to,
        }
    }

    /// The query parameters that differ from the defaults, not yet encoded.
    pub fn to_params(&self) -> Vec<(&'static str, String)> {
        let defaults = Self::default();
        UserListQuery {
            q: (!self.q.is_empty()).then(|| self.q.clone()),
            sort: (self.sort != defaults.sort).then_some(self.sort),
            page: (self.page != defaults.page).then_some(self.page),
            per_page: (self.per_page != defaults.per_page).then_some(self.per_page),
            team_id: self.team,
            status: self.status,
            role: self.role,
            created_from: self.created_from,
            created_to: self.created_to,
        }
        .to_pairs()
    }

    /// The API request for this state.
    pub fn to_request(&self) -> UserListQuery {
        let q = self.q.trim();
        UserListQuery {
            q: (!q.is_empty()).then(|| q.to_string()),
            sort: Some(self.sort),
            page: Some(self.page),
            per_page: Some(self.per_page),
            team_id: self.team,
            status: self.status,
            role: self.role,
            created_from: self.created_from,
            created_to: self.created_to,
        }
    }

    /// A new search starts on page 1.
    pub fn searching(&self, q: String) -> Self {
        Self {
            q,
            page: 1,
            ..self.clone()
        }
    }

    /// A new team filter starts on page 1.
    pub fn in_team(&self, team: Option<Uuid>) -> Self {
        Self {
            team,
            page: 1,
            ..self.clone()
        }
    }

    /// A new status filter starts on page 1.
    pub fn with_status(&self, status: Option<UserStatus>) -> Self {
        Self {
            status,
            page: 1,
            ..self.clone()
        }
    }

    /// A new role filter starts on page 1.
    pub fn with_role(&self, role: Option<Role>) -> Self {
        Self {
            role,
            page: 1,
            ..self.clone()
        }
    }

    /// A new creation range starts on page 1.
    pub fn created_between(
        &self,
        created_from: Option<DateTime<Utc>>,
        created_to: Option<DateTime<Utc>>,
    ) -> Self {
        Self {
            created_from,
            created_to,
            page: 1,
            ..self.clone()
        }
    }

    /// Whether any filter besides the search narrows the table.
    pub fn is_filtered(&self) -> bool {
        self.team.is_some()
            || self.status.is_some()
            || self.role.is_some()
            || self.created_from.is_some()
            || self.created_to.is_some()
    }

    /// A new sort order starts on page 1.
    pub fn sorted_by(&self, sort: UserSort) -> Self {
        Self {
            sort,
            page: 1,
            ..self.clone()
        }
    }

    /// Clicking a column header: a new column sorts ascending, the active one
    /// reverses.
    pub fn toggled(&self, column: UserColumn) -> Self {
        let descending = self.sort.column() == column && !self.sort.descending();
        self.sorted_by(UserSort::new(column, descending))
    }

    pub fn on_page(&self, page: u32) -> Self {
        Self {
            page: page.max(1),
            ..self.clone()
        }
    }

    /// A new page size starts on page 1.
    pub fn with_per_page(&self, per_page: u32) -> Self {
        Self {
            per_page,
            page: 1,
            ..self.clone()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn from(pairs: &[(&str, &'static str)]) -> UsersQuery {
        UsersQuery::from_params(|key| {
            pairs
                .iter()
                .find(|(k, _)| *k == key)
                .map(|(_, v)| v.to_string())
        })
    }

    #[test]
    fn every_sort_value_round_trips() {
        for column in COLUMNS {
            for descending in [false, true] {
                let sort = UserSort::new(column, descending);
                assert_eq!(parse_sort(sort.as_str()), Some(sort));
            }
        }
        assert_eq!(parse_sort("nonsense"), None);
    }

    #[test]
    fn a_missing_or_broken_query_falls_back_to_defaults() {
        let query = from(&[("page", "0"), ("per_page", "7"), ("sort", "x")]);
        assert_eq!(query, UsersQuery::default());
    }

    #[test]
    fn the_address_keeps_only_what_differs_from_the_defaults() {
        let query = from(&[("q", "50% off"), ("sort", "name"), ("page", "3")]);
        assert_eq!(
            query.to_params(),
            [
                ("q", "50% off".to_string()),
                ("sort", "name".to_string()),
                ("page", "3".to_string())
            ]
        );
    }

    #[test]
    fn a_new_column_sorts_ascending_and_the_active_one_reverses() {
        let query = UsersQuery::default().on_page(4);
        let by_name = query.toggled(UserColumn::Name);
        assert_eq!((by_name.sort, by_name.page), (UserSort::NameAsc, 1));
        assert_eq!(by_name.toggled(UserColumn::Name).sort, UserSort::NameDesc);
        assert_eq!(
            by_name
                .toggled(UserColumn::Name)
                .toggled(UserColumn::Name)
                .sort,
            UserSort::NameAsc
        );
        assert_eq!(
            UsersQuery::default().toggled(UserColumn::CreatedAt).sort,
            UserSort::CreatedAtAsc
        );
    }

    #[test]
    fn filters_live_in_the_address_and_reach_the_request() {
        let team = Uuid::nil();
        let query = UsersQuery::default()
            .on_page(3)
            .in_team(Some(team))
            .with_status(Some(UserStatus::Suspended));
        assert_eq!(query.page, 1);
        assert_eq!(
            query.to_params(),
            [
                ("status", "suspended".to_string()),
                ("team_id", team.to_string())
            ]
        );
        let request = query.to_request();
        assert_eq!(
            (request.team_id, request.status),
            (Some(team), Some(UserStatus::Suspended))
        );
        let broken = from(&[("team_id", "nope"), ("status", "asleep")]);
        assert_eq!((broken.team, broken.status), (None, None));
    }

    #[test]
    fn role_and_creation_range_live_in_the_address_and_reach_the_request() {
        let from_day = "2026-03-01T00:00:00+00:00".parse().ok();
        let to_day = "2026-04-01T00:00:00+00:00".parse().ok();
        let query = UsersQuery::default()
            .on_page(2)
            .with_role(Some(Role::Manager))
            .created_between(from_day, to_day);
        assert_eq!(query.page, 1);
        assert!(query.is_filtered());
        let params = query.to_params();
        assert_eq!(params[0], ("role", "manager".to_string()));
        let read = UsersQuery::from_params(|key| {
            params
                .iter()
                .find(|(k, _)| *k == key)
                .map(|(_, v)| v.clone())
        });
        assert_eq!(read, query);
        let request = read.to_request();
        assert_eq!(
            (request.role, request.created_from, request.created_to),
            (Some(Role::Manager), from_day, to_day)
        );
        // A range that ends before it starts is dropped as a whole end.
        let backwards = from(&[("created_from", "2026-05-01"), ("created_to", "2026-04-01")]);
        assert!(backwards.created_from.is_some());
        assert_eq!(backwards.created_to, None);
    }

    #[test]
    fn searching_and_resizing_go_back_to_page_one() {
        let query = UsersQuery::default().on_page(5);
        assert_eq!(query.searching("ada".into()).page, 1);
        assert_eq!(query.with_per_page(50).page, 1);
    }
}
