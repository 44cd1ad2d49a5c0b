//! What an unknown address shows.

use leptos::prelude::*;
use leptos_router::components::A;

use crate::components::no_access::way_home;
use crate::components::set_page_title;
use crate::session::Session;

/// The page for addresses no route matches.
#[component]
pub fn NotFound() -> impl IntoView {
    set_page_title("Page not found");
    let session = Session::expect();
    let home = move || way_home(session);
    view! {
        <main class="standalone" id="main">
            <h1 id="not-found">"Page not found"</h1>
            <p>"There is nothing at this address. It may have moved, or the link may be mistyped."</p>
            <p>
                <A href=move || home().0 attr:id="not-found-home" attr:class="button">
                    {move || home().1}
                </A>
            </p>
        </main>
    }
}
