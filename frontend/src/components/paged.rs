//! What the list pages whose whole state is their query (Audit, Jobs) share:
//! the loaded page with the query that asked for it, and moving that query to
//! another page or page size, with the defaults left out of the address.

use leptos::prelude::*;
use roster_types::{AuditEventQuery, DEFAULT_PER_PAGE, JobListQuery, Page, PageInfo};

use crate::components::data_table::{Paging, TablePage};

/// A list query that asks for one page.
pub trait PagedQuery: Clone + Send + Sync + 'static {
    /// The page asked for, if not the first.
    fn page(&self) -> Option<u32>;
    /// The page size asked for, if not the default.
    fn per_page(&self) -> Option<u32>;
    /// The same query for another page and size.
    fn with_paging(&self, page: Option<u32>, per_page: Option<u32>) -> Self;
}

macro_rules! paged_query {
    ($($query:ty),*) => {$(
        impl PagedQuery for $query {
            fn page(&self) -> Option<u32> {
                self.page
            }
            fn per_page(&self) -> Option<u32> {
                self.per_page
            }
            fn with_paging(&self, page: Option<u32>, per_page: Option<u32>) -> Self {
                Self { page, per_page, ..self.clone() }
            }
        }
    )*};
}
paged_query!(AuditEventQuery, JobListQuery);

/// The 1-based page `query` asks for.
pub fn page_of<Q: PagedQuery>(query: &Q) -> u32 {
    query.page().unwrap_or(1)
}

/// The page size `query` asks for.
pub fn per_page_of<Q: PagedQuery>(query: &Q) -> u32 {
    query.per_page().unwrap_or(DEFAULT_PER_PAGE)
}

/// `query` on page `page` (page 1 is left out of the address).
pub fn on_page<Q: PagedQuery>(query: &Q, page: u32) -> Q {
    query.with_paging((page > 1).then_some(page), query.per_page())
}

/// `query` with `per_page` rows a page, from page 1 (the default size is left
/// out of the address).
pub fn with_per_page<Q: PagedQuery>(query: &Q, per_page: u32) -> Q {
    query.with_paging(None, (per_page != DEFAULT_PER_PAGE).then_some(per_page))
}

/// The pagination of a table showing `query`: its page and size, and `go`
/// called with the query of the page or size chosen.
pub fn paging<Q: PagedQuery + PartialEq>(
    query: Memo<Q>,
    go: Callback<Q>,
    per_page_choices: &'static [u32],
    per_page_id: &'static str,
) -> Paging {
    Paging {
        page: Signal::derive(move || query.with(page_of)),
        per_page: Signal::derive(move || query.with(per_page_of)),
        per_page_choices,
        per_page_id,
        on_page: Callback::new(move |page| go.run(query.with_untracked(|q| on_page(q, page)))),
        on_per_page: Callback::new(move |size| {
            go.run(query.with_untracked(|q| with_per_page(q, size)));
        }),
    }
}

/// A loaded page with the query that asked for it.
#[derive(Debug, Clone, PartialEq)]
pub struct Loaded<Q, T> {
    pub query: Q,
    pub list: Page<T>,
}

impl<Q, T> TablePage for Loaded<Q, T>
where
    Q: Clone + PartialEq + Send + Sync + 'static,
    T: Clone + PartialEq + Send + Sync + 'static,
{
    type Row = T;

    fn rows(&self) -> &[T] {
        &self.list.items
    }

    fn page_info(&self) -> &PageInfo {
        &self.list.page
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use roster_types::ListQuery;

    #[test]
    fn paging_leaves_the_defaults_out_of_the_address() {
        let query = AuditEventQuery {
            action: Some("team.".into()),
            ..AuditEventQuery::default()
        };
        assert_eq!(on_page(&query, 1).page, None);
        assert_eq!(on_page(&query, 3).page, Some(3));
        let resized = with_per_page(&on_page(&query, 3), 50);
        assert_eq!((resized.page, resized.per_page), (None, Some(50)));
        assert_eq!(with_per_page(&resized, DEFAULT_PER_PAGE).per_page, None);
        assert_eq!(
            resized.to_pairs(),
            [
                ("action", "team.".to_string()),
                ("per_page", "50".to_string())
            ]
        );
        assert_eq!((page_of(&resized), per_page_of(&resized)), (1, 50));
        let jobs = on_page(&JobListQuery::default(), 2);
        assert_eq!((page_of(&jobs), per_page_of(&jobs)), (2, DEFAULT_PER_PAGE));
    }
}
