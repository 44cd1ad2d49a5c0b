//! Welcome emails over real SMTP, set-password links, resets, and the outbox's
//! retries when the mail server is down.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use std::time::Duration;

use roster_tests::smtp::SmtpSink;
use roster_tests::{ADMIN_EMAIL, TestApp, client, problem, smtp_at, spawn_app_with};
use roster_types::{EmailList, EmailStatus, EmailTemplate, Role, User, UserStatus};
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
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let app = spawn_app_with(|c| smtp_at(c, port)).await;
    let admin = app.admin_token().await;
    let ada = app
        .create_user(&admin, "Ada", "Lovelace", "ada@example.com", &[])
        .await;

    let mut failed = None;
    for _ in 0..200 {
        let list = emails(&app, &admin, &ada).await;
        if list.items[0].last_error.is_some() {
            failed = Some(list.items[0].clone());
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    let failed = failed.expect("the first attempt fails");
    assert_eq!(failed.status, EmailStatus::Queued);
    assert!(failed.attempts >= 1);
    assert!(failed.next_attempt_at.is_some());

    let (sink, _) = SmtpSink::start(port).await;
    sink.wait_for(1).await;
    for _ in 0..200 {
        if emails(&app, &admin, &ada).await.items[0].status == EmailStatus::Sent {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    let sent = emails(&app, &admin, &ada).await.items.remove(0);
    assert_eq!(sent.status, EmailStatus::Sent);
    assert!(sent.attempts >= 2);
    tokio::time::sleep(Duration::from_millis(500)).await;
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
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(sink.messages().len(), 3, "no email past the limit");
}
