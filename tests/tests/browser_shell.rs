//! The signed-in frame in headless Chromium: the Admin sidebar and the account
//! menu, focus on a new page, the breadcrumb, the no-access and not-found
//! pages, the narrow layout, and the Add User dialog on a laptop screen.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use roster_tests::browser::Browser;
use roster_tests::{ADMIN_EMAIL, ADMIN_PASSWORD, browser, spawn_app};
use roster_types::Role;
use serde_json::json;

/// The id of the focused element.
async fn focused(b: &Browser) -> String {
    b.eval("return document.activeElement ? document.activeElement.id : '';")
        .await
        .as_str()
        .unwrap_or_default()
        .to_string()
}

/// The rectangle of the first element matching `css`: left, top, right,
/// bottom, and the viewport's width and height.
async fn rect(b: &Browser, css: &str) -> [f64; 6] {
    let script = format!(
        "const r = document.querySelector({css:?}).getBoundingClientRect();\
         return [r.left, r.top, r.right, r.bottom, \
                 document.documentElement.clientWidth, window.innerHeight];"
    );
    let value = b.eval(&script).await;
    let list: Vec<f64> = value
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect();
    list.try_into().unwrap()
}

async fn is_displayed(b: &Browser, css: &str) -> bool {
    b.wait_css(css).await.is_displayed().await.unwrap()
}

#[tokio::test]
async fn the_sidebar_and_account_menu_lead_around_and_a_new_page_takes_focus() {
    let app = spawn_app().await;
    let Some(b) = browser::open().await else {
        return;
    };
    let admin = app.admin_token().await;
    let team: roster_types::Team = app
        .post_json("/api/v1/teams", &admin, &json!({"name": "Support"}))
        .await
        .json()
        .await
        .unwrap();
    b.sign_in(&app.address, ADMIN_EMAIL, ADMIN_PASSWORD).await;
    b.wait_css("#users-heading").await;

    let links = b.texts("nav.sidebar a").await;
    assert_eq!(links, ["Users", "Teams", "Audit", "Jobs"]);
    // "Admin > Users", as the help pages say (shown in capitals).
    let heading = b.texts(".sidebar-heading").await;
    assert_eq!(heading.concat().to_lowercase(), "admin", "{heading:?}");

    // Another page: focus goes to its heading.
    b.click("#nav-teams").await;
    b.wait_css("#teams-heading").await;
    b.wait_until("the Teams heading has focus", || async {
        focused(&b).await == "teams-heading"
    })
    .await;

    // A detail page names its place in a breadcrumb.
    b.click(&format!("a[href='/teams/{}']", team.id)).await;
    b.wait_until("the breadcrumb names the team", || async {
        b.texts("#breadcrumb li").await == ["Teams", "Support"]
    })
    .await;
    b.wait_until("the team's heading has focus", || async {
        focused(&b).await == "team-heading"
    })
    .await;

    // The account menu: My profile, then Sign out.
    b.click("button#user-menu").await;
    assert_eq!(
        b.texts("#user-menu-menu [role=menuitem]").await,
        ["My profile", "Sign out"]
    );
    b.click("#user-menu-profile").await;
    b.wait_until("the admin's own profile is open", || async {
        b.texts("#user-heading").await == ["Roster Admin"]
    })
    .await;
    b.sign_out().await;
    b.wait_for_path("/login").await;
}

#[tokio::test]
async fn a_learner_is_told_what_is_not_for_them_and_unknown_places_are_not_found() {
    let app = spawn_app().await;
    let Some(b) = browser::open().await else {
        return;
    };
    let (learner, _) = app
        .user_with_password(&[Role::Learner], "lena@example.com")
        .await;
    b.submit_sign_in(&app.address, "lena@example.com", "a-good-password-42")
        .await;
    b.wait_for_path(&format!("/users/{}/profile", learner.id))
        .await;

    for (path, alert) in [
        ("/users", "#users-forbidden"),
        ("/teams", "#teams-forbidden"),
        ("/audit", "#audit-forbidden"),
    ] {
        b.goto(&app.url(path)).await;
        let said = b.wait_css(alert).await.text().await.unwrap();
        assert!(said.contains("Only admins"), "{path}: {said}");
        // Nothing of the page behind it: no table, no Add, no Retry.
        assert!(b.texts("table").await.is_empty(), "{path}");
        assert!(b.texts("#add-user").await.is_empty(), "{path}");
        assert!(
            !b.texts("button").await.iter().any(|t| t == "Retry"),
            "{path}"
        );
        assert_eq!(
            b.texts("#no-access-home").await,
            ["Go to your profile"],
            "{path}"
        );
    }
    b.click("#no-access-home").await;
    b.wait_for_path(&format!("/users/{}/profile", learner.id))
        .await;

    // Someone who is not there, or not hers to see: no Retry, a way back.
    b.goto(&app.url(&format!("/users/{}/profile", uuid::Uuid::now_v7())))
        .await;
    let said = b.wait_css("#user-load-error").await.text().await.unwrap();
    assert!(said.contains("does not exist"), "{said}");
    assert!(!said.contains("Retry"), "{said}");
    assert_eq!(b.texts("#back-to-users").await, ["Go to your profile"]);

    b.goto(&app.url("/no/such/page")).await;
    b.wait_css("#not-found").await;
    // A fresh page load: the way home follows once the session is restored.
    b.wait_until("the not-found page leads to her profile", || async {
        b.texts("#not-found-home").await == ["Go to your profile"]
    })
    .await;
}

#[tokio::test]
async fn at_400_pixels_the_sidebar_folds_away_and_row_actions_stay_in_reach() {
    let app = spawn_app().await;
    let Some(b) = browser::open().await else {
        return;
    };
    let admin = app.admin_token().await;
    let ada = app
        .create_user(
            &admin,
            "Ada",
            "Lovelace-Byron-King-Noel",
            "ada.lovelace.byron.king.noel@example.com",
            &[Role::Learner],
        )
        .await;
    b.resize(400, 800).await;
    b.sign_in(&app.address, ADMIN_EMAIL, ADMIN_PASSWORD).await;
    b.wait_css("#users-heading").await;

    assert!(!is_displayed(&b, "#app-sidebar").await, "folded away");
    b.click("#nav-toggle").await;
    assert!(
        is_displayed(&b, "#app-sidebar").await,
        "the Menu button opens it"
    );
    b.click("#nav-teams").await;
    b.wait_css("#teams-heading").await;
    assert!(
        !is_displayed(&b, "#app-sidebar").await,
        "closed after a choice"
    );

    b.goto(&app.url("/users")).await;
    let actions = format!("#user-actions-{}", ada.id);
    b.wait_css(&actions).await;
    let [left, _, right, _, width, _] = rect(&b, &actions).await;
    assert!(
        left >= 0.0 && right <= width,
        "the row's Actions button is on screen: {left}..{right} of {width}"
    );
    let [_, _, page_right, _, width, _] = rect(&b, "body").await;
    assert!(
        page_right <= width + 0.5,
        "the page itself does not scroll sideways"
    );
    b.click(&actions).await;
    let menu = format!("#user-actions-{}-menu", ada.id);
    b.wait_css(&menu).await;
    // The open menu is not clipped by the table's scrolling frame: its
    // entries are on screen and on top at their own centre.
    let visible = b
        .eval(&format!(
            "const items = document.querySelectorAll('{menu} [role=menuitem]');\
             return Array.from(items).every(item => {{\
               const r = item.getBoundingClientRect();\
               const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);\
               return r.bottom <= window.innerHeight && r.right <= document.documentElement.clientWidth\
                 && hit !== null && item.contains(hit);\
             }}) && items.length > 0;"
        ))
        .await;
    assert_eq!(
        visible,
        serde_json::json!(true),
        "every menu entry can be seen and clicked"
    );
}

#[tokio::test]
async fn the_add_user_dialog_keeps_its_buttons_in_view_at_1366_by_768() {
    let app = spawn_app().await;
    let Some(b) = browser::open().await else {
        return;
    };
    let admin = app.admin_token().await;
    for name in ["Support", "Sales", "Research"] {
        app.post_json("/api/v1/teams", &admin, &json!({ "name": name }))
            .await;
    }
    b.resize(1366, 768).await;
    b.sign_in(&app.address, ADMIN_EMAIL, ADMIN_PASSWORD).await;
    b.click("#add-user").await;
    b.wait_css("#add-user-dialog").await;
    for _ in 0..8 {
        // Scrolled to, as a person would once the form is taller than the
        // dialog (the sticky buttons cover what is beneath them).
        b.eval("document.getElementById('add-team-row').scrollIntoView({block: 'center'}); return null;")
            .await;
        b.click("#add-team-row").await;
    }
    b.wait_until("eight team rows", || async {
        b.texts(".team-row").await.len() == 8
    })
    .await;

    let [_, top, _, bottom, _, height] = rect(&b, "#add-user-dialog").await;
    assert!(
        top >= 0.0 && bottom <= height,
        "the dialog fits the window: {top}..{bottom} of {height}"
    );
    let [_, _, _, save_bottom, _, height] = rect(&b, "#create-user").await;
    assert!(
        save_bottom <= height,
        "Add user is in view: {save_bottom} of {height}"
    );
    let scrolls = b
        .eval(
            "const d = document.getElementById('add-user-dialog');\
             return [d.scrollHeight > d.clientHeight, document.scrollingElement.scrollTop];",
        )
        .await;
    assert_eq!(
        scrolls,
        json!([true, 0]),
        "the dialog scrolls, not the page"
    );
    b.click("#create-user").await;
    b.wait_css("#new-first-name-error").await;
}

/// The names of the page modules the page has fetched so far.
async fn fetched_page_modules(b: &Browser) -> Vec<String> {
    let value = b
        .eval(
            "return performance.getEntriesByType('resource')\
               .map(e => new URL(e.name).pathname.slice(1))\
               .filter(n => n.startsWith('split_'));",
        )
        .await;
    value
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect()
}

/// Makes the page's `fetch` fail, as offline, for files whose names start with
/// `prefix`; the real one stays as `window.__fetch`.
async fn fail_fetches_of(b: &Browser, prefix: &str) {
    b.eval(&format!(
        "window.__fetch = window.__fetch || window.fetch;\
         window.fetch = (input, init) => String(input).includes('/{prefix}')\
           ? Promise.reject(new TypeError('Failed to fetch'))\
           : window.__fetch(input, init);\
         return true;"
    ))
    .await;
}

#[tokio::test]
async fn a_pages_code_comes_when_it_is_first_opened_and_a_failed_fetch_offers_reload() {
    let app = spawn_app().await;
    let Some(b) = browser::open().await else {
        return;
    };
    b.sign_in(&app.address, ADMIN_EMAIL, ADMIN_PASSWORD).await;
    b.wait_css("#users-heading").await;
    // The first page after signing in starts at its heading.
    b.wait_until("the Users heading has focus", || async {
        focused(&b).await == "users-heading"
    })
    .await;
    let fetched = fetched_page_modules(&b).await;
    assert!(
        fetched.iter().any(|m| m.starts_with("split_users-")),
        "{fetched:?}"
    );
    assert!(
        !fetched.iter().any(|m| m.starts_with("split_audit-")),
        "the Audit page's code is not fetched before it is opened: {fetched:?}"
    );

    // The Audit page's module cannot be fetched (as when offline, or when a
    // new version has replaced the files): the page says so and offers Reload.
    fail_fetches_of(&b, "split_audit-").await;
    b.click("#nav-audit").await;
    b.wait_for_path("/audit").await;
    b.wait_css("#page-load-error").await;
    assert_eq!(
        b.texts("#page-load-heading").await,
        ["This page could not be loaded"]
    );
    b.wait_until("the failure's heading has focus", || async {
        focused(&b).await == "page-load-heading"
    })
    .await;
    assert!(b.texts("#audit-heading").await.is_empty());
    // The shell around it still works: the sidebar leads back to Users.
    b.click("#nav-users").await;
    b.wait_css("#users-heading").await;

    // With the network back, going there again fetches the module afresh.
    b.eval("window.fetch = window.__fetch; return true;").await;
    b.click("#nav-audit").await;
    b.wait_css("#audit-heading").await;
    assert!(b.texts("#page-load-error").await.is_empty());
    let fetched = fetched_page_modules(&b).await;
    assert!(
        fetched.iter().any(|m| m.starts_with("split_audit-")),
        "{fetched:?}"
    );

    // Reload on the error page loads the app anew, on the same address.
    fail_fetches_of(&b, "split_jobs-").await;
    b.click("#nav-jobs").await;
    b.wait_css("#page-load-reload").await;
    b.click("#page-load-reload").await;
    b.wait_css("#jobs-heading").await;
    b.wait_for_path("/jobs").await;

    // A page opened at its address with a trailing slash still searches.
    b.goto(&app.url("/users/")).await;
    b.type_into("#user-search", "admin\n").await;
    b.wait_until("the search is in the address", || async {
        b.query_value("q").await.as_deref() == Some("admin")
    })
    .await;
}
