//! Saving a file the app fetched (such as the audit CSV) through the browser's
//! own download: an object URL for the data and a temporary `<a download>`.

use std::time::Duration;

use leptos::prelude::*;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{Blob, HtmlAnchorElement, Url};

/// How long the object URL outlives the click. Browsers read it when the
/// download starts, which may be after the click returns.
const URL_LIFETIME: Duration = Duration::from_secs(30);

/// Offers `blob` as a download named `file_name`.
pub fn save_blob(blob: &Blob, file_name: &str) -> Result<(), JsValue> {
    let url = Url::create_object_url_with_blob(blob)?;
    let saved = click_download_link(&url, file_name);
    set_timeout(
        move || {
            // Only fails for an unknown URL, which then holds nothing to free.
            _ = Url::revoke_object_url(&url);
        },
        URL_LIFETIME,
    );
    saved
}

fn click_download_link(url: &str, file_name: &str) -> Result<(), JsValue> {
    let document = document();
    let link: HtmlAnchorElement = document.create_element("a")?.dyn_into()?;
    link.set_href(url);
    link.set_download(file_name);
    link.set_hidden(true);
    let body = document
        .body()
        .ok_or_else(|| JsValue::from_str("the page has no body"))?;
    body.append_child(&link)?;
    link.click();
    link.remove();
    Ok(())
}
