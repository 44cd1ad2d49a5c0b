//! The frame around every signed-in screen: a header with the product name and
//! the signed-in person's menu (My profile, Sign out), and the "Admin" sidebar
//! with what they may open, which folds behind a Menu button on narrow
//! screens. Guards its child routes: nobody signed in means a redirect to the
//! sign-in page. A move to another page focuses that page's heading.

use leptos::prelude::*;
use leptos_router::NavigateOptions;
use leptos_router::components::{A, Outlet, Redirect};
use leptos_router::hooks::{use_location, use_navigate};
use wasm_bindgen::JsCast;

use crate::api::Api;
use crate::components::menu::{ActionsMenu, MenuItem};
use crate::routes::{Page, UserTab, query_string};
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

/// The page an address belongs to, for focus: its first two segments
/// (`/users/<id>`), so that moving between a page's tabs is not a new page.
fn page_of(path: &str) -> String {
    path.split('/')
        .filter(|s| !s.is_empty())
        .take(2)
        .collect::<Vec<_>>()
        .join("/")
}

/// Whether focus is on nothing in particular (the page's body).
fn nothing_focused() -> bool {
    let active = document().active_element();
    active.is_none() || active == document().body().map(web_sys::Element::from)
}

/// Focuses `element`, making it focusable first if it is not.
fn focus_element(element: &web_sys::Element) {
    if !element.has_attribute("tabindex") {
        _ = element.set_attribute("tabindex", "-1");
    }
    if let Some(element) = element.dyn_ref::<web_sys::HtmlElement>() {
        _ = element.focus();
    }
}

/// After a move to another page, focus its heading, so keyboard and
/// screen-reader users start at the top of what changed. While the page is
/// still loading its heading, the main region holds focus, and the heading
/// takes it once it appears. For a few seconds after, if the element given
/// focus goes with a page replaced meanwhile (as when a second move overtook
/// the first), the heading there now takes it. Once the person moves focus
/// themselves, or it leaves for their own doing, it is theirs.
fn focus_heading() {
    let Some(main) = document().get_element_by_id("main") else {
        return;
    };
    let heading = || document().query_selector("#main h1").ok().flatten();
    let mut given = heading().unwrap_or_else(|| main.clone());
    focus_element(&given);
    leptos::task::spawn_local(async move {
        for _ in 0..50 {
            gloo_timers::future::TimeoutFuture::new(100).await;
            let on_given = document().active_element().as_ref() == Some(&given);
            let gone = !given.is_connected();
            if !on_given && !gone {
                // Moved on, or a click elsewhere let go of it: theirs now.
                return;
            }
            if gone || given == main {
                if let Some(h1) = heading() {
                    focus_element(&h1);
                    given = h1;
                } else if gone {
                    focus_element(&main);
                    given = main.clone();
                }
            }
        }
    });
}

#[component]
fn SignedInFrame() -> impl IntoView {
    let session = Session::expect();
    let api = Api::expect();
    let navigate = use_navigate();
    let location = use_location();
    let full_name = move || session.me().map(|me| me.user.full_name).unwrap_or_default();
    let impersonator = move || session.me().and_then(|me| me.impersonator);
    let nav_open = RwSignal::new(false);

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

    // A new page: close the narrow-screen menu and focus the page's heading,
    // once the router has put the page in place (it may first fetch the
    // page's module, and the page it leaves stays until then).
    let page = Memo::new(move |_| location.pathname.with(|p| page_of(p)));
    let routing = use_context::<crate::Routing>().map(|r| r.0);
    // Also the first page after signing in: the sign-in form, and the focus
    // with it, has gone.
    let focus_due = StoredValue::new(nothing_focused());
    Effect::new(move |previous: Option<String>| {
        let now = page.get();
        let busy = routing.is_some_and(|r| r.get());
        if previous.as_ref().is_some_and(|previous| *previous != now) {
            nav_open.set(false);
            focus_due.set_value(true);
        }
        if !busy && focus_due.get_value() {
            request_animation_frame(move || {
                // The router may have started only after this was asked, or
                // an earlier frame done it.
                // The frame may have gone meanwhile (signed out).
                if routing.is_some_and(|r| r.get_untracked())
                    || focus_due.try_get_value() != Some(true)
                {
                    return;
                }
                focus_due.try_set_value(false);
                focus_heading();
            });
        }
        now
    });

    // A move that takes a moment (the page's code is on its way) says so, in
    // a status region that is there, empty, from the start, so that screen
    // readers announce the words when they come.
    let slow = RwSignal::new(false);
    Effect::new(move |_| {
        if routing.is_some_and(|r| r.get()) {
            set_timeout(
                move || {
                    if routing.is_some_and(|r| r.get_untracked()) {
                        _ = slow.try_set(true);
                    }
                },
                std::time::Duration::from_millis(300),
            );
        } else {
            slow.set(false);
        }
    });

    let account_items = vec![
        MenuItem {
            key: "profile",
            label: "My profile",
            refused: None,
            danger: false,
        },
        MenuItem {
            key: "sign-out",
            label: "Sign out",
            refused: None,
            danger: false,
        },
    ];
    let on_account = Callback::new(move |key: &'static str| match key {
        "profile" => {
            if let Some(id) = session.user_id() {
                navigate(
                    &Page::User(id, UserTab::Profile).to_string(),
                    NavigateOptions::default(),
                );
            }
        }
        "sign-out" if !sign_out.pending().get_untracked() => {
            sign_out.dispatch_local(());
        }
        _ => {}
    });

    view! {
        <div class="app">
            <a class="skip-link" href="#main">
                "Skip to content"
            </a>
            <header class="app-header">
                <button
                    id="nav-toggle"
                    type="button"
                    class="button button-quiet nav-toggle"
                    aria-controls="app-sidebar"
                    aria-expanded=move || if nav_open.get() { "true" } else { "false" }
                    on:click=move |_| nav_open.update(|open| *open = !*open)
                >
                    <span aria-hidden="true">"☰ "</span>
                    "Menu"
                </button>
                <A href=move || session.home().to_string() attr:class="brand">
                    "Roster"
                </A>
                <div class="account">
                    <ActionsMenu
                        id="user-menu".to_string()
                        label=Signal::derive(move || format!("Your account: {}", full_name()))
                        items=account_items
                        on_select=on_account
                        button_class="button-quiet account-button"
                    >
                        <span id="current-user" class="current-user">
                            {full_name}
                        </span>
                    </ActionsMenu>
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
            <div class="app-body">
                <nav
                    id="app-sidebar"
                    class="sidebar app-nav"
                    class:sidebar-open=move || nav_open.get()
                    aria-label="Admin"
                >
                    <Show
                        when=move || session.manages_people()
                        fallback=move || {
                            view! {
                                <ul class="sidebar-links">
                                    <li>
                                        <A href=move || session.home().to_string()>"My profile"</A>
                                    </li>
                                </ul>
                            }
                        }
                    >
                        <p class="sidebar-heading" aria-hidden="true">
                            "Admin"
                        </p>
                        <ul class="sidebar-links">
                            <li>
                                <A href=Page::Users.to_string() attr:id="nav-users">
                                    "Users"
                                </A>
                            </li>
                            <li>
                                <A href=Page::Teams.to_string() attr:id="nav-teams">
                                    "Teams"
                                </A>
                            </li>
                            <Show when=move || session.is_admin()>
                                <li>
                                    <A href=Page::Audit.to_string() attr:id="nav-audit">
                                        "Audit"
                                    </A>
                                </li>
                                <li>
                                    <A href=Page::Jobs.to_string() attr:id="nav-jobs">
                                        "Jobs"
                                    </A>
                                </li>
                            </Show>
                        </ul>
                    </Show>
                </nav>
                <p class="route-loading" id="route-loading" role="status">
                    {move || slow.get().then_some("Loading…")}
                </p>
                <main
                    id="main"
                    class="app-main"
                    tabindex="-1"
                    aria-busy=move || routing.is_some_and(|r| r.get()).to_string()
                >
                    <Outlet />
                </main>
            </div>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::page_of;

    #[test]
    fn a_pages_tabs_are_one_page() {
        assert_eq!(page_of("/users/42/profile"), page_of("/users/42/teams"));
        assert_ne!(page_of("/users"), page_of("/users/42/profile"));
        assert_ne!(page_of("/users"), page_of("/teams"));
        assert_eq!(page_of("/"), "");
    }
}
