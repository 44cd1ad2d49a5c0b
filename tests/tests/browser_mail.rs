//! The set-password and forgot-password pages in headless Chromium, with links
//! from real emails.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use roster_tests::smtp::SmtpSink;
use roster_tests::{browser, smtp_at, spawn_app_with};
use roster_types::{Role, User, UserStatus};

#[tokio::test]
async fn a_new_user_sets_their_password_from_the_welcome_email_and_signs_in() {
    let (sink, port) = SmtpSink::start(0).await;
    let app = spawn_app_with(|c| smtp_at(c, port)).await;
    let Some(b) = browser::open().await else {
        return;
    };
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
    let token = sink.wait_for(1).await[0].set_password_token().unwrap();
    let link = app.url(&format!("/set-password?token={token}"));

    b.goto(&link).await;
    b.type_into("input#new-password", "a-long-new-password")
        .await;
    b.type_into("input#confirm-password", "a-long-new-password")
        .await;
    b.click("button#set-password").await;
    b.wait_css("#set-password-done").await;
    let url = b.client.current_url().await.unwrap();
    assert_eq!(
        url.query(),
        None,
        "the token does not linger in the address bar"
    );
    let now: User = app
        .get(&format!("/api/v1/users/{}", ada.id), &admin)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(now.status, UserStatus::Active);

    // The link works once.
    b.goto(&link).await;
    b.type_into("input#new-password", "another-password-2")
        .await;
    b.type_into("input#confirm-password", "another-password-2")
        .await;
    b.click("button#set-password").await;
    let alert = b.wait_css("#set-password-error").await;
    b.wait_until("the used link is explained", || async {
        alert
            .text()
            .await
            .unwrap_or_default()
            .contains("already been used")
    })
    .await;

    // And the new password signs in.
    b.goto(&app.url("/login")).await;
    b.type_into("input#email", "ada@example.com").await;
    b.type_into("input#password", "a-long-new-password").await;
    b.click("button[type=submit]").await;
    let who = b.wait_css("#current-user").await;
    b.wait_until("Ada is signed in", || async {
        who.text().await.unwrap_or_default() == "Ada Lovelace"
    })
    .await;
}

#[tokio::test]
async fn forgot_password_from_the_sign_in_page_sends_a_link_that_works() {
    let (sink, port) = SmtpSink::start(0).await;
    let app = spawn_app_with(|c| smtp_at(c, port)).await;
    let Some(b) = browser::open().await else {
        return;
    };
    app.user_with_password(&[Role::Learner], "lena@example.com")
        .await;
    sink.wait_for(1).await; // the welcome email

    b.goto(&app.url("/login")).await;
    b.click("a#forgot-password").await;
    b.type_into("input#reset-email", "lena@example.com").await;
    b.click("button#send-reset").await;
    b.wait_css("#reset-sent").await;

    let mail = sink.wait_for(2).await.remove(1);
    assert_eq!(mail.recipients, ["lena@example.com"]);
    let token = mail.set_password_token().unwrap();
    b.goto(&app.url(&format!("/set-password?token={token}")))
        .await;
    b.type_into("input#new-password", "a-fresh-password-9")
        .await;
    b.type_into("input#confirm-password", "a-fresh-password-9")
        .await;
    b.click("button#set-password").await;
    b.wait_css("#set-password-done").await;

    let res = app
        .login(
            &roster_tests::client(),
            "lena@example.com",
            "a-fresh-password-9",
        )
        .await;
    assert_eq!(res.status(), 200);
}
