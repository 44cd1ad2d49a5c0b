//! Sign-in, sessions and tokens.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use roster_tests::{ADMIN_EMAIL, ADMIN_PASSWORD, client, problem, spawn_app, spawn_app_with};
use roster_types::{Me, Role, TokenResponse};

#[tokio::test]
async fn signing_in_returns_a_bearer_token_and_sets_an_http_only_refresh_cookie() {
    let app = spawn_app().await;

    let res = app
        .login(&app.client, "  Admin@Example.com ", ADMIN_PASSWORD)
        .await;

    assert_eq!(res.status(), 200);
    let cookie = res
        .headers()
        .get("set-cookie")
        .expect("cookie set")
        .to_str()
        .unwrap()
        .to_string();
    assert!(cookie.starts_with("roster_refresh="), "{cookie}");
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
        "{cookie}"
    );
    assert!(cookie.contains("Path=/api/v1/auth"), "{cookie}");
    let token: TokenResponse = res.json().await.unwrap();
    assert_eq!(token.token_type, "Bearer");
    assert_eq!(token.expires_in, 900);

    let me: Me = app
        .get("/api/v1/auth/me", &token.access_token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(me.user.email, ADMIN_EMAIL);
    assert_eq!(me.user.roles, vec![Role::Admin]);
    assert!(me.user.last_login_at.is_some());
    assert_eq!(me.impersonator, None);
}

#[tokio::test]
async fn unknown_email_and_wrong_password_get_the_same_answer() {
    let app = spawn_app().await;

    let unknown = problem(
        app.login(&client(), "nobody@example.com", ADMIN_PASSWORD)
            .await,
        401,
    )
    .await;
    let wrong = problem(
        app.login(&client(), ADMIN_EMAIL, "not-the-password").await,
        401,
    )
    .await;

    assert_eq!(unknown, wrong);
    assert_eq!(wrong.code, "invalid_credentials");
}

#[tokio::test]
async fn repeated_failures_for_one_email_are_throttled_with_retry_after() {
    let app = spawn_app().await;
    for _ in 0..5 {
        problem(
            app.login(&client(), ADMIN_EMAIL, "wrong-password").await,
            401,
        )
        .await;
    }

    let res = app.login(&client(), ADMIN_EMAIL, ADMIN_PASSWORD).await;

    let retry_after: u64 = res.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=15 * 60).contains(&retry_after), "{retry_after}");
    let body = problem(res, 429).await;
    assert_eq!(body.code, "too_many_attempts");
}

#[tokio::test]
async fn empty_credentials_are_a_validation_problem() {
    let app = spawn_app().await;

    let body = problem(app.login(&client(), " ", "").await, 422).await;

    assert!(body.field_error("email").is_some());
    assert!(body.field_error("password").is_some());
}

/// The `name=value` of the refresh cookie a response sets, to send by hand.
fn refresh_cookie(res: &reqwest::Response) -> String {
    let set = res.headers()["set-cookie"].to_str().unwrap();
    set.split(';').next().unwrap().to_string()
}

#[tokio::test]
async fn refreshing_rotates_the_cookie_and_reusing_an_old_one_ends_the_session() {
    let app = spawn_app().await;
    let res = app.login(&app.client, ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let first_cookie = refresh_cookie(&res);

    let refreshed = app
        .client
        .post(app.url("/api/v1/auth/refresh"))
        .send()
        .await
        .unwrap();
    assert_eq!(refreshed.status(), 200);
    let token: TokenResponse = refreshed.json().await.unwrap();
    assert_eq!(
        app.get("/api/v1/auth/me", &token.access_token)
            .await
            .status(),
        200
    );

    // Someone replays the first, already rotated, refresh token (later than
    // a second tab's concurrent refresh could be).
    app.clock.advance(60);
    let replay = reqwest::Client::new()
        .post(app.url("/api/v1/auth/refresh"))
        .header("cookie", &first_cookie)
        .send()
        .await
        .unwrap();
    problem(replay, 401).await;

    // The whole family is revoked: the legitimate client's current token too.
    let after = app
        .client
        .post(app.url("/api/v1/auth/refresh"))
        .send()
        .await
        .unwrap();
    problem(after, 401).await;
}

#[tokio::test]
async fn signing_out_ends_the_refresh_session() {
    let app = spawn_app().await;
    app.login(&app.client, ADMIN_EMAIL, ADMIN_PASSWORD).await;

    let res = app
        .client
        .post(app.url("/api/v1/auth/logout"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);

    let refresh = app
        .client
        .post(app.url("/api/v1/auth/refresh"))
        .send()
        .await
        .unwrap();
    problem(refresh, 401).await;
}

#[tokio::test]
async fn requests_without_a_valid_token_are_unauthenticated() {
    let app = spawn_app().await;
    let token = app.admin_token().await;
    let forged = {
        // Same claims, signed with another key.
        let mut parts: Vec<&str> = token.split('.').collect();
        parts[2] = "c2lnbmF0dXJlLWZyb20tc29tZW9uZS1lbHNl";
        parts.join(".")
    };
    // An unsigned token ("alg": "none") must never be accepted.
    let payload = token.split('.').nth(1).unwrap();
    let unsigned = format!("eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.{payload}.");

    for bad in [
        None,
        Some("not-a-jwt"),
        Some(forged.as_str()),
        Some(unsigned.as_str()),
    ] {
        let mut req = app.client.get(app.url("/api/v1/auth/me"));
        if let Some(t) = bad {
            req = req.bearer_auth(t);
        }
        let res = req.send().await.unwrap();
        assert_eq!(res.headers()["www-authenticate"], "Bearer");
        let body = problem(res, 401).await;
        assert_eq!(body.code, "unauthenticated");
    }
}

/// The live session an access token belongs to.
fn session_of(app: &roster_tests::TestApp, token: &str) -> uuid::Uuid {
    roster_domain::tokens::verify_access_token(&app.roster.auth, token, chrono::Utc::now())
        .expect("a valid token")
        .sid
        .parse()
        .expect("a session id")
}

#[tokio::test]
async fn an_expired_access_token_is_refused() {
    let app = spawn_app().await;
    let (user, token) = app
        .user_with_password(&[Role::Learner], "lena@example.com")
        .await;
    let expired = roster_domain::tokens::issue_access_token(
        &app.roster.auth,
        user.id,
        session_of(&app, &token),
        chrono::Utc::now() - chrono::Duration::hours(1),
    )
    .unwrap();

    let body = problem(app.get("/api/v1/auth/me", &expired).await, 401).await;

    assert!(body.detail.unwrap().contains("expired"));
}

#[tokio::test]
async fn the_jwt_secret_is_generated_once_and_kept_in_the_data_folder() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = roster_tests::test_config(
        dir.path(),
        format!("sqlite://{}?mode=rwc", dir.path().join("r.db").display()),
    );
    config.jwt_secret = None;

    let db = roster_api::startup::open_database(&config).await.unwrap();
    let first = roster_api::startup::roster_for(
        &config,
        db.clone(),
        std::sync::Arc::new(roster_domain::SystemClock),
    )
    .unwrap();
    let second = roster_api::startup::roster_for(
        &config,
        db,
        std::sync::Arc::new(roster_domain::SystemClock),
    )
    .unwrap();

    assert!(first.auth.jwt_secret.len() >= 32);
    assert_eq!(first.auth.jwt_secret, second.auth.jwt_secret);
    assert!(dir.path().join("jwt-secret").exists());
}

#[tokio::test]
async fn two_tabs_refreshing_at_once_both_keep_the_session() {
    let app = spawn_app().await;
    app.login(&app.client, ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let cookie = refresh_cookie(
        &app.client
            .post(app.url("/api/v1/auth/refresh"))
            .send()
            .await
            .unwrap(),
    );

    // Two tabs of one browser send the same cookie at the same moment.
    let tab = |cookie: String| {
        let url = app.url("/api/v1/auth/refresh");
        async move {
            reqwest::Client::new()
                .post(url)
                .header("cookie", cookie)
                .send()
                .await
                .unwrap()
        }
    };
    let (a, b) = tokio::join!(tab(cookie.clone()), tab(cookie.clone()));

    assert_eq!((a.status().as_u16(), b.status().as_u16()), (200, 200));
    let mut cookies = Vec::new();
    for res in [a, b] {
        cookies.push(refresh_cookie(&res));
        let token: TokenResponse = res.json().await.unwrap();
        assert_eq!(
            app.get("/api/v1/auth/me", &token.access_token)
                .await
                .status(),
            200
        );
    }

    // Long after the grace period, the session was never revoked: each tab's
    // own new cookie refreshes.
    app.clock.advance(60);
    for cookie in cookies {
        assert_eq!(tab(cookie).await.status(), 200);
    }
}

#[tokio::test]
async fn access_tokens_for_another_issuer_or_audience_are_refused() {
    let app = spawn_app().await;
    let (user, token) = app
        .user_with_password(&[Role::Learner], "lena@example.com")
        .await;
    let session = session_of(&app, &token);
    let mut other_issuer = (*app.roster.auth).clone();
    other_issuer.issuer = "someone-else".into();
    let mut other_audience = (*app.roster.auth).clone();
    other_audience.audience = "another-api".into();

    for auth in [other_issuer, other_audience] {
        let token =
            roster_domain::tokens::issue_access_token(&auth, user.id, session, chrono::Utc::now())
                .unwrap();
        let body = problem(app.get("/api/v1/auth/me", &token).await, 401).await;
        assert_eq!(body.code, "unauthenticated");
    }
}

#[tokio::test]
async fn many_failures_from_one_address_are_throttled_whatever_the_email() {
    let app = spawn_app().await;

    for i in 0..30 {
        let res = app
            .login(&client(), &format!("guess{i}@example.com"), "wrong")
            .await;
        assert_eq!(res.status(), 401, "attempt {i}");
    }
    let res = app
        .login(&client(), "yet-another@example.com", "wrong")
        .await;

    assert!(res.headers().contains_key("retry-after"));
    assert_eq!(problem(res, 429).await.code, "too_many_attempts");
}

#[tokio::test]
async fn sign_in_with_an_impossible_email_fails_like_an_unknown_one() {
    let app = spawn_app().await;
    let long = format!("{}@example.com", "a".repeat(400));

    for email in [long.as_str(), "nul\u{0}@example.com", "nobody@example.com"] {
        let body = problem(app.login(&client(), email, "some-password").await, 401).await;
        assert_eq!(body.code, "invalid_credentials", "{email:?}");
    }
}

#[tokio::test]
async fn changing_your_password_needs_the_current_one_and_ends_your_other_sessions() {
    let app = spawn_app().await;
    let (_, _) = app
        .user_with_password(&[Role::Learner], "lena@example.com")
        .await;
    let this_browser = client();
    let token = app
        .token_for(&this_browser, "lena@example.com", "a-good-password-42")
        .await;
    let other_browser = client();
    app.token_for(&other_browser, "lena@example.com", "a-good-password-42")
        .await;
    let change = |current: &'static str, new: &'static str| {
        let (app, browser, token) = (&app, &this_browser, &token);
        async move {
            browser
                .put(app.url("/api/v1/auth/me/password"))
                .bearer_auth(token)
                .json(&serde_json::json!({"current_password": current, "new_password": new}))
                .send()
                .await
                .unwrap()
        }
    };

    let wrong = problem(change("not-my-password", "a-brand-new-password").await, 422).await;
    assert!(wrong.field_error("current_password").is_some());
    let weak = problem(change("a-good-password-42", "short").await, 422).await;
    assert!(weak.field_error("new_password").is_some());
    assert_eq!(
        change("a-good-password-42", "a-brand-new-password")
            .await
            .status(),
        204
    );

    // The old password is gone; the new one works.
    problem(
        app.login(&client(), "lena@example.com", "a-good-password-42")
            .await,
        401,
    )
    .await;
    app.token_for(&client(), "lena@example.com", "a-brand-new-password")
        .await;
    // This browser stays signed in; the other one is signed out.
    let refresh = |browser: &reqwest::Client| browser.post(app.url("/api/v1/auth/refresh")).send();
    assert_eq!(refresh(&this_browser).await.unwrap().status(), 200);
    problem(refresh(&other_browser).await.unwrap(), 401).await;
}

#[tokio::test]
async fn housekeeping_forgets_stale_counters_and_tokens_but_keeps_live_ones() {
    // The recurring housekeeping job would sweep too once the clock jumps a
    // month, racing the sweeps this test counts: it is put off for a decade.
    let app = spawn_app_with(|c| c.housekeeping_every_secs = 10 * 365 * 24 * 3600).await;
    let housekeeper = roster_domain::Context::system("test housekeeping");
    first_housekeeping_finished(&app.roster).await;
    app.login(&client(), "nobody@example.com", "wrong").await;
    app.login(&client(), ADMIN_EMAIL, ADMIN_PASSWORD).await;

    let fresh = roster_domain::maintenance::sweep(&app.roster, &housekeeper)
        .await
        .unwrap();
    assert_eq!(
        fresh,
        roster_domain::maintenance::Swept::default(),
        "nothing stale yet"
    );

    // A month later the failed attempts are history and the refresh token
    // (14 days) is long dead.
    app.clock.advance(31 * 24 * 3600);
    let later = roster_domain::maintenance::sweep(&app.roster, &housekeeper)
        .await
        .unwrap();

    // The failed email's counters (from this address, and from anywhere),
    // the address's, and the admin's from anywhere (refunded to zero when the
    // sign-in succeeded; the admin's per-address lock was cleared).
    assert_eq!(later.throttle_counters, 4);
    assert_eq!(later.refresh_tokens, 1);
    assert_eq!(later.sessions, 1, "the session outlived its 30 days");
    // Sign-in still works, and counts afresh.
    assert_eq!(
        app.login(&client(), ADMIN_EMAIL, ADMIN_PASSWORD)
            .await
            .status(),
        200
    );
}

/// Waits (up to 15 s) until the housekeeping run every instance schedules at
/// start has finished, so that it cannot sweep after a test moves the clock.
async fn first_housekeeping_finished(roster: &roster_domain::Roster) {
    use roster_entity::jobs;
    use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
    for _ in 0..600 {
        let finished = jobs::Entity::find()
            .filter(jobs::Column::Kind.eq(roster_domain::background::HOUSEKEEPING))
            .filter(jobs::Column::FinishedAt.is_not_null())
            .count(&roster.db)
            .await
            .unwrap();
        if finished > 0 {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    panic!("the first housekeeping run never finished");
}
