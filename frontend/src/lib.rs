//! Roster's browser app: a Leptos client-side-rendered SPA over the JSON API.
//!
//! `api` is the only module that talks HTTP; `session` holds who is signed in;
//! `routes` names every path; `pages` are screens and `components` the pieces
//! they share; `download` saves fetched files; `lazy` names the pages whose
//! code the browser fetches when they are first opened.

pub mod api;
pub mod components;
pub mod dates;
pub mod download;
pub mod format;
pub mod lazy;
pub mod pages;
pub mod routes;
pub mod session;

use leptos::prelude::*;
use leptos_router::components::{ParentRoute, Redirect, Route, Router, Routes};
use leptos_router::{ParamSegment, StaticSegment};

use crate::components::shell::Shell;
use crate::pages::forgot_password::ForgotPasswordPage;
use crate::pages::users::detail::UserRedirect;
use crate::pages::{login::LoginPage, not_found::NotFound};
use crate::routes::Page;

/// Mounts the app on `<body>`.
pub fn start() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(App);
}

/// `/`: where the signed-in person starts (see [`session::Session::home`]).
#[component]
fn Home() -> impl IntoView {
    let session = session::Session::expect();
    view! { <Redirect path=session.home().to_string() /> }
}

/// Whether the router is on its way to another page: fetching the page's
/// module, say, while the one it leaves is still shown.
#[derive(Clone, Copy, Debug)]
pub struct Routing(pub ReadSignal<bool>);

/// The whole app: the session, the API client and the routes.
#[component]
pub fn App() -> impl IntoView {
    let session = session::Session::provide();
    components::notice::Carried::provide();
    api::Api::provide(session);
    session::restore_on_start();
    let routing = RwSignal::new(false);
    provide_context(Routing(routing.read_only()));

    view! {
        <Router set_is_routing=routing.write_only()>
            <Routes fallback=NotFound>
                <Route path=StaticSegment(Page::Login.segment()) view=LoginPage />
                <Route path=StaticSegment(Page::SetPassword.segment()) view=lazy::SplitPage::new(lazy::set_password) />
                <Route
                    path=StaticSegment(Page::ForgotPassword.segment())
                    view=ForgotPasswordPage
                />
                <ParentRoute path=StaticSegment("") view=Shell>
                    <Route path=StaticSegment(Page::Users.segment()) view=lazy::SplitPage::new(lazy::users) />
                    <Route
                        path=(StaticSegment(Page::Users.segment()), ParamSegment("id"))
                        view=UserRedirect
                    />
                    <Route
                        path=(
                            StaticSegment(Page::Users.segment()),
                            ParamSegment("id"),
                            ParamSegment("tab"),
                        )
                        view=lazy::SplitPage::new(lazy::user_detail)
                    />
                    <Route path=StaticSegment(Page::Teams.segment()) view=lazy::SplitPage::new(lazy::teams) />
                    <Route
                        path=(StaticSegment(Page::Teams.segment()), ParamSegment("id"))
                        view=lazy::SplitPage::new(lazy::team_detail)
                    />
                    <Route path=StaticSegment(Page::Audit.segment()) view=lazy::SplitPage::new(lazy::audit) />
                    <Route path=StaticSegment(Page::Jobs.segment()) view=lazy::SplitPage::new(lazy::jobs) />
                    <Route path=StaticSegment("") view=Home />
                </ParentRoute>
            </Routes>
        </Router>
    }
}
