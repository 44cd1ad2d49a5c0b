//! The SPA in headless Chromium: the Audit page (filters in the address, a row
//! opened to its details, the CSV download) and who may see it, a person's
//! History tab, and the Sessions section of the Profile tab (signing one of
//! your other sessions out, signing someone out everywhere).

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use fantoccini::Locator;
use roster_tests::browser::{self, Browser};
use roster_tests::{ADMIN_EMAIL, ADMIN_PASSWORD, TestApp, client, spawn_app};
use roster_types::{Me, Role, SessionList, Team, User};
use serde_json::json;

const PASSWORD: &str = "a-good-password-42";

/// The actions of the audit rows on the page, in page order (newest first).
async fn row_actions(b: &Browser) -> Vec<String> {
    b.attrs("tr.audit-row", "data-action").await
}

/// Waits until a notice reads `text`.
async fn wait_for_notice(b: &Browser, text: &str) {
    b.wait_until(&format!("the notice says {text:?}"), || async {
        b.texts(".notice-text").await.iter().any(|t| t == text)
    })
    .await;
}

/// Opens the audit row with event `id` and returns the text of its details
/// JSON once shown.
async fn open_event(b: &Browser, id: &str) -> String {
    let button = format!("tr.audit-row[data-event-id='{id}'] button.expand-button");
    assert_eq!(
        b.attrs(&button, "aria-expanded").await,
        ["false"],
        "the row starts closed"
    );
    b.click(&button).await;
    b.wait_until("the row says it is open", || async {
        b.attrs(&button, "aria-expanded").await == ["true"]
    })
    .await;
    let json = b.wait_css(&format!("#audit-event-{id}-json")).await;
    json.text().await.unwrap()
}

/// The id of the first audit row on the page with action `action`.
async fn event_id_of(b: &Browser, action: &str) -> String {
    let ids = b
        .attrs(
            &format!("tr.audit-row[data-action='{action}']"),
            "data-event-id",
        )
        .await;
    ids.into_iter()
        .next()
        .unwrap_or_else(|| panic!("a {action} row is listed"))
}

/// The user `token` belongs to.
async fn me(app: &TestApp, token: &str) -> User {
    let res = app.get("/api/v1/auth/me", token).await;
    assert_eq!(res.status(), 200);
    res.json::<Me>().await.unwrap().user
}

/// The id of the session of `token`.
async fn session_of(app: &TestApp, token: &str) -> String {
    let res = app.get("/api/v1/auth/sessions", token).await;
    assert_eq!(res.status(), 200);
    let list: SessionList = res.json().await.unwrap();
    list.items
        .iter()
        .find(|s| s.current)
        .map(|s| s.id.to_string())
        .expect("the token's own session is listed")
}

async fn me_status(app: &TestApp, token: &str) -> u16 {
    app.get("/api/v1/auth/me", token).await.status().as_u16()
}

/// The ids of the session rows, and of those marked current.
async fn session_rows(b: &Browser) -> (Vec<String>, Vec<String>) {
    let all = b
        .attrs("#sessions-table tr.session-row", "data-session-id")
        .await;
    let current = b
        .attrs(
            "#sessions-table tr.session-row[data-current=true]",
            "data-session-id",
        )
        .await;
    (all, current)
}

#[tokio::test]
async fn an_admin_filters_the_audit_trail_opens_an_event_and_downloads_the_csv() {
    let app = spawn_app().await;
    let Some(b) = browser::open().await else {
        return;
    };
    // Arrange: some activity, one of it refused.
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
    let team: Team = app
        .post_json(
            "/api/v1/teams",
            &admin,
            &json!({"name": "Sales EMEA", "description": "Account executives"}),
        )
        .await
        .json()
        .await
        .unwrap();
    let joined = app
        .post_json(
            &format!("/api/v1/teams/{}/members", team.id),
            &admin,
            &json!({"user_id": ada.id, "role": "member"}),
        )
        .await;
    assert_eq!(joined.status(), 201);
    let wrong = app.login(&client(), ADMIN_EMAIL, "not-the-password").await;
    assert_eq!(wrong.status(), 401);

    // Act: the admin opens the Audit page from the navigation.
    b.sign_in(&app.address, ADMIN_EMAIL, ADMIN_PASSWORD).await;
    b.click("#nav-audit").await;
    b.wait_for_path("/audit").await;

    // Assert: the activity is listed.
    b.wait_until("the activity is listed", || async {
        let actions = row_actions(&b).await;
        [
            "user.created",
            "team.created",
            "team.member_added",
            "auth.sign_in_failed",
        ]
        .iter()
        .all(|want| actions.iter().any(|a| a == want))
    })
    .await;

    // Filtering by an action prefix leaves only the team events, and the
    // address carries the filter.
    b.type_into("input#audit-action", "team.").await;
    b.click("#apply-audit-filters").await;
    b.wait_until("only the team events are listed", || async {
        row_actions(&b).await == ["team.member_added", "team.created"]
    })
    .await;
    assert_eq!(b.query_value("action").await.as_deref(), Some("team."));

    // A row opens to show its details.
    let created = event_id_of(&b, "team.created").await;
    let details = open_event(&b, &created).await;
    assert!(details.contains("Account executives"), "{details}");

    // A reload keeps the filter, in the list and in the form.
    b.client.refresh().await.unwrap();
    b.wait_until("the filtered list is back after a reload", || async {
        row_actions(&b).await == ["team.member_added", "team.created"]
    })
    .await;
    let action = b.wait_css("input#audit-action").await;
    assert_eq!(
        action.prop("value").await.unwrap().as_deref(),
        Some("team.")
    );

    // Filtering by outcome, after clearing the filters.
    b.click("#clear-audit-filters").await;
    b.wait_until("the filters are cleared", || async {
        b.client
            .current_url()
            .await
            .is_ok_and(|u| u.query().is_none_or(str::is_empty))
            && row_actions(&b).await.iter().any(|a| a == "user.created")
    })
    .await;
    b.wait_css("select#audit-outcome")
        .await
        .select_by_value("refused")
        .await
        .unwrap();
    b.click("#apply-audit-filters").await;
    b.wait_until("only the refused sign-in is listed", || async {
        row_actions(&b).await == ["auth.sign_in_failed"]
    })
    .await;
    assert_eq!(b.attrs("tr.audit-row", "data-outcome").await, ["refused"]);
    assert_eq!(b.query_value("outcome").await.as_deref(), Some("refused"));
    assert_eq!(b.query_value("action").await, None);

    // The CSV download says it is done.
    b.click("#download-audit-csv").await;
    wait_for_notice(&b, "Downloaded audit-events.csv.").await;
    assert!(b.texts("#audit-csv-error").await.is_empty());
}

#[tokio::test]
async fn learners_and_managers_are_told_the_audit_page_is_for_admins() {
    let app = spawn_app().await;
    let Some(b) = browser::open().await else {
        return;
    };
    let (lena, _) = app
        .user_with_password(&[Role::Learner], "lena@example.com")
        .await;
    app.user_with_password(&[Role::Manager], "max@example.com")
        .await;

    // A learner: no link, and the page says no.
    b.submit_sign_in(&app.address, "lena@example.com", PASSWORD)
        .await;
    b.wait_for_path(&format!("/users/{}/profile", lena.id))
        .await;
    b.wait_css(".app-nav a").await;
    assert!(b.texts("#nav-audit").await.is_empty(), "no Audit link");
    b.goto(&app.url("/audit")).await;
    b.wait_css("#audit-forbidden").await;
    assert!(
        b.texts("#audit-table, #download-audit-csv")
            .await
            .is_empty()
    );

    // A manager: the same.
    b.sign_out().await;
    b.wait_css("input#email").await;
    b.sign_in(&app.address, "max@example.com", PASSWORD).await;
    b.wait_css(".app-nav a").await;
    assert!(b.texts("#nav-audit").await.is_empty(), "no Audit link");
    b.goto(&app.url("/audit")).await;
    b.wait_css("#audit-forbidden").await;
    assert!(
        b.texts("#audit-table, #download-audit-csv")
            .await
            .is_empty()
    );
}

#[tokio::test]
async fn the_history_tab_lists_what_was_done_to_the_person() {
    let app = spawn_app().await;
    let Some(b) = browser::open().await else {
        return;
    };
    // Arrange: Ada is created and renamed; someone else is created too.
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
    let renamed = app
        .patch_json(
            &format!("/api/v1/users/{}", ada.id),
            &admin,
            &json!({"first_name": "Augusta"}),
            None,
        )
        .await;
    assert_eq!(renamed.status(), 200);
    app.create_user(&admin, "Bob", "Stranger", "bob@example.com", &[])
        .await;

    // Act: the admin opens her History tab from her profile.
    b.sign_in(&app.address, ADMIN_EMAIL, ADMIN_PASSWORD).await;
    b.goto(&app.url(&format!("/users/{}/profile", ada.id)))
        .await;
    b.click("#tab-history").await;
    b.wait_for_path(&format!("/users/{}/history", ada.id)).await;

    // Assert: her events are listed, newest first, and nobody else's.
    b.wait_until("her creation and rename are listed", || async {
        let actions = b.attrs("#user-history tr.audit-row", "data-action").await;
        let updated = actions.iter().position(|a| a == "user.updated");
        let created = actions.iter().position(|a| a == "user.created");
        matches!((updated, created), (Some(u), Some(c)) if u < c)
    })
    .await;
    let actions = b.attrs("#user-history tr.audit-row", "data-action").await;
    assert_eq!(
        actions.iter().filter(|a| *a == "user.created").count(),
        1,
        "only her own creation: {actions:?}"
    );
    let hers = app
        .audit_actions(&admin, &format!("target_user_id={}", ada.id))
        .await;
    for action in &actions {
        assert!(hers.contains(action), "{action} is about her: {hers:?}");
    }
    assert_eq!(b.texts("[role=tab][aria-selected=true]").await, ["History"]);

    // The rename opens to show what changed.
    let updated = b
        .attrs(
            "#user-history tr.audit-row[data-action='user.updated']",
            "data-event-id",
        )
        .await;
    let details = open_event(&b, &updated[0]).await;
    assert!(
        details.contains("Augusta") && details.contains("Ada"),
        "{details}"
    );
}

#[tokio::test]
async fn an_admin_sees_their_sessions_and_signs_another_one_out() {
    let app = spawn_app().await;
    let Some(b) = browser::open().await else {
        return;
    };
    // Arrange: the admin is signed in through the API, then in the browser.
    let other_token = app.admin_token().await;
    let other = session_of(&app, &other_token).await;
    let admin = me(&app, &other_token).await;
    b.sign_in(&app.address, ADMIN_EMAIL, ADMIN_PASSWORD).await;

    // Act: they open their own profile.
    b.goto(&app.url(&format!("/users/{}/profile", admin.id)))
        .await;
    b.wait_css("#sessions").await;

    // Assert: both sessions are listed, this browser's marked as such.
    b.wait_until("both sessions are listed", || async {
        session_rows(&b).await.0.len() == 2
    })
    .await;
    let (all, current) = session_rows(&b).await;
    assert_eq!(current.len(), 1, "one session is this browser's");
    assert_ne!(current[0], other);
    assert!(all.contains(&other), "{all:?} holds {other}");
    assert_eq!(
        b.texts("tr.session-row[data-current=true] .badge-current")
            .await,
        ["This browser"]
    );
    assert!(
        b.texts("tr.session-row[data-current=false] .badge-current")
            .await
            .is_empty()
    );
    // Only the other session has a Sign out button.
    assert_eq!(
        b.attrs("button.sign-out-session", "data-session-id").await,
        [other.as_str()]
    );

    // Signing the other one out removes it, and its token stops working.
    assert_eq!(me_status(&app, &other_token).await, 200);
    b.click(&format!(
        "button.sign-out-session[data-session-id='{other}']"
    ))
    .await;
    b.wait_until("only this browser's session is left", || async {
        session_rows(&b).await == (current.clone(), current.clone())
    })
    .await;
    wait_for_notice(&b, "That session was signed out.").await;
    assert_eq!(me_status(&app, &other_token).await, 401);
    // This browser is still signed in.
    b.client.refresh().await.unwrap();
    b.wait_until("this session is still listed after a reload", || async {
        session_rows(&b).await == (current.clone(), current.clone())
    })
    .await;
}

#[tokio::test]
async fn an_admin_signs_a_learner_out_everywhere_from_their_profile() {
    let app = spawn_app().await;
    let Some(b) = browser::open().await else {
        return;
    };
    // Arrange: a learner signed in twice through the API.
    let (lena, token) = app
        .user_with_password(&[Role::Learner], "lena@example.com")
        .await;
    let second = app.token_for(&client(), "lena@example.com", PASSWORD).await;
    let sessions = [
        session_of(&app, &token).await,
        session_of(&app, &second).await,
    ];
    b.sign_in(&app.address, ADMIN_EMAIL, ADMIN_PASSWORD).await;

    // Act: the admin opens her profile and signs her out everywhere.
    b.goto(&app.url(&format!("/users/{}/profile", lena.id)))
        .await;
    b.wait_until("both of her sessions are listed", || async {
        let mut ids = session_rows(&b).await.0;
        ids.sort();
        let mut want = sessions.to_vec();
        want.sort();
        ids == want
    })
    .await;
    assert!(
        session_rows(&b).await.1.is_empty(),
        "none is this browser's"
    );
    assert!(
        b.texts("button.sign-out-session, .badge-current")
            .await
            .is_empty(),
        "no per-session controls on someone else's profile"
    );
    b.click("button#sign-out-everywhere").await;
    let message = b
        .wait_css("#sign-out-everywhere-dialog #sign-out-everywhere-message")
        .await
        .text()
        .await
        .unwrap();
    assert!(message.contains("all 2 of their sessions"), "{message}");
    assert_eq!(me_status(&app, &token).await, 200, "nothing ends before");
    b.click("#confirm-sign-out-everywhere").await;

    // Assert: the dialog closes, the list empties, and her tokens stop working.
    b.wait_until("the dialog closed", || async {
        b.client
            .find(Locator::Css("#sign-out-everywhere-dialog"))
            .await
            .is_err()
    })
    .await;
    b.wait_css("#sessions-table-empty").await;
    assert!(session_rows(&b).await.0.is_empty());
    wait_for_notice(&b, "Test Person was signed out everywhere.").await;
    assert_eq!(me_status(&app, &token).await, 401);
    assert_eq!(me_status(&app, &second).await, 401);
    let button = b.wait_css("button#sign-out-everywhere").await;
    b.wait_until("there is nothing left to sign out", || async {
        button.attr("disabled").await.ok().flatten().is_some()
    })
    .await;
}
