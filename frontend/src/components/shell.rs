//! The frame around every signed-in screen: header with the product name, the
//! main navigation (what the signed-in person may open), the user and "Sign out". Guards its child routes: nobody signed in means a
//! redirect to the sign-in page.

use leptos::prelude::*;
use leptos_router::NavigateOptions;
use leptos_router::components::{A, Outlet, Redirect};
use leptos_router::hooks::use_location;

use crate::api::Api;
use crate::routes::{Page, query_string};
use crate::session::{AuthStatus, Session, SignOutReason};

/// Shown while the session is being restored from the refresh cookie.
#[component]
pub fn Loading(#[prop(default = "Loading…")] label: &'static str) -> impl IntoView {
    view! {
        <div class="splash" role="status" aria-busy="true">
            <p>{label}</p>
        </div>
    }
}

/// The sign-in address that comes back to `path` afterwards.
fn login_returning_to(path: &str) -> String {
    if path == "/" || path.starts_with(&Page::Login.to_string()) {
        return Page::Login.to_string();
    }
    Page::Login.with_query(&query_string(&[("next", path)]))
}

/// The signed-in frame; its child routes render in `<main>`.
#[component]
pub fn Shell() -> impl IntoView {
    let session = Session::expect();
    let status = Memo::new(move |_| session.status());
    let location = use_location();

    move || match status.get() {
        AuthStatus::Checking => view! { <Loading /> }.into_any(),
        AuthStatus::SignedOut(reason) => {
            let target = match reason {
                SignOutReason::SignedOut => Page::Login.to_string(),
                SignOutReason::NoSession | SignOutReason::Expired => {
                    let path = location.pathname.get_untracked();
                    let search = location.search.get_untracked();
                    let here = if search.is_empty() {
                        path
                    } else {
                        format!("{path}?{}", search.trim_start_matches('?'))
                    };
                    login_returning_to(&here)
                }
            };
            let options = NavigateOptions {
                replace: true,
                ..NavigateOptions::default()
            };
            view! { <Redirect path=target options /> }.into_any()
        }
        AuthStatus::SignedIn => view! { <SignedInFrame /> }.into_any(),
    }
}

#[component]
fn SignedInFrame() -> impl IntoView {
    let session = Session::expect();
    let api = Api::expect();
    let full_name = move || session.me().map(|me| me.user.full_name).unwrap_or_default();
    let impersonator = move || session.me().and_then(|me| me.impersonator);

    let sign_out = Action::new_local(move |_: &()| async move {
        if let Err(error) = api.logout().await {
            // Leave anyway: the person asked to, and the token is forgotten below.
            leptos::logging::warn!("sign-out request failed: {error}");
        }
    });
    // Outside the action's task: signing out unmounts this frame and the action.
    Effect::new(move |_| {
        if sign_out.value().with(Option::is_some) {
            session.signed_out(SignOutReason::SignedOut);
        }
    });

    view! {
        <div class="app">
            <a class="skip-link" href="#main">
                "Skip to content"
            </a>
            <header class="app-header">
                <A href=move || session.home().to_string() attr:class="brand">
                    "Roster"
                </A>
                <nav class="app-nav" aria-label="Main">
                    <Show
                        when=move || session.manages_people()
                        fallback=move || {
                            view! { <A href=move || session.home().to_string()>"My profile"</A> }
                        }
                    >
                        <A href=Page::Users.to_string()>"Users"</A>
                        <A href=Page::Teams.to_string()>"Teams"</A>
                        <Show when=move || session.is_admin()>
                            <A href=Page::Audit.to_string() attr:id="nav-audit">
                                "Audit"
                            </A>
                            <A href=Page::Jobs.to_string() attr:id="nav-jobs">
                                "Jobs"
                            </A>
                        </Show>
                    </Show>
                </nav>
                <div class="account">
                    <span id="current-user" class="current-user">
                        {full_name}
                    </span>
                    <button
                        id="sign-out"
                        type="button"
                        class="button button-quiet"
                        disabled=move || sign_out.pending().get()
                        on:click=move |_| {
                            sign_out.dispatch_local(());
                        }
                    >
                        "Sign out"
                    </button>
                </div>
            </header>
            {move || {
                impersonator()
                    .map(|admin| {
                        view! {
                            <p class="banner banner-warning" role="status">
                                {format!(
                                    "You are acting as {} on behalf of {}.",
                                    full_name(),
                                    admin.full_name,
                                )}
                            </p>
                        }
                    })
            }}
            <main id="main" class="app-main" tabindex="-1">
                <Outlet />
            </main>
        </div>
    }
}
