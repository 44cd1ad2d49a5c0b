//! Choosing a password from an emailed link: the welcome link of a new account
//! and the password-reset link both land here with `?token=...`.

use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::NavigateOptions;
use leptos_router::hooks::{use_location, use_navigate};
use roster_types::{LoginRequest, PasswordLink, PasswordLinkPurpose, SetPasswordRequest};
use wasm_bindgen::JsValue;

use crate::api::{Api, ApiError};
use crate::components::focus;
use crate::components::form_field::FormField;
use crate::components::password_meter::{Estimate, PasswordMeter};
use crate::components::set_page_title;
use crate::components::shell::Loading;
use crate::format::count_of;
use crate::routes::{Page, query_param};
use crate::session::Session;

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

/// Where the link of the address stands, asked of the server when the page
/// opens.
#[derive(Debug, Clone, PartialEq, Eq)]
enum LinkState {
    Checking,
    /// The link works: the form, naming the account.
    Ready(PasswordLink),
    /// Checking failed for a reason that may pass (network, server).
    Unchecked(String),
    /// The link cannot be used (the alert above says why).
    Refused,
}

/// What the page says about a link that cannot be used, by its problem code.
fn link_advice(code: Option<&str>) -> &'static str {
    match code {
        Some("token_used") => {
            "If you set your password with it, sign in with that password. Otherwise use \u{201c}Forgot password?\u{201d} to get a new link by email."
        }
        _ => NEW_LINK_ADVICE,
    }
}

/// "Choose your password", for the token in the address. The link is checked
/// at once: a used or expired one says so (and what to do) before anything is
/// typed; a working one names its account. A live meter rates the password as
/// it is typed, and once it is set the person is signed in.
#[component]
pub fn SetPasswordPage() -> impl IntoView {
    set_page_title("Choose your password");
    let api = Api::expect();
    let session = Session::expect();
    let navigate = use_navigate();
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
    let advice = RwSignal::new(NEW_LINK_ADVICE);
    let state = RwSignal::new(LinkState::Checking);
    let token = StoredValue::new(token);
    let password = RwSignal::new(String::new());
    let confirmation = RwSignal::new(String::new());
    let password_error = RwSignal::new(None::<String>);
    let confirmation_error_text = RwSignal::new(None::<String>);
    let estimate = RwSignal::new(None::<Estimate>);
    let done = RwSignal::new(false);

    let check = move || {
        let Some(token) = token.get_value() else {
            return;
        };
        state.set(LinkState::Checking);
        spawn_local(async move {
            match api.password_link(&token).await {
                Ok(link) => {
                    if link.purpose == PasswordLinkPurpose::Reset {
                        set_page_title("Choose a new password");
                    }
                    state.set(LinkState::Ready(link));
                    request_animation_frame(|| focus("new-password"));
                }
                Err(error) if is_link_problem(&error) => {
                    advice.set(link_advice(error.code()));
                    failure.set(Some(Failure::of(&error)));
                    state.set(LinkState::Refused);
                }
                Err(error) if error.is_retryable() => {
                    state.set(LinkState::Unchecked(error.to_string()));
                }
                // A suspended account, say: the alert says so, and there is
                // nothing to fill in.
                Err(error) => {
                    failure.set(Some(Failure::of(&error)));
                    state.set(LinkState::Refused);
                }
            }
        });
    };
    check();

    // Sets the password, then signs in with it. Signing in can fail on its
    // own (a throttle, say): the password is set all the same, and the page
    // says so with a way to sign in.
    let save = Action::new_local(move |(request, email): &(SetPasswordRequest, String)| {
        let request = request.clone();
        let login = LoginRequest {
            email: email.clone(),
            password: request.password.clone(),
        };
        async move {
            api.set_password(&request).await?;
            Ok::<_, ApiError>(api.login(&login).await.ok())
        }
    });
    Effect::new(move |_| match save.value().get() {
        Some(Ok(signed_in)) => {
            forget_token_in_history();
            token.set_value(None);
            password.set(String::new());
            confirmation.set(String::new());
            failure.set(None);
            match signed_in {
                Some(me) => {
                    session.signed_in(me);
                    let home = session.home().to_string();
                    navigate(
                        &home,
                        NavigateOptions {
                            replace: true,
                            ..NavigateOptions::default()
                        },
                    );
                }
                None => {
                    done.set(true);
                    request_animation_frame(|| focus("set-password-done"));
                }
            }
        }
        Some(Err(error)) => match error.field_error("password") {
            Some(message) => {
                failure.set(None);
                password_error.set(Some(message.to_owned()));
                focus("new-password");
            }
            None => {
                if is_link_problem(&error) {
                    advice.set(link_advice(error.code()));
                }
                failure.set(Some(Failure::of(&error)));
            }
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
        let LinkState::Ready(link) = state.get_untracked() else {
            return;
        };
        let typed = password.get_untracked();
        // The estimate of exactly this password, when it has come back, is
        // the server's own rule: a refused password need not travel.
        let weak = estimate
            .get_untracked()
            .filter(|e| e.password == typed)
            .and_then(|e| e.refusal());
        let length = password_length_error(&typed).or(weak);
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
        save.dispatch_local((
            SetPasswordRequest {
                token,
                password: typed,
            },
            link.email,
        ));
    };

    let link_broken = move || failure.with(|f| matches!(f, Some(Failure::Link(_))));
    let forgot = Page::ForgotPassword.to_string();
    let sign_in = Page::Login.to_string();
    let heading = move || match state.get() {
        LinkState::Ready(link) if link.purpose == PasswordLinkPurpose::Reset => {
            "Choose a new password"
        }
        _ => "Choose your password",
    };

    view! {
        <main class="standalone" id="main">
            <div class="sign-in-card">
                <p class="brand brand-large">"Roster"</p>
                <h1 id="set-password-heading">{heading}</h1>
                {move || {
                    failure
                        .get()
                        .map(|failure| {
                            let forgot = forgot.clone();
                            let sign_in = Page::Login.to_string();
                            match failure {
                                Failure::Link(message) => {
                                    view! {
                                        <div id="set-password-error" class="banner banner-error" role="alert">
                                            <p>{message} " " {move || advice.get()}</p>
                                            <p class="actions-row">
                                                <a id="forgot-password-link" href=forgot>
                                                    "Forgot password?"
                                                </a>
                                                <a id="set-password-sign-in" href=sign_in>
                                                    "Sign in"
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
                                {move || match state.get() {
                                    LinkState::Checking => {
                                        view! { <Loading label="Checking your link…" /> }.into_any()
                                    }
                                    LinkState::Refused => ().into_any(),
                                    LinkState::Unchecked(message) => {
                                        view! {
                                            <div id="set-password-unchecked" class="banner banner-error" role="alert">
                                                <p>{message}</p>
                                                <button
                                                    id="set-password-retry"
                                                    type="button"
                                                    class="button"
                                                    on:click=move |_| check()
                                                >
                                                    "Try again"
                                                </button>
                                            </div>
                                        }
                                            .into_any()
                                    }
                                    LinkState::Ready(link) => {
                                        let token = token.get_value();
                                        view! {
                                            <p id="set-password-account" class="account-line">
                                                "For " <strong>{link.full_name.clone()}</strong> " ("
                                                <span id="set-password-email">{link.email.clone()}</span> ")"
                                            </p>
                                            <form class="form" novalidate on:submit=on_submit>
                                                // For password managers: which account the new password is for.
                                                <input
                                                    type="email"
                                                    name="username"
                                                    autocomplete="username"
                                                    value=link.email.clone()
                                                    readonly
                                                    hidden
                                                />
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
                                                        "Use {PASSWORD_MIN_CHARS} to {PASSWORD_MAX_CHARS} characters that would be hard to guess: a few uncommon words work well.",
                                                    )}
                                                </p>
                                                <PasswordMeter
                                                    id="new-password-strength"
                                                    password
                                                    estimate
                                                    token=token.unwrap_or_default()
                                                />
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
                                                        if save.pending().get() {
                                                            "Saving…"
                                                        } else {
                                                            "Set password and sign in"
                                                        }
                                                    }}
                                                </button>
                                            </form>
                                        }
                                            .into_any()
                                    }
                                }}
                            </Show>
                        }
                    }
                >
                    <div id="set-password-done" class="banner banner-info" role="status" tabindex="-1">
                        <p>"Your password is set. Sign in with it to continue."</p>
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
