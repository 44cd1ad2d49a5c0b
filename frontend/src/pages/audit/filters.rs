//! The Audit page's filter form. What is typed stays a draft until "Apply
//! filters"; it is checked with the query's own parser, so the form and the API
//! give the same explanations, and then goes to the address.
//!
//! Dates are picked in the browser's time zone and both ends are included: the
//! form sends the start of the "From" day and the end of the "To" day as
//! instants.

use crate::dates::{from_date_value, from_param, to_date_value, to_param};
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use roster_types::{AuditEventQuery, AuditOutcome, FieldError, ListQuery};

use super::query::AuditAddress;
use crate::components::focus;

/// One text filter: its parameter, input id, label and hint.
struct TextFilter {
    key: &'static str,
    id: &'static str,
    label: &'static str,
    hint: &'static str,
}

/// The text filters, in form order.
const TEXT_FILTERS: [TextFilter; 7] = [
    TextFilter {
        key: "action",
        id: "audit-action",
        label: "Action",
        hint: "Exact, like user.created, or a prefix ending in a dot, like user.",
    },
    TextFilter {
        key: "actor_id",
        id: "audit-actor-id",
        label: "Actor id",
        hint: "The user who acted.",
    },
    TextFilter {
        key: "target_user_id",
        id: "audit-target-user-id",
        label: "Target user id",
        hint: "Events about this user or their team memberships.",
    },
    TextFilter {
        key: "target_type",
        id: "audit-target-type",
        label: "Target type",
        hint: "user, team, team_member or session.",
    },
    TextFilter {
        key: "target_id",
        id: "audit-target-id",
        label: "Target id",
        hint: "team_id/user_id for a membership.",
    },
    TextFilter {
        key: "session_id",
        id: "audit-session-id",
        label: "Session id",
        hint: "",
    },
    TextFilter {
        key: "request_id",
        id: "audit-request-id",
        label: "Request id",
        hint: "The X-Request-Id of one request.",
    },
];

/// The kinds of target the API records, offered as suggestions.
const TARGET_TYPES: [&str; 4] = ["user", "team", "team_member", "session"];

/// The form's fields in order, for focusing the first wrong one: parameter
/// and input id.
const FIELD_IDS: [(&str, &str); 10] = [
    ("action", "audit-action"),
    ("outcome", "audit-outcome"),
    ("actor_id", "audit-actor-id"),
    ("target_user_id", "audit-target-user-id"),
    ("target_type", "audit-target-type"),
    ("target_id", "audit-target-id"),
    ("session_id", "audit-session-id"),
    ("request_id", "audit-request-id"),
    ("from", "audit-from"),
    ("to", "audit-to"),
];

/// What the form holds, as typed.
#[derive(Clone, Copy)]
struct Drafts {
    /// In [`TEXT_FILTERS`] order.
    text: [RwSignal<String>; 7],
    outcome: RwSignal<String>,
    from: RwSignal<String>,
    to: RwSignal<String>,
}

impl Drafts {
    fn new() -> Self {
        Self {
            text: std::array::from_fn(|_| RwSignal::new(String::new())),
            outcome: RwSignal::new(String::new()),
            from: RwSignal::new(String::new()),
            to: RwSignal::new(String::new()),
        }
    }

    /// Shows what `address` asks for.
    fn fill(&self, address: &AuditAddress) {
        for (filter, draft) in TEXT_FILTERS.iter().zip(self.text) {
            draft.set(address.raw(filter.key));
        }
        self.outcome.set(
            address
                .query
                .outcome
                .map(|o| o.as_str().to_string())
                .unwrap_or_default(),
        );
        self.from
            .set(address.query.from.map(from_date_value).unwrap_or_default());
        self.to
            .set(address.query.to.map(to_date_value).unwrap_or_default());
    }

    /// The query the form describes, on page 1 with `current`'s page size; or
    /// what is wrong with it.
    fn query(&self, current: &AuditEventQuery) -> Result<AuditEventQuery, Vec<FieldError>> {
        let mut pairs: Vec<(&str, String)> = TEXT_FILTERS
            .iter()
            .zip(self.text)
            .map(|(filter, draft)| (filter.key, draft.get_untracked()))
            .collect();
        pairs.push(("outcome", self.outcome.get_untracked()));
        pairs.push(("from", from_param(&self.from.get_untracked(), current.from)));
        pairs.push(("to", to_param(&self.to.get_untracked(), current.to)));
        AuditEventQuery::from_pairs(pairs.iter().map(|(key, value)| (*key, value.as_str()))).map(
            |query| AuditEventQuery {
                page: None,
                per_page: current.per_page,
                ..query
            },
        )
    }
}

/// The filter form over the address's query; `go` takes the query to show.
#[component]
pub fn AuditFilters(address: Memo<AuditAddress>, go: Callback<AuditEventQuery>) -> impl IntoView {
    let drafts = Drafts::new();
    let errors = RwSignal::new(Vec::<FieldError>::new());
    // The address is the truth: a new one (Apply, Back, a link) refills the form.
    Effect::new(move |_| {
        address.with(|address| {
            drafts.fill(address);
            errors.set(address.errors.clone());
        });
    });
    let error_of = move |key: &'static str| {
        Signal::derive(move || {
            errors.with(|errors| {
                errors
                    .iter()
                    .filter(|error| error.field == key)
                    .map(|error| error.message.clone())
                    .reduce(|a, b| format!("{a} {b}"))
            })
        })
    };

    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        match drafts.query(&address.with_untracked(|a| a.query.clone())) {
            Ok(query) => {
                errors.set(Vec::new());
                go.run(query);
            }
            Err(invalid) => {
                if let Some((_, id)) = FIELD_IDS
                    .iter()
                    .find(|(key, _)| invalid.iter().any(|error| error.field == *key))
                {
                    focus(id);
                }
                errors.set(invalid);
            }
        }
    };
    let clear = move |_| {
        let per_page = address.with_untracked(|a| a.query.per_page);
        errors.set(Vec::new());
        go.run(AuditEventQuery {
            per_page,
            ..AuditEventQuery::default()
        });
    };

    let text_fields = TEXT_FILTERS
        .iter()
        .zip(drafts.text)
        .map(|(filter, value)| {
            let list = (filter.key == "target_type").then_some("audit-target-types");
            let hint = (!filter.hint.is_empty()).then_some(filter.hint);
            view! {
                <FilterField
                    id=filter.id
                    label=filter.label
                    name=filter.key
                    value
                    error=error_of(filter.key)
                    hint
                    list
                />
            }
        })
        .collect_view();
    let outcome_error = error_of("outcome");
    let outcome_options = AuditOutcome::ALL
        .into_iter()
        .map(|outcome| {
            view! {
                <option
                    value=outcome.as_str()
                    prop:selected=move || drafts.outcome.with(|o| o == outcome.as_str())
                >
                    {outcome.label()}
                </option>
            }
        })
        .collect_view();

    view! {
        <form
            id="audit-filters"
            class="audit-filters panel-form"
            role="search"
            aria-label="Filter the audit trail"
            novalidate
            on:submit=on_submit
        >
            <div class="audit-filter-grid">
                {text_fields}
                <div class="field" class:field-invalid=move || outcome_error.with(Option::is_some)>
                    <label for="audit-outcome">"Outcome"</label>
                    <select
                        id="audit-outcome"
                        name="outcome"
                        aria-invalid=move || outcome_error.with(Option::is_some).then_some("true")
                        aria-describedby=move || {
                            outcome_error.with(Option::is_some).then_some("audit-outcome-error")
                        }
                        on:change=move |ev| drafts.outcome.set(event_target_value(&ev))
                    >
                        <option value="" prop:selected=move || drafts.outcome.with(String::is_empty)>
                            "Any outcome"
                        </option>
                        {outcome_options}
                    </select>
                    <FieldErrorText id="audit-outcome-error" error=outcome_error />
                </div>
                <FilterField
                    id="audit-from"
                    label="From"
                    name="from"
                    input_type="date"
                    value=drafts.from
                    error=error_of("from")
                    hint=Some("On or after this day.")
                />
                <FilterField
                    id="audit-to"
                    label="To"
                    name="to"
                    input_type="date"
                    value=drafts.to
                    error=error_of("to")
                    hint=Some("Up to the end of this day.")
                />
            </div>
            <datalist id="audit-target-types">
                {TARGET_TYPES
                    .into_iter()
                    .map(|kind| view! { <option value=kind></option> })
                    .collect_view()}
            </datalist>
            <div class="actions-row">
                <button id="apply-audit-filters" type="submit" class="button button-primary">
                    "Apply filters"
                </button>
                <button id="clear-audit-filters" type="button" class="button" on:click=clear>
                    "Clear filters"
                </button>
            </div>
        </form>
    }
}

/// An optional filter input with its label, hint and error message (in
/// `#<id>-hint` and `#<id>-error`, linked with `aria-describedby`).
#[component]
fn FilterField(
    id: &'static str,
    label: &'static str,
    name: &'static str,
    value: RwSignal<String>,
    #[prop(into)] error: Signal<Option<String>>,
    #[prop(default = "text")] input_type: &'static str,
    /// A line under the label saying what to type.
    #[prop(optional_no_strip)]
    hint: Option<&'static str>,
    /// The id of a `<datalist>` of suggestions.
    #[prop(optional_no_strip)]
    list: Option<&'static str>,
) -> impl IntoView {
    let hint_id = format!("{id}-hint");
    let error_id = format!("{id}-error");
    let invalid = move || error.with(Option::is_some);
    let described_by = {
        let (hint_id, error_id) = (hint_id.clone(), error_id.clone());
        move || {
            let ids: Vec<&str> = [
                hint.is_some().then_some(hint_id.as_str()),
                invalid().then_some(error_id.as_str()),
            ]
            .into_iter()
            .flatten()
            .collect();
            (!ids.is_empty()).then(|| ids.join(" "))
        }
    };
    view! {
        <div class="field" class:field-invalid=invalid>
            <label for=id>{label}</label>
            <input
                id=id
                type=input_type
                name=name
                list=list
                autocomplete="off"
                spellcheck="false"
                aria-invalid=move || invalid().then_some("true")
                aria-describedby=described_by
                bind:value=value
            />
            {hint.map(|hint| view! { <p class="hint" id=hint_id>{hint}</p> })}
            <FieldErrorText id=error_id error />
        </div>
    }
}

/// The error message under a field, while there is one.
#[component]
fn FieldErrorText(#[prop(into)] id: String, error: Signal<Option<String>>) -> impl IntoView {
    move || {
        error.get().map(|message| {
            view! {
                <p class="field-error" id=id.clone()>
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
    fn every_filter_parameter_has_a_field_to_focus() {
        for filter in &TEXT_FILTERS {
            assert!(
                FIELD_IDS.contains(&(filter.key, filter.id)),
                "{}",
                filter.key
            );
        }
        for key in super::super::query::PARAMS {
            assert!(
                matches!(key, "page" | "per_page") || FIELD_IDS.iter().any(|(k, _)| *k == key),
                "{key}"
            );
        }
    }
}
