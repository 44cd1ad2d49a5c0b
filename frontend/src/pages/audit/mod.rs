//! The Audit page (admins only): the audit trail, filtered through the address
//! bar, page by page, and downloaded as CSV with the same filters.

pub mod filters;
pub mod query;
pub mod table;

use leptos::prelude::*;
use leptos_router::NavigateOptions;
use leptos_router::hooks::use_navigate;

use crate::components::own_address::OwnAddress;
use roster_types::AuditEventQuery;

use crate::api::{Api, ApiError, abort_on_cleanup};
use crate::components::no_access::NoAccess;
use crate::components::notice::Notice;
use crate::components::set_page_title;
use crate::download::save_blob;
use crate::routes::{Page, query_param};
use crate::session::Session;

use self::filters::AuditFilters;
use self::query::{AuditAddress, all_pages, is_filtered, to_query_string};
use self::table::{AuditLoaded, AuditTable};

/// The name the CSV download is saved under.
const CSV_FILE_NAME: &str = "audit-events.csv";

/// `/audit`.
#[component]
pub fn AuditPage() -> impl IntoView {
    set_page_title("Audit");
    let session = Session::expect();
    let is_admin = Memo::new(move |_| session.is_admin());
    view! {
        <section class="page" aria-labelledby="audit-heading">
            <Show
                when=move || is_admin.get()
                fallback=|| {
                    view! {
                        <NoAccess
                            id="audit-forbidden"
                            heading_id="audit-heading"
                            heading="Audit"
                            message="Only admins can see the audit trail."
                        />
                    }
                }
            >
                <AuditTrail />
            </Show>
        </section>
    }
}

#[component]
fn AuditTrail() -> impl IntoView {
    let api = Api::expect();
    let location = OwnAddress::new();
    let address = Memo::new(move |_| {
        location
            .search
            .with(|raw| AuditAddress::from_params(|key| query_param(raw, key)))
    });
    let query = Memo::new(move |_| address.with(|a| a.query.clone()));
    let navigate = use_navigate();
    let go = Callback::new(move |next: AuditEventQuery| {
        if !location.is_here() {
            // Leaving: a late search or filter must not bring the page back.
            return;
        }
        navigate(
            &Page::Audit.with_query(&to_query_string(&next)),
            NavigateOptions {
                scroll: false,
                ..NavigateOptions::default()
            },
        );
    });

    let events = LocalResource::new(move || {
        let query = query.get();
        let abort = abort_on_cleanup();
        async move {
            let list = api.list_audit_events(&query, abort.as_ref()).await?;
            Ok::<_, ApiError>(AuditLoaded { query, list })
        }
    });

    let notice = RwSignal::new(None::<String>);
    let csv_error = RwSignal::new(None::<String>);
    let download = Action::new_local(move |query: &AuditEventQuery| {
        let query = query.clone();
        async move {
            let file = api
                .download_audit_events_csv(&query)
                .await
                .map_err(|error| format!("The CSV could not be downloaded. {error}"))?;
            save_blob(&file, CSV_FILE_NAME)
                .map_err(|_| "Your browser did not let Roster save the file.".to_string())
        }
    });
    Effect::new(move |_| match download.value().get() {
        Some(Ok(())) => {
            csv_error.set(None);
            notice.set(Some(format!("Downloaded {CSV_FILE_NAME}.")));
        }
        Some(Err(message)) => csv_error.set(Some(message)),
        None => {}
    });

    let empty = Callback::new(move |loaded: AuditLoaded| {
        let text = if loaded.list.page.total > 0 {
            "There are no events on this page."
        } else if is_filtered(&loaded.query) {
            "No events match these filters."
        } else {
            "Nothing has been recorded yet."
        };
        view! { <p>{text}</p> }.into_any()
    });

    view! {
        <div class="page-header">
            <h1 id="audit-heading">"Audit"</h1>
            <button
                id="download-audit-csv"
                type="button"
                class="button"
                aria-describedby="download-audit-csv-hint"
                disabled=move || download.pending().get()
                on:click=move |_| {
                    csv_error.set(None);
                    download.dispatch_local(query.with_untracked(all_pages));
                }
            >
                {move || if download.pending().get() { "Preparing CSV…" } else { "Download CSV" }}
            </button>
        </div>
        <p id="download-audit-csv-hint" class="hint">
            "Newest first. The CSV holds every event that matches the filters, not only this page."
        </p>
        <Notice message=notice />
        {move || {
            csv_error
                .get()
                .map(|message| {
                    view! {
                        <p id="audit-csv-error" class="banner banner-error" role="alert">
                            {message}
                        </p>
                    }
                })
        }}
        <Show when=move || address.with(|a| !a.errors.is_empty())>
            <p id="audit-address-error" class="banner banner-error" role="alert">
                "Some filters in the address could not be used and are ignored; they are marked below."
            </p>
        </Show>
        <AuditFilters address go />
        <AuditTable
            id="audit-table"
            total_id="audit-total"
            per_page_id="audit-per-page"
            caption="Audit events, newest first; each row opens to show all its details"
            query
            resource=events
            go
            empty
        />
    }
}
