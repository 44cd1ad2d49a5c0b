//! The Sessions section of the Profile tab: the browsers and devices a person
//! is signed in on. On one's own profile each other session can be signed
//! out (this one signs out with the header's "Sign out"); on someone else's,
//! admins and that person's managers can sign them out everywhere at once.

use leptos::prelude::*;
use roster_types::{PageInfo, SessionInfo, SessionList};
use uuid::Uuid;

use crate::api::{Api, ApiError, abort_on_cleanup};
use crate::components::data_table::{Column, DataTable, TablePage};
use crate::components::dialog::Dialog;
use crate::components::focus;
use crate::components::sort_header::SortDirection;
use crate::format::local_date_time;

/// Whose sessions the section lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionsOf {
    /// The signed-in person's own.
    Own,
    /// Another person's, by id.
    User(Uuid),
}

impl TablePage for SessionList {
    type Row = SessionInfo;

    fn rows(&self) -> &[SessionInfo] {
        &self.items
    }

    fn page_info(&self) -> &PageInfo {
        &self.page
    }
}

fn columns(own: bool) -> Vec<Column> {
    let mut columns = vec![
        Column::new("user_agent", "Browser").class("col-user-agent"),
        Column::new("ip", "IP address").class("col-ip"),
        Column::new("created_at", "Signed in").class("col-created-at"),
        Column::new("last_used_at", "Last used")
            .class("col-last-used")
            .sorted(SortDirection::Descending),
        Column::new("expires_at", "Expires").class("col-expires"),
    ];
    if own {
        columns.push(Column::new("actions", "Actions").class("col-actions"));
    }
    columns
}

/// The Sessions section; `name` is the person's name, `notice` takes the
/// success messages.
#[component]
pub fn SessionsSection(
    of: SessionsOf,
    #[prop(into)] name: Signal<String>,
    notice: RwSignal<Option<String>>,
) -> impl IntoView {
    let api = Api::expect();
    let sessions = LocalResource::new(move || {
        let abort = abort_on_cleanup();
        async move {
            match of {
                SessionsOf::Own => api.list_my_sessions(abort.as_ref()).await,
                SessionsOf::User(id) => api.list_user_sessions(id, abort.as_ref()).await,
            }
        }
    });
    let action_error = RwSignal::new(None::<String>);

    let revoke = Action::new_local(move |session_id: &Uuid| {
        let session_id = *session_id;
        async move { api.revoke_my_session(session_id).await }
    });
    Effect::new(move |_| match revoke.value().get() {
        Some(Ok(())) => {
            action_error.set(None);
            notice.set(Some("That session was signed out.".into()));
            // Its button goes with its row; keep focus in the section.
            focus("sessions-title");
            sessions.refetch();
        }
        Some(Err(error)) => {
            action_error.set(Some(format!(
                "The session could not be signed out. {error}"
            )));
            sessions.refetch();
        }
        None => {}
    });

    let own = of == SessionsOf::Own;
    let row = move |session: SessionInfo| {
        let revoke = own.then_some(revoke);
        view! { <SessionRow session revoke /> }.into_any()
    };
    let empty = Callback::new(move |_: SessionList| {
        let text = if own {
            "You are not signed in anywhere.".to_string()
        } else {
            format!("{} is not signed in anywhere.", name.get_untracked())
        };
        view! { <p>{text}</p> }.into_any()
    });
    let hint = if own {
        "Where you are signed in, most recently used first. To sign out of this browser, \
         use \u{201c}Sign out\u{201d} at the top of the page."
    } else {
        "Where this person is signed in, most recently used first."
    };

    view! {
        <section id="sessions" class="sessions-section" aria-labelledby="sessions-title">
            <h2 class="section-title" id="sessions-title" tabindex="-1">
                "Sessions"
            </h2>
            <p class="hint">{hint}</p>
            {move || {
                action_error
                    .get()
                    .map(|message| {
                        view! {
                            <p id="sessions-error" class="banner banner-error" role="alert">
                                {message}
                            </p>
                        }
                    })
            }}
            {match of {
                SessionsOf::User(user_id) => {
                    view! { <SignOutEverywhere user_id name sessions action_error notice /> }
                        .into_any()
                }
                SessionsOf::Own => ().into_any(),
            }}
            <DataTable
                id="sessions-table"
                caption="Sessions, most recently used first"
                columns=columns(own)
                resource=sessions
                row
                what="sessions"
                count_noun=("session", "sessions")
                total_id="sessions-total"
                empty
            />
        </section>
    }
}

/// One session; `revoke` signs it out (own sessions only, never this one).
#[component]
fn SessionRow(
    session: SessionInfo,
    revoke: Option<Action<Uuid, Result<(), ApiError>>>,
) -> impl IntoView {
    let id = session.id;
    let browser = session
        .user_agent
        .clone()
        .filter(|agent| !agent.trim().is_empty())
        .unwrap_or_else(|| "Unknown browser".into());
    let when = |at: chrono::DateTime<chrono::Utc>| {
        view! {
            <time datetime=at.to_rfc3339() title=local_date_time(at)>
                {local_date_time(at)}
            </time>
        }
    };
    let action = revoke.map(|revoke| {
        let control = if session.current {
            view! { <span class="hint">"Signed in here"</span> }.into_any()
        } else {
            let label = format!(
                "Sign out {browser}, last used {}",
                local_date_time(session.last_used_at)
            );
            view! {
                <button
                    type="button"
                    class="button button-small sign-out-session"
                    data-session-id=id.to_string()
                    aria-label=label
                    disabled=move || revoke.pending().get()
                    on:click=move |_| {
                        if !revoke.pending().get_untracked() {
                            revoke.dispatch_local(id);
                        }
                    }
                >
                    "Sign out"
                </button>
            }
            .into_any()
        };
        view! { <td class="col-actions">{control}</td> }
    });
    view! {
        <tr
            class="session-row"
            class:session-current=session.current
            data-session-id=id.to_string()
            data-current=session.current.to_string()
        >
            <td class="col-user-agent">
                <span class="user-agent">{browser.clone()}</span>
                {session
                    .current
                    .then(|| {
                        view! {
                            " "
                            <span class="badge badge-current">"This browser"</span>
                        }
                    })}
            </td>
            <td class="col-ip">{session.ip.clone().unwrap_or_else(|| "\u{2014}".into())}</td>
            <td class="col-created-at">{when(session.created_at)}</td>
            <td class="col-last-used">{when(session.last_used_at)}</td>
            <td class="col-expires">{when(session.expires_at)}</td>
            {action}
        </tr>
    }
}

/// "Sign out everywhere" for another person, after confirming.
#[component]
fn SignOutEverywhere(
    user_id: Uuid,
    name: Signal<String>,
    sessions: LocalResource<Result<SessionList, ApiError>>,
    action_error: RwSignal<Option<String>>,
    notice: RwSignal<Option<String>>,
) -> impl IntoView {
    let api = Api::expect();
    let confirming = RwSignal::new(false);
    let revoke_all = Action::new_local(move |id: &Uuid| {
        let id = *id;
        async move { api.revoke_user_sessions(id).await }
    });
    Effect::new(move |_| match revoke_all.value().get() {
        Some(Ok(())) => {
            confirming.set(false);
            action_error.set(None);
            notice.set(Some(format!(
                "{} was signed out everywhere.",
                name.get_untracked()
            )));
            sessions.refetch();
        }
        Some(Err(error)) => {
            confirming.set(false);
            action_error.set(Some(format!(
                "{} could not be signed out. {error}",
                name.get_untracked()
            )));
            sessions.refetch();
        }
        None => {}
    });
    let none_left = move || {
        sessions
            .get()
            .and_then(Result::ok)
            .is_some_and(|list| list.items.is_empty())
    };
    let count = move || {
        sessions
            .get()
            .and_then(Result::ok)
            .map_or(0, |list| list.items.len())
    };

    view! {
        <div class="actions-row">
            <button
                id="sign-out-everywhere"
                type="button"
                class="button button-danger"
                aria-haspopup="dialog"
                disabled=move || none_left() || revoke_all.pending().get()
                on:click=move |_| {
                    action_error.set(None);
                    confirming.set(true);
                }
            >
                "Sign out everywhere"
            </button>
        </div>
        <Show when=move || confirming.get()>
            <Dialog
                id="sign-out-everywhere-dialog"
                title="Sign out everywhere"
                on_close=Callback::new(move |()| confirming.set(false))
            >
                <p id="sign-out-everywhere-message">
                    {move || {
                        let sessions = match count() {
                            0 => "every session of theirs".to_string(),
                            1 => "their session".to_string(),
                            n => format!("all {n} of their sessions"),
                        };
                        format!(
                            "Sign {} out everywhere? This ends {sessions}; they will need to sign in again.",
                            name.get(),
                        )
                    }}
                </p>
                <div class="dialog-actions">
                    <button
                        type="button"
                        class="button"
                        data-autofocus
                        on:click=move |_| confirming.set(false)
                    >
                        "Cancel"
                    </button>
                    <button
                        id="confirm-sign-out-everywhere"
                        type="button"
                        class="button button-danger"
                        disabled=move || revoke_all.pending().get()
                        on:click=move |_| {
                            revoke_all.dispatch_local(user_id);
                        }
                    >
                        {move || {
                            if revoke_all.pending().get() { "Signing out…" } else { "Sign out everywhere" }
                        }}
                    </button>
                </div>
            </Dialog>
        </Show>
    }
}
