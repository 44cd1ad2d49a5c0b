//! The Password section of one's own Profile tab: choosing a new password with
//! the current one. Other sessions end; this one goes on.

use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use roster_types::ChangePasswordRequest;

use crate::api::Api;
use crate::components::form_field::FormField;
use crate::components::password_meter::{Estimate, PasswordMeter};
use crate::pages::set_password::{
    PASSWORD_MAX_CHARS, PASSWORD_MIN_CHARS, confirmation_error, password_length_error,
};

/// "Change your password", with its own form; `notice` takes the success
/// message.
#[component]
pub fn ChangePasswordSection(notice: RwSignal<Option<String>>) -> impl IntoView {
    let api = Api::expect();
    let open = RwSignal::new(false);
    let current = RwSignal::new(String::new());
    let new = RwSignal::new(String::new());
    let confirmation = RwSignal::new(String::new());
    let current_error = RwSignal::new(None::<String>);
    let new_error = RwSignal::new(None::<String>);
    let confirmation_error_text = RwSignal::new(None::<String>);
    let failure = RwSignal::new(None::<String>);
    let estimate = RwSignal::new(None::<Estimate>);

    let reset = move || {
        for field in [current, new, confirmation] {
            field.set(String::new());
        }
        for error in [current_error, new_error, confirmation_error_text, failure] {
            error.set(None);
        }
    };
    let save = Action::new_local(move |request: &ChangePasswordRequest| {
        let request = request.clone();
        async move { api.change_password(&request).await }
    });
    Effect::new(move |_| match save.value().get() {
        Some(Ok(())) => {
            reset();
            open.set(false);
            notice.set(Some(
                "Your password is changed. Your other sessions were signed out.".into(),
            ));
        }
        Some(Err(error)) => {
            let on_current = error.field_error("current_password").map(str::to_owned);
            let on_new = error.field_error("new_password").map(str::to_owned);
            if on_current.is_none() && on_new.is_none() {
                failure.set(Some(error.to_string()));
            }
            current_error.set(on_current);
            new_error.set(on_new);
        }
        None => {}
    });

    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if save.pending().get_untracked() {
            return;
        }
        let typed = new.get_untracked();
        let now = current.get_untracked();
        let missing = now
            .is_empty()
            .then(|| "Enter your current password.".to_string());
        let weak = estimate
            .get_untracked()
            .filter(|e| e.password == typed)
            .and_then(|e| e.refusal());
        let length = password_length_error(&typed).or(weak);
        let mismatch = confirmation_error(&typed, &confirmation.get_untracked());
        let invalid = missing.is_some() || length.is_some() || mismatch.is_some();
        current_error.set(missing);
        new_error.set(length);
        confirmation_error_text.set(mismatch);
        failure.set(None);
        if !invalid {
            save.dispatch_local(ChangePasswordRequest {
                current_password: now,
                new_password: typed,
            });
        }
    };

    view! {
        <section class="password-section" aria-labelledby="password-section-title">
            <h2 class="section-title" id="password-section-title">"Password"</h2>
            <Show
                when=move || open.get()
                fallback=move || {
                    view! {
                        <div class="actions-row">
                            <button
                                id="change-password"
                                type="button"
                                class="button"
                                on:click=move |_| open.set(true)
                            >
                                "Change password"
                            </button>
                        </div>
                    }
                }
            >
                {move || {
                    failure
                        .get()
                        .map(|message| {
                            view! {
                                <p id="change-password-error" class="banner banner-error" role="alert">
                                    {message}
                                </p>
                            }
                        })
                }}
                <form id="change-password-form" class="form" novalidate on:submit=on_submit>
                    <FormField
                        id="current-password"
                        label="Current password"
                        input_type="password"
                        name="current-password"
                        autocomplete="current-password"
                        value=current
                        error=current_error
                    />
                    <FormField
                        id="changed-password"
                        label="New password"
                        input_type="password"
                        name="new-password"
                        autocomplete="new-password"
                        value=new
                        error=new_error
                    />
                    <p class="hint">
                        {format!(
                            "Use {PASSWORD_MIN_CHARS} to {PASSWORD_MAX_CHARS} characters that would be hard to guess, and not your email address.",
                        )}
                    </p>
                    <PasswordMeter id="changed-password-strength" password=new estimate />
                    <FormField
                        id="changed-password-confirm"
                        label="Confirm new password"
                        input_type="password"
                        name="confirm-new-password"
                        autocomplete="new-password"
                        value=confirmation
                        error=confirmation_error_text
                    />
                    <div class="actions-row">
                        <button
                            id="save-password"
                            type="submit"
                            class="button button-primary"
                            disabled=move || save.pending().get()
                        >
                            "Save new password"
                        </button>
                        <button
                            type="button"
                            class="button button-quiet"
                            on:click=move |_| {
                                reset();
                                open.set(false);
                            }
                        >
                            "Cancel"
                        </button>
                    </div>
                </form>
            </Show>
        </section>
    }
}
