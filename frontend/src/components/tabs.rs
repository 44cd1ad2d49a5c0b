//! A tab list whose tabs are links (so every tab has its own address), with
//! the arrow-key, Home and End movement of the WAI-ARIA tabs pattern.

use leptos::prelude::*;
use leptos_router::NavigateOptions;
use leptos_router::hooks::use_navigate;
use wasm_bindgen::JsCast;
use web_sys::{HtmlElement, KeyboardEvent};

/// One tab: its element id and visible label.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TabSpec {
    pub id: &'static str,
    pub label: &'static str,
}

/// The index a key press moves to from `current` among `count` tabs, if any.
pub fn tab_after_key(key: &str, current: usize, count: usize) -> Option<usize> {
    if count == 0 {
        return None;
    }
    match key {
        "ArrowRight" => Some((current + 1) % count),
        "ArrowLeft" => Some((current + count - 1) % count),
        "Home" => Some(0),
        "End" => Some(count - 1),
        _ => None,
    }
}

fn focus_by_id(id: &str) {
    if let Some(element) = document().get_element_by_id(id)
        && let Ok(element) = element.dyn_into::<HtmlElement>()
    {
        _ = element.focus();
    }
}

/// Tabs (`role="tab"` links) and one panel (`role="tabpanel"`, id `panel_id`)
/// holding `children`, which show the selected tab's content.
#[component]
pub fn Tabs(
    /// What the tab list is about, read by screen readers.
    label: &'static str,
    /// The tabs, in order.
    tabs: &'static [TabSpec],
    /// The address of each tab.
    href: Callback<usize, String>,
    /// The selected tab's index.
    #[prop(into)]
    selected: Signal<usize>,
    /// The panel's id.
    panel_id: &'static str,
    children: ChildrenFn,
) -> impl IntoView {
    let navigate = use_navigate();
    let on_keydown = move |ev: KeyboardEvent| {
        let current = selected.get_untracked();
        if let Some(next) = tab_after_key(&ev.key(), current, tabs.len()) {
            ev.prevent_default();
            if next != current {
                navigate(&href.run(next), NavigateOptions::default());
            }
            focus_by_id(tabs[next].id);
        }
    };
    let items = tabs
        .iter()
        .enumerate()
        .map(|(index, tab)| {
            let is_selected = move || selected.get() == index;
            view! {
                <a
                    id=tab.id
                    role="tab"
                    class="tab"
                    href=move || href.run(index)
                    aria-selected=move || is_selected().to_string()
                    aria-controls=move || is_selected().then_some(panel_id)
                    tabindex=move || if is_selected() { "0" } else { "-1" }
                >
                    {tab.label}
                </a>
            }
        })
        .collect_view();
    let labelled_by = move || tabs.get(selected.get()).map(|tab| tab.id);
    view! {
        <div class="tabs">
            <div class="tab-list" role="tablist" aria-label=label on:keydown=on_keydown>
                {items}
            </div>
            <div class="tab-panel" role="tabpanel" id=panel_id aria-labelledby=labelled_by tabindex="0">
                {children()}
            </div>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arrows_wrap_around_and_home_end_jump_to_the_ends() {
        assert_eq!(tab_after_key("ArrowRight", 4, 5), Some(0));
        assert_eq!(tab_after_key("ArrowLeft", 0, 5), Some(4));
        assert_eq!(tab_after_key("ArrowRight", 1, 5), Some(2));
        assert_eq!(tab_after_key("Home", 3, 5), Some(0));
        assert_eq!(tab_after_key("End", 0, 5), Some(4));
        assert_eq!(tab_after_key("Enter", 0, 5), None);
    }
}
