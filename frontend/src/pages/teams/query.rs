//! The Teams table's state as it lives in the address bar (`q`, `sort`, `page`,
//! `per_page`).

use roster_types::{DEFAULT_PER_PAGE, ListQuery, TeamListQuery, TeamSort};

/// The page sizes offered.
pub const PER_PAGE_CHOICES: &[u32] = &[25, 50, 100];

/// The column a sort orders by, as in `data-column`: `name`, `member_count`,
/// `created_at`.
pub fn sort_column(sort: TeamSort) -> &'static str {
    sort.as_str().trim_start_matches('-')
}

pub fn sort_descending(sort: TeamSort) -> bool {
    sort.as_str().starts_with('-')
}

/// What the Teams table shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TeamsQuery {
    pub q: String,
    pub sort: TeamSort,
    /// 1-based.
    pub page: u32,
    pub per_page: u32,
}

impl Default for TeamsQuery {
    fn default() -> Self {
        Self {
            q: String::new(),
            sort: TeamSort::default(),
            page: 1,
            per_page: DEFAULT_PER_PAGE,
        }
    }
}

impl TeamsQuery {
    /// Reads the decoded parameters `param` looks up, with the codec the API
    /// reads them with; anything missing or malformed takes its default. The
    /// search text stays as typed (the request trims it).
    pub fn from_params(param: impl Fn(&str) -> Option<String>) -> Self {
        let raw: Vec<(&str, String)> = ["sort", "page", "per_page"]
            .into_iter()
            .filter_map(|key| param(key).map(|value| (key, value)))
            .collect();
        let (query, _) = TeamListQuery::from_pairs_lenient(
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
        }
    }

    /// The parameters that differ from the defaults, not yet encoded.
    pub fn to_params(&self) -> Vec<(&'static str, String)> {
        let defaults = Self::default();
        TeamListQuery {
            q: (!self.q.is_empty()).then(|| self.q.clone()),
            sort: (self.sort != defaults.sort).then_some(self.sort),
            page: (self.page != defaults.page).then_some(self.page),
            per_page: (self.per_page != defaults.per_page).then_some(self.per_page),
        }
        .to_pairs()
    }

    /// The API request for this state.
    pub fn to_request(&self) -> TeamListQuery {
        let q = self.q.trim();
        TeamListQuery {
            q: (!q.is_empty()).then(|| q.to_string()),
            sort: Some(self.sort),
            page: Some(self.page),
            per_page: Some(self.per_page),
        }
    }

    pub fn searching(&self, q: String) -> Self {
        Self {
            q,
            page: 1,
            ..self.clone()
        }
    }

    /// Clicking a header: a new column sorts ascending, the active one reverses.
    pub fn toggled(&self, column: &str) -> Self {
        let descending = sort_column(self.sort) == column && !sort_descending(self.sort);
        let value = if descending {
            format!("-{column}")
        } else {
            column.to_string()
        };
        Self {
            sort: TeamSort::parse(&value).unwrap_or(self.sort),
            page: 1,
            ..self.clone()
        }
    }

    pub fn on_page(&self, page: u32) -> Self {
        Self {
            page: page.max(1),
            ..self.clone()
        }
    }

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

    #[test]
    fn a_new_column_sorts_ascending_and_the_active_one_reverses() {
        let query = TeamsQuery::default().on_page(3);
        assert_eq!(query.sort, TeamSort::NameAsc);
        let by_name = query.toggled("name");
        assert_eq!((by_name.sort, by_name.page), (TeamSort::NameDesc, 1));
        let by_members = by_name.toggled("member_count");
        assert_eq!(by_members.sort, TeamSort::MemberCountAsc);
        assert_eq!(
            by_members.toggled("member_count").sort,
            TeamSort::MemberCountDesc
        );
    }

    #[test]
    fn the_address_keeps_only_what_differs_from_the_defaults() {
        let query = TeamsQuery::from_params(|key| match key {
            "q" => Some("sales".into()),
            "sort" => Some("-created_at".into()),
            "per_page" => Some("7".into()),
            _ => None,
        });
        assert_eq!(
            query.to_params(),
            [
                ("q", "sales".to_string()),
                ("sort", "-created_at".to_string())
            ]
        );
    }
}
