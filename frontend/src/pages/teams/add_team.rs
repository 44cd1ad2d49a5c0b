//! The "Add team" dialog.

use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use roster_types::validate::{check_team_description, check_team_name};
use roster_types::{CreateTeamRequest, Team};

use crate::api::Api;
use crate::components::dialog::Dialog;
use crate::components::form_field::FormField;

use crate::components::focus;

/// A modal form that creates a team; `on_created` receives it.
#[component]
pub fn AddTeamDialog(on_close: Callback<()>, on_created: Callback<Team>) -> impl IntoView {
    let api = Api::expect();
    let name = RwSignal::new(String::new());
    let description = RwSignal::new(String::new());
    let name_error = RwSignal::new(None::<String>);
    let description_error = RwSignal::new(None::<String>);
    let form_error = RwSignal::new(None::<String>);

    let create = Action::new_local(move |request: &CreateTeamRequest| {
        let request = request.clone();
        async move { api.create_team(&request).await }
    });
    Effect::new(move |_| match create.value().get() {
        Some(Ok(team)) => on_created.run(team),
        Some(Err(error)) => {
            let on_name = error.field_error("name").map(str::to_owned).or_else(|| {
                (error.code() == Some("team_name_taken"))
                    .then(|| "A team with this name already exists.".to_string())
            });
            let on_description = error.field_error("description").map(str::to_owned);
            if on_name.is_none() && on_description.is_none() {
                form_error.set(Some(error.to_string()));
            }
            if on_name.is_some() {
                focus("new-team-name");
            } else if on_description.is_some() {
                focus("new-team-description");
            }
            name_error.set(on_name);
            description_error.set(on_description);
        }
        None => {}
    });

    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if create.pending().get_untracked() {
            return;
        }
        let request = CreateTeamRequest {
            name: name.get_untracked().trim().to_string(),
            description: description.get_untracked().trim().to_string(),
        };
        form_error.set(None);
        name_error.set(check_team_name(&request.name).err());
        description_error.set(check_team_description(&request.description).err());
        if name_error.with_untracked(Option::is_some) {
            focus("new-team-name");
        } else if description_error.with_untracked(Option::is_some) {
            focus("new-team-description");
        } else {
            create.dispatch_local(request);
        }
    };

    view! {
        <Dialog id="add-team-dialog" title="Add team" on_close>
            <form class="form" novalidate on:submit=on_submit>
                {move || {
                    form_error
                        .get()
                        .map(|message| {
                            view! {
                                <div class="banner banner-error" role="alert">
                                    {message}
                                </div>
                            }
                        })
                }}
                <FormField
                    id="new-team-name"
                    label="Name"
                    name="name"
                    autocomplete="off"
                    value=name
                    error=name_error
                />
                <DescriptionField id="new-team-description" value=description error=description_error />
                <div class="dialog-actions">
                    <button type="button" class="button" on:click=move |_| on_close.run(())>
                        "Cancel"
                    </button>
                    <button
                        type="submit"
                        id="create-team"
                        class="button button-primary"
                        disabled=move || create.pending().get()
                    >
                        {move || if create.pending().get() { "Adding…" } else { "Add team" }}
                    </button>
                </div>
            </form>
        </Dialog>
    }
}

/// The optional description: a labelled textarea with its error underneath
/// (`#<id>-error`).
#[component]
pub fn DescriptionField(
    id: &'static str,
    value: RwSignal<String>,
    #[prop(into)] error: Signal<Option<String>>,
) -> impl IntoView {
    let error_id = format!("{id}-error");
    let hint_id = format!("{id}-hint");
    let invalid = move || error.with(Option::is_some);
    let described_by = {
        let (error_id, hint_id) = (error_id.clone(), hint_id.clone());
        move || {
            if invalid() {
                format!("{hint_id} {error_id}")
            } else {
                hint_id.clone()
            }
        }
    };
    view! {
        <div class="field" class:field-invalid=invalid>
            <label for=id>"Description"</label>
            <textarea
                id=id
                name="description"
                rows="3"
                aria-invalid=move || invalid().then_some("true")
                aria-describedby=described_by
                prop:value=move || value.get()
                on:input=move |ev| value.set(event_target_value(&ev))
            ></textarea>
            <p class="hint" id=hint_id>"Optional. What the team is for."</p>
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
