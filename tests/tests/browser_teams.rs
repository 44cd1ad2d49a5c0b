//! The SPA in headless Chromium: teams and deleting one, the user detail view
//! and its keyboard-driven tabs, profile edits with conflict detection, and what
//! a manager sees.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use roster_tests::browser;
use roster_tests::{ADMIN_EMAIL, ADMIN_PASSWORD, spawn_app};
use roster_types::{Role, Team, TeamMemberList, TeamRole, User, UserTeamList};
use serde_json::json;

#[tokio::test]
async fn an_admin_creates_a_team_and_adds_a_user_to_it_from_the_teams_tab() {
    let app = spawn_app().await;
    let Some(b) = browser::open().await else {
        return;
    };
    let admin = app.admin_token().await;
    let ada = app
        .create_user(
            &admin,
            "Ada",
            "Lovelace",
            "ada@example.com",
            &[Role::Learner],
        )
        .await;
    b.sign_in(&app.address, ADMIN_EMAIL, ADMIN_PASSWORD).await;

    // Create a team on the Teams page.
    b.goto(&app.url("/teams")).await;
    b.click("button#add-team").await;
    b.type_into("input#new-team-name", "Sales EMEA").await;
    b.type_into("textarea#new-team-description", "Account executives")
        .await;
    b.click("button#create-team").await;
    b.wait_until("the team is listed", || async {
        b.texts("table#teams-table td.col-name").await == ["Sales EMEA"]
    })
    .await;

    // Add Ada to it from her Teams tab, as a manager.
    b.goto(&app.url(&format!("/users/{}/teams", ada.id))).await;
    b.wait_css("select#add-team option:not([value=''])").await;
    let team_select = b.wait_css("select#add-team").await;
    team_select.select_by_label("Sales EMEA").await.unwrap();
    b.wait_css("select#add-team-role")
        .await
        .select_by_value("manager")
        .await
        .unwrap();
    b.click("button#add-to-team").await;
    b.wait_until("the team shows on the tab", || async {
        b.texts("table#user-teams tbody tr")
            .await
            .iter()
            .any(|row| row.contains("Sales EMEA"))
    })
    .await;

    let teams: UserTeamList = app
        .get(&format!("/api/v1/users/{}/teams", ada.id), &admin)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(teams.items.len(), 1);
    assert_eq!(
        (teams.items[0].name.as_str(), teams.items[0].role),
        ("Sales EMEA", TeamRole::Manager)
    );
    let members: TeamMemberList = app
        .get(
            &format!("/api/v1/teams/{}/members", teams.items[0].team_id),
            &admin,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(members.items[0].email, "ada@example.com");
}

#[tokio::test]
async fn editing_a_profile_saves_and_a_stale_edit_offers_to_reload_instead_of_overwriting() {
    let app = spawn_app().await;
    let Some(b) = browser::open().await else {
        return;
    };
    let admin = app.admin_token().await;
    let ada = app
        .create_user(
            &admin,
            "Ada",
            "Lovelace",
            "ada@example.com",
            &[Role::Learner],
        )
        .await;
    b.sign_in(&app.address, ADMIN_EMAIL, ADMIN_PASSWORD).await;

    // Clicking the name in the table opens the profile.
    b.wait_until("Ada is listed", || async {
        b.texts("#users-table td.col-name > a")
            .await
            .contains(&"Ada Lovelace".to_string())
    })
    .await;
    b.click("td.col-name a").await;
    b.wait_css("[role=tablist] #tab-profile[aria-selected=true]")
        .await;
    b.click("button#edit-profile").await;
    let first = b.wait_css("input#profile-first-name").await;
    first.clear().await.unwrap();
    first.send_keys("Augusta").await.unwrap();

    // Someone else changes her last name meanwhile.
    let changed = app
        .client
        .patch(app.url(&format!("/api/v1/users/{}", ada.id)))
        .bearer_auth(&admin)
        .json(&json!({"last_name": "King"}))
        .send()
        .await
        .unwrap();
    assert_eq!(changed.status(), 200);

    b.click("button#save-profile").await;
    b.wait_css("#stale-warning").await;
    let now: User = app
        .get(&format!("/api/v1/users/{}", ada.id), &admin)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        (now.first_name.as_str(), now.last_name.as_str()),
        ("Ada", "King"),
        "nothing overwritten"
    );

    // Reload, then the same edit goes through.
    b.click("button#reload-profile").await;
    b.click("button#edit-profile").await;
    let first = b.wait_css("input#profile-first-name").await;
    first.clear().await.unwrap();
    first.send_keys("Augusta").await.unwrap();
    b.click("button#save-profile").await;
    b.wait_until("the profile shows the new name", || async {
        b.client
            .source()
            .await
            .unwrap_or_default()
            .contains("Augusta King")
    })
    .await;
    let now: User = app
        .get(&format!("/api/v1/users/{}", ada.id), &admin)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        (now.first_name.as_str(), now.last_name.as_str()),
        ("Augusta", "King")
    );
}

#[tokio::test]
async fn a_manager_sees_only_their_teams_members_and_teams() {
    let app = spawn_app().await;
    let Some(b) = browser::open().await else {
        return;
    };
    let admin = app.admin_token().await;
    let team = |name: &'static str| {
        let (app, admin) = (&app, admin.clone());
        async move {
            app.post_json("/api/v1/teams", &admin, &json!({"name": name}))
                .await
                .json::<Team>()
                .await
                .unwrap()
        }
    };
    let mine = team("Mine").await;
    let theirs = team("Theirs").await;
    let (manager, _) = app
        .user_with_password(&[Role::Manager], "manager@example.com")
        .await;
    let ada = app
        .create_user(&admin, "Ada", "Lovelace", "ada@example.com", &[])
        .await;
    let bob = app
        .create_user(&admin, "Bob", "Stranger", "bob@example.com", &[])
        .await;
    for (t, u, role) in [
        (&mine, &manager, "manager"),
        (&mine, &ada, "member"),
        (&theirs, &bob, "member"),
    ] {
        let res = app
            .post_json(
                &format!("/api/v1/teams/{}/members", t.id),
                &admin,
                &json!({"user_id": u.id, "role": role}),
            )
            .await;
        assert_eq!(res.status(), 201);
    }

    b.sign_in(&app.address, "manager@example.com", "a-good-password-42")
        .await;
    b.wait_until("only the manager's team is listed", || async {
        let mut emails = b.texts("td.col-email").await;
        emails.sort();
        emails == ["ada@example.com", "manager@example.com"]
    })
    .await;
    b.goto(&app.url("/teams")).await;
    b.wait_until("only the manager's team shows", || async {
        b.texts("table#teams-table td.col-name").await == ["Mine"]
    })
    .await;
}

#[tokio::test]
async fn the_user_tabs_move_with_the_arrow_keys_and_follow_the_address() {
    let app = spawn_app().await;
    let Some(b) = browser::open().await else {
        return;
    };
    let admin = app.admin_token().await;
    let ada = app
        .create_user(&admin, "Ada", "Lovelace", "ada@example.com", &[])
        .await;
    b.sign_in(&app.address, ADMIN_EMAIL, ADMIN_PASSWORD).await;
    b.goto(&app.url(&format!("/users/{}/profile", ada.id)))
        .await;

    let selected_tab = || async {
        let path = b.client.current_url().await.unwrap().path().to_string();
        let selected = b.texts("[role=tab][aria-selected=true]").await;
        (path, selected)
    };
    let base = format!("/users/{}", ada.id);
    for (key, tab, label) in [
        ("\u{E014}", "enrollments", "Enrollments"), // ArrowRight
        ("\u{E014}", "quizzes", "Quizzes"),
        ("\u{E010}", "groups", "Groups"),   // End
        ("\u{E014}", "profile", "Profile"), // ArrowRight wraps around
        ("\u{E012}", "groups", "Groups"),   // ArrowLeft wraps back
        ("\u{E011}", "profile", "Profile"), // Home
    ] {
        // The focused tab takes the key, as a keyboard user would press it.
        let focused = b.client.active_element().await.unwrap();
        let on_tab = focused.attr("role").await.unwrap().as_deref() == Some("tab");
        let target = if on_tab {
            focused
        } else {
            b.wait_css("[role=tab][aria-selected=true]").await
        };
        target.send_keys(key).await.unwrap();
        let want = (format!("{base}/{tab}"), vec![label.to_string()]);
        b.wait_until(&format!("the {tab} tab is selected"), || async {
            selected_tab().await == want
        })
        .await;
    }
}

#[tokio::test]
async fn deleting_a_team_says_what_goes_and_keeps_the_people() {
    let app = spawn_app().await;
    let Some(b) = browser::open().await else {
        return;
    };
    let admin = app.admin_token().await;
    let team: Team = app
        .post_json("/api/v1/teams", &admin, &json!({"name": "Night shift"}))
        .await
        .json()
        .await
        .unwrap();
    let mut people = Vec::new();
    for email in ["ada@example.com", "bob@example.com"] {
        let user = app.create_user(&admin, "Some", "One", email, &[]).await;
        let res = app
            .post_json(
                &format!("/api/v1/teams/{}/members", team.id),
                &admin,
                &json!({"user_id": user.id, "role": "member"}),
            )
            .await;
        assert_eq!(res.status(), 201);
        people.push(user);
    }
    b.sign_in(&app.address, ADMIN_EMAIL, ADMIN_PASSWORD).await;
    b.goto(&app.url(&format!("/teams/{}", team.id))).await;

    b.click("button#delete-team").await;
    let message = b.wait_css("#delete-team-message").await;
    let text = message.text().await.unwrap();
    assert!(text.contains("removes its 2 memberships"), "{text}");
    assert!(text.contains("The people stay in Roster"), "{text}");
    b.click("button#confirm-delete-team").await;
    b.wait_until("back on the Teams page", || async {
        b.client
            .current_url()
            .await
            .is_ok_and(|u| u.path() == "/teams")
    })
    .await;

    let gone = app.get(&format!("/api/v1/teams/{}", team.id), &admin).await;
    assert_eq!(gone.status(), 404);
    for user in people {
        let still = app.get(&format!("/api/v1/users/{}", user.id), &admin).await;
        assert_eq!(still.status(), 200, "{} stays", user.email);
    }
}

#[tokio::test]
async fn the_team_page_changes_a_members_role_and_removes_a_member() {
    let app = spawn_app().await;
    let Some(b) = browser::open().await else {
        return;
    };
    let admin = app.admin_token().await;
    let team: Team = app
        .post_json("/api/v1/teams", &admin, &json!({"name": "Support"}))
        .await
        .json()
        .await
        .unwrap();
    let mut people = Vec::new();
    for (first, email) in [("Ada", "ada@example.com"), ("Grace", "grace@example.com")] {
        let user = app
            .create_user(&admin, first, "Tester", email, &[Role::Learner])
            .await;
        let res = app
            .post_json(
                &format!("/api/v1/teams/{}/members", team.id),
                &admin,
                &json!({"user_id": user.id, "role": "member"}),
            )
            .await;
        assert_eq!(res.status(), 201);
        people.push(user);
    }
    let (ada, grace) = (&people[0], &people[1]);
    b.sign_in(&app.address, ADMIN_EMAIL, ADMIN_PASSWORD).await;
    b.goto(&app.url(&format!("/teams/{}", team.id))).await;

    let ada_role = format!(
        "#team-members tr[data-user-id='{}'] select.member-role",
        ada.id
    );
    b.wait_css(&ada_role)
        .await
        .select_by_value("manager")
        .await
        .unwrap();
    b.wait_until("the change is confirmed", || async {
        b.texts(".notice, [role=status]")
            .await
            .iter()
            .any(|t| t.contains("Ada Tester is now a manager of \u{201c}Support\u{201d}"))
    })
    .await;
    let members: TeamMemberList = app
        .get(&format!("/api/v1/teams/{}/members", team.id), &admin)
        .await
        .json()
        .await
        .unwrap();
    let role_of = |id| members.items.iter().find(|m| m.user_id == id).unwrap().role;
    assert_eq!(role_of(ada.id), TeamRole::Manager);

    b.click(&format!(
        "#team-members tr[data-user-id='{}'] button.remove-member",
        grace.id
    ))
    .await;
    let message = b
        .wait_css("#remove-member-message")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        message.contains("Remove Grace Tester from \u{201c}Support\u{201d}?"),
        "{message}"
    );
    b.click("#confirm-remove-member").await;
    b.wait_until("Grace's row is gone", || async {
        b.texts(&format!("#team-members tr[data-user-id='{}']", grace.id))
            .await
            .is_empty()
            && b.texts("#team-member-count").await == ["1 member"]
    })
    .await;
    let teams: UserTeamList = app
        .get(&format!("/api/v1/users/{}/teams", grace.id), &admin)
        .await
        .json()
        .await
        .unwrap();
    assert!(teams.items.is_empty(), "{teams:?}");
}

#[tokio::test]
async fn a_new_user_made_a_teams_manager_is_added_as_a_manager() {
    let app = spawn_app().await;
    let Some(b) = browser::open().await else {
        return;
    };
    let admin = app.admin_token().await;
    let res = app
        .post_json("/api/v1/teams", &admin, &json!({ "name": "Sales" }))
        .await;
    assert_eq!(res.status(), 201);
    b.sign_in(&app.address, ADMIN_EMAIL, ADMIN_PASSWORD).await;
    b.click("#add-user").await;
    b.type_into("#new-first-name", "Grace").await;
    b.type_into("#new-last-name", "Hopper").await;
    b.type_into("#new-email", "grace@example.com").await;
    let manager = b.wait_css("#new-role-manager").await;
    assert_eq!(manager.attr("disabled").await.unwrap(), None);
    b.click("#add-team-row").await;
    b.wait_css("select.new-team option:not([value=''])").await;
    b.wait_css("select.new-team")
        .await
        .select_by_label("Sales")
        .await
        .unwrap();
    b.wait_css("select.new-team-role")
        .await
        .select_by_value("manager")
        .await
        .unwrap();
    // The role follows the team row, and says why it cannot be unticked.
    b.wait_until("Manager is ticked and locked", || async {
        manager.prop("checked").await.unwrap().as_deref() == Some("true")
            && manager.attr("disabled").await.unwrap().is_some()
    })
    .await;
    let hint = b.texts("label[for='new-role-manager'] .hint").await;
    assert_eq!(hint, ["A manager of a team below is a manager."]);
    b.click("#create-user").await;
    b.wait_until("the dialog closes", || async {
        b.texts("#add-user-dialog").await.is_empty()
    })
    .await;

    let list: roster_types::UserList = app
        .get("/api/v1/users?q=grace", &admin)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list.items.len(), 1);
    assert_eq!(list.items[0].roles, [Role::Manager, Role::Learner]);
}

#[tokio::test]
async fn a_teams_manager_adds_and_removes_plain_members_but_not_managers() {
    let app = spawn_app().await;
    let Some(b) = browser::open().await else {
        return;
    };
    let admin = app.admin_token().await;
    let team = |name: &'static str| {
        let (app, admin) = (&app, admin.clone());
        async move {
            app.post_json("/api/v1/teams", &admin, &json!({"name": name}))
                .await
                .json::<Team>()
                .await
                .unwrap()
        }
    };
    let mine = team("Mine").await;
    let other = team("Other of mine").await;
    let (manager, _) = app
        .user_with_password(&[Role::Manager], "manager@example.com")
        .await;
    let co_manager = app
        .create_user(&admin, "Cora", "Lead", "cora@example.com", &[])
        .await;
    let ada = app
        .create_user(&admin, "Ada", "Lovelace", "ada@example.com", &[])
        .await;
    let bob = app
        .create_user(&admin, "Bob", "Byron", "bob@example.com", &[])
        .await;
    // A plain member here who manages a team elsewhere: a manager.
    let third = team("Third").await;
    let max = app
        .create_user(&admin, "Max", "Elsewhere", "max@example.com", &[])
        .await;
    for (t, u, role) in [
        (&mine, &manager, "manager"),
        (&mine, &co_manager, "manager"),
        (&mine, &ada, "member"),
        (&mine, &max, "member"),
        (&third, &max, "manager"),
        (&other, &manager, "manager"),
        (&other, &bob, "member"),
    ] {
        assert_eq!(app.join_team(&admin, t.id, u.id, role).await, 201);
    }

    b.sign_in(&app.address, "manager@example.com", "a-good-password-42")
        .await;
    b.goto(&app.url(&format!("/teams/{}", mine.id))).await;
    let row = |id: uuid::Uuid, what: &str| format!("#team-members tr[data-user-id='{id}'] {what}");
    b.wait_css(&row(ada.id, "button.remove-member")).await;
    // The fellow manager's row says why it cannot be changed; no role picker.
    assert_eq!(
        b.texts(&row(co_manager.id, ".member-locked")).await,
        ["Only admins change a team\u{2019}s managers."]
    );
    assert!(
        b.texts(&row(co_manager.id, "button.remove-member"))
            .await
            .is_empty()
    );
    assert_eq!(
        b.texts(&row(max.id, ".member-locked")).await,
        ["Only admins change admins and managers."]
    );
    assert!(
        b.texts(&row(max.id, "button.remove-member"))
            .await
            .is_empty()
    );
    assert!(b.texts("select.member-role").await.is_empty());
    assert!(b.texts("#member-role").await.is_empty());

    // A search that finds only a manager says why nobody is offered.
    b.type_into("#member-search", "Elsewhere").await;
    b.wait_until("the manager match is explained", || async {
        b.texts("#member-no-results").await
            == ["Everyone who matches is an admin, a manager or you, whom only admins add."]
    })
    .await;
    b.wait_css("#member-search")
        .await
        .clear()
        .await
        .expect("clear the member search");

    // Everyone the manager sees matches; only plain members are offered
    // (not Cora or Max, managers both, nor the manager themselves).
    b.type_into("#member-search", "example.com").await;
    let mut offered = vec![ada.id.to_string(), bob.id.to_string()];
    offered.sort();
    b.wait_until("plain members are offered", || async {
        let mut ids = b.attrs("button.member-option", "data-user-id").await;
        ids.sort();
        ids == offered
    })
    .await;
    // Bob is in another of the manager's teams: added as a member.
    b.click(&format!("button.member-option[data-user-id='{}']", bob.id))
        .await;
    b.click("#add-member").await;
    b.wait_until("Bob's row is there", || async {
        !b.texts(&row(bob.id, ".col-name")).await.is_empty()
    })
    .await;

    b.click(&row(ada.id, "button.remove-member")).await;
    b.click("#confirm-remove-member").await;
    b.wait_until("Ada's row is gone", || async {
        b.texts(&format!("#team-members tr[data-user-id='{}']", ada.id))
            .await
            .is_empty()
    })
    .await;
    let members: TeamMemberList = app
        .get(&format!("/api/v1/teams/{}/members", mine.id), &admin)
        .await
        .json()
        .await
        .unwrap();
    let mut now: Vec<_> = members
        .items
        .iter()
        .map(|m| (m.email.clone(), m.role))
        .collect();
    now.sort();
    assert_eq!(
        now,
        [
            ("bob@example.com".to_string(), TeamRole::Member),
            ("cora@example.com".to_string(), TeamRole::Manager),
            ("manager@example.com".to_string(), TeamRole::Manager),
            ("max@example.com".to_string(), TeamRole::Member),
        ]
    );
}
