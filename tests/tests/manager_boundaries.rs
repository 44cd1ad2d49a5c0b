//! Where a manager's reach ends: fellow managers and admins in their teams are
//! visible but not theirs to change, and nothing tells them about other teams.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use roster_tests::{TestApp, problem, spawn_app};
use roster_types::{Role, Team, User, UserList, UserTeamList};
use serde_json::json;

struct World {
    app: TestApp,
    admin: String,
    mine: Team,
    theirs: Team,
    /// Manages `mine`.
    manager: String,
    /// Also manages `mine`, and `theirs` too.
    fellow: User,
    /// Member of `mine` and of `theirs`.
    ada: User,
    /// Admin, member of `mine`.
    boss: User,
}

async fn team(app: &TestApp, token: &str, name: &str) -> Team {
    let res = app
        .post_json("/api/v1/teams", token, &json!({ "name": name }))
        .await;
    assert_eq!(res.status(), 201);
    res.json().await.unwrap()
}

async fn join(app: &TestApp, token: &str, team: &Team, user: &User, role: &str) -> u16 {
    app.join_team(token, team.id, user.id, role).await
}

async fn world() -> World {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let mine = team(&app, &admin, "Mine").await;
    let theirs = team(&app, &admin, "Theirs").await;
    let (me, manager) = app
        .user_with_password(&[Role::Manager], "manager@example.com")
        .await;
    let (fellow, _) = app
        .user_with_password(&[Role::Manager], "fellow@example.com")
        .await;
    let ada = app
        .create_user(&admin, "Ada", "Lovelace", "ada@example.com", &[])
        .await;
    let boss = app
        .create_user(&admin, "Big", "Boss", "boss@example.com", &[Role::Admin])
        .await;
    for (team, user, role) in [
        (&mine, &me, "manager"),
        (&mine, &fellow, "manager"),
        (&theirs, &fellow, "manager"),
        (&mine, &ada, "member"),
        (&theirs, &ada, "member"),
        (&mine, &boss, "member"),
    ] {
        assert_eq!(join(&app, &admin, team, user, role).await, 201);
    }
    World {
        app,
        admin,
        mine,
        theirs,
        manager,
        fellow,
        ada,
        boss,
    }
}

#[tokio::test]
async fn a_manager_cannot_change_or_email_a_fellow_manager_or_an_admin() {
    let w = world().await;

    for target in [&w.fellow, &w.boss] {
        let path = format!("/api/v1/users/{}", target.id);
        // Visible: they share a team.
        assert_eq!(w.app.get(&path, &w.manager).await.status(), 200);
        // But not the manager's to change: no new address, no reset link, no
        // invitation, no demotion.
        let edit = w
            .app
            .patch_json(
                &path,
                &w.manager,
                &json!({"email": "mine-now@example.com"}),
                None,
            )
            .await;
        problem(edit, 403).await;
        let demote = w
            .app
            .patch_json(&path, &w.manager, &json!({"roles": ["learner"]}), None)
            .await;
        problem(demote, 403).await;
        problem(
            w.app
                .post(&format!("{path}/password-reset"), &w.manager)
                .await,
            403,
        )
        .await;
        problem(
            w.app.post(&format!("{path}/invitation"), &w.manager).await,
            403,
        )
        .await;
    }

    let fellow: User = w
        .app
        .get(&format!("/api/v1/users/{}", w.fellow.id), &w.admin)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(fellow.email, "fellow@example.com");
    assert_eq!(fellow.roles, [Role::Manager]);

    // A plain member is the manager's to look after.
    let ok = w
        .app
        .post(
            &format!("/api/v1/users/{}/password-reset", w.ada.id),
            &w.manager,
        )
        .await;
    assert_eq!(ok.status(), 202);
}

#[tokio::test]
async fn a_manager_sees_only_their_own_teams_of_a_member() {
    let w = world().await;
    let path = format!("/api/v1/users/{}/teams", w.ada.id);

    let as_manager: UserTeamList = w.app.get(&path, &w.manager).await.json().await.unwrap();
    let as_admin: UserTeamList = w.app.get(&path, &w.admin).await.json().await.unwrap();

    let names = |l: &UserTeamList| l.items.iter().map(|t| t.name.clone()).collect::<Vec<_>>();
    assert_eq!(names(&as_manager), ["Mine"]);
    assert_eq!(names(&as_admin), ["Mine", "Theirs"]);
}

#[tokio::test]
async fn the_users_filter_tells_a_manager_nothing_about_other_teams() {
    let w = world().await;

    let theirs: UserList = w
        .app
        .get(
            &format!("/api/v1/users?team_id={}", w.theirs.id),
            &w.manager,
        )
        .await
        .json()
        .await
        .unwrap();
    let mine: UserList = w
        .app
        .get(&format!("/api/v1/users?team_id={}", w.mine.id), &w.manager)
        .await
        .json()
        .await
        .unwrap();

    assert_eq!(theirs.page.total, 0);
    assert!(theirs.items.is_empty());
    assert_eq!(mine.page.total, 4);
}

#[tokio::test]
async fn membership_changes_in_other_teams_look_the_same_whether_or_not_they_exist() {
    let w = world().await;
    let unknown = uuid::Uuid::now_v7();

    // Ada is in "theirs"; a made-up team id answers exactly the same.
    for team_id in [w.theirs.id, unknown] {
        let path = format!("/api/v1/users/{}/teams/{team_id}", w.ada.id);
        let change = w
            .app
            .patch_json(&path, &w.manager, &json!({"role": "member"}), None)
            .await;
        let change = problem(change, 404).await;
        let remove = w
            .app
            .client
            .delete(w.app.url(&path))
            .bearer_auth(&w.manager)
            .send()
            .await
            .unwrap();
        let remove = problem(remove, 404).await;
        let add = w
            .app
            .post_json(
                &format!("/api/v1/users/{}/teams", w.ada.id),
                &w.manager,
                &json!({"team_id": team_id, "role": "member"}),
            )
            .await;
        let add = problem(add, 404).await;
        assert_eq!(
            (change.detail, remove.detail, add.detail),
            (
                Some("Team not found.".to_string()),
                Some("Team not found.".to_string()),
                Some("Team not found.".to_string())
            ),
            "team {team_id}"
        );
    }
}

#[tokio::test]
async fn a_manager_adds_a_member_they_manage_to_another_of_their_teams() {
    let w = world().await;
    let me = w.manager.clone();
    let second = team(&w.app, &w.admin, "Second").await;
    let me_user: User = w
        .app
        .get("/api/v1/auth/me", &me)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        join(&w.app, &w.admin, &second, &me_user, "manager").await,
        201
    );

    assert_eq!(join(&w.app, &me, &second, &w.ada, "member").await, 201);
    assert_eq!(join(&w.app, &me, &second, &w.ada, "member").await, 409);
    let teams: UserTeamList = w
        .app
        .get(&format!("/api/v1/users/{}/teams", w.ada.id), &me)
        .await
        .json()
        .await
        .unwrap();
    let names: Vec<_> = teams.items.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(names, ["Mine", "Second"]);
    // An admin in the manager's team is not theirs to move around.
    assert_eq!(join(&w.app, &me, &second, &w.boss, "member").await, 403);
}
