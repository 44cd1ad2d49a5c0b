//! The Users page: search, sort, paginate, and add a user.

pub mod add_user;
pub mod detail;
pub mod emails;
pub mod history;
pub mod password;
pub mod profile;
pub mod query;
pub mod row_actions;
pub mod sessions;
pub mod user_teams;

use leptos::prelude::*;
use leptos_router::NavigateOptions;
use leptos_router::hooks::use_navigate;

use crate::components::own_address::OwnAddress;
use roster_types::actions::UserAction;
use roster_types::{PageInfo, Role, User, UserColumn, UserList, UserStatus};

use crate::api::{Api, ApiError, abort_on_cleanup};
use crate::components::data_table::{Column, DataTable, Paging, TablePage};
use crate::components::no_access::NoAccess;
use crate::components::notice::Notice;
use crate::components::search_box::SearchBox;
use crate::components::set_page_title;
use crate::components::sort_header::SortDirection;
use crate::components::status_badge::StatusBadge;
use crate::dates::{from_date_value, local_day_start, parse_date, to_date_value};
use crate::format::{local_date_time, local_timestamp};
use crate::routes::{Page, UserTab, query_param, query_string};
use crate::session::Session;

use self::add_user::AddUserDialog;
use self::query::{PER_PAGE_CHOICES, UsersQuery, column_key};
use self::row_actions::{RowActionRunner, RowActions};

/// A loaded page of users with the state that asked for it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Loaded {
    query: UsersQuery,
    list: UserList,
}

impl TablePage for Loaded {
    type Row = User;

    fn rows(&self) -> &[User] {
        &self.list.items
    }

    fn page_info(&self) -> &PageInfo {
        &self.list.page
    }
}

/// The sortable columns, in table order.
const SORTABLE: [(UserColumn, &str); 4] = [
    (UserColumn::Name, "Name"),
    (UserColumn::Email, "Email"),
    (UserColumn::ThinkificId, "Thinkific ID"),
    (UserColumn::CreatedAt, "Created At"),
];

/// `/users`, for those who manage people; learners are told it is not for
/// them, and shown the way to their profile.
#[component]
pub fn UsersPage() -> impl IntoView {
    set_page_title("Users");
    let session = Session::expect();
    let allowed = Memo::new(move |_| session.manages_people());
    view! {
        <Show
            when=move || allowed.get()
            fallback=|| {
                view! {
                    <section class="page">
                        <NoAccess
                            id="users-forbidden"
                            heading_id="users-heading"
                            heading="Users"
                            message="Only admins and team managers can see the people of an organisation."
                        />
                    </section>
                }
            }
        >
            <UsersDirectory />
        </Show>
    }
}

/// Search, sortable table, pagination and "Add user".
#[component]
fn UsersDirectory() -> impl IntoView {
    let api = Api::expect();
    let location = OwnAddress::new();
    let query = Memo::new(move |_| {
        location
            .search
            .with(|raw| UsersQuery::from_params(|key| query_param(raw, key)))
    });
    let navigate = use_navigate();
    // Moves to another table state; typing replaces the history entry, clicks add one.
    let go = Callback::new(move |(next, replace): (UsersQuery, bool)| {
        if !location.is_here() {
            // Leaving: a late search or filter must not bring the page back.
            return;
        }
        let path = Page::Users.with_query(&query_string(&next.to_params()));
        navigate(
            &path,
            NavigateOptions {
                replace,
                scroll: false,
                ..NavigateOptions::default()
            },
        );
    });

    let users = LocalResource::new(move || {
        let query = query.get();
        let abort = abort_on_cleanup();
        async move {
            let list = api.list_users(&query.to_request(), abort.as_ref()).await?;
            Ok::<_, ApiError>(Loaded { query, list })
        }
    });

    let search = view! {
        <SearchBox
            id="user-search"
            label="Search users"
            placeholder="Name or email"
            current=Signal::derive(move || query.with(|q| q.q.clone()))
            on_search=Callback::new(move |q| go.run((query.get_untracked().searching(q), true)))
        />
    };

    let adding = RwSignal::new(false);
    let notice = RwSignal::new(None::<String>);
    // Told once the live region is in the page, so that it is announced.
    if let Some(carried) = crate::components::notice::Carried::take() {
        set_timeout(
            move || _ = notice.try_set(Some(carried)),
            std::time::Duration::ZERO,
        );
    }
    let action_error = RwSignal::new(None::<String>);
    let chosen = RwSignal::new(None::<(UserAction, User)>);
    let on_created = Callback::new(move |user: User| {
        adding.set(false);
        notice.set(Some(format!("{} was added.", user.full_name)));
        users.refetch();
    });

    let mut columns: Vec<Column> = SORTABLE
        .into_iter()
        .map(|(column, label)| {
            let direction = Signal::derive(move || {
                let sort = query.with(|q| q.sort);
                (sort.column() == column).then_some(if sort.descending() {
                    SortDirection::Descending
                } else {
                    SortDirection::Ascending
                })
            });
            let on_toggle = Callback::new(move |()| {
                go.run((query.get_untracked().toggled(column), false));
            });
            Column::new(column_key(column), label).sortable(direction, on_toggle)
        })
        .collect();
    columns.push(Column::new("actions", "Actions").class("col-actions"));
    let paging = Paging {
        page: Signal::derive(move || query.with(|q| q.page)),
        per_page: Signal::derive(move || query.with(|q| q.per_page)),
        per_page_choices: PER_PAGE_CHOICES,
        per_page_id: "users-per-page",
        on_page: Callback::new(move |page| {
            go.run((query.get_untracked().on_page(page), false));
        }),
        on_per_page: Callback::new(move |size| {
            go.run((query.get_untracked().with_per_page(size), false));
        }),
    };

    view! {
        <section class="page" aria-labelledby="users-heading">
            <div class="page-header">
                <h1 id="users-heading" tabindex="-1">"Users"</h1>
                <button
                    id="add-user"
                    type="button"
                    class="button button-primary"
                    aria-haspopup="dialog"
                    on:click=move |_| adding.set(true)
                >
                    "Add user"
                </button>
            </div>
            <Notice message=notice />
            {move || {
                action_error
                    .get()
                    .map(|message| {
                        view! {
                            <p id="users-action-error" class="banner banner-error" role="alert" tabindex="-1">
                                {message}
                            </p>
                        }
                    })
            }}
            <RowActionRunner
                chosen
                notice
                error=action_error
                on_changed=Callback::new(move |()| users.refetch())
            />
            <div class="filters">
                {search}
                <Filters query go />
            </div>
            <DataTable
                id="users-table"
                caption="Users, sortable by the column headers"
                columns
                resource=users
                row=move |user: User| view! { <UserRow user chosen /> }.into_any()
                what="users"
                count_noun=("user", "users")
                total_id="users-total"
                empty=Callback::new(move |loaded: Loaded| empty_state(&loaded, go))
                paging
            />
            <Show when=move || adding.get()>
                <AddUserDialog on_close=Callback::new(move |()| adding.set(false)) on_created />
            </Show>
        </section>
    }
}

/// The team, status, role and creation-date pickers; a change goes to the
/// address (page 1). Days are the browser's, both ends included.
#[component]
fn Filters(query: Memo<UsersQuery>, go: Callback<(UsersQuery, bool)>) -> impl IntoView {
    let api = Api::expect();
    let teams = LocalResource::new(move || {
        let abort = abort_on_cleanup();
        async move {
            api.list_teams(&self::user_teams::team_picker_query(), abort.as_ref())
                .await
        }
    });
    let team_options = move || {
        let selected = query.with(|q| q.team);
        teams
            .get()
            .and_then(Result::ok)
            .map(|list| list.items)
            .unwrap_or_default()
            .into_iter()
            .map(|team| {
                let is_selected = selected == Some(team.id);
                view! {
                    <option value=team.id.to_string() prop:selected=is_selected>
                        {team.name}
                    </option>
                }
            })
            .collect_view()
    };
    let status_options = UserStatus::ALL
        .into_iter()
        .map(|status| {
            view! {
                <option
                    value=status.as_str()
                    prop:selected=move || query.with(|q| q.status == Some(status))
                >
                    {status.label()}
                </option>
            }
        })
        .collect_view();
    let role_options = Role::ALL
        .into_iter()
        .map(|role| {
            view! {
                <option
                    value=role.as_str()
                    prop:selected=move || query.with(|q| q.role == Some(role))
                >
                    {role.label()}
                </option>
            }
        })
        .collect_view();
    view! {
        <div class="filter-row">
            <div class="field field-narrow">
                <label for="filter-team">"Team"</label>
                <select
                    id="filter-team"
                    on:change=move |ev| {
                        let team = event_target_value(&ev).parse().ok();
                        go.run((query.get_untracked().in_team(team), false));
                    }
                >
                    <option value="" prop:selected=move || query.with(|q| q.team.is_none())>
                        "All teams"
                    </option>
                    {team_options}
                </select>
            </div>
            <div class="field field-narrow">
                <label for="filter-status">"Status"</label>
                <select
                    id="filter-status"
                    on:change=move |ev| {
                        let status = UserStatus::parse(&event_target_value(&ev));
                        go.run((query.get_untracked().with_status(status), false));
                    }
                >
                    <option value="" prop:selected=move || query.with(|q| q.status.is_none())>
                        "Any status"
                    </option>
                    {status_options}
                </select>
            </div>
            <div class="field field-narrow">
                <label for="filter-role">"Role"</label>
                <select
                    id="filter-role"
                    on:change=move |ev| {
                        let role = Role::parse(&event_target_value(&ev));
                        go.run((query.get_untracked().with_role(role), false));
                    }
                >
                    <option value="" prop:selected=move || query.with(|q| q.role.is_none())>
                        "Any role"
                    </option>
                    {role_options}
                </select>
            </div>
            <div class="field field-narrow">
                <label for="filter-created-from">"Added from"</label>
                <input
                    id="filter-created-from"
                    type="date"
                    prop:value=move || {
                        query.with(|q| q.created_from.map(from_date_value).unwrap_or_default())
                    }
                    on:change=move |ev| {
                        let value = event_target_value(&ev);
                        if typing_a_year(&value) {
                            return;
                        }
                        let from = day_start(&value, false);
                        let current = query.get_untracked();
                        let to = current.created_to;
                        go.run((current.created_between(from, to), false));
                    }
                />
            </div>
            <div class="field field-narrow">
                <label for="filter-created-to">"Added until"</label>
                <input
                    id="filter-created-to"
                    type="date"
                    prop:value=move || {
                        query.with(|q| q.created_to.map(to_date_value).unwrap_or_default())
                    }
                    on:change=move |ev| {
                        let value = event_target_value(&ev);
                        if typing_a_year(&value) {
                            return;
                        }
                        let to = day_start(&value, true);
                        let current = query.get_untracked();
                        let from = current.created_from;
                        go.run((current.created_between(from, to), false));
                    }
                />
            </div>
        </div>
    }
}

/// Years before this are digits still being typed ("0002" on the way to "2020"),
/// not a range anyone means.
const MIN_YEAR: i32 = 1900;

/// The instant a picked day starts in the browser's time zone, or (for the end
/// of a range, which the API excludes) the instant the next day starts.
fn day_start(value: &str, end: bool) -> Option<chrono::DateTime<chrono::Utc>> {
    let day = parse_date(value.trim())?;
    let day = if end { day.succ_opt()? } else { day };
    local_day_start(day)
}

/// A date input holding a year still being typed: nothing to apply yet.
fn typing_a_year(value: &str) -> bool {
    parse_date(value.trim()).is_some_and(|day| chrono::Datelike::year(&day) < MIN_YEAR)
}

/// What to say when a loaded page has no rows.
fn empty_state(loaded: &Loaded, go: Callback<(UsersQuery, bool)>) -> AnyView {
    if loaded.list.page.total > 0 {
        let first = loaded.query.on_page(1);
        return view! {
            <p>"There are no users on this page."</p>
            <button type="button" class="button" on:click=move |_| go.run((first.clone(), false))>
                "Go to the first page"
            </button>
        }
        .into_any();
    }
    let q = loaded.query.q.trim();
    let text = if !q.is_empty() {
        format!("No users match \u{201c}{q}\u{201d}.")
    } else if loaded.query.is_filtered() {
        "No users match these filters.".to_string()
    } else {
        "No users yet.".to_string()
    };
    view! { <p>{text}</p> }.into_any()
}

/// One row of the table: the name (to the profile) with status and roles,
/// email, Thinkific id, when the account was created, and the actions menu.
#[component]
fn UserRow(user: User, chosen: RwSignal<Option<(UserAction, User)>>) -> impl IntoView {
    let thinkific_id = user
        .thinkific_user_id
        .map_or_else(|| "\u{2014}".to_string(), |id| id.to_string());
    let profile = Page::User(user.id, UserTab::Profile).to_string();
    let roles = user
        .roles
        .iter()
        .map(|role| view! { <span class="role-chip">{role.label()}</span> })
        .collect_view();
    let status = user.status;
    let on_select = Callback::new(move |pick| chosen.set(Some(pick)));
    view! {
        <tr>
            <td class="col-name">
                <a href=profile>{user.full_name.clone()}</a>
                <div class="row-facts">
                    <StatusBadge status=Signal::stored(status) />
                    <span class="roles" aria-label="Roles">{roles}</span>
                </div>
            </td>
            <td class="col-email">{user.email.clone()}</td>
            <td class="col-thinkific-id">{thinkific_id}</td>
            <td class="col-created-at">
                <time datetime=user.created_at.to_rfc3339() title=local_timestamp(user.created_at)>
                    {local_date_time(user.created_at)}
                </time>
            </td>
            <td class="col-actions">
                <RowActions user on_select />
            </td>
        </tr>
    }
}
