//! The Jobs page's filter form: the kind (typed, with the kinds Roster runs
//! as suggestions) and the status. What is chosen stays a draft until "Apply
//! filters"; it is checked with the query's own parser, so the form and the
//! API give the same explanations, and then goes to the address.

use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use roster_types::{FieldError, JobListQuery, JobStatus, ListQuery};

use super::query::JobsAddress;
use crate::components::focus;

/// The kinds of work Roster runs today, offered as suggestions.
const KNOWN_KINDS: [&str; 3] = [
    "mail.deliver",
    "housekeeping",
    "auth.password_reset_follow_up",
];

/// The query the form describes, on page 1 with `current`'s page size; or what
/// is wrong with it.
fn drafted_query(
    kind: &str,
    status: &str,
    current: &JobListQuery,
) -> Result<JobListQuery, Vec<FieldError>> {
    JobListQuery::from_pairs([("kind", kind), ("status", status)]).map(|query| JobListQuery {
        page: None,
        per_page: current.per_page,
        ..query
    })
}

/// The filter form over the address's query; `go` takes the query to show.
#[component]
pub fn JobFilters(address: Memo<JobsAddress>, go: Callback<JobListQuery>) -> impl IntoView {
    let kind = RwSignal::new(String::new());
    let status = RwSignal::new(String::new());
    let errors = RwSignal::new(Vec::<FieldError>::new());
    // The address is the truth: a new one (Apply, Back, a link) refills the form.
    Effect::new(move |_| {
        address.with(|address| {
            kind.set(address.raw_kind.clone());
            status.set(
                address
                    .query
                    .status
                    .map(|s| s.as_str().to_string())
                    .unwrap_or_default(),
            );
            errors.set(address.errors.clone());
        });
    });
    let error_of = move |key: &'static str| {
        Signal::derive(move || {
            errors.with(|errors| {
                errors
                    .iter()
                    .find(|error| error.field == key)
                    .map(|error| error.message.clone())
            })
        })
    };
    let kind_error = error_of("kind");
    let status_error = error_of("status");

    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        let current = address.with_untracked(|a| a.query.clone());
        match drafted_query(&kind.get_untracked(), &status.get_untracked(), &current) {
            Ok(query) => {
                errors.set(Vec::new());
                go.run(query);
            }
            Err(invalid) => {
                let first = if invalid.iter().any(|e| e.field == "kind") {
                    "job-kind"
                } else {
                    "job-status"
                };
                focus(first);
                errors.set(invalid);
            }
        }
    };
    let clear = move |_| {
        let per_page = address.with_untracked(|a| a.query.per_page);
        errors.set(Vec::new());
        go.run(JobListQuery {
            per_page,
            ..JobListQuery::default()
        });
    };

    let status_options = JobStatus::ALL
        .into_iter()
        .map(|choice| {
            view! {
                <option
                    value=choice.as_str()
                    prop:selected=move || status.with(|s| s == choice.as_str())
                >
                    {choice.label()}
                </option>
            }
        })
        .collect_view();
    let described_by = |hint: Option<&'static str>, error_id: &'static str, error: Signal<_>| {
        move || {
            let ids: Vec<&str> = [hint, error.with(Option::is_some).then_some(error_id)]
                .into_iter()
                .flatten()
                .collect();
            (!ids.is_empty()).then(|| ids.join(" "))
        }
    };

    view! {
        <form
            id="job-filters"
            class="panel-form audit-filters job-filters"
            role="search"
            aria-label="Filter the jobs"
            novalidate
            on:submit=on_submit
        >
            <div class="filter-row">
                <div class="field" class:field-invalid=move || kind_error.with(Option::is_some)>
                    <label for="job-kind">"Kind"</label>
                    <input
                        id="job-kind"
                        type="text"
                        name="kind"
                        list="job-kinds"
                        autocomplete="off"
                        spellcheck="false"
                        aria-invalid=move || kind_error.with(Option::is_some).then_some("true")
                        aria-describedby=described_by(Some("job-kind-hint"), "job-kind-error", kind_error)
                        bind:value=kind
                    />
                    <p class="hint" id="job-kind-hint">
                        "The exact kind, like mail.deliver."
                    </p>
                    <FieldErrorText id="job-kind-error" error=kind_error />
                </div>
                <div
                    class="field field-narrow"
                    class:field-invalid=move || status_error.with(Option::is_some)
                >
                    <label for="job-status">"Status"</label>
                    <select
                        id="job-status"
                        name="status"
                        aria-invalid=move || status_error.with(Option::is_some).then_some("true")
                        aria-describedby=described_by(None, "job-status-error", status_error)
                        on:change=move |ev| status.set(event_target_value(&ev))
                    >
                        <option value="" prop:selected=move || status.with(String::is_empty)>
                            "Any status"
                        </option>
                        {status_options}
                    </select>
                    <FieldErrorText id="job-status-error" error=status_error />
                </div>
            </div>
            <datalist id="job-kinds">
                {KNOWN_KINDS
                    .into_iter()
                    .map(|kind| view! { <option value=kind></option> })
                    .collect_view()}
            </datalist>
            <div class="actions-row">
                <button id="apply-job-filters" type="submit" class="button button-primary">
                    "Apply filters"
                </button>
                <button id="clear-job-filters" type="button" class="button" on:click=clear>
                    "Clear filters"
                </button>
            </div>
        </form>
    }
}

/// The error message under a field, while there is one.
#[component]
fn FieldErrorText(id: &'static str, error: Signal<Option<String>>) -> impl IntoView {
    move || {
        error.get().map(|message| {
            view! {
                <p class="field-error" id=id>
                    {message}
                </p>
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_drafts_become_a_query_on_the_first_page_keeping_the_page_size() {
        let current = JobListQuery {
            page: Some(3),
            per_page: Some(50),
            ..JobListQuery::default()
        };
        let query = drafted_query(" mail.deliver ", "failed", &current).expect("valid");
        assert_eq!(
            query,
            JobListQuery {
                kind: Some("mail.deliver".into()),
                status: Some(JobStatus::Failed),
                page: None,
                per_page: Some(50),
            }
        );
        assert_eq!(
            drafted_query("", "", &JobListQuery::default()),
            Ok(JobListQuery::default())
        );
    }

    #[test]
    fn a_kind_with_spaces_is_explained_by_the_querys_own_parser() {
        let errors = drafted_query("mail deliver", "", &JobListQuery::default())
            .expect_err("spaces are not a kind");
        assert_eq!(errors[0].field, "kind");
        assert_eq!(errors[0].message, "Use a job kind such as housekeeping.");
    }
}
