//! The Users page: search, sort, paginate, and add a user.

pub mod add_user;
pub mod detail;
pub mod emails;
pub mod password;
pub mod profile;
pub mod query;
pub mod user_teams;

use leptos::prelude::*;
use leptos_router::NavigateOptions;
use leptos_router::hooks::{use_location, use_navigate};
use roster_types::{User, UserColumn, UserList, UserStatus};

use crate::api::{Api, ApiError, abort_on_cleanup};
use crate::components::notice::Notice;
use crate::components::pagination::Pagination;
use crate::components::search_box::SearchBox;
use crate::components::set_page_title;
use crate::components::sort_header::{SortDirection, SortHeader};
use crate::format::{count_of, local_date, local_date_time};
use crate::routes::{Page, UserTab, query_param, query_string};

use self::add_user::AddUserDialog;
use self::query::{PER_PAGE_CHOICES, UsersQuery, column_key};

/// A loaded page of users with the state that asked for it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Loaded {
    query: UsersQuery,
    list: UserList,
}

/// The sortable columns, in table order.
const SORTABLE: [(UserColumn, &str); 4] = [
    (UserColumn::Name, "Name"),
    (UserColumn::Email, "Email"),
    (UserColumn::ThinkificId, "Thinkific ID"),
    (UserColumn::CreatedAt, "Created At"),
];

/// Search, sortable table, pagination and "Add user".
#[component]
pub fn UsersPage() -> impl IntoView {
    set_page_title("Users");
    let api = Api::expect();
    let location = use_location();
    let query = Memo::new(move |_| {
        location
            .search
            .with(|raw| UsersQuery::from_params(|key| query_param(raw, key)))
    });
    let navigate = use_navigate();
    // Moves to another table state; typing replaces the history entry, clicks add one.
    let go = Callback::new(move |(next, replace): (UsersQuery, bool)| {
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
    // The last page that loaded; kept while the next one loads.
    let loaded = Memo::new(move |_| users.get().and_then(Result::ok));
    let (reloading, set_reloading) = signal(false);
    let busy = move || reloading.get() || users.with(Option::is_none);

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
    let on_created = Callback::new(move |user: User| {
        adding.set(false);
        notice.set(Some(format!("{} was added.", user.full_name)));
        users.refetch();
    });

    let headers = SORTABLE
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
            view! { <SortHeader column=column_key(column) label direction on_toggle /> }
        })
        .collect_view();

    let error_state = move |errors: ArcRwSignal<leptos::error::Errors>| {
        let message = move || {
            errors.with(|errors| {
                errors
                    .iter()
                    .next()
                    .map(|(_, error)| error.to_string())
                    .unwrap_or_default()
            })
        };
        view! {
            <div class="state state-error" role="alert">
                <p>"The users could not be loaded. " {message}</p>
                <button type="button" class="button" on:click=move |_| users.refetch()>
                    "Retry"
                </button>
            </div>
        }
    };

    view! {
        <section class="page" aria-labelledby="users-heading">
            <div class="page-header">
                <h1 id="users-heading">"Users"</h1>
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
            <div class="filters">
                {search}
                <Filters query go />
            </div>
            <ErrorBoundary fallback=error_state>
                <div class="results" aria-busy=move || busy().to_string()>
                    <div class="table-wrap">
                        <table id="users-table" class="table" aria-busy=move || busy().to_string()>
                            <caption class="visually-hidden">
                                "Users, sortable by the column headers"
                            </caption>
                            <thead>
                                <tr>
                                    {headers}
                                    <th scope="col" class="col-actions">
                                        "Actions"
                                    </th>
                                </tr>
                            </thead>
                            <tbody>
                                <Transition set_pending=set_reloading>
                                    {move || Suspend::new(async move {
                                        users
                                            .await
                                            .map(|loaded| {
                                                loaded
                                                    .list
                                                    .items
                                                    .into_iter()
                                                    .map(|user| view! { <UserRow user /> })
                                                    .collect_view()
                                            })
                                    })}
                                </Transition>
                            </tbody>
                        </table>
                    </div>
                    {move || {
                        users
                            .with(Option::is_none)
                            .then(|| {
                                view! {
                                    <p class="state state-loading">"Loading users…"</p>
                                }
                            })
                    }}
                    {move || loaded.get().and_then(|loaded| empty_state(&loaded, go))}
                    <Show when=move || loaded.with(Option::is_some)>
                        <div class="table-footer">
                            <span id="users-total" class="total">
                                {move || {
                                    loaded
                                        .with(|l| l.as_ref().map(|l| l.list.page.total))
                                        .map(|total| count_of(total, "user", "users"))
                                }}
                            </span>
                            <Pagination
                                page=Signal::derive(move || query.with(|q| q.page))
                                page_count=Signal::derive(move || {
                                    loaded
                                        .with(|l| l.as_ref().map(|l| l.list.page.page_count()))
                                        .unwrap_or(1)
                                })
                                per_page=Signal::derive(move || query.with(|q| q.per_page))
                                per_page_choices=PER_PAGE_CHOICES
                                per_page_id="users-per-page"
                                on_page=Callback::new(move |page| {
                                    go.run((query.get_untracked().on_page(page), false));
                                })
                                on_per_page=Callback::new(move |size| {
                                    go.run((query.get_untracked().with_per_page(size), false));
                                })
                            />
                        </div>
                    </Show>
                </div>
            </ErrorBoundary>
            <Show when=move || adding.get()>
                <AddUserDialog on_close=Callback::new(move |()| adding.set(false)) on_created />
            </Show>
        </section>
    }
}

/// The team and status pickers; a change goes to the address (page 1).
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
        </div>
    }
}

/// What to say when a loaded page has no rows.
fn empty_state(loaded: &Loaded, go: Callback<(UsersQuery, bool)>) -> Option<AnyView> {
    if !loaded.list.items.is_empty() {
        return None;
    }
    let view = if loaded.list.page.total > 0 {
        let first = loaded.query.on_page(1);
        view! {
            <div class="state state-empty">
                <p>"There are no users on this page."</p>
                <button type="button" class="button" on:click=move |_| go.run((first.clone(), false))>
                    "Go to the first page"
                </button>
            </div>
        }
        .into_any()
    } else if loaded.query.q.trim().is_empty()
        && (loaded.query.team.is_some() || loaded.query.status.is_some())
    {
        view! {
            <div class="state state-empty">
                <p>"No users match these filters."</p>
            </div>
        }
        .into_any()
    } else if loaded.query.q.trim().is_empty() {
        view! {
            <div class="state state-empty">
                <p>"No users yet."</p>
            </div>
        }
        .into_any()
    } else {
        view! {
            <div class="state state-empty">
                <p>{format!("No users match \u{201c}{}\u{201d}.", loaded.query.q.trim())}</p>
            </div>
        }
        .into_any()
    };
    Some(view)
}

/// One row of the table.
#[component]
fn UserRow(user: User) -> impl IntoView {
    let thinkific_id = user
        .thinkific_user_id
        .map_or_else(|| "\u{2014}".to_string(), |id| id.to_string());
    let view_label = format!("View {}", user.full_name);
    let profile = Page::User(user.id, UserTab::Profile).to_string();
    view! {
        <tr>
            <td class="col-name">
                <a href=profile.clone()>{user.full_name}</a>
            </td>
            <td class="col-email">{user.email}</td>
            <td class="col-thinkific-id">{thinkific_id}</td>
            <td class="col-created-at">
                <time datetime=user.created_at.to_rfc3339() title=local_date_time(user.created_at)>
                    {local_date(user.created_at)}
                </time>
            </td>
            <td class="col-actions">
                <a class="button button-small" href=profile aria-label=view_label>
                    "View"
                </a>
            </td>
        </tr>
    }
}
