//! The Teams page (search, sort, paginate, add a team) and one team's page.

pub mod add_team;
pub mod detail;
pub mod query;

use leptos::prelude::*;
use leptos_router::NavigateOptions;
use leptos_router::hooks::use_navigate;

use crate::components::own_address::OwnAddress;
use roster_types::{PageInfo, Team, TeamList};

use crate::api::{Api, ApiError, abort_on_cleanup};
use crate::components::data_table::{Column, DataTable, Paging, TablePage};
use crate::components::no_access::NoAccess;
use crate::components::notice::Notice;
use crate::components::search_box::SearchBox;
use crate::components::set_page_title;
use crate::components::sort_header::SortDirection;
use crate::format::{local_date, local_date_time};
use crate::routes::{Page, query_param, query_string};
use crate::session::Session;

use self::add_team::AddTeamDialog;
use self::query::{PER_PAGE_CHOICES, TeamsQuery, sort_column, sort_descending};

/// The sortable columns, in table order: key and header text.
const SORTABLE: [(&str, &str); 3] = [
    ("name", "Name"),
    ("member_count", "Members"),
    ("created_at", "Created At"),
];

#[derive(Debug, Clone, PartialEq, Eq)]
struct Loaded {
    query: TeamsQuery,
    list: TeamList,
}

impl TablePage for Loaded {
    type Row = Team;

    fn rows(&self) -> &[Team] {
        &self.list.items
    }

    fn page_info(&self) -> &PageInfo {
        &self.list.page
    }
}

/// `/teams`, for those who manage people; learners are told it is not for
/// them.
#[component]
pub fn TeamsPage() -> impl IntoView {
    set_page_title("Teams");
    let session = Session::expect();
    let allowed = Memo::new(move |_| session.manages_people());
    view! {
        <Show
            when=move || allowed.get()
            fallback=|| {
                view! {
                    <section class="page">
                        <NoAccess
                            id="teams-forbidden"
                            heading_id="teams-heading"
                            heading="Teams"
                            message="Only admins and team managers can see teams."
                        />
                    </section>
                }
            }
        >
            <TeamDirectory />
        </Show>
    }
}

/// The teams table, with "Add team" for admins.
#[component]
fn TeamDirectory() -> impl IntoView {
    let api = Api::expect();
    let session = Session::expect();
    let is_admin = Memo::new(move |_| session.is_admin());
    let location = OwnAddress::new();
    let query = Memo::new(move |_| {
        location
            .search
            .with(|raw| TeamsQuery::from_params(|key| query_param(raw, key)))
    });
    let navigate = use_navigate();
    let go = Callback::new(move |(next, replace): (TeamsQuery, bool)| {
        if !location.is_here() {
            // Leaving: a late search or filter must not bring the page back.
            return;
        }
        let path = Page::Teams.with_query(&query_string(&next.to_params()));
        navigate(
            &path,
            NavigateOptions {
                replace,
                scroll: false,
                ..NavigateOptions::default()
            },
        );
    });

    let teams = LocalResource::new(move || {
        let query = query.get();
        let abort = abort_on_cleanup();
        async move {
            let list = api.list_teams(&query.to_request(), abort.as_ref()).await?;
            Ok::<_, ApiError>(Loaded { query, list })
        }
    });

    let adding = RwSignal::new(false);
    let notice = RwSignal::new(None::<String>);
    let on_created = Callback::new(move |team: Team| {
        adding.set(false);
        notice.set(Some(format!("\u{201c}{}\u{201d} was created.", team.name)));
        teams.refetch();
    });

    let columns = SORTABLE
        .into_iter()
        .map(|(column, label)| {
            let direction = Signal::derive(move || {
                let sort = query.with(|q| q.sort);
                (sort_column(sort) == column).then_some(if sort_descending(sort) {
                    SortDirection::Descending
                } else {
                    SortDirection::Ascending
                })
            });
            let on_toggle = Callback::new(move |()| {
                go.run((query.get_untracked().toggled(column), false));
            });
            Column::new(column, label).sortable(direction, on_toggle)
        })
        .collect::<Vec<_>>();
    let paging = Paging {
        page: Signal::derive(move || query.with(|q| q.page)),
        per_page: Signal::derive(move || query.with(|q| q.per_page)),
        per_page_choices: PER_PAGE_CHOICES,
        per_page_id: "teams-per-page",
        on_page: Callback::new(move |page| {
            go.run((query.get_untracked().on_page(page), false));
        }),
        on_per_page: Callback::new(move |size| {
            go.run((query.get_untracked().with_per_page(size), false));
        }),
    };
    let empty = Callback::new(|loaded: Loaded| {
        let q = loaded.query.q.trim();
        let text = if loaded.list.page.total > 0 {
            "There are no teams on this page.".to_string()
        } else if q.is_empty() {
            "No teams yet.".to_string()
        } else {
            format!("No teams match \u{201c}{q}\u{201d}.")
        };
        view! { <p>{text}</p> }.into_any()
    });

    view! {
        <section class="page" aria-labelledby="teams-heading">
            <div class="page-header">
                <h1 id="teams-heading">"Teams"</h1>
                <Show when=move || is_admin.get()>
                    <button
                        id="add-team"
                        type="button"
                        class="button button-primary"
                        aria-haspopup="dialog"
                        on:click=move |_| adding.set(true)
                    >
                        "Add team"
                    </button>
                </Show>
            </div>
            <Notice message=notice />
            <SearchBox
                id="team-search"
                label="Search teams"
                placeholder="Team name"
                current=Signal::derive(move || query.with(|q| q.q.clone()))
                on_search=Callback::new(move |q| go.run((query.get_untracked().searching(q), true)))
            />
            <DataTable
                id="teams-table"
                caption="Teams, sortable by the column headers"
                columns
                resource=teams
                row=|team: Team| view! { <TeamRow team /> }.into_any()
                what="teams"
                count_noun=("team", "teams")
                total_id="teams-total"
                empty
                forbidden="Only admins and team managers can see teams."
                paging
            />
            <Show when=move || adding.get()>
                <AddTeamDialog on_close=Callback::new(move |()| adding.set(false)) on_created />
            </Show>
        </section>
    }
}

#[component]
fn TeamRow(team: Team) -> impl IntoView {
    view! {
        <tr>
            <td class="col-name">
                <a href=Page::Team(team.id).to_string()>{team.name}</a>
            </td>
            <td class="col-members">{team.member_count.to_string()}</td>
            <td class="col-created-at">
                <time datetime=team.created_at.to_rfc3339() title=local_date_time(team.created_at)>
                    {local_date(team.created_at)}
                </time>
            </td>
        </tr>
    }
}
