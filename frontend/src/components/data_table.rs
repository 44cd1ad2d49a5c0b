//! A table over one page of a list resource: column headers (sortable ones with
//! `aria-sort`), the rows, and the states around them (loading, empty, error
//! with Retry), then the total and the pagination.

use leptos::error::Errors;
use leptos::prelude::*;
use roster_types::PageInfo;

use crate::api::ApiError;
use crate::components::pagination::Pagination;
use crate::components::sort_header::{SortDirection, SortHeader};
use crate::format::total_of;

/// A loaded page a [`DataTable`] can show: its rows and where it sits in the
/// whole list.
pub trait TablePage: Clone + PartialEq + Send + Sync + 'static {
    type Row: Clone + Send + Sync + 'static;

    /// The rows of this page, in order.
    fn rows(&self) -> &[Self::Row];

    /// The page's place in the list, with the total.
    fn page_info(&self) -> &PageInfo;
}

/// How a column is sorted, if at all.
#[derive(Clone, Copy)]
enum ColumnSort {
    /// Not sorted by.
    Unsorted,
    /// The list always comes in this column's order (the header says so, but
    /// cannot change it).
    Fixed(SortDirection),
    /// The header's button asks the page for another order.
    Toggle {
        direction: Signal<Option<SortDirection>>,
        on_toggle: Callback<()>,
    },
}

/// One column header.
#[derive(Clone, Copy)]
pub struct Column {
    key: &'static str,
    label: &'static str,
    class: Option<&'static str>,
    label_hidden: bool,
    sort: ColumnSort,
}

impl Column {
    /// A column with key `key` (its `data-column`) and header text `label`.
    pub const fn new(key: &'static str, label: &'static str) -> Self {
        Self {
            key,
            label,
            class: None,
            label_hidden: false,
            sort: ColumnSort::Unsorted,
        }
    }

    /// Sets the header cell's class (e.g. `col-actions`).
    pub const fn class(mut self, class: &'static str) -> Self {
        self.class = Some(class);
        self
    }

    /// Keeps the header text for screen readers only (a column of buttons).
    pub const fn label_hidden(mut self) -> Self {
        self.label_hidden = true;
        self
    }

    /// The list always comes sorted by this column, this way.
    pub const fn sorted(mut self, direction: SortDirection) -> Self {
        self.sort = ColumnSort::Fixed(direction);
        self
    }

    /// A header button that asks for a new sort; `direction` is how the table
    /// is sorted by this column now (`None`: by another).
    pub fn sortable(
        mut self,
        direction: Signal<Option<SortDirection>>,
        on_toggle: Callback<()>,
    ) -> Self {
        self.sort = ColumnSort::Toggle {
            direction,
            on_toggle,
        };
        self
    }

    fn header(self) -> AnyView {
        let Column {
            key,
            label,
            class,
            label_hidden,
            sort,
        } = self;
        let text = move || {
            if label_hidden {
                view! { <span class="visually-hidden">{label}</span> }.into_any()
            } else {
                label.into_any()
            }
        };
        match sort {
            ColumnSort::Toggle {
                direction,
                on_toggle,
            } => view! { <SortHeader column=key label direction on_toggle /> }.into_any(),
            ColumnSort::Fixed(direction) => {
                let aria_sort = SortDirection::aria(Some(direction));
                view! {
                    <th scope="col" class=class data-column=key aria-sort=aria_sort>
                        {text()}
                    </th>
                }
                .into_any()
            }
            ColumnSort::Unsorted => view! {
                <th scope="col" class=class data-column=key>
                    {text()}
                </th>
            }
            .into_any(),
        }
    }
}

/// The pagination under a table whose list has more than one page.
#[derive(Clone, Copy)]
pub struct Paging {
    /// The current 1-based page.
    pub page: Signal<u32>,
    /// How many rows a page holds.
    pub per_page: Signal<u32>,
    /// The page sizes to offer.
    pub per_page_choices: &'static [u32],
    /// The id of the page-size `<select>`.
    pub per_page_id: &'static str,
    /// Called with the page to show.
    pub on_page: Callback<u32>,
    /// Called with the new page size.
    pub on_per_page: Callback<u32>,
}

/// The table of the page `resource` loads. The last page that loaded stays on
/// screen (dimmed, `aria-busy`) while the next one loads, and the footer stays
/// in place, so keyboard focus stays on the control that was used.
///
/// Element ids: the table is `id`; the error state `<id>-error`, the empty
/// state `<id>-empty`; the total `total_id`.
#[component]
pub fn DataTable<P, R>(
    /// The `<table>`'s id.
    id: &'static str,
    /// What the table holds, for screen readers (a hidden caption).
    caption: &'static str,
    /// The column headers, in order.
    columns: Vec<Column>,
    /// Loads the page to show.
    resource: LocalResource<Result<P, ApiError>>,
    /// Renders one row (one `<tr>`, or a few for a row with details).
    row: R,
    /// What the rows are, plural, in sentences: "The {what} could not be
    /// loaded.", "Loading {what}…".
    what: &'static str,
    /// The total's noun, singular and plural: `("user", "users")`.
    count_noun: (&'static str, &'static str),
    /// The id of the total's element.
    total_id: &'static str,
    /// What to show when a loaded page has no rows.
    empty: Callback<P, AnyView>,
    /// The message for a 403, instead of the server's, when there is a kinder
    /// one to give.
    #[prop(optional)]
    forbidden: Option<&'static str>,
    /// The pagination, for lists longer than one page.
    #[prop(optional)]
    paging: Option<Paging>,
) -> impl IntoView
where
    P: TablePage,
    R: Fn(P::Row) -> AnyView + Clone + Send + Sync + 'static,
{
    // The last page that loaded; kept while the next one loads.
    let loaded = Memo::new(move |_| resource.get().and_then(Result::ok));
    let (reloading, set_reloading) = signal(false);
    let busy = move || (reloading.get() || resource.with(Option::is_none)).to_string();
    let headers = columns.into_iter().map(Column::header).collect_view();

    let error_state = move |errors: ArcRwSignal<Errors>| {
        let message = move || match resource.get().and_then(Result::err) {
            Some(error) => match forbidden {
                Some(text) if error.problem().is_some_and(|p| p.status == 403) => text.to_string(),
                _ => format!("The {what} could not be loaded. {error}"),
            },
            None => errors.with(|errors| {
                errors
                    .iter()
                    .next()
                    .map(|(_, error)| format!("The {what} could not be loaded. {error}"))
                    .unwrap_or_default()
            }),
        };
        // Only what a second try may fix offers one.
        let retryable = move || {
            resource
                .get()
                .and_then(Result::err)
                .is_none_or(|error| error.is_retryable())
        };
        view! {
            <div class="state state-error" id=format!("{id}-error") role="alert">
                <p>{message}</p>
                <Show when=retryable>
                    <button type="button" class="button" on:click=move |_| resource.refetch()>
                        "Retry"
                    </button>
                </Show>
            </div>
        }
    };

    let rows = move || {
        let row = row.clone();
        Suspend::new(async move {
            resource
                .await
                .map(|page| page.rows().iter().cloned().map(row).collect_view())
        })
    };
    let empty_state = move || {
        loaded
            .get()
            .filter(|page| page.rows().is_empty())
            .map(|page| {
                view! {
                    <div class="state state-empty" id=format!("{id}-empty")>
                        {empty.run(page)}
                    </div>
                }
            })
    };
    let page_info = move || loaded.with(|page| page.as_ref().map(|p| p.page_info().clone()));
    let estimate = Signal::derive(move || page_info().is_some_and(|p| p.total_is_estimate));
    let has_next = Signal::derive(move || {
        loaded.with(|page| {
            page.as_ref()
                .is_some_and(|page| has_next_page(page.page_info(), page.rows().len()))
        })
    });
    // Past an estimate's pages, the count says at least where this one is.
    let page_count =
        Signal::derive(move || page_info().map_or(1, |p| shown_page_count(&p, has_next.get())));

    view! {
        <ErrorBoundary fallback=error_state>
            <div class="results" aria-busy=busy>
                <div class="table-wrap">
                    <table id=id class="table" aria-busy=busy>
                        <caption class="visually-hidden">{caption}</caption>
                        <thead>
                            <tr>{headers}</tr>
                        </thead>
                        <tbody>
                            <Transition set_pending=set_reloading>{rows}</Transition>
                        </tbody>
                    </table>
                </div>
                {move || {
                    resource
                        .with(Option::is_none)
                        .then(|| {
                            view! { <p class="state state-loading">{format!("Loading {what}…")}</p> }
                        })
                }}
                {empty_state}
                <Show when=move || loaded.with(Option::is_some)>
                    <div class="table-footer">
                        <span id=total_id class="total">
                            {move || {
                                let (one, many) = count_noun;
                                page_info().map(|p| total_of(&p, one, many))
                            }}
                        </span>
                        {paging.map(|paging| pagination(paging, page_count, estimate, has_next))}
                    </div>
                </Show>
            </div>
        </ErrorBoundary>
    }
}

/// Whether a page follows the one `info` describes, which holds `rows` rows.
/// An exact total says where the list ends; an estimated one does not, and
/// then a full page says that more may follow.
pub fn has_next_page(info: &PageInfo, rows: usize) -> bool {
    if info.total_is_estimate {
        rows >= info.per_page as usize
    } else {
        u64::from(info.page) < info.page_count()
    }
}

/// The page count to show: the total's, or for an estimate that this page
/// (and the next, if there is one) has passed, at least those.
pub fn shown_page_count(info: &PageInfo, has_next: bool) -> u64 {
    let reached = u64::from(info.page) + u64::from(has_next);
    if info.total_is_estimate {
        info.page_count().max(reached)
    } else {
        info.page_count()
    }
}

fn pagination(
    paging: Paging,
    page_count: Signal<u64>,
    estimate: Signal<bool>,
    has_next: Signal<bool>,
) -> impl IntoView {
    view! {
        <Pagination
            page=paging.page
            page_count
            estimate
            has_next
            per_page=paging.per_page
            per_page_choices=paging.per_page_choices
            per_page_id=paging.per_page_id
            on_page=paging.on_page
            on_per_page=paging.on_per_page
        />
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info(page: u32, total: u64, total_is_estimate: bool) -> PageInfo {
        PageInfo {
            page,
            per_page: 25,
            total,
            total_is_estimate,
        }
    }

    #[test]
    fn an_exact_total_ends_the_list_where_it_says() {
        assert!(has_next_page(&info(1, 51, false), 25));
        assert!(has_next_page(&info(2, 51, false), 25));
        assert!(!has_next_page(&info(3, 51, false), 1));
        // The last page full: still the last.
        assert!(!has_next_page(&info(2, 50, false), 25));
        assert_eq!(shown_page_count(&info(2, 50, false), false), 2);
    }

    #[test]
    fn an_estimated_total_goes_on_while_pages_are_full() {
        let estimate = info(450, 10_100, true);
        assert_eq!(estimate.page_count(), 404);
        assert!(has_next_page(&estimate, 25));
        assert!(!has_next_page(&estimate, 24));
        assert_eq!(shown_page_count(&estimate, true), 451);
        assert_eq!(shown_page_count(&estimate, false), 450);
        assert_eq!(shown_page_count(&info(3, 10_100, true), true), 404);
    }
}
