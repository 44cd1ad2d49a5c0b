//! The SPA in headless Chromium, as a learner and as a manager sees it: a
//! learner lands on their own profile and changes their password there; a
//! manager is offered only what they may do.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use roster_tests::browser;
use roster_tests::{client, spawn_app};
use roster_types::{Role, Team};
use serde_json::json;

#[tokio::test]
async fn a_learner_lands_on_their_profile_and_changes_their_password_there() {
    let app = spawn_app().await;
    let Some(b) = browser::open().await else {
        return;
    };
    let (lena, _) = app
        .user_with_password(&[Role::Learner], "lena@example.com")
        .await;
    let admin = app.admin_token().await;
    let sales: Team = app
        .post_json("/api/v1/teams", &admin, &json!({"name": "Sales"}))
        .await
        .json()
        .await
        .unwrap();
    let joined = app
        .post_json(
            &format!("/api/v1/users/{}/teams", lena.id),
            &admin,
            &json!({"team_id": sales.id, "role": "member"}),
        )
        .await;
    assert_eq!(joined.status(), 201);

    b.submit_sign_in(&app.address, "lena@example.com", "a-good-password-42")
        .await;

    let profile = format!("/users/{}/profile", lena.id);
    b.wait_until("the learner is on their own profile", || async {
        b.client
            .current_url()
            .await
            .is_ok_and(|u| u.path() == profile)
    })
    .await;
    b.wait_css("#profile-details").await;
    b.wait_css("#password-section-title").await;
    assert_eq!(b.texts(".app-nav a").await, ["My profile"]);
    assert!(
        b.texts("#email-section-title").await.is_empty(),
        "no email admin"
    );
    // A learner edits their name, not their address.
    assert_eq!(b.texts("button#edit-profile").await, ["Edit your name"]);
    b.click("button#edit-profile").await;
    b.wait_css("input#profile-first-name").await;
    assert!(
        b.texts("input#profile-email").await.is_empty(),
        "no email field"
    );
    // Their teams, to look at: no role pickers, no Remove, no Add.
    b.goto(&app.url(&format!("/users/{}/teams", lena.id))).await;
    b.wait_until("the learner's team is listed", || async {
        b.texts("#user-teams td.col-name").await == ["Sales"]
    })
    .await;
    assert_eq!(b.texts("#user-teams td.col-role").await, ["Member"]);
    assert!(
        b.texts("select.team-role, button.remove-team, #add-team-form")
            .await
            .is_empty()
    );
    b.goto(&app.url(&profile)).await;
    b.wait_css("#profile-details").await;

    // A wrong current password is named next to its field.
    b.click("button#change-password").await;
    b.type_into("input#current-password", "not-my-password")
        .await;
    b.type_into("input#changed-password", "a-brand-new-password")
        .await;
    b.type_into("input#changed-password-confirm", "a-brand-new-password")
        .await;
    b.click("button#save-password").await;
    let error = b.wait_css("#current-password-error").await;
    assert!(
        error
            .text()
            .await
            .unwrap()
            .contains("not your current password")
    );

    let current = b.wait_css("input#current-password").await;
    current.clear().await.unwrap();
    current.send_keys("a-good-password-42").await.unwrap();
    b.click("button#save-password").await;
    b.wait_until("the change is confirmed", || async {
        b.texts(".notice-text")
            .await
            .iter()
            .any(|t| t.contains("password is changed"))
    })
    .await;

    let old = app
        .login(&client(), "lena@example.com", "a-good-password-42")
        .await;
    assert_eq!(old.status(), 401);
    let new = app
        .login(&client(), "lena@example.com", "a-brand-new-password")
        .await;
    assert_eq!(new.status(), 200);
}

#[tokio::test]
async fn a_manager_is_offered_only_the_roles_they_may_give() {
    let app = spawn_app().await;
    let Some(b) = browser::open().await else {
        return;
    };
    let admin = app.admin_token().await;
    let mine: Team = app
        .post_json("/api/v1/teams", &admin, &json!({"name": "Mine"}))
        .await
        .json()
        .await
        .unwrap();
    let (manager, _) = app
        .user_with_password(&[Role::Manager], "manager@example.com")
        .await;
    let res = app
        .post_json(
            &format!("/api/v1/teams/{}/members", mine.id),
            &admin,
            &json!({"user_id": manager.id, "role": "manager"}),
        )
        .await;
    assert_eq!(res.status(), 201);

    b.sign_in(&app.address, "manager@example.com", "a-good-password-42")
        .await;
    b.click("button#add-user").await;
    b.wait_css("[role=dialog] input#new-first-name").await;

    assert!(b.texts("#new-role-admin").await.is_empty(), "no admin role");
    assert!(
        b.texts("#new-role-manager").await.is_empty(),
        "no manager role"
    );
    b.wait_css("#new-role-learner").await;
    b.click("button#add-team-row").await;
    let offered = b.texts("select.new-team-role option").await;
    assert_eq!(offered, ["Member"]);
}
