//! Bad requests of every kind get problem details, never a 500 or an empty body.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use roster_tests::{problem, spawn_app};
use serde_json::json;

#[tokio::test]
async fn unknown_api_routes_are_404_problems() {
    let app = spawn_app().await;

    for path in ["/api/v1/nope", "/api/nope", "/api/v1/users/123/whatever"] {
        let body = problem(app.client.get(app.url(path)).send().await.unwrap(), 404).await;
        assert_eq!(body.code, "not_found", "{path}");
    }
}

#[tokio::test]
async fn a_wrong_method_is_405_with_allow() {
    let app = spawn_app().await;

    let res = app
        .client
        .put(app.url("/api/v1/users"))
        .send()
        .await
        .unwrap();

    assert_eq!(res.headers()["allow"], "GET, POST");
    assert_eq!(problem(res, 405).await.code, "method_not_allowed");
    let res = app
        .client
        .post(app.url("/api/v1/auth/me"))
        .send()
        .await
        .unwrap();
    assert_eq!(problem(res, 405).await.code, "method_not_allowed");
}

#[tokio::test]
async fn malformed_json_wrong_content_type_and_oversized_bodies_are_problems() {
    let app = spawn_app().await;
    let token = app.admin_token().await;
    let users = app.url("/api/v1/users");

    let broken = app
        .client
        .post(&users)
        .bearer_auth(&token)
        .header("content-type", "application/json")
        .body("{\"first_name\": ")
        .send()
        .await
        .unwrap();
    assert_eq!(problem(broken, 400).await.code, "malformed_json");

    let form = app
        .client
        .post(&users)
        .bearer_auth(&token)
        .header("content-type", "text/plain")
        .body("first_name=Ada")
        .send()
        .await
        .unwrap();
    assert_eq!(problem(form, 415).await.code, "unsupported_media_type");

    let huge = json!({"first_name": "x".repeat(300 * 1024), "last_name": "y", "email": "a@b.co"});
    let big = app
        .client
        .post(&users)
        .bearer_auth(&token)
        .json(&huge)
        .send()
        .await
        .unwrap();
    assert_eq!(problem(big, 413).await.code, "payload_too_large");

    let wrong_shape = app
        .client
        .post(&users)
        .bearer_auth(&token)
        .json(&json!({"first_name": 7}))
        .send()
        .await
        .unwrap();
    let body = problem(wrong_shape, 422).await;
    assert_eq!(body.code, "validation_failed");
    assert!(body.field_error("first_name").is_some(), "{body:?}");

    let missing = app
        .client
        .post(&users)
        .bearer_auth(&token)
        .json(&json!({"first_name": "Ada"}))
        .send()
        .await
        .unwrap();
    let body = problem(missing, 422).await;
    assert!(body.field_error("last_name").is_some(), "{body:?}");
}

#[tokio::test]
async fn a_wrong_value_deep_in_the_body_is_named_by_its_path() {
    let app = spawn_app().await;
    let token = app.admin_token().await;

    let res = app
        .post_json(
            "/api/v1/users",
            &token,
            &json!({"first_name": "A", "last_name": "B", "email": "a@b.co",
                    "teams": [{"team_id": uuid::Uuid::now_v7(), "role": "captain"}]}),
        )
        .await;

    let body = problem(res, 422).await;
    assert!(body.field_error("teams[0].role").is_some(), "{body:?}");
}

#[tokio::test]
async fn a_malformed_id_in_the_path_is_404() {
    let app = spawn_app().await;
    let token = app.admin_token().await;

    let body = problem(app.get("/api/v1/users/not-a-uuid", &token).await, 404).await;

    assert_eq!(body.code, "not_found");
}

#[tokio::test]
async fn probes_answer() {
    let app = spawn_app().await;

    for path in ["/healthz", "/readyz"] {
        let res = app.client.get(app.url(path)).send().await.unwrap();
        assert_eq!(res.status(), 200, "{path}");
        assert_eq!(
            res.json::<serde_json::Value>().await.unwrap()["status"],
            "ok"
        );
    }
}

#[tokio::test]
async fn unknown_non_api_paths_get_the_spa_so_deep_links_work() {
    let app = spawn_app().await;

    let res = app
        .client
        .get(app.url("/users/some-deep/link"))
        .send()
        .await
        .unwrap();

    assert_eq!(res.status(), 200);
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
}

#[tokio::test]
async fn anything_after_the_json_value_makes_the_body_malformed() {
    let app = spawn_app().await;
    let token = app.admin_token().await;

    let res = app
        .client
        .post(app.url("/api/v1/teams"))
        .bearer_auth(&token)
        .header("content-type", "application/json")
        .body(r#"{"name":"Sales"}xyz"#)
        .send()
        .await
        .unwrap();

    assert_eq!(problem(res, 400).await.code, "malformed_json");
    let teams: serde_json::Value = app.get("/api/v1/teams", &token).await.json().await.unwrap();
    assert_eq!(teams["page"]["total"], 0, "nothing was created");
}

#[tokio::test]
async fn control_characters_in_searches_and_descriptions_are_named_not_stored() {
    let app = spawn_app().await;
    let token = app.admin_token().await;

    for path in ["/api/v1/users?q=a%00b", "/api/v1/teams?q=%00"] {
        let body = problem(app.get(path, &token).await, 400).await;
        assert!(body.field_error("q").is_some(), "{path}");
    }
    let res = app
        .post_json(
            "/api/v1/teams",
            &token,
            &json!({"name": "Sales", "description": "bad\u{0}byte"}),
        )
        .await;
    assert!(problem(res, 422).await.field_error("description").is_some());
    let fine = app
        .post_json(
            "/api/v1/teams",
            &token,
            &json!({"name": "Sales", "description": "Line one\nLine two\tand a tab"}),
        )
        .await;
    assert_eq!(fine.status(), 201);
}

#[tokio::test]
async fn names_whose_sort_keys_grow_longer_than_the_name_are_stored() {
    let app = spawn_app().await;
    let token = app.admin_token().await;
    // One Hangul syllable decomposes into up to three letters; "İ" lower-cases
    // into two characters. Both at the longest length a name may have.
    let hangul = "한".repeat(100);
    let dotted = "İ".repeat(100);

    let user = app
        .post_json(
            "/api/v1/users",
            &token,
            &json!({"first_name": hangul, "last_name": dotted, "email": "long@example.com"}),
        )
        .await;
    let team = app
        .post_json("/api/v1/teams", &token, &json!({ "name": dotted }))
        .await;

    assert_eq!(user.status(), 201);
    assert_eq!(team.status(), 201);
    let found: serde_json::Value = app
        .get("/api/v1/users?sort=name&q=%ED%95%9C%ED%95%9C", &token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(found["page"]["total"], 1);
}

#[tokio::test]
async fn head_is_answered_like_get_without_a_body() {
    let app = spawn_app().await;
    let token = app.admin_token().await;

    let head = app
        .client
        .head(app.url("/api/v1/users"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    let health = app.client.head(app.url("/healthz")).send().await.unwrap();

    assert_eq!(head.status(), 200);
    assert_eq!(head.headers()["content-type"], "application/json");
    assert_eq!(health.status(), 200);
    // Had a body followed the HEAD answer, this connection would now be broken.
    let get = app.get("/api/v1/users", &token).await;
    assert_eq!(get.status(), 200);
    let body: serde_json::Value = get.json().await.unwrap();
    assert_eq!(body["page"]["total"], 1);
}

#[tokio::test]
async fn a_request_that_cannot_get_a_database_connection_in_time_is_a_503_with_retry_after() {
    use sea_orm::TransactionTrait;
    let app = roster_tests::spawn_app_with(|c| {
        c.db_pool_size = Some(1);
        c.db_acquire_timeout_ms = 300;
    })
    .await;
    let admin = app.admin_token().await;

    // Take the pool's one connection (the job runner may hold it a moment).
    let mut held = None;
    for _ in 0..50 {
        if let Ok(txn) = app.roster.db.begin().await {
            held = Some(txn);
            break;
        }
    }
    let held = held.expect("the one connection is taken");

    let res = app.get("/api/v1/users", &admin).await;
    assert_eq!(res.headers()["retry-after"], "1");
    assert!(res.headers().contains_key("x-request-id"));
    assert_eq!(problem(res, 503).await.code, "busy");

    // Given back, the same request is served.
    held.rollback().await.unwrap();
    let res = app.get("/api/v1/users", &admin).await;
    assert_eq!(res.status(), 200);
}
