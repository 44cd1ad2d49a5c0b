//! Teams, memberships, scoped managers, suspension.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use roster_tests::{TestApp, client, problem, spawn_app};
use roster_types::{
    Role, Team, TeamList, TeamMember, TeamMemberList, TeamRole, User, UserList, UserStatus,
    UserTeam, UserTeamList,
};
use serde_json::json;

async fn create_team(app: &TestApp, token: &str, name: &str) -> Team {
    let res = app
        .post_json(
            "/api/v1/teams",
            token,
            &json!({"name": name, "description": "  For tests "}),
        )
        .await;
    assert_eq!(res.status(), 201, "team {name} is created");
    res.json().await.unwrap()
}

async fn add(
    app: &TestApp,
    token: &str,
    team: &Team,
    user: &User,
    role: &str,
) -> reqwest::Response {
    app.post_json(
        &format!("/api/v1/users/{}/teams", user.id),
        token,
        &json!({"team_id": team.id, "role": role}),
    )
    .await
}

#[tokio::test]
async fn team_names_are_unique_regardless_of_case_and_lists_count_members() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let sales = create_team(&app, &admin, "Sales").await;
    assert_eq!(sales.description, "For tests");
    create_team(&app, &admin, "Support").await;
    let ada = app
        .create_user(&admin, "Ada", "Lovelace", "ada@example.com", &[])
        .await;
    assert_eq!(
        add(&app, &admin, &sales, &ada, "member").await.status(),
        201
    );

    let dup = app
        .post_json("/api/v1/teams", &admin, &json!({"name": "  SALES "}))
        .await;
    let body = problem(dup, 409).await;
    assert_eq!(body.code, "team_name_taken");
    assert!(body.field_error("name").is_some());
    let empty = app
        .post_json("/api/v1/teams", &admin, &json!({"name": " "}))
        .await;
    assert!(problem(empty, 422).await.field_error("name").is_some());

    let list: TeamList = app
        .get("/api/v1/teams?sort=-member_count", &admin)
        .await
        .json()
        .await
        .unwrap();
    let rows: Vec<_> = list
        .items
        .iter()
        .map(|t| (t.name.as_str(), t.member_count))
        .collect();
    assert_eq!(rows, [("Sales", 1), ("Support", 0)]);
    assert_eq!(list.page.total, 2);
    let found: TeamList = app
        .get("/api/v1/teams?q=SUP", &admin)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(found.items.len(), 1);
    assert_eq!(
        problem(app.get("/api/v1/teams?sort=size", &admin).await, 400)
            .await
            .code,
        "invalid_query"
    );

    let renamed = app
        .client
        .patch(app.url(&format!("/api/v1/teams/{}", sales.id)))
        .bearer_auth(&admin)
        .json(&json!({"name": "support"}))
        .send()
        .await
        .unwrap();
    assert_eq!(problem(renamed, 409).await.code, "team_name_taken");
}

#[tokio::test]
async fn memberships_have_roles_and_bad_changes_are_clear_problems() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let team = create_team(&app, &admin, "Sales").await;
    let ada = app
        .create_user(&admin, "Ada", "Lovelace", "ada@example.com", &[])
        .await;

    let res = add(&app, &admin, &team, &ada, "manager").await;
    assert_eq!(res.status(), 201);
    let joined: UserTeam = res.json().await.unwrap();
    assert_eq!(
        (joined.name.as_str(), joined.role),
        ("Sales", TeamRole::Manager)
    );

    assert_eq!(
        problem(add(&app, &admin, &team, &ada, "member").await, 409)
            .await
            .code,
        "already_member"
    );
    let bad_role = add(&app, &admin, &team, &ada, "captain").await;
    assert!(
        problem(bad_role, 422).await.errors[0]
            .message
            .contains("captain")
    );
    let unknown_team = app
        .post_json(
            &format!("/api/v1/users/{}/teams", ada.id),
            &admin,
            &json!({"team_id": uuid::Uuid::now_v7(), "role": "member"}),
        )
        .await;
    assert_eq!(problem(unknown_team, 404).await.code, "not_found");
    let unknown_user = app
        .post_json(
            &format!("/api/v1/teams/{}/members", team.id),
            &admin,
            &json!({"user_id": uuid::Uuid::now_v7(), "role": "member"}),
        )
        .await;
    problem(unknown_user, 404).await;

    // Added through the team as its manager, a person's roles say so at once.
    let bob = app
        .create_user(&admin, "Bob", "Byron", "bob@example.com", &[])
        .await;
    let res = app
        .post_json(
            &format!("/api/v1/teams/{}/members", team.id),
            &admin,
            &json!({"user_id": bob.id, "role": "manager"}),
        )
        .await;
    assert_eq!(res.status(), 201);
    let member: TeamMember = res.json().await.unwrap();
    assert_eq!(
        (member.user_id, member.role, member.roles),
        (
            bob.id,
            TeamRole::Manager,
            vec![Role::Manager, Role::Learner]
        )
    );
    assert_eq!(bob.roles, [Role::Learner], "created a learner alone");

    let path = format!("/api/v1/users/{}/teams/{}", ada.id, team.id);
    let changed = app
        .client
        .patch(app.url(&path))
        .bearer_auth(&admin)
        .json(&json!({"role": "member"}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        changed.json::<UserTeam>().await.unwrap().role,
        TeamRole::Member
    );
    let teams: UserTeamList = app
        .get(&format!("/api/v1/users/{}/teams", ada.id), &admin)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        teams.items.iter().map(|t| t.role).collect::<Vec<_>>(),
        [TeamRole::Member]
    );

    let removed = app
        .client
        .delete(app.url(&path))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(removed.status(), 204);
    let again = app
        .client
        .delete(app.url(&path))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    problem(again, 404).await;
}

/// The name and member count of each team `GET /teams?{query}` returns, in
/// order.
async fn teams_in_order(app: &TestApp, token: &str, query: &str) -> Vec<(String, u64)> {
    let res = app.get(&format!("/api/v1/teams?{query}"), token).await;
    assert_eq!(res.status(), 200, "GET /teams?{query}");
    let list: TeamList = res.json().await.unwrap();
    list.items
        .into_iter()
        .map(|t| (t.name, t.member_count))
        .collect()
}

#[tokio::test]
async fn every_team_column_sorts_both_ways_with_a_stable_tie_break() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let ada = app
        .create_user(&admin, "Ada", "Lovelace", "ada@example.com", &[])
        .await;
    let grace = app
        .create_user(&admin, "Grace", "Hopper", "grace@example.com", &[])
        .await;
    // Created in this order, with these members; "accounts" is lower-case to
    // show that names sort regardless of case, and Sales and Design tie on
    // their member count.
    for (name, members) in [
        ("Sales", vec![&ada, &grace]),
        ("accounts", vec![]),
        ("Marketing", vec![&ada]),
        ("Design", vec![&ada, &grace]),
    ] {
        let team = create_team(&app, &admin, name).await;
        for user in members {
            assert_eq!(add(&app, &admin, &team, user, "member").await.status(), 201);
        }
    }
    let rows = |names: [(&str, u64); 4]| {
        names
            .into_iter()
            .map(|(n, c)| (n.to_string(), c))
            .collect::<Vec<_>>()
    };

    let by_name = teams_in_order(&app, &admin, "sort=name").await;
    let by_name_desc = teams_in_order(&app, &admin, "sort=-name").await;
    let by_count = teams_in_order(&app, &admin, "sort=member_count").await;
    let by_count_desc = teams_in_order(&app, &admin, "sort=-member_count").await;
    let oldest_first = teams_in_order(&app, &admin, "sort=created_at").await;
    let newest_first = teams_in_order(&app, &admin, "sort=-created_at").await;

    assert_eq!(
        by_name,
        rows([
            ("accounts", 0),
            ("Design", 2),
            ("Marketing", 1),
            ("Sales", 2)
        ])
    );
    assert_eq!(
        by_name_desc,
        rows([
            ("Sales", 2),
            ("Marketing", 1),
            ("Design", 2),
            ("accounts", 0)
        ])
    );
    // A tie on the count falls back to the name, A to Z, both ways.
    assert_eq!(
        by_count,
        rows([
            ("accounts", 0),
            ("Marketing", 1),
            ("Design", 2),
            ("Sales", 2)
        ])
    );
    assert_eq!(
        by_count_desc,
        rows([
            ("Design", 2),
            ("Sales", 2),
            ("Marketing", 1),
            ("accounts", 0)
        ])
    );
    assert_eq!(
        oldest_first,
        rows([
            ("Sales", 2),
            ("accounts", 0),
            ("Marketing", 1),
            ("Design", 2)
        ])
    );
    assert_eq!(
        newest_first,
        rows([
            ("Design", 2),
            ("Marketing", 1),
            ("accounts", 0),
            ("Sales", 2)
        ])
    );
    assert_eq!(
        teams_in_order(&app, &admin, "").await,
        by_name,
        "name by default"
    );
}

#[tokio::test]
async fn deleting_a_team_removes_memberships_but_never_people() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let team = create_team(&app, &admin, "Sales").await;
    let ada = app
        .create_user(&admin, "Ada", "Lovelace", "ada@example.com", &[])
        .await;
    assert_eq!(add(&app, &admin, &team, &ada, "member").await.status(), 201);
    let before: UserTeamList = app
        .get(&format!("/api/v1/users/{}/teams", ada.id), &admin)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        before.items.iter().map(|t| t.team_id).collect::<Vec<_>>(),
        [team.id],
        "Ada is a member before the team goes"
    );

    let res = app
        .client
        .delete(app.url(&format!("/api/v1/teams/{}", team.id)))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();

    assert_eq!(res.status(), 204);
    assert_eq!(
        app.get(&format!("/api/v1/users/{}", ada.id), &admin)
            .await
            .status(),
        200
    );
    let teams: UserTeamList = app
        .get(&format!("/api/v1/users/{}/teams", ada.id), &admin)
        .await
        .json()
        .await
        .unwrap();
    assert!(teams.items.is_empty());
    problem(
        app.get(&format!("/api/v1/teams/{}", team.id), &admin).await,
        404,
    )
    .await;
}

#[tokio::test]
async fn adding_a_user_with_teams_is_one_transaction() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let team = create_team(&app, &admin, "Sales").await;
    let body = |teams: serde_json::Value| json!({"first_name": "Ada", "last_name": "Lovelace", "email": "ada@example.com", "roles": ["manager"], "teams": teams});

    let bad = app.post_json("/api/v1/users", &admin, &body(json!([{"team_id": team.id, "role": "manager"}, {"team_id": uuid::Uuid::now_v7(), "role": "member"}]))).await;
    problem(bad, 404).await;
    let none: UserList = app
        .get("/api/v1/users?q=ada", &admin)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(none.page.total, 0, "nothing half-written");

    let twice = app.post_json("/api/v1/users", &admin, &body(json!([{"team_id": team.id, "role": "manager"}, {"team_id": team.id, "role": "member"}]))).await;
    assert!(problem(twice, 422).await.field_error("teams").is_some());

    let ok = app
        .post_json(
            "/api/v1/users",
            &admin,
            &body(json!([{"team_id": team.id, "role": "manager"}])),
        )
        .await;
    assert_eq!(ok.status(), 201);
    let ada: User = ok.json().await.unwrap();
    let members: TeamMemberList = app
        .get(&format!("/api/v1/teams/{}/members", team.id), &admin)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        members
            .items
            .iter()
            .map(|m| (m.user_id, m.role, m.roles.clone()))
            .collect::<Vec<_>>(),
        // With her global roles, which say a fellow manager cannot change her.
        [(ada.id, TeamRole::Manager, vec![Role::Manager])]
    );
    let in_team: UserList = app
        .get(&format!("/api/v1/users?team_id={}", team.id), &admin)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        in_team.items.iter().map(|u| u.id).collect::<Vec<_>>(),
        [ada.id]
    );
}

#[tokio::test]
async fn a_manager_sees_and_manages_only_their_teams_members() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let mine = create_team(&app, &admin, "Mine").await;
    let theirs = create_team(&app, &admin, "Theirs").await;
    let (manager, token) = app
        .user_with_password(&[Role::Manager], "manager@example.com")
        .await;
    add(&app, &admin, &mine, &manager, "manager").await;
    let ada = app
        .create_user(&admin, "Ada", "Lovelace", "ada@example.com", &[])
        .await;
    add(&app, &admin, &mine, &ada, "member").await;
    let bob = app
        .create_user(&admin, "Bob", "Stranger", "bob@example.com", &[])
        .await;
    add(&app, &admin, &theirs, &bob, "member").await;
    let boss = app
        .create_user(&admin, "Big", "Boss", "boss@example.com", &[Role::Admin])
        .await;
    add(&app, &admin, &mine, &boss, "member").await;

    // The list, its total and search all stay inside the manager's teams.
    let list: UserList = app
        .get("/api/v1/users?sort=email", &token)
        .await
        .json()
        .await
        .unwrap();
    let emails: Vec<_> = list.items.iter().map(|u| u.email.as_str()).collect();
    assert_eq!(
        emails,
        ["ada@example.com", "boss@example.com", "manager@example.com"]
    );
    assert_eq!(list.page.total, 3);
    let search: UserList = app
        .get("/api/v1/users?q=bob", &token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(search.page.total, 0);
    let teams: TeamList = app.get("/api/v1/teams", &token).await.json().await.unwrap();
    assert_eq!(
        teams
            .items
            .iter()
            .map(|t| t.name.as_str())
            .collect::<Vec<_>>(),
        ["Mine"]
    );

    // Outside the teams, people and teams do not exist for the manager.
    problem(
        app.get(&format!("/api/v1/users/{}", bob.id), &token).await,
        404,
    )
    .await;
    problem(
        app.get(&format!("/api/v1/teams/{}/members", theirs.id), &token)
            .await,
        404,
    )
    .await;

    // Inside, the manager edits members but never admins, and never grants admin.
    let path = format!("/api/v1/users/{}", ada.id);
    let ok = app
        .client
        .patch(app.url(&path))
        .bearer_auth(&token)
        .json(&json!({"last_name": "King"}))
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), 200);
    let grant = app
        .client
        .patch(app.url(&path))
        .bearer_auth(&token)
        .json(&json!({"roles": ["admin"]}))
        .send()
        .await
        .unwrap();
    problem(grant, 403).await;
    let touch_admin = app
        .client
        .patch(app.url(&format!("/api/v1/users/{}", boss.id)))
        .bearer_auth(&token)
        .json(&json!({"first_name": "Small"}))
        .send()
        .await
        .unwrap();
    problem(touch_admin, 403).await;
    let remove_admin = app
        .client
        .delete(app.url(&format!("/api/v1/users/{}/teams/{}", boss.id, mine.id)))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    problem(remove_admin, 403).await;

    // The manager creates people into their own team only, as members.
    let body = |team: &Team, role: &str| json!({"first_name": "New", "last_name": "Hire", "email": "new@example.com", "teams": [{"team_id": team.id, "role": role}]});
    problem(
        app.post_json("/api/v1/users", &token, &body(&theirs, "member"))
            .await,
        404,
    )
    .await;
    problem(
        app.post_json("/api/v1/users", &token, &body(&mine, "manager"))
            .await,
        403,
    )
    .await;
    let no_team = app
        .post_json(
            "/api/v1/users",
            &token,
            &json!({"first_name": "N", "last_name": "H", "email": "n@example.com"}),
        )
        .await;
    assert!(problem(no_team, 422).await.field_error("teams").is_some());
    assert_eq!(
        app.post_json("/api/v1/users", &token, &body(&mine, "member"))
            .await
            .status(),
        201
    );
}

#[tokio::test]
async fn a_learner_may_change_their_own_name_but_nothing_else() {
    let app = spawn_app().await;
    let (me, token) = app
        .user_with_password(&[Role::Learner], "lena@example.com")
        .await;
    let path = format!("/api/v1/users/{}", me.id);

    let renamed = app
        .client
        .patch(app.url(&path))
        .bearer_auth(&token)
        .json(&json!({"first_name": "Lena"}))
        .send()
        .await
        .unwrap();
    assert_eq!(renamed.json::<User>().await.unwrap().first_name, "Lena");
    for body in [
        json!({"email": "new@example.com"}),
        json!({"roles": ["admin"]}),
    ] {
        let res = app
            .client
            .patch(app.url(&path))
            .bearer_auth(&token)
            .json(&body)
            .send()
            .await
            .unwrap();
        problem(res, 403).await;
    }
    let own_teams = app
        .get(&format!("/api/v1/users/{}/teams", me.id), &token)
        .await;
    assert_eq!(own_teams.status(), 200);
}

#[tokio::test]
async fn a_suspended_user_cannot_sign_in_and_their_sessions_end_at_once() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let (lena, _) = app
        .user_with_password(&[Role::Learner], "lena@example.com")
        .await;
    let browser = client();
    let access = app
        .token_for(&browser, "lena@example.com", "a-good-password-42")
        .await;

    let res = app
        .client
        .post(app.url(&format!("/api/v1/users/{}/suspend", lena.id)))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.json::<User>().await.unwrap().status,
        UserStatus::Suspended
    );

    problem(app.get("/api/v1/auth/me", &access).await, 401).await;
    problem(
        browser
            .post(app.url("/api/v1/auth/refresh"))
            .send()
            .await
            .unwrap(),
        401,
    )
    .await;
    problem(
        app.login(&client(), "lena@example.com", "a-good-password-42")
            .await,
        403,
    )
    .await;

    let back = app
        .client
        .post(app.url(&format!("/api/v1/users/{}/reactivate", lena.id)))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(
        back.json::<User>().await.unwrap().status,
        UserStatus::Active
    );
    assert_eq!(
        app.login(&client(), "lena@example.com", "a-good-password-42")
            .await
            .status(),
        200
    );

    let me: User = app
        .get("/api/v1/auth/me", &admin)
        .await
        .json()
        .await
        .unwrap();
    let own = app
        .client
        .post(app.url(&format!("/api/v1/users/{}/suspend", me.id)))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(problem(own, 409).await.code, "cannot_suspend_self");
}
