//! The Teams page (search, sort, paginate, add a team) and one team's page.

pub mod add_team;
pub mod detail;
pub mod query;

use leptos::prelude::*;
use leptos_router::NavigateOptions;
use leptos_router::hooks::{use_location, use_navigate};
use roster_types::{Team, TeamList};
use wasm_bindgen::JsCast;
use web_sys::HtmlElement;

use crate::api::{Api, ApiError, abort_on_cleanup};
use crate::components::notice::Notice;
use crate::components::pagination::Pagination;
use crate::components::search_box::SearchBox;
use crate::components::set_page_title;
use crate::components::sort_header::{SortDirection, SortHeader};
use crate::format::{count_of, local_date, local_date_time};
use crate::routes::{Page, query_param, query_string};
use crate::session::Session;

use self::add_team::AddTeamDialog;
use self::query::{PER_PAGE_CHOICES, TeamsQuery, sort_column, sort_descending};

/// Moves keyboard focus to the element with `id`, if it is in the page.
pub(crate) fn focus(id: &str) {
    if let Some(element) = document().get_element_by_id(id)
        && let Ok(element) = element.dyn_into::<HtmlElement>()
    {
        _ = element.focus();
    }
}

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

/// `/teams`.
#[component]
pub fn TeamsPage() -> impl IntoView {
    set_page_title("Teams");
    let api = Api::expect();
    let session = Session::expect();
    let is_admin = Memo::new(move |_| session.is_admin());
    let location = use_location();
    let query = Memo::new(move |_| {
        location
            .search
            .with(|raw| TeamsQuery::from_params(|key| query_param(raw, key)))
    });
    let navigate = use_navigate();
    let go = Callback::new(move |(next, replace): (TeamsQuery, bool)| {
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
    let loaded = Memo::new(move |_| teams.get().and_then(Result::ok));
    let failure = Memo::new(move |_| teams.get().and_then(Result::err));
    let busy = move || teams.with(Option::is_none);

    let adding = RwSignal::new(false);
    let notice = RwSignal::new(None::<String>);
    let on_created = Callback::new(move |team: Team| {
        adding.set(false);
        notice.set(Some(format!("\u{201c}{}\u{201d} was created.", team.name)));
        teams.refetch();
    });

    let headers = SORTABLE
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
            view! { <SortHeader column label direction on_toggle /> }
        })
        .collect_view();

    let rows = move || {
        loaded.get().map(|loaded| {
            loaded
                .list
                .items
                .into_iter()
                .map(|team| view! { <TeamRow team /> })
                .collect_view()
        })
    };

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
            {move || {
                failure
                    .get()
                    .map(|error| {
                        let message = if error.problem().is_some_and(|p| p.status == 403) {
                            "Only admins and team managers can see teams.".to_string()
                        } else {
                            format!("The teams could not be loaded. {error}")
                        };
                        view! {
                            <div class="state state-error" role="alert">
                                <p>{message}</p>
                                <button type="button" class="button" on:click=move |_| teams.refetch()>
                                    "Retry"
                                </button>
                            </div>
                        }
                    })
            }}
            <div class="results" aria-busy=move || busy().to_string()>
                <div class="table-wrap">
                    <table id="teams-table" class="table" aria-busy=move || busy().to_string()>
                        <caption class="visually-hidden">"Teams, sortable by the column headers"</caption>
                        <thead>
                            <tr>{headers}</tr>
                        </thead>
                        <tbody>{rows}</tbody>
                    </table>
                </div>
                {move || busy().then(|| view! { <p class="state state-loading">"Loading teams…"</p> })}
                {move || {
                    loaded
                        .get()
                        .filter(|l| l.list.items.is_empty())
                        .map(|l| {
                            let text = if l.list.page.total > 0 {
                                "There are no teams on this page.".to_string()
                            } else if l.query.q.trim().is_empty() {
                                "No teams yet.".to_string()
                            } else {
                                format!("No teams match \u{201c}{}\u{201d}.", l.query.q.trim())
                            };
                            view! {
                                <div class="state state-empty">
                                    <p>{text}</p>
                                </div>
                            }
                        })
                }}
                <Show when=move || loaded.with(Option::is_some)>
                    <div class="table-footer">
                        <span id="teams-total" class="total">
                            {move || {
                                loaded
                                    .with(|l| l.as_ref().map(|l| l.list.page.total))
                                    .map(|total| count_of(total, "team", "teams"))
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
                            per_page_id="teams-per-page"
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
