//! Choosing a password from an emailed link: the welcome link of a new account
//! and the password-reset link both land here with `?token=...`.

use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos_router::hooks::use_location;
use roster_types::SetPasswordRequest;
use wasm_bindgen::JsValue;

use crate::api::{Api, ApiError};
use crate::components::focus;
use crate::components::form_field::FormField;
use crate::components::set_page_title;
use crate::format::count_of;
use crate::routes::{Page, query_param};

pub use roster_types::validate::MAX_PASSWORD_LEN as PASSWORD_MAX_CHARS;
pub use roster_types::validate::MIN_PASSWORD_LEN as PASSWORD_MIN_CHARS;

/// What is wrong with the length of `password`, if anything.
pub fn password_length_error(password: &str) -> Option<String> {
    let chars = password.chars().count();
    if chars == 0 {
        Some("Enter a password.".into())
    } else if chars < PASSWORD_MIN_CHARS {
        Some(format!(
            "Use at least {}.",
            count_of(PASSWORD_MIN_CHARS as u64, "character", "characters")
        ))
    } else if chars > PASSWORD_MAX_CHARS {
        Some(format!(
            "Use at most {}.",
            count_of(PASSWORD_MAX_CHARS as u64, "character", "characters")
        ))
    } else {
        None
    }
}

/// What is wrong with the confirmation, if anything.
pub fn confirmation_error(password: &str, confirmation: &str) -> Option<String> {
    if confirmation.is_empty() {
        Some("Enter the password again.".into())
    } else if confirmation != password {
        Some("The two passwords are not the same.".into())
    } else {
        None
    }
}

/// Whether the link itself is the problem (invalid, expired or already used),
/// so that only a new link helps.
fn is_link_problem(error: &ApiError) -> bool {
    matches!(
        error.code(),
        Some("token_invalid" | "token_expired" | "token_used")
    )
}

/// What to do about a link that does not work.
const NEW_LINK_ADVICE: &str =
    "Ask your admin for a new link, or use \u{201c}Forgot password?\u{201d} to get one by email.";

/// What the alert above the form says.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Failure {
    /// The link cannot be used: the form goes away and the advice shows.
    Link(String),
    /// Anything else (suspended account, server trouble): try again later.
    Other(String),
}

impl Failure {
    fn of(error: &ApiError) -> Self {
        if is_link_problem(error) {
            Failure::Link(error.to_string())
        } else {
            Failure::Other(error.to_string())
        }
    }
}

/// Drops the used token from the address bar and the history entry, so it does
/// not linger where someone else could find it.
fn forget_token_in_history() {
    if let Ok(history) = window().history() {
        _ = history.replace_state_with_url(
            &JsValue::NULL,
            "",
            Some(&Page::SetPassword.to_string()),
        );
    }
}

/// "Choose your password", for the token in the address.
#[component]
pub fn SetPasswordPage() -> impl IntoView {
    set_page_title("Choose your password");
    let api = Api::expect();
    let location = use_location();
    let token = location
        .search
        .with_untracked(|raw| query_param(raw, "token"))
        .filter(|token| !token.trim().is_empty());
    let failure = RwSignal::new(
        token
            .is_none()
            .then(|| Failure::Link("This link is not valid.".into())),
    );
    let token = StoredValue::new(token);
    let password = RwSignal::new(String::new());
    let confirmation = RwSignal::new(String::new());
    let password_error = RwSignal::new(None::<String>);
    let confirmation_error_text = RwSignal::new(None::<String>);
    let done = RwSignal::new(false);

    let save = Action::new_local(move |request: &SetPasswordRequest| {
        let request = request.clone();
        async move { api.set_password(&request).await }
    });
    Effect::new(move |_| match save.value().get() {
        Some(Ok(())) => {
            forget_token_in_history();
            token.set_value(None);
            password.set(String::new());
            confirmation.set(String::new());
            failure.set(None);
            done.set(true);
            request_animation_frame(|| focus("set-password-done"));
        }
        Some(Err(error)) => match error.field_error("password") {
            Some(message) => {
                failure.set(None);
                password_error.set(Some(message.to_owned()));
                focus("new-password");
            }
            None => failure.set(Some(Failure::of(&error))),
        },
        None => {}
    });

    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if save.pending().get_untracked() {
            return;
        }
        let Some(token) = token.get_value() else {
            return;
        };
        let typed = password.get_untracked();
        let length = password_length_error(&typed);
        let mismatch = confirmation_error(&typed, &confirmation.get_untracked());
        let invalid = length.is_some() || mismatch.is_some();
        password_error.set(length.clone());
        confirmation_error_text.set(mismatch);
        if invalid {
            focus(if length.is_some() {
                "new-password"
            } else {
                "confirm-password"
            });
            return;
        }
        failure.set(None);
        save.dispatch_local(SetPasswordRequest {
            token,
            password: typed,
        });
    };

    let link_broken = move || failure.with(|f| matches!(f, Some(Failure::Link(_))));
    let forgot = Page::ForgotPassword.to_string();
    let sign_in = Page::Login.to_string();

    view! {
        <main class="standalone" id="main">
            <div class="sign-in-card">
                <p class="brand brand-large">"Roster"</p>
                <h1>"Choose your password"</h1>
                {move || {
                    failure
                        .get()
                        .map(|failure| {
                            let forgot = forgot.clone();
                            match failure {
                                Failure::Link(message) => {
                                    view! {
                                        <div id="set-password-error" class="banner banner-error" role="alert">
                                            <p>{message} " " {NEW_LINK_ADVICE}</p>
                                            <p>
                                                <a id="forgot-password-link" href=forgot>
                                                    "Forgot password?"
                                                </a>
                                            </p>
                                        </div>
                                    }
                                        .into_any()
                                }
                                Failure::Other(message) => {
                                    view! {
                                        <div id="set-password-error" class="banner banner-error" role="alert">
                                            {message}
                                        </div>
                                    }
                                        .into_any()
                                }
                            }
                        })
                }}
                <Show
                    when=move || done.get()
                    fallback=move || {
                        view! {
                            <Show when=move || !link_broken()>
                                <form class="form" novalidate on:submit=on_submit>
                                    <FormField
                                        id="new-password"
                                        label="New password"
                                        input_type="password"
                                        name="new-password"
                                        autocomplete="new-password"
                                        value=password
                                        error=password_error
                                    />
                                    <p class="hint" id="new-password-hint">
                                        {format!(
                                            "Use {PASSWORD_MIN_CHARS} to {PASSWORD_MAX_CHARS} characters, and not your email address.",
                                        )}
                                    </p>
                                    <FormField
                                        id="confirm-password"
                                        label="Confirm password"
                                        input_type="password"
                                        name="confirm-password"
                                        autocomplete="new-password"
                                        value=confirmation
                                        error=confirmation_error_text
                                    />
                                    <button
                                        id="set-password"
                                        type="submit"
                                        class="button button-primary button-block"
                                        disabled=move || save.pending().get()
                                    >
                                        {move || {
                                            if save.pending().get() { "Saving…" } else { "Set password" }
                                        }}
                                    </button>
                                </form>
                            </Show>
                        }
                    }
                >
                    <div id="set-password-done" class="banner banner-info" role="status" tabindex="-1">
                        <p>"Your password is set. You can now sign in with it."</p>
                    </div>
                    <a id="go-to-sign-in" class="button button-primary button-block" href=sign_in.clone()>
                        "Sign in"
                    </a>
                </Show>
            </div>
        </main>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use roster_types::Problem;

    fn problem(code: &str) -> ApiError {
        ApiError::Problem {
            problem: Box::new(Problem {
                kind: "about:blank".into(),
                title: "This link has expired.".into(),
                status: 410,
                detail: None,
                code: code.into(),
                errors: Vec::new(),
            }),
            retry_after: None,
        }
    }

    #[test]
    fn passwords_must_have_ten_to_a_hundred_and_twenty_eight_characters() {
        assert_eq!(
            password_length_error(""),
            Some("Enter a password.".to_string())
        );
        assert_eq!(
            password_length_error("123456789"),
            Some("Use at least 10 characters.".to_string())
        );
        assert_eq!(password_length_error("1234567890"), None);
        assert_eq!(password_length_error(&"x".repeat(128)), None);
        assert_eq!(
            password_length_error(&"x".repeat(129)),
            Some("Use at most 128 characters.".to_string())
        );
        // Characters, not bytes: ten accented letters are long enough.
        assert_eq!(password_length_error(&"é".repeat(10)), None);
    }

    #[test]
    fn the_confirmation_must_repeat_the_password() {
        assert_eq!(confirmation_error("correct horse", "correct horse"), None);
        assert_eq!(
            confirmation_error("correct horse", "correct house"),
            Some("The two passwords are not the same.".to_string())
        );
        assert_eq!(
            confirmation_error("correct horse", ""),
            Some("Enter the password again.".to_string())
        );
    }

    #[test]
    fn only_token_problems_count_as_a_broken_link() {
        for code in ["token_invalid", "token_expired", "token_used"] {
            assert_eq!(
                Failure::of(&problem(code)),
                Failure::Link("This link has expired.".into())
            );
        }
        assert!(matches!(
            Failure::of(&problem("account_suspended")),
            Failure::Other(_)
        ));
        assert!(matches!(Failure::of(&ApiError::Network), Failure::Other(_)));
    }
}
