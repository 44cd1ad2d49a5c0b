//! The SPA in headless Chromium: sign in, the Users table, search, sort, Add User,
//! sign out, and Back after it.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use fantoccini::Locator;
use roster_tests::browser::{self, Browser};
use roster_tests::{ADMIN_EMAIL, ADMIN_PASSWORD, spawn_app};
use roster_types::Role;

/// Clicks the Name header and waits for the rows to be in `expected` order.
async fn sort_by_name_expecting(b: &Browser, expected: &[&str], aria_sort: &str) {
    b.click("th[data-column=name] button").await;
    b.wait_until(&format!("names are {aria_sort}"), || async {
        b.texts("#users-table td.col-name > a").await == expected
    })
    .await;
    let header = b.wait_css("th[data-column=name]").await;
    assert_eq!(
        header.attr("aria-sort").await.unwrap().as_deref(),
        Some(aria_sort)
    );
}

async fn row_count(b: &Browser) -> usize {
    b.texts("table#users-table tbody tr td.col-email")
        .await
        .len()
}

#[tokio::test]
async fn an_admin_signs_in_searches_sorts_adds_a_user_and_signs_out() {
    let app = spawn_app().await;
    let Some(b) = browser::open().await else {
        return;
    };
    let token = app.admin_token().await;
    for (first, last, email) in [
        ("Ada", "Lovelace", "ada@example.com"),
        ("Grace", "Hopper", "grace@example.com"),
        ("Alan", "Turing", "alan@example.com"),
    ] {
        app.create_user(&token, first, last, email, &[Role::Learner])
            .await;
    }

    // A wrong password is explained on the page.
    b.client.goto(&app.url("/login")).await.unwrap();
    b.type_into("input#email", ADMIN_EMAIL).await;
    b.type_into("input#password", "not-the-password").await;
    b.click("button[type=submit]").await;
    let alert = b.wait_css("[role=alert]").await;
    b.wait_until("the sign-in error shows", || async {
        alert
            .text()
            .await
            .unwrap_or_default()
            .contains("Wrong email or password")
    })
    .await;

    // Sign in: the table shows everyone, with the total.
    b.sign_in(&app.address, ADMIN_EMAIL, ADMIN_PASSWORD).await;
    b.wait_css("table#users-table tbody tr td.col-email").await;
    b.wait_until("four users are listed", || async {
        row_count(&b).await == 4
    })
    .await;
    let who = b.wait_css("#current-user").await.text().await.unwrap();
    assert_eq!(who, "Roster Admin");
    let total = b.wait_css("#users-total").await.text().await.unwrap();
    assert!(total.contains('4'), "{total}");

    // The session survives a reload.
    b.client.refresh().await.unwrap();
    b.wait_until("the table is back after a reload", || async {
        row_count(&b).await == 4
    })
    .await;

    // Searching narrows the rows (server-side, debounced).
    b.type_into("input#user-search", "HOPP").await;
    b.wait_until("only Grace is listed", || async {
        b.texts("td.col-email").await == vec!["grace@example.com".to_string()]
    })
    .await;
    let search = b.wait_css("input#user-search").await;
    search.clear().await.unwrap();
    search.send_keys(" ").await.unwrap();
    b.wait_until("everyone is back", || async { row_count(&b).await == 4 })
        .await;

    // Clicking the Name header sorts ascending, clicking again reverses.
    let ascending = [
        "Ada Lovelace",
        "Alan Turing",
        "Grace Hopper",
        "Roster Admin",
    ];
    sort_by_name_expecting(&b, &ascending, "ascending").await;
    let mut descending = ascending;
    descending.reverse();
    sort_by_name_expecting(&b, &descending, "descending").await;

    // Add User: a taken email is explained next to the field, then a new one works.
    b.click("button#add-user").await;
    b.type_into("[role=dialog] input#new-first-name", "Katherine")
        .await;
    b.type_into("input#new-last-name", "Johnson").await;
    b.type_into("input#new-email", "ada@example.com").await;
    b.click("button#create-user").await;
    let error = b.wait_css("#new-email-error").await;
    b.wait_until("the duplicate email is explained", || async {
        !error.text().await.unwrap_or_default().is_empty()
    })
    .await;
    let email = b.wait_css("input#new-email").await;
    email.clear().await.unwrap();
    email.send_keys("katherine@example.com").await.unwrap();
    b.click("button#create-user").await;
    b.wait_until("the new user is in the table", || async {
        b.texts("td.col-email")
            .await
            .contains(&"katherine@example.com".to_string())
    })
    .await;
    b.wait_until("the dialog closed", || async {
        b.client.find(Locator::Css("[role=dialog]")).await.is_err()
    })
    .await;
    assert_eq!(row_count(&b).await, 5);

    // Sign out: back to the sign-in page, and a reload does not sign back in.
    b.sign_out().await;
    b.wait_css("input#email").await;
    b.client.goto(&app.url("/users")).await.unwrap();
    b.wait_css("input#email").await;
    let url = b.client.current_url().await.unwrap();
    assert!(url.path().starts_with("/login"), "{url}");
}

#[tokio::test]
async fn after_sign_out_back_shows_the_sign_in_page_and_no_data() {
    let app = spawn_app().await;
    let Some(b) = browser::open().await else {
        return;
    };
    let admin = app.admin_token().await;
    app.create_user(
        &admin,
        "Ada",
        "Lovelace",
        "ada@example.com",
        &[Role::Learner],
    )
    .await;
    b.sign_in(&app.address, ADMIN_EMAIL, ADMIN_PASSWORD).await;
    b.wait_until("the users are listed", || async {
        row_count(&b).await == 2
    })
    .await;
    // One step further in the app, so that Back has the list to go back to.
    b.click("td.col-name a[href*='/users/']").await;
    b.wait_until("a person's page is open", || async {
        b.client
            .current_url()
            .await
            .is_ok_and(|u| u.path().starts_with("/users/"))
    })
    .await;
    b.sign_out().await;
    b.wait_for_path("/login").await;
    b.client.back().await.unwrap();
    // Back lands on the sign-in page again, with nothing of the list.
    b.wait_until("the sign-in form is back", || async {
        b.client.find(Locator::Css("input#email")).await.is_ok()
    })
    .await;
    b.wait_for_path("/login").await;
    assert_eq!(row_count(&b).await, 0);
    assert!(
        b.client
            .find(Locator::Css("table#users-table"))
            .await
            .is_err(),
        "no users table after Back"
    );
}
