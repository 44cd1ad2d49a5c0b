//! The audit trail as a table, newest first, each row opening to show every
//! field of its event and its details as JSON. Shared by the Audit page and a
//! user's History tab.

use leptos::prelude::*;
use roster_types::{AuditEvent, AuditEventQuery, AuditOutcome};
use uuid::Uuid;

use crate::api::ApiError;
use crate::components::data_table::{Column, DataTable};
use crate::components::sort_header::SortDirection;
use crate::format::local_timestamp;
use crate::routes::{Page, UserTab};

use super::query::PER_PAGE_CHOICES;
use crate::components::paged::{Loaded, paging};

/// A loaded page with the query that asked for it.
pub type AuditLoaded = Loaded<AuditEventQuery, AuditEvent>;

/// How many columns a row has (the details row spans them all).
const COLUMN_COUNT: usize = 7;

fn columns() -> Vec<Column> {
    let columns = vec![
        Column::new("details", "Details")
            .class("col-expand")
            .label_hidden(),
        Column::new("occurred_at", "Time")
            .class("col-time")
            .sorted(SortDirection::Descending),
        Column::new("action", "Action").class("col-action"),
        Column::new("outcome", "Outcome").class("col-outcome"),
        Column::new("actor", "Actor").class("col-actor"),
        Column::new("target", "Target").class("col-target"),
        Column::new("ip", "IP address").class("col-ip"),
    ];
    debug_assert_eq!(columns.len(), COLUMN_COUNT);
    columns
}

/// The events `resource` loads for `query`, with pagination; `go` takes the
/// query of another page.
#[component]
pub fn AuditTable(
    /// The `<table>`'s id.
    id: &'static str,
    /// The id of the total's element.
    total_id: &'static str,
    /// The id of the page-size picker.
    per_page_id: &'static str,
    /// What the table holds, for screen readers.
    caption: &'static str,
    query: Memo<AuditEventQuery>,
    resource: LocalResource<Result<AuditLoaded, ApiError>>,
    go: Callback<AuditEventQuery>,
    /// What to say when a loaded page has no events.
    empty: Callback<AuditLoaded, AnyView>,
) -> impl IntoView {
    let paging = paging(query, go, PER_PAGE_CHOICES, per_page_id);
    view! {
        <DataTable
            id
            caption
            columns=columns()
            resource
            row=|event: AuditEvent| view! { <AuditRow event /> }.into_any()
            what="audit events"
            count_noun=("event", "events")
            total_id
            empty
            forbidden="Only admins can see the audit trail."
            paging
        />
    }
}

/// `Success`, `Refused` or `Error`, styled by outcome.
#[component]
pub fn OutcomeBadge(outcome: AuditOutcome) -> impl IntoView {
    view! { <span class=format!("badge badge-outcome-{}", outcome.as_str())>{outcome.label()}</span> }
}

/// A user's id, shortened for a table cell; the full id is its title.
fn short_id(id: Uuid) -> String {
    let simple = id.simple().to_string();
    format!("{}\u{2026}", &simple[..8])
}

/// A link to a user's profile.
fn user_link(id: Uuid, text: String) -> impl IntoView {
    view! { <a href=Page::User(id, UserTab::Profile).to_string()>{text}</a> }
}

/// Who acted, and the admin behind them when they were impersonated.
fn actor_cell(event: &AuditEvent) -> AnyView {
    let name = event.actor_name.clone();
    let actor = match event.actor_id {
        Some(id) => user_link(id, name).into_any(),
        None => name.into_any(),
    };
    let impersonator = event.impersonator_id.map(|admin| {
        view! {
            <span class="impersonator" data-impersonator-id=admin.to_string()>
                " (impersonated by "
                <a href=Page::User(admin, UserTab::Profile).to_string() title=admin.to_string()>
                    {short_id(admin)}
                </a>
                ")"
            </span>
        }
    });
    view! { {actor} {impersonator} }.into_any()
}

/// What was acted on: its kind, then its name (linked when it has a page).
fn target_cell(event: &AuditEvent) -> AnyView {
    let Some(kind) = event.target_type.clone() else {
        return "\u{2014}".into_any();
    };
    let name = event
        .target_name
        .clone()
        .or_else(|| event.target_id.clone())
        .unwrap_or_default();
    let id = event
        .target_id
        .as_deref()
        .and_then(|id| id.parse::<Uuid>().ok());
    let href = match (kind.as_str(), id) {
        ("user", Some(id)) => Some(Page::User(id, UserTab::Profile).to_string()),
        ("team", Some(id)) => Some(Page::Team(id).to_string()),
        _ => None,
    };
    let name = match href {
        Some(href) => view! { <a href=href>{name}</a> }.into_any(),
        None => name.into_any(),
    };
    view! {
        <span class="target-type">{kind}</span>
        " "
        {name}
    }
    .into_any()
}

/// One event: its row and, below it, its details (shown when opened).
#[component]
fn AuditRow(event: AuditEvent) -> impl IntoView {
    let expanded = RwSignal::new(false);
    let event_id = event.id.to_string();
    let details_id = format!("audit-event-{event_id}");
    let when = local_timestamp(event.occurred_at);
    let toggle_text = format!(" of {} at {when}", event.action);
    let actor = actor_cell(&event);
    let target = target_cell(&event);
    let ip = event.ip.clone().unwrap_or_else(|| "\u{2014}".into());
    let details = event.clone();
    view! {
        <tr
            class="audit-row"
            class:audit-row-expanded=move || expanded.get()
            data-event-id=event_id.clone()
            data-action=event.action.clone()
            data-outcome=event.outcome.as_str()
        >
            <td class="col-expand">
                <button
                    type="button"
                    class="button button-small expand-button"
                    aria-expanded=move || expanded.get().to_string()
                    aria-controls=details_id.clone()
                    on:click=move |_| expanded.update(|open| *open = !*open)
                >
                    "Details"
                    <span class="visually-hidden">{toggle_text}</span>
                </button>
            </td>
            <td class="col-time">
                <time datetime=event.occurred_at.to_rfc3339()>{when}</time>
            </td>
            <td class="col-action">
                <code>{event.action.clone()}</code>
            </td>
            <td class="col-outcome">
                <OutcomeBadge outcome=event.outcome />
            </td>
            <td class="col-actor">{actor}</td>
            <td class="col-target">{target}</td>
            <td class="col-ip">{ip}</td>
        </tr>
        <tr
            class="audit-details-row"
            id=details_id
            data-event-id=event_id
            hidden=move || !expanded.get()
        >
            <td colspan=COLUMN_COUNT.to_string()>
                <Show when=move || expanded.get()>
                    <EventDetails event=details.clone() />
                </Show>
            </td>
        </tr>
    }
}

/// Every field of an event, then its details as JSON.
#[component]
fn EventDetails(event: AuditEvent) -> impl IntoView {
    let dash = || "\u{2014}".to_string();
    let code = |value: Option<String>| match value {
        Some(value) => view! { <code>{value}</code> }.into_any(),
        None => dash().into_any(),
    };
    let text = |value: Option<String>| value.unwrap_or_else(dash);
    let json =
        serde_json::to_string_pretty(&event.details).unwrap_or_else(|_| event.details.to_string());
    let json_id = format!("audit-event-{}-json", event.id);
    let json_label = format!("audit-event-{}-json-label", event.id);
    view! {
        <div class="audit-event">
            <dl class="details audit-event-fields">
                <div>
                    <dt>"Event id"</dt>
                    <dd>{code(Some(event.id.to_string()))}</dd>
                </div>
                <div>
                    <dt>"Time"</dt>
                    <dd>
                        {local_timestamp(event.occurred_at)} <br />
                        <code>{event.occurred_at.to_rfc3339()}</code>
                    </dd>
                </div>
                <div>
                    <dt>"Action"</dt>
                    <dd>{code(Some(event.action.clone()))}</dd>
                </div>
                <div>
                    <dt>"Outcome"</dt>
                    <dd>
                        <OutcomeBadge outcome=event.outcome />
                    </dd>
                </div>
                <div>
                    <dt>"Actor"</dt>
                    <dd>{event.actor_name.clone()}</dd>
                </div>
                <div>
                    <dt>"Actor id"</dt>
                    <dd>{code(event.actor_id.map(|id| id.to_string()))}</dd>
                </div>
                <div>
                    <dt>"Impersonated by"</dt>
                    <dd>{code(event.impersonator_id.map(|id| id.to_string()))}</dd>
                </div>
                <div>
                    <dt>"Session id"</dt>
                    <dd>{code(event.session_id.map(|id| id.to_string()))}</dd>
                </div>
                <div>
                    <dt>"Target type"</dt>
                    <dd>{code(event.target_type.clone())}</dd>
                </div>
                <div>
                    <dt>"Target id"</dt>
                    <dd>{code(event.target_id.clone())}</dd>
                </div>
                <div>
                    <dt>"Target name"</dt>
                    <dd>{text(event.target_name.clone())}</dd>
                </div>
                <div>
                    <dt>"Request id"</dt>
                    <dd>{code(event.request_id.clone())}</dd>
                </div>
                <div>
                    <dt>"IP address"</dt>
                    <dd>{text(event.ip.clone())}</dd>
                </div>
                <div>
                    <dt>"User agent"</dt>
                    <dd>{text(event.user_agent.clone())}</dd>
                </div>
            </dl>
            <p class="audit-json-label" id=json_label.clone()>
                "Details"
            </p>
            // Focusable, so a keyboard can scroll a long document.
            <pre class="audit-json" id=json_id tabindex="0" aria-labelledby=json_label>
                <code>{json}</code>
            </pre>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_ids_keep_the_first_eight_digits() {
        let id: Uuid = "0194f3a2-7b1c-7d00-8000-000000000001"
            .parse()
            .unwrap_or_default();
        assert_eq!(short_id(id), "0194f3a2\u{2026}");
    }
}
