//! A modal dialog: labelled by its heading, keeps keyboard focus inside while
//! open, closes on Escape, and gives focus back to where it was on close.

use leptos::html::Div;
use leptos::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlElement, KeyboardEvent};

/// What can take keyboard focus inside the dialog.
const FOCUSABLE: &str = "a[href], button:not([disabled]), input:not([disabled]), \
    select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex=\"-1\"])";

fn focusable_in(container: &Element) -> Vec<HtmlElement> {
    let Ok(nodes) = container.query_selector_all(FOCUSABLE) else {
        return Vec::new();
    };
    (0..nodes.length())
        .filter_map(|i| nodes.item(i))
        .filter_map(|node| node.dyn_into::<HtmlElement>().ok())
        .collect()
}

fn focused_element() -> Option<Element> {
    document().active_element()
}

/// A modal dialog. Mount it while it is open (e.g. inside `<Show>`); unmounting
/// it closes it. `id` names the dialog; its title gets `<id>-title`.
#[component]
pub fn Dialog(
    /// The dialog element's id.
    id: &'static str,
    /// The heading, which also labels the dialog.
    title: &'static str,
    /// Asked to close the dialog (Escape).
    on_close: Callback<()>,
    children: Children,
) -> impl IntoView {
    let panel = NodeRef::<Div>::new();
    let title_id = format!("{id}-title");
    let labelled_by = title_id.clone();

    // Remember what had focus so closing can give it back.
    let return_to = StoredValue::new_local(
        focused_element().and_then(|element| element.dyn_into::<HtmlElement>().ok()),
    );
    on_cleanup(move || {
        return_to.try_with_value(|element| {
            if let Some(element) = element {
                // Focus can fail only if the element left the page; nothing to do then.
                _ = element.focus();
            }
        });
    });

    // Move focus into the dialog once it is in the page.
    Effect::new(move |_| {
        if let Some(panel) = panel.get() {
            let autofocus = panel.query_selector("[data-autofocus]").ok().flatten();
            let first = autofocus
                .and_then(|element| element.dyn_into::<HtmlElement>().ok())
                .or_else(|| focusable_in(&panel).into_iter().next());
            if let Some(first) = first {
                _ = first.focus();
            }
        }
    });

    // Listen on the window, so Tab and Escape work even if focus slipped out.
    let on_keydown = move |ev: KeyboardEvent| match ev.key().as_str() {
        "Escape" => {
            ev.prevent_default();
            ev.stop_propagation();
            on_close.run(());
        }
        "Tab" => {
            let Some(panel) = panel.get_untracked() else {
                return;
            };
            let items = focusable_in(&panel);
            let (Some(first), Some(last)) = (items.first(), items.last()) else {
                ev.prevent_default();
                return;
            };
            let active = focused_element();
            let is = |item: &HtmlElement| {
                active
                    .as_ref()
                    .is_some_and(|a| a == item.unchecked_ref::<Element>())
            };
            let inside = active.as_ref().is_some_and(|a| panel.contains(Some(a)));
            if ev.shift_key() && (is(first) || !inside) {
                ev.prevent_default();
                _ = last.focus();
            } else if !ev.shift_key() && (is(last) || !inside) {
                ev.prevent_default();
                _ = first.focus();
            }
        }
        _ => {}
    };
    let listener = window_event_listener(leptos::ev::keydown, on_keydown);
    on_cleanup(move || listener.remove());

    // A click on the backdrop must not move focus to the page behind.
    let keep_focus = move |ev: web_sys::MouseEvent| {
        let on_backdrop = match (ev.target(), ev.current_target()) {
            (Some(target), Some(current)) => target == current,
            _ => false,
        };
        if on_backdrop {
            ev.prevent_default();
        }
    };

    view! {
        <div class="dialog-backdrop" on:mousedown=keep_focus>
            <div
                class="dialog"
                id=id
                role="dialog"
                aria-modal="true"
                aria-labelledby=labelled_by
                node_ref=panel
            >
                <h2 class="dialog-title" id=title_id>
                    {title}
                </h2>
                {children()}
            </div>
        </div>
    }
}
