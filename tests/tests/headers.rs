//! What every response carries: a request id, the Content-Security-Policy and
//! its companions; and what an HTTPS deployment adds (HSTS, a `__Host-`
//! refresh cookie).

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use roster_tests::{ADMIN_EMAIL, ADMIN_PASSWORD, client, spawn_app, spawn_app_with};

#[tokio::test]
async fn every_response_carries_a_request_id_keeping_a_sane_one_from_the_client() {
    let app = spawn_app().await;
    let get = |id: Option<&'static str>, path: &'static str| {
        let mut req = client().get(app.url(path));
        if let Some(id) = id {
            req = req.header("x-request-id", id);
        }
        req.send()
    };

    let kept = get(Some("trace.abc_123-XYZ"), "/healthz").await.unwrap();
    let fresh = get(None, "/api/v1/users").await.unwrap();
    let spaces = get(Some("no spaces allowed"), "/healthz").await.unwrap();
    let long = get(
        Some("a123456789b123456789c123456789d123456789e123456789f123456789g1234"),
        "/nowhere",
    )
    .await
    .unwrap();

    assert_eq!(kept.headers()["x-request-id"], "trace.abc_123-XYZ");
    assert_eq!(fresh.status(), 401, "errors carry one too");
    for res in [&fresh, &spaces, &long] {
        let id = res.headers()["x-request-id"].to_str().unwrap();
        assert_eq!(id.len(), 32, "a fresh id: {id}");
        assert!(id.bytes().all(|b| b.is_ascii_hexdigit()));
    }
    assert_ne!(
        fresh.headers()["x-request-id"],
        spaces.headers()["x-request-id"]
    );
}

/// The errors that never reach a handler carry the id too: malformed JSON, a
/// wrong method, an oversized body (the JSON limit, and the idempotency
/// layer's own limit), an unknown API path.
#[tokio::test]
async fn errors_answered_before_any_handler_carry_the_request_id() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let big = "x".repeat(5 * 1024 * 1024);
    let cases = [
        (
            "malformed JSON",
            client()
                .post(app.url("/api/v1/teams"))
                .bearer_auth(&admin)
                .header("content-type", "application/json")
                .body("{not json"),
            400,
        ),
        (
            "wrong method",
            client().put(app.url("/api/v1/users")).bearer_auth(&admin),
            405,
        ),
        (
            "body over the JSON limit",
            client()
                .post(app.url("/api/v1/teams"))
                .bearer_auth(&admin)
                .header("content-type", "application/json")
                .body(format!("{{\"name\":\"{big}\"}}")),
            413,
        ),
        (
            "body over the idempotency layer's limit",
            client()
                .post(app.url("/api/v1/teams"))
                .bearer_auth(&admin)
                .header("idempotency-key", "big-body-1")
                .header("content-type", "application/json")
                .body(format!("{{\"name\":\"{big}\"}}")),
            413,
        ),
        (
            "unknown API path",
            client().get(app.url("/api/v1/nowhere")).bearer_auth(&admin),
            404,
        ),
    ];
    for (what, request, status) in cases {
        let res = request
            .header("x-request-id", "err-trace-1")
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), status, "{what}");
        assert_eq!(res.headers()["x-request-id"], "err-trace-1", "{what}");
        assert!(
            res.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("application/problem+json"),
            "{what} is a problem"
        );
    }
}

#[tokio::test]
async fn every_response_carries_the_content_security_policy() {
    let app = spawn_app().await;
    for path in ["/", "/users", "/api/docs/", "/api/v1/auth/me", "/healthz"] {
        let res = client().get(app.url(path)).send().await.unwrap();
        let csp = res.headers()["content-security-policy"].to_str().unwrap();
        for part in [
            "default-src 'self'",
            "script-src 'self' 'wasm-unsafe-eval'",
            "frame-ancestors 'none'",
            "object-src 'none'",
            "base-uri 'none'",
        ] {
            assert!(csp.contains(part), "{path}: {csp} lacks {part}");
        }
        assert_eq!(
            res.headers()["cross-origin-opener-policy"],
            "same-origin",
            "{path}"
        );
        assert!(
            res.headers().get("strict-transport-security").is_none(),
            "{path}: plain HTTP"
        );
    }
}

#[tokio::test]
async fn over_https_the_refresh_cookie_is_host_prefixed_and_secure_and_hsts_is_sent() {
    let app = spawn_app_with(|c| c.public_url = Some("https://roster.example".into())).await;

    let res = app.login(&client(), ADMIN_EMAIL, ADMIN_PASSWORD).await;

    assert_eq!(res.status(), 200);
    let cookie = res.headers()["set-cookie"].to_str().unwrap().to_string();
    assert!(cookie.starts_with("__Host-roster_refresh="), "{cookie}");
    assert!(
        cookie.contains("Secure") && cookie.contains("Path=/;"),
        "{cookie}"
    );
    assert!(
        res.headers()["strict-transport-security"]
            .to_str()
            .unwrap()
            .starts_with("max-age=")
    );
    // The prefixed cookie is the one the refresh endpoint reads.
    let value = cookie.split(';').next().unwrap().to_string();
    let refreshed = client()
        .post(app.url("/api/v1/auth/refresh"))
        .header("cookie", value)
        .header("origin", "https://roster.example")
        .send()
        .await
        .unwrap();
    assert_eq!(refreshed.status(), 200);
}

#[test]
fn a_documented_example_jwt_secret_is_refused_at_start_up() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = roster_tests::test_config(dir.path(), "sqlite::memory:".into());
    config.jwt_secret = Some(roster_api::config::Secret(
        "change-me-to-a-long-random-secret-of-32-chars-or-more".into(),
    ));
    let db = sea_orm::DatabaseConnection::default();
    let err = roster_api::startup::roster_for(
        &config,
        db,
        std::sync::Arc::new(roster_domain::SystemClock),
    )
    .err()
    .expect("refused");
    assert!(err.to_string().contains("example value"), "{err}");
}

#[tokio::test]
async fn api_answers_are_never_stored_by_the_browser() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;

    let list = app.get("/api/v1/users", &admin).await;
    let me = app.get("/api/v1/auth/me", &admin).await;
    let refused = client().get(app.url("/api/v1/users")).send().await.unwrap();
    let missing = app
        .get(&format!("/api/v1/users/{}", uuid::Uuid::now_v7()), &admin)
        .await;
    let export = app.get("/api/v1/audit-events.csv", &admin).await;
    for (what, res) in [
        ("a list", &list),
        ("me", &me),
        ("a 401", &refused),
        ("a 404", &missing),
        ("the CSV export", &export),
    ] {
        assert_eq!(
            res.headers()
                .get("cache-control")
                .map(|v| v.to_str().unwrap()),
            Some("no-store"),
            "{what}"
        );
    }
    assert_eq!(
        (
            list.status().as_u16(),
            refused.status().as_u16(),
            missing.status().as_u16()
        ),
        (200, 401, 404)
    );
}
