//! The sign-in page.

use leptos::prelude::*;
use leptos_router::NavigateOptions;
use leptos_router::components::Redirect;
use leptos_router::hooks::use_location;
use roster_types::LoginRequest;

use crate::api::{Api, ApiError};
use crate::components::form_field::FormField;
use crate::components::set_page_title;
use crate::components::shell::Loading;
use crate::format::count_of;
use crate::routes::{Page, is_local_path, query_param};
use crate::session::{AuthStatus, Session, SignOutReason};

/// The sentence for a failed sign-in.
fn sign_in_message(error: &ApiError) -> String {
    match error.code() {
        Some("invalid_credentials") => "Wrong email or password.".into(),
        Some("too_many_attempts") => match error.retry_after() {
            Some(seconds) => format!(
                "Too many attempts. Try again in {}.",
                count_of(seconds, "second", "seconds")
            ),
            None => "Too many attempts. Try again later.".into(),
        },
        _ => error.to_string(),
    }
}

/// Email and password, then on to where the person was going.
#[component]
pub fn LoginPage() -> impl IntoView {
    set_page_title("Sign in");
    let session = Session::expect();
    let status = Memo::new(move |_| session.status());
    let location = use_location();
    let next = move || {
        location
            .search
            .with_untracked(|raw| query_param(raw, "next"))
            .filter(|path| is_local_path(path))
            .unwrap_or_else(|| session.home().to_string())
    };

    move || match status.get() {
        AuthStatus::Checking => view! { <Loading /> }.into_any(),
        AuthStatus::SignedIn => {
            let options = NavigateOptions {
                replace: true,
                ..NavigateOptions::default()
            };
            view! { <Redirect path=next() options /> }.into_any()
        }
        AuthStatus::SignedOut(reason) => view! { <LoginForm reason /> }.into_any(),
    }
}

#[component]
fn LoginForm(reason: SignOutReason) -> impl IntoView {
    let session = Session::expect();
    let api = Api::expect();
    let email = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let email_error = RwSignal::new(None::<String>);
    let password_error = RwSignal::new(None::<String>);

    let login = Action::new_local(move |request: &LoginRequest| {
        let request = request.clone();
        async move { api.login(&request).await }
    });
    let failure = move || login.value().get().and_then(Result::err);
    // Signing in swaps this page for a redirect, so it happens here, after the
    // action's task has finished, rather than inside it.
    Effect::new(move |_| match login.value().get() {
        Some(Ok(me)) => session.signed_in(me),
        // Server-side field errors land under the fields.
        Some(Err(error)) => {
            email_error.set(error.field_error("email").map(str::to_owned));
            password_error.set(error.field_error("password").map(str::to_owned));
        }
        None => {}
    });

    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if login.pending().get_untracked() {
            return;
        }
        let request = LoginRequest {
            email: email.get_untracked().trim().to_string(),
            password: password.get_untracked(),
        };
        let missing_email = request.email.is_empty();
        let missing_password = request.password.is_empty();
        email_error.set(missing_email.then(|| "Enter your email address.".to_string()));
        password_error.set(missing_password.then(|| "Enter your password.".to_string()));
        if missing_email || missing_password {
            login.clear();
            return;
        }
        login.dispatch_local(request);
    };

    view! {
        <main class="standalone" id="main">
            <div class="sign-in-card">
                <p class="brand brand-large">"Roster"</p>
                <h1>"Sign in"</h1>
                {(reason == SignOutReason::Expired)
                    .then(|| {
                        view! {
                            <p class="banner banner-info" role="status">
                                "Your session has ended. Sign in again to continue."
                            </p>
                        }
                    })}
                <form class="form" novalidate on:submit=on_submit>
                    {move || {
                        failure()
                            .map(|error| {
                                view! {
                                    <div class="banner banner-error" role="alert">
                                        {sign_in_message(&error)}
                                    </div>
                                }
                            })
                    }}
                    <FormField
                        id="email"
                        label="Email"
                        input_type="email"
                        name="email"
                        autocomplete="username"
                        value=email
                        error=email_error
                    />
                    <FormField
                        id="password"
                        label="Password"
                        input_type="password"
                        name="password"
                        autocomplete="current-password"
                        value=password
                        error=password_error
                    />
                    <p class="forgot-password">
                        <a id="forgot-password" href=Page::ForgotPassword.to_string()>
                            "Forgot password?"
                        </a>
                    </p>
                    <button
                        type="submit"
                        class="button button-primary button-block"
                        disabled=move || login.pending().get()
                    >
                        {move || if login.pending().get() { "Signing in…" } else { "Sign in" }}
                    </button>
                </form>
            </div>
        </main>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use roster_types::Problem;

    fn problem(code: &str, retry_after: Option<u64>) -> ApiError {
        ApiError::Problem {
            problem: Box::new(Problem {
                kind: "about:blank".into(),
                title: "Nope".into(),
                status: 401,
                detail: None,
                code: code.into(),
                errors: Vec::new(),
            }),
            retry_after,
        }
    }

    #[test]
    fn sign_in_failures_read_as_sentences() {
        assert_eq!(
            sign_in_message(&problem("invalid_credentials", None)),
            "Wrong email or password."
        );
        assert_eq!(
            sign_in_message(&problem("too_many_attempts", Some(30))),
            "Too many attempts. Try again in 30 seconds."
        );
        assert_eq!(sign_in_message(&problem("other", None)), "Nope");
        assert_eq!(
            sign_in_message(&ApiError::Network),
            "Roster could not be reached. Check your connection and try again."
        );
    }
}
