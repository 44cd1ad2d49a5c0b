//! Previous / next page buttons, "Page X of Y" and a page-size picker.

use leptos::prelude::*;

use crate::format::grouped;

/// Page navigation for a list. Rendered once and kept in place while pages
/// load, so keyboard focus stays on the button that was pressed.
#[component]
pub fn Pagination(
    /// The current 1-based page.
    #[prop(into)]
    page: Signal<u32>,
    /// How many pages there are (at least one).
    #[prop(into)]
    page_count: Signal<u64>,
    /// Whether `page_count` comes from an estimated total ("of about").
    #[prop(into)]
    estimate: Signal<bool>,
    /// Whether a page follows this one.
    #[prop(into)]
    has_next: Signal<bool>,
    /// How many items a page holds.
    #[prop(into)]
    per_page: Signal<u32>,
    /// The page sizes to offer.
    per_page_choices: &'static [u32],
    /// The id of the page-size `<select>`.
    per_page_id: &'static str,
    /// Called with the page to show.
    on_page: Callback<u32>,
    /// Called with the new page size.
    on_per_page: Callback<u32>,
) -> impl IntoView {
    let at_first = move || page.get() <= 1;
    let at_last = move || !has_next.get();
    let choices = per_page_choices
        .iter()
        .map(|&choice| {
            view! {
                <option value=choice.to_string() prop:selected=move || per_page.get() == choice>
                    {choice.to_string()}
                </option>
            }
        })
        .collect_view();
    view! {
        <nav class="pagination" aria-label="Pagination">
            <button
                type="button"
                class="button"
                disabled=at_first
                on:click=move |_| on_page.run(page.get_untracked().saturating_sub(1).max(1))
            >
                "Previous"
            </button>
            <span class="page-status">
                {move || {
                    let about = if estimate.get() { "about " } else { "" };
                    format!("Page {} of {about}{}", page.get(), grouped(page_count.get()))
                }}
            </span>
            <button
                type="button"
                class="button"
                disabled=at_last
                on:click=move |_| on_page.run(page.get_untracked().saturating_add(1))
            >
                "Next"
            </button>
            <span class="per-page">
                <label for=per_page_id>"Per page"</label>
                <select
                    id=per_page_id
                    on:change=move |ev| {
                        if let Ok(size) = event_target_value(&ev).parse() {
                            on_per_page.run(size);
                        }
                    }
                >
                    {choices}
                </select>
            </span>
        </nav>
    }
}
