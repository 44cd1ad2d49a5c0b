//! `Idempotency-Key` on creating POSTs: a retry gets the first answer and
//! changes nothing, a reused key with another body is refused, concurrent
//! requests with one key never both act, and keys are per caller.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use futures::future::join_all;
use roster_tests::{TestApp, problem, spawn_app};
use roster_types::{Role, Team};
use serde_json::{Value, json};

async fn post_with_key(
    app: &TestApp,
    token: &str,
    path: &str,
    key: &str,
    body: &Value,
) -> reqwest::Response {
    app.client
        .post(app.url(path))
        .bearer_auth(token)
        .header("idempotency-key", key)
        .json(body)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_retry_with_the_same_key_gets_the_first_answer_and_changes_nothing() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let body = json!({"first_name": "Ada", "last_name": "Lovelace", "email": "ada@example.com", "roles": ["learner"]});

    let first = post_with_key(&app, &admin, "/api/v1/users", "create-ada", &body).await;
    let again = post_with_key(&app, &admin, "/api/v1/users", "create-ada", &body).await;

    assert_eq!(first.status(), 201);
    assert_eq!(again.status(), 201);
    assert!(first.headers().get("idempotency-replayed").is_none());
    assert_eq!(again.headers()["idempotency-replayed"], "true");
    assert_eq!(first.headers()["location"], again.headers()["location"]);
    assert_eq!(first.headers()["etag"], again.headers()["etag"]);
    let (a, b): (Value, Value) = (first.json().await.unwrap(), again.json().await.unwrap());
    assert_eq!(a, b);
    let found: Value = app
        .get("/api/v1/users?q=ada@example.com", &admin)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(found["page"]["total"], 1);
    let created = app
        .audit(
            &admin,
            &format!(
                "action=user.created&target_id={}",
                a["id"].as_str().unwrap()
            ),
        )
        .await;
    assert_eq!(created.page.total, 1, "acted once");
}

#[tokio::test]
async fn the_same_key_with_another_body_is_refused() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let first = post_with_key(
        &app,
        &admin,
        "/api/v1/teams",
        "k-1",
        &json!({"name": "Sales"}),
    )
    .await;
    assert_eq!(first.status(), 201);

    let other = post_with_key(
        &app,
        &admin,
        "/api/v1/teams",
        "k-1",
        &json!({"name": "Marketing"}),
    )
    .await;

    let body = problem(other, 422).await;
    assert_eq!(body.code, "idempotency_key_reused");
    let teams: Value = app
        .get("/api/v1/teams?q=marketing", &admin)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(teams["page"]["total"], 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_requests_with_one_key_never_both_act() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let body = json!({"name": "Sales"});

    let answers =
        join_all((0..10).map(|_| post_with_key(&app, &admin, "/api/v1/teams", "same-key", &body)))
            .await;

    let statuses: Vec<u16> = answers.iter().map(|r| r.status().as_u16()).collect();
    assert!(
        statuses.iter().all(|s| *s == 201 || *s == 409),
        "{statuses:?}"
    );
    assert!(statuses.contains(&201), "{statuses:?}");
    for res in answers.into_iter().filter(|r| r.status() == 409) {
        assert_eq!(problem(res, 409).await.code, "idempotency_key_in_use");
    }
    let teams: Value = app
        .get("/api/v1/teams?q=sales", &admin)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        teams["page"]["total"], 1,
        "one team, whatever the answers said"
    );
    assert_eq!(app.audit(&admin, "action=team.created").await.page.total, 1);
}

#[tokio::test]
async fn keys_are_per_caller_and_forgotten_after_a_day() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let (_, other_admin) = app
        .user_with_password(&[Role::Admin], "second.admin@example.com")
        .await;
    let sales = post_with_key(
        &app,
        &admin,
        "/api/v1/teams",
        "shared",
        &json!({"name": "Sales"}),
    )
    .await;
    assert_eq!(sales.status(), 201);

    let theirs = post_with_key(
        &app,
        &other_admin,
        "/api/v1/teams",
        "shared",
        &json!({"name": "Support"}),
    )
    .await;
    assert_eq!(theirs.status(), 201, "another caller's key is their own");

    app.clock.advance(25 * 3600);
    let admin = app.admin_token().await;
    let later = post_with_key(
        &app,
        &admin,
        "/api/v1/teams",
        "shared",
        &json!({"name": "Sales"}),
    )
    .await;
    assert_eq!(
        problem(later, 409).await.code,
        "team_name_taken",
        "acted afresh"
    );
}

#[tokio::test]
async fn a_membership_retried_with_its_key_is_not_a_conflict() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let team: Team = app
        .post_json("/api/v1/teams", &admin, &json!({"name": "Sales"}))
        .await
        .json()
        .await
        .unwrap();
    let ada = app
        .create_user(&admin, "Ada", "Lovelace", "ada@example.com", &[])
        .await;
    let path = format!("/api/v1/teams/{}/members", team.id);
    let body = json!({"user_id": ada.id, "role": "member"});

    let first = post_with_key(&app, &admin, &path, "join-1", &body).await;
    let again = post_with_key(&app, &admin, &path, "join-1", &body).await;
    let by_person = post_with_key(
        &app,
        &admin,
        &format!("/api/v1/users/{}/teams", ada.id),
        "join-2",
        &json!({"team_id": team.id, "role": "member"}),
    )
    .await;

    assert_eq!(
        (first.status().as_u16(), again.status().as_u16()),
        (201, 201)
    );
    assert_eq!(
        problem(by_person, 409).await.code,
        "already_member",
        "a new key acts"
    );
}

#[tokio::test]
async fn an_unusable_key_is_a_clear_problem() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let long = "k".repeat(300);

    let res = post_with_key(
        &app,
        &admin,
        "/api/v1/teams",
        &long,
        &json!({"name": "Sales"}),
    )
    .await;

    let body = problem(res, 422).await;
    assert!(body.field_error("Idempotency-Key").is_some());
}
