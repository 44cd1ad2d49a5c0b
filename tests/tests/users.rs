//! The Users API: listing, searching, sorting, paging, creating, changing,
//! deleting, and who may.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use roster_entity::users as user_rows;
use roster_tests::{ADMIN_EMAIL, TestApp, problem, spawn_app};
use roster_types::{Role, User, UserList, UserStatus};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::json;

async fn list(app: &TestApp, token: &str, query: &str) -> UserList {
    let res = app.get(&format!("/api/v1/users?{query}"), token).await;
    assert_eq!(res.status(), 200, "GET /users?{query}");
    res.json().await.unwrap()
}

fn emails(list: &UserList) -> Vec<&str> {
    list.items.iter().map(|u| u.email.as_str()).collect()
}

async fn seed_people(app: &TestApp, token: &str) {
    for (first, last, email, roles) in [
        ("Ada", "Lovelace", "ada@example.com", vec![Role::Learner]),
        ("Grace", "Hopper", "grace@navy.example", vec![Role::Manager]),
        (
            "Alan",
            "Turing",
            "alan@bletchley.example",
            vec![Role::Learner],
        ),
        (
            "Édith",
            "Zola",
            "edith@example.org",
            vec![Role::Manager, Role::Learner],
        ),
    ] {
        app.create_user(token, first, last, email, &roles).await;
    }
}

#[tokio::test]
async fn creating_a_user_normalises_the_email_and_starts_invited() {
    let app = spawn_app().await;
    let token = app.admin_token().await;

    let res = app
        .post_json(
            "/api/v1/users",
            &token,
            &json!({"first_name": "  Ada ", "last_name": "Lovelace", "email": " Ada@Example.COM ", "roles": ["manager", "learner", "manager"]}),
        )
        .await;

    assert_eq!(res.status(), 201);
    let location = res.headers()["location"].to_str().unwrap().to_string();
    let user: User = res.json().await.unwrap();
    assert_eq!(location, format!("/api/v1/users/{}", user.id));
    assert_eq!(
        (user.first_name.as_str(), user.full_name.as_str()),
        ("Ada", "Ada Lovelace")
    );
    assert_eq!(user.email, "ada@example.com");
    assert_eq!(user.status, UserStatus::Invited);
    assert_eq!(user.roles, vec![Role::Manager, Role::Learner]);
    assert_eq!(user.thinkific_user_id, None);

    let fetched: User = app.get(&location, &token).await.json().await.unwrap();
    assert_eq!(fetched, user);
}

#[tokio::test]
async fn a_duplicate_email_in_any_letter_case_is_a_conflict_naming_the_field() {
    let app = spawn_app().await;
    let token = app.admin_token().await;
    app.create_user(&token, "Ada", "Lovelace", "ada@example.com", &[])
        .await;

    let res = app
        .post_json(
            "/api/v1/users",
            &token,
            &json!({"first_name": "A", "last_name": "L", "email": "ADA@example.com"}),
        )
        .await;

    let body = problem(res, 409).await;
    assert_eq!(body.code, "email_taken");
    assert!(body.field_error("email").is_some());
    assert_eq!(list(&app, &token, "q=ada@").await.page.total, 1);
}

#[tokio::test]
async fn invalid_fields_are_all_reported_and_nothing_is_written() {
    let app = spawn_app().await;
    let token = app.admin_token().await;
    let long = "x".repeat(101);

    let res = app
        .post_json(
            "/api/v1/users",
            &token,
            &json!({"first_name": " ", "last_name": long, "email": "not-an-email"}),
        )
        .await;

    let body = problem(res, 422).await;
    assert_eq!(body.code, "validation_failed");
    for field in ["first_name", "last_name", "email"] {
        assert!(body.field_error(field).is_some(), "{field} reported");
    }
    assert_eq!(
        list(&app, &token, "").await.page.total,
        1,
        "only the admin exists"
    );
}

#[tokio::test]
async fn an_unknown_role_is_a_validation_problem() {
    let app = spawn_app().await;
    let token = app.admin_token().await;

    let res = app
        .post_json(
            "/api/v1/users",
            &token,
            &json!({"first_name": "A", "last_name": "B", "email": "a@b.co", "roles": ["overlord"]}),
        )
        .await;

    let body = problem(res, 422).await;
    assert!(
        body.field_error("roles[0]")
            .is_some_and(|m| m.contains("overlord")),
        "{body:?}"
    );
}

#[tokio::test]
async fn searching_matches_names_full_names_and_emails_case_insensitively() {
    let app = spawn_app().await;
    let token = app.admin_token().await;
    seed_people(&app, &token).await;

    assert_eq!(
        emails(&list(&app, &token, "q=LOVE").await),
        ["ada@example.com"]
    );
    assert_eq!(
        emails(&list(&app, &token, "q=grace%20hop").await),
        ["grace@navy.example"]
    );
    assert_eq!(
        emails(&list(&app, &token, "q=bletchley").await),
        ["alan@bletchley.example"]
    );
    assert_eq!(
        emails(&list(&app, &token, "q=%C3%A9dith").await),
        ["edith@example.org"]
    );
    // LIKE wildcards in the term are taken literally.
    assert_eq!(list(&app, &token, "q=%25").await.page.total, 0);
    assert_eq!(list(&app, &token, "q=_").await.page.total, 0);
    // Words match in any order, each somewhere in the name or the email.
    assert_eq!(
        emails(&list(&app, &token, "q=lovelace%20ada").await),
        ["ada@example.com"]
    );
    assert_eq!(
        emails(&list(&app, &token, "q=navy%20grace").await),
        ["grace@navy.example"]
    );
}

/// The full names that a search for `q` finds.
async fn found(app: &TestApp, token: &str, q: &str) -> Vec<String> {
    let query = roster_types::query::encode(&[("q", q), ("sort", "name")]);
    let mut found: Vec<String> = list(app, token, &query)
        .await
        .items
        .into_iter()
        .map(|u| u.full_name)
        .collect();
    found.sort();
    found
}

#[tokio::test]
async fn search_ignores_accents_and_case_and_takes_words_in_any_order() {
    let app = spawn_app().await;
    let token = app.admin_token().await;
    for (first, last, email) in [
        ("Chloé", "Dubois-Zając", "chloe.dz@example.com"),
        ("Łukasz", "Wróbel", "lw@example.pl"),
        ("Søren", "Kierkegaard", "sk@example.dk"),
        ("Zoë", "Straße", "zs@example.de"),
        ("Ed", "Ng", "ed.ng@example.com"),
        ("Jan", "O'Brien", "job@example.ie"),
    ] {
        app.create_user(&token, first, last, email, &[Role::Learner])
            .await;
    }

    for (q, expected) in [
        ("zajac", &["Chloé Dubois-Zając"][..]),
        ("ZAJĄC", &["Chloé Dubois-Zając"]),
        ("chloe dubois", &["Chloé Dubois-Zając"]),
        ("dubois chloe", &["Chloé Dubois-Zając"]),
        ("  Dubois   CHLOÉ  ", &["Chloé Dubois-Zając"]),
        ("chloe example.com", &["Chloé Dubois-Zając"]),
        ("lukasz", &["Łukasz Wróbel"]),
        ("wrobel łuk", &["Łukasz Wróbel"]),
        ("soren", &["Søren Kierkegaard"]),
        ("strasse zoe", &["Zoë Straße"]),
        // Words shorter than the trigram index are matched too, alone and mixed.
        ("ng", &["Ed Ng"]),
        ("ed ng", &["Ed Ng"]),
        ("ng example", &["Ed Ng"]),
        ("o'b", &["Jan O'Brien"]),
        ("\"brien", &[]),
        // Every word must match.
        ("chloe hopper", &[]),
        ("zajac ng", &[]),
    ] {
        assert_eq!(found(&app, &token, q).await, expected, "q={q:?}");
    }
    // Search and filters narrow together; the total counts what matches.
    let page = list(&app, &token, "q=example.com&role=learner").await;
    assert_eq!(page.page.total, 2, "{:?}", emails(&page));
}

#[tokio::test]
async fn the_search_migration_folds_people_stored_before_it() {
    use sea_orm::ActiveValue::Set;
    use sea_orm::IntoActiveModel;

    let app = spawn_app().await;
    let token = app.admin_token().await;
    let chloe = app
        .create_user(
            &token,
            "Chloé",
            "Dubois-Zając",
            "chloe@example.com",
            &[Role::Learner],
        )
        .await;
    // What the code before the migration stored: lower case, accents kept.
    let mut row = user_rows::Entity::find_by_id(chloe.id)
        .one(&app.roster.db)
        .await
        .unwrap()
        .unwrap()
        .into_active_model();
    row.search_text = Set("chloé dubois-zając\nchloe@example.com".into());
    row.name_key = Set("chloe dubois-zajac".into());
    sea_orm::ActiveModelTrait::update(row, &app.roster.db)
        .await
        .unwrap();
    assert!(found(&app, &token, "zajac").await.is_empty());

    // Undo the migration and those after it (each down keeps the data), and
    // apply them again.
    app.redo_migrations_from("m20261202_000011_fold_user_search")
        .await;

    assert_eq!(found(&app, &token, "zajac").await, ["Chloé Dubois-Zając"]);
    assert_eq!(
        found(&app, &token, "dubois chloe").await,
        ["Chloé Dubois-Zając"]
    );
    // The index follows later changes as before.
    let res = app
        .patch_json(
            &format!("/api/v1/users/{}", chloe.id),
            &token,
            &json!({"last_name": "Martin"}),
            None,
        )
        .await;
    assert_eq!(res.status(), 200);
    assert!(found(&app, &token, "zajac").await.is_empty());
    assert_eq!(found(&app, &token, "martin").await, ["Chloé Martin"]);
}

#[tokio::test]
async fn the_search_index_follows_creation_edits_and_deletion_and_holds_people_stored_before_it() {
    let app = spawn_app().await;
    let token = app.admin_token().await;
    seed_people(&app, &token).await;
    // Rebuilt from the stored people (on SQLite the index changes shape).
    app.redo_migrations_from("m20261203_000014_search_index_by_rowid")
        .await;
    assert_eq!(found(&app, &token, "lovelace").await, ["Ada Lovelace"]);
    assert_eq!(found(&app, &token, "hopper grace").await, ["Grace Hopper"]);

    let ada = list(&app, &token, "q=lovelace").await.items[0].id;
    let grace = list(&app, &token, "q=hopper").await.items[0].id;
    let del = app
        .client
        .delete(app.url(&format!("/api/v1/users/{ada}")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(del.status(), 204);
    assert!(found(&app, &token, "lovelace").await.is_empty());
    let res = app
        .patch_json(
            &format!("/api/v1/users/{grace}"),
            &token,
            &json!({"last_name": "Murray"}),
            None,
        )
        .await;
    assert_eq!(res.status(), 200);
    assert!(found(&app, &token, "hopper").await.is_empty());
    assert_eq!(found(&app, &token, "grace murray").await, ["Grace Murray"]);
    app.create_user(
        &token,
        "Ada",
        "Byron",
        "byron@example.com",
        &[Role::Learner],
    )
    .await;
    assert_eq!(found(&app, &token, "byron").await, ["Ada Byron"]);

    if !app.db.is_postgres() {
        // FTS5 compares the index with the table it indexes, entry by entry.
        sea_orm::ConnectionTrait::execute_unprepared(
            &app.roster.db,
            "INSERT INTO users_search (users_search, rank) VALUES ('integrity-check', 1)",
        )
        .await
        .expect("the search index matches the people it indexes");
    }
}

/// Gives the user with `email` a Thinkific id, as a sync with Thinkific would.
async fn set_thinkific_id(app: &TestApp, email: &str, id: i64) {
    let updated = user_rows::Entity::update_many()
        .col_expr(user_rows::Column::ThinkificUserId, Expr::value(id))
        .filter(user_rows::Column::Email.eq(email))
        .exec(&app.roster.db)
        .await
        .unwrap();
    assert_eq!(updated.rows_affected, 1, "{email} exists");
}

#[tokio::test]
async fn every_column_sorts_both_ways_with_a_stable_tie_break() {
    let app = spawn_app().await;
    let token = app.admin_token().await;
    // Created in this order after the admin.
    seed_people(&app, &token).await;
    // Three have a Thinkific account; the admin and Édith have none.
    for (email, id) in [
        ("grace@navy.example", 10),
        ("alan@bletchley.example", 20),
        ("ada@example.com", 30),
    ] {
        set_thinkific_id(&app, email, id).await;
    }
    let everyone = list(&app, &token, "").await.items;
    let id_of = |email: &str| everyone.iter().find(|u| u.email == email).unwrap().id;
    // Users tied on the column (no Thinkific id) follow the id, in the same
    // direction as the column.
    let mut no_thinkific = [ADMIN_EMAIL, "edith@example.org"];
    no_thinkific.sort_by_key(|email| id_of(email));
    let [lower_id, higher_id] = no_thinkific;

    let by_name = list(&app, &token, "sort=name").await;
    let by_name_desc = list(&app, &token, "sort=-name").await;
    let by_email = list(&app, &token, "sort=email").await;
    let by_email_desc = list(&app, &token, "sort=-email").await;
    let by_thinkific = list(&app, &token, "sort=thinkific_id").await;
    let by_thinkific_desc = list(&app, &token, "sort=-thinkific_id").await;
    let oldest_first = list(&app, &token, "sort=created_at").await;
    let newest_first = list(&app, &token, "sort=-created_at").await;
    let default_order = list(&app, &token, "").await;

    let names = |l: &UserList| {
        l.items
            .iter()
            .map(|u| u.full_name.clone())
            .collect::<Vec<_>>()
    };
    // Accents are folded: Édith sorts with E, not after Z.
    assert_eq!(
        names(&by_name),
        [
            "Ada Lovelace",
            "Alan Turing",
            "Édith Zola",
            "Grace Hopper",
            "Roster Admin"
        ]
    );
    assert_eq!(
        names(&by_name_desc),
        [
            "Roster Admin",
            "Grace Hopper",
            "Édith Zola",
            "Alan Turing",
            "Ada Lovelace"
        ]
    );
    assert_eq!(
        emails(&by_email),
        [
            "ada@example.com",
            ADMIN_EMAIL,
            "alan@bletchley.example",
            "edith@example.org",
            "grace@navy.example"
        ]
    );
    assert_eq!(
        emails(&by_email_desc),
        [
            "grace@navy.example",
            "edith@example.org",
            "alan@bletchley.example",
            ADMIN_EMAIL,
            "ada@example.com"
        ]
    );
    // Users without a Thinkific account come last both ways.
    fn thinkific(l: &UserList) -> Vec<(&str, Option<i64>)> {
        l.items
            .iter()
            .map(|u| (u.email.as_str(), u.thinkific_user_id))
            .collect()
    }
    assert_eq!(
        thinkific(&by_thinkific),
        [
            ("grace@navy.example", Some(10)),
            ("alan@bletchley.example", Some(20)),
            ("ada@example.com", Some(30)),
            (lower_id, None),
            (higher_id, None)
        ]
    );
    assert_eq!(
        thinkific(&by_thinkific_desc),
        [
            ("ada@example.com", Some(30)),
            ("alan@bletchley.example", Some(20)),
            ("grace@navy.example", Some(10)),
            (higher_id, None),
            (lower_id, None)
        ]
    );
    assert_eq!(
        emails(&oldest_first),
        [
            ADMIN_EMAIL,
            "ada@example.com",
            "grace@navy.example",
            "alan@bletchley.example",
            "edith@example.org"
        ]
    );
    assert_eq!(
        emails(&newest_first),
        [
            "edith@example.org",
            "alan@bletchley.example",
            "grace@navy.example",
            "ada@example.com",
            ADMIN_EMAIL
        ]
    );
    assert_eq!(
        default_order.items, newest_first.items,
        "newest first by default"
    );
}

#[tokio::test]
async fn pages_cover_every_user_exactly_once_with_the_total() {
    let app = spawn_app().await;
    let token = app.admin_token().await;
    for i in 0..7 {
        app.create_user(&token, "Same", "Name", &format!("same{i}@example.com"), &[])
            .await;
    }

    let mut seen = Vec::new();
    for page in 1..=3 {
        let p = list(&app, &token, &format!("sort=name&per_page=3&page={page}")).await;
        assert_eq!((p.page.page, p.page.per_page, p.page.total), (page, 3, 8));
        seen.extend(p.items.into_iter().map(|u| u.id));
    }
    let mut unique = seen.clone();
    unique.sort();
    unique.dedup();
    assert_eq!((seen.len(), unique.len()), (8, 8));
    assert!(
        list(&app, &token, "per_page=3&page=4")
            .await
            .items
            .is_empty()
    );
}

#[tokio::test]
async fn filters_narrow_by_status_role_and_creation_time() {
    let app = spawn_app().await;
    let token = app.admin_token().await;
    seed_people(&app, &token).await;

    let managers = list(&app, &token, "role=manager&sort=email").await;
    assert_eq!(
        emails(&managers),
        ["edith@example.org", "grace@navy.example"]
    );
    assert_eq!(list(&app, &token, "status=active").await.page.total, 1);
    assert_eq!(list(&app, &token, "status=invited").await.page.total, 4);
    assert_eq!(
        list(&app, &token, "status=invited&role=manager&q=grace")
            .await
            .page
            .total,
        1
    );

    let all = list(&app, &token, "sort=created_at").await;
    let third = all.items[2].created_at;
    let from = urlencode(&third.to_rfc3339());
    assert_eq!(
        list(&app, &token, &format!("created_from={from}"))
            .await
            .page
            .total,
        3
    );
    assert_eq!(
        list(&app, &token, &format!("created_to={from}"))
            .await
            .page
            .total,
        2
    );
    assert_eq!(
        list(
            &app,
            &token,
            "created_from=2000-01-01&created_to=2000-01-02"
        )
        .await
        .page
        .total,
        0
    );
}

fn urlencode(s: &str) -> String {
    s.replace('+', "%2B").replace(':', "%3A")
}

#[tokio::test]
async fn bad_query_parameters_are_a_problem_naming_each_parameter() {
    let app = spawn_app().await;
    let token = app.admin_token().await;

    for (query, field) in [
        ("per_page=100000", "per_page"),
        ("per_page=0", "per_page"),
        ("sort=password_hash", "sort"),
        ("page=-1", "page"),
        ("page=abc", "page"),
        ("status=deleted", "status"),
        ("role=root", "role"),
        ("created_from=yesterday", "created_from"),
        (
            "created_from=2026-02-01&created_to=2026-01-01",
            "created_to",
        ),
    ] {
        let body = problem(
            app.get(&format!("/api/v1/users?{query}"), &token).await,
            400,
        )
        .await;
        assert_eq!(body.code, "invalid_query", "{query}");
        assert!(body.field_error(field).is_some(), "{query}: {body:?}");
    }
}

#[tokio::test]
async fn a_stale_if_match_gets_412_and_changes_nothing() {
    let app = spawn_app().await;
    let token = app.admin_token().await;
    let user = app
        .create_user(&token, "Ada", "Lovelace", "ada@example.com", &[])
        .await;
    let path = format!("/api/v1/users/{}", user.id);
    let etag = app.get(&path, &token).await.headers()["etag"]
        .to_str()
        .unwrap()
        .to_string();
    assert_eq!(etag, "\"v1\"");

    // Another admin changes the name first.
    let first = app
        .patch_json(
            &path,
            &token,
            &json!({"first_name": "Augusta"}),
            Some(&etag),
        )
        .await;
    assert_eq!(first.status(), 200);
    assert_eq!(first.headers()["etag"], "\"v2\"");

    let stale = app
        .patch_json(&path, &token, &json!({"last_name": "King"}), Some(&etag))
        .await;
    let body = problem(stale, 412).await;
    assert_eq!(body.code, "stale_version");

    let now: User = app.get(&path, &token).await.json().await.unwrap();
    assert_eq!(
        (now.first_name.as_str(), now.last_name.as_str(), now.version),
        ("Augusta", "Lovelace", 2)
    );
}

#[tokio::test]
async fn updating_changes_only_the_given_fields_and_keeps_search_in_step() {
    let app = spawn_app().await;
    let token = app.admin_token().await;
    let user = app
        .create_user(&token, "Ada", "Lovelace", "ada@example.com", &[])
        .await;
    let other = app
        .create_user(&token, "Bob", "Builder", "bob@example.com", &[])
        .await;
    let path = format!("/api/v1/users/{}", user.id);

    let res = app
        .patch_json(
            &path,
            &token,
            &json!({"last_name": "King", "email": "ADA.KING@example.com", "roles": ["manager"]}),
            None,
        )
        .await;
    assert_eq!(res.status(), 200);
    let updated: User = res.json().await.unwrap();
    assert_eq!(
        (updated.first_name.as_str(), updated.last_name.as_str()),
        ("Ada", "King")
    );
    assert_eq!(updated.email, "ada.king@example.com");
    assert_eq!(updated.roles, vec![Role::Manager]);
    assert!(updated.updated_at > user.updated_at);
    assert_eq!(
        emails(&list(&app, &token, "q=king").await),
        ["ada.king@example.com"]
    );
    assert_eq!(list(&app, &token, "q=lovelace").await.page.total, 0);

    let taken = app
        .patch_json(
            &format!("/api/v1/users/{}", other.id),
            &token,
            &json!({"email": "ada.king@example.com"}),
            None,
        )
        .await;
    assert_eq!(problem(taken, 409).await.code, "email_taken");
}

#[tokio::test]
async fn an_admin_cannot_delete_themselves_or_drop_their_own_admin_role() {
    let app = spawn_app().await;
    let token = app.admin_token().await;
    let me: User = app
        .get("/api/v1/auth/me", &token)
        .await
        .json()
        .await
        .unwrap();
    let path = format!("/api/v1/users/{}", me.id);

    let del = app
        .client
        .delete(app.url(&path))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(problem(del, 409).await.code, "cannot_delete_self");
    let demote = app
        .patch_json(&path, &token, &json!({"roles": ["learner"]}), None)
        .await;
    assert_eq!(problem(demote, 409).await.code, "cannot_remove_own_admin");
}

#[tokio::test]
async fn deleting_a_user_removes_them_and_a_second_delete_is_404() {
    let app = spawn_app().await;
    let token = app.admin_token().await;
    let user = app
        .create_user(
            &token,
            "Ada",
            "Lovelace",
            "ada@example.com",
            &[Role::Manager],
        )
        .await;
    let path = format!("/api/v1/users/{}", user.id);

    let res = app
        .client
        .delete(app.url(&path))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);

    problem(app.get(&path, &token).await, 404).await;
    let again = app
        .client
        .delete(app.url(&path))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    problem(again, 404).await;
    assert_eq!(list(&app, &token, "role=manager").await.page.total, 0);
}

/// Regression: on SQLite a deferred transaction that read before writing failed
/// with "database is locked" (500) when the outbox worker wrote in between.
#[tokio::test]
async fn many_users_created_at_once_all_succeed() {
    let app = spawn_app().await;
    let token = app.admin_token().await;

    let creations = (0..20).map(|i| {
        let (app, token) = (&app, &token);
        async move {
            app.post_json(
                "/api/v1/users",
                token,
                &json!({"first_name": "Many", "last_name": format!("User {i}"), "email": format!("many{i}@example.com")}),
            )
            .await
            .status()
        }
    });
    let statuses = futures::future::join_all(creations).await;

    assert!(statuses.iter().all(|s| *s == 201), "{statuses:?}");
    assert_eq!(list(&app, &token, "q=many").await.page.total, 20);
}

#[tokio::test]
async fn seeding_twice_adds_more_people_instead_of_failing() {
    let app = spawn_app().await;
    let token = app.admin_token().await;

    let first =
        roster_domain::seed::users(&app.roster, &roster_domain::Context::system("seed"), 30, 7)
            .await
            .unwrap();
    let second =
        roster_domain::seed::users(&app.roster, &roster_domain::Context::system("seed"), 30, 7)
            .await
            .unwrap();

    assert_eq!((first, second), (30, 30));
    // The first admin, and both runs.
    assert_eq!(list(&app, &token, "").await.page.total, 61);
    assert_eq!(list(&app, &token, "q=seed.example").await.page.total, 60);
}

#[tokio::test]
async fn past_ten_thousand_people_the_total_is_an_estimate_and_pages_still_work() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let system = roster_domain::Context::system("test seed");
    roster_domain::seed::users(&app.roster, &system, 10_500, 2_500)
        .await
        .unwrap();
    app.analyze("users").await;

    let all = list(&app, &admin, "per_page=10").await;
    assert!(all.page.total_is_estimate, "{:?}", all.page);
    // The seeded people and the first admin.
    roster_tests::assert_estimate_near(all.page.total, 10_501.0, "everyone");
    assert_eq!(all.items.len(), 10);

    // Few matches: counted exactly.
    let lovelaces = list(&app, &admin, "q=lovelace&per_page=10").await;
    assert!(!lovelaces.page.total_is_estimate, "{:?}", lovelaces.page);
    assert!(lovelaces.page.total > 0 && lovelaces.page.total < 10_000);
    let suspended = list(&app, &admin, "status=suspended").await;
    assert_eq!(
        (suspended.page.total, suspended.page.total_is_estimate),
        (0, false)
    );

    // A deep page, and one past the end of the estimate.
    let deep = list(&app, &admin, "sort=name&per_page=100&page=106").await;
    assert_eq!(
        deep.items.len(),
        1,
        "10,501 people: page 106 holds the last"
    );
    let beyond = list(&app, &admin, "per_page=100&page=200").await;
    assert!(beyond.items.is_empty());
}

#[tokio::test]
async fn common_and_rare_roles_and_teams_filter_alike_past_ten_thousand_people() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let system = roster_domain::Context::system("test seed");
    // One in 1,000 manages their team; one in 50,000 is an admin too.
    roster_domain::seed::users_in_teams(&app.roster, &system, 10_500, 10, 2_500)
        .await
        .unwrap();
    app.analyze("users").await;
    app.analyze("user_roles").await;

    // A common role is checked row by row along the order: the page is the
    // everyone-page without those who lack it.
    let everyone = list(&app, &admin, "sort=email&per_page=60").await;
    let learners = list(&app, &admin, "role=learner&sort=email&per_page=50").await;
    let expected: Vec<&str> = everyone
        .items
        .iter()
        .filter(|u| u.roles.contains(&Role::Learner))
        .map(|u| u.email.as_str())
        .take(50)
        .collect();
    assert_eq!(emails(&learners), expected);
    assert!(learners.page.total_is_estimate, "{:?}", learners.page);

    // A rare one is read from its holders: people 1,000 to 10,000 (numbering
    // goes on after the first admin) manage their teams, exactly ten, newest
    // first.
    let managers = list(&app, &admin, "role=manager&sort=-created_at").await;
    assert_eq!(
        (managers.page.total, managers.page.total_is_estimate),
        (10, false)
    );
    assert!(
        managers
            .items
            .iter()
            .all(|u| u.roles.contains(&Role::Manager))
    );
    let created: Vec<_> = managers.items.iter().map(|u| u.created_at).collect();
    let mut newest_first = created.clone();
    newest_first.sort_by(|a, b| b.cmp(a));
    assert_eq!(created, newest_first);

    // A team, with status and role on top, finds its members and no one else.
    let teams: roster_types::TeamList = app
        .get("/api/v1/teams?q=seed%20team&per_page=2", &admin)
        .await
        .json()
        .await
        .unwrap();
    // Team 0 holds people 0, 10, 20, ..., all invited (one in five is).
    let team = &teams.items[1];
    let members: roster_types::TeamMemberList = app
        .get(&format!("/api/v1/teams/{}/members", team.id), &admin)
        .await
        .json()
        .await
        .unwrap();
    let mut wanted: Vec<String> = members
        .items
        .iter()
        .filter(|m| m.status == UserStatus::Active)
        .map(|m| m.email.clone())
        .collect();
    wanted.sort();
    let mut found = Vec::new();
    for page in 1.. {
        let got = list(
            &app,
            &admin,
            &format!(
                "team_id={}&status=active&role=learner&sort=email&per_page=100&page={page}",
                team.id
            ),
        )
        .await;
        if got.items.is_empty() {
            break;
        }
        found.extend(got.items.iter().map(|u| u.email.clone()));
    }
    let pages = found.len();
    found.sort();
    found.dedup();
    assert_eq!(found.len(), pages, "no one on two pages");
    assert_eq!(found, wanted);
    assert!(found.len() > 700, "a tenth of the people: {}", found.len());
}

/// The Users list finds a page in more than one way (all matches drawn and
/// sorted, or read along the sort's index; a role's holders looked up first or
/// each row checked), choosing by how many match. Whichever way it takes, the
/// page must be the same: every filter, alone and together, in every order,
/// deep pages included, is asked of each way and the answers compared.
#[tokio::test]
async fn every_way_of_finding_a_users_page_gives_the_same_page() {
    use roster_domain::users::{ListTuning, list};
    use roster_domain::{Actor, Context, RequestInfo};
    use roster_types::UserListQuery;

    let app = spawn_app().await;
    let system = Context::system("test seed");
    // 2,100 people over 7 teams: people 1,000 and 2,000 manage team 6 and 5.
    roster_domain::seed::users_in_teams(&app.roster, &system, 2_100, 7, 700)
        .await
        .unwrap();
    app.analyze("users").await;
    let admin_id = user_rows::Entity::find()
        .filter(user_rows::Column::Email.eq(ADMIN_EMAIL))
        .one(&app.roster.db)
        .await
        .unwrap()
        .unwrap()
        .id;
    let manager = user_rows::Entity::find()
        .filter(user_rows::Column::Email.like("%.1000.%"))
        .one(&app.roster.db)
        .await
        .unwrap()
        .unwrap();
    let as_user = |user_id, roles: Vec<Role>| {
        Context::user(
            Actor {
                user_id,
                name: "tester".into(),
                roles,
                impersonator: None,
            },
            None,
            RequestInfo::new(None, None, None),
        )
    };
    let callers = [
        as_user(admin_id, vec![Role::Admin]),
        as_user(manager.id, vec![Role::Learner, Role::Manager]),
    ];
    let teams: roster_types::TeamList = app
        .get("/api/v1/teams?q=seed%20team", &app.admin_token().await)
        .await
        .json()
        .await
        .unwrap();
    let team = teams.items[2].id.to_string();
    let created = list(
        &app.roster,
        &callers[0],
        &serde_json::from_value(json!({"page": 4, "per_page": 200})).unwrap(),
    )
    .await
    .unwrap()
    .items[100]
        .created_at
        .to_rfc3339();

    let filters = [
        json!({}),
        json!({"q": "lovelace"}),
        json!({"q": "ada ace"}),
        json!({"q": "jo"}),
        json!({"status": "invited"}),
        json!({"role": "learner"}),
        json!({"role": "manager"}),
        json!({"team_id": team}),
        json!({"created_to": created}),
        json!({"q": "ha", "status": "active", "role": "learner", "team_id": team}),
        json!({"q": "hopper", "created_from": created, "status": "invited"}),
    ];
    let ways = [
        ListTuning::default(),
        // Always along the sort's index, each role row by row, and a search
        // alone counted the general way (its index count stops at once).
        ListTuning {
            filter_first: 0,
            rare_role: 0,
            search_counted_up_to: 0,
        },
        // Always drawn whole, each role from its holders, a search counted
        // from its index (on SQLite) however many match.
        ListTuning {
            filter_first: u64::MAX,
            rare_role: u64::MAX,
            search_counted_up_to: u64::MAX,
        },
    ];
    let rosters = ways.map(|t| app.roster.clone().with_list_tuning(t));
    let mut compared = 0;
    for caller in &callers {
        for filter in &filters {
            for sort in [
                "name",
                "-name",
                "email",
                "-email",
                "created_at",
                "-created_at",
                "thinkific_id",
                "-thinkific_id",
            ] {
                for page in [1, 4] {
                    let mut query = filter.clone();
                    query["sort"] = json!(sort);
                    query["page"] = json!(page);
                    query["per_page"] = json!(40);
                    let query: UserListQuery = serde_json::from_value(query).unwrap();
                    let mut answers = Vec::new();
                    for roster in &rosters {
                        let got = list(roster, caller, &query).await.unwrap();
                        let ids: Vec<_> = got.items.iter().map(|u| u.id).collect();
                        answers.push((got.page.total, got.page.total_is_estimate, ids));
                    }
                    assert!(
                        answers.iter().all(|a| *a == answers[0]),
                        "{query:?} found differently: {answers:?}"
                    );
                    compared += usize::from(!answers[0].2.is_empty());
                }
            }
        }
    }
    // Most questions find someone; the comparisons are not of empty pages.
    assert!(compared > 200, "only {compared} pages held anyone");
}
