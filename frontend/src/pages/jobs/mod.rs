//! The Jobs page (admins only): Roster's background work, filtered by kind and
//! status through the address bar, page by page; each job opens to show its
//! result and last error, and an unfinished one keeps itself up to date.

pub mod filters;
pub mod query;
pub mod table;

use leptos::prelude::*;
use leptos_router::NavigateOptions;
use leptos_router::hooks::use_navigate;

use crate::components::own_address::OwnAddress;
use roster_types::{JobListQuery, ListQuery};

use crate::api::{Api, ApiError, abort_on_cleanup};
use crate::components::no_access::NoAccess;
use crate::components::set_page_title;
use crate::routes::{Page, query_param};
use crate::session::Session;

use self::filters::JobFilters;
use self::query::{JobsAddress, is_filtered};
use self::table::{JobsLoaded, JobsTable};

/// `/jobs`.
#[component]
pub fn JobsPage() -> impl IntoView {
    set_page_title("Jobs");
    let session = Session::expect();
    let is_admin = Memo::new(move |_| session.is_admin());
    view! {
        <section class="page" aria-labelledby="jobs-heading">
            <Show
                when=move || is_admin.get()
                fallback=|| {
                    view! {
                        <NoAccess
                            id="jobs-forbidden"
                            heading_id="jobs-heading"
                            heading="Jobs"
                            message="Only admins can see the background jobs."
                        />
                    }
                }
            >
                <JobList />
            </Show>
        </section>
    }
}

/// What to say when a loaded page has no jobs.
fn empty_text(loaded: &JobsLoaded) -> &'static str {
    if loaded.list.page.total > 0 {
        "There are no jobs on this page."
    } else if is_filtered(&loaded.query) {
        "No jobs match these filters."
    } else {
        "No background jobs yet."
    }
}

#[component]
fn JobList() -> impl IntoView {
    let api = Api::expect();
    let location = OwnAddress::new();
    let address = Memo::new(move |_| {
        location
            .search
            .with(|raw| JobsAddress::from_params(|key| query_param(raw, key)))
    });
    let query = Memo::new(move |_| address.with(|a| a.query.clone()));
    let navigate = use_navigate();
    let go = Callback::new(move |next: JobListQuery| {
        if !location.is_here() {
            // Leaving: a late search or filter must not bring the page back.
            return;
        }
        navigate(
            &Page::Jobs.with_query(&next.to_query_string()),
            NavigateOptions {
                scroll: false,
                ..NavigateOptions::default()
            },
        );
    });

    let jobs = LocalResource::new(move || {
        let query = query.get();
        let abort = abort_on_cleanup();
        async move {
            let list = api.list_jobs(&query, abort.as_ref()).await?;
            Ok::<_, ApiError>(JobsLoaded { query, list })
        }
    });
    let empty =
        Callback::new(move |loaded: JobsLoaded| view! { <p>{empty_text(&loaded)}</p> }.into_any());

    view! {
        <div class="page-header">
            <h1 id="jobs-heading">"Jobs"</h1>
            <button
                id="reload-jobs"
                type="button"
                class="button"
                on:click=move |_| jobs.refetch()
            >
                "Reload"
            </button>
        </div>
        <p class="hint">
            "Work Roster does in the background, newest first. A queued or running job updates itself until it finishes."
        </p>
        <Show when=move || address.with(|a| !a.errors.is_empty())>
            <p id="jobs-address-error" class="banner banner-error" role="alert">
                "Some filters in the address could not be used and are ignored; they are marked below."
            </p>
        </Show>
        <JobFilters address go />
        <JobsTable query resource=jobs go empty />
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use roster_types::{JobStatus, Page as ListPage, PageInfo};

    fn loaded(query: JobListQuery, total: u64) -> JobsLoaded {
        JobsLoaded {
            query,
            list: ListPage {
                items: Vec::new(),
                page: PageInfo {
                    page: 2,
                    per_page: 25,
                    total,
                    total_is_estimate: false,
                },
            },
        }
    }

    #[test]
    fn an_empty_page_says_whether_nothing_ran_nothing_matched_or_the_page_is_past_the_end() {
        assert_eq!(
            empty_text(&loaded(JobListQuery::default(), 0)),
            "No background jobs yet."
        );
        let failed = JobListQuery {
            status: Some(JobStatus::Failed),
            ..JobListQuery::default()
        };
        assert_eq!(
            empty_text(&loaded(failed, 0)),
            "No jobs match these filters."
        );
        assert_eq!(
            empty_text(&loaded(JobListQuery::default(), 30)),
            "There are no jobs on this page."
        );
    }
}
