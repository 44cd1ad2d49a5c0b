//! One team: its name, description and members; admins rename, delete and
//! add members here, and the team's managers add and remove plain members.

use std::time::Duration;

use leptos::prelude::*;
use leptos_router::NavigateOptions;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_params_map};
use roster_types::validate::{check_team_description, check_team_name};
use roster_types::{
    AddTeamMemberRequest, Team, TeamMember, TeamRole, UpdateTeamMembershipRequest,
    UpdateTeamRequest, User, UserListQuery,
};
use uuid::Uuid;

use crate::api::{Api, abort_on_cleanup};
use crate::components::breadcrumb::Breadcrumb;
use crate::components::dialog::Dialog;
use crate::components::form_field::FormField;
use crate::components::notice::Notice;
use crate::components::set_page_title;
use crate::format::{count_of, local_date, local_date_time};
use crate::pages::users::user_teams::role_options;
use crate::routes::{Page, UserTab};
use crate::session::Session;

use super::add_team::DescriptionField;
use crate::components::focus;

/// How long typing in the member search must pause before it runs.
const MEMBER_SEARCH_DEBOUNCE: Duration = Duration::from_millis(250);
/// How many people the member search offers.
const MEMBER_SEARCH_SIZE: u32 = 10;
/// How many matches a team's manager's search reads: the people they may not
/// add (admins, managers, themselves) are left out of what it offers.
const MANAGER_SEARCH_READS: u32 = 50;

/// What the member search offers, and what it left out.
#[derive(Clone, Default)]
struct Found {
    /// The people offered, at most `MEMBER_SEARCH_SIZE`.
    offered: Vec<User>,
    /// How many of the matches read were left out as people the caller may
    /// not add.
    left_out: usize,
    /// Whether more match than were offered.
    more: bool,
}

/// `/teams/{id}`.
#[component]
pub fn TeamDetailPage() -> impl IntoView {
    let params = use_params_map();
    let id =
        Memo::new(move |_| params.with(|p| p.get("id").and_then(|id| id.parse::<Uuid>().ok())));
    move || match id.get() {
        Some(id) => view! { <TeamView id /> }.into_any(),
        None => view! { <TeamMissing /> }.into_any(),
    }
}

#[component]
fn TeamMissing() -> impl IntoView {
    set_page_title("Team not found");
    view! {
        <section class="page">
            <h1>"Team not found"</h1>
            <p>"This team does not exist, or is not one you manage."</p>
            <p>
                <A href=Page::Teams.to_string()>"Back to Teams"</A>
            </p>
        </section>
    }
}

#[component]
fn TeamView(id: Uuid) -> impl IntoView {
    let api = Api::expect();
    let session = Session::expect();
    let is_admin = Memo::new(move |_| session.is_admin());
    // A manager sees only the teams they manage: here, they manage this one.
    let manages = Memo::new(move |_| session.manages_people());
    let team_loader = LocalResource::new(move || {
        let abort = abort_on_cleanup();
        async move { api.get_team(id, abort.as_ref()).await }
    });
    let members = LocalResource::new(move || {
        let abort = abort_on_cleanup();
        async move { api.list_team_members(id, abort.as_ref()).await }
    });
    let team = RwSignal::new(None::<Team>);
    Effect::new(move |_| {
        if let Some(Ok(loaded)) = team_loader.get() {
            set_page_title(&loaded.name);
            team.set(Some(loaded));
        }
    });
    let notice = RwSignal::new(None::<String>);
    let editing = RwSignal::new(false);
    let deleting = RwSignal::new(false);
    let refresh = Callback::new(move |()| {
        team_loader.refetch();
        members.refetch();
    });

    let show = move |read: fn(&Team) -> String| {
        move || team.with(|t| t.as_ref().map(read).unwrap_or_default())
    };

    // Only whether the team is loaded: edits to it must not rebuild the page.
    let has_team = Memo::new(move |_| team.with(Option::is_some));
    let body = move || {
        if !has_team.get() {
            return match team_loader.get() {
                Some(Err(error)) if error.problem().is_some_and(|p| p.status == 404) => {
                    view! { <TeamMissing /> }.into_any()
                }
                Some(Err(error)) => view! {
                    <div class="state state-error" role="alert">
                        <p>"The team could not be loaded. " {error.to_string()}</p>
                        <button type="button" class="button" on:click=move |_| team_loader.refetch()>
                            "Retry"
                        </button>
                    </div>
                }
                .into_any(),
                _ => view! { <p class="state state-loading">"Loading the team…"</p> }.into_any(),
            };
        }
        view! {
            <header class="page-header">
                <div>
                    <h1 id="team-heading" tabindex="-1">{show(|t| t.name.clone())}</h1>
                    <p id="team-description" class="subtle">
                        {move || team.with(|t| t.as_ref().map(|t| if t.description.is_empty() { "No description.".to_string() } else { t.description.clone() }))}
                    </p>
                    <p id="team-member-count" class="subtle">
                        {show(|t| count_of(t.member_count, "member", "members"))}
                    </p>
                </div>
                <Show when=move || is_admin.get()>
                    <div class="actions-row">
                        <button id="edit-team" type="button" class="button" aria-expanded=move || editing.get().to_string() on:click=move |_| editing.update(|e| *e = !*e)>
                            "Edit team"
                        </button>
                        <button id="delete-team" type="button" class="button button-danger" aria-haspopup="dialog" on:click=move |_| deleting.set(true)>
                            "Delete team"
                        </button>
                    </div>
                </Show>
            </header>
            <Show when=move || editing.get() && is_admin.get()>
                <EditTeam team editing notice />
            </Show>
            <Notice message=notice />
            <MembersTable
                team_id=id
                team_name=Signal::derive(show(|t| t.name.clone()))
                members
                editable=is_admin
                manages
                notice
                on_changed=refresh
            />
            <Show when=move || manages.get()>
                <AddMember team_id=id admin=is_admin notice on_added=refresh />
            </Show>
            <Show when=move || deleting.get()>
                <DeleteTeam team deleting />
            </Show>
        }
        .into_any()
    };

    view! {
        <section class="page" aria-labelledby="team-heading">
            <Breadcrumb
                parent="Teams"
                parent_href=Page::Teams.to_string()
                current=Signal::derive(show(|t| t.name.clone()))
            />
            {body}
        </section>
    }
}

/// The team's members; admins change their role in the team, and admins and
/// the team's managers remove them (after confirming, by name) right here. A
/// manager may not change or remove the team's managers: those rows say so.
#[component]
fn MembersTable(
    team_id: Uuid,
    team_name: Signal<String>,
    members: LocalResource<Result<roster_types::TeamMemberList, crate::api::ApiError>>,
    editable: Memo<bool>,
    manages: Memo<bool>,
    notice: RwSignal<Option<String>>,
    on_changed: Callback<()>,
) -> impl IntoView {
    let api = Api::expect();
    let table_error = RwSignal::new(None::<String>);
    let removing = RwSignal::new(None::<TeamMember>);
    let rows = Memo::new(move |_| {
        members
            .get()
            .and_then(Result::ok)
            .map(|list| list.items)
            .unwrap_or_default()
    });
    let remove = Action::new_local(move |member: &TeamMember| {
        let member = member.clone();
        async move {
            api.remove_user_team(member.user_id, team_id)
                .await
                .map(|()| member)
        }
    });
    Effect::new(move |_| match remove.value().get() {
        Some(Ok(member)) => {
            removing.set(None);
            table_error.set(None);
            notice.set(Some(format!(
                "{} was removed from \u{201c}{}\u{201d}.",
                member.full_name,
                team_name.get_untracked()
            )));
            on_changed.run(());
            focus("team-heading");
        }
        Some(Err(error)) => {
            removing.set(None);
            table_error.set(Some(error.to_string()));
            on_changed.run(());
        }
        None => {}
    });
    let on_role_changed = Callback::new(
        move |result: Result<(TeamMember, TeamRole), crate::api::ApiError>| match result {
            Ok((member, role)) => {
                table_error.set(None);
                notice.set(Some(format!(
                    "{} is now {} of \u{201c}{}\u{201d}.",
                    member.full_name,
                    if role == TeamRole::Manager {
                        "a manager"
                    } else {
                        "a member"
                    },
                    team_name.get_untracked()
                )));
                members.refetch();
            }
            Err(error) => {
                table_error.set(Some(error.to_string()));
                members.refetch();
            }
        },
    );
    let on_remove = Callback::new(move |member: TeamMember| removing.set(Some(member)));
    view! {
        <h2 class="section-title">"Members"</h2>
        {move || {
            members
                .get()
                .and_then(Result::err)
                .map(|error| {
                    let retryable = error.is_retryable();
                    view! {
                        <div class="state state-error" role="alert">
                            <p>"The members could not be loaded. " {error.to_string()}</p>
                            <Show when=move || retryable>
                                <button type="button" class="button" on:click=move |_| members.refetch()>
                                    "Retry"
                                </button>
                            </Show>
                        </div>
                    }
                })
        }}
        {move || {
            table_error
                .get()
                .map(|message| {
                    view! {
                        <p id="team-members-error" class="banner banner-error" role="alert">
                            {message}
                        </p>
                    }
                })
        }}
        <div class="table-wrap">
            <table id="team-members" class="table" aria-busy=move || members.with(Option::is_none).to_string()>
                <caption class="visually-hidden">"Members of this team"</caption>
                <thead>
                    <tr>
                        <th scope="col">"Name"</th>
                        <th scope="col">"Email"</th>
                        <th scope="col">"Role"</th>
                        <th scope="col">"Added"</th>
                        <Show when=move || manages.get()>
                            <th scope="col" class="col-actions">"Actions"</th>
                        </Show>
                    </tr>
                </thead>
                <tbody>
                    // A row works out once what it offers a team's manager, so
                    // for them it is keyed by what that depends on too: a refetch
                    // that changes it builds the row anew. An admin's row offers
                    // the same whatever the roles, and keeps its focus when the
                    // admin changes the role right in it.
                    <For
                        each=move || rows.get()
                        key=move |m| (m.user_id, (!editable.get_untracked()).then(|| (m.role, m.roles.clone())))
                        let:member
                    >
                        <MemberRow team_id member editable manages on_role_changed on_remove />
                    </For>
                </tbody>
            </table>
        </div>
        {move || {
            members
                .get()
                .and_then(Result::ok)
                .filter(|list| list.items.is_empty())
                .map(|_| {
                    view! {
                        <div class="state state-empty">
                            <p>"Nobody is in this team yet."</p>
                        </div>
                    }
                })
        }}
        <Show when=move || removing.with(Option::is_some)>
            <Dialog id="remove-member-dialog" title="Remove from team" on_close=Callback::new(move |()| removing.set(None))>
                <p id="remove-member-message">
                    {move || {
                        removing
                            .with(|m| m.as_ref().map(|m| format!(
                                "Remove {} from \u{201c}{}\u{201d}? They stay in Roster and in their other teams.",
                                m.full_name,
                                team_name.get(),
                            )))
                    }}
                </p>
                <div class="dialog-actions">
                    <button type="button" class="button" data-autofocus on:click=move |_| removing.set(None)>
                        "Cancel"
                    </button>
                    <button
                        id="confirm-remove-member"
                        type="button"
                        class="button button-danger"
                        disabled=move || remove.pending().get()
                        on:click=move |_| {
                            if let Some(member) = removing.get_untracked() {
                                remove.dispatch_local(member);
                            }
                        }
                    >
                        {move || if remove.pending().get() { "Removing…" } else { "Remove" }}
                    </button>
                </div>
            </Dialog>
        </Show>
    }
}

#[component]
fn MemberRow(
    team_id: Uuid,
    member: TeamMember,
    editable: Memo<bool>,
    manages: Memo<bool>,
    on_role_changed: Callback<Result<(TeamMember, TeamRole), crate::api::ApiError>>,
    on_remove: Callback<TeamMember>,
) -> impl IntoView {
    let api = Api::expect();
    let role = RwSignal::new(member.role);
    let for_change = member.clone();
    let change = Action::new_local(move |next: &TeamRole| {
        let request = UpdateTeamMembershipRequest { role: *next };
        let member = for_change.clone();
        async move {
            api.update_user_team(member.user_id, team_id, &request)
                .await
                .map(|saved| (member, saved.role))
        }
    });
    // The role the server last confirmed: the row outlives role changes.
    let saved = StoredValue::new(member.role);
    Effect::new(move |_| {
        if let Some(result) = change.value().get() {
            match &result {
                Ok((_, now)) => saved.set_value(*now),
                // Put the picker back to what the server still has.
                Err(_) => role.set(saved.get_value()),
            }
            on_role_changed.run(result);
        }
    });
    let select_label = format!("Role of {}", member.full_name);
    let remove_label = format!("Remove {} from the team", member.full_name);
    let for_remove = member.clone();
    let row_id = member.user_id.to_string();
    // What the server allows: admins remove anyone, a team's manager plain
    // members who are neither admins nor managers themselves.
    let locked_because = if member.role == TeamRole::Manager {
        "Only admins change a team’s managers."
    } else {
        "Only admins change admins and managers."
    };
    let managers_may = member.role == TeamRole::Member
        && roster_types::actions::manager_may_change(&member.roles).is_ok();
    let removable = move || editable.get() || managers_may;
    view! {
        <tr data-user-id=row_id>
            <td class="col-name">
                <a href=Page::User(member.user_id, UserTab::Profile).to_string()>{member.full_name.clone()}</a>
            </td>
            <td class="col-email">{member.email.clone()}</td>
            <td class="col-role">
                <Show when=move || editable.get() fallback=move || member.role.label()>
                    <select
                        class="member-role"
                        aria-label=select_label.clone()
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
                </Show>
            </td>
            <td class="col-added-at">
                <time datetime=member.added_at.to_rfc3339() title=local_date_time(member.added_at)>
                    {local_date(member.added_at)}
                </time>
            </td>
            <Show when=move || manages.get()>
                {
                    let (label, member) = (remove_label.clone(), for_remove.clone());
                    view! {
                        <td class="col-actions">
                            <Show
                                when=removable
                                fallback=move || view! { <span class="hint member-locked">{locked_because}</span> }
                            >
                                <button
                                    type="button"
                                    class="button button-small remove-member"
                                    aria-label=label.clone()
                                    aria-haspopup="dialog"
                                    on:click={
                                        let member = member.clone();
                                        move |_| on_remove.run(member.clone())
                                    }
                                >
                                    "Remove"
                                </button>
                            </Show>
                        </td>
                    }
                }
            </Show>
        </tr>
    }
}

/// Rename or redescribe the team (admins).
#[component]
fn EditTeam(
    team: RwSignal<Option<Team>>,
    editing: RwSignal<bool>,
    notice: RwSignal<Option<String>>,
) -> impl IntoView {
    let api = Api::expect();
    let start = team.get_untracked();
    let name = RwSignal::new(start.as_ref().map(|t| t.name.clone()).unwrap_or_default());
    let description = RwSignal::new(
        start
            .as_ref()
            .map(|t| t.description.clone())
            .unwrap_or_default(),
    );
    let name_error = RwSignal::new(None::<String>);
    let description_error = RwSignal::new(None::<String>);
    let form_error = RwSignal::new(None::<String>);
    let save = Action::new_local(move |(id, request): &(Uuid, UpdateTeamRequest)| {
        let (id, request) = (*id, request.clone());
        async move { api.update_team(id, &request).await }
    });
    Effect::new(move |_| match save.value().get() {
        Some(Ok(saved)) => {
            notice.set(Some(format!("\u{201c}{}\u{201d} was saved.", saved.name)));
            set_page_title(&saved.name);
            team.set(Some(saved));
            editing.set(false);
            focus("edit-team");
        }
        Some(Err(error)) => {
            let on_name = error.field_error("name").map(str::to_owned).or_else(|| {
                (error.code() == Some("team_name_taken"))
                    .then(|| "A team with this name already exists.".to_string())
            });
            let on_description = error.field_error("description").map(str::to_owned);
            if on_name.is_none() && on_description.is_none() {
                form_error.set(Some(error.to_string()));
            } else if on_name.is_some() {
                focus("edit-team-name");
            }
            name_error.set(on_name);
            description_error.set(on_description);
        }
        None => {}
    });
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(current) = team.get_untracked() else {
            return;
        };
        if save.pending().get_untracked() {
            return;
        }
        let new_name = name.get_untracked().trim().to_string();
        let new_description = description.get_untracked().trim().to_string();
        form_error.set(None);
        name_error.set(check_team_name(&new_name).err());
        description_error.set(check_team_description(&new_description).err());
        if name_error.with_untracked(Option::is_some) {
            focus("edit-team-name");
            return;
        }
        if description_error.with_untracked(Option::is_some) {
            focus("edit-team-description");
            return;
        }
        let request = UpdateTeamRequest {
            name: (new_name != current.name).then_some(new_name),
            description: (new_description != current.description).then_some(new_description),
        };
        if request == UpdateTeamRequest::default() {
            editing.set(false);
            focus("edit-team");
            return;
        }
        save.dispatch_local((current.id, request));
    };
    view! {
        <form class="form panel-form" id="edit-team-form" novalidate on:submit=on_submit aria-labelledby="edit-team-title">
            <h2 class="section-title" id="edit-team-title">"Edit team"</h2>
            {move || form_error.get().map(|m| view! { <div class="banner banner-error" role="alert">{m}</div> })}
            <FormField id="edit-team-name" label="Name" name="name" autocomplete="off" value=name error=name_error />
            <DescriptionField id="edit-team-description" value=description error=description_error />
            <div class="actions-row">
                <button id="save-team" type="submit" class="button button-primary" disabled=move || save.pending().get()>
                    {move || if save.pending().get() { "Saving…" } else { "Save" }}
                </button>
                <button type="button" class="button" on:click=move |_| { editing.set(false); focus("edit-team"); }>
                    "Cancel"
                </button>
            </div>
        </form>
    }
}

/// Confirms and deletes the team, then goes to the Teams page.
#[component]
fn DeleteTeam(team: RwSignal<Option<Team>>, deleting: RwSignal<bool>) -> impl IntoView {
    let api = Api::expect();
    let navigate = use_navigate();
    let error = RwSignal::new(None::<String>);
    let delete = Action::new_local(move |id: &Uuid| {
        let id = *id;
        async move { api.delete_team(id).await }
    });
    Effect::new(move |_| match delete.value().get() {
        Some(Ok(())) => navigate(&Page::Teams.to_string(), NavigateOptions::default()),
        Some(Err(failure)) => error.set(Some(failure.to_string())),
        None => {}
    });
    let message = move || {
        team.with(|t| {
            t.as_ref().map(|t| {
                format!(
                    "Deleting \u{201c}{}\u{201d} removes its {}. The people stay in Roster.",
                    t.name,
                    count_of(t.member_count, "membership", "memberships")
                )
            })
        })
    };
    view! {
        <Dialog id="delete-team-dialog" title="Delete team" on_close=Callback::new(move |()| deleting.set(false))>
            <p id="delete-team-message">{message}</p>
            {move || error.get().map(|m| view! { <p class="banner banner-error" role="alert">{m}</p> })}
            <div class="dialog-actions">
                <button type="button" class="button" data-autofocus on:click=move |_| deleting.set(false)>
                    "Cancel"
                </button>
                <button
                    id="confirm-delete-team"
                    type="button"
                    class="button button-danger"
                    disabled=move || delete.pending().get()
                    on:click=move |_| {
                        if let Some(id) = team.with_untracked(|t| t.as_ref().map(|t| t.id)) {
                            delete.dispatch_local(id);
                        }
                    }
                >
                    {move || if delete.pending().get() { "Deleting…" } else { "Delete team" }}
                </button>
            </div>
        </Dialog>
    }
}

/// Finds a person by name or email and adds them with a role (admins), or as
/// a plain member (the team's managers, who find only people already in one
/// of their teams, as the server allows).
#[component]
fn AddMember(
    team_id: Uuid,
    admin: Memo<bool>,
    notice: RwSignal<Option<String>>,
    on_added: Callback<()>,
) -> impl IntoView {
    let api = Api::expect();
    let text = RwSignal::new(String::new());
    let search = RwSignal::new(String::new());
    let chosen = RwSignal::new(None::<User>);
    let role = RwSignal::new(TeamRole::Member);
    let error = RwSignal::new(None::<String>);
    let timer = StoredValue::new(None::<TimeoutHandle>);
    let cancel_timer = move || {
        if let Some(handle) = timer.try_update_value(Option::take).flatten() {
            handle.clear();
        }
    };
    on_cleanup(cancel_timer);

    // A team's manager adds only people they may change (neither admins nor
    // managers) and not themselves: the server refuses the others.
    let session = Session::expect();
    let results = LocalResource::new(move || {
        let q = search.get();
        let admin = admin.get();
        let me = session.me().map(|me| me.user.id);
        let abort = abort_on_cleanup();
        async move {
            if q.trim().is_empty() {
                return Ok::<_, crate::api::ApiError>(Found::default());
            }
            let query = UserListQuery {
                q: Some(q.trim().to_string()),
                per_page: Some(if admin {
                    MEMBER_SEARCH_SIZE
                } else {
                    MANAGER_SEARCH_READS
                }),
                ..UserListQuery::default()
            };
            let list = api.list_users(&query, abort.as_ref()).await?;
            let matched = list.items.len();
            let mut offered: Vec<User> = list
                .items
                .into_iter()
                .filter(|user| {
                    admin
                        || (roster_types::actions::manager_may_change(&user.roles).is_ok()
                            && me != Some(user.id))
                })
                .collect();
            let left_out = matched - offered.len();
            let more =
                offered.len() > MEMBER_SEARCH_SIZE as usize || list.page.total > matched as u64;
            offered.truncate(MEMBER_SEARCH_SIZE as usize);
            Ok(Found {
                offered,
                left_out,
                more,
            })
        }
    });

    let add = Action::new_local(move |request: &AddTeamMemberRequest| {
        let request = request.clone();
        async move { api.add_team_member(team_id, &request).await }
    });
    Effect::new(move |_| match add.value().get() {
        Some(Ok(member)) => {
            error.set(None);
            chosen.set(None);
            text.set(String::new());
            search.set(String::new());
            notice.set(Some(format!("{} was added.", member.full_name)));
            on_added.run(());
            focus("member-search");
        }
        Some(Err(failure)) => error.set(Some(match failure.code() {
            Some("already_member") => "This person is already in the team.".to_string(),
            _ => failure.to_string(),
        })),
        None => {}
    });

    let options = move || {
        results.get().map(|result| match result {
            Ok(found) if found.offered.is_empty() && !search.with(|s| s.trim().is_empty()) => {
                let message = if found.left_out == 0 {
                    "Nobody matches."
                } else if found.more {
                    "Everyone among the first matches is an admin, a manager or you, whom only admins add. Type more of the name or email."
                } else {
                    "Everyone who matches is an admin, a manager or you, whom only admins add."
                };
                view! { <p class="hint" id="member-no-results">{message}</p> }.into_any()
            }
            Ok(Found { offered: users, more, .. }) => view! {
                <ul class="member-options" id="member-options" aria-label="Matching people">
                    {users
                        .into_iter()
                        .map(|user| {
                            let id = user.id;
                            let label = format!("{} \u{2014} {}", user.full_name, user.email);
                            view! {
                                <li>
                                    <button
                                        type="button"
                                        class="member-option"
                                        data-user-id=id.to_string()
                                        aria-pressed=move || chosen.with(|c| c.as_ref().is_some_and(|c| c.id == id)).to_string()
                                        on:click=move |_| {
                                            chosen.set(Some(user.clone()));
                                            error.set(None);
                                        }
                                    >
                                        {label}
                                    </button>
                                </li>
                            }
                        })
                        .collect_view()}
                </ul>
                {more.then(|| view! {
                    <p class="hint" id="member-more">"More people match: type more of the name or email to find them."</p>
                })}
            }
            .into_any(),
            Err(failure) => view! {
                <p class="field-error" role="alert">{format!("The search failed. {failure}")}</p>
            }
            .into_any(),
        })
    };

    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if add.pending().get_untracked() {
            return;
        }
        match chosen.get_untracked() {
            Some(user) => {
                error.set(None);
                add.dispatch_local(AddTeamMemberRequest {
                    user_id: user.id,
                    role: if admin.get_untracked() {
                        role.get_untracked()
                    } else {
                        TeamRole::Member
                    },
                });
            }
            None => {
                error.set(Some("Search for a person and choose them first.".into()));
                focus("member-search");
            }
        }
    };

    view! {
        <form class="form panel-form" id="add-member-form" novalidate on:submit=on_submit aria-labelledby="add-member-title">
            <h2 class="section-title" id="add-member-title">"Add member"</h2>
            <div class="field">
                <label for="member-search">"Find a person"</label>
                <input
                    id="member-search"
                    type="search"
                    autocomplete="off"
                    placeholder="Name or email"
                    aria-controls="member-options"
                    prop:value=move || text.get()
                    on:input=move |ev| {
                        text.set(event_target_value(&ev));
                        cancel_timer();
                        let handle = set_timeout_with_handle(
                            move || {
                                timer.set_value(None);
                                search.set(text.get_untracked());
                            },
                            MEMBER_SEARCH_DEBOUNCE,
                        );
                        timer.set_value(handle.ok());
                    }
                    on:keydown=move |ev: web_sys::KeyboardEvent| {
                        // Enter searches at once rather than submitting the form.
                        if ev.key() == "Enter" {
                            ev.prevent_default();
                            cancel_timer();
                            search.set(text.get_untracked());
                        }
                    }
                />
            </div>
            {options}
            <p id="member-chosen" class="hint" aria-live="polite">
                {move || chosen.with(|c| c.as_ref().map(|u| format!("Selected: {} ({})", u.full_name, u.email)))}
            </p>
            <div class="field-row align-end">
                <Show
                    when=move || admin.get()
                    fallback=|| view! {
                        <p id="member-role-fixed" class="hint">
                            "Added as a member. You can add people already in one of your teams who are not admins or managers; only admins appoint managers."
                        </p>
                    }
                >
                    <div class="field field-narrow">
                        <label for="member-role">"Role"</label>
                        <select
                            id="member-role"
                            on:change=move |ev| {
                                if let Some(next) = TeamRole::parse(&event_target_value(&ev)) {
                                    role.set(next);
                                }
                            }
                        >
                            {role_options(move || role.get())}
                        </select>
                    </div>
                </Show>
                <button id="add-member" type="submit" class="button button-primary" aria-describedby=move || (!admin.get()).then_some("member-role-fixed") disabled=move || add.pending().get()>
                    {move || if add.pending().get() { "Adding…" } else { "Add member" }}
                </button>
            </div>
            {move || error.get().map(|m| view! { <p id="add-member-error" class="field-error" role="alert">{m}</p> })}
        </form>
    }
}
