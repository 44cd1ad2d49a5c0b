//! The Teams tab: the teams one person belongs to, their role in each, and
//! adding them to another team.

use leptos::prelude::*;
use roster_types::{
    TeamAssignment, TeamListQuery, TeamRole, TeamSort, UpdateTeamMembershipRequest, UserTeam,
};
use uuid::Uuid;

use crate::api::{Api, ApiError, abort_on_cleanup};
use crate::components::dialog::Dialog;
use crate::components::notice::Notice;
use crate::format::{local_date, local_date_time};
use crate::routes::Page;

/// How many teams the pickers load (the API's largest page).
pub const TEAM_PICKER_SIZE: u32 = 200;

/// The query for every team the signed-in user may pick, by name.
pub fn team_picker_query() -> TeamListQuery {
    TeamListQuery {
        sort: Some(TeamSort::NameAsc),
        per_page: Some(TEAM_PICKER_SIZE),
        ..TeamListQuery::default()
    }
}

/// `<option>`s for the team roles, `selected` chosen. Only admins appoint
/// team managers, so everyone else is offered the member role alone.
pub fn role_options(
    selected: impl Fn() -> TeamRole + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let is_admin = crate::session::Session::expect().is_admin();
    TeamRole::ALL
        .into_iter()
        .rev()
        .filter(move |role| is_admin || *role == TeamRole::Member || selected() == *role)
        .map(|role| {
            view! {
                <option value=role.as_str() prop:selected=move || selected() == role>
                    {role.label()}
                </option>
            }
        })
        .collect_view()
}

/// The Teams tab of user `user_id`.
#[component]
pub fn UserTeamsTab(
    user_id: Uuid,
    /// Called when a change may have changed the person too (a team's new
    /// manager becomes a manager): their profile is read again.
    on_person_changed: Callback<()>,
) -> impl IntoView {
    let api = Api::expect();
    let session = crate::session::Session::expect();
    // A learner (or a manager on their own profile) sees their teams; changing
    // them is for admins and the person's managers.
    let editable =
        session.is_admin() || (session.is_manager() && session.user_id() != Some(user_id));
    let memberships = LocalResource::new(move || {
        let abort = abort_on_cleanup();
        async move { api.list_user_teams(user_id, abort.as_ref()).await }
    });
    let all_teams = LocalResource::new(move || {
        let abort = abort_on_cleanup();
        async move {
            if editable {
                api.list_teams(&team_picker_query(), abort.as_ref())
                    .await
                    .map(Some)
            } else {
                Ok(None)
            }
        }
    });
    let notice = RwSignal::new(None::<String>);
    let table_error = RwSignal::new(None::<String>);
    let removing = RwSignal::new(None::<UserTeam>);

    let rows = Memo::new(move |_| {
        memberships
            .get()
            .and_then(Result::ok)
            .map(|list| list.items)
            .unwrap_or_default()
    });

    let remove = Action::new_local(move |team: &UserTeam| {
        let team = team.clone();
        async move {
            api.remove_user_team(user_id, team.team_id)
                .await
                .map(|()| team)
        }
    });
    Effect::new(move |_| match remove.value().get() {
        Some(Ok(team)) => {
            removing.set(None);
            table_error.set(None);
            notice.set(Some(format!("Removed from \u{201c}{}\u{201d}.", team.name)));
            memberships.refetch();
        }
        Some(Err(error)) => {
            removing.set(None);
            table_error.set(Some(error.to_string()));
            memberships.refetch();
        }
        None => {}
    });

    let on_changed = Callback::new(move |result: Result<UserTeam, ApiError>| match result {
        Ok(team) => {
            if team.role == TeamRole::Manager {
                on_person_changed.run(());
            }
            table_error.set(None);
            notice.set(Some(format!(
                "Now {} of \u{201c}{}\u{201d}.",
                if team.role == TeamRole::Manager {
                    "a manager"
                } else {
                    "a member"
                },
                team.name
            )));
            memberships.refetch();
        }
        Err(error) => {
            table_error.set(Some(error.to_string()));
            memberships.refetch();
        }
    });
    let on_remove = Callback::new(move |team: UserTeam| removing.set(Some(team)));

    let loading_error = move || {
        memberships.get().and_then(Result::err).map(|error| {
            view! {
                <div class="state state-error" role="alert">
                    <p>"The teams could not be loaded. " {error.to_string()}</p>
                    <button type="button" class="button" on:click=move |_| memberships.refetch()>
                        "Retry"
                    </button>
                </div>
            }
        })
    };

    view! {
        <div class="user-teams">
            <Notice message=notice />
            {move || {
                table_error
                    .get()
                    .map(|message| {
                        view! {
                            <p id="user-teams-error" class="banner banner-error" role="alert">
                                {message}
                            </p>
                        }
                    })
            }}
            {loading_error}
            <div class="table-wrap">
                <table id="user-teams" class="table" aria-busy=move || memberships.with(Option::is_none).to_string()>
                    <caption class="visually-hidden">"Teams this person belongs to"</caption>
                    <thead>
                        <tr>
                            <th scope="col">"Team"</th>
                            <th scope="col">"Role"</th>
                            <th scope="col">"Joined"</th>
                            <Show when=move || editable>
                                <th scope="col" class="col-actions">"Actions"</th>
                            </Show>
                        </tr>
                    </thead>
                    <tbody>
                        <For each=move || rows.get() key=|team| team.team_id let:team>
                            <MembershipRow user_id team on_changed on_remove editable />
                        </For>
                    </tbody>
                </table>
            </div>
            {move || {
                memberships
                    .with(Option::is_none)
                    .then(|| view! { <p class="state state-loading">"Loading teams…"</p> })
            }}
            {move || {
                (memberships.with(|m| matches!(m, Some(Ok(_)))) && rows.with(Vec::is_empty))
                    .then(|| {
                        view! {
                            <div class="state state-empty">
                                <p>"Not in any team yet."</p>
                            </div>
                        }
                    })
            }}
            <Show when=move || editable>
                <AddToTeam user_id memberships=rows all_teams=Signal::derive(move || {
                    all_teams.get().map(|r| r.map(|list| list.map(|l| l.items).unwrap_or_default()))
                }) notice on_added=Callback::new(move |joined: UserTeam| {
                    if joined.role == TeamRole::Manager {
                        on_person_changed.run(());
                    }
                    memberships.refetch();
                }) />
            </Show>
            <Show when=move || removing.with(Option::is_some)>
                <Dialog id="remove-team-dialog" title="Remove from team" on_close=Callback::new(move |()| removing.set(None))>
                    <p id="remove-team-message">
                        {move || {
                            removing
                                .with(|t| t.as_ref().map(|t| format!(
                                    "Remove this person from \u{201c}{}\u{201d}? They stay in Roster and in their other teams.",
                                    t.name
                                )))
                        }}
                    </p>
                    <div class="dialog-actions">
                        <button type="button" class="button" data-autofocus on:click=move |_| removing.set(None)>
                            "Cancel"
                        </button>
                        <button
                            id="confirm-remove-team"
                            type="button"
                            class="button button-danger"
                            disabled=move || remove.pending().get()
                            on:click=move |_| {
                                if let Some(team) = removing.get_untracked() {
                                    remove.dispatch_local(team);
                                }
                            }
                        >
                            "Remove"
                        </button>
                    </div>
                </Dialog>
            </Show>
        </div>
    }
}

/// One membership: team link, role picker, join date, remove button.
#[component]
fn MembershipRow(
    user_id: Uuid,
    team: UserTeam,
    on_changed: Callback<Result<UserTeam, ApiError>>,
    on_remove: Callback<UserTeam>,
    /// Whether the role picker and Remove show, or only what is.
    editable: bool,
) -> impl IntoView {
    let api = Api::expect();
    let role = RwSignal::new(team.role);
    let change = Action::new_local(move |next: &TeamRole| {
        let request = UpdateTeamMembershipRequest { role: *next };
        let team_id = team.team_id;
        async move { api.update_user_team(user_id, team_id, &request).await }
    });
    let before = StoredValue::new(team.role);
    Effect::new(move |_| {
        if let Some(result) = change.value().get() {
            match &result {
                Ok(saved) => {
                    before.set_value(saved.role);
                    role.set(saved.role);
                }
                // Put the picker back to what the server still has.
                Err(_) => role.set(before.get_value()),
            }
            on_changed.run(result);
        }
    });
    let select_label = format!("Role in {}", team.name);
    let remove_label = format!("Remove from {}", team.name);
    let for_remove = team.clone();
    if !editable {
        return view! {
            <tr data-team-id=team.team_id.to_string()>
                <td class="col-name">{team.name.clone()}</td>
                <td class="col-role">{team.role.label()}</td>
                <td class="col-added-at">
                    <time datetime=team.added_at.to_rfc3339() title=local_date_time(team.added_at)>
                        {local_date(team.added_at)}
                    </time>
                </td>
            </tr>
        }
        .into_any();
    }
    view! {
        <tr data-team-id=team.team_id.to_string()>
            <td class="col-name">
                <a href=Page::Team(team.team_id).to_string()>{team.name.clone()}</a>
            </td>
            <td class="col-role">
                <select
                    class="team-role"
                    aria-label=select_label
                    disabled=move || change.pending().get()
                    on:change=move |ev| {
                        if let Some(next) = TeamRole::parse(&event_target_value(&ev)) {
                            role.set(next);
                            change.dispatch_local(next);
                        }
                    }
                >
                    {role_options(move || role.get())}
                </select>
            </td>
            <td class="col-added-at">
                <time datetime=team.added_at.to_rfc3339() title=local_date_time(team.added_at)>
                    {local_date(team.added_at)}
                </time>
            </td>
            <td class="col-actions">
                <button
                    type="button"
                    class="button button-small remove-team"
                    aria-label=remove_label
                    aria-haspopup="dialog"
                    on:click=move |_| on_remove.run(for_remove.clone())
                >
                    "Remove"
                </button>
            </td>
        </tr>
    }
    .into_any()
}

/// Picks a team the person is not in yet, and a role.
#[component]
fn AddToTeam(
    user_id: Uuid,
    memberships: Memo<Vec<UserTeam>>,
    #[prop(into)] all_teams: Signal<Option<Result<Vec<roster_types::Team>, ApiError>>>,
    notice: RwSignal<Option<String>>,
    on_added: Callback<UserTeam>,
) -> impl IntoView {
    let api = Api::expect();
    let team = RwSignal::new(String::new());
    let role = RwSignal::new(TeamRole::Member);
    let error = RwSignal::new(None::<String>);
    let add = Action::new_local(move |request: &TeamAssignment| {
        let request = request.clone();
        async move { api.add_user_team(user_id, &request).await }
    });
    Effect::new(move |_| match add.value().get() {
        Some(Ok(joined)) => {
            error.set(None);
            team.set(String::new());
            notice.set(Some(format!("Added to \u{201c}{}\u{201d}.", joined.name)));
            on_added.run(joined);
        }
        Some(Err(failure)) => error.set(Some(match failure.code() {
            Some("already_member") => "This person is already in that team.".to_string(),
            _ => failure.to_string(),
        })),
        None => {}
    });
    let choices = move || {
        let joined: Vec<Uuid> = memberships.with(|m| m.iter().map(|t| t.team_id).collect());
        all_teams
            .get()
            .and_then(Result::ok)
            .unwrap_or_default()
            .into_iter()
            .filter(|t| !joined.contains(&t.id))
            .map(|t| {
                let value = t.id.to_string();
                let selected = value.clone();
                view! {
                    <option value=value prop:selected=move || team.with(|v| *v == selected)>
                        {t.name}
                    </option>
                }
            })
            .collect_view()
    };
    let teams_error = move || {
        all_teams
            .get()
            .and_then(Result::err)
            .map(|e| format!("The list of teams could not be loaded. {e}"))
    };
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if add.pending().get_untracked() {
            return;
        }
        match team.get_untracked().parse::<Uuid>() {
            Ok(team_id) => {
                error.set(None);
                add.dispatch_local(TeamAssignment {
                    team_id,
                    role: role.get_untracked(),
                });
            }
            Err(_) => error.set(Some("Choose a team first.".into())),
        }
    };
    view! {
        <form class="form inline-form" id="add-team-form" novalidate on:submit=on_submit aria-labelledby="add-team-title">
            <h2 class="section-title" id="add-team-title">"Add to a team"</h2>
            <div class="field-row align-end">
                <div class="field">
                    <label for="add-team">"Team"</label>
                    <select
                        id="add-team"
                        aria-invalid=move || error.with(Option::is_some).then_some("true")
                        aria-describedby=move || error.with(Option::is_some).then_some("add-team-error")
                        on:change=move |ev| team.set(event_target_value(&ev))
                    >
                        <option value="" prop:selected=move || team.with(String::is_empty)>
                            "Choose a team"
                        </option>
                        {choices}
                    </select>
                </div>
                <div class="field field-narrow">
                    <label for="add-team-role">"Role"</label>
                    <select
                        id="add-team-role"
                        on:change=move |ev| {
                            if let Some(next) = TeamRole::parse(&event_target_value(&ev)) {
                                role.set(next);
                            }
                        }
                    >
                        {role_options(move || role.get())}
                    </select>
                </div>
                <button id="add-to-team" type="submit" class="button button-primary" disabled=move || add.pending().get()>
                    {move || if add.pending().get() { "Adding…" } else { "Add to team" }}
                </button>
            </div>
            {move || {
                error
                    .get()
                    .or_else(teams_error)
                    .map(|message| {
                        view! {
                            <p id="add-team-error" class="field-error" role="alert">
                                {message}
                            </p>
                        }
                    })
            }}
        </form>
    }
}
