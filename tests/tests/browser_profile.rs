//! A person's profile in headless Chromium: the email history (recipient,
//! status that updates by itself, a pause before sending again) and the
//! danger zone (suspend and delete, each confirmed, never on oneself).

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use roster_tests::smtp::SmtpSink;
use roster_tests::{ADMIN_EMAIL, ADMIN_PASSWORD, browser, smtp_at, spawn_app_with};
use roster_types::Role;

#[tokio::test]
async fn the_email_history_says_where_each_went_and_updates_by_itself() {
    // The mail server is down at first: the welcome email waits, queued.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
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
    b.sign_in(&app.address, ADMIN_EMAIL, ADMIN_PASSWORD).await;
    b.goto(&app.url(&format!("/users/{}/profile", ada.id)))
        .await;

    b.wait_css("#user-emails .badge-email-queued").await;
    assert_eq!(
        b.texts("#user-emails td.col-recipient").await,
        ["ada@example.com"]
    );
    // Once the server is back and the retry goes out, the section shows it
    // sent without a reload.
    let (sink, _) = SmtpSink::start(port).await;
    sink.wait_for(1).await;
    b.wait_until("the welcome email shows as sent", || async {
        b.texts("#user-emails .badge-email-sent").await.len() == 1
    })
    .await;

    // Sending again waits a moment after the last one, and says why.
    let resend = b.wait_css("#resend-invitation").await;
    assert_eq!(
        resend.attr("disabled").await.unwrap().as_deref(),
        Some("true")
    );
    let why = b
        .wait_css("#email-resend-paused")
        .await
        .text()
        .await
        .unwrap();
    assert!(why.contains("another can be sent in"), "{why}");
    assert_eq!(
        resend.attr("aria-describedby").await.unwrap().as_deref(),
        Some("email-resend-paused")
    );
}

#[tokio::test]
async fn suspend_and_delete_sit_in_a_danger_zone_and_confirm_by_name() {
    let (_sink, port) = SmtpSink::start(0).await;
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
    b.sign_in(&app.address, ADMIN_EMAIL, ADMIN_PASSWORD).await;

    // One's own profile offers neither.
    b.click("button#user-menu").await;
    b.click("#user-menu-profile").await;
    b.wait_css("#profile-details").await;
    assert!(b.texts("#danger-zone-title").await.is_empty());
    assert!(b.texts("#suspend-user, #delete-user").await.is_empty());

    b.goto(&app.url(&format!("/users/{}/profile", ada.id)))
        .await;
    b.wait_css("#danger-zone-title").await;
    // Last on the page.
    let last = b
        .eval("const all = document.querySelectorAll('.profile > *'); return all[all.length - 1].className;")
        .await;
    assert_eq!(last.as_str(), Some("danger-zone"));

    b.click("#suspend-user").await;
    let message = b.wait_css("#suspend-message").await.text().await.unwrap();
    assert!(message.contains("Suspend Ada Lovelace?"), "{message}");
    b.click("#confirm-suspend").await;
    b.wait_css("#reactivate-user").await;

    b.click("#delete-user").await;
    let message = b.wait_css("#delete-message").await.text().await.unwrap();
    assert!(
        message.contains("Delete Ada Lovelace for good?"),
        "{message}"
    );
    let confirm = b.wait_css("#confirm-delete").await;
    assert_eq!(
        confirm.attr("disabled").await.unwrap().as_deref(),
        Some("true")
    );
    b.type_into("#delete-email", "ada@example.org").await;
    assert_eq!(
        confirm.attr("disabled").await.unwrap().as_deref(),
        Some("true")
    );
    let field = b.wait_css("#delete-email").await;
    field.clear().await.unwrap();
    field.send_keys("ADA@example.com").await.unwrap();
    b.wait_until("the typed email unlocks Delete", || async {
        confirm.attr("disabled").await.unwrap().is_none()
    })
    .await;
    confirm.click().await.unwrap();
    b.wait_for_path("/users").await;
    b.wait_until("the Users page says who was deleted", || async {
        b.texts(".notice-region")
            .await
            .iter()
            .any(|t| t.contains("Ada Lovelace was deleted."))
    })
    .await;
    let gone = app.get(&format!("/api/v1/users/{}", ada.id), &admin).await;
    assert_eq!(gone.status(), 404);
}
