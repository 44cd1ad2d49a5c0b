//! "Manager" means one thing: whoever manages a team holds the global manager
//! role, and their team roles say which teams it covers. Appointing a team's
//! manager grants the role (on the record); it cannot be taken from someone
//! who still manages a team; a database from before the rule is mended.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use roster_tests::{TestApp, problem, spawn_app};
use roster_types::{Role, Team, User, UserList};
use serde_json::json;

async fn team(app: &TestApp, token: &str, name: &str) -> Team {
    let res = app
        .post_json("/api/v1/teams", token, &json!({ "name": name }))
        .await;
    assert_eq!(res.status(), 201);
    res.json().await.unwrap()
}

async fn user(app: &TestApp, token: &str, id: uuid::Uuid) -> User {
    let res = app.get(&format!("/api/v1/users/{id}"), token).await;
    assert_eq!(res.status(), 200);
    res.json().await.unwrap()
}

#[tokio::test]
async fn making_someone_a_teams_manager_makes_them_a_manager() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let sales = team(&app, &admin, "Sales").await;
    let (ada, ada_token) = app
        .user_with_password(&[Role::Learner], "ada@example.com")
        .await;
    let grace = app
        .create_user(&admin, "Grace", "Hopper", "grace@example.com", &[])
        .await;
    let res = app
        .post_json(
            &format!("/api/v1/teams/{}/members", sales.id),
            &admin,
            &json!({"user_id": grace.id, "role": "member"}),
        )
        .await;
    assert_eq!(res.status(), 201);
    // A learner sees no Users list.
    assert_eq!(app.get("/api/v1/users", &ada_token).await.status(), 403);

    let res = app
        .post_json(
            &format!("/api/v1/teams/{}/members", sales.id),
            &admin,
            &json!({"user_id": ada.id, "role": "manager"}),
        )
        .await;
    assert_eq!(res.status(), 201);
    let now = user(&app, &admin, ada.id).await;
    assert_eq!(now.roles, [Role::Manager, Role::Learner]);
    assert!(now.version > ada.version, "an edit from before is stale");

    // The role is real at once: Ada now lists her team's people.
    let res = app.get("/api/v1/users", &ada_token).await;
    assert_eq!(res.status(), 200);
    let list: UserList = res.json().await.unwrap();
    let mut emails: Vec<_> = list.items.iter().map(|u| u.email.as_str()).collect();
    emails.sort_unstable();
    assert_eq!(emails, ["ada@example.com", "grace@example.com"]);

    // And the trail says why her roles changed.
    let events = app
        .audit(&admin, &format!("action=user.updated&target_id={}", ada.id))
        .await;
    let event = events.items.first().expect("a role change on the record");
    assert_eq!(
        event.details["changes"]["roles"],
        json!({"old": ["learner"], "new": ["manager", "learner"]})
    );
    assert_eq!(event.details["because"], "made manager of Sales");
}

#[tokio::test]
async fn a_member_promoted_to_manager_and_a_new_user_added_as_manager_are_managers() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let sales = team(&app, &admin, "Sales").await;
    let grace = app
        .create_user(&admin, "Grace", "Hopper", "grace@example.com", &[])
        .await;
    assert_eq!(
        app.join_team(&admin, sales.id, grace.id, "member").await,
        201
    );
    assert_eq!(user(&app, &admin, grace.id).await.roles, [Role::Learner]);
    let res = app
        .patch_json(
            &format!("/api/v1/users/{}/teams/{}", grace.id, sales.id),
            &admin,
            &json!({"role": "manager"}),
            None,
        )
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(
        user(&app, &admin, grace.id).await.roles,
        [Role::Manager, Role::Learner]
    );

    // Added with a team to manage: the answer already says manager.
    let res = app
        .post_json(
            "/api/v1/users",
            &admin,
            &json!({
                "first_name": "Alan", "last_name": "Turing", "email": "alan@example.com",
                "roles": ["learner"],
                "teams": [{"team_id": sales.id, "role": "manager"}],
            }),
        )
        .await;
    assert_eq!(res.status(), 201);
    let alan: User = res.json().await.unwrap();
    assert_eq!(alan.roles, [Role::Manager, Role::Learner]);
    assert_eq!(user(&app, &admin, alan.id).await.roles, alan.roles);
}

#[tokio::test]
async fn the_manager_role_stays_while_they_manage_a_team() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let sales = team(&app, &admin, "Sales").await;
    let support = team(&app, &admin, "Support").await;
    let grace = app
        .create_user(&admin, "Grace", "Hopper", "grace@example.com", &[])
        .await;
    for t in [&sales, &support] {
        assert_eq!(app.join_team(&admin, t.id, grace.id, "manager").await, 201);
    }
    let path = format!("/api/v1/users/{}", grace.id);
    let res = app
        .patch_json(&path, &admin, &json!({"roles": ["learner"]}), None)
        .await;
    let refused = problem(res, 409).await;
    assert_eq!(refused.code, "manages_teams");
    assert!(
        refused.message().contains("Sales, Support"),
        "names the teams: {}",
        refused.message()
    );
    assert_eq!(
        user(&app, &admin, grace.id).await.roles,
        [Role::Manager, Role::Learner],
        "nothing changed"
    );

    // Other edits that keep the role go through.
    let res = app
        .patch_json(
            &path,
            &admin,
            &json!({"roles": ["admin", "manager"], "first_name": "Amazing"}),
            None,
        )
        .await;
    assert_eq!(res.status(), 200);

    // Once she manages no team, the role can go (leaving a team does not take it).
    for (t, how) in [(&sales, "member"), (&support, "gone")] {
        let team_path = format!("/api/v1/users/{}/teams/{}", grace.id, t.id);
        let status = if how == "gone" {
            app.client
                .delete(app.url(&team_path))
                .bearer_auth(&admin)
                .send()
                .await
                .unwrap()
                .status()
        } else {
            app.patch_json(&team_path, &admin, &json!({"role": "member"}), None)
                .await
                .status()
        };
        assert!(status.is_success(), "{how}: {status}");
    }
    assert_eq!(
        user(&app, &admin, grace.id).await.roles,
        [Role::Admin, Role::Manager],
        "a manager of no team yet"
    );
    let res = app
        .patch_json(&path, &admin, &json!({"roles": ["learner"]}), None)
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(user(&app, &admin, grace.id).await.roles, [Role::Learner]);
}

#[tokio::test]
async fn team_managers_stored_without_the_role_get_it_from_the_migration() {
    use roster_entity::user_roles;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let sales = team(&app, &admin, "Sales").await;
    let (ada, ada_token) = app
        .user_with_password(&[Role::Learner], "ada@example.com")
        .await;
    assert_eq!(
        app.join_team(&admin, sales.id, ada.id, "manager").await,
        201
    );
    // What the code before the rule could leave: a team manager who is a learner.
    user_roles::Entity::delete_many()
        .filter(user_roles::Column::UserId.eq(ada.id))
        .filter(user_roles::Column::Role.eq("manager"))
        .exec(&app.roster.db)
        .await
        .unwrap();
    assert_eq!(user(&app, &admin, ada.id).await.roles, [Role::Learner]);
    assert_eq!(app.get("/api/v1/users", &ada_token).await.status(), 403);

    app.redo_migrations_from("m20261203_000012_team_managers_are_managers")
        .await;

    assert_eq!(
        user(&app, &admin, ada.id).await.roles,
        [Role::Manager, Role::Learner]
    );
    assert_eq!(app.get("/api/v1/users", &ada_token).await.status(), 200);
}

#[tokio::test]
async fn two_appointments_at_once_both_succeed_and_grant_the_role_once() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let mut teams = Vec::new();
    for name in ["Sales", "Support", "Research", "Legal"] {
        teams.push(team(&app, &admin, name).await);
    }
    let grace = app
        .create_user(&admin, "Grace", "Hopper", "grace@example.com", &[])
        .await;
    let path = format!("/api/v1/users/{}/teams", grace.id);
    let bodies: Vec<_> = teams
        .iter()
        .map(|t| json!({"team_id": t.id, "role": "manager"}))
        .collect();
    let statuses =
        futures::future::join_all(bodies.iter().map(|b| app.post_json(&path, &admin, b)))
            .await
            .into_iter()
            .map(|r| r.status().as_u16())
            .collect::<Vec<_>>();
    assert_eq!(statuses, [201, 201, 201, 201]);
    assert_eq!(
        user(&app, &admin, grace.id).await.roles,
        [Role::Manager, Role::Learner]
    );
    let events = app
        .audit(
            &admin,
            &format!("action=user.updated&target_id={}", grace.id),
        )
        .await;
    assert_eq!(events.items.len(), 1, "the role was granted once");
}
