//! The Email section of the Profile tab: the latest emails sent to a person and
//! where each stands, and sending a fresh invitation or a reset link.

use chrono::{DateTime, Utc};
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

/// How long after one email another of the same kind may be sent: a second
/// click seldom means a second email, and the first may be on its way.
pub const RESEND_PAUSE_SECS: i64 = 60;

/// Seconds until another `template` email may be sent, if it is paused: the
/// newest one of that kind was queued less than [`RESEND_PAUSE_SECS`] ago.
/// `first_seen` is when this page first saw that email, by the browser's
/// clock, so a clock behind the server's cannot stretch the pause.
fn paused_for(
    emails: &[Email],
    template: EmailTemplate,
    now: chrono::DateTime<chrono::Utc>,
    first_seen: impl Fn(Uuid) -> Option<chrono::DateTime<chrono::Utc>>,
) -> Option<i64> {
    let newest = emails.iter().find(|e| e.template == template)?;
    let by_server = (now - newest.created_at).num_seconds();
    let by_page = first_seen(newest.id).map_or(by_server, |seen| (now - seen).num_seconds());
    let elapsed = by_server.max(by_page).max(0);
    (elapsed < RESEND_PAUSE_SECS).then(|| RESEND_PAUSE_SECS - elapsed)
}

/// Which email action a button starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum EmailAction {
    ResendInvitation,
    SendPasswordReset,
}

impl EmailAction {
    fn template(self) -> EmailTemplate {
        match self {
            EmailAction::ResendInvitation => EmailTemplate::Welcome,
            EmailAction::SendPasswordReset => EmailTemplate::PasswordReset,
        }
    }

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
    // When this page first saw each email (for the resend pause), and a tick
    // that counts the pause down.
    let first_seen = StoredValue::new(std::collections::HashMap::<Uuid, DateTime<Utc>>::new());
    let now = RwSignal::new(Utc::now());
    Effect::new(move |_| {
        if let Some(Ok(list)) = emails.get() {
            let seen_now = Utc::now();
            first_seen.update_value(|seen| {
                for email in &list.items {
                    seen.entry(email.id).or_insert(seen_now);
                }
            });
            now.set(seen_now);
        }
    });
    let paused = move |action: EmailAction| {
        let at = now.get();
        emails.with(|list| match list {
            Some(Ok(list)) => paused_for(&list.items, action.template(), at, |id| {
                first_seen.with_value(|seen| seen.get(&id).copied())
            }),
            _ => None,
        })
    };
    Effect::new(move |_| {
        let waiting = paused(EmailAction::ResendInvitation).is_some()
            || paused(EmailAction::SendPasswordReset).is_some();
        if waiting
            && let Ok(handle) = set_timeout_with_handle(
                move || now.set(Utc::now()),
                std::time::Duration::from_secs(1),
            )
        {
            on_cleanup(move || handle.clear());
        }
    });
    let pause_reason = move |action: EmailAction| {
        paused(action).map(|secs| {
            format!(
                "{} was just sent. To give it time to arrive, another can be sent in {secs} s.",
                match action {
                    EmailAction::ResendInvitation => "An invitation",
                    EmailAction::SendPasswordReset => "A reset link",
                }
            )
        })
    };
    let visible_action = move || {
        if !may_send.get() {
            return None;
        }
        match status.get() {
            UserStatus::Invited => Some(EmailAction::ResendInvitation),
            UserStatus::Active => Some(EmailAction::SendPasswordReset),
            UserStatus::Suspended => None,
        }
    };
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
            if !send.pending().get_untracked() && paused(action).is_none() {
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
                            <td class="col-recipient">{email.recipient.clone()}</td>
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
                                <th scope="col">"To"</th>
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
                <Show when=move || visible_action() == Some(EmailAction::ResendInvitation)>
                    <button
                        id="resend-invitation"
                        type="button"
                        class="button"
                        disabled=move || send.pending().get() || paused(EmailAction::ResendInvitation).is_some()
                        aria-describedby=move || paused(EmailAction::ResendInvitation).map(|_| "email-resend-paused")
                        on:click=start(EmailAction::ResendInvitation)
                    >
                        "Resend invitation"
                    </button>
                </Show>
                <Show when=move || visible_action() == Some(EmailAction::SendPasswordReset)>
                    <button
                        id="send-password-reset"
                        type="button"
                        class="button"
                        disabled=move || send.pending().get() || paused(EmailAction::SendPasswordReset).is_some()
                        aria-describedby=move || paused(EmailAction::SendPasswordReset).map(|_| "email-resend-paused")
                        on:click=start(EmailAction::SendPasswordReset)
                    >
                        "Send password reset link"
                    </button>
                </Show>
            </div>
            {move || {
                visible_action()
                    .and_then(pause_reason)
                    .map(|reason| {
                        view! {
                            <p id="email-resend-paused" class="hint">
                                {reason}
                            </p>
                        }
                    })
            }}
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
            recipient: "ada@example.com".into(),
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
    fn another_email_of_a_kind_waits_a_minute_after_the_last() {
        let sent = email(EmailStatus::Sent);
        let at = |secs| sent.created_at + chrono::Duration::seconds(secs);
        let never_seen = |_| None;
        let emails = [sent.clone()];
        assert_eq!(
            paused_for(&emails, EmailTemplate::Welcome, at(15), never_seen),
            Some(45)
        );
        assert_eq!(
            paused_for(&emails, EmailTemplate::Welcome, at(60), never_seen),
            None
        );
        // Another kind is not held up.
        assert_eq!(
            paused_for(&emails, EmailTemplate::PasswordReset, at(15), never_seen),
            None
        );
        // A browser clock five minutes behind: the pause still ends a minute
        // after the page first saw the email.
        let behind = |secs| at(secs) - chrono::Duration::minutes(5);
        let seen = behind(0);
        assert_eq!(
            paused_for(&emails, EmailTemplate::Welcome, behind(20), |_| Some(seen)),
            Some(40)
        );
        assert_eq!(
            paused_for(&emails, EmailTemplate::Welcome, behind(61), |_| Some(seen)),
            None
        );
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
