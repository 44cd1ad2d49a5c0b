//! Welcome emails over real SMTP, set-password links, resets, and the outbox's
//! retries when the mail server is down.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use std::time::Duration;

use roster_domain::Roster;
use roster_domain::background::{MAIL_DELIVER, PASSWORD_RESET_FOLLOW_UP};
use roster_entity::{jobs, outbox};
use roster_tests::smtp::{ReceivedMail, SmtpSink};
use roster_tests::{ADMIN_EMAIL, TestApp, client, problem, smtp_at, spawn_app_with};
use roster_types::{
    Email, EmailList, EmailStatus, EmailTemplate, JobStatus, PasswordLink, PasswordLinkPurpose,
    PasswordStrength, Role, User, UserStatus,
};
use sea_orm::{ColumnTrait, Condition, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::json;

async fn app_with_sink() -> (TestApp, SmtpSink) {
    let (sink, port) = SmtpSink::start(0).await;
    let app = spawn_app_with(|c| smtp_at(c, port)).await;
    (app, sink)
}

async fn set_password(app: &TestApp, token: &str, password: &str) -> reqwest::Response {
    client()
        .post(app.url("/api/v1/auth/password"))
        .json(&json!({"token": token, "password": password}))
        .send()
        .await
        .unwrap()
}

/// A port nothing listens on (yet): a mail server that is down.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Waits (up to 5 s) until the newest email of `user` satisfies `done`.
async fn newest_email_once(
    app: &TestApp,
    token: &str,
    user: &User,
    what: &str,
    done: impl Fn(&Email) -> bool,
) -> Email {
    for _ in 0..200 {
        let newest = emails(app, token, user).await.items.remove(0);
        if done(&newest) {
            return newest;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("the newest email never {what}");
}

/// Waits (up to 15 s) until nothing more will be sent, and returns the outbox:
/// no job that sends mail (`mail.deliver`) or queues it (the follow-up of a
/// "Forgot password?") is due or running, and then every outbox row is `sent`
/// or `failed`. The jobs are looked at first: once none is due or running,
/// only a request of the test can queue a message, so outbox rows that are all
/// final then stay final. A message is marked `sent` only after the SMTP
/// server accepted it, so by then the sink holds everything that went out.
async fn settled_outbox(roster: &Roster) -> Vec<outbox::Model> {
    let final_state = [EmailStatus::Sent.as_str(), EmailStatus::Failed.as_str()];
    for _ in 0..600 {
        let busy = jobs::Entity::find()
            .filter(jobs::Column::Kind.is_in([MAIL_DELIVER, PASSWORD_RESET_FOLLOW_UP]))
            .filter(
                Condition::any()
                    .add(jobs::Column::Status.eq(JobStatus::Running.as_str()))
                    .add(
                        Condition::all()
                            .add(jobs::Column::Status.eq(JobStatus::Queued.as_str()))
                            .add(jobs::Column::RunAt.lte(roster.now())),
                    ),
            )
            .count(&roster.db)
            .await
            .unwrap();
        if busy == 0 {
            let rows = outbox::Entity::find().all(&roster.db).await.unwrap();
            if rows
                .iter()
                .all(|r| final_state.contains(&r.status.as_str()))
            {
                return rows;
            }
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("the outbox never settled: messages are still queued or mail jobs still due");
}

/// The envelope recipients of `messages`, sorted.
fn recipients(messages: &[ReceivedMail]) -> Vec<String> {
    let mut all: Vec<String> = messages.iter().flat_map(|m| m.recipients.clone()).collect();
    all.sort();
    all
}

async fn emails(app: &TestApp, token: &str, user: &User) -> EmailList {
    app.get(&format!("/api/v1/users/{}/emails", user.id), token)
        .await
        .json()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_new_user_gets_a_welcome_email_whose_link_sets_the_password() {
    let (app, sink) = app_with_sink().await;
    let admin = app.admin_token().await;

    let ada = app
        .create_user(
            &admin,
            "Ada",
            "Lovelace",
            "ada@example.com",
            &[Role::Learner],
        )
        .await;

    let mail = sink.wait_for(1).await.remove(0);
    assert_eq!(mail.recipients, ["ada@example.com"]);
    let text = mail.decoded();
    assert!(text.contains("Subject: Welcome to Roster"), "{text}");
    assert!(text.contains("Hello Ada"));
    assert!(
        text.contains("text/plain") && text.contains("text/html"),
        "both parts"
    );
    let token = mail.set_password_token().expect("a set-password link");
    assert!(text.contains(&format!("{}/set-password?token={token}", app.address)));

    let res = set_password(&app, &token, "a-long-new-password").await;
    assert_eq!(res.status(), 204);
    let signed_in = app
        .token_for(&client(), "ada@example.com", "a-long-new-password")
        .await;
    let me: User = app
        .get("/api/v1/auth/me", &signed_in)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!((me.id, me.status), (ada.id, UserStatus::Active));

    let again = set_password(&app, &token, "another-password-1").await;
    assert_eq!(problem(again, 410).await.code, "token_used");
    let sent = emails(&app, &admin, &ada).await;
    assert_eq!(sent.items[0].status, EmailStatus::Sent);
    assert_eq!(sent.items[0].template, EmailTemplate::Welcome);
}

#[tokio::test]
async fn when_smtp_is_down_the_email_waits_with_its_error_and_goes_out_once_it_is_back() {
    let port = free_port();
    let app = spawn_app_with(|c| smtp_at(c, port)).await;
    let admin = app.admin_token().await;
    let ada = app
        .create_user(&admin, "Ada", "Lovelace", "ada@example.com", &[])
        .await;

    let failed = newest_email_once(&app, &admin, &ada, "failed a first time", |e| {
        e.last_error.is_some()
    })
    .await;
    assert_eq!(failed.status, EmailStatus::Queued);
    assert!(failed.attempts >= 1);
    assert!(failed.next_attempt_at.is_some());

    let (sink, _) = SmtpSink::start(port).await;
    sink.wait_for(1).await;
    let sent = newest_email_once(&app, &admin, &ada, "was sent", |e| {
        e.status == EmailStatus::Sent
    })
    .await;
    assert_eq!(sent.status, EmailStatus::Sent);
    assert!(sent.attempts >= 2);
    let outbox = settled_outbox(&app.roster).await;
    assert_eq!(outbox.len(), 1, "one message queued");
    assert_eq!(sink.messages().len(), 1, "delivered exactly once");
}

#[tokio::test]
async fn links_that_are_tampered_unknown_expired_or_replaced_are_refused() {
    let (sink, port) = SmtpSink::start(0).await;
    let app = spawn_app_with(|c| {
        smtp_at(c, port);
        c.reset_ttl_minutes = 0;
    })
    .await;
    let admin = app.admin_token().await;
    let ada = app
        .create_user(&admin, "Ada", "Lovelace", "ada@example.com", &[])
        .await;
    let first = sink.wait_for(1).await[0].set_password_token().unwrap();

    let mut tampered = first.clone();
    tampered.replace_range(0..1, if first.starts_with('A') { "B" } else { "A" });
    assert_eq!(
        problem(
            set_password(&app, &tampered, "a-long-new-password").await,
            400
        )
        .await
        .code,
        "token_invalid"
    );
    assert_eq!(
        problem(
            set_password(&app, "unknown", "a-long-new-password").await,
            400
        )
        .await
        .code,
        "token_invalid"
    );

    // A resent invitation retires the first link.
    let res = app
        .client
        .post(app.url(&format!("/api/v1/users/{}/invitation", ada.id)))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 202);
    let second = sink.wait_for(2).await[1].set_password_token().unwrap();
    assert_eq!(
        problem(set_password(&app, &first, "a-long-new-password").await, 410)
            .await
            .code,
        "token_used"
    );

    // Password rules come back as field errors, and leave the link usable.
    let short = problem(set_password(&app, &second, "short").await, 422).await;
    assert!(short.field_error("password").is_some());
    let same = problem(set_password(&app, &second, "ada@example.com").await, 422).await;
    assert!(same.field_error("password").is_some());
    assert_eq!(
        set_password(&app, &second, "a-long-new-password")
            .await
            .status(),
        204
    );

    // Reset links here expire at once.
    let res = app
        .client
        .post(app.url(&format!("/api/v1/users/{}/password-reset", ada.id)))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 202);
    let expired = sink.wait_for(3).await[2].set_password_token().unwrap();
    assert_eq!(
        problem(
            set_password(&app, &expired, "a-newer-password-2").await,
            410
        )
        .await
        .code,
        "token_expired"
    );
}

#[tokio::test]
async fn a_suspended_users_reset_link_does_not_work() {
    let (app, sink) = app_with_sink().await;
    let admin = app.admin_token().await;
    let ada = app
        .create_user(&admin, "Ada", "Lovelace", "ada@example.com", &[])
        .await;
    let token = sink.wait_for(1).await[0].set_password_token().unwrap();

    app.client
        .post(app.url(&format!("/api/v1/users/{}/suspend", ada.id)))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();

    assert_eq!(
        problem(set_password(&app, &token, "a-long-new-password").await, 403)
            .await
            .code,
        "account_suspended"
    );
    let reset = app
        .client
        .post(app.url(&format!("/api/v1/users/{}/password-reset", ada.id)))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(problem(reset, 409).await.code, "account_suspended");
}

#[tokio::test]
async fn forgot_password_answers_the_same_for_anyone_and_is_throttled() {
    let (app, sink) = app_with_sink().await;
    let forgot = |email: &'static str| {
        let app = &app;
        async move {
            client()
                .post(app.url("/api/v1/auth/password-reset"))
                .json(&json!({"email": email}))
                .send()
                .await
                .unwrap()
        }
    };

    let known = forgot(ADMIN_EMAIL).await;
    let unknown = forgot("nobody@example.com").await;

    assert_eq!(
        (known.status(), unknown.status()),
        (reqwest::StatusCode::ACCEPTED, reqwest::StatusCode::ACCEPTED)
    );
    assert_eq!(known.text().await.unwrap(), unknown.text().await.unwrap());
    let mail = sink.wait_for(1).await.remove(0);
    assert_eq!(mail.recipients, [ADMIN_EMAIL]);
    assert!(mail.decoded().contains("Choose a new Roster password"));
    forgot(ADMIN_EMAIL).await;
    forgot(ADMIN_EMAIL).await;
    let res = forgot(ADMIN_EMAIL).await;
    assert!(res.headers().contains_key("retry-after"));
    assert_eq!(problem(res, 429).await.code, "too_many_attempts");
    let outbox = settled_outbox(&app.roster).await;
    assert_eq!(outbox.len(), 3, "one message per accepted request");
    assert!(
        outbox
            .iter()
            .all(|m| m.status == EmailStatus::Sent.as_str())
    );
    assert_eq!(
        recipients(&sink.messages()),
        [ADMIN_EMAIL; 3],
        "no email past the limit"
    );
}

#[tokio::test]
async fn suspending_withdraws_links_and_reactivating_does_not_bring_them_back() {
    let (app, sink) = app_with_sink().await;
    let admin = app.admin_token().await;
    let (ada, _) = app
        .user_with_password(&[Role::Learner], "ada@example.com")
        .await;
    sink.wait_for(1).await; // the welcome email
    let res = app
        .post(&format!("/api/v1/users/{}/password-reset", ada.id), &admin)
        .await;
    assert_eq!(res.status(), 202);
    let reset = sink.wait_for(2).await[1].set_password_token().unwrap();

    app.post(&format!("/api/v1/users/{}/suspend", ada.id), &admin)
        .await;
    let suspended = set_password(&app, &reset, "a-long-new-password").await;
    assert_eq!(problem(suspended, 403).await.code, "account_suspended");

    app.post(&format!("/api/v1/users/{}/reactivate", ada.id), &admin)
        .await;
    let after = set_password(&app, &reset, "a-long-new-password").await;
    assert_eq!(problem(after, 410).await.code, "token_used");
}

#[tokio::test]
async fn forgot_password_sends_nothing_to_a_suspended_account() {
    let (app, sink) = app_with_sink().await;
    let admin = app.admin_token().await;
    let ada = app
        .create_user(&admin, "Ada", "Lovelace", "ada@example.com", &[])
        .await;
    sink.wait_for(1).await;
    app.post(&format!("/api/v1/users/{}/suspend", ada.id), &admin)
        .await;

    let res = client()
        .post(app.url("/api/v1/auth/password-reset"))
        .json(&json!({"email": "ada@example.com"}))
        .send()
        .await
        .unwrap();

    assert_eq!(res.status(), 202);
    let outbox = settled_outbox(&app.roster).await;
    let templates: Vec<_> = outbox.iter().map(|m| m.template.as_str()).collect();
    assert_eq!(
        templates,
        [EmailTemplate::Welcome.as_str()],
        "nothing queued"
    );
    assert_eq!(sink.messages().len(), 1, "only the welcome email");
}

#[tokio::test]
async fn correcting_an_invited_users_address_sends_the_invitation_there_instead() {
    let port = free_port();
    // The mail server is down: the first welcome email is still queued when
    // the typo is fixed.
    let app = spawn_app_with(|c| {
        smtp_at(c, port);
        c.mail_retry_base_secs = 3600;
    })
    .await;
    let admin = app.admin_token().await;
    let ada = app
        .create_user(&admin, "Ada", "Lovelace", "ada@exmaple.com", &[])
        .await;

    let res = app
        .patch_json(
            &format!("/api/v1/users/{}", ada.id),
            &admin,
            &json!({"email": "ada@example.com"}),
            None,
        )
        .await;
    assert_eq!(res.status(), 200);

    let list = emails(&app, &admin, &ada).await;
    assert_eq!(list.items.len(), 2);
    let (new, old) = (&list.items[0], &list.items[1]);
    assert_eq!(new.status, EmailStatus::Queued);
    assert_eq!(old.status, EmailStatus::Failed);
    // Each row says where it went, so two Welcomes are told apart.
    assert_eq!(
        (new.recipient.as_str(), old.recipient.as_str()),
        ("ada@example.com", "ada@exmaple.com")
    );
    assert!(
        old.last_error
            .as_deref()
            .is_some_and(|e| e.contains("address was changed")),
        "{old:?}"
    );

    // Once the new message has failed its first try too, the server comes
    // back and its retry falls due: only the new address hears from us.
    newest_email_once(&app, &admin, &ada, "failed a first time", |e| {
        e.last_error.is_some()
    })
    .await;
    app.clock.advance(7200);
    let (sink, _) = SmtpSink::start(port).await;
    let mail = sink.wait_for(1).await.remove(0);
    assert_eq!(mail.recipients, ["ada@example.com"]);
    let outbox = settled_outbox(&app.roster).await;
    let mut outcomes: Vec<_> = outbox
        .iter()
        .map(|m| (m.recipient.as_str(), m.status.as_str()))
        .collect();
    outcomes.sort();
    assert_eq!(
        outcomes,
        [
            ("ada@example.com", EmailStatus::Sent.as_str()),
            ("ada@exmaple.com", EmailStatus::Failed.as_str())
        ]
    );
    assert_eq!(
        recipients(&sink.messages()),
        ["ada@example.com"],
        "the old address hears nothing"
    );
    let token = mail.set_password_token().unwrap();
    assert_eq!(
        set_password(&app, &token, "a-long-new-password")
            .await
            .status(),
        204
    );
}

#[tokio::test]
async fn a_mailbox_that_does_not_exist_fails_at_once_and_says_when() {
    let (app, sink) = app_with_sink().await;
    let admin = app.admin_token().await;
    let user = app
        .create_user(&admin, "No", "Body", "bounce@example.com", &[])
        .await;

    let failed = newest_email_once(&app, &admin, &user, "failed for good", |e| {
        e.status == EmailStatus::Failed
    })
    .await;

    assert_eq!(failed.attempts, 1, "a permanent refusal is not retried");
    assert!(failed.last_error.as_deref().unwrap_or("").contains("550"));
    assert!(failed.last_attempt_at.is_some());
    assert!(failed.next_attempt_at.is_none());
    assert!(sink.messages().is_empty());
}

/// Creates a user through the instance at `address` (`http://127.0.0.1:PORT`).
async fn create_user_at(address: &str, token: &str, email: &str) {
    let res = client()
        .post(format!("{address}/api/v1/users"))
        .bearer_auth(token)
        .json(&json!({"first_name": "Many", "last_name": "People", "email": email}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201, "{email} is created at {address}");
}

/// `p{i}@example.com` for every `i` of `range`, sorted as [`recipients`] sorts.
fn addresses(range: std::ops::Range<usize>) -> Vec<String> {
    let mut all: Vec<String> = range.map(|i| format!("p{i}@example.com")).collect();
    all.sort();
    all
}

#[tokio::test]
async fn two_instances_on_one_database_send_every_message_exactly_once() {
    // Each instance has a mail server of its own, so where a message arrived
    // tells which instance sent it.
    let (first_sink, first_port) = SmtpSink::start(0).await;
    let (second_sink, second_port) = SmtpSink::start(0).await;
    let app = spawn_app_with(|c| {
        smtp_at(c, first_port);
        c.mail_poll_ms = 5;
    })
    .await;
    let admin = app.admin_token().await;

    // Alone, the first instance sends what is queued.
    let alone = addresses(0..5);
    for email in &alone {
        create_user_at(&app.address, &admin, email).await;
    }
    settled_outbox(&app.roster).await;
    assert_eq!(recipients(&first_sink.messages()), alone);

    // A second instance behind the same load balancer: requests reach both,
    // and its runner races the first one's for the same outbox.
    let (sibling, sibling_roster) = app.sibling(|c| smtp_at(c, second_port)).await;
    let raced = addresses(5..45);
    for (i, email) in raced.iter().enumerate() {
        let at = if i % 2 == 0 { &app.address } else { &sibling };
        create_user_at(at, &admin, email).await;
    }
    settled_outbox(&sibling_roster).await;
    let mut so_far: Vec<String> = alone.iter().chain(&raced).cloned().collect();
    so_far.sort();
    let mut both = first_sink.messages();
    both.extend(second_sink.messages());
    assert_eq!(
        recipients(&both),
        so_far,
        "each message once, by one of them"
    );

    // Once the first instance is gone, the second sends on its own.
    let (first_sent, second_sent) = (first_sink.messages().len(), second_sink.messages().len());
    app.stop().await;
    let later = addresses(45..50);
    for email in &later {
        create_user_at(&sibling, &admin, email).await;
    }
    let outbox = settled_outbox(&sibling_roster).await;
    assert_eq!(
        first_sink.messages().len(),
        first_sent,
        "the stopped instance sent nothing more"
    );
    assert_eq!(
        recipients(&second_sink.messages()[second_sent..]),
        later,
        "the second instance sent what was queued after the first stopped"
    );

    // Every message went out exactly once, each with a Message-ID of its own.
    let n = alone.len() + raced.len() + later.len();
    assert_eq!(outbox.len(), n);
    assert!(
        outbox
            .iter()
            .all(|m| m.status == EmailStatus::Sent.as_str())
    );
    let mut all = first_sink.messages();
    all.extend(second_sink.messages());
    let mut everyone: Vec<String> = so_far.into_iter().chain(later).collect();
    everyone.sort();
    assert_eq!(recipients(&all), everyone, "no message sent twice or never");
    let mut ids: Vec<_> = all
        .iter()
        .filter_map(|m| {
            m.data
                .lines()
                .find(|l| l.to_ascii_lowercase().starts_with("message-id:"))
                .map(str::to_owned)
        })
        .collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), n, "each message has its own stable Message-ID");
}

#[tokio::test]
async fn a_queued_email_outlives_the_instance_that_queued_it() {
    let down = free_port();
    let app = spawn_app_with(|c| smtp_at(c, down)).await;
    let admin = app.admin_token().await;
    let ada = app
        .create_user(&admin, "Ada", "Lovelace", "ada@example.com", &[])
        .await;
    newest_email_once(&app, &admin, &ada, "failed a first time", |e| {
        e.last_error.is_some()
    })
    .await;

    // The instance goes away with the message still queued; the next one
    // (after a restart, or another behind the load balancer) sends it.
    // Had it died mid-send, its claim would hold the message for ten minutes.
    app.stop().await;
    app.clock.advance(11 * 60);
    let (sink, port) = SmtpSink::start(0).await;
    let (_, next) = app.sibling(|c| smtp_at(c, port)).await;

    let mail = sink.wait_for(1).await.remove(0);
    assert_eq!(mail.recipients, ["ada@example.com"]);
    let outbox = settled_outbox(&next).await;
    assert_eq!(outbox.len(), 1);
    assert_eq!(sink.messages().len(), 1, "sent once");
    let list = roster_domain::mail::user_emails(&next, &admin_actor(&next).await, ada.id)
        .await
        .unwrap();
    assert_eq!(list.items[0].status, EmailStatus::Sent);
    assert!(list.items[0].attempts >= 2);
}

async fn admin_actor(roster: &roster_domain::Roster) -> roster_domain::Context {
    let session = roster_domain::auth::login(
        roster,
        &roster_domain::Context::anonymous(Default::default()),
        ADMIN_EMAIL,
        roster_tests::ADMIN_PASSWORD,
    )
    .await
    .unwrap();
    roster_domain::auth::authenticate(roster, &session.access_token, Default::default())
        .await
        .unwrap()
}

#[tokio::test]
async fn changing_your_password_retires_a_reset_link_still_in_the_inbox() {
    let (app, sink) = app_with_sink().await;
    let admin = app.admin_token().await;
    let (ada, token) = app
        .user_with_password(&[Role::Learner], "ada@example.com")
        .await;
    sink.wait_for(1).await;
    app.post(&format!("/api/v1/users/{}/password-reset", ada.id), &admin)
        .await;
    let reset = sink.wait_for(2).await[1].set_password_token().unwrap();

    let changed = app
        .client
        .put(app.url("/api/v1/auth/me/password"))
        .bearer_auth(&token)
        .json(&json!({"current_password": "a-good-password-42", "new_password": "my-own-new-password"}))
        .send()
        .await
        .unwrap();
    assert_eq!(changed.status(), 204);

    let late = set_password(&app, &reset, "someone-elses-choice").await;
    assert_eq!(problem(late, 410).await.code, "token_used");
    app.token_for(&client(), "ada@example.com", "my-own-new-password")
        .await;
}

async fn inspect_link(app: &TestApp, token: &str) -> reqwest::Response {
    client()
        .post(app.url("/api/v1/auth/password/link"))
        .json(&json!({ "token": token }))
        .send()
        .await
        .unwrap()
}

async fn strength(app: &TestApp, body: serde_json::Value) -> PasswordStrength {
    let res = client()
        .post(app.url("/api/v1/auth/password/strength"))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    res.json().await.unwrap()
}

#[tokio::test]
async fn a_link_says_whose_it_is_and_whether_it_still_works_before_a_password_is_typed() {
    let (app, sink) = app_with_sink().await;
    let admin = app.admin_token().await;
    let ada = app
        .create_user(&admin, "Ada", "Lovelace", "ada@example.com", &[])
        .await;
    let welcome = sink.wait_for(1).await[0].set_password_token().unwrap();

    let res = inspect_link(&app, &welcome).await;
    assert_eq!(res.status(), 200);
    let link: PasswordLink = res.json().await.unwrap();
    assert_eq!(
        (link.email.as_str(), link.full_name.as_str(), link.purpose),
        (
            "ada@example.com",
            "Ada Lovelace",
            PasswordLinkPurpose::Invitation
        )
    );
    assert!(link.expires_at > chrono::Utc::now(), "{link:?}");
    assert_eq!(
        problem(inspect_link(&app, "not-a-link").await, 400)
            .await
            .code,
        "token_invalid"
    );

    // A common password is refused with the reason, and the link still works.
    let weak = problem(set_password(&app, &welcome, "password123").await, 422).await;
    let why = weak.field_error("password").unwrap();
    assert!(why.contains("easy to guess"), "{why}");
    assert!(why.contains("common password"), "{why}");
    assert_eq!(inspect_link(&app, &welcome).await.status(), 200);

    assert_eq!(
        set_password(&app, &welcome, "a-long-new-password")
            .await
            .status(),
        204
    );
    assert_eq!(
        problem(inspect_link(&app, &welcome).await, 410).await.code,
        "token_used"
    );

    app.post(&format!("/api/v1/users/{}/password-reset", ada.id), &admin)
        .await;
    let reset = sink.wait_for(2).await[1].set_password_token().unwrap();
    let link: PasswordLink = inspect_link(&app, &reset).await.json().await.unwrap();
    assert_eq!(link.purpose, PasswordLinkPurpose::Reset);

    // Looking does not use the link up: it still sets the password.
    assert_eq!(
        set_password(&app, &reset, "a-brand-new-password")
            .await
            .status(),
        204
    );

    // A suspended account says so, whatever became of the link.
    app.post(&format!("/api/v1/users/{}/password-reset", ada.id), &admin)
        .await;
    let third = sink.wait_for(3).await[2].set_password_token().unwrap();
    app.post(&format!("/api/v1/users/{}/suspend", ada.id), &admin)
        .await;
    assert_eq!(inspect_link(&app, &third).await.status(), 403);
}

#[tokio::test]
async fn the_strength_estimate_is_the_rule_the_password_endpoints_apply() {
    let (app, sink) = app_with_sink().await;
    let admin = app.admin_token().await;
    app.create_user(&admin, "Ada", "Lovelace", "ada@example.com", &[])
        .await;
    let welcome = sink.wait_for(1).await[0].set_password_token().unwrap();

    let common = strength(&app, json!({ "password": "password123" })).await;
    assert_eq!((common.score, common.acceptable), (0, false), "{common:?}");
    assert!(common.warning.is_some(), "{common:?}");
    assert!(!common.suggestions.is_empty(), "{common:?}");
    let short = strength(&app, json!({ "password": "x7#Qp" })).await;
    assert!(!short.acceptable, "{short:?}");
    assert_eq!(
        short.warning.as_deref(),
        Some("Use at least 10 characters.")
    );
    let good = strength(&app, json!({ "password": "a-good-password-42" })).await;
    assert!(good.acceptable && good.score >= 3, "{good:?}");
    assert_eq!(good.warning, None);

    // The account's own name counts against it once the link is known, as it
    // does when the password is set.
    let named = "Lovelace.Ada!";
    let anyone = strength(&app, json!({ "password": named })).await;
    let hers = strength(&app, json!({ "password": named, "token": welcome })).await;
    assert!(anyone.acceptable, "{anyone:?}");
    assert!(!hers.acceptable && hers.score < anyone.score, "{hers:?}");
    let refused = problem(set_password(&app, &welcome, named).await, 422).await;
    assert!(refused.field_error("password").is_some(), "{refused:?}");
    // A link that no longer works still gets an estimate.
    let stale = strength(&app, json!({ "password": named, "token": "gone" })).await;
    assert_eq!(stale, anyone);

    // Changing one's own password applies the same rule, and a signed-in
    // caller's estimate counts their own name and email, as the change will.
    let ada = app
        .create_user(&admin, "Ada", "Byron", "ada.byron@example.com", &[])
        .await;
    roster_domain::users::set_password(
        &app.roster,
        &roster_domain::Context::system("test"),
        ada.id,
        "a-good-password-42",
    )
    .await
    .unwrap();
    let token = app
        .token_for(&client(), "ada.byron@example.com", "a-good-password-42")
        .await;
    let own = "Byron.Ada!";
    let mine: PasswordStrength = client()
        .post(app.url("/api/v1/auth/password/strength"))
        .bearer_auth(&token)
        .json(&json!({ "password": own }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let anyones = strength(&app, json!({ "password": own })).await;
    assert!(
        anyones.acceptable && !mine.acceptable,
        "{anyones:?} {mine:?}"
    );
    let res = app
        .client
        .put(app.url("/api/v1/auth/me/password"))
        .bearer_auth(&token)
        .json(&json!({"current_password": "a-good-password-42", "new_password": own}))
        .send()
        .await
        .unwrap();
    assert!(
        problem(res, 422)
            .await
            .field_error("new_password")
            .is_some(),
        "refused as the estimate said"
    );
    let res = app
        .client
        .put(app.url("/api/v1/auth/me/password"))
        .bearer_auth(&token)
        .json(&json!({"current_password": "a-good-password-42", "new_password": "qwertyuiop12"}))
        .send()
        .await
        .unwrap();
    let refused = problem(res, 422).await;
    assert!(
        refused
            .field_error("new_password")
            .is_some_and(|m| m.contains("easy to guess")),
        "{refused:?}"
    );
}
