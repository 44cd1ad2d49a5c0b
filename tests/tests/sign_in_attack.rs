//! Sign-in under attack: parallel guesses never exceed the limit, a lock-out is
//! per email and address, password hashing is bounded, and the cookie
//! endpoints refuse requests from other sites.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use futures::future::join_all;
use roster_tests::smtp::SmtpSink;
use roster_tests::{
    ADMIN_EMAIL, ADMIN_PASSWORD, TestApp, client, problem, smtp_at, spawn_app, spawn_app_with,
};
use serde_json::json;

/// A sign-in as if from `ip` (the app trusts `X-Forwarded-For`).
async fn login_from(app: &TestApp, ip: &str, email: &str, password: &str) -> reqwest::Response {
    client()
        .post(app.url("/api/v1/auth/login"))
        .header("x-forwarded-for", ip)
        .json(&json!({"email": email, "password": password}))
        .send()
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twenty_parallel_wrong_guesses_for_one_email_get_no_more_than_the_limit() {
    let app = spawn_app_with(|c| {
        c.workers = Some(2);
        c.trust_proxy_headers = true;
    })
    .await;

    let answers = join_all((0..20).map(|i| {
        let app = &app;
        async move {
            app.login(&client(), ADMIN_EMAIL, &format!("guess-{i}"))
                .await
                .status()
                .as_u16()
        }
    }))
    .await;

    let checked = answers.iter().filter(|s| **s == 401).count();
    let throttled = answers.iter().filter(|s| **s == 429).count();
    assert_eq!(checked + throttled, 20, "{answers:?}");
    assert_eq!(checked, 5, "exactly the limit was checked: {answers:?}");
    let admin = admin_token_from(&app, "198.51.100.7").await;
    let failed = app
        .audit(&admin, "action=auth.sign_in_failed")
        .await
        .page
        .total;
    assert_eq!(failed, checked as u64, "each checked guess is on the trail");
    // One throttling event per key and window, not one per request.
    assert_eq!(
        app.audit(&admin, "action=auth.sign_in_throttled")
            .await
            .page
            .total,
        u64::from(throttled > 0)
    );
}

/// The admin's token, signed in from an address of its own (the test's
/// guesses have locked 127.0.0.1 out).
async fn admin_token_from(app: &TestApp, ip: &str) -> String {
    let res = login_from(app, ip, ADMIN_EMAIL, ADMIN_PASSWORD).await;
    assert_eq!(res.status(), 200);
    res.json::<roster_types::TokenResponse>()
        .await
        .unwrap()
        .access_token
}

#[tokio::test]
async fn a_lockout_from_one_address_leaves_sign_in_from_another_working() {
    let app = spawn_app_with(|c| c.trust_proxy_headers = true).await;
    for _ in 0..5 {
        problem(
            login_from(&app, "203.0.113.1", ADMIN_EMAIL, "wrong").await,
            401,
        )
        .await;
    }

    let locked = login_from(&app, "203.0.113.1", ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let elsewhere = login_from(&app, "203.0.113.2", ADMIN_EMAIL, ADMIN_PASSWORD).await;

    let retry: u64 = locked.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=15 * 60).contains(&retry));
    assert_eq!(problem(locked, 429).await.code, "too_many_attempts");
    assert_eq!(elsewhere.status(), 200);
}

#[tokio::test]
async fn guesses_from_many_addresses_are_slowed_but_the_owner_still_signs_in() {
    let app = spawn_app_with(|c| c.trust_proxy_headers = true).await;
    // Past the per-email limit (20), each from an address of its own.
    for i in 0..22 {
        let ip = format!("198.51.100.{i}");
        assert_eq!(
            login_from(&app, &ip, ADMIN_EMAIL, "wrong").await.status(),
            401
        );
    }

    let owner = login_from(&app, "203.0.113.50", ADMIN_EMAIL, ADMIN_PASSWORD).await;

    assert_eq!(owner.status(), 200, "slowed, never locked");
}

#[tokio::test]
async fn a_completed_password_reset_lifts_the_lock() {
    let (sink, port) = SmtpSink::start(0).await;
    let app = spawn_app_with(|c| {
        smtp_at(c, port);
        c.trust_proxy_headers = true;
    })
    .await;
    for _ in 0..6 {
        login_from(&app, "203.0.113.1", ADMIN_EMAIL, "wrong").await;
    }
    assert_eq!(
        login_from(&app, "203.0.113.1", ADMIN_EMAIL, ADMIN_PASSWORD)
            .await
            .status(),
        429
    );

    let asked = client()
        .post(app.url("/api/v1/auth/password-reset"))
        .header("x-forwarded-for", "203.0.113.1")
        .json(&json!({"email": ADMIN_EMAIL}))
        .send()
        .await
        .unwrap();
    assert_eq!(asked.status(), 202);
    let link = sink
        .wait_for(1)
        .await
        .remove(0)
        .set_password_token()
        .unwrap();
    let set = client()
        .post(app.url("/api/v1/auth/password"))
        .json(&json!({"token": link, "password": "a-fresh-password-9"}))
        .send()
        .await
        .unwrap();
    assert_eq!(set.status(), 204);

    let after = login_from(&app, "203.0.113.1", ADMIN_EMAIL, "a-fresh-password-9").await;
    assert_eq!(after.status(), 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn beyond_a_short_queue_password_checks_are_refused_with_retry_after() {
    let app = spawn_app_with(|c| {
        c.password_hash_threads = Some(1);
        c.password_hash_queue = Some(1);
        // Each check takes tens of milliseconds, far longer than it takes the
        // 24 requests to arrive even on a loaded machine, so the one thread and
        // the one queue place are surely taken while the rest come in. (At 4 MiB
        // and 2 passes a check took a few milliseconds and a CI run once saw
        // every request served in turn.)
        c.password_hash_memory_kib = 32 * 1024;
        c.password_hash_iterations = 3;
        c.workers = Some(2);
        c.trust_proxy_headers = true;
    })
    .await;

    let answers = join_all((0..24).map(|i| {
        let app = &app;
        async move {
            let ip = format!("198.51.100.{i}");
            let res = login_from(app, &ip, &format!("someone{i}@example.com"), "whatever").await;
            let retry = res
                .headers()
                .get("retry-after")
                .map(|v| v.to_str().unwrap().to_string());
            (res.status().as_u16(), retry)
        }
    }))
    .await;

    let busy: Vec<_> = answers.iter().filter(|(s, _)| *s == 503).collect();
    assert!(!busy.is_empty(), "some were refused: {answers:?}");
    assert!(busy.iter().all(|(_, retry)| retry.is_some()), "{answers:?}");
    assert!(
        answers.iter().all(|(s, _)| *s == 401 || *s == 503),
        "{answers:?}"
    );
    // Once the flood is over, signing in works again.
    assert_eq!(
        login_from(&app, "203.0.113.9", ADMIN_EMAIL, ADMIN_PASSWORD)
            .await
            .status(),
        200
    );
}

#[tokio::test]
async fn the_cookie_endpoints_refuse_requests_from_other_sites() {
    let app = spawn_app().await;
    let browser = client();
    app.login(&browser, ADMIN_EMAIL, ADMIN_PASSWORD).await;

    for path in ["/api/v1/auth/refresh", "/api/v1/auth/logout"] {
        let foreign = browser
            .post(app.url(path))
            .header("origin", "https://evil.example")
            .send()
            .await
            .unwrap();
        assert_eq!(
            problem(foreign, 403).await.code,
            "cross_site_request",
            "{path}"
        );
        let fetched = browser
            .post(app.url(path))
            .header("sec-fetch-site", "cross-site")
            .send()
            .await
            .unwrap();
        assert_eq!(
            problem(fetched, 403).await.code,
            "cross_site_request",
            "{path}"
        );
    }

    // The refusals are on the trail, once per endpoint and address in a
    // window, however often they are repeated.
    let admin = app.admin_token().await;
    let refused = app.audit(&admin, "outcome=refused").await.items;
    let actions: Vec<_> = refused.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(
        actions
            .iter()
            .filter(|a| **a == "auth.session_refreshed")
            .count(),
        1,
        "{actions:?}"
    );
    assert_eq!(
        actions.iter().filter(|a| **a == "auth.signed_out").count(),
        1,
        "{actions:?}"
    );
    assert!(
        refused
            .iter()
            .all(|e| e.details["reason"] == "cross-site request")
    );

    // From Roster's own pages, the session goes on.
    let own = browser
        .post(app.url("/api/v1/auth/refresh"))
        .header("origin", &app.address)
        .header("sec-fetch-site", "same-origin")
        .send()
        .await
        .unwrap();
    assert_eq!(own.status(), 200);
}
