//! A labelled text input with its error message underneath.

use leptos::prelude::*;

/// A labelled input bound to `value`. The error, when there is one, sits in
/// `#<id>-error` and is linked with `aria-describedby`.
#[component]
pub fn FormField(
    /// The input's id, which the label points at.
    id: &'static str,
    /// The visible label.
    label: &'static str,
    /// The text typed so far.
    value: RwSignal<String>,
    /// What is wrong with the value, if anything.
    #[prop(into)]
    error: Signal<Option<String>>,
    /// The input's `type`.
    #[prop(default = "text")]
    input_type: &'static str,
    /// The input's `name`.
    #[prop(optional)]
    name: Option<&'static str>,
    /// The browser autofill hint.
    #[prop(optional)]
    autocomplete: Option<&'static str>,
) -> impl IntoView {
    let error_id = format!("{id}-error");
    let invalid = move || error.with(Option::is_some);
    let described_by = {
        let error_id = error_id.clone();
        move || invalid().then(|| error_id.clone())
    };
    view! {
        <div class="field" class:field-invalid=invalid>
            <label for=id>{label}</label>
            <input
                id=id
                type=input_type
                name=name
                autocomplete=autocomplete
                aria-required="true"
                aria-invalid=move || invalid().then_some("true")
                aria-describedby=described_by
                bind:value=value
            />
            {move || {
                error
                    .get()
                    .map(|message| {
                        view! {
                            <p class="field-error" id=error_id.clone()>
                                {message}
                            </p>
                        }
                    })
            }}
        </div>
    }
}
