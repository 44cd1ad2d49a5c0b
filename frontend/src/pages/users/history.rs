//! The History tab (admins only): the audit trail about one person (what was
//! done to them and to their team memberships), newest first, with its page in
//! the address.

use leptos::prelude::*;
use leptos_router::NavigateOptions;
use leptos_router::hooks::use_navigate;

use crate::components::own_address::OwnAddress;
use roster_types::AuditEventQuery;
use uuid::Uuid;

use crate::api::{Api, ApiError, abort_on_cleanup};
use crate::pages::audit::query::{AuditAddress, to_query_string};
use crate::pages::audit::table::{AuditLoaded, AuditTable};
use crate::routes::{Page, UserTab, query_param};

/// The History tab of user `user_id`.
#[component]
pub fn HistoryTab(user_id: Uuid) -> impl IntoView {
    let api = Api::expect();
    let location = OwnAddress::new();
    // Only the page is read from the address; the person is the filter.
    let query = Memo::new(move |_| {
        let address = location
            .search
            .with(|raw| AuditAddress::from_params(|key| query_param(raw, key)));
        AuditEventQuery {
            target_user_id: Some(user_id),
            page: address.query.page,
            per_page: address.query.per_page,
            ..AuditEventQuery::default()
        }
    });
    let navigate = use_navigate();
    let go = Callback::new(move |next: AuditEventQuery| {
        if !location.is_here() {
            // Leaving: a late search or filter must not bring the page back.
            return;
        }
        let paging = AuditEventQuery {
            page: next.page,
            per_page: next.per_page,
            ..AuditEventQuery::default()
        };
        navigate(
            &Page::User(user_id, UserTab::History).with_query(&to_query_string(&paging)),
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
    let empty = Callback::new(move |loaded: AuditLoaded| {
        let text = if loaded.list.page.total > 0 {
            "There are no events on this page."
        } else {
            "Nothing has been recorded about this person yet."
        };
        view! { <p>{text}</p> }.into_any()
    });
    let everything = Page::Audit.with_query(&to_query_string(&AuditEventQuery {
        target_user_id: Some(user_id),
        ..AuditEventQuery::default()
    }));

    view! {
        <section class="user-history" aria-labelledby="user-history-title">
            <div class="page-header">
                <h2 class="section-title" id="user-history-title">
                    "History"
                </h2>
                <a id="user-history-in-audit" href=everything>
                    "Filter in the audit trail"
                </a>
            </div>
            <p class="hint">
                "What was done to this person and to their team memberships, newest first."
            </p>
            <AuditTable
                id="user-history"
                total_id="user-history-total"
                per_page_id="user-history-per-page"
                caption="This person's history, newest first; each row opens to show all its details"
                query
                resource=events
                go
                empty
            />
        </section>
    }
}
