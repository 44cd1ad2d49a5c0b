//! The SPA in headless Chromium: the Jobs page (jobs listed with their
//! progress, filtered by status through the address, a row opened to its
//! result and error, an unfinished job that keeps itself up to date) and who
//! may see it.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use roster_domain::Context;
use roster_domain::jobs::{self, NewJob};
use roster_entity::jobs as job_rows;
use roster_tests::browser::{self, Browser};
use roster_tests::{ADMIN_EMAIL, ADMIN_PASSWORD, TestApp, spawn_app};
use roster_types::Role;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, EntityTrait};
use serde_json::json;
use uuid::Uuid;

const PASSWORD: &str = "a-good-password-42";

/// The kinds of the job rows on the page, in page order (newest first).
async fn row_kinds(b: &Browser) -> Vec<String> {
    b.attrs("tr.job-row", "data-kind").await
}

/// The ids of the job rows on the page, in page order.
async fn row_ids(b: &Browser) -> Vec<String> {
    b.attrs("tr.job-row", "data-job-id").await
}

/// Picks `status` in the filter form and applies it.
async fn filter_by_status(b: &Browser, status: &str) {
    b.wait_css("select#job-status")
        .await
        .select_by_value(status)
        .await
        .unwrap();
    b.click("#apply-job-filters").await;
}

/// Opens the row of job `id` and waits for its details.
async fn open_job(b: &Browser, id: Uuid) {
    let button = format!("tr.job-row[data-job-id='{id}'] button.expand-button");
    assert_eq!(
        b.attrs(&button, "aria-expanded").await,
        ["false"],
        "the row starts closed"
    );
    b.click(&button).await;
    b.wait_until("the row says it is open", || async {
        b.attrs(&button, "aria-expanded").await == ["true"]
    })
    .await;
    b.wait_css(&format!("#job-{id}-result")).await;
}

/// The text of the first element matching `css`, or nothing yet.
async fn text_of(b: &Browser, css: &str) -> String {
    b.texts(css).await.into_iter().next().unwrap_or_default()
}

/// Queues a job of `kind` as Roster itself would. No runner handles the
/// `test.` kinds, so such a job stays as the test leaves it.
async fn enqueue(app: &TestApp, kind: &str) -> Uuid {
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

/// Changes the row of job `id`, as a runner working on it would.
async fn update_job(app: &TestApp, id: Uuid, change: impl FnOnce(&mut job_rows::ActiveModel)) {
    let mut row: job_rows::ActiveModel = job_rows::Entity::find_by_id(id)
        .one(&app.roster.db)
        .await
        .unwrap()
        .unwrap()
        .into();
    change(&mut row);
    row.update(&app.roster.db).await.unwrap();
}

#[tokio::test]
async fn an_admin_filters_the_jobs_opens_one_and_sees_a_running_one_finish() {
    let app = spawn_app().await;
    let Some(b) = browser::open().await else {
        return;
    };
    // Arrange: creating a user queues a mail delivery; an import failed, and
    // another is a third of the way through.
    let admin = app.admin_token().await;
    app.create_user(
        &admin,
        "Ada",
        "Lovelace",
        "ada@example.com",
        &[Role::Learner],
    )
    .await;
    let now = app.roster.now();
    let broken = enqueue(&app, "test.broken_import").await;
    update_job(&app, broken, |job| {
        job.status = Set("failed".into());
        job.attempts = Set(1);
        job.started_at = Set(Some(now));
        job.finished_at = Set(Some(now));
        job.last_error = Set(Some("The file has no email column.".into()));
    })
    .await;
    let import = enqueue(&app, "test.import").await;
    update_job(&app, import, |job| {
        job.status = Set("running".into());
        job.attempts = Set(1);
        job.started_at = Set(Some(now));
        job.progress_done = Set(3);
        job.progress_total = Set(Some(10));
        job.progress_message = Set(Some("importing rows".into()));
    })
    .await;

    // Act: the admin opens the Jobs page from the navigation.
    b.sign_in(&app.address, ADMIN_EMAIL, ADMIN_PASSWORD).await;
    b.click("#nav-jobs").await;
    b.wait_for_path("/jobs").await;

    // Assert: the jobs are listed, the running one with a progress bar.
    b.wait_until("the jobs are listed", || async {
        let kinds = row_kinds(&b).await;
        ["mail.deliver", "test.broken_import", "test.import"]
            .iter()
            .all(|want| kinds.iter().any(|k| k == want))
    })
    .await;
    let import_row = format!("tr.job-row[data-job-id='{import}']");
    let bar = format!("{import_row} progress");
    assert_eq!(b.attrs(&bar, "aria-valuenow").await, ["3"]);
    assert_eq!(b.attrs(&bar, "aria-valuemax").await, ["10"]);
    assert_eq!(
        text_of(&b, &format!("{import_row} .job-progress-text")).await,
        "3 of 10 \u{b7} importing rows"
    );
    assert_eq!(b.attrs(&import_row, "data-status").await, ["running"]);

    // Filtering by status leaves the failed import, and the address carries
    // the filter.
    filter_by_status(&b, "failed").await;
    b.wait_until("only the failed job is listed", || async {
        row_ids(&b).await == [broken.to_string()]
    })
    .await;
    assert_eq!(b.query_value("status").await.as_deref(), Some("failed"));
    assert_eq!(b.attrs("tr.job-row", "data-status").await, ["failed"]);

    // Its row opens to show why it failed.
    open_job(&b, broken).await;
    assert_eq!(
        text_of(&b, &format!("#job-{broken}-error")).await,
        "The file has no email column."
    );

    // A reload keeps the filter, in the list and in the form.
    b.client.refresh().await.unwrap();
    b.wait_until("the filtered list is back after a reload", || async {
        row_ids(&b).await == [broken.to_string()]
    })
    .await;
    let status = b.wait_css("select#job-status").await;
    assert_eq!(
        status.prop("value").await.unwrap().as_deref(),
        Some("failed")
    );

    // The running import, opened, has no result yet...
    filter_by_status(&b, "running").await;
    b.wait_until("only the running job is listed", || async {
        row_ids(&b).await == [import.to_string()]
    })
    .await;
    assert_eq!(b.query_value("status").await.as_deref(), Some("running"));
    open_job(&b, import).await;
    assert_eq!(
        text_of(&b, &format!("#job-{import}-result")).await,
        "No result yet."
    );

    // ...until it finishes: the open row updates itself, without a reload.
    update_job(&app, import, |job| {
        job.status = Set("succeeded".into());
        job.progress_done = Set(10);
        job.progress_message = Set(None);
        job.result = Set(Some(json!({ "imported": 10 })));
        job.finished_at = Set(Some(app.roster.now()));
    })
    .await;
    b.wait_until("the row shows the job finished", || async {
        b.attrs(&import_row, "data-status").await == ["succeeded"]
    })
    .await;
    b.wait_until("its result is shown", || async {
        text_of(&b, &format!("#job-{import}-result"))
            .await
            .contains("\"imported\": 10")
    })
    .await;
    assert_eq!(
        b.attrs(&format!("{import_row} progress"), "aria-valuenow")
            .await,
        ["10"]
    );
    assert_eq!(
        b.texts(&format!("{import_row} .badge")).await,
        ["Succeeded"]
    );
}

#[tokio::test]
async fn learners_and_managers_are_told_the_jobs_page_is_for_admins() {
    let app = spawn_app().await;
    let Some(b) = browser::open().await else {
        return;
    };
    let (lena, _) = app
        .user_with_password(&[Role::Learner], "lena@example.com")
        .await;
    app.user_with_password(&[Role::Manager], "max@example.com")
        .await;

    // A learner: no link, and the page says no.
    b.submit_sign_in(&app.address, "lena@example.com", PASSWORD)
        .await;
    b.wait_for_path(&format!("/users/{}/profile", lena.id))
        .await;
    b.wait_css(".app-nav a").await;
    assert!(b.texts("#nav-jobs").await.is_empty(), "no Jobs link");
    b.goto(&app.url("/jobs")).await;
    let message = b.wait_css("#jobs-forbidden").await.text().await.unwrap();
    assert!(
        message.starts_with("Only admins can see the background jobs."),
        "{message}"
    );
    assert_eq!(b.texts("#no-access-home").await, ["Go to your profile"]);
    assert!(b.texts("#jobs-table, #job-filters").await.is_empty());

    // A manager: the same.
    b.sign_out().await;
    b.wait_css("input#email").await;
    b.sign_in(&app.address, "max@example.com", PASSWORD).await;
    b.wait_css(".app-nav a").await;
    assert!(b.texts("#nav-jobs").await.is_empty(), "no Jobs link");
    b.goto(&app.url("/jobs")).await;
    b.wait_css("#jobs-forbidden").await;
    assert!(b.texts("#jobs-table, #job-filters").await.is_empty());
}
