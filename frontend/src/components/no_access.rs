//! What a signed-in person sees on a page that is not for them: why, and the
//! way back to where they belong (a learner's own profile, or Users).

use leptos::prelude::*;
use leptos_router::components::A;

use crate::routes::Page;
use crate::session::Session;

/// The link back home, worded for who is signed in.
pub fn way_home(session: Session) -> (String, &'static str) {
    match session.home() {
        Page::Users => (Page::Users.to_string(), "Go to Users"),
        home => (home.to_string(), "Go to your profile"),
    }
}

/// "Not for you": the page's heading (`#<heading_id>`), why (`#<id>`), and a
/// link home. Nothing of the page itself, not even its buttons, is shown.
#[component]
pub fn NoAccess(
    /// The alert's id.
    id: &'static str,
    /// The page heading's id (route changes focus it).
    heading_id: &'static str,
    heading: &'static str,
    message: &'static str,
) -> impl IntoView {
    let session = Session::expect();
    let home = move || way_home(session);
    view! {
        <h1 id=heading_id tabindex="-1">{heading}</h1>
        <div id=id class="state state-error no-access" role="alert">
            <p>{message}</p>
            <p>
                <A href=move || home().0 attr:id="no-access-home" attr:class="button">
                    {move || home().1}
                </A>
            </p>
        </div>
    }
}
