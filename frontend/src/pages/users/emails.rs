//! The Email section of the Profile tab: the latest emails sent to a person and
//! where each stands, and sending a fresh invitation or a reset link.

use leptos::prelude::*;
use roster_types::{Email, EmailStatus, EmailTemplate, UserStatus};
use uuid::Uuid;

use crate::api::{Api, abort_on_cleanup};
use crate::format::local_date_time;

/// What an email is for, as the table shows it.
pub fn template_label(template: EmailTemplate) -> &'static str {
    match template {
        EmailTemplate::Welcome => "Welcome",
        EmailTemplate::PasswordReset => "Password reset",
    }
}

/// Where an email stands, as its badge shows it.
pub fn email_status_label(status: EmailStatus) -> &'static str {
    match status {
        EmailStatus::Queued => "Queued",
        EmailStatus::Sent => "Sent",
        EmailStatus::Failed => "Failed",
    }
}

/// The "when" lines of an email: when it was queued, then when it was sent or
/// is next tried.
fn when_lines(
    email: &Email,
    show: impl Fn(chrono::DateTime<chrono::Utc>) -> String,
) -> Vec<String> {
    let mut lines = vec![format!("Created {}", show(email.created_at))];
    match (email.status, email.sent_at, email.next_attempt_at) {
        (_, Some(sent), _) => lines.push(format!("Sent {}", show(sent))),
        (EmailStatus::Queued, None, Some(next)) => lines.push(format!("Next try {}", show(next))),
        (EmailStatus::Failed, None, _) => {
            if let Some(at) = email.last_attempt_at {
                lines.push(format!("Failed {}", show(at)));
            }
        }
        _ => {}
    }
    lines
}

/// The error to show for an email: the reason it failed, or why the last try
/// did not work while it waits for another.
fn error_text(email: &Email) -> Option<String> {
    match email.status {
        EmailStatus::Sent => None,
        EmailStatus::Failed => Some(
            email
                .last_error
                .clone()
                .unwrap_or_else(|| "Could not be delivered.".into()),
        ),
        EmailStatus::Queued => email.last_error.clone(),
    }
}

/// Which email action a button starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum EmailAction {
    ResendInvitation,
    SendPasswordReset,
}

impl EmailAction {
    fn done_message(self) -> &'static str {
        match self {
            EmailAction::ResendInvitation => "Invitation sent.",
            EmailAction::SendPasswordReset => "Reset link sent.",
        }
    }
}

/// The Email section for user `user_id`, whose account is in `status`;
/// `notice` takes the success message.
#[component]
pub fn EmailSection(
    user_id: Uuid,
    status: Signal<UserStatus>,
    notice: RwSignal<Option<String>>,
    /// Whether the viewer may send this person links (the buttons show).
    may_send: Signal<bool>,
) -> impl IntoView {
    let api = Api::expect();
    let emails = LocalResource::new(move || {
        let abort = abort_on_cleanup();
        async move { api.list_user_emails(user_id, abort.as_ref()).await }
    });
    let action_error = RwSignal::new(None::<String>);
    // While a message waits, look again now and then, so the section shows it
    // go out (or fail) without a reload.
    Effect::new(move |_| {
        let waiting = emails.get().and_then(Result::ok).is_some_and(|list| {
            list.items
                .iter()
                .any(|email| email.status == EmailStatus::Queued)
        });
        if waiting
            && let Ok(handle) =
                set_timeout_with_handle(move || emails.refetch(), std::time::Duration::from_secs(3))
        {
            on_cleanup(move || handle.clear());
        }
    });

    let send = Action::new_local(move |action: &EmailAction| {
        let action = *action;
        async move {
            match action {
                EmailAction::ResendInvitation => api.resend_invitation(user_id).await,
                EmailAction::SendPasswordReset => api.send_password_reset(user_id).await,
            }
            .map(|_| action)
        }
    });
    Effect::new(move |_| match send.value().get() {
        Some(Ok(action)) => {
            action_error.set(None);
            notice.set(Some(action.done_message().into()));
            emails.refetch();
        }
        Some(Err(error)) => {
            action_error.set(Some(error.to_string()));
            emails.refetch();
        }
        None => {}
    });
    let start = move |action: EmailAction| {
        move |_| {
            if !send.pending().get_untracked() {
                action_error.set(None);
                send.dispatch_local(action);
            }
        }
    };

    let rows = move || {
        emails.get().and_then(Result::ok).map(|list| {
            if list.items.is_empty() {
                return view! {
                    <p id="user-emails-empty" class="hint">
                        "No emails sent yet."
                    </p>
                }
                .into_any();
            }
            let rows = list
                .items
                .into_iter()
                .map(|email| {
                    let when = when_lines(&email, local_date_time)
                        .into_iter()
                        .map(|line| view! { <div>{line}</div> })
                        .collect_view();
                    let status = email.status.as_str();
                    view! {
                        <tr data-email-id=email.id.to_string()>
                            <td class="col-template">{template_label(email.template)}</td>
                            <td class="col-status">
                                <span class=format!("badge badge-email-{status}")>
                                    {email_status_label(email.status)}
                                </span>
                            </td>
                            <td class="col-when">{when}</td>
                            <td class="col-attempts">{email.attempts}</td>
                            <td class="col-error">{error_text(&email)}</td>
                        </tr>
                    }
                })
                .collect_view();
            view! {
                <div class="table-wrap">
                    <table id="user-emails" class="table">
                        <caption class="visually-hidden">"Emails sent to this person, newest first"</caption>
                        <thead>
                            <tr>
                                <th scope="col">"Email"</th>
                                <th scope="col">"Status"</th>
                                <th scope="col">"When"</th>
                                <th scope="col">"Attempts"</th>
                                <th scope="col">"Error"</th>
                            </tr>
                        </thead>
                        <tbody>{rows}</tbody>
                    </table>
                </div>
            }
            .into_any()
        })
    };
    let loading_error = move || {
        emails.get().and_then(Result::err).map(|error| {
            view! {
                <div class="state state-error" role="alert">
                    <p>"The emails could not be loaded. " {error.to_string()}</p>
                    <button type="button" class="button" on:click=move |_| emails.refetch()>
                        "Retry"
                    </button>
                </div>
            }
        })
    };

    view! {
        <section class="email-section" aria-labelledby="email-section-title">
            <h2 class="section-title" id="email-section-title">"Email"</h2>
            {move || {
                action_error
                    .get()
                    .map(|message| {
                        view! {
                            <p id="email-action-error" class="banner banner-error" role="alert">
                                {message}
                            </p>
                        }
                    })
            }}
            <div class="actions-row">
                <Show when=move || may_send.get() && status.get() == UserStatus::Invited>
                    <button
                        id="resend-invitation"
                        type="button"
                        class="button"
                        disabled=move || send.pending().get()
                        on:click=start(EmailAction::ResendInvitation)
                    >
                        "Resend invitation"
                    </button>
                </Show>
                <Show when=move || may_send.get() && status.get() == UserStatus::Active>
                    <button
                        id="send-password-reset"
                        type="button"
                        class="button"
                        disabled=move || send.pending().get()
                        on:click=start(EmailAction::SendPasswordReset)
                    >
                        "Send password reset link"
                    </button>
                </Show>
            </div>
            <Transition fallback=|| view! { <p class="hint">"Loading emails…"</p> }>
                {loading_error}
                {rows}
            </Transition>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};

    fn email(status: EmailStatus) -> Email {
        Email {
            id: Uuid::nil(),
            template: EmailTemplate::Welcome,
            status,
            attempts: 1,
            last_error: None,
            created_at: Utc.with_ymd_and_hms(2026, 3, 14, 9, 5, 0).unwrap(),
            next_attempt_at: None,
            sent_at: None,
            last_attempt_at: None,
        }
    }

    fn iso(at: chrono::DateTime<Utc>) -> String {
        at.format("%Y-%m-%d %H:%M").to_string()
    }

    #[test]
    fn templates_and_statuses_have_readable_labels() {
        assert_eq!(template_label(EmailTemplate::Welcome), "Welcome");
        assert_eq!(
            template_label(EmailTemplate::PasswordReset),
            "Password reset"
        );
        assert_eq!(email_status_label(EmailStatus::Failed), "Failed");
    }

    #[test]
    fn a_sent_email_says_when_it_was_created_and_sent() {
        let sent = Email {
            status: EmailStatus::Sent,
            sent_at: Some(Utc.with_ymd_and_hms(2026, 3, 14, 9, 6, 0).unwrap()),
            ..email(EmailStatus::Sent)
        };
        assert_eq!(
            when_lines(&sent, iso),
            ["Created 2026-03-14 09:05", "Sent 2026-03-14 09:06"]
        );
    }

    #[test]
    fn a_queued_email_says_when_it_is_tried_next() {
        let queued = Email {
            next_attempt_at: Some(Utc.with_ymd_and_hms(2026, 3, 14, 9, 10, 0).unwrap()),
            last_error: Some("connection refused".into()),
            ..email(EmailStatus::Queued)
        };
        assert_eq!(
            when_lines(&queued, iso),
            ["Created 2026-03-14 09:05", "Next try 2026-03-14 09:10"]
        );
        assert_eq!(error_text(&queued).as_deref(), Some("connection refused"));
    }

    #[test]
    fn a_failed_email_says_when_it_failed() {
        let failed = Email {
            last_attempt_at: Some(Utc.with_ymd_and_hms(2026, 3, 14, 9, 7, 0).unwrap()),
            ..email(EmailStatus::Failed)
        };
        assert_eq!(
            when_lines(&failed, iso),
            ["Created 2026-03-14 09:05", "Failed 2026-03-14 09:07"]
        );
    }

    #[test]
    fn only_undelivered_emails_show_an_error() {
        assert_eq!(
            error_text(&email(EmailStatus::Failed)).as_deref(),
            Some("Could not be delivered.")
        );
        let sent = Email {
            last_error: Some("timeout".into()),
            ..email(EmailStatus::Sent)
        };
        assert_eq!(error_text(&sent), None);
    }
}
