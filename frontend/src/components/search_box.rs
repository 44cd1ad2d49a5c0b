//! A search field that reports what was typed once typing pauses, or at once
//! on Enter, and follows the address when it changes (Back).

use std::time::Duration;

use leptos::prelude::*;

/// How long typing must pause before the search runs.
pub const SEARCH_DEBOUNCE: Duration = Duration::from_millis(300);

/// A labelled `type=search` input inside a `role=search` form.
#[component]
pub fn SearchBox(
    /// The input's id.
    id: &'static str,
    /// The visible label.
    label: &'static str,
    #[prop(optional)] placeholder: Option<&'static str>,
    /// The search as the address has it.
    #[prop(into)]
    current: Signal<String>,
    /// Called with the new search text.
    on_search: Callback<String>,
) -> impl IntoView {
    let text = RwSignal::new(current.get_untracked());
    let timer = StoredValue::new(None::<TimeoutHandle>);
    let cancel_timer = move || {
        if let Some(handle) = timer.try_update_value(Option::take).flatten() {
            handle.clear();
        }
    };
    on_cleanup(cancel_timer);
    let apply = move || {
        cancel_timer();
        let q = text.get_untracked();
        if current.get_untracked() != q {
            on_search.run(q);
        }
    };
    let from_address = Memo::new(move |_| current.get());
    Effect::new(move |_| {
        let q = from_address.get();
        // While a search is pending the box is ahead of the address; leave it.
        if timer.with_value(Option::is_none) && text.get_untracked() != q {
            text.set(q);
        }
    });
    view! {
        <form
            class="toolbar"
            role="search"
            on:submit=move |ev| {
                ev.prevent_default();
                apply();
            }
        >
            <label for=id>{label}</label>
            <input
                id=id
                type="search"
                name="q"
                autocomplete="off"
                maxlength=roster_types::validate::MAX_SEARCH_LEN
                placeholder=placeholder
                prop:value=move || text.get()
                on:input=move |ev| {
                    text.set(event_target_value(&ev));
                    cancel_timer();
                    timer.set_value(set_timeout_with_handle(apply, SEARCH_DEBOUNCE).ok());
                }
            />
        </form>
    }
}
