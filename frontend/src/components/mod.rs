//! Pieces the pages share: the signed-in shell, form fields, the modal dialog,
//! the data table with its sortable headers and pagination, the notice banner,
//! link tabs, the search box and the status badge.

pub mod breadcrumb;
pub mod data_table;
pub mod dialog;
pub mod form_field;
pub mod menu;
pub mod no_access;
pub mod notice;
pub mod own_address;
pub mod paged;
pub mod pagination;
pub mod password_meter;
pub mod search_box;
pub mod shell;
pub mod sort_header;
pub mod status_badge;
pub mod tabs;

use leptos::prelude::document;
use wasm_bindgen::JsCast;
use web_sys::HtmlElement;

/// Sets the browser tab's title to `<page> · Roster`.
pub fn set_page_title(page: &str) {
    document().set_title(&format!("{page} · Roster"));
}

/// Moves keyboard focus to the element with `id`, if it is in the page.
pub fn focus(id: &str) {
    if let Some(element) = document().get_element_by_id(id)
        && let Ok(element) = element.dyn_into::<HtmlElement>()
    {
        _ = element.focus();
    }
}
