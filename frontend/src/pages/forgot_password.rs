//! "Forgot password?": asking for a link to choose a new password.

use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use roster_types::PasswordResetRequest;
use roster_types::validate::{check_email, normalise_email};

use crate::api::{Api, ApiError};
use crate::components::form_field::FormField;
use crate::components::set_page_title;
use crate::format::wait_time;
use crate::routes::Page;

/// What the page says once the request went through. The same whether or not
/// the account exists, so the page does not tell who has one.
pub const RESET_SENT: &str =
    "If an account exists for that address, we have sent a link to choose a new password.";

/// The sentence for a failed request.
fn reset_failure_message(error: &ApiError) -> String {
    match error.code() {
        Some("too_many_attempts" | "too_many_requests") => match error.retry_after() {
            Some(seconds) => format!("Too many requests. Try again in {}.", wait_time(seconds)),
            None => "Too many requests. Try again later.".into(),
        },
        _ => error.to_string(),
    }
}

/// The email form, then the "we have sent a link" message.
#[component]
pub fn ForgotPasswordPage() -> impl IntoView {
    set_page_title("Forgot password");
    let api = Api::expect();
    let email = RwSignal::new(String::new());
    let email_error = RwSignal::new(None::<String>);
    let form_error = RwSignal::new(None::<String>);
    let sent = RwSignal::new(false);

    let request = Action::new_local(move |request: &PasswordResetRequest| {
        let request = request.clone();
        async move { api.request_password_reset(&request).await }
    });
    Effect::new(move |_| match request.value().get() {
        Some(Ok(())) => {
            form_error.set(None);
            sent.set(true);
        }
        Some(Err(error)) => match error.field_error("email") {
            Some(message) => {
                form_error.set(None);
                email_error.set(Some(message.to_owned()));
            }
            None => form_error.set(Some(reset_failure_message(&error))),
        },
        None => {}
    });

    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if request.pending().get_untracked() {
            return;
        }
        let address = normalise_email(&email.get_untracked());
        let invalid = check_email(&address).err();
        let stop = invalid.is_some();
        email_error.set(invalid);
        form_error.set(None);
        if !stop {
            request.dispatch_local(PasswordResetRequest { email: address });
        }
    };
    let sign_in = Page::Login.to_string();

    view! {
        <main class="standalone" id="main">
            <div class="sign-in-card">
                <p class="brand brand-large">"Roster"</p>
                <h1>"Forgot password"</h1>
                <Show
                    when=move || sent.get()
                    fallback=move || {
                        view! {
                            <p class="hint">
                                "Enter the email address you sign in with and we will send you a link to choose a new password."
                            </p>
                            <form class="form" novalidate on:submit=on_submit>
                                {move || {
                                    form_error
                                        .get()
                                        .map(|message| {
                                            view! {
                                                <div id="reset-error" class="banner banner-error" role="alert">
                                                    {message}
                                                </div>
                                            }
                                        })
                                }}
                                <FormField
                                    id="reset-email"
                                    label="Email"
                                    input_type="email"
                                    name="email"
                                    autocomplete="username"
                                    value=email
                                    error=email_error
                                />
                                <button
                                    id="send-reset"
                                    type="submit"
                                    class="button button-primary button-block"
                                    disabled=move || request.pending().get()
                                >
                                    {move || if request.pending().get() { "Sending…" } else { "Send link" }}
                                </button>
                            </form>
                        }
                    }
                >
                    <p id="reset-sent" class="banner banner-info" role="status">
                        {RESET_SENT}
                    </p>
                </Show>
                <a id="back-to-sign-in" class="back-link" href=sign_in>
                    "Back to sign in"
                </a>
            </div>
        </main>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use roster_types::Problem;

    fn too_many(retry_after: Option<u64>) -> ApiError {
        ApiError::Problem {
            problem: Box::new(Problem {
                kind: "about:blank".into(),
                title: "Too many attempts.".into(),
                status: 429,
                detail: None,
                code: "too_many_attempts".into(),
                errors: Vec::new(),
            }),
            retry_after,
        }
    }

    #[test]
    fn being_rate_limited_says_how_long_to_wait() {
        assert_eq!(
            reset_failure_message(&too_many(Some(900))),
            "Too many requests. Try again in 15 minutes."
        );
        assert_eq!(
            reset_failure_message(&too_many(Some(1))),
            "Too many requests. Try again in 1 second."
        );
        assert_eq!(
            reset_failure_message(&too_many(None)),
            "Too many requests. Try again later."
        );
    }
}
