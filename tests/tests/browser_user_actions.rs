//! The Users table in headless Chromium: status and roles on each row, the
//! per-row actions menu as an admin and as a manager sees it (suspend and
//! delete after confirming), and a search that ignores accents.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use roster_tests::browser::{self, Browser};
use roster_tests::{ADMIN_EMAIL, ADMIN_PASSWORD, TestApp, spawn_app};
use roster_types::{Role, Team, User};
use serde_json::json;

/// The entries of a row's open menu: key and whether it is enabled.
async fn menu_entries(b: &Browser, user: &User) -> Vec<(String, bool)> {
    let prefix = format!("user-actions-{}-", user.id);
    let ids = b
        .attrs(
            &format!("#user-actions-{}-menu [role=menuitem]", user.id),
            "id",
        )
        .await;
    let mut out = Vec::new();
    for id in ids {
        let disabled = b
            .attrs(&format!("#{id}[aria-disabled=true]"), "id")
            .await
            .len()
            == 1;
        out.push((id.trim_start_matches(&prefix).to_string(), !disabled));
    }
    out
}

async fn open_menu(b: &Browser, user: &User) {
    b.click(&format!("#user-actions-{}", user.id)).await;
    b.wait_css(&format!("#user-actions-{}-menu", user.id)).await;
}

fn entries(list: &[(&str, bool)]) -> Vec<(String, bool)> {
    list.iter().map(|(k, e)| (k.to_string(), *e)).collect()
}

async fn me(app: &TestApp, token: &str) -> User {
    let me: roster_types::Me = app
        .get("/api/v1/auth/me", token)
        .await
        .json()
        .await
        .unwrap();
    me.user
}

#[tokio::test]
async fn an_admin_suspends_and_deletes_from_a_rows_menu_after_confirming() {
    let app = spawn_app().await;
    let Some(b) = browser::open().await else {
        return;
    };
    let token = app.admin_token().await;
    let ada = app
        .create_user(
            &token,
            "Ada",
            "Lovelace",
            "ada@example.com",
            &[Role::Learner],
        )
        .await;
    let admin = me(&app, &token).await;
    b.sign_in(&app.address, ADMIN_EMAIL, ADMIN_PASSWORD).await;

    // Each row shows its status and roles.
    let row = format!("#user-actions-{}", ada.id);
    b.wait_css(&row).await;
    b.wait_until("Ada's row shows Invited and Learner", || async {
        b.texts("#users-table tbody tr")
            .await
            .iter()
            .any(|r| r.contains("Ada Lovelace") && r.contains("Invited") && r.contains("Learner"))
    })
    .await;

    // The admin's own row offers no suspension or deletion, and says why.
    open_menu(&b, &admin).await;
    assert_eq!(
        menu_entries(&b, &admin).await,
        entries(&[
            ("edit", true),
            ("send-reset", true),
            ("suspend", false),
            ("delete", false)
        ])
    );
    let reason = b
        .texts(&format!("#user-actions-{}-suspend .menu-reason", admin.id))
        .await;
    assert_eq!(reason, ["You cannot suspend your own account."]);
    // Escape closes the menu and gives focus back to its button.
    b.client
        .active_element()
        .await
        .unwrap()
        .send_keys("\u{e00c}")
        .await
        .unwrap();
    b.wait_until("the menu closed", || async {
        b.texts(&format!("#user-actions-{}-menu", admin.id))
            .await
            .is_empty()
    })
    .await;
    let focused = b
        .client
        .active_element()
        .await
        .unwrap()
        .attr("id")
        .await
        .unwrap();
    assert_eq!(focused, Some(format!("user-actions-{}", admin.id)));

    // Ada: everything, and the invitation rather than a reset link.
    open_menu(&b, &ada).await;
    assert_eq!(
        menu_entries(&b, &ada).await,
        entries(&[
            ("edit", true),
            ("resend-invitation", true),
            ("suspend", true),
            ("delete", true)
        ])
    );
    b.click(&format!("#user-actions-{}-suspend", ada.id)).await;
    let message = b
        .wait_css("#row-suspend-message")
        .await
        .text()
        .await
        .unwrap();
    assert!(message.contains("Suspend Ada Lovelace?"), "{message}");
    b.click("#row-confirm-suspend").await;
    b.wait_until("the notice says she was suspended", || async {
        b.texts(".notice-text").await == ["Ada Lovelace was suspended."]
    })
    .await;
    b.wait_until("her row reads Suspended", || async {
        b.texts("#users-table tbody tr")
            .await
            .iter()
            .any(|r| r.contains("Ada Lovelace") && r.contains("Suspended"))
    })
    .await;
    let stored: User = app
        .get(&format!("/api/v1/users/{}", ada.id), &token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(stored.status, roster_types::UserStatus::Suspended);

    // Delete asks for her email before it does anything.
    open_menu(&b, &ada).await;
    assert_eq!(
        menu_entries(&b, &ada).await,
        entries(&[("edit", true), ("reactivate", true), ("delete", true)])
    );
    b.click(&format!("#user-actions-{}-delete", ada.id)).await;
    let confirm = b.wait_css("#row-confirm-delete").await;
    assert_eq!(
        confirm.attr("disabled").await.unwrap().as_deref(),
        Some("true")
    );
    b.type_into("#row-delete-email", "ada@example.co").await;
    assert_eq!(
        confirm.attr("disabled").await.unwrap().as_deref(),
        Some("true")
    );
    b.type_into("#row-delete-email", "m").await;
    b.wait_until("the delete button is enabled", || async {
        confirm.attr("disabled").await.ok().flatten().is_none()
    })
    .await;
    confirm.click().await.unwrap();
    b.wait_until("the notice says she was deleted", || async {
        b.texts(".notice-text").await == ["Ada Lovelace was deleted."]
    })
    .await;
    b.wait_until("her row is gone", || async {
        b.texts(&row).await.is_empty()
    })
    .await;
    assert_eq!(
        app.get(&format!("/api/v1/users/{}", ada.id), &token)
            .await
            .status(),
        404
    );
}

#[tokio::test]
async fn a_manager_is_offered_what_they_may_do_and_told_what_only_admins_do() {
    let app = spawn_app().await;
    let Some(b) = browser::open().await else {
        return;
    };
    let admin = app.admin_token().await;
    let sales: Team = app
        .post_json("/api/v1/teams", &admin, &json!({"name": "Sales"}))
        .await
        .json()
        .await
        .unwrap();
    let (manager, _) = app
        .user_with_password(&[Role::Manager], "manager@example.com")
        .await;
    let leo = app
        .create_user(&admin, "Leo", "Member", "leo@example.com", &[Role::Learner])
        .await;
    let fellow = app
        .create_user(&admin, "Fay", "Fellow", "fay@example.com", &[Role::Manager])
        .await;
    for (user, role) in [(&manager, "manager"), (&leo, "member"), (&fellow, "member")] {
        let res = app
            .post_json(
                &format!("/api/v1/teams/{}/members", sales.id),
                &admin,
                &json!({"user_id": user.id, "role": role}),
            )
            .await;
        assert_eq!(res.status(), 201);
    }

    b.sign_in(&app.address, "manager@example.com", "a-good-password-42")
        .await;
    open_menu(&b, &leo).await;
    assert_eq!(
        menu_entries(&b, &leo).await,
        entries(&[
            ("edit", true),
            ("resend-invitation", true),
            ("suspend", false),
            ("delete", false)
        ])
    );
    // The invitation goes out from the menu.
    b.click(&format!("#user-actions-{}-resend-invitation", leo.id))
        .await;
    b.wait_until("the notice names Leo's address", || async {
        b.texts(".notice-text").await == ["A new invitation is on its way to leo@example.com."]
    })
    .await;

    // A fellow manager is out of a manager's hands, and the menu says so.
    open_menu(&b, &fellow).await;
    assert_eq!(menu_entries(&b, &fellow).await, entries(&[("edit", false)]));
    let reason = b
        .texts(&format!("#user-actions-{}-edit .menu-reason", fellow.id))
        .await;
    assert_eq!(reason, ["Only admins can change admins and managers."]);
}

#[tokio::test]
async fn the_role_and_date_filters_narrow_the_table_and_live_in_the_address() {
    let app = spawn_app().await;
    let Some(b) = browser::open().await else {
        return;
    };
    let token = app.admin_token().await;
    app.create_user(
        &token,
        "Mia",
        "Manager",
        "mia@example.com",
        &[Role::Manager],
    )
    .await;
    app.create_user(
        &token,
        "Leo",
        "Learner",
        "leo@example.com",
        &[Role::Learner],
    )
    .await;
    b.sign_in(&app.address, ADMIN_EMAIL, ADMIN_PASSWORD).await;
    b.wait_until("everyone is listed", || async {
        b.texts("#users-table td.col-name > a").await.len() == 3
    })
    .await;

    b.wait_css("select#filter-role")
        .await
        .select_by_value("manager")
        .await
        .unwrap();
    b.wait_until("only the manager is listed", || async {
        b.texts("#users-table td.col-name > a").await == ["Mia Manager"]
    })
    .await;
    assert_eq!(b.query_value("role").await.as_deref(), Some("manager"));

    // A range that ended before anyone was added finds nobody, and says so.
    let to = b.wait_css("input#filter-created-to").await;
    to.send_keys("01012020").await.unwrap();
    // The input may pass through partial years while the digits go in; wait
    // for the whole date (the day after, in the browser's zone) to arrive.
    b.wait_until("the range reaches the address", || async {
        b.query_value("created_to")
            .await
            .is_some_and(|to| to.starts_with("2020-01-0"))
    })
    .await;
    b.wait_until("nobody matches", || async {
        b.texts("main")
            .await
            .iter()
            .any(|t| t.contains("No users match these filters."))
    })
    .await;

    // Reloading keeps the filters.
    b.client.refresh().await.unwrap();
    b.wait_until("the role filter is still chosen", || async {
        b.attrs("select#filter-role option:checked", "value").await == ["manager"]
    })
    .await;
    b.wait_until("the date input shows the last day of the range", || async {
        b.client
            .execute(
                "const e = document.getElementById('filter-created-to'); return e ? e.value : null",
                vec![],
            )
            .await
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .as_deref()
            == Some("2020-01-01")
    })
    .await;
}

#[tokio::test]
async fn searching_ignores_accents_and_word_order() {
    let app = spawn_app().await;
    let Some(b) = browser::open().await else {
        return;
    };
    let token = app.admin_token().await;
    for (first, last, email) in [
        ("Chloé", "Dubois-Zając", "chloe@example.com"),
        ("Łukasz", "Wróbel", "lukasz@example.com"),
        ("Ada", "Lovelace", "ada@example.com"),
    ] {
        app.create_user(&token, first, last, email, &[Role::Learner])
            .await;
    }
    b.sign_in(&app.address, ADMIN_EMAIL, ADMIN_PASSWORD).await;
    for (typed, expected) in [
        // Each finds someone else than the one before, so that the table
        // cannot pass on the previous search's rows.
        ("zajac", "Chloé Dubois-Zając"),
        ("lukasz", "Łukasz Wróbel"),
        ("dubois chloe", "Chloé Dubois-Zając"),
        ("lovelace ADA", "Ada Lovelace"),
    ] {
        let search = b.wait_css("input#user-search").await;
        search.clear().await.unwrap();
        search.send_keys(typed).await.unwrap();
        // The address follows the search, then the table follows the address.
        b.wait_until(&format!("the address searches {typed:?}"), || async {
            b.query_value("q").await.as_deref() == Some(typed)
        })
        .await;
        b.wait_until(&format!("{typed:?} finds {expected}"), || async {
            b.texts("#users-table td.col-name > a").await == [expected]
        })
        .await;
    }
}
