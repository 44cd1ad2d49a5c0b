//! The page a list request asks for, and the page it is answered with.

use roster_types::{Page, PageInfo};

use crate::counting::Total;

/// Which slice of a list to read: the 1-based page and its size, defaults
/// filled in and the size clamped to what a list serves.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Paging {
    page: u32,
    per_page: u32,
}

impl Paging {
    pub(crate) fn new(page: Option<u32>, per_page: Option<u32>) -> Self {
        let (page, per_page) = roster_types::page_and_size(page, per_page);
        Self { page, per_page }
    }

    /// How many rows come before the page.
    pub(crate) fn offset(self) -> u64 {
        u64::from(self.page - 1) * u64::from(self.per_page)
    }

    /// How many rows the page holds at most.
    pub(crate) fn limit(self) -> u64 {
        u64::from(self.per_page)
    }

    /// The answer: `items` of this page, `total` (exact) across all pages.
    pub(crate) fn page<T>(self, items: Vec<T>, total: u64) -> Page<T> {
        self.page_of(items, Total::exact(total))
    }

    /// The answer with a total that may be an estimate ([`crate::counting`]).
    pub(crate) fn page_of<T>(self, items: Vec<T>, total: Total) -> Page<T> {
        Page {
            items,
            page: PageInfo {
                page: self.page,
                per_page: self.per_page,
                total: total.count,
                total_is_estimate: total.is_estimate,
            },
        }
    }
}
