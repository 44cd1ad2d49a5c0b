//! The "Add user" dialog: the form, its client-side checks (the same rules the
//! server applies) and the server's field errors.

use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use roster_types::validate::validate_create_user;
use roster_types::{CreateUserRequest, FieldError, Role, User};
use wasm_bindgen::JsCast;
use web_sys::HtmlElement;

use crate::api::{Api, ApiError};
use crate::components::dialog::Dialog;
use crate::components::form_field::FormField;

/// The form's fields in order: request field and input id.
const FIELDS: [(&str, &str); 3] = [
    ("first_name", "new-first-name"),
    ("last_name", "new-last-name"),
    ("email", "new-email"),
];

fn role_hint(role: Role) -> &'static str {
    match role {
        Role::Admin => "Can do everything.",
        Role::Manager => "Manages the members of their teams.",
        Role::Learner => "Sees their own profile and learning.",
    }
}

/// Moves focus to the first field with an error, so it is read out and fixed.
fn focus_first_invalid(errors: &[FieldError]) {
    let first = FIELDS
        .iter()
        .find(|(field, _)| errors.iter().any(|error| error.field == *field));
    if let Some((_, id)) = first
        && let Some(input) = document().get_element_by_id(id)
        && let Ok(input) = input.dyn_into::<HtmlElement>()
    {
        _ = input.focus();
    }
}

/// A modal form that creates a user; `on_created` receives them.
#[component]
pub fn AddUserDialog(on_close: Callback<()>, on_created: Callback<User>) -> impl IntoView {
    let api = Api::expect();
    let first_name = RwSignal::new(String::new());
    let last_name = RwSignal::new(String::new());
    let email = RwSignal::new(String::new());
    let roles = RwSignal::new(vec![Role::Learner]);
    let errors = RwSignal::new(Vec::<FieldError>::new());
    let form_error = RwSignal::new(None::<String>);
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

    let create = Action::new_local(move |request: &CreateUserRequest| {
        let request = request.clone();
        async move { api.create_user(&request).await }
    });
    Effect::new(move |_| match create.value().get() {
        Some(Ok(user)) => on_created.run(user),
        Some(Err(error)) => show_server_error(&error, errors, form_error),
        None => {}
    });

    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if create.pending().get_untracked() {
            return;
        }
        let request = CreateUserRequest {
            first_name: first_name.get_untracked(),
            last_name: last_name.get_untracked(),
            email: email.get_untracked(),
            roles: roles.get_untracked(),
        };
        form_error.set(None);
        match validate_create_user(&request) {
            Err(invalid) => {
                errors.set(invalid);
                errors.with_untracked(|invalid| focus_first_invalid(invalid));
            }
            Ok(valid) => {
                errors.set(Vec::new());
                create.dispatch_local(CreateUserRequest {
                    first_name: valid.first_name,
                    last_name: valid.last_name,
                    email: valid.email,
                    roles: valid.roles,
                });
            }
        }
    };

    let role_choices = Role::ALL
        .into_iter()
        .map(|role| {
            let id = format!("new-role-{}", role.as_str());
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
                        <span class="hint">{role_hint(role)}</span>
                    </label>
                </div>
            }
        })
        .collect_view();

    view! {
        <Dialog id="add-user-dialog" title="Add user" on_close>
            <form class="form" novalidate on:submit=on_submit>
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
                        id="new-first-name"
                        label="First name"
                        name="first_name"
                        autocomplete="off"
                        value=first_name
                        error=error_of("first_name")
                    />
                    <FormField
                        id="new-last-name"
                        label="Last name"
                        name="last_name"
                        autocomplete="off"
                        value=last_name
                        error=error_of("last_name")
                    />
                </div>
                <FormField
                    id="new-email"
                    label="Email"
                    input_type="email"
                    name="email"
                    autocomplete="off"
                    value=email
                    error=error_of("email")
                />
                <fieldset class="fieldset">
                    <legend>"Roles"</legend>
                    {role_choices}
                    <p class="hint">"Someone with no role becomes a learner."</p>
                </fieldset>
                <div class="dialog-actions">
                    <button type="button" class="button" on:click=move |_| on_close.run(())>
                        "Cancel"
                    </button>
                    <button
                        type="submit"
                        id="create-user"
                        class="button button-primary"
                        disabled=move || create.pending().get()
                    >
                        {move || if create.pending().get() { "Adding…" } else { "Add user" }}
                    </button>
                </div>
            </form>
        </Dialog>
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
    errors.set(ours);
    errors.with_untracked(|ours| focus_first_invalid(ours));
}
