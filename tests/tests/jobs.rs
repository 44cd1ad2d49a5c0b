//! Durable background jobs: enqueued in the caller's transaction, run once
//! across instances, taken over when an instance dies, recurring once per
//! interval, stopped gracefully, and shown by the API.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use std::sync::{Arc, Mutex};
use std::time::Duration;

use roster_domain::jobs::{self, NewJob, Outcome, Registry, Runner, RunnerSettings};
use roster_domain::{Context, Roster};
use roster_entity::jobs as job_rows;
use roster_tests::{TestApp, client, problem, spawn_app};
use roster_types::{Job, JobList, JobStatus, Role};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, TransactionTrait};
use serde_json::json;

fn settings(name: &str) -> RunnerSettings {
    RunnerSettings {
        instance: name.into(),
        poll: Duration::from_millis(10),
        lease: Duration::from_secs(2),
        concurrency: 4,
        shutdown_grace: Duration::from_millis(500),
    }
}

/// Waits (up to 20 s) until `done` holds of the jobs of `kind`.
async fn wait_for_jobs(
    roster: &Roster,
    kind: &str,
    what: &str,
    done: impl Fn(&[job_rows::Model]) -> bool,
) -> Vec<job_rows::Model> {
    for _ in 0..1000 {
        let rows = job_rows::Entity::find()
            .filter(job_rows::Column::Kind.eq(kind))
            .all(&roster.db)
            .await
            .unwrap();
        if done(&rows) {
            return rows;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("the {kind} jobs never {what}");
}

fn all_in(status: JobStatus) -> impl Fn(&[job_rows::Model]) -> bool {
    move |rows| !rows.is_empty() && rows.iter().all(|r| r.status == status.as_str())
}

async fn enqueue(app: &TestApp, kind: &str) -> uuid::Uuid {
    jobs::enqueue(
        &app.roster.db,
        &app.roster,
        &Context::system("test"),
        NewJob::new(kind, json!({})),
    )
    .await
    .unwrap()
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_run_two_hundred_jobs_and_none_twice() {
    let app = spawn_app().await;
    let runs: Arc<Mutex<Vec<(String, uuid::Uuid)>>> = Arc::default();
    let registry = |name: &'static str| {
        let runs = runs.clone();
        Registry::new().handle("test.count", move |run| {
            let runs = runs.clone();
            async move {
                tokio::time::sleep(Duration::from_millis(5)).await;
                runs.lock().unwrap().push((name.to_string(), run.id));
                Ok(Outcome::Done(json!({ "by": name })))
            }
        })
    };
    for _ in 0..200 {
        enqueue(&app, "test.count").await;
    }

    let a = Runner::start(app.roster.clone(), registry("a"), settings("a"));
    let b = Runner::start(app.roster.clone(), registry("b"), settings("b"));
    wait_for_jobs(&app.roster, "test.count", "all succeeded", |rows| {
        rows.len() == 200 && rows.iter().all(|r| r.status == "succeeded")
    })
    .await;
    a.shutdown().await;
    b.shutdown().await;

    let runs = runs.lock().unwrap().clone();
    let mut ids: Vec<_> = runs.iter().map(|(_, id)| *id).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(runs.len(), 200, "every job ran once");
    assert_eq!(ids.len(), 200, "no job ran twice");
    let by_a = runs.iter().filter(|(n, _)| n == "a").count();
    assert!(
        by_a > 0 && by_a < 200,
        "both instances worked: a ran {by_a}"
    );
}

#[tokio::test]
async fn a_job_whose_instance_died_is_taken_over_when_its_lease_lapses() {
    let app = spawn_app().await;
    let id = enqueue(&app, "test.long").await;
    let hangs = Registry::new().handle("test.long", |_| async {
        futures::future::pending::<()>().await;
        Ok(Outcome::Done(json!({})))
    });
    let dying = Runner::start(app.roster.clone(), hangs, settings("dying"));
    wait_for_jobs(
        &app.roster,
        "test.long",
        "started",
        all_in(JobStatus::Running),
    )
    .await;

    dying.abort();
    let finishes = Registry::new().handle("test.long", |run| async move {
        Ok(Outcome::Done(json!({ "attempt": run.attempt })))
    });
    let heir = Runner::start(app.roster.clone(), finishes, settings("heir"));
    app.clock.advance(3);
    let rows = wait_for_jobs(
        &app.roster,
        "test.long",
        "succeeded",
        all_in(JobStatus::Succeeded),
    )
    .await;
    heir.shutdown().await;

    assert_eq!(rows[0].id, id);
    assert_eq!(rows[0].attempts, 2);
    assert_eq!(rows[0].result, Some(json!({ "attempt": 2 })));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_recurring_job_runs_once_per_interval_across_two_instances() {
    let app = spawn_app().await;
    let registry = || {
        Registry::new()
            .handle("test.tick", |_| async { Ok(Outcome::Done(json!({}))) })
            .every("test.tick", Duration::from_secs(60))
    };
    let a = Runner::start(app.roster.clone(), registry(), settings("a"));
    let b = Runner::start(app.roster.clone(), registry(), settings("b"));

    for n in 1..=3usize {
        wait_for_jobs(&app.roster, "test.tick", "ran once more", |rows| {
            rows.len() == n && rows.iter().all(|r| r.status == "succeeded")
        })
        .await;
        // Both instances have looked at the schedule many times over (they
        // poll every 10 ms) before the interval is over.
        tokio::time::sleep(Duration::from_millis(200)).await;
        let count = job_rows::Entity::find()
            .filter(job_rows::Column::Kind.eq("test.tick"))
            .count(&app.roster.db)
            .await
            .unwrap();
        assert_eq!(count as usize, n, "once in interval {n}");
        app.clock.advance(60);
    }
    a.shutdown().await;
    b.shutdown().await;
}

#[tokio::test]
async fn shutdown_lets_a_job_stop_at_a_safe_point_and_another_instance_finishes_it() {
    let app = spawn_app().await;
    enqueue(&app, "test.steps").await;
    let steps = || {
        Registry::new().handle("test.steps", |run| async move {
            for step in 0..200u64 {
                if run.should_stop() {
                    return Ok(Outcome::Yielded);
                }
                run.progress(step, Some(200), Some("stepping")).await?;
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
            Ok(Outcome::Done(json!({ "steps": 200 })))
        })
    };
    let first = Runner::start(app.roster.clone(), steps(), settings("first"));
    wait_for_jobs(&app.roster, "test.steps", "made progress", |rows| {
        rows.iter().any(|r| r.progress_done > 3)
    })
    .await;

    first.shutdown().await;

    let rows = wait_for_jobs(
        &app.roster,
        "test.steps",
        "went back",
        all_in(JobStatus::Queued),
    )
    .await;
    assert_eq!(rows[0].locked_by, None, "the lease is given back");
    let second = Runner::start(app.roster.clone(), steps(), settings("second"));
    let rows = wait_for_jobs(
        &app.roster,
        "test.steps",
        "finished",
        all_in(JobStatus::Succeeded),
    )
    .await;
    second.shutdown().await;
    assert_eq!(rows[0].result, Some(json!({ "steps": 200 })));
}

#[tokio::test]
async fn a_job_that_ignores_shutdown_is_given_back_after_the_grace_period() {
    let app = spawn_app().await;
    enqueue(&app, "test.stubborn").await;
    let stubborn = Registry::new().handle("test.stubborn", |_| async {
        tokio::time::sleep(Duration::from_secs(3600)).await;
        Ok(Outcome::Done(json!({})))
    });
    let runner = Runner::start(app.roster.clone(), stubborn, settings("stubborn"));
    wait_for_jobs(
        &app.roster,
        "test.stubborn",
        "started",
        all_in(JobStatus::Running),
    )
    .await;

    let started = std::time::Instant::now();
    runner.shutdown().await;

    assert!(started.elapsed() < Duration::from_secs(30));
    let rows = wait_for_jobs(
        &app.roster,
        "test.stubborn",
        "went back",
        all_in(JobStatus::Queued),
    )
    .await;
    assert_eq!(rows[0].locked_by, None);
}

#[tokio::test]
async fn a_failing_job_is_retried_with_backoff_then_fails_with_its_error() {
    let app = spawn_app().await;
    jobs::enqueue(
        &app.roster.db,
        &app.roster,
        &Context::system("test"),
        NewJob::new("test.fails", json!({})).attempts(2),
    )
    .await
    .unwrap();
    let fails = Registry::new().handle("test.fails", |run| async move {
        Err(roster_domain::Error::internal(format!(
            "boom {}",
            run.attempt
        )))
    });
    let runner = Runner::start(app.roster.clone(), fails, settings("r"));
    let rows = wait_for_jobs(&app.roster, "test.fails", "failed once", |rows| {
        rows.iter().any(|r| r.attempts == 1 && r.status == "queued")
    })
    .await;
    assert!(rows[0].run_at > app.roster.now(), "waits before retrying");
    app.clock.advance(10);
    let rows = wait_for_jobs(
        &app.roster,
        "test.fails",
        "gave up",
        all_in(JobStatus::Failed),
    )
    .await;
    runner.shutdown().await;
    assert_eq!(rows[0].attempts, 2);
    assert!(rows[0].last_error.as_deref().unwrap().contains("boom 2"));
}

#[tokio::test]
async fn a_job_enqueued_in_a_rolled_back_transaction_never_exists_and_dedup_keys_hold() {
    let app = spawn_app().await;
    let ctx = Context::system("test");
    let txn = app.roster.db.begin().await.unwrap();
    jobs::enqueue(
        &txn,
        &app.roster,
        &ctx,
        NewJob::new("test.never", json!({})),
    )
    .await
    .unwrap();
    txn.rollback().await.unwrap();

    let first = jobs::enqueue(
        &app.roster.db,
        &app.roster,
        &ctx,
        NewJob::new("test.once", json!({})).dedup("k"),
    )
    .await
    .unwrap();
    let second = jobs::enqueue(
        &app.roster.db,
        &app.roster,
        &ctx,
        NewJob::new("test.once", json!({})).dedup("k"),
    )
    .await
    .unwrap();

    let never = job_rows::Entity::find()
        .filter(job_rows::Column::Kind.eq("test.never"))
        .count(&app.roster.db)
        .await
        .unwrap();
    assert_eq!(never, 0);
    assert!(first.is_some());
    assert_eq!(second, None, "one queued job per dedup key");
}

#[tokio::test]
async fn the_api_shows_jobs_to_admins_and_to_whoever_started_them() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let (_, learner) = app
        .user_with_password(&[Role::Learner], "lena@example.com")
        .await;
    // A "Forgot password?" is followed up by a job.
    let asked = client()
        .post(app.url("/api/v1/auth/password-reset"))
        .json(&json!({"email": "lena@example.com"}))
        .send()
        .await
        .unwrap();
    assert_eq!(asked.status(), 202);
    wait_for_jobs(
        &app.roster,
        "auth.password_reset_follow_up",
        "succeeded",
        all_in(JobStatus::Succeeded),
    )
    .await;
    wait_for_jobs(
        &app.roster,
        "housekeeping",
        "ran at start-up",
        all_in(JobStatus::Succeeded),
    )
    .await;

    let list: JobList = app
        .get("/api/v1/jobs?kind=auth.password_reset_follow_up", &admin)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list.page.total, 1);
    let job = &list.items[0];
    assert_eq!(job.status, JobStatus::Succeeded);
    assert_eq!(job.created_by, None, "asked anonymously");
    let one: Job = app
        .get(&format!("/api/v1/jobs/{}", job.id), &admin)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(one.id, job.id);
    assert!(one.finished_at.is_some());
    let housekeeping: JobList = app
        .get("/api/v1/jobs?kind=housekeeping&status=succeeded", &admin)
        .await
        .json()
        .await
        .unwrap();
    assert!(
        housekeeping.items[0]
            .result
            .as_ref()
            .unwrap()
            .get("sessions")
            .is_some()
    );
    problem(
        app.get(&format!("/api/v1/jobs/{}", job.id), &learner).await,
        404,
    )
    .await;
    problem(app.get("/api/v1/jobs", &learner).await, 403).await;
    problem(app.get("/api/v1/jobs?status=sleeping", &admin).await, 400).await;
    // The follow-up ran as the anonymous requester, and says so on the trail.
    let requested = app
        .audit(&admin, "action=auth.password_reset_requested")
        .await
        .items;
    assert_eq!(requested.len(), 1);
    assert_eq!(requested[0].actor_name, "Anonymous");
    assert_eq!(requested[0].ip.as_deref(), Some("127.0.0.1"));
}
