//! The actions menu of a Users table row and what its entries do: the safe ones
//! at once, suspend and delete after a confirmation that names the person
//! (delete asks for their email to be typed).

use leptos::prelude::*;
use leptos_router::NavigateOptions;
use leptos_router::hooks::use_navigate;
use roster_types::actions::{UserAction, offers};
use roster_types::{User, UserStatus};

use crate::api::{Api, ApiError};
use crate::components::dialog::Dialog;
use crate::components::focus;
use crate::components::menu::{ActionsMenu, MenuItem};
use crate::routes::{Page, UserTab};
use crate::session::Session;

const ACTIONS: [UserAction; 6] = [
    UserAction::Edit,
    UserAction::SendPasswordReset,
    UserAction::ResendInvitation,
    UserAction::Suspend,
    UserAction::Reactivate,
    UserAction::Delete,
];

fn action_of(key: &str) -> Option<UserAction> {
    ACTIONS.into_iter().find(|a| a.key() == key)
}

/// The element id of a row's menu button: `user-actions-<id>`.
pub fn menu_id(user: &User) -> String {
    format!("user-actions-{}", user.id)
}

/// A row's menu, offering what the signed-in person may do to `user`.
#[component]
pub fn RowActions(user: User, on_select: Callback<(UserAction, User)>) -> impl IntoView {
    let session = Session::expect();
    let items = session
        .me()
        .map(|me| offers(me.user.id, &me.user.roles, &user))
        .unwrap_or_default()
        .into_iter()
        .map(|offer| MenuItem {
            key: offer.action.key(),
            label: offer.action.label(),
            refused: offer.refused,
            danger: offer.action.is_destructive(),
        })
        .collect::<Vec<_>>();
    if items.is_empty() {
        return view! { <span class="muted">"\u{2014}"</span> }.into_any();
    }
    let label = format!("Actions for {}", user.full_name);
    let id = menu_id(&user);
    let on_select = Callback::new(move |key: &'static str| {
        if let Some(action) = action_of(key) {
            on_select.run((action, user.clone()));
        }
    });
    view! { <ActionsMenu id label items on_select /> }.into_any()
}

/// What an action ended with, for the page's notice.
fn done(action: UserAction, user: &User) -> String {
    match action {
        UserAction::SendPasswordReset => {
            format!("A password reset link is on its way to {}.", user.email)
        }
        UserAction::ResendInvitation => {
            format!("A new invitation is on its way to {}.", user.email)
        }
        UserAction::Suspend => format!("{} was suspended.", user.full_name),
        UserAction::Reactivate => format!("{} was reactivated.", user.full_name),
        UserAction::Delete => format!("{} was deleted.", user.full_name),
        UserAction::Edit => String::new(),
    }
}

async fn run(api: Api, action: UserAction, user: &User) -> Result<(), ApiError> {
    match action {
        UserAction::SendPasswordReset => api.send_password_reset(user.id).await.map(drop),
        UserAction::ResendInvitation => api.resend_invitation(user.id).await.map(drop),
        UserAction::Suspend => api.suspend_user(user.id).await.map(drop),
        UserAction::Reactivate => api.reactivate_user(user.id).await.map(drop),
        UserAction::Delete => api.delete_user(user.id).await,
        UserAction::Edit => Ok(()),
    }
}

/// Carries out the chosen entries of the table's menus. `chosen` is set by the
/// menus; `notice` and `error` report the outcome, `on_changed` reloads the
/// table after a change to someone's status or existence.
#[component]
pub fn RowActionRunner(
    chosen: RwSignal<Option<(UserAction, User)>>,
    notice: RwSignal<Option<String>>,
    error: RwSignal<Option<String>>,
    on_changed: Callback<()>,
) -> impl IntoView {
    let api = Api::expect();
    let navigate = use_navigate();
    let confirming = RwSignal::new(None::<(UserAction, User)>);
    let act = Action::new_local(move |(action, user): &(UserAction, User)| {
        let (action, user) = (*action, user.clone());
        async move {
            let outcome = run(api, action, &user).await;
            (action, user, outcome)
        }
    });
    Effect::new(move |_| {
        let Some((action, user)) = chosen.get() else {
            return;
        };
        chosen.set(None);
        error.set(None);
        match action {
            UserAction::Edit => navigate(
                &Page::User(user.id, UserTab::Profile).to_string(),
                NavigateOptions::default(),
            ),
            a if a.is_destructive() => confirming.set(Some((a, user))),
            a => {
                act.dispatch_local((a, user));
            }
        }
    });
    Effect::new(move |_| {
        let Some((action, user, outcome)) = act.value().get() else {
            return;
        };
        confirming.set(None);
        match outcome {
            Ok(()) => {
                notice.set(Some(done(action, &user)));
                if action != UserAction::SendPasswordReset && action != UserAction::ResendInvitation
                {
                    on_changed.run(());
                }
                // The row's menu button, or the page heading when the row is gone.
                let menu = menu_id(&user);
                set_timeout(
                    move || {
                        if document().get_element_by_id(&menu).is_some() {
                            focus(&menu);
                        } else {
                            focus("users-heading");
                        }
                    },
                    std::time::Duration::from_millis(50),
                );
            }
            Err(failure) => {
                error.set(Some(format!("{}: {failure}", action.label())));
                // The menu or dialog that started it is gone: focus goes to
                // what happened, not to the page's body.
                set_timeout(|| focus("users-action-error"), std::time::Duration::ZERO);
            }
        }
    });

    move || {
        confirming.get().map(|(action, user)| {
            let close = Callback::new(move |()| confirming.set(None));
            match action {
                UserAction::Delete => view! { <ConfirmDelete user act close /> }.into_any(),
                _ => view! { <ConfirmSuspend user act close /> }.into_any(),
            }
        })
    }
}

type ActOn = Action<(UserAction, User), (UserAction, User, Result<(), ApiError>)>;

#[component]
fn ConfirmSuspend(user: User, act: ActOn, close: Callback<()>) -> impl IntoView {
    let message = format!(
        "Suspend {}? They will be signed out everywhere and cannot sign in until reactivated.",
        user.full_name
    );
    view! {
        <Dialog id="row-suspend-dialog" title="Suspend account" on_close=close>
            <p id="row-suspend-message">{message}</p>
            <div class="dialog-actions">
                <button type="button" class="button" data-autofocus on:click=move |_| close.run(())>
                    "Cancel"
                </button>
                <button
                    id="row-confirm-suspend"
                    type="button"
                    class="button button-danger"
                    disabled=move || act.pending().get()
                    on:click=move |_| {
                        act.dispatch_local((UserAction::Suspend, user.clone()));
                    }
                >
                    {move || if act.pending().get() { "Suspending…" } else { "Suspend" }}
                </button>
            </div>
        </Dialog>
    }
}

#[component]
fn ConfirmDelete(user: User, act: ActOn, close: Callback<()>) -> impl IntoView {
    let typed = RwSignal::new(String::new());
    let email = user.email.clone();
    let matches = Signal::derive(move || typed.with(|t| t.trim().eq_ignore_ascii_case(&email)));
    let message = format!(
        "Delete {} for good? Their teams, sessions and history go with them; this cannot be undone.",
        user.full_name
    );
    let prompt = format!("Type {} to confirm", user.email);
    let suspend_instead = (user.status != UserStatus::Suspended)
        .then_some("To stop them signing in but keep their record, suspend them instead.");
    view! {
        <Dialog id="row-delete-dialog" title="Delete person" on_close=close>
            <p id="row-delete-message">{message}</p>
            {suspend_instead.map(|text| view! { <p class="hint">{text}</p> })}
            <form on:submit=move |ev| {
                ev.prevent_default();
                if matches.get() && !act.pending().get_untracked() {
                    act.dispatch_local((UserAction::Delete, user.clone()));
                }
            }>
                <div class="field">
                    <label for="row-delete-email">{prompt}</label>
                    <input
                        id="row-delete-email"
                        type="text"
                        autocomplete="off"
                        spellcheck="false"
                        data-autofocus
                        bind:value=typed
                    />
                </div>
                <div class="dialog-actions">
                    <button type="button" class="button" on:click=move |_| close.run(())>
                        "Cancel"
                    </button>
                    <button
                        id="row-confirm-delete"
                        type="submit"
                        class="button button-danger"
                        disabled=move || !matches.get() || act.pending().get()
                    >
                        {move || if act.pending().get() { "Deleting…" } else { "Delete" }}
                    </button>
                </div>
            </form>
        </Dialog>
    }
}
