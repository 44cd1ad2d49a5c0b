//! A button that opens a list of actions (the WAI-ARIA menu button pattern):
//! arrow keys, Home and End move between entries, Escape closes and returns
//! focus to the button, a click elsewhere closes. An entry the caller may not
//! use stays in the list, disabled, with its reason beside it.

use leptos::html::Div;
use leptos::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlElement, KeyboardEvent, Node};

/// One entry of a menu.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MenuItem {
    /// Names the entry to `on_select` and in its element id (`<menu id>-<key>`).
    pub key: &'static str,
    pub label: &'static str,
    /// Why it is not available, when it is not.
    pub refused: Option<&'static str>,
    /// Styled as a destructive action.
    pub danger: bool,
}

fn entries(menu: &Element) -> Vec<HtmlElement> {
    let Ok(nodes) = menu.query_selector_all("[role=menuitem]") else {
        return Vec::new();
    };
    (0..nodes.length())
        .filter_map(|i| nodes.item(i))
        .filter_map(|node| node.dyn_into::<HtmlElement>().ok())
        .collect()
}

/// Moves focus `by` entries from the focused one (wrapping); `None` goes to
/// the first, `Some(isize::MAX)` to the last.
fn move_focus(menu: &Element, by: Option<isize>) {
    let items = entries(menu);
    if items.is_empty() {
        return;
    }
    let last = items.len() - 1;
    let active = document().active_element();
    let current = items
        .iter()
        .position(|item| active.as_ref() == Some(item.unchecked_ref::<Element>()));
    let next = match (by, current) {
        (None, _) => 0,
        (Some(isize::MAX), _) => last,
        (Some(step), Some(i)) => (i as isize + step).rem_euclid(items.len() as isize) as usize,
        (Some(step), None) => {
            if step < 0 {
                last
            } else {
                0
            }
        }
    };
    _ = items[next].focus();
}

/// Places the open list by the button in viewport coordinates (fixed), so a
/// scrolling container (a table's frame, a dialog) cannot clip it: under the
/// button, right edges aligned, or above it when there is no room below.
fn place(menu: &Element, button_id: &str) {
    let Some(button) = document().get_element_by_id(button_id) else {
        return;
    };
    let Some(list) = menu.dyn_ref::<HtmlElement>() else {
        return;
    };
    let at = button.get_bounding_client_rect();
    let width = f64::from(list.offset_width());
    let height = f64::from(list.offset_height());
    let view_width = document()
        .document_element()
        .map_or(0.0, |e| f64::from(e.client_width()));
    let view_height = window()
        .inner_height()
        .ok()
        .and_then(|h| h.as_f64())
        .unwrap_or(0.0);
    const GAP: f64 = 4.0;
    const EDGE: f64 = 8.0;
    let left = (at.right() - width)
        .min(view_width - width - EDGE)
        .max(EDGE);
    let below = at.bottom() + GAP;
    let above = at.top() - GAP - height;
    let top = if below + height > view_height - EDGE && above >= EDGE {
        above
    } else {
        below
    };
    _ = menu.set_attribute(
        "style",
        &format!("position: fixed; top: {top}px; left: {left}px; right: auto;"),
    );
}

/// A menu button. `id` names the button (`<id>`) and the list (`<id>-menu`);
/// `label` is the button's accessible name ("Actions for Ada Lovelace").
#[component]
pub fn ActionsMenu(
    id: String,
    #[prop(into)] label: Signal<String>,
    items: Vec<MenuItem>,
    on_select: Callback<&'static str>,
    /// What the button shows; "Actions" when not given.
    #[prop(optional)]
    children: Option<Children>,
    /// Extra classes for the button.
    #[prop(optional)]
    button_class: &'static str,
) -> impl IntoView {
    let open = RwSignal::new(false);
    let wrapper = NodeRef::<Div>::new();
    let menu = NodeRef::<Div>::new();
    let menu_id = format!("{id}-menu");
    let button_id = id.clone();

    let from_end = StoredValue::new(false);
    // Place the list and focus its first entry once it is in the page.
    let place_id = id.clone();
    Effect::new(move |_| {
        if open.get()
            && let Some(menu) = menu.get()
        {
            place(&menu, &place_id);
            // ArrowUp on the button opens at the last entry, as menus do.
            let at_end = from_end.get_value();
            from_end.set_value(false);
            move_focus(&menu, at_end.then_some(isize::MAX));
        }
    });
    // The list is placed for the page as it is: a scroll or resize of the
    // window closes it rather than leave it floating elsewhere.
    // Scrolls of inner frames (a table's, a dialog's) do not bubble: listen in
    // the capture phase to see them too.
    let on_scroll =
        StoredValue::new_local(wasm_bindgen::closure::Closure::<dyn Fn()>::new(move || {
            if open.get_untracked() {
                open.set(false);
            }
        }));
    on_scroll.with_value(|listener| {
        _ = window().add_event_listener_with_callback_and_bool(
            "scroll",
            listener.as_ref().unchecked_ref(),
            true,
        );
    });
    let on_resize = window_event_listener(leptos::ev::resize, move |_| open.set(false));
    on_cleanup(move || {
        on_scroll.try_with_value(|listener| {
            _ = window().remove_event_listener_with_callback_and_bool(
                "scroll",
                listener.as_ref().unchecked_ref(),
                true,
            );
        });
        on_resize.remove();
    });
    // A press outside closes it.
    let listener = window_event_listener(leptos::ev::mousedown, move |ev| {
        if !open.get_untracked() {
            return;
        }
        let inside = match (wrapper.get_untracked(), ev.target()) {
            (Some(wrapper), Some(target)) => wrapper.contains(target.dyn_ref::<Node>()),
            _ => false,
        };
        if !inside {
            open.set(false);
        }
    });
    on_cleanup(move || listener.remove());

    let close_to_button = {
        let id = id.clone();
        move || {
            open.set(false);
            super::focus(&id);
        }
    };
    let on_keydown = {
        let close_to_button = close_to_button.clone();
        move |ev: KeyboardEvent| {
            let Some(menu) = menu.get_untracked() else {
                return;
            };
            match ev.key().as_str() {
                "ArrowDown" => move_focus(&menu, Some(1)),
                "ArrowUp" => move_focus(&menu, Some(-1)),
                "Home" => move_focus(&menu, None),
                "End" => move_focus(&menu, Some(isize::MAX)),
                "Escape" => close_to_button(),
                "Tab" => {
                    open.set(false);
                    return;
                }
                _ => return,
            }
            ev.prevent_default();
            ev.stop_propagation();
        }
    };
    let on_button_keydown = move |ev: KeyboardEvent| {
        if matches!(ev.key().as_str(), "ArrowDown" | "ArrowUp") {
            ev.prevent_default();
            from_end.set_value(ev.key() == "ArrowUp");
            open.set(true);
        }
    };

    let list = {
        let id = id.clone();
        let menu_id = menu_id.clone();
        let button_id = button_id.clone();
        move || {
            let id = id.clone();
            let close_to_button = close_to_button.clone();
            let rows = items
                .iter()
                .map(|&item| {
                    let item_id = format!("{id}-{}", item.key);
                    let reason_id = format!("{item_id}-reason");
                    let label_id = format!("{item_id}-label");
                    let labelled_by = label_id.clone();
                    let disabled = item.refused.is_some();
                    let class = if item.danger {
                        "menu-item menu-item-danger"
                    } else {
                        "menu-item"
                    };
                    let close_to_button = close_to_button.clone();
                    let key = item.key;
                    view! {
                        <button
                            type="button"
                            role="menuitem"
                            id=item_id
                            class=class
                            tabindex="-1"
                            aria-disabled=disabled.then_some("true")
                            aria-labelledby=labelled_by
                            aria-describedby=item.refused.map(|_| reason_id.clone())
                            on:click=move |_| {
                                if !disabled {
                                    close_to_button();
                                    on_select.run(key);
                                }
                            }
                        >
                            <span class="menu-label" id=label_id>
                                {item.label}
                            </span>
                            {item
                                .refused
                                .map(|reason| {
                                    view! {
                                        <span class="menu-reason" id=reason_id.clone()>
                                            {reason}
                                        </span>
                                    }
                                })}
                        </button>
                    }
                })
                .collect_view();
            view! {
                <div
                    class="menu"
                    role="menu"
                    id=menu_id.clone()
                    aria-labelledby=button_id.clone()
                    node_ref=menu
                    on:keydown=on_keydown.clone()
                >
                    {rows}
                </div>
            }
        }
    };

    view! {
        <div class="menu-wrapper" node_ref=wrapper>
            <button
                type="button"
                id=button_id.clone()
                class=format!("button button-small menu-button {button_class}")
                aria-haspopup="menu"
                aria-expanded=move || if open.get() { "true" } else { "false" }
                aria-controls=menu_id.clone()
                aria-label=move || label.get()
                on:click=move |_| open.update(|o| *o = !*o)
                on:keydown=on_button_keydown
            >
                {match children {
                    Some(children) => children(),
                    None => view! { "Actions" }.into_any(),
                }}
                <span aria-hidden="true">" ▾"</span>
            </button>
            <Show when=move || open.get()>{list.clone()}</Show>
        </div>
    }
}
