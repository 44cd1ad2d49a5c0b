//! One user: header with name, email and status, then tabs (Profile,
//! Enrollments, Quizzes, Teams, History for admins, Groups), each with its own
//! address.

use leptos::prelude::*;
use leptos_router::NavigateOptions;
use leptos_router::components::{A, Redirect};
use leptos_router::hooks::use_params_map;
use roster_types::{User, UserStatus};
use uuid::Uuid;

use crate::api::{Api, ApiError, abort_on_cleanup};
use crate::components::breadcrumb::Breadcrumb;
use crate::components::set_page_title;
use crate::components::status_badge::StatusBadge;
use crate::components::tabs::{TabSpec, Tabs};
use crate::routes::{Page, UserTab};

use super::history::HistoryTab;
use super::profile::ProfileTab;
use super::user_teams::UserTeamsTab;

/// The tabs of everyone who may open a person, in order.
const TABS: [UserTab; 5] = [
    UserTab::Profile,
    UserTab::Enrollments,
    UserTab::Quizzes,
    UserTab::Teams,
    UserTab::Groups,
];

/// The tabs an admin sees: History as well.
const ADMIN_TABS: [UserTab; 6] = UserTab::ALL;

/// A tab's element id and label.
const fn spec(tab: UserTab) -> TabSpec {
    let id = match tab {
        UserTab::Profile => "tab-profile",
        UserTab::Enrollments => "tab-enrollments",
        UserTab::Quizzes => "tab-quizzes",
        UserTab::Teams => "tab-teams",
        UserTab::History => "tab-history",
        UserTab::Groups => "tab-groups",
    };
    TabSpec {
        id,
        label: tab.label(),
    }
}

const TAB_SPECS: [TabSpec; 5] = [
    spec(TABS[0]),
    spec(TABS[1]),
    spec(TABS[2]),
    spec(TABS[3]),
    spec(TABS[4]),
];

const ADMIN_TAB_SPECS: [TabSpec; 6] = [
    spec(ADMIN_TABS[0]),
    spec(ADMIN_TABS[1]),
    spec(ADMIN_TABS[2]),
    spec(ADMIN_TABS[3]),
    spec(ADMIN_TABS[4]),
    spec(ADMIN_TABS[5]),
];

/// The tabs a viewer sees, with their specs in the same order.
fn visible_tabs(is_admin: bool) -> (&'static [UserTab], &'static [TabSpec]) {
    if is_admin {
        (&ADMIN_TABS, &ADMIN_TAB_SPECS)
    } else {
        (&TABS, &TAB_SPECS)
    }
}

/// A user as loaded, with the `ETag` that edits must send back.
pub type TaggedUser = (User, String);

/// `/users/{id}`: sends people on to the Profile tab.
#[component]
pub fn UserRedirect() -> impl IntoView {
    let params = use_params_map();
    let id = params.with_untracked(|p| p.get("id").and_then(|id| id.parse::<Uuid>().ok()));
    match id {
        Some(id) => {
            let options = NavigateOptions {
                replace: true,
                ..NavigateOptions::default()
            };
            view! { <Redirect path=Page::User(id, UserTab::Profile).to_string() options /> }
                .into_any()
        }
        None => view! { <UserMissing /> }.into_any(),
    }
}

#[component]
fn UserMissing() -> impl IntoView {
    set_page_title("User not found");
    view! {
        <section class="page">
            <h1>"User not found"</h1>
            <p>"This person does not exist, or is not in a team you manage."</p>
            <p>
                <A href=Page::Users.to_string()>"Back to Users"</A>
            </p>
        </section>
    }
}

/// `/users/{id}/{tab}`.
#[component]
pub fn UserDetailPage() -> impl IntoView {
    let api = Api::expect();
    let session = crate::session::Session::expect();
    let params = use_params_map();
    let id =
        Memo::new(move |_| params.with(|p| p.get("id").and_then(|id| id.parse::<Uuid>().ok())));
    let tab = Memo::new(move |_| params.with(|p| p.get("tab").and_then(|t| UserTab::parse(&t))));

    let tab_known = Memo::new(move |_| tab.with(Option::is_some));
    let is_admin = Memo::new(move |_| session.is_admin());
    // History is for admins; anyone else asking for it gets the profile.
    let history_refused =
        Memo::new(move |_| tab.get() == Some(UserTab::History) && !is_admin.get());

    let loader = LocalResource::new(move || {
        let id = id.get();
        let abort = abort_on_cleanup();
        async move {
            match id {
                Some(id) => api.get_user(id, abort.as_ref()).await.map(Some),
                None => Ok(None),
            }
        }
    });
    // The user on screen; edits replace it with the server's answer.
    let current = RwSignal::new(None::<TaggedUser>);
    Effect::new(move |_| {
        if let Some(Ok(Some(loaded))) = loader.get() {
            current.set(Some(loaded));
        }
    });
    let reload = Callback::new(move |()| loader.refetch());
    let failure = Memo::new(move |_| loader.get().and_then(Result::err));
    // Whether `current` is the user the address names (not the previous one).
    let ready = Memo::new(move |_| {
        let id = id.get();
        current.with(|c| c.as_ref().map(|(user, _)| user.id)) == id && id.is_some()
    });
    Effect::new(move |_| {
        if let Some(name) = current.with(|c| c.as_ref().map(|(user, _)| user.full_name.clone())) {
            set_page_title(&name);
        }
    });

    let field = move |read: fn(&User) -> String| {
        move || current.with(|c| c.as_ref().map(|(user, _)| read(user)).unwrap_or_default())
    };
    let status = Signal::derive(move || {
        current.with(|c| {
            c.as_ref()
                .map_or(UserStatus::Active, |(user, _)| user.status)
        })
    });

    let body = move || {
        // Reads only whether the tab exists, so moving between tabs keeps the
        // tab list (and keyboard focus) in place.
        let (Some(id), true) = (id.get(), tab_known.get()) else {
            return view! { <UserMissing /> }.into_any();
        };
        if history_refused.get() {
            let options = NavigateOptions {
                replace: true,
                ..NavigateOptions::default()
            };
            return view! { <Redirect path=Page::User(id, UserTab::Profile).to_string() options /> }
                .into_any();
        }
        if let Some(error) = failure.get().filter(|_| !ready.get()) {
            return load_error(&error, loader).into_any();
        }
        if !ready.get() {
            return view! { <p class="state state-loading">"Loading the user…"</p> }.into_any();
        }
        let (tabs, specs) = visible_tabs(is_admin.get());
        let selected = Signal::derive(move || {
            tab.get()
                .and_then(|t| tabs.iter().position(|x| *x == t))
                .unwrap_or(0)
        });
        let href = Callback::new(move |index: usize| Page::User(id, tabs[index]).to_string());
        view! {
            <header class="page-header profile-header">
                <div class="profile-identity">
                    <h1 id="user-heading">{field(|u| u.full_name.clone())}</h1>
                    <p id="user-email" class="subtle">{field(|u| u.email.clone())}</p>
                </div>
                <span id="user-status">
                    <StatusBadge status />
                </span>
            </header>
            <Tabs label="About this person" tabs=specs href selected panel_id="user-tab-panel">
                {move || tab_panel(id, tab.get().unwrap_or_default(), current, reload)}
            </Tabs>
        }
        .into_any()
    };

    view! {
        <section class="page" aria-labelledby="user-heading">
            <Show when=move || session.manages_people()>
                <Breadcrumb
                    parent="Users"
                    parent_href=Page::Users.to_string()
                    current=Signal::derive(field(|u| u.full_name.clone()))
                />
            </Show>
            {body}
        </section>
    }
}

fn tab_panel(
    id: Uuid,
    tab: UserTab,
    current: RwSignal<Option<TaggedUser>>,
    reload: Callback<()>,
) -> AnyView {
    match tab {
        UserTab::Profile => view! { <ProfileTab current reload /> }.into_any(),
        UserTab::Teams => view! { <UserTeamsTab user_id=id on_person_changed=reload /> }.into_any(),
        UserTab::History => view! { <HistoryTab user_id=id /> }.into_any(),
        UserTab::Enrollments => coming(
            "Courses this person is enrolled in on Thinkific will appear here once Thinkific is connected.",
        ),
        UserTab::Quizzes => coming(
            "This person's quiz attempts and scores from Thinkific will appear here once Thinkific is connected.",
        ),
        UserTab::Groups => coming(
            "The Thinkific groups this person belongs to will appear here once Thinkific is connected.",
        ),
    }
}

fn coming(sentence: &'static str) -> AnyView {
    view! {
        <div class="state state-empty">
            <p>{sentence}</p>
        </div>
    }
    .into_any()
}

fn load_error(
    error: &ApiError,
    loader: LocalResource<Result<Option<TaggedUser>, ApiError>>,
) -> impl IntoView {
    let message = if error.problem().is_some_and(|p| p.status == 404) {
        "This person does not exist, or is not in a team you manage.".to_string()
    } else {
        format!("The user could not be loaded. {error}")
    };
    let retryable = error.is_retryable();
    let session = crate::session::Session::expect();
    let (back, back_label) = if session.manages_people() {
        (Page::Users.to_string(), "Back to Users")
    } else {
        (session.home().to_string(), "Go to your profile")
    };
    view! {
        <div class="state state-error" id="user-load-error" role="alert">
            <p>{message}</p>
            {if retryable {
                view! {
                    <button type="button" class="button" on:click=move |_| loader.refetch()>
                        "Retry"
                    </button>
                }
                    .into_any()
            } else {
                view! {
                    <a class="button" id="back-to-users" href=back>
                        {back_label}
                    </a>
                }
                    .into_any()
            }}
        </div>
    }
}
