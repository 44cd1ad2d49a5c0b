//! The pages behind sign-in, each loaded the first time it is opened.
//!
//! Every function here is a split point: `cargo xtask spa` cuts what only it
//! reaches out of the main wasm into a module of its own (code that several
//! pages share into a common one), which the browser fetches when the page
//! is first shown. The main module keeps the sign-in page, the shell, the API
//! client and Leptos itself. On other targets (tests, clippy) the functions
//! are plain calls.
//!
//! The router fetches a page's module before it leaves the current page. A
//! module that cannot be fetched (offline, or a new version deployed and the
//! old files gone) shows a page that says so, with Reload; the next attempt
//! fetches again.

// The split-point macro declares the imports that the splitter links up; it
// writes `extern` blocks and `no_mangle`, which the lint counts as unsafe. No
// hand-written unsafe code is here.
#![allow(unsafe_code)]

use std::future::Future;

use leptos::prelude::*;
use leptos::wasm_split::{SplitLoaderError, wasm_split};
use leptos_router::ChooseView;

/// A page's code could not be fetched.
#[derive(Debug)]
pub struct PageLoadError(SplitLoaderError);

impl From<SplitLoaderError> for PageLoadError {
    fn from(error: SplitLoaderError) -> Self {
        Self(error)
    }
}

/// What a split point hands back once its module is there: the function that
/// builds the page.
pub type MakePage = fn() -> AnyView;

/// A route's view that is a split point. The router awaits the page's module
/// before it leaves the current page (as with any view it has to choose), then
/// builds the page; a module that cannot be fetched becomes a page that says
/// so, with Reload.
pub struct SplitPage<F> {
    load: fn() -> F,
}

impl<F> SplitPage<F> {
    pub const fn new(load: fn() -> F) -> Self {
        Self { load }
    }
}

impl<F> Clone for SplitPage<F> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<F> Copy for SplitPage<F> {}

impl<F> ChooseView for SplitPage<F>
where
    F: Future<Output = Result<MakePage, PageLoadError>> + 'static,
{
    async fn choose(self) -> AnyView {
        match (self.load)().await {
            Ok(make) => make(),
            Err(PageLoadError(error)) => {
                leptos::logging::warn!("a page's code could not be loaded: {error:?}");
                view! { <PageLoadFailed /> }.into_any()
            }
        }
    }

    async fn preload(&self) {
        // Fetching the module is the whole of the work; an error shows when
        // the page is chosen.
        let _ = (self.load)().await;
    }
}

/// In place of a page whose module could not be fetched.
#[component]
fn PageLoadFailed() -> impl IntoView {
    view! {
        <section class="page" aria-labelledby="page-load-heading">
            <h1 id="page-load-heading" tabindex="-1">"This page could not be loaded"</h1>
            <div class="state state-error" id="page-load-error" role="alert">
                <p>
                    "Check the connection. If Roster was just updated, reload to get the new version."
                </p>
                <button
                    type="button"
                    class="button"
                    id="page-load-reload"
                    on:click=|_| {
                        let _ = window().location().reload();
                    }
                >
                    "Reload"
                </button>
            </div>
        </section>
    }
}

/// `/users`.
#[wasm_split(users, wasm_split_path = ::leptos::wasm_split, fallible)]
pub fn users() -> Result<MakePage, PageLoadError> {
    Ok(|| view! { <crate::pages::users::UsersPage /> }.into_any())
}

/// `/users/{id}/{tab}`.
#[wasm_split(user_detail, wasm_split_path = ::leptos::wasm_split, fallible)]
pub fn user_detail() -> Result<MakePage, PageLoadError> {
    Ok(|| view! { <crate::pages::users::detail::UserDetailPage /> }.into_any())
}

/// `/teams`.
#[wasm_split(teams, wasm_split_path = ::leptos::wasm_split, fallible)]
pub fn teams() -> Result<MakePage, PageLoadError> {
    Ok(|| view! { <crate::pages::teams::TeamsPage /> }.into_any())
}

/// `/teams/{id}`.
#[wasm_split(team_detail, wasm_split_path = ::leptos::wasm_split, fallible)]
pub fn team_detail() -> Result<MakePage, PageLoadError> {
    Ok(|| view! { <crate::pages::teams::detail::TeamDetailPage /> }.into_any())
}

/// `/audit`.
#[wasm_split(audit, wasm_split_path = ::leptos::wasm_split, fallible)]
pub fn audit() -> Result<MakePage, PageLoadError> {
    Ok(|| view! { <crate::pages::audit::AuditPage /> }.into_any())
}

/// `/jobs`.
#[wasm_split(jobs, wasm_split_path = ::leptos::wasm_split, fallible)]
pub fn jobs() -> Result<MakePage, PageLoadError> {
    Ok(|| view! { <crate::pages::jobs::JobsPage /> }.into_any())
}

/// `/set-password`.
#[wasm_split(set_password, wasm_split_path = ::leptos::wasm_split, fallible)]
pub fn set_password() -> Result<MakePage, PageLoadError> {
    Ok(|| view! { <crate::pages::set_password::SetPasswordPage /> }.into_any())
}
