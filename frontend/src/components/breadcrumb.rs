//! The trail above a detail page: "Users › Ada Lovelace".

use leptos::prelude::*;
use leptos_router::components::A;

/// `parent` links back to the list; `current` is this page's name (empty while
/// it loads).
#[component]
pub fn Breadcrumb(
    parent: &'static str,
    parent_href: String,
    #[prop(into)] current: Signal<String>,
) -> impl IntoView {
    view! {
        <nav class="breadcrumb" aria-label="Breadcrumb" id="breadcrumb">
            <ol>
                <li>
                    <A href=parent_href>{parent}</A>
                </li>
                <Show when=move || current.with(|c| !c.is_empty())>
                    <li aria-current="page">{current}</li>
                </Show>
            </ol>
        </nav>
    }
}
