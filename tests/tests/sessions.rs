//! Sessions: access tokens name their session and stop working the moment it
//! ends (sign-out, a password change, a reset, suspension, deletion, an admin's
//! "sign out everywhere"); sessions have an absolute lifetime; a refresh token
//! presented twice within the grace period answers the one successor.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use roster_tests::smtp::SmtpSink;
use roster_tests::{
    ADMIN_EMAIL, ADMIN_PASSWORD, TestApp, client, problem, smtp_at, spawn_app, spawn_app_with,
};
use roster_types::{Role, SessionList, TokenResponse};
use serde_json::json;

const PASSWORD: &str = "a-good-password-42";

/// A browser (a client with its own cookie jar) signed in as `email`, and its
/// access token.
async fn browser(
    app: &TestApp,
    email: &str,
    password: &str,
    agent: &str,
) -> (reqwest::Client, String) {
    let browser = reqwest::Client::builder()
        .pool_idle_timeout(std::time::Duration::from_secs(2))
        .cookie_store(true)
        .user_agent(agent)
        .build()
        .unwrap();
    let token = app.token_for(&browser, email, password).await;
    (browser, token)
}

async fn me_status(app: &TestApp, token: &str) -> u16 {
    app.get("/api/v1/auth/me", token).await.status().as_u16()
}

async fn refresh_status(app: &TestApp, browser: &reqwest::Client) -> u16 {
    browser
        .post(app.url("/api/v1/auth/refresh"))
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

#[tokio::test]
async fn signing_out_ends_the_sessions_access_tokens_at_once() {
    let app = spawn_app().await;
    let (browser, token) = browser(&app, ADMIN_EMAIL, ADMIN_PASSWORD, "Firefox").await;
    assert_eq!(me_status(&app, &token).await, 200);

    let out = browser
        .post(app.url("/api/v1/auth/logout"))
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), 204);

    let body = problem(app.get("/api/v1/auth/me", &token).await, 401).await;
    assert_eq!(body.code, "unauthenticated");
    assert_eq!(refresh_status(&app, &browser).await, 401);
}

#[tokio::test]
async fn changing_your_password_ends_your_other_sessions_at_once_and_keeps_this_one() {
    let app = spawn_app().await;
    app.user_with_password(&[Role::Learner], "lena@example.com")
        .await;
    let (this, this_token) = browser(&app, "lena@example.com", PASSWORD, "Firefox").await;
    let (other, other_token) = browser(&app, "lena@example.com", PASSWORD, "Safari").await;

    let res = this
        .put(app.url("/api/v1/auth/me/password"))
        .bearer_auth(&this_token)
        .json(&json!({"current_password": PASSWORD, "new_password": "a-brand-new-password"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);

    assert_eq!(me_status(&app, &other_token).await, 401);
    assert_eq!(refresh_status(&app, &other).await, 401);
    assert_eq!(me_status(&app, &this_token).await, 200);
    assert_eq!(refresh_status(&app, &this).await, 200);
    let admin = app.admin_token().await;
    let changed = app
        .audit(&admin, "action=auth.password_changed")
        .await
        .items;
    assert_eq!(changed.len(), 1);
    assert_eq!(
        changed[0].details["other_sessions_ended"], 2,
        "the helper's and Safari's"
    );
    assert!(
        !changed[0]
            .details
            .to_string()
            .contains("a-brand-new-password")
    );
}

#[tokio::test]
async fn suspension_and_deletion_end_every_session_at_once() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let (lena, _) = app
        .user_with_password(&[Role::Learner], "lena@example.com")
        .await;
    let (_, lena_token) = browser(&app, "lena@example.com", PASSWORD, "Firefox").await;
    let (otto, _) = app
        .user_with_password(&[Role::Learner], "otto@example.com")
        .await;
    let (_, otto_token) = browser(&app, "otto@example.com", PASSWORD, "Firefox").await;

    assert_eq!(
        app.post(&format!("/api/v1/users/{}/suspend", lena.id), &admin)
            .await
            .status(),
        200
    );
    let gone = app
        .client
        .delete(app.url(&format!("/api/v1/users/{}", otto.id)))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(gone.status(), 204);

    assert_eq!(me_status(&app, &lena_token).await, 401);
    assert_eq!(me_status(&app, &otto_token).await, 401);
    // Reactivated, Lena signs in afresh; the old session stays ended.
    assert_eq!(
        app.post(&format!("/api/v1/users/{}/reactivate", lena.id), &admin)
            .await
            .status(),
        200
    );
    assert_eq!(me_status(&app, &lena_token).await, 401);
}

#[tokio::test]
async fn a_completed_password_reset_ends_every_session() {
    let (sink, port) = SmtpSink::start(0).await;
    let app = spawn_app_with(|c| smtp_at(c, port)).await;
    let admin = app.admin_token().await;
    let (lena, _) = app
        .user_with_password(&[Role::Learner], "lena@example.com")
        .await;
    let (_, token) = browser(&app, "lena@example.com", PASSWORD, "Firefox").await;
    sink.wait_for(1).await; // the welcome email

    let sent = app
        .post(&format!("/api/v1/users/{}/password-reset", lena.id), &admin)
        .await;
    assert_eq!(sent.status(), 202);
    let link = sink
        .wait_for(2)
        .await
        .remove(1)
        .set_password_token()
        .unwrap();
    let set = client()
        .post(app.url("/api/v1/auth/password"))
        .json(&json!({"token": link, "password": "a-reset-password-1"}))
        .send()
        .await
        .unwrap();
    assert_eq!(set.status(), 204);

    assert_eq!(me_status(&app, &token).await, 401);
    let events = app
        .audit(&admin, "action=auth.password_reset_completed")
        .await
        .items;
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].target_id, Some(lena.id.to_string()));
    assert_eq!(events[0].actor_name, "Anonymous");
}

#[tokio::test]
async fn you_see_your_sessions_and_can_end_another_one() {
    let app = spawn_app().await;
    app.user_with_password(&[Role::Learner], "lena@example.com")
        .await;
    let (_, laptop) = browser(&app, "lena@example.com", PASSWORD, "Laptop Firefox").await;
    let (phone, phone_token) = browser(&app, "lena@example.com", PASSWORD, "Phone Safari").await;

    let list: SessionList = app
        .get("/api/v1/auth/sessions", &laptop)
        .await
        .json()
        .await
        .unwrap();
    // The helper's own sign-in, the laptop and the phone.
    assert_eq!(list.items.len(), 3);
    assert_eq!(list.page.total, 3);
    let current: Vec<_> = list.items.iter().filter(|s| s.current).collect();
    assert_eq!(current.len(), 1);
    assert_eq!(current[0].user_agent.as_deref(), Some("Laptop Firefox"));
    assert!(
        list.items
            .iter()
            .all(|s| s.ip.as_deref() == Some("127.0.0.1"))
    );
    assert!(list.items.iter().all(|s| s.expires_at > s.created_at));
    let phone_session = list
        .items
        .iter()
        .find(|s| s.user_agent.as_deref() == Some("Phone Safari"))
        .unwrap()
        .id;

    let ended = app
        .client
        .delete(app.url(&format!("/api/v1/auth/sessions/{phone_session}")))
        .bearer_auth(&laptop)
        .send()
        .await
        .unwrap();
    assert_eq!(ended.status(), 204);

    assert_eq!(me_status(&app, &phone_token).await, 401);
    assert_eq!(refresh_status(&app, &phone).await, 401);
    assert_eq!(me_status(&app, &laptop).await, 200);
    let left: SessionList = app
        .get("/api/v1/auth/sessions", &laptop)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(left.items.len(), 2);
    // Ending it again, or someone else's, finds nothing.
    let again = app
        .client
        .delete(app.url(&format!("/api/v1/auth/sessions/{phone_session}")))
        .bearer_auth(&laptop)
        .send()
        .await
        .unwrap();
    problem(again, 404).await;
}

#[tokio::test]
async fn someone_elses_session_cannot_be_ended_from_your_account() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let (_, lena) = app
        .user_with_password(&[Role::Learner], "lena@example.com")
        .await;
    let admin_sessions: SessionList = app
        .get("/api/v1/auth/sessions", &admin)
        .await
        .json()
        .await
        .unwrap();

    let res = app
        .client
        .delete(app.url(&format!(
            "/api/v1/auth/sessions/{}",
            admin_sessions.items[0].id
        )))
        .bearer_auth(&lena)
        .send()
        .await
        .unwrap();

    problem(res, 404).await;
    assert_eq!(me_status(&app, &admin).await, 200);
}

#[tokio::test]
async fn an_admin_signs_a_person_out_everywhere() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let (lena, first) = app
        .user_with_password(&[Role::Learner], "lena@example.com")
        .await;
    let (_, second) = browser(&app, "lena@example.com", PASSWORD, "Safari").await;

    let theirs: SessionList = app
        .get(&format!("/api/v1/users/{}/sessions", lena.id), &admin)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(theirs.items.len(), 2);
    assert!(
        theirs
            .items
            .iter()
            .all(|s| !s.current && s.user_id == lena.id)
    );

    let res = app
        .client
        .delete(app.url(&format!("/api/v1/users/{}/sessions", lena.id)))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);

    assert_eq!(me_status(&app, &first).await, 401);
    assert_eq!(me_status(&app, &second).await, 401);
    assert_eq!(me_status(&app, &admin).await, 200);
    let event = app
        .audit(&admin, "action=auth.sessions_revoked")
        .await
        .items
        .remove(0);
    assert_eq!(event.details["sessions"], 2);
    assert_eq!(event.target_id, Some(lena.id.to_string()));
}

#[tokio::test]
async fn a_session_ends_at_its_absolute_lifetime_however_often_it_is_refreshed() {
    let app = spawn_app_with(|c| c.session_ttl_days = 1).await;
    let (browser, _) = browser(&app, ADMIN_EMAIL, ADMIN_PASSWORD, "Firefox").await;

    for _ in 0..3 {
        app.clock.advance(7 * 3600);
        assert_eq!(refresh_status(&app, &browser).await, 200);
    }
    app.clock.advance(4 * 3600);

    assert_eq!(refresh_status(&app, &browser).await, 401);
}

/// The value of the refresh cookie a response sets.
fn set_cookie(res: &reqwest::Response) -> String {
    let set = res.headers()["set-cookie"].to_str().unwrap();
    set.split(';').next().unwrap().to_string()
}

async fn refresh_with(app: &TestApp, cookie: &str) -> reqwest::Response {
    client()
        .post(app.url("/api/v1/auth/refresh"))
        .header("cookie", cookie)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_refresh_token_presented_twice_in_the_grace_period_gets_the_one_successor() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let login = app.login(&client(), ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let first = set_cookie(&login);

    // Two tabs at once, with the same cookie.
    let (a, b) = tokio::join!(refresh_with(&app, &first), refresh_with(&app, &first));
    assert_eq!((a.status().as_u16(), b.status().as_u16()), (200, 200));
    let (cookie_a, cookie_b) = (set_cookie(&a), set_cookie(&b));
    assert_eq!(cookie_a, cookie_b, "one successor, never a second branch");
    for res in [a, b] {
        let token: TokenResponse = res.json().await.unwrap();
        assert_eq!(me_status(&app, &token.access_token).await, 200);
    }

    // The successor goes on; the first token, presented long after, is a
    // stolen copy: the whole session ends.
    let next = refresh_with(&app, &cookie_a).await;
    assert_eq!(next.status(), 200);
    let latest = set_cookie(&next);
    app.clock.advance(11);
    problem(refresh_with(&app, &first).await, 401).await;
    problem(refresh_with(&app, &latest).await, 401).await;
    let reuse = app
        .audit(&admin, "action=auth.refresh_reuse_detected")
        .await
        .items;
    assert_eq!(reuse.len(), 1);
    assert_eq!(reuse[0].outcome, roster_types::AuditOutcome::Refused);
}

#[tokio::test]
async fn managers_see_and_end_the_sessions_of_their_members_only() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let (manager, manager_token) = app
        .user_with_password(&[Role::Manager], "max@example.com")
        .await;
    let (member, _) = app
        .user_with_password(&[Role::Learner], "mia@example.com")
        .await;
    let (outsider, _) = app
        .user_with_password(&[Role::Learner], "otto@example.com")
        .await;
    let team: roster_types::Team = app
        .post_json("/api/v1/teams", &admin, &json!({"name": "Sales"}))
        .await
        .json()
        .await
        .unwrap();
    for (user, role) in [(manager.id, "manager"), (member.id, "member")] {
        let res = app
            .post_json(
                &format!("/api/v1/teams/{}/members", team.id),
                &admin,
                &json!({"user_id": user, "role": role}),
            )
            .await;
        assert_eq!(res.status(), 201);
    }

    let mine = app
        .get(
            &format!("/api/v1/users/{}/sessions", member.id),
            &manager_token,
        )
        .await;
    assert_eq!(mine.status(), 200);
    problem(
        app.get(
            &format!("/api/v1/users/{}/sessions", outsider.id),
            &manager_token,
        )
        .await,
        404,
    )
    .await;
}
