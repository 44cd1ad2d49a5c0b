//! A sortable column header: `aria-sort` on the cell, a button that toggles.

use leptos::prelude::*;

/// Which way a column is sorted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortDirection {
    Ascending,
    Descending,
}

impl SortDirection {
    /// The `aria-sort` value of a column sorted `direction` (`None`: not sorted
    /// by it).
    pub fn aria(direction: Option<SortDirection>) -> &'static str {
        match direction {
            Some(SortDirection::Ascending) => "ascending",
            Some(SortDirection::Descending) => "descending",
            None => "none",
        }
    }
}

/// A `<th>` whose button asks for a new sort; the page decides what the new
/// sort is (see the Users page: a new column sorts ascending, the active one
/// reverses).
#[component]
pub fn SortHeader(
    /// The column's key, rendered as `data-column`.
    column: &'static str,
    /// The visible header text.
    label: &'static str,
    /// How the table is sorted by this column, or `None` when by another.
    #[prop(into)]
    direction: Signal<Option<SortDirection>>,
    /// Called when the header's button is pressed.
    on_toggle: Callback<()>,
) -> impl IntoView {
    // The arrow is drawn by CSS from `aria-sort`, so the cell's text stays the label.
    view! {
        <th scope="col" class="sortable" data-column=column aria-sort=move || SortDirection::aria(direction.get())>
            <button type="button" class="sort-button" on:click=move |_| on_toggle.run(())>
                {label}
            </button>
        </th>
    }
}
