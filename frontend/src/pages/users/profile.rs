//! The Profile tab: the person's details, editing them with an optimistic-lock
//! check (`If-Match`), suspending or reactivating the account, and the Email,
//! Password and Sessions sections.

use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos_router::NavigateOptions;
use leptos_router::hooks::use_navigate;
use roster_types::validate::validate_update_user;
use roster_types::{FieldError, Role, UpdateUserRequest, User, UserStatus};
use uuid::Uuid;

use crate::api::{Api, ApiError};
use crate::components::dialog::Dialog;
use crate::components::focus;
use crate::components::form_field::FormField;
use crate::components::notice::Notice;
use crate::components::status_badge::StatusBadge;
use crate::format::local_date_time;
use crate::routes::Page;
use crate::session::Session;

use super::detail::TaggedUser;
use super::emails::EmailSection;
use super::password::ChangePasswordSection;
use super::sessions::{SessionsOf, SessionsSection};

/// The form's fields in order: request field and input id.
const FIELDS: [(&str, &str); 3] = [
    ("first_name", "profile-first-name"),
    ("last_name", "profile-last-name"),
    ("email", "profile-email"),
];

fn focus_first_invalid(errors: &[FieldError]) {
    if let Some((_, id)) = FIELDS
        .iter()
        .find(|(field, _)| errors.iter().any(|error| error.field == *field))
    {
        focus(id);
    }
}

/// Whether the server refused an edit because the profile changed meanwhile.
fn is_stale(error: &ApiError) -> bool {
    error.code() == Some("stale_version") || error.problem().is_some_and(|p| p.status == 412)
}

/// What changed between `user` and the form, as a partial update.
fn changes(
    user: &User,
    first: String,
    last: String,
    email: String,
    roles: Option<Vec<Role>>,
) -> UpdateUserRequest {
    UpdateUserRequest {
        first_name: (first != user.first_name).then_some(first),
        last_name: (last != user.last_name).then_some(last),
        email: (email != user.email).then_some(email),
        roles: roles.filter(|roles| *roles != user.roles),
    }
}

/// The Profile tab of the user in `current`; `reload` fetches them again.
#[component]
pub fn ProfileTab(current: RwSignal<Option<TaggedUser>>, reload: Callback<()>) -> impl IntoView {
    let session = Session::expect();
    let is_admin = Memo::new(move |_| session.is_admin());
    let user_id = current.with_untracked(|c| c.as_ref().map(|(user, _)| user.id));
    let editing = RwSignal::new(false);
    let notice = RwSignal::new(None::<String>);
    let status_error = RwSignal::new(None::<String>);

    let show = move |read: fn(&User) -> String| {
        move || current.with(|c| c.as_ref().map(|(user, _)| read(user)).unwrap_or_default())
    };
    // Which controls to show (the server decides anyway): an admin manages
    // everyone; a manager the plain members they see, not admins or fellow
    // managers; everyone edits their own name.
    let own = Signal::derive(move || session.user_id().is_some() && session.user_id() == user_id);
    let may_manage = Signal::derive(move || {
        session.is_admin()
            || (session.is_manager()
                && !own.get()
                && current.with(|c| {
                    c.as_ref().is_some_and(|(user, _)| {
                        !user
                            .roles
                            .iter()
                            .any(|r| matches!(r, Role::Admin | Role::Manager))
                    })
                }))
    });
    let may_edit = Signal::derive(move || may_manage.get() || own.get());
    // One's own sessions can be signed out one by one; someone else's all at
    // once, by those who may manage them (as with the reset link).
    let sessions_of = Memo::new(move |_| match user_id {
        Some(_) if own.get() => Some(SessionsOf::Own),
        Some(id) if may_manage.get() => Some(SessionsOf::User(id)),
        _ => None,
    });
    let status = Signal::derive(move || {
        current.with(|c| {
            c.as_ref()
                .map_or(UserStatus::Active, |(user, _)| user.status)
        })
    });

    view! {
        <div class="profile">
            <Notice message=notice />
            <Show
                when=move || editing.get()
                fallback=move || {
                    view! {
                        <dl class="details" id="profile-details">
                            <div>
                                <dt>"First name"</dt>
                                <dd id="profile-first-name-value">{show(|u| u.first_name.clone())}</dd>
                            </div>
                            <div>
                                <dt>"Last name"</dt>
                                <dd id="profile-last-name-value">{show(|u| u.last_name.clone())}</dd>
                            </div>
                            <div>
                                <dt>"Email"</dt>
                                <dd id="profile-email-value">{show(|u| u.email.clone())}</dd>
                            </div>
                            <div>
                                <dt>"Roles"</dt>
                                <dd id="profile-roles-value">
                                    {show(|u| {
                                        u.roles.iter().map(|r| r.label()).collect::<Vec<_>>().join(", ")
                                    })}
                                </dd>
                            </div>
                            <div>
                                <dt>"Created"</dt>
                                <dd id="profile-created-at">{show(|u| local_date_time(u.created_at))}</dd>
                            </div>
                            <div>
                                <dt>"Last sign-in"</dt>
                                <dd id="profile-last-sign-in">
                                    {show(|u| {
                                        u.last_login_at.map_or_else(|| "Never".to_string(), local_date_time)
                                    })}
                                </dd>
                            </div>
                        </dl>
                        <Show when=move || may_edit.get()>
                            <div class="actions-row">
                                <button
                                    id="edit-profile"
                                    type="button"
                                    class="button"
                                    on:click=move |_| editing.set(true)
                                >
                                    {move || if may_manage.get() { "Edit profile" } else { "Edit your name" }}
                                </button>
                            </div>
                        </Show>
                    }
                }
            >
                <ProfileForm current editing notice reload is_admin email_editable=may_manage />
            </Show>
            <div class="status-row">
                <h2 class="section-title">"Account status"</h2>
                <p>
                    <StatusBadge status />
                    " "
                    <span class="hint">{move || status_hint(status.get())}</span>
                </p>
                {move || {
                    status_error
                        .get()
                        .map(|message| {
                            view! {
                                <p id="status-error" class="banner banner-error" role="alert" tabindex="-1">
                                    {message}
                                </p>
                            }
                        })
                }}
            </div>
            {user_id
                .map(|user_id| {
                    view! {
                        <Show when=move || session.manages_people()>
                            <EmailSection user_id status notice may_send=may_manage />
                        </Show>
                        <Show when=move || own.get()>
                            <ChangePasswordSection notice />
                        </Show>
                    }
                })}
            {move || {
                sessions_of
                    .get()
                    .map(|of| {
                        let name = Signal::derive(show(|u| u.full_name.clone()));
                        view! { <SessionsSection of name notice /> }
                    })
            }}
            // Last, and only what the rules allow: admins, never on their own
            // account.
            {user_id
                .map(|user_id| {
                    view! {
                        <Show when=move || is_admin.get() && !own.get()>
                            <section class="danger-zone" aria-labelledby="danger-zone-title">
                                <h2 class="section-title" id="danger-zone-title">"Danger zone"</h2>
                                <StatusControls user_id status current notice status_error />
                                <DeleteControl user_id current status_error />
                            </section>
                        </Show>
                    }
                })}
        </div>
    }
}

/// "Delete person", after typing their email; then back to the Users table.
#[component]
fn DeleteControl(
    user_id: Uuid,
    current: RwSignal<Option<TaggedUser>>,
    status_error: RwSignal<Option<String>>,
) -> impl IntoView {
    let api = Api::expect();
    let navigate = use_navigate();
    let confirming = RwSignal::new(false);
    let typed = RwSignal::new(String::new());
    let user = move || current.get().map(|(user, _)| user);
    let matches = Signal::derive(move || {
        let email = user().map(|u| u.email).unwrap_or_default();
        !email.is_empty() && typed.with(|t| t.trim().eq_ignore_ascii_case(&email))
    });
    let delete = Action::new_local(move |_: &()| async move { api.delete_user(user_id).await });
    Effect::new(move |_| match delete.value().get() {
        Some(Ok(())) => {
            confirming.set(false);
            if let Some(user) = current.get_untracked().map(|(user, _)| user) {
                crate::components::notice::Carried::leave(format!(
                    "{} was deleted.",
                    user.full_name
                ));
            }
            navigate(
                &Page::Users.to_string(),
                NavigateOptions {
                    replace: true,
                    ..NavigateOptions::default()
                },
            );
        }
        Some(Err(error)) => {
            confirming.set(false);
            status_error.set(Some(error.to_string()));
            set_timeout(|| focus("status-error"), std::time::Duration::ZERO);
        }
        None => {}
    });
    let close = Callback::new(move |()| {
        confirming.set(false);
        typed.set(String::new());
        focus("delete-user");
    });
    view! {
        <div class="danger-row">
            <div>
                <p class="danger-label">"Delete this person"</p>
                <p class="hint">
                    "Their teams, sessions and history go with them; this cannot be undone."
                </p>
            </div>
            <button
                id="delete-user"
                type="button"
                class="button button-danger"
                aria-haspopup="dialog"
                on:click=move |_| {
                    status_error.set(None);
                    confirming.set(true);
                }
            >
                "Delete"
            </button>
        </div>
        <Show when=move || confirming.get()>
            <Dialog id="delete-dialog" title="Delete person" on_close=close>
                <p id="delete-message">
                    {move || {
                        format!(
                            "Delete {} for good? Their teams, sessions and history go with them; this cannot be undone.",
                            user().map(|u| u.full_name).unwrap_or_default(),
                        )
                    }}
                </p>
                <form on:submit=move |ev| {
                    ev.prevent_default();
                    if matches.get() && !delete.pending().get() {
                        delete.dispatch_local(());
                    }
                }>
                    <div class="field">
                        <label for="delete-email">
                            {move || format!("Type {} to confirm", user().map(|u| u.email).unwrap_or_default())}
                        </label>
                        <input
                            id="delete-email"
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
                            id="confirm-delete"
                            type="submit"
                            class="button button-danger"
                            disabled=move || !matches.get() || delete.pending().get()
                        >
                            {move || if delete.pending().get() { "Deleting…" } else { "Delete" }}
                        </button>
                    </div>
                </form>
            </Dialog>
        </Show>
    }
}

fn status_hint(status: UserStatus) -> &'static str {
    match status {
        UserStatus::Invited => "Has not signed in yet.",
        UserStatus::Active => "Can sign in.",
        UserStatus::Suspended => "Cannot sign in until reactivated.",
    }
}

/// The edit form, filled from the user as loaded.
#[component]
fn ProfileForm(
    current: RwSignal<Option<TaggedUser>>,
    editing: RwSignal<bool>,
    notice: RwSignal<Option<String>>,
    reload: Callback<()>,
    is_admin: Memo<bool>,
    /// Whether the address may be changed here (not on one's own profile,
    /// unless an admin).
    email_editable: Signal<bool>,
) -> impl IntoView {
    let api = Api::expect();
    let start = current.get_untracked().map(|(user, _)| user);
    let first_name = RwSignal::new(
        start
            .as_ref()
            .map(|u| u.first_name.clone())
            .unwrap_or_default(),
    );
    let last_name = RwSignal::new(
        start
            .as_ref()
            .map(|u| u.last_name.clone())
            .unwrap_or_default(),
    );
    let email = RwSignal::new(start.as_ref().map(|u| u.email.clone()).unwrap_or_default());
    let roles = RwSignal::new(start.as_ref().map(|u| u.roles.clone()).unwrap_or_default());
    let errors = RwSignal::new(Vec::<FieldError>::new());
    let form_error = RwSignal::new(None::<String>);
    let stale = RwSignal::new(false);
    let error_of = move |field: &'static str| {
        Signal::derive(move || {
            errors.with(|errors| {
                errors
                    .iter()
                    .find(|error| error.field == field)
                    .map(|error| error.message.clone())
            })
        })
    };

    let save = Action::new_local(
        move |(id, request, etag): &(Uuid, UpdateUserRequest, String)| {
            let (id, request, etag) = (*id, request.clone(), etag.clone());
            async move { api.update_user(id, &request, &etag).await }
        },
    );
    Effect::new(move |_| match save.value().get() {
        Some(Ok(saved)) => {
            notice.set(Some(format!("{}'s profile was saved.", saved.0.full_name)));
            current.set(Some(saved));
            editing.set(false);
            focus("edit-profile");
        }
        Some(Err(error)) if is_stale(&error) => {
            stale.set(true);
            focus("reload-profile");
        }
        Some(Err(error)) => show_server_error(&error, errors, form_error),
        None => {}
    });

    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if save.pending().get_untracked() || stale.get_untracked() {
            return;
        }
        let Some((user, etag)) = current.get_untracked() else {
            return;
        };
        let request = UpdateUserRequest {
            first_name: Some(first_name.get_untracked()),
            last_name: Some(last_name.get_untracked()),
            email: Some(email.get_untracked()),
            roles: is_admin.get_untracked().then(|| roles.get_untracked()),
        };
        form_error.set(None);
        match validate_update_user(&request) {
            Err(invalid) => {
                focus_first_invalid(&invalid);
                errors.set(invalid);
            }
            Ok(valid) => {
                errors.set(Vec::new());
                let request = changes(
                    &user,
                    valid.first_name.unwrap_or_default(),
                    valid.last_name.unwrap_or_default(),
                    valid.email.unwrap_or_default(),
                    valid.roles,
                );
                if request == UpdateUserRequest::default() {
                    editing.set(false);
                    focus("edit-profile");
                    return;
                }
                save.dispatch_local((user.id, request, etag));
            }
        }
    };
    let cancel = move |_| {
        editing.set(false);
        focus("edit-profile");
    };
    let reload_latest = move |_| {
        editing.set(false);
        reload.run(());
        focus("edit-profile");
    };

    view! {
        <form class="form profile-form" novalidate on:submit=on_submit aria-labelledby="profile-form-title">
            <h2 class="section-title" id="profile-form-title">"Edit profile"</h2>
            <Show when=move || stale.get()>
                <div id="stale-warning" class="banner banner-error" role="alert">
                    <p>"Someone else changed this profile since you opened it."</p>
                    <p class="hint">"Reload to see their changes; your edits here will be discarded."</p>
                    <button id="reload-profile" type="button" class="button" on:click=reload_latest>
                        "Reload the latest version"
                    </button>
                </div>
            </Show>
            {move || {
                form_error
                    .get()
                    .map(|message| {
                        view! {
                            <div class="banner banner-error" role="alert">
                                {message}
                            </div>
                        }
                    })
            }}
            <div class="field-row">
                <FormField
                    id="profile-first-name"
                    label="First name"
                    name="first_name"
                    autocomplete="off"
                    value=first_name
                    error=error_of("first_name")
                />
                <FormField
                    id="profile-last-name"
                    label="Last name"
                    name="last_name"
                    autocomplete="off"
                    value=last_name
                    error=error_of("last_name")
                />
            </div>
            <Show when=move || email_editable.get()>
                <FormField
                    id="profile-email"
                    label="Email"
                    input_type="email"
                    name="email"
                    autocomplete="off"
                    value=email
                    error=error_of("email")
                />
            </Show>
            <Show when=move || is_admin.get()>
                <fieldset class="fieldset">
                    <legend>"Roles"</legend>
                    {role_checkboxes(roles)}
                    <p class="hint">
                        "Someone with no role becomes a learner. A manager manages the members of the teams where they are the team's manager (the Teams tab); making someone a team's manager makes them a manager."
                    </p>
                </fieldset>
            </Show>
            <div class="actions-row">
                <button
                    id="save-profile"
                    type="submit"
                    class="button button-primary"
                    disabled=move || save.pending().get() || stale.get()
                >
                    {move || if save.pending().get() { "Saving…" } else { "Save" }}
                </button>
                <button id="cancel-profile" type="button" class="button" on:click=cancel>
                    "Cancel"
                </button>
            </div>
        </form>
    }
}

/// A checkbox per global role, bound to `roles`.
fn role_checkboxes(roles: RwSignal<Vec<Role>>) -> impl IntoView {
    Role::ALL
        .into_iter()
        .map(|role| {
            let id = format!("profile-role-{}", role.as_str());
            view! {
                <div class="checkbox">
                    <input
                        type="checkbox"
                        id=id.clone()
                        name="role"
                        value=role.as_str()
                        prop:checked=move || roles.with(|held| held.contains(&role))
                        on:change=move |ev| {
                            let checked = event_target_checked(&ev);
                            roles
                                .update(|held| {
                                    held.retain(|r| *r != role);
                                    if checked {
                                        held.push(role);
                                        held.sort();
                                    }
                                });
                        }
                    />
                    <label for=id>
                        <span class="checkbox-label">{role.label()}</span>
                    </label>
                </div>
            }
        })
        .collect_view()
}

/// Suspend (after confirming) or reactivate; admins only.
#[component]
fn StatusControls(
    user_id: Uuid,
    status: Signal<UserStatus>,
    current: RwSignal<Option<TaggedUser>>,
    notice: RwSignal<Option<String>>,
    status_error: RwSignal<Option<String>>,
) -> impl IntoView {
    let api = Api::expect();
    let confirming = RwSignal::new(false);
    let change = Action::new_local(move |suspend: &bool| {
        let suspend = *suspend;
        async move {
            if suspend {
                api.suspend_user(user_id).await
            } else {
                api.reactivate_user(user_id).await
            }
        }
    });
    Effect::new(move |_| match change.value().get() {
        Some(Ok(changed)) => {
            status_error.set(None);
            confirming.set(false);
            let message = match changed.0.status {
                UserStatus::Suspended => format!("{} was suspended.", changed.0.full_name),
                _ => format!("{} was reactivated.", changed.0.full_name),
            };
            notice.set(Some(message));
            let focus_on = if changed.0.status == UserStatus::Suspended {
                "reactivate-user"
            } else {
                "suspend-user"
            };
            current.set(Some(changed));
            // The other button replaces the one pressed; keep focus nearby.
            set_timeout(move || focus(focus_on), std::time::Duration::ZERO);
        }
        Some(Err(error)) => {
            confirming.set(false);
            status_error.set(Some(error.to_string()));
        }
        None => {}
    });
    let name = move || {
        current.with(|c| {
            c.as_ref()
                .map(|(u, _)| u.full_name.clone())
                .unwrap_or_default()
        })
    };

    view! {
        <div class="danger-row">
            <div>
                <p class="danger-label">
                    {move || if status.get() == UserStatus::Suspended {
                        "Reactivate this account"
                    } else {
                        "Suspend this account"
                    }}
                </p>
                <p class="hint">
                    {move || if status.get() == UserStatus::Suspended {
                        "They can sign in again (or, if they never did, use their invitation)."
                    } else {
                        "They are signed out everywhere and cannot sign in until reactivated."
                    }}
                </p>
            </div>
            {move || if status.get() == UserStatus::Suspended {
                view! {
                    <button
                        id="reactivate-user"
                        type="button"
                        class="button"
                        disabled=move || change.pending().get()
                        on:click=move |_| {
                            status_error.set(None);
                            change.dispatch_local(false);
                        }
                    >
                        "Reactivate"
                    </button>
                }
                    .into_any()
            } else {
                view! {
                    <button
                        id="suspend-user"
                        type="button"
                        class="button button-danger"
                        aria-haspopup="dialog"
                        on:click=move |_| {
                            status_error.set(None);
                            confirming.set(true);
                        }
                    >
                        "Suspend"
                    </button>
                }
                    .into_any()
            }}
        </div>
        <Show when=move || confirming.get()>
            <Dialog id="suspend-dialog" title="Suspend account" on_close=Callback::new(move |()| confirming.set(false))>
                <p id="suspend-message">
                    {move || format!("Suspend {}?", name())}
                    " They will be signed out everywhere and cannot sign in until reactivated."
                </p>
                <div class="dialog-actions">
                    <button type="button" class="button" data-autofocus on:click=move |_| confirming.set(false)>
                        "Cancel"
                    </button>
                    <button
                        id="confirm-suspend"
                        type="button"
                        class="button button-danger"
                        disabled=move || change.pending().get()
                        on:click=move |_| {
                            change.dispatch_local(true);
                        }
                    >
                        {move || if change.pending().get() { "Suspending…" } else { "Suspend" }}
                    </button>
                </div>
            </Dialog>
        </Show>
    }
}

/// Puts the server's field errors under their fields and anything else above
/// the form.
fn show_server_error(
    error: &ApiError,
    errors: RwSignal<Vec<FieldError>>,
    form_error: RwSignal<Option<String>>,
) {
    let Some(problem) = error.problem().filter(|_| error.has_field_errors()) else {
        errors.set(Vec::new());
        form_error.set(Some(error.to_string()));
        return;
    };
    let (ours, others): (Vec<_>, Vec<_>) = problem
        .errors
        .iter()
        .cloned()
        .partition(|e| FIELDS.iter().any(|(field, _)| *field == e.field));
    form_error.set(if others.is_empty() {
        None
    } else {
        let details: Vec<_> = others.iter().map(|e| e.message.as_str()).collect();
        Some(details.join(" "))
    });
    focus_first_invalid(&ours);
    errors.set(ours);
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;

    #[test]
    fn an_edit_sends_only_the_fields_that_changed() {
        let user = User {
            id: Uuid::nil(),
            first_name: "Ada".into(),
            last_name: "Lovelace".into(),
            full_name: "Ada Lovelace".into(),
            email: "ada@example.com".into(),
            status: UserStatus::Active,
            roles: vec![Role::Learner],
            thinkific_user_id: None,
            created_at: Utc::now(),
            updated_at: Utc::now(),
            last_login_at: None,
            version: 3,
        };
        let request = changes(
            &user,
            "Ada".into(),
            "Byron".into(),
            "ada@example.com".into(),
            Some(vec![Role::Learner]),
        );
        assert_eq!(
            request,
            UpdateUserRequest {
                last_name: Some("Byron".into()),
                ..UpdateUserRequest::default()
            }
        );
    }
}
