//! Who may do what, for every operation of the OpenAPI document and every kind of
//! caller. An operation added to the API without a row here fails this test, so
//! none can slip through unchecked.
//!
//! The rule behind the numbers: an operation your role can never perform is 403;
//! one your role may perform, but not on this person or team, is 404, so that
//! existence does not leak.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use std::collections::BTreeMap;

use roster_tests::{ADMIN_EMAIL, ADMIN_PASSWORD, TestApp, client, spawn_app};
use roster_types::{Role, Team, TeamRole, User};
use serde_json::{Value, json};

#[derive(Debug, Clone, Copy)]
enum Caller {
    Anonymous,
    Learner,
    ManagerOfTheTeam,
    ManagerOfAnotherTeam,
    Admin,
}

const CALLERS: [Caller; 5] = [
    Caller::Anonymous,
    Caller::Learner,
    Caller::ManagerOfTheTeam,
    Caller::ManagerOfAnotherTeam,
    Caller::Admin,
];

/// Expected statuses, in the order of `CALLERS`.
fn expectations() -> BTreeMap<&'static str, [u16; 5]> {
    BTreeMap::from([
        ("GET /healthz", [200, 200, 200, 200, 200]),
        ("GET /readyz", [200, 200, 200, 200, 200]),
        ("POST /api/v1/auth/login", [200, 200, 200, 200, 200]),
        // These callers present bearer tokens, not the refresh cookie.
        ("POST /api/v1/auth/refresh", [401, 401, 401, 401, 401]),
        ("POST /api/v1/auth/logout", [204, 204, 204, 204, 204]),
        ("GET /api/v1/auth/me", [401, 200, 200, 200, 200]),
        // The body carries the admin's current password; the others' differs.
        ("PUT /api/v1/auth/me/password", [401, 422, 422, 422, 204]),
        // Answered by the token in the body, whoever calls.
        ("POST /api/v1/auth/password", [400, 400, 400, 400, 400]),
        ("POST /api/v1/auth/password/link", [400, 400, 400, 400, 400]),
        // Anyone may ask how strong a password is; nothing is stored.
        (
            "POST /api/v1/auth/password/strength",
            [200, 200, 200, 200, 200],
        ),
        (
            "POST /api/v1/auth/password-reset",
            [202, 202, 202, 202, 202],
        ),
        (
            "POST /api/v1/users/{id}/invitation",
            [401, 403, 202, 404, 202],
        ),
        (
            "POST /api/v1/users/{id}/password-reset",
            [401, 403, 202, 404, 202],
        ),
        ("GET /api/v1/users/{id}/emails", [401, 404, 200, 404, 200]),
        ("GET /api/v1/users", [401, 403, 200, 200, 200]),
        ("POST /api/v1/users", [401, 403, 201, 404, 201]),
        ("GET /api/v1/users/{id}", [401, 404, 200, 404, 200]),
        ("PATCH /api/v1/users/{id}", [401, 404, 200, 404, 200]),
        ("DELETE /api/v1/users/{id}", [401, 403, 403, 403, 204]),
        ("POST /api/v1/users/{id}/suspend", [401, 403, 403, 403, 200]),
        (
            "POST /api/v1/users/{id}/reactivate",
            [401, 403, 403, 403, 200],
        ),
        ("GET /api/v1/users/{id}/teams", [401, 404, 200, 404, 200]),
        ("POST /api/v1/users/{id}/teams", [401, 403, 404, 404, 201]),
        (
            "PATCH /api/v1/users/{id}/teams/{team_id}",
            [401, 403, 200, 404, 200],
        ),
        (
            "DELETE /api/v1/users/{id}/teams/{team_id}",
            [401, 403, 204, 404, 204],
        ),
        ("GET /api/v1/auth/sessions", [401, 200, 200, 200, 200]),
        // Nobody's session: a session id is found only among your own.
        (
            "DELETE /api/v1/auth/sessions/{session_id}",
            [401, 404, 404, 404, 404],
        ),
        ("GET /api/v1/users/{id}/sessions", [401, 403, 200, 404, 200]),
        (
            "DELETE /api/v1/users/{id}/sessions",
            [401, 403, 204, 404, 204],
        ),
        ("GET /api/v1/audit-events", [401, 403, 403, 403, 200]),
        ("GET /api/v1/jobs", [401, 403, 403, 403, 200]),
        // The id is a person's, not a job's: nobody finds it.
        ("GET /api/v1/jobs/{id}", [401, 404, 404, 404, 404]),
        ("GET /api/v1/audit-events.csv", [401, 403, 403, 403, 200]),
        ("GET /api/v1/teams", [401, 403, 200, 200, 200]),
        ("POST /api/v1/teams", [401, 403, 403, 403, 201]),
        ("GET /api/v1/teams/{id}", [401, 403, 200, 404, 200]),
        ("PATCH /api/v1/teams/{id}", [401, 403, 403, 403, 200]),
        ("DELETE /api/v1/teams/{id}", [401, 403, 403, 403, 204]),
        ("GET /api/v1/teams/{id}/members", [401, 403, 200, 404, 200]),
        ("POST /api/v1/teams/{id}/members", [401, 403, 404, 404, 201]),
    ])
}

/// The school a call runs against (see [`check`]): team A (managed by
/// `manager_a`, with `member` in it) and team B (managed by `manager_b`, with
/// `other` in it), and a learner in no team.
struct World {
    app: TestApp,
    tokens: BTreeMap<&'static str, String>,
    member: User,
    other: User,
    team_a: Team,
    team_b: Team,
}

async fn world() -> World {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let team = |name: &'static str| {
        let app = &app;
        let admin = admin.clone();
        async move {
            let res = app
                .post_json("/api/v1/teams", &admin, &json!({ "name": name }))
                .await;
            assert_eq!(res.status(), 201);
            res.json::<Team>().await.unwrap()
        }
    };
    let team_a = team("Team A").await;
    let team_b = team("Team B").await;
    let (manager_a, manager_a_token) = app
        .user_with_password(&[Role::Manager], "manager.a@example.com")
        .await;
    let (manager_b, manager_b_token) = app
        .user_with_password(&[Role::Manager], "manager.b@example.com")
        .await;
    let (_, learner_token) = app
        .user_with_password(&[Role::Learner], "learner@example.com")
        .await;
    let member = app
        .create_user(
            &admin,
            "Mia",
            "Member",
            "member@example.com",
            &[Role::Learner],
        )
        .await;
    let other = app
        .create_user(
            &admin,
            "Otto",
            "Other",
            "other@example.com",
            &[Role::Learner],
        )
        .await;
    for (team, user, role) in [
        (&team_a, &manager_a, TeamRole::Manager),
        (&team_a, &member, TeamRole::Member),
        (&team_b, &manager_b, TeamRole::Manager),
        (&team_b, &other, TeamRole::Member),
    ] {
        let res = app
            .post_json(
                &format!("/api/v1/teams/{}/members", team.id),
                &admin,
                &json!({"user_id": user.id, "role": role}),
            )
            .await;
        assert_eq!(res.status(), 201);
    }
    let tokens = BTreeMap::from([
        ("learner", learner_token),
        ("manager_a", manager_a_token),
        ("manager_b", manager_b_token),
        ("admin", admin),
    ]);
    World {
        app,
        tokens,
        member,
        other,
        team_a,
        team_b,
    }
}

impl World {
    fn token(&self, caller: Caller) -> Option<&str> {
        let key = match caller {
            Caller::Anonymous => return None,
            Caller::Learner => "learner",
            Caller::ManagerOfTheTeam => "manager_a",
            Caller::ManagerOfAnotherTeam => "manager_b",
            Caller::Admin => "admin",
        };
        Some(self.tokens[key].as_str())
    }

    /// A body the admin could send successfully.
    fn body(&self, op: &str) -> Option<Value> {
        Some(match op {
            "POST /api/v1/auth/login" => json!({"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}),
            "POST /api/v1/auth/password" => {
                json!({"token": "not-a-token", "password": "a-long-new-password"})
            }
            "POST /api/v1/auth/password/link" => json!({"token": "not-a-token"}),
            "POST /api/v1/auth/password/strength" => json!({"password": "a-long-new-password"}),
            "POST /api/v1/auth/password-reset" => json!({"email": "member@example.com"}),
            "PUT /api/v1/auth/me/password" => json!({
                "current_password": ADMIN_PASSWORD, "new_password": "another-long-password"
            }),
            "POST /api/v1/users" => json!({
                "first_name": "New", "last_name": "Person", "email": "new.person@example.com",
                "roles": ["learner"], "teams": [{"team_id": self.team_a.id, "role": "member"}]
            }),
            "PATCH /api/v1/users/{id}" => json!({"first_name": "Renamed"}),
            "POST /api/v1/users/{id}/teams" => json!({"team_id": self.team_b.id, "role": "member"}),
            "PATCH /api/v1/users/{id}/teams/{team_id}" => json!({"role": "member"}),
            "POST /api/v1/teams" => json!({"name": "Team C"}),
            "PATCH /api/v1/teams/{id}" => json!({"description": "Renamed"}),
            "POST /api/v1/teams/{id}/members" => {
                json!({"user_id": self.other.id, "role": "member"})
            }
            _ => return None,
        })
    }

    fn path(&self, template: &str) -> String {
        let id = if template.starts_with("/api/v1/teams/") {
            self.team_a.id
        } else {
            self.member.id
        };
        template
            .replace("{id}", &id.to_string())
            .replace("{team_id}", &self.team_a.id.to_string())
            .replace("{session_id}", &uuid::Uuid::now_v7().to_string())
    }
}

/// One call by `caller` in `world`; `Some(message)` when it answers wrong.
async fn check_in(
    w: &World,
    op: &str,
    method: &str,
    template: &str,
    caller: Caller,
    want: u16,
) -> Option<String> {
    let url = w.app.url(&w.path(template));
    let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
    let mut req = client().request(method, &url);
    if let Some(token) = w.token(caller) {
        req = req.bearer_auth(token);
    }
    if let Some(body) = w.body(op) {
        req = req.json(&body);
    }
    let got = req.send().await.unwrap().status().as_u16();
    (got != want).then(|| format!("{op} as {caller:?}: expected {want}, got {got}"))
}

/// A call that may change things runs in a world of its own, so no call sees
/// another's effects; reads share one world between them.
async fn check(
    reads: &World,
    op: &str,
    method: &str,
    template: &str,
    caller: Caller,
    want: u16,
) -> Option<String> {
    if method == "GET" {
        check_in(reads, op, method, template, caller, want).await
    } else {
        check_in(&world().await, op, method, template, caller, want).await
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_operation_answers_every_kind_of_caller_as_the_rules_say() {
    use futures::StreamExt;

    let doc: Value = serde_json::from_str(&roster_api::openapi::document_json()).unwrap();
    let mut expected = expectations();
    let mut operations = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            let op = format!("{} {path}", method.to_uppercase());
            let statuses = expected
                .remove(op.as_str())
                .unwrap_or_else(|| panic!("{op} has no row in the permission matrix"));
            operations.push((op, method.to_uppercase(), path.clone(), statuses));
        }
    }
    assert!(
        expected.is_empty(),
        "rows for operations that do not exist: {:?}",
        expected.keys()
    );

    let reads = world().await;
    let reads = &reads;
    let calls = operations
        .iter()
        .flat_map(|(op, method, template, statuses)| {
            CALLERS
                .into_iter()
                .zip(*statuses)
                .map(move |(caller, want)| check(reads, op, method, template, caller, want))
        });
    let failures: Vec<String> = futures::stream::iter(calls)
        .buffer_unordered(8)
        .filter_map(|f| async move { f })
        .collect()
        .await;
    assert!(
        failures.is_empty(),
        "permission matrix mismatches:\n{}",
        failures.join("\n")
    );
}
