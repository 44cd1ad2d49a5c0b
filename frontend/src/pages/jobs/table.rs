//! The jobs as a table, newest first, each row opening to show the job's
//! details, its result as JSON and its last error. A queued or running job's
//! row looks at the job again every [`REFRESH_EVERY`] until it finishes (see
//! [`next_look`]).

use std::time::Duration;

use chrono::{DateTime, Utc};
use leptos::prelude::*;
use leptos::task::spawn_local;
use roster_types::{Job, JobListQuery, JobProgress, JobStatus};
use web_sys::AbortController;

use crate::api::{Api, ApiError};
use crate::components::data_table::{Column, DataTable};
use crate::components::sort_header::SortDirection;
use crate::format::local_timestamp;
use crate::routes::{Page, UserTab};

use super::query::PER_PAGE_CHOICES;
use crate::components::paged::{Loaded, paging};

/// How often a running or due job is looked at again.
pub const REFRESH_EVERY: Duration = Duration::from_secs(2);

/// The longest a job queued for later waits between looks (the browser's
/// clock and the server's may differ).
pub const DUE_LATER_EVERY: Duration = Duration::from_secs(30);

/// A loaded page with the query that asked for it.
pub type JobsLoaded = Loaded<JobListQuery, Job>;

/// How many columns a row has (the details row spans them all).
const COLUMN_COUNT: usize = 7;

fn columns() -> Vec<Column> {
    let columns = vec![
        Column::new("details", "Details")
            .class("col-expand")
            .label_hidden(),
        Column::new("kind", "Kind").class("col-kind"),
        Column::new("status", "Status").class("col-status"),
        Column::new("progress", "Progress").class("col-progress"),
        Column::new("attempts", "Attempts").class("col-attempts"),
        Column::new("created_at", "Created")
            .class("col-time")
            .sorted(SortDirection::Descending),
        Column::new("finished_at", "Finished").class("col-time"),
    ];
    debug_assert_eq!(columns.len(), COLUMN_COUNT);
    columns
}

/// Whether `status` can still change (so the job is worth looking at again).
pub fn is_unfinished(status: JobStatus) -> bool {
    matches!(status, JobStatus::Queued | JobStatus::Running)
}

/// How long to wait, at `now`, before looking at `job` again: [`REFRESH_EVERY`]
/// while it runs or is due; a job queued for later is looked at when it is due
/// (at most [`DUE_LATER_EVERY`] apart) rather than every two seconds for
/// nothing. `None` once it finished.
pub fn next_look(job: &Job, now: DateTime<Utc>) -> Option<Duration> {
    match job.status {
        JobStatus::Running => Some(REFRESH_EVERY),
        JobStatus::Queued => {
            let until_due = (job.run_at - now).to_std().unwrap_or_default();
            Some(until_due.clamp(REFRESH_EVERY, DUE_LATER_EVERY))
        }
        JobStatus::Succeeded | JobStatus::Failed | JobStatus::Cancelled => None,
    }
}

/// The longest wait between looks after failed ones.
pub const BACK_OFF_AT_MOST: Duration = Duration::from_secs(60);

/// How long to wait before the next look, `wait` being the usual one, after
/// `failures` failed looks in a row, the last asking for `retry_after` seconds:
/// the usual wait doubled per failure, at least what the server asked, and at
/// most [`BACK_OFF_AT_MOST`] (unless the server asked for more).
pub fn after_failures(wait: Duration, failures: u32, retry_after: Option<u64>) -> Duration {
    if failures == 0 {
        return wait;
    }
    let doubled = wait
        .saturating_mul(1 << failures.min(16))
        .min(BACK_OFF_AT_MOST);
    doubled.max(Duration::from_secs(retry_after.unwrap_or(0)))
}

/// How far a job has come, in words: `3 of 10` when the total is known,
/// `3 done` when it is not, nothing before anything was done.
pub fn progress_count(progress: &JobProgress) -> Option<String> {
    match progress.total {
        Some(total) => Some(format!("{} of {total}", progress.done)),
        None if progress.done > 0 => Some(format!("{} done", progress.done)),
        None => None,
    }
}

/// The jobs `resource` loads for `query`, with pagination; `go` takes the
/// query of another page.
#[component]
pub fn JobsTable(
    query: Memo<JobListQuery>,
    resource: LocalResource<Result<JobsLoaded, ApiError>>,
    go: Callback<JobListQuery>,
    /// What to say when a loaded page has no jobs.
    empty: Callback<JobsLoaded, AnyView>,
) -> impl IntoView {
    let paging = paging(query, go, PER_PAGE_CHOICES, "jobs-per-page");
    view! {
        <DataTable
            id="jobs-table"
            caption="Background jobs, newest first; each row opens to show its result and error"
            columns=columns()
            resource
            row=|job: Job| view! { <JobRow job /> }.into_any()
            what="jobs"
            count_noun=("job", "jobs")
            total_id="jobs-total"
            empty
            forbidden="Only admins can see the background jobs."
            paging
        />
    }
}

/// `Queued`, `Running`, `Succeeded`, `Failed` or `Cancelled`, styled by status.
#[component]
pub fn JobStatusBadge(#[prop(into)] status: Signal<JobStatus>) -> impl IntoView {
    view! {
        <span class=move || {
            format!("badge badge-job-{}", status.get().as_str())
        }>{move || status.get().label()}</span>
    }
}

/// A job's progress: a bar with the count when the total is known, else the
/// count; then what it is doing, when it says.
#[component]
fn JobProgressView(job: ReadSignal<Job>) -> impl IntoView {
    move || {
        job.with(|job| {
            let JobProgress {
                done,
                total,
                message,
            } = job.progress.clone();
            let count = progress_count(&job.progress);
            let bar = total.filter(|total| *total > 0).map(|total| {
                let label = format!("Progress of {}", job.kind);
                view! {
                    <progress
                        class="job-progress-bar"
                        value=done.min(total).to_string()
                        max=total.to_string()
                        aria-valuemin="0"
                        aria-valuenow=done.min(total).to_string()
                        aria-valuemax=total.to_string()
                        aria-valuetext=count.clone()
                        aria-label=label
                    ></progress>
                    " "
                }
            });
            let text = match (count, &message) {
                (None, None) => "\u{2014}".to_string(),
                (Some(count), Some(message)) => format!("{count} \u{b7} {message}"),
                (Some(count), None) => count,
                (None, Some(message)) => message.clone(),
            };
            view! {
                {bar}
                <span class="job-progress-text">{text}</span>
            }
        })
    }
}

/// A time cell: local time, the instant as `datetime`; a dash when unset.
fn time_cell(at: Option<DateTime<Utc>>) -> AnyView {
    match at {
        Some(at) => {
            view! { <time datetime=at.to_rfc3339()>{local_timestamp(at)}</time> }.into_any()
        }
        None => "\u{2014}".into_any(),
    }
}

/// Whether refreshing after `error` is pointless: the job is gone, or this
/// person may no longer see it.
fn stops_refreshing(error: &ApiError) -> bool {
    error
        .problem()
        .is_some_and(|p| matches!(p.status, 401 | 403 | 404))
}

/// The job `listed` as it stands: looked at again (see [`next_look`]) until it
/// finishes or the row goes (the timer is cleared and the look in flight
/// aborted). Also answers why the last look failed, if it did.
fn keep_fresh(listed: Job) -> (ReadSignal<Job>, ReadSignal<Option<ApiError>>) {
    let api = Api::expect();
    let id = listed.id;
    let (job, set_job) = signal(listed);
    let (error, set_error) = signal(None::<ApiError>);
    let in_flight = StoredValue::new_local(None::<AbortController>);
    on_cleanup(move || {
        if let Some(controller) = in_flight.try_update_value(Option::take).flatten() {
            controller.abort();
        }
    });
    // Runs again after every look (each sets the job or the error), so one
    // timer at most is waiting; its cleanup clears it.
    let failures = StoredValue::new(0u32);
    Effect::new(move |_| {
        let wait = job.with(|job| next_look(job, Utc::now()));
        let (hopeless, retry_after) = error.with(|error| {
            (
                error.as_ref().is_some_and(stops_refreshing),
                error.as_ref().and_then(ApiError::retry_after),
            )
        });
        let Some(wait) = wait.filter(|_| !hopeless) else {
            return;
        };
        let wait = after_failures(wait, failures.get_value(), retry_after);
        let look = move || {
            let controller = AbortController::new().ok();
            let abort = controller.as_ref().map(AbortController::signal);
            in_flight.try_update_value(|slot| {
                if let Some(previous) = std::mem::replace(slot, controller) {
                    previous.abort();
                }
            });
            spawn_local(async move {
                match api.get_job(id, abort.as_ref()).await {
                    Ok(fresh) => {
                        failures.try_set_value(0);
                        set_error.try_set(None);
                        set_job.try_set(fresh);
                    }
                    Err(ApiError::Aborted) => {}
                    Err(failed) => {
                        failures.try_update_value(|n| *n = n.saturating_add(1));
                        set_error.try_set(Some(failed));
                    }
                }
            });
        };
        if let Ok(handle) = set_timeout_with_handle(look, wait) {
            on_cleanup(move || handle.clear());
        }
    });
    (job, error)
}

/// One job: its row and, below it, its details (shown when opened).
#[component]
fn JobRow(job: Job) -> impl IntoView {
    let job_id = job.id.to_string();
    let details_id = format!("job-{job_id}");
    let toggle_text = format!(
        " of {} created {}",
        job.kind,
        local_timestamp(job.created_at)
    );
    let kind = job.kind.clone();
    let created_at = job.created_at;
    let (job, refresh_error) = keep_fresh(job);
    let expanded = RwSignal::new(false);
    let status = Signal::derive(move || job.with(|job| job.status));
    let refresh_note = move || {
        refresh_error.get().map(|error| {
            let text = if stops_refreshing(&error) {
                format!("Stopped refreshing. {error}")
            } else {
                format!("Could not refresh. {error}")
            };
            view! { <p class="field-error job-refresh-error">{text}</p> }
        })
    };
    view! {
        <tr
            class="job-row"
            class:job-row-expanded=move || expanded.get()
            data-job-id=job_id.clone()
            data-kind=kind.clone()
            data-status=move || status.get().as_str()
        >
            <td class="col-expand">
                <button
                    type="button"
                    class="button button-small expand-button"
                    aria-expanded=move || expanded.get().to_string()
                    aria-controls=details_id.clone()
                    on:click=move |_| expanded.update(|open| *open = !*open)
                >
                    "Details"
                    <span class="visually-hidden">{toggle_text}</span>
                </button>
            </td>
            <td class="col-kind">
                <code>{kind.clone()}</code>
            </td>
            <td class="col-status">
                <JobStatusBadge status />
                {refresh_note}
            </td>
            <td class="col-progress">
                <JobProgressView job />
            </td>
            <td class="col-attempts">
                {move || job.with(|job| format!("{} of {}", job.attempts, job.max_attempts))}
            </td>
            <td class="col-time">{time_cell(Some(created_at))}</td>
            <td class="col-time">{move || job.with(|job| time_cell(job.finished_at))}</td>
        </tr>
        <tr
            class="job-details-row"
            id=details_id
            data-job-id=job_id
            hidden=move || !expanded.get()
        >
            <td colspan=COLUMN_COUNT.to_string()>
                <Show when=move || expanded.get()>
                    <JobDetails job />
                </Show>
            </td>
        </tr>
    }
}

/// Every field of a job, then its result as JSON and its last error.
#[component]
fn JobDetails(job: ReadSignal<Job>) -> impl IntoView {
    let id = job.with_untracked(|job| job.id);
    let result_id = format!("job-{id}-result");
    let result_label = format!("job-{id}-result-label");
    let error_id = format!("job-{id}-error");
    let error_label = format!("job-{id}-error-label");
    let started_by = move || match job.with(|job| job.created_by) {
        Some(user) => view! {
            <a href=Page::User(user, UserTab::Profile).to_string()>
                <code>{user.to_string()}</code>
            </a>
        }
        .into_any(),
        None => "Roster".into_any(),
    };
    let result = move || {
        job.with(|job| match &job.result {
            Some(value) => {
                serde_json::to_string_pretty(value).unwrap_or_else(|_| value.to_string())
            }
            None if is_unfinished(job.status) => "No result yet.".to_string(),
            None => "No result.".to_string(),
        })
    };
    let last_error = move || job.with(|job| job.last_error.clone());
    view! {
        <div class="audit-event job-details">
            <dl class="details">
                <div>
                    <dt>"Job id"</dt>
                    <dd>
                        <code>{id.to_string()}</code>
                    </dd>
                </div>
                <div>
                    <dt>"Kind"</dt>
                    <dd>
                        <code>{move || job.with(|job| job.kind.clone())}</code>
                    </dd>
                </div>
                <div>
                    <dt>"Status"</dt>
                    <dd>
                        <JobStatusBadge status=Signal::derive(move || job.with(|job| job.status)) />
                    </dd>
                </div>
                <div>
                    <dt>"Progress"</dt>
                    <dd>
                        <JobProgressView job />
                    </dd>
                </div>
                <div>
                    <dt>"Attempts"</dt>
                    <dd>
                        {move || job.with(|job| format!("{} of {}", job.attempts, job.max_attempts))}
                    </dd>
                </div>
                <div>
                    <dt>"Started by"</dt>
                    <dd>{started_by}</dd>
                </div>
                <div>
                    <dt>"Created"</dt>
                    <dd>{move || job.with(|job| time_cell(Some(job.created_at)))}</dd>
                </div>
                <div>
                    <dt>"Due"</dt>
                    <dd>{move || job.with(|job| time_cell(Some(job.run_at)))}</dd>
                </div>
                <div>
                    <dt>"Started"</dt>
                    <dd>{move || job.with(|job| time_cell(job.started_at))}</dd>
                </div>
                <div>
                    <dt>"Finished"</dt>
                    <dd>{move || job.with(|job| time_cell(job.finished_at))}</dd>
                </div>
            </dl>
            <p class="audit-json-label" id=result_label.clone()>
                "Result"
            </p>
            // Focusable, so a keyboard can scroll a long document.
            <pre class="audit-json job-result" id=result_id tabindex="0" aria-labelledby=result_label>
                <code>{result}</code>
            </pre>
            <p class="audit-json-label" id=error_label.clone()>
                "Last error"
            </p>
            {move || match last_error() {
                Some(message) => view! {
                    <pre
                        class="audit-json job-error"
                        id=error_id.clone()
                        tabindex="0"
                        aria-labelledby=error_label.clone()
                    >
                        {message}
                    </pre>
                }
                .into_any(),
                None => view! {
                    <p class="job-error" id=error_id.clone()>
                        "None."
                    </p>
                }
                .into_any(),
            }}
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn progress(done: u64, total: Option<u64>) -> JobProgress {
        JobProgress {
            done,
            total,
            message: None,
        }
    }

    #[test]
    fn progress_reads_as_a_fraction_when_the_total_is_known() {
        assert_eq!(
            progress_count(&progress(3, Some(10))).as_deref(),
            Some("3 of 10")
        );
        assert_eq!(
            progress_count(&progress(0, Some(0))).as_deref(),
            Some("0 of 0")
        );
        assert_eq!(
            progress_count(&progress(7, None)).as_deref(),
            Some("7 done")
        );
        assert_eq!(progress_count(&progress(0, None)), None);
    }

    #[test]
    fn failed_looks_back_off_and_keep_to_retry_after() {
        let two = REFRESH_EVERY;
        assert_eq!(after_failures(two, 0, Some(30)), two, "no failure, no wait");
        assert_eq!(after_failures(two, 1, None), two * 2);
        assert_eq!(after_failures(two, 3, None), two * 8);
        assert_eq!(after_failures(two, 30, None), BACK_OFF_AT_MOST);
        assert_eq!(
            after_failures(two, 1, Some(30)),
            Duration::from_secs(30),
            "the server's Retry-After is kept"
        );
        assert_eq!(after_failures(two, 30, Some(120)), Duration::from_secs(120));
    }

    fn job(status: JobStatus, due_in_secs: i64) -> Job {
        let now = DateTime::UNIX_EPOCH;
        Job {
            id: uuid::Uuid::nil(),
            kind: "housekeeping".into(),
            status,
            created_by: None,
            created_at: now,
            run_at: now + chrono::TimeDelta::seconds(due_in_secs),
            started_at: None,
            finished_at: None,
            attempts: 0,
            max_attempts: 5,
            progress: progress(0, None),
            result: None,
            last_error: None,
        }
    }

    #[test]
    fn only_queued_and_running_jobs_are_looked_at_again() {
        let now = DateTime::UNIX_EPOCH;
        let again: Vec<_> = JobStatus::ALL
            .into_iter()
            .filter(|status| next_look(&job(*status, 0), now).is_some())
            .collect();
        assert_eq!(again, [JobStatus::Queued, JobStatus::Running]);
        assert!(again.iter().all(|status| is_unfinished(*status)));
    }

    #[test]
    fn a_job_due_later_is_looked_at_when_it_is_due_and_at_most_half_a_minute_apart() {
        let now = DateTime::UNIX_EPOCH;
        let look = |status, due_in| next_look(&job(status, due_in), now);
        assert_eq!(look(JobStatus::Running, 600), Some(REFRESH_EVERY));
        assert_eq!(look(JobStatus::Queued, -60), Some(REFRESH_EVERY));
        assert_eq!(look(JobStatus::Queued, 1), Some(REFRESH_EVERY));
        assert_eq!(look(JobStatus::Queued, 10), Some(Duration::from_secs(10)));
        assert_eq!(look(JobStatus::Queued, 3600), Some(DUE_LATER_EVERY));
    }
}
