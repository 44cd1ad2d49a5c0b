//! What an unknown address shows.

use leptos::prelude::*;
use leptos_router::components::A;

use crate::components::set_page_title;
use crate::routes::Page;

/// The page for addresses no route matches.
#[component]
pub fn NotFound() -> impl IntoView {
    set_page_title("Page not found");
    view! {
        <main class="standalone" id="main">
            <h1>"Page not found"</h1>
            <p>"There is nothing at this address."</p>
            <p>
                <A href=Page::Users.to_string()>"Go to Users"</A>
            </p>
        </main>
    }
}
