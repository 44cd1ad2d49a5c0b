//! The "Add user" dialog: the form, its client-side checks (the same rules the
//! server applies) and the server's field errors.

use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use roster_types::validate::validate_create_user;
use roster_types::{CreateUserRequest, FieldError, Role, TeamAssignment, TeamRole, User};
use wasm_bindgen::JsCast;
use web_sys::HtmlElement;

use crate::api::{Api, ApiError, abort_on_cleanup};
use crate::components::dialog::Dialog;
use crate::components::form_field::FormField;
use crate::session::Session;

use super::user_teams::{role_options, team_picker_query};

/// The form's fields in order: request field and input id.
const FIELDS: [(&str, &str); 4] = [
    ("first_name", "new-first-name"),
    ("last_name", "new-last-name"),
    ("email", "new-email"),
    ("teams", "add-team-row"),
];

/// One row of the Teams section: the chosen team id (empty until chosen) and role.
#[derive(Debug, Clone, PartialEq, Eq)]
struct TeamRowState {
    key: u32,
    team: String,
    role: TeamRole,
}

/// The rows that name a team, as assignments.
fn assignments(rows: &[TeamRowState]) -> Vec<TeamAssignment> {
    rows.iter()
        .filter_map(|row| {
            row.team.parse().ok().map(|team_id| TeamAssignment {
                team_id,
                role: row.role,
            })
        })
        .collect()
}

fn role_hint(role: Role) -> &'static str {
    match role {
        Role::Admin => "Can do everything.",
        Role::Manager => {
            "Manages the members of the teams they manage: make them a team's manager below."
        }
        Role::Learner => "Sees their own profile and learning.",
    }
}

/// The roles to send: a team's manager holds the manager role too.
fn with_team_manager(mut roles: Vec<Role>, manages_a_team: bool) -> Vec<Role> {
    if roles.is_empty() {
        // As the server reads no role: a learner.
        roles.push(Role::Learner);
    }
    if manages_a_team && !roles.contains(&Role::Manager) {
        roles.push(Role::Manager);
        roles.sort();
    }
    roles
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
    let team_rows = RwSignal::new(Vec::<TeamRowState>::new());
    let next_key = StoredValue::new(0_u32);
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

    // A team's manager is a manager: the role follows the team rows.
    let manages_a_team = Memo::new(move |_| {
        team_rows.with(|rows| {
            assignments(rows)
                .iter()
                .any(|t| t.role == TeamRole::Manager)
        })
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
            roles: with_team_manager(roles.get_untracked(), manages_a_team.get_untracked()),
            teams: team_rows.with_untracked(|rows| assignments(rows)),
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
                    teams: valid.teams,
                });
            }
        }
    };

    // Admins give any role; a manager adds learners to their teams.
    let is_admin = Session::expect().is_admin();
    let role_choices = Role::ALL
        .into_iter()
        .filter(|role| is_admin || *role == Role::Learner)
        .map(|role| {
            let id = format!("new-role-{}", role.as_str());
            view! {
                <div class="checkbox">
                    <input
                        type="checkbox"
                        id=id.clone()
                        name="role"
                        value=role.as_str()
                        prop:checked=move || {
                            roles.with(|held| held.contains(&role))
                                || (role == Role::Manager && manages_a_team.get())
                        }
                        prop:disabled=move || role == Role::Manager && manages_a_team.get()
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
                        <span class="hint">
                            {move || {
                                if role == Role::Manager && manages_a_team.get() {
                                    "A manager of a team below is a manager."
                                } else {
                                    role_hint(role)
                                }
                            }}
                        </span>
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
                <TeamsSection rows=team_rows next_key error=error_of("teams") />
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

/// The optional Teams section: rows of (team, role) and "Add team".
#[component]
fn TeamsSection(
    rows: RwSignal<Vec<TeamRowState>>,
    next_key: StoredValue<u32>,
    error: Signal<Option<String>>,
) -> impl IntoView {
    let api = Api::expect();
    let teams = LocalResource::new(move || {
        let abort = abort_on_cleanup();
        async move { api.list_teams(&team_picker_query(), abort.as_ref()).await }
    });
    let team_list = Memo::new(move |_| {
        teams
            .get()
            .and_then(Result::ok)
            .map(|list| list.items)
            .unwrap_or_default()
    });
    let add_row = move |_| {
        let key = next_key.get_value();
        next_key.set_value(key + 1);
        rows.update(|rows| {
            rows.push(TeamRowState {
                key,
                team: String::new(),
                role: TeamRole::Member,
            })
        });
        // Focus the new row's team picker once it is in the page.
        set_timeout(
            move || {
                if let Some(select) = document()
                    .get_element_by_id(&format!("new-team-{key}"))
                    .and_then(|e| e.dyn_into::<HtmlElement>().ok())
                {
                    _ = select.focus();
                }
            },
            std::time::Duration::ZERO,
        );
    };
    let set_row = move |key: u32, change: Box<dyn FnOnce(&mut TeamRowState)>| {
        rows.update(|rows| {
            if let Some(row) = rows.iter_mut().find(|row| row.key == key) {
                change(row);
            }
        });
    };
    view! {
        <fieldset class="fieldset" aria-describedby=move || error.with(Option::is_some).then_some("new-teams-error")>
            <legend>"Teams"</legend>
            <p class="hint">
                {if Session::expect().is_admin() {
                    "Optional. Put the person in teams right away."
                } else {
                    "Choose at least one of your teams, or you will not see this person afterwards."
                }}
            </p>
            <For each=move || rows.get() key=|row| row.key let:row>
                {
                    let key = row.key;
                    let team_id = format!("new-team-{key}");
                    let role_id = format!("new-team-role-{key}");
                    let chosen = move || rows.with(|rows| rows.iter().find(|r| r.key == key).map(|r| r.team.clone()).unwrap_or_default());
                    let role = move || rows.with(|rows| rows.iter().find(|r| r.key == key).map_or(TeamRole::Member, |r| r.role));
                    view! {
                        <div class="team-row field-row align-end">
                            <div class="field">
                                <label for=team_id.clone()>"Team"</label>
                                <select
                                    id=team_id
                                    class="new-team"
                                    on:change=move |ev| {
                                        let value = event_target_value(&ev);
                                        set_row(key, Box::new(move |row| row.team = value));
                                    }
                                >
                                    <option value="" prop:selected=move || chosen().is_empty()>
                                        "Choose a team"
                                    </option>
                                    {move || {
                                        team_list
                                            .get()
                                            .into_iter()
                                            .map(|team| {
                                                let value = team.id.to_string();
                                                let is_chosen = chosen() == value;
                                                view! {
                                                    <option value=value prop:selected=is_chosen>
                                                        {team.name}
                                                    </option>
                                                }
                                            })
                                            .collect_view()
                                    }}
                                </select>
                            </div>
                            <div class="field field-narrow">
                                <label for=role_id.clone()>"Role"</label>
                                <select
                                    id=role_id
                                    class="new-team-role"
                                    on:change=move |ev| {
                                        if let Some(next) = TeamRole::parse(&event_target_value(&ev)) {
                                            set_row(key, Box::new(move |row| row.role = next));
                                        }
                                    }
                                >
                                    {role_options(role)}
                                </select>
                            </div>
                            <button
                                type="button"
                                class="button button-small remove-team-row"
                                aria-label="Remove this team"
                                on:click=move |_| rows.update(|rows| rows.retain(|r| r.key != key))
                            >
                                "Remove"
                            </button>
                        </div>
                    }
                }
            </For>
            <button id="add-team-row" type="button" class="button button-small" on:click=add_row>
                "Add team"
            </button>
            {move || {
                teams
                    .get()
                    .and_then(Result::err)
                    .map(|e| view! { <p class="hint">{format!("The list of teams could not be loaded. {e}")}</p> })
            }}
            {move || {
                error
                    .get()
                    .map(|message| {
                        view! {
                            <p class="field-error" id="new-teams-error">
                                {message}
                            </p>
                        }
                    })
            }}
        </fieldset>
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_team_manager_is_sent_as_a_manager() {
        assert_eq!(
            with_team_manager(vec![Role::Learner], true),
            [Role::Manager, Role::Learner]
        );
        assert_eq!(
            with_team_manager(vec![Role::Learner], false),
            [Role::Learner]
        );
        assert_eq!(
            with_team_manager(vec![Role::Manager], true),
            [Role::Manager]
        );
    }

    #[test]
    fn only_rows_with_a_chosen_team_are_sent() {
        let team_id = uuid::Uuid::nil();
        let rows = [
            TeamRowState {
                key: 0,
                team: String::new(),
                role: TeamRole::Member,
            },
            TeamRowState {
                key: 1,
                team: team_id.to_string(),
                role: TeamRole::Manager,
            },
        ];
        assert_eq!(
            assignments(&rows),
            [TeamAssignment {
                team_id,
                role: TeamRole::Manager
            }]
        );
    }
}
