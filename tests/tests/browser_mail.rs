//! The set-password and forgot-password pages in headless Chromium, with links
//! from real emails.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use roster_tests::smtp::SmtpSink;
use roster_tests::{browser, smtp_at, spawn_app_with};
use roster_types::{Role, User, UserStatus};

/// Waits until the strength meter under `#<meter>` rates exactly what was
/// typed, and returns its verdict's text and whether it is acceptable.
async fn verdict(b: &browser::Browser, meter: &str) -> (String, bool) {
    let css = format!("#{meter}-verdict");
    b.wait_css(&css).await;
    b.wait_until("the meter rates the password", || async {
        !b.attrs(&css, "data-acceptable").await.is_empty()
    })
    .await;
    let acceptable = b.attrs(&css, "data-acceptable").await;
    let text = b.texts(&css).await;
    (
        text.concat(),
        acceptable.first().is_some_and(|a| a == "true"),
    )
}

#[tokio::test]
async fn a_new_user_sets_their_password_from_the_welcome_email_and_is_signed_in() {
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

    // The page checks the link first and says whose account it is for.
    b.goto(&link).await;
    let email = b.wait_css("#set-password-email").await;
    assert_eq!(email.text().await.unwrap(), "ada@example.com");
    let account = b.texts("#set-password-account").await;
    assert!(account[0].contains("Ada Lovelace"), "{account:?}");

    // A common password is rated as it is typed, and refused on submit.
    b.type_into("input#new-password", "password123").await;
    let (text, acceptable) = verdict(&b, "new-password-strength").await;
    assert!(!acceptable, "{text}");
    assert!(
        text.contains("Very weak") && text.contains("common"),
        "{text}"
    );
    b.type_into("input#confirm-password", "password123").await;
    b.click("button#set-password").await;
    let error = b.wait_css("#new-password-error").await;
    assert!(
        error.text().await.unwrap().contains("easy to guess"),
        "the refusal says why"
    );

    let field = b.wait_css("input#new-password").await;
    field.clear().await.unwrap();
    field.send_keys("a-long-new-password").await.unwrap();
    let (text, acceptable) = verdict(&b, "new-password-strength").await;
    assert!(acceptable, "{text}");
    let confirm = b.wait_css("input#confirm-password").await;
    confirm.clear().await.unwrap();
    confirm.send_keys("a-long-new-password").await.unwrap();
    b.click("button#set-password").await;

    // Setting it signs Ada in, on her own profile, with the token gone.
    let who = b.wait_css("#current-user").await;
    b.wait_until("Ada is signed in", || async {
        who.text().await.unwrap_or_default() == "Ada Lovelace"
    })
    .await;
    b.wait_for_path(&format!("/users/{}/profile", ada.id)).await;
    let url = b.client.current_url().await.unwrap();
    assert_eq!(
        url.query(),
        None,
        "the token does not linger in the address"
    );
    let now: User = app
        .get(&format!("/api/v1/users/{}", ada.id), &admin)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(now.status, UserStatus::Active);

    // Opened again, the used link says so at once, with no form to fill in.
    b.goto(&link).await;
    let alert = b.wait_css("#set-password-error").await;
    let said = alert.text().await.unwrap();
    assert!(said.contains("already been used"), "{said}");
    assert!(said.contains("sign in"), "{said}");
    assert!(b.texts("input#new-password").await.is_empty());

    // A link with no token, or a mangled one, is not valid.
    b.goto(&app.url("/set-password")).await;
    let alert = b.wait_css("#set-password-error").await;
    assert!(alert.text().await.unwrap().contains("not valid"));
    b.goto(&app.url("/set-password?token=mangled")).await;
    let alert = b.wait_css("#set-password-error").await;
    b.wait_until("the mangled link is explained", || async {
        alert
            .text()
            .await
            .unwrap_or_default()
            .contains("Forgot password")
    })
    .await;
    assert!(b.texts("input#new-password").await.is_empty());
}

#[tokio::test]
async fn an_expired_link_says_so_before_anything_is_typed() {
    let (sink, port) = SmtpSink::start(0).await;
    let app = spawn_app_with(|c| {
        smtp_at(c, port);
        c.reset_ttl_minutes = 0;
    })
    .await;
    let Some(b) = browser::open().await else {
        return;
    };
    let admin = app.admin_token().await;
    let (lena, _) = app
        .user_with_password(&[Role::Learner], "lena@example.com")
        .await;
    sink.wait_for(1).await;
    app.post(&format!("/api/v1/users/{}/password-reset", lena.id), &admin)
        .await;
    let token = sink.wait_for(2).await[1].set_password_token().unwrap();

    b.goto(&app.url(&format!("/set-password?token={token}")))
        .await;
    let alert = b.wait_css("#set-password-error").await;
    let said = alert.text().await.unwrap();
    assert!(said.contains("expired"), "{said}");
    assert!(b.texts("input#new-password").await.is_empty());
    b.click("a#forgot-password-link").await;
    b.wait_for_path("/forgot-password").await;

    // A suspended account's link says so, with nothing left loading.
    let leo = app
        .create_user(&admin, "Leo", "Suspended", "leo@example.com", &[])
        .await;
    let welcome = sink.wait_for(3).await[2].set_password_token().unwrap();
    app.post(&format!("/api/v1/users/{}/suspend", leo.id), &admin)
        .await;
    b.goto(&app.url(&format!("/set-password?token={welcome}")))
        .await;
    let alert = b.wait_css("#set-password-error").await;
    let said = alert.text().await.unwrap();
    assert!(said.contains("suspended"), "{said}");
    assert!(b.texts(".splash, input#new-password").await.is_empty());
}

#[tokio::test]
async fn forgot_password_from_the_sign_in_page_sends_a_link_that_works() {
    let (sink, port) = SmtpSink::start(0).await;
    let app = spawn_app_with(|c| smtp_at(c, port)).await;
    let Some(b) = browser::open().await else {
        return;
    };
    let (lena, _) = app
        .user_with_password(&[Role::Learner], "lena@example.com")
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
    b.wait_css("#set-password-email").await;
    let heading = b.texts("#set-password-heading").await;
    assert_eq!(heading, ["Choose a new password"]);
    b.type_into("input#new-password", "a-fresh-password-9")
        .await;
    b.type_into("input#confirm-password", "a-fresh-password-9")
        .await;
    b.click("button#set-password").await;
    // Once it is done, Lena is signed in.
    b.wait_css("#current-user").await;
    b.wait_for_path(&format!("/users/{}/profile", lena.id))
        .await;

    let res = app
        .login(
            &roster_tests::client(),
            "lena@example.com",
            "a-fresh-password-9",
        )
        .await;
    assert_eq!(res.status(), 200);
}
