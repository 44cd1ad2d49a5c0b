//! The audit trail: every change, sign-in and refusal is an event, written in
//! the transaction of the change (a rolled-back change leaves none), readable
//! and exportable by admins only, and impossible to change afterwards.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use roster_tests::{
    ADMIN_EMAIL, ADMIN_PASSWORD, TestApp, assert_estimate_near, client, problem, spawn_app,
};
use roster_types::{AuditEvent, AuditOutcome, Role, Team, User};
use serde_json::{Value, json};

/// The one event with `action` among those about `user`.
async fn event_about(app: &TestApp, admin: &str, user: uuid::Uuid, action: &str) -> AuditEvent {
    let list = app
        .audit(admin, &format!("target_user_id={user}&action={action}"))
        .await;
    assert_eq!(list.items.len(), 1, "one {action} event about {user}");
    list.items.into_iter().next().unwrap()
}

async fn admin_id(app: &TestApp, admin: &str) -> uuid::Uuid {
    let me: Value = app
        .get("/api/v1/auth/me", admin)
        .await
        .json()
        .await
        .unwrap();
    me["id"].as_str().unwrap().parse().unwrap()
}

#[tokio::test]
async fn every_change_to_a_person_is_an_event_naming_who_what_and_from_where() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let admin_id = admin_id(&app, &admin).await;
    let team: Team = app
        .post_json("/api/v1/teams", &admin, &json!({"name": "Sales"}))
        .await
        .json()
        .await
        .unwrap();

    // Created with a team and a request id of the client's choosing.
    let res = app
        .client
        .post(app.url("/api/v1/users"))
        .bearer_auth(&admin)
        .header("x-request-id", "create-ada-1")
        .header("user-agent", "audit-test/1.0")
        .json(&json!({
            "first_name": "Ada", "last_name": "Lovelace", "email": "ada@example.com",
            "roles": ["learner"], "teams": [{"team_id": team.id, "role": "member"}]
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    assert_eq!(res.headers()["x-request-id"], "create-ada-1");
    let ada: User = res.json().await.unwrap();
    let id = ada.id;
    let patch = app
        .patch_json(
            &format!("/api/v1/users/{id}"),
            &admin,
            &json!({"last_name": "Byron", "email": "ada.byron@example.com", "roles": ["learner", "manager"]}),
            None,
        )
        .await;
    assert_eq!(patch.status(), 200);
    assert_eq!(
        app.post(&format!("/api/v1/users/{id}/suspend"), &admin)
            .await
            .status(),
        200
    );
    assert_eq!(
        app.post(&format!("/api/v1/users/{id}/reactivate"), &admin)
            .await
            .status(),
        200
    );
    assert_eq!(
        app.post(&format!("/api/v1/users/{id}/invitation"), &admin)
            .await
            .status(),
        202
    );
    let path = format!("/api/v1/users/{id}/teams/{}", team.id);
    assert_eq!(
        app.patch_json(&path, &admin, &json!({"role": "manager"}), None)
            .await
            .status(),
        200
    );
    let removed = app
        .client
        .delete(app.url(&path))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(removed.status(), 204);
    let deleted = app
        .client
        .delete(app.url(&format!("/api/v1/users/{id}")))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.status(), 204);

    // The person's history, oldest first, outlives them.
    assert_eq!(
        app.audit_actions(&admin, &format!("target_user_id={id}"))
            .await,
        [
            "user.created",
            "team.member_added",
            "user.invitation_sent",
            "user.updated",
            // The new address gets the invitation again.
            "user.invitation_sent",
            "user.suspended",
            "user.reactivated",
            "user.invitation_sent",
            "team.member_role_changed",
            "team.member_removed",
            "user.deleted",
        ]
    );
    let created = event_about(&app, &admin, id, "user.created").await;
    assert_eq!(created.outcome, AuditOutcome::Success);
    assert_eq!(created.actor_id, Some(admin_id));
    assert_eq!(created.actor_name, "Roster Admin");
    assert_eq!(created.target_type.as_deref(), Some("user"));
    assert_eq!(created.target_id, Some(id.to_string()));
    assert_eq!(created.target_name.as_deref(), Some("Ada Lovelace"));
    assert_eq!(created.request_id.as_deref(), Some("create-ada-1"));
    assert_eq!(created.ip.as_deref(), Some("127.0.0.1"));
    assert_eq!(created.user_agent.as_deref(), Some("audit-test/1.0"));
    assert!(created.session_id.is_some(), "the admin's session");
    assert_eq!(created.details["email"], "ada@example.com");

    let updated = event_about(&app, &admin, id, "user.updated").await;
    assert_eq!(
        updated.details["changes"],
        json!({
            "last_name": {"old": "Lovelace", "new": "Byron"},
            "email": {"old": "ada@example.com", "new": "ada.byron@example.com"},
            "roles": {"old": ["learner"], "new": ["manager", "learner"]},
        })
    );
    assert_eq!(updated.target_name.as_deref(), Some("Ada Byron"));
    let role = event_about(&app, &admin, id, "team.member_role_changed").await;
    assert_eq!(role.target_type.as_deref(), Some("team_member"));
    assert_eq!(role.target_id, Some(format!("{}/{id}", team.id)));
    assert_eq!(role.target_name.as_deref(), Some("Ada Byron in Sales"));
    assert_eq!(
        role.details["role"],
        json!({"old": "member", "new": "manager"})
    );
    let suspended = event_about(&app, &admin, id, "user.suspended").await;
    assert_eq!(
        suspended.details["status"],
        json!({"old": "invited", "new": "suspended"})
    );

    // One request's events are found by its id.
    let by_request = app.audit(&admin, "request_id=create-ada-1").await;
    let actions: Vec<_> = by_request.items.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(
        actions,
        ["user.invitation_sent", "team.member_added", "user.created"]
    );
}

#[tokio::test]
async fn teams_are_audited_from_creation_to_deletion() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let team: Team = app
        .post_json(
            "/api/v1/teams",
            &admin,
            &json!({"name": "Sales", "description": "EMEA"}),
        )
        .await
        .json()
        .await
        .unwrap();
    let path = format!("/api/v1/teams/{}", team.id);
    assert_eq!(
        app.patch_json(&path, &admin, &json!({"name": "Sales EMEA"}), None)
            .await
            .status(),
        200
    );
    let ada = app
        .create_user(&admin, "Ada", "Lovelace", "ada@example.com", &[])
        .await;
    let added = app
        .post_json(
            &format!("{path}/members"),
            &admin,
            &json!({"user_id": ada.id, "role": "member"}),
        )
        .await;
    assert_eq!(added.status(), 201);
    let gone = app
        .client
        .delete(app.url(&path))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(gone.status(), 204);

    let events = app
        .audit(&admin, &format!("target_type=team&target_id={}", team.id))
        .await
        .items;
    let actions: Vec<_> = events.iter().rev().map(|e| e.action.as_str()).collect();
    assert_eq!(actions, ["team.created", "team.updated", "team.deleted"]);
    assert_eq!(
        events[1].details["changes"]["name"],
        json!({"old": "Sales", "new": "Sales EMEA"})
    );
    assert_eq!(events[0].details["memberships_removed"], 1);
    assert_eq!(events[0].target_name.as_deref(), Some("Sales EMEA"));
    // A prefix finds the whole family.
    let team_family = app.audit_actions(&admin, "action=team.").await;
    assert_eq!(
        team_family,
        [
            "team.created",
            "team.updated",
            "team.member_added",
            // The member leaves with the team, on their History too.
            "team.member_removed",
            "team.deleted"
        ]
    );
}

#[tokio::test]
async fn sign_ins_and_sign_outs_are_events_and_name_the_account_tried() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let admin_id = admin_id(&app, &admin).await;
    app.login(&client(), ADMIN_EMAIL, "wrong-password").await;
    app.login(&client(), "nobody@example.com", "wrong-password")
        .await;
    let browser = client();
    app.login(&browser, ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let out = browser
        .post(app.url("/api/v1/auth/logout"))
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), 204);

    let failed = app.audit(&admin, "action=auth.sign_in_failed").await.items;
    assert_eq!(failed.len(), 2);
    // Newest first: the unknown email has no target, the admin's does.
    assert_eq!(failed[0].target_id, None);
    assert_eq!(failed[1].target_id, Some(admin_id.to_string()));
    for event in &failed {
        assert_eq!(event.outcome, AuditOutcome::Refused);
        assert_eq!(event.actor_name, "Anonymous");
        assert_eq!(event.ip.as_deref(), Some("127.0.0.1"));
        // Never the password tried.
        assert!(!event.details.to_string().contains("wrong-password"));
    }
    let signed_in = app.audit(&admin, "action=auth.signed_in").await.items;
    assert_eq!(
        signed_in.len(),
        2,
        "the test's own sign-in and the browser's"
    );
    assert!(
        signed_in
            .iter()
            .all(|e| e.actor_id == Some(admin_id) && e.session_id.is_some())
    );
    let out = app.audit(&admin, "action=auth.signed_out").await.items;
    assert_eq!(out.len(), 1);
    assert_eq!(
        out[0].session_id, signed_in[0].session_id,
        "the browser's session"
    );
    assert_eq!(out[0].target_type.as_deref(), Some("session"));
}

#[tokio::test]
async fn a_refusal_is_recorded_with_its_reason_and_changes_nothing() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let (learner, token) = app
        .user_with_password(&[Role::Learner], "lena@example.com")
        .await;
    let (manager, manager_token) = app
        .user_with_password(&[Role::Manager], "max@example.com")
        .await;

    problem(app.get("/api/v1/users", &token).await, 403).await;
    let deleting = app
        .client
        .delete(app.url(&format!("/api/v1/users/{}", learner.id)))
        .bearer_auth(&manager_token)
        .send()
        .await
        .unwrap();
    problem(deleting, 403).await;

    let refused = app.audit(&admin, "outcome=refused").await.items;
    assert_eq!(refused.len(), 2);
    assert_eq!(refused[1].action, "user.listed");
    assert_eq!(refused[1].actor_id, Some(learner.id));
    assert_eq!(
        refused[1].details["reason"],
        "only admins and managers may list users"
    );
    assert_eq!(refused[0].action, "user.deleted");
    assert_eq!(refused[0].actor_id, Some(manager.id));
    assert_eq!(refused[0].target_id, Some(learner.id.to_string()));
    assert_eq!(refused[0].details["reason"], "only admins may delete users");
    // The person is still there, and no deletion was recorded as done.
    assert_eq!(
        app.get(&format!("/api/v1/users/{}", learner.id), &admin)
            .await
            .status(),
        200
    );
    assert!(
        app.audit(&admin, "action=user.deleted&outcome=success")
            .await
            .items
            .is_empty()
    );
}

#[tokio::test]
async fn a_change_that_is_rolled_back_leaves_no_event() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let before = app.audit(&admin, "action=user.created").await.page.total;

    // The user row is written, then the unknown team fails the transaction.
    let res = app
        .post_json(
            "/api/v1/users",
            &admin,
            &json!({
                "first_name": "Ada", "last_name": "Lovelace", "email": "ada@example.com",
                "roles": ["learner"], "teams": [{"team_id": uuid::Uuid::now_v7(), "role": "member"}]
            }),
        )
        .await;
    problem(res, 404).await;

    assert_eq!(
        app.audit(&admin, "action=user.created").await.page.total,
        before
    );
    assert!(
        app.audit(&admin, "action=user.invitation_sent")
            .await
            .items
            .is_empty()
    );
    let users: Value = app
        .get("/api/v1/users?q=ada", &admin)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(users["page"]["total"], 0);
}

#[tokio::test]
async fn the_trail_refuses_to_be_changed_or_deleted_even_from_inside() {
    use sea_orm::ConnectionTrait;
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    assert!(app.audit(&admin, "").await.page.total > 0);

    let update = app
        .roster
        .db
        .execute_unprepared("UPDATE audit_events SET action = 'nothing.happened'")
        .await;
    let delete = app
        .roster
        .db
        .execute_unprepared("DELETE FROM audit_events")
        .await;

    assert!(update.is_err(), "UPDATE is refused");
    assert!(delete.is_err(), "DELETE is refused");
    assert!(
        app.audit(&admin, "action=nothing.happened")
            .await
            .items
            .is_empty()
    );
}

#[tokio::test]
async fn only_admins_read_the_trail_and_bad_filters_are_named() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let (_, learner) = app
        .user_with_password(&[Role::Learner], "lena@example.com")
        .await;
    let (_, manager) = app
        .user_with_password(&[Role::Manager], "max@example.com")
        .await;

    for token in [&learner, &manager] {
        problem(app.get("/api/v1/audit-events", token).await, 403).await;
        problem(app.get("/api/v1/audit-events.csv", token).await, 403).await;
    }
    problem(
        app.client
            .get(app.url("/api/v1/audit-events"))
            .send()
            .await
            .unwrap(),
        401,
    )
    .await;
    let bad = problem(
        app.get(
            "/api/v1/audit-events?outcome=maybe&from=yesterday&actor_id=7",
            &admin,
        )
        .await,
        400,
    )
    .await;
    let fields: Vec<_> = bad.errors.iter().map(|e| e.field.as_str()).collect();
    assert_eq!(fields, ["outcome", "from", "actor_id"]);
    // Refused reads are on the trail too.
    assert_eq!(
        app.audit(&admin, "action=audit.listed&outcome=refused")
            .await
            .page
            .total,
        2
    );
}

#[tokio::test]
async fn time_filters_and_pages_narrow_the_trail() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    for i in 0..5 {
        app.create_user(
            &admin,
            "Person",
            &format!("N{i}"),
            &format!("p{i}@example.com"),
            &[],
        )
        .await;
    }
    let cut = app.roster.now();
    app.clock.advance(60);
    app.create_user(&admin, "Late", "Comer", "late@example.com", &[])
        .await;

    let page = app
        .audit(&admin, "action=user.created&per_page=2&page=2")
        .await;
    // Five, the late one, and the first admin's at start-up.
    assert_eq!(page.page.total, 7);
    assert_eq!(page.items.len(), 2);
    let late = app
        .audit(
            &admin,
            &format!("action=user.created&from={}", urlencode(&cut.to_rfc3339())),
        )
        .await;
    assert_eq!(late.items.len(), 1);
    assert_eq!(late.items[0].target_name.as_deref(), Some("Late Comer"));
    let early = app
        .audit(
            &admin,
            &format!("action=user.created&to={}", urlencode(&cut.to_rfc3339())),
        )
        .await;
    assert_eq!(early.page.total, 6);
}

fn urlencode(s: &str) -> String {
    s.replace('+', "%2B").replace(':', "%3A")
}

#[tokio::test]
async fn the_csv_export_streams_every_match_and_defuses_formulas() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    app.create_user(
        &admin,
        "=HYPERLINK(\"x\")",
        "Doe",
        "formula@example.com",
        &[],
    )
    .await;
    // More than one batch of the export.
    roster_domain::seed::users(
        &app.roster,
        &roster_domain::Context::system("seed"),
        1_050,
        1,
    )
    .await
    .unwrap();

    let res = app
        .get("/api/v1/audit-events.csv?action=user.", &admin)
        .await;
    assert_eq!(res.status(), 200);
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let body = res.text().await.unwrap();
    let mut reader = csv::Reader::from_reader(body.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_owned)
        .collect();
    assert_eq!(header[..4], ["id", "occurred_at", "action", "outcome"]);
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    let total = app.audit(&admin, "action=user.").await.page.total;
    assert_eq!(rows.len() as u64, total);
    assert!(total > 1_000, "more than one batch");
    let formula = rows
        .iter()
        .find(|r| &r[2] == "user.created")
        .expect("the user's creation");
    assert_eq!(&formula[10], "'=HYPERLINK(\"x\") Doe");
    // Newest first, throughout.
    let times: Vec<chrono::DateTime<chrono::FixedOffset>> = rows
        .iter()
        .map(|r| chrono::DateTime::parse_from_rfc3339(&r[1]).unwrap())
        .collect();
    assert!(times.windows(2).all(|w| w[0] >= w[1]));
}

/// Seeds `count` events directly (500 a statement), a millisecond apart from
/// `start`, the `i`-th of action `actions[i % actions.len()]` with details
/// `{"n": i}`.
async fn seed_events(
    app: &TestApp,
    actions: &[&str],
    count: usize,
    start: chrono::DateTime<chrono::Utc>,
) {
    use roster_entity::audit_events;
    use sea_orm::{ActiveValue::Set, EntityTrait};
    for chunk in (0..count).collect::<Vec<_>>().chunks(500) {
        let rows = chunk.iter().map(|&i| audit_events::ActiveModel {
            id: Set(uuid::Uuid::now_v7()),
            occurred_at: Set(start + chrono::Duration::milliseconds(i as i64)),
            action: Set(actions[i % actions.len()].to_string()),
            outcome: Set("success".into()),
            actor_id: Set(None),
            actor_name: Set("Seeded".into()),
            impersonator_id: Set(None),
            session_id: Set(None),
            target_type: Set(None),
            target_id: Set(None),
            target_name: Set(None),
            subject_user_id: Set(None),
            request_id: Set(None),
            ip: Set(None),
            user_agent: Set(None),
            details: Set(json!({ "n": i })),
        });
        audit_events::Entity::insert_many(rows)
            .exec_without_returning(&app.roster.db)
            .await
            .unwrap();
    }
}

#[tokio::test]
async fn past_ten_thousand_matches_the_total_is_an_estimate_that_says_so() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let start = chrono::Utc::now() - chrono::Duration::days(1);
    seed_events(&app, &["team.created"], 500, start).await;
    // Half sign-ins, half changes, alternating.
    seed_events(
        &app,
        &["auth.signed_in", "user.updated"],
        24_000,
        start + chrono::Duration::hours(1),
    )
    .await;
    app.analyze("audit_events").await;

    let exact = app.audit(&admin, "action=team.created&per_page=10").await;
    assert_eq!(exact.page.total, 500);
    assert!(!exact.page.total_is_estimate, "{:?}", exact.page);

    let all = app.audit(&admin, "per_page=10").await;
    assert!(all.page.total_is_estimate, "{:?}", all.page);
    assert_estimate_near(all.page.total, 24_500.0, "every event");
    assert_eq!(all.items.len(), 10);
    assert_eq!(
        app.audit(&admin, "per_page=10").await.page.total,
        all.page.total,
        "the same list, the same estimate"
    );

    // A prefix matching about half: estimated, and its pages come newest
    // first without a gap or a repeat, deep ones too. The few real sign-ins
    // are newer than every seeded one.
    let first = app.audit(&admin, "action=auth.&per_page=10").await;
    assert!(first.page.total_is_estimate, "{:?}", first.page);
    assert!(first.page.total > 10_000, "{:?}", first.page);
    assert_estimate_near(first.page.total, 12_000.0, "the sign-ins");
    let real = first
        .items
        .iter()
        .take_while(|e| e.actor_name != "Seeded")
        .count();
    assert!(real < 10, "the seeded events follow the real ones");
    // The `position`-th event of the list (0-based) is seeded event n.
    let seeded_n = |position: usize| 2 * (11_999 - (position - real));
    for page in [1usize, 3, 1_100] {
        let list = app
            .audit(&admin, &format!("action=auth.&per_page=10&page={page}"))
            .await;
        assert_eq!(list.items.len(), 10, "page {page}");
        for (k, event) in list.items.iter().enumerate() {
            let position = (page - 1) * 10 + k;
            assert!(event.action.starts_with("auth."), "{event:?}");
            if position >= real {
                assert_eq!(
                    event.details["n"].as_u64(),
                    Some(seeded_n(position) as u64),
                    "page {page}, row {k}"
                );
            }
        }
    }
    // Past the end of the estimate: an empty page, not an error.
    let beyond = app
        .audit(&admin, "action=auth.&per_page=100&page=500")
        .await;
    assert!(beyond.items.is_empty());
}
