//! Durable background jobs: one `jobs` table and one runner for all background
//! work.
//!
//! - A job is enqueued with [`enqueue`] in the caller's transaction, so the
//!   change and its job commit together or not at all.
//! - Runners on every instance claim due jobs with a lease (`FOR UPDATE SKIP
//!   LOCKED` on PostgreSQL; SQLite serialises writers) and renew it by a
//!   heartbeat while the job runs, so a job may run for an hour; a job whose
//!   instance died is taken over once its lease lapses. The attempt count is
//!   the fencing token: an outcome is recorded only while the claim is still
//!   the runner's.
//! - Recurring work has a row in `job_schedules`; whichever instance advances
//!   it enqueues that slot's job, so it runs once per interval across all
//!   instances.
//! - On shutdown a runner stops claiming, tells running jobs to reach a safe
//!   point, waits a grace period, and releases the leases of the rest.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use futures::future::BoxFuture;
use roster_entity::{job_schedules, jobs};
use roster_types::{Job, JobList, JobListQuery, JobProgress, JobStatus};
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, Order, QueryFilter,
    QueryOrder, QuerySelect, Statement,
};
use serde_json::{Value, json};
use tokio::sync::watch;
use uuid::Uuid;

use super::audit;
use super::context::{Context, Principal, RequestInfo};
use crate::paging::Paging;
use crate::{Actor, Error, Result, Roster};

/// How the runner of one instance behaves.
#[derive(Debug, Clone)]
pub struct RunnerSettings {
    /// Names this instance in `locked_by`.
    pub instance: String,
    /// Pause between looks for due work when there was none.
    pub poll: Duration,
    /// How long a claim holds without a heartbeat.
    pub lease: Duration,
    /// Jobs this instance runs at once.
    pub concurrency: usize,
    /// How long running jobs get to reach a safe point on shutdown.
    pub shutdown_grace: Duration,
}

impl Default for RunnerSettings {
    fn default() -> Self {
        Self {
            instance: format!("roster-{}", &Uuid::now_v7().simple().to_string()[20..]),
            poll: Duration::from_secs(1),
            lease: Duration::from_secs(60),
            concurrency: 4,
            shutdown_grace: Duration::from_secs(20),
        }
    }
}

/// A job to enqueue.
#[derive(Debug, Clone)]
pub struct NewJob {
    pub kind: String,
    pub payload: Value,
    /// Not before this instant (now when unset).
    pub run_at: Option<DateTime<Utc>>,
    /// At most one queued or running job per key.
    pub dedup_key: Option<String>,
    pub max_attempts: i32,
}

impl NewJob {
    pub fn new(kind: impl Into<String>, payload: Value) -> Self {
        Self {
            kind: kind.into(),
            payload,
            run_at: None,
            dedup_key: None,
            max_attempts: 5,
        }
    }

    pub fn at(mut self, run_at: DateTime<Utc>) -> Self {
        self.run_at = Some(run_at);
        self
    }

    pub fn dedup(mut self, key: impl Into<String>) -> Self {
        self.dedup_key = Some(key.into());
        self
    }

    pub fn attempts(mut self, max: i32) -> Self {
        self.max_attempts = Ord::max(max, 1);
        self
    }
}

fn principal_json(ctx: &Context) -> Value {
    match &ctx.principal {
        Principal::Anonymous => json!({ "kind": "anonymous" }),
        Principal::User(actor) => json!({ "kind": "user", "id": actor.user_id }),
        Principal::System { what } => json!({ "kind": "system", "what": what }),
    }
}

/// Enqueues `job` in `db` (the caller's transaction) as `ctx`. Answers its id,
/// or `None` when a job with the same dedup key is already queued or running.
pub async fn enqueue(
    db: &impl ConnectionTrait,
    roster: &Roster,
    ctx: &Context,
    job: NewJob,
) -> Result<Option<Uuid>> {
    let now = roster.now();
    let id = Uuid::now_v7();
    let inserted = jobs::Entity::insert(jobs::ActiveModel {
        id: Set(id),
        kind: Set(job.kind),
        payload: Set(job.payload),
        principal: Set(principal_json(ctx)),
        request_id: Set(ctx.request.request_id.clone()),
        ip: Set(ctx.request.ip.clone()),
        user_agent: Set(ctx.request.user_agent.clone()),
        status: Set(JobStatus::Queued.as_str().to_string()),
        run_at: Set(job.run_at.unwrap_or(now)),
        attempts: Set(0),
        max_attempts: Set(job.max_attempts),
        lease_until: Set(None),
        heartbeat_at: Set(None),
        locked_by: Set(None),
        progress_done: Set(0),
        progress_total: Set(None),
        progress_message: Set(None),
        result: Set(None),
        last_error: Set(None),
        dedup_key: Set(job.dedup_key),
        created_by: Set(ctx.actor_id()),
        created_at: Set(now),
        started_at: Set(None),
        finished_at: Set(None),
    })
    // A dedup key already queued or running is not an error: the work is
    // already on its way.
    .on_conflict(OnConflict::new().do_nothing().to_owned())
    .exec_without_returning(db)
    .await?;
    Ok((inserted > 0).then_some(id))
}

/// What a handler answers.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// Done; the value is the job's result.
    Done(Value),
    /// Stopped at a safe point because the instance is shutting down; the job
    /// goes back to the queue and continues elsewhere.
    Yielded,
}

/// A running job, as its handler sees it.
pub struct JobRun {
    pub roster: Roster,
    /// Who the job runs as, and the request that started it.
    pub ctx: Context,
    pub id: Uuid,
    pub kind: String,
    pub payload: Value,
    pub attempt: i32,
    stopping: watch::Receiver<bool>,
}

impl JobRun {
    /// Whether the instance is shutting down: a handler checks this at its
    /// safe points and answers [`Outcome::Yielded`].
    pub fn should_stop(&self) -> bool {
        *self.stopping.borrow()
    }

    /// Records how far the job has come (shown by `GET /jobs/{id}`).
    pub async fn progress(
        &self,
        done: u64,
        total: Option<u64>,
        message: Option<&str>,
    ) -> Result<()> {
        jobs::Entity::update_many()
            .col_expr(jobs::Column::ProgressDone, Expr::value(done as i64))
            .col_expr(
                jobs::Column::ProgressTotal,
                Expr::value(total.map(|t| t as i64)),
            )
            .col_expr(
                jobs::Column::ProgressMessage,
                Expr::value(message.map(str::to_owned)),
            )
            .filter(jobs::Column::Id.eq(self.id))
            .filter(jobs::Column::Attempts.eq(self.attempt))
            .exec(&self.roster.db)
            .await?;
        Ok(())
    }
}

/// The work of one kind of job.
pub type Handler = Arc<dyn Fn(JobRun) -> BoxFuture<'static, Result<Outcome>> + Send + Sync>;

/// Which handler runs which kind, and what recurs how often.
#[derive(Clone, Default)]
pub struct Registry {
    handlers: HashMap<String, Handler>,
    recurring: Vec<(String, Duration)>,
}

impl Registry {
    pub fn new() -> Self {
        Self::default()
    }

    /// Runs jobs of `kind` with `handler`.
    pub fn handle<F, Fut>(mut self, kind: &str, handler: F) -> Self
    where
        F: Fn(JobRun) -> Fut + Send + Sync + 'static,
        Fut: std::future::Future<Output = Result<Outcome>> + Send + 'static,
    {
        self.handlers.insert(
            kind.to_string(),
            Arc::new(move |run| Box::pin(handler(run))),
        );
        self
    }

    /// Enqueues a job of `kind` once every `interval`, across all instances.
    pub fn every(mut self, kind: &str, interval: Duration) -> Self {
        self.recurring.push((kind.to_string(), interval));
        self
    }
}

/// A started runner.
pub struct Runner {
    stop: Arc<watch::Sender<bool>>,
    task: tokio::task::JoinHandle<()>,
}

/// Tells a runner to stop claiming, from elsewhere (a signal handler).
#[derive(Clone)]
pub struct StopClaiming(Arc<watch::Sender<bool>>);

impl StopClaiming {
    pub fn stop(&self) {
        let _ = self.0.send(true);
    }
}

impl Runner {
    /// Starts the runner of this instance.
    pub fn start(roster: Roster, registry: Registry, settings: RunnerSettings) -> Self {
        let (stop, stopping) = watch::channel(false);
        let task = tokio::spawn(run(roster, registry, settings, stopping));
        Self {
            stop: Arc::new(stop),
            task,
        }
    }

    /// A handle that makes the runner stop claiming (and start its grace
    /// period) at once; [`Self::shutdown`] then waits for the rest.
    pub fn stop_claiming(&self) -> StopClaiming {
        StopClaiming(self.stop.clone())
    }

    /// Stops claiming, lets running jobs reach a safe point within the grace
    /// period, then releases the leases of the rest. Returns once done.
    pub async fn shutdown(self) {
        let _ = self.stop.send(true);
        let _ = self.task.await;
    }

    /// Stops at once, as a crash would: leases stay until they lapse.
    pub fn abort(self) {
        self.task.abort();
    }
}

impl std::fmt::Debug for Runner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Runner")
    }
}

fn sql(backend: DbBackend, postgres: &str) -> String {
    match backend {
        DbBackend::Postgres => postgres.to_string(),
        _ => postgres
            .replace(" FOR UPDATE SKIP LOCKED", "")
            .replace('$', "?"),
    }
}

/// Claims up to `n` due jobs (or jobs whose lease lapsed) for this instance.
async fn claim(
    roster: &Roster,
    settings: &RunnerSettings,
    kinds: &[String],
    n: usize,
) -> Result<Vec<jobs::Model>> {
    let now = roster.now();
    let lease = now + chrono::Duration::from_std(settings.lease).map_err(Error::internal)?;
    let backend = roster.db.get_database_backend();
    // The kinds this runner knows are inlined as literals: they are our own
    // constants, never input.
    let known = kinds
        .iter()
        .map(|k| format!("'{}'", k.replace('\'', "''")))
        .collect::<Vec<_>>()
        .join(", ");
    let stmt = sql(
        backend,
        &format!(
            "UPDATE jobs SET status = 'running', lease_until = $1, heartbeat_at = $2, \
             attempts = attempts + 1, locked_by = $3, started_at = COALESCE(started_at, $2) \
             WHERE id IN (SELECT id FROM jobs WHERE kind IN ({known}) AND \
               ((status = 'queued' AND run_at <= $2) OR (status = 'running' AND lease_until < $2)) \
               ORDER BY run_at LIMIT $4 FOR UPDATE SKIP LOCKED) \
             RETURNING *"
        ),
    );
    Ok(jobs::Entity::find()
        .from_raw_sql(Statement::from_sql_and_values(
            backend,
            stmt,
            [
                lease.into(),
                now.into(),
                settings.instance.clone().into(),
                (n as i64).into(),
            ],
        ))
        .all(&roster.db)
        .await?)
}

/// Only while the claim `attempt` of `id` is still this instance's.
fn fenced(
    update: sea_orm::UpdateMany<jobs::Entity>,
    id: Uuid,
    attempt: i32,
    instance: &str,
) -> sea_orm::UpdateMany<jobs::Entity> {
    update
        .filter(jobs::Column::Id.eq(id))
        .filter(jobs::Column::Attempts.eq(attempt))
        .filter(jobs::Column::Status.eq(JobStatus::Running.as_str()))
        .filter(jobs::Column::LockedBy.eq(instance))
}

/// The pause before retrying a failed job: 5 s doubling, at most an hour.
fn backoff(attempt: i32) -> chrono::Duration {
    let secs = 5i64.saturating_mul(1i64 << attempt.clamp(1, 20).saturating_sub(1));
    chrono::Duration::seconds(Ord::min(secs, 3600))
}

/// Who a job runs as: its principal, with the request that started it.
async fn context_of(roster: &Roster, job: &jobs::Model) -> Result<Context> {
    let request = RequestInfo {
        request_id: job.request_id.clone(),
        ip: job.ip.clone(),
        user_agent: job.user_agent.clone(),
    };
    let principal = match job.principal["kind"].as_str() {
        Some("user") => {
            let id: Uuid = job.principal["id"]
                .as_str()
                .and_then(|s| s.parse().ok())
                .ok_or_else(|| Error::internal("a job's user principal has no id"))?;
            let user = roster_entity::users::Entity::find_by_id(id)
                .one(&roster.db)
                .await?
                .ok_or(Error::Forbidden("the person who started this job is gone"))?;
            if user.status == roster_types::UserStatus::Suspended.as_str() {
                return Err(Error::Forbidden(
                    "the person who started this job is suspended",
                ));
            }
            Principal::User(Actor {
                user_id: id,
                name: crate::users::full_name(&user),
                // Rights as they are now, not as they were at enqueueing.
                roles: crate::users::roles_of(&roster.db, id).await?,
                impersonator: None,
            })
        }
        Some("anonymous") => Principal::Anonymous,
        _ => Principal::System {
            what: job.principal["what"].as_str().unwrap_or("job").to_string(),
        },
    };
    Ok(Context {
        principal,
        session_id: None,
        request,
    })
}

async fn run(
    roster: Roster,
    registry: Registry,
    settings: RunnerSettings,
    mut stopping: watch::Receiver<bool>,
) {
    let registry = Arc::new(registry);
    let kinds: Vec<String> = registry.handlers.keys().cloned().collect();
    let mut running: tokio::task::JoinSet<(Uuid, i32)> = tokio::task::JoinSet::new();
    let mut claims: HashMap<tokio::task::Id, (Uuid, i32)> = HashMap::new();
    let (jobs_stop, _) = watch::channel(false);
    let mut next_slots = HashMap::new();
    loop {
        if *stopping.borrow() {
            break;
        }
        if let Err(error) = schedule_recurring(&roster, &registry, &mut next_slots).await {
            tracing::warn!(error = %error, "cannot schedule recurring jobs; trying again");
        }
        let free = settings.concurrency.saturating_sub(running.len());
        let mut claimed = 0;
        if free > 0 && !kinds.is_empty() {
            match claim(&roster, &settings, &kinds, free).await {
                Ok(jobs) => {
                    claimed = jobs.len();
                    for job in jobs {
                        let (id, attempt) = (job.id, job.attempts);
                        let handle = running.spawn(execute(
                            roster.clone(),
                            registry.clone(),
                            settings.clone(),
                            job,
                            jobs_stop.subscribe(),
                        ));
                        claims.insert(handle.id(), (id, attempt));
                    }
                }
                Err(error) => tracing::warn!(error = %error, "cannot claim jobs; trying again"),
            }
        }
        if claimed > 0 && running.len() < settings.concurrency {
            continue;
        }
        tokio::select! {
            _ = tokio::time::sleep(settings.poll) => {}
            Some(done) = running.join_next_with_id() => {
                let task = match &done { Ok((t, _)) => *t, Err(e) => e.id() };
                claims.remove(&task);
            }
            _ = stopping.changed() => {}
        }
    }
    // Shutdown: no more claims; running jobs are told to stop at a safe point.
    let _ = jobs_stop.send(true);
    let deadline = tokio::time::sleep(settings.shutdown_grace);
    tokio::pin!(deadline);
    while !running.is_empty() {
        tokio::select! {
            Some(done) = running.join_next_with_id() => {
                let task = match &done { Ok((t, _)) => *t, Err(e) => e.id() };
                claims.remove(&task);
            }
            _ = &mut deadline => break,
        }
    }
    running.abort_all();
    while running.join_next().await.is_some() {}
    for (id, attempt) in claims.into_values() {
        if let Err(error) = release(&roster, &settings, id, attempt).await {
            tracing::warn!(job.id = %id, error = %error, "cannot release a job's lease");
        } else {
            tracing::info!(job.id = %id, "job released for another instance");
        }
    }
}

/// Gives a claimed job back to the queue at once, not counting the attempt.
async fn release(roster: &Roster, settings: &RunnerSettings, id: Uuid, attempt: i32) -> Result<()> {
    fenced(jobs::Entity::update_many(), id, attempt, &settings.instance)
        .col_expr(
            jobs::Column::Status,
            Expr::value(JobStatus::Queued.as_str()),
        )
        .col_expr(
            jobs::Column::LeaseUntil,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .col_expr(jobs::Column::LockedBy, Expr::value(Option::<String>::None))
        .col_expr(jobs::Column::RunAt, Expr::value(roster.now()))
        .col_expr(
            jobs::Column::MaxAttempts,
            Expr::col(jobs::Column::MaxAttempts).add(1),
        )
        .exec(&roster.db)
        .await?;
    Ok(())
}

/// Advances the schedule of every recurring kind that is due, enqueueing its
/// job in the same transaction: only the instance whose update took the slot
/// enqueues. `next` remembers when each kind is due, so that polling does not
/// touch the schedule between slots.
async fn schedule_recurring(
    roster: &Roster,
    registry: &Registry,
    next: &mut HashMap<String, DateTime<Utc>>,
) -> Result<()> {
    for (kind, interval) in &registry.recurring {
        let now = roster.now();
        if next.get(kind).is_some_and(|due| *due > now) {
            continue;
        }
        let interval = chrono::Duration::from_std(*interval).map_err(Error::internal)?;
        job_schedules::Entity::insert(job_schedules::ActiveModel {
            kind: Set(kind.clone()),
            next_run_at: Set(now),
        })
        .on_conflict(OnConflict::new().do_nothing().to_owned())
        .exec_without_returning(&roster.db)
        .await?;
        let txn = roster.write_txn().await?;
        let took = job_schedules::Entity::update_many()
            .col_expr(
                job_schedules::Column::NextRunAt,
                Expr::value(now + interval),
            )
            .filter(job_schedules::Column::Kind.eq(kind.as_str()))
            .filter(job_schedules::Column::NextRunAt.lte(now))
            .exec(&txn)
            .await?;
        if took.rows_affected == 1 {
            let ctx = Context::system(kind.clone());
            enqueue(
                &txn,
                roster,
                &ctx,
                NewJob::new(kind.clone(), json!({})).dedup(kind.clone()),
            )
            .await?;
        }
        let due = job_schedules::Entity::find_by_id(kind.clone())
            .one(&txn)
            .await?
            .map_or(now + interval, |s| s.next_run_at);
        txn.commit().await?;
        next.insert(kind.clone(), due);
    }
    Ok(())
}

/// Runs one claimed job to its outcome, renewing its lease meanwhile.
async fn execute(
    roster: Roster,
    registry: Arc<Registry>,
    settings: RunnerSettings,
    job: jobs::Model,
    stopping: watch::Receiver<bool>,
) -> (Uuid, i32) {
    use tracing::Instrument;
    let (id, attempt) = (job.id, job.attempts);
    let span = tracing::info_span!(
        "job",
        job.id = %id,
        job.kind = %job.kind,
        attempt,
        request_id = job.request_id.as_deref().unwrap_or("")
    );
    let outcome = run_one(&roster, &registry, &settings, job, stopping)
        .instrument(span)
        .await;
    if let Err(error) = record_outcome(&roster, &settings, id, attempt, outcome).await {
        tracing::warn!(job.id = %id, error = %error, "cannot record a job's outcome");
    }
    (id, attempt)
}

/// What became of one run.
enum Ran {
    Finished(Result<Outcome>),
    /// Another instance holds the job now: record nothing.
    LeaseLost,
    /// Tried too often (its instances kept dying).
    GaveUp,
}

async fn run_one(
    roster: &Roster,
    registry: &Registry,
    settings: &RunnerSettings,
    job: jobs::Model,
    stopping: watch::Receiver<bool>,
) -> Ran {
    if job.attempts > job.max_attempts {
        return Ran::GaveUp;
    }
    let Some(handler) = registry.handlers.get(&job.kind).cloned() else {
        return Ran::Finished(Err(Error::internal(format!("no handler for {}", job.kind))));
    };
    let ctx = match context_of(roster, &job).await {
        Ok(ctx) => ctx,
        Err(e) => return Ran::Finished(Err(e)),
    };
    let run = JobRun {
        roster: roster.clone(),
        ctx,
        id: job.id,
        kind: job.kind.clone(),
        payload: job.payload.clone(),
        attempt: job.attempts,
        stopping,
    };
    /// Aborts the handler's task when dropped: when this run is aborted (the
    /// grace period is over) or gives up the job (the lease is lost), the
    /// handler must stop too, not go on detached beside the next owner.
    struct AbortOnDrop<T>(tokio::task::JoinHandle<T>);
    impl<T> Drop for AbortOnDrop<T> {
        fn drop(&mut self) {
            self.0.abort();
        }
    }
    // The handler runs in a task of its own, so a panic is an error of this
    // job and not of the runner.
    // In the job's span, so the handler's log lines name the job and request.
    let mut work = AbortOnDrop(tokio::spawn(tracing::Instrument::in_current_span(handler(
        run,
    ))));
    let beat = (settings.lease / 3).max(Duration::from_millis(50));
    let mut held_until = job.lease_until.unwrap_or_else(|| roster.now());
    loop {
        tokio::select! {
            done = &mut work.0 => {
                return Ran::Finished(match done {
                    Ok(result) => result,
                    Err(e) if e.is_panic() => Err(Error::internal("the job panicked")),
                    Err(e) => Err(Error::internal(e)),
                });
            }
            _ = tokio::time::sleep(beat) => {
                match heartbeat(roster, settings, job.id, job.attempts).await {
                    Ok(Some(until)) => held_until = until,
                    Ok(None) => {
                        tracing::warn!(job.id = %job.id, "lease lost; another instance has the job");
                        return Ran::LeaseLost;
                    }
                    Err(error) => {
                        tracing::warn!(job.id = %job.id, error = %error, "heartbeat failed");
                        // Without a renewal the lease runs out, and another
                        // instance may take the job over: stop before that.
                        if roster.now() >= held_until {
                            return Ran::LeaseLost;
                        }
                    }
                }
            }
        }
    }
}

/// Renews the lease; answers until when it holds, or `None` when the claim is
/// no longer ours.
async fn heartbeat(
    roster: &Roster,
    settings: &RunnerSettings,
    id: Uuid,
    attempt: i32,
) -> Result<Option<DateTime<Utc>>> {
    let now = roster.now();
    let lease = now + chrono::Duration::from_std(settings.lease).map_err(Error::internal)?;
    let renewed = fenced(jobs::Entity::update_many(), id, attempt, &settings.instance)
        .col_expr(jobs::Column::LeaseUntil, Expr::value(lease))
        .col_expr(jobs::Column::HeartbeatAt, Expr::value(now))
        .exec(&roster.db)
        .await?;
    Ok((renewed.rows_affected == 1).then_some(lease))
}

async fn record_outcome(
    roster: &Roster,
    settings: &RunnerSettings,
    id: Uuid,
    attempt: i32,
    ran: Ran,
) -> Result<()> {
    let now = roster.now();
    let none_ts = Option::<DateTime<Utc>>::None;
    let update = fenced(jobs::Entity::update_many(), id, attempt, &settings.instance)
        .col_expr(jobs::Column::LeaseUntil, Expr::value(none_ts))
        .col_expr(jobs::Column::LockedBy, Expr::value(Option::<String>::None));
    let update = match ran {
        Ran::LeaseLost => return Ok(()),
        Ran::Finished(Ok(Outcome::Yielded)) => return release(roster, settings, id, attempt).await,
        Ran::Finished(Ok(Outcome::Done(result))) => {
            tracing::info!(job.id = %id, "job succeeded");
            update
                .col_expr(
                    jobs::Column::Status,
                    Expr::value(JobStatus::Succeeded.as_str()),
                )
                .col_expr(jobs::Column::Result, Expr::value(result))
                .col_expr(jobs::Column::FinishedAt, Expr::value(now))
        }
        Ran::GaveUp => update
            .col_expr(
                jobs::Column::Status,
                Expr::value(JobStatus::Failed.as_str()),
            )
            .col_expr(
                jobs::Column::LastError,
                Expr::value("Given up: the instances running it kept stopping."),
            )
            .col_expr(jobs::Column::FinishedAt, Expr::value(now)),
        Ran::Finished(Err(error)) => {
            let job = jobs::Entity::find_by_id(id).one(&roster.db).await?;
            let max = job.map_or(1, |j| j.max_attempts);
            let message: String = error.to_string().chars().take(500).collect();
            // A refusal will not change by trying again.
            let permanent = matches!(error, Error::Forbidden(_) | Error::Validation(_));
            tracing::warn!(job.id = %id, attempt, error = %message, "job failed");
            let update = update.col_expr(jobs::Column::LastError, Expr::value(message));
            if permanent || attempt >= max {
                update
                    .col_expr(
                        jobs::Column::Status,
                        Expr::value(JobStatus::Failed.as_str()),
                    )
                    .col_expr(jobs::Column::FinishedAt, Expr::value(now))
            } else {
                update
                    .col_expr(
                        jobs::Column::Status,
                        Expr::value(JobStatus::Queued.as_str()),
                    )
                    .col_expr(jobs::Column::RunAt, Expr::value(now + backoff(attempt)))
            }
        }
    };
    update.exec(&roster.db).await?;
    Ok(())
}

fn to_dto(m: jobs::Model) -> Result<Job> {
    let status = JobStatus::parse(&m.status)
        .ok_or_else(|| Error::internal(format!("job {} has status {:?}", m.id, m.status)))?;
    Ok(Job {
        id: m.id,
        kind: m.kind,
        status,
        created_by: m.created_by,
        created_at: m.created_at,
        run_at: m.run_at,
        started_at: m.started_at,
        finished_at: m.finished_at,
        attempts: m.attempts,
        max_attempts: m.max_attempts,
        progress: JobProgress {
            done: u64::try_from(m.progress_done).unwrap_or(0),
            total: m.progress_total.and_then(|t| u64::try_from(t).ok()),
            message: m.progress_message,
        },
        result: m.result,
        last_error: m.last_error,
    })
}

/// `GET /jobs/{id}`: whoever started it, or an admin. Anyone else is told it
/// does not exist.
pub async fn get(roster: &Roster, ctx: &Context, id: Uuid) -> Result<Job> {
    let actor = ctx.actor()?;
    let job = jobs::Entity::find_by_id(id)
        .one(&roster.db)
        .await?
        .ok_or(Error::NotFound("job"))?;
    if !actor.is_admin() && job.created_by != Some(actor.user_id) {
        return Err(Error::NotFound("job"));
    }
    to_dto(job)
}

/// `GET /jobs` (admins): newest first.
pub async fn list(roster: &Roster, ctx: &Context, query: &JobListQuery) -> Result<JobList> {
    let allowed = ctx
        .actor()
        .and_then(|a| a.require_admin_for("only admins may list background jobs"));
    audit::refusals(roster, ctx, "job.listed", None, allowed).await?;
    let paging = Paging::new(query.page, query.per_page);
    let mut select = jobs::Entity::find();
    if let Some(kind) = &query.kind {
        select = select.filter(jobs::Column::Kind.eq(kind.as_str()));
    }
    if let Some(status) = query.status {
        select = select.filter(jobs::Column::Status.eq(status.as_str()));
    }
    let total = crate::counting::total(&roster.db, select.clone()).await?;
    let rows = select
        .order_by(jobs::Column::CreatedAt, Order::Desc)
        .order_by(jobs::Column::Id, Order::Desc)
        .offset(paging.offset())
        .limit(paging.limit())
        .all(&roster.db)
        .await?;
    let items = rows.into_iter().map(to_dto).collect::<Result<_>>()?;
    Ok(paging.page_of(items, total))
}

/// Deletes finished jobs older than `age` (housekeeping); answers how many.
pub(crate) async fn forget_finished(roster: &Roster, age: chrono::Duration) -> Result<u64> {
    Ok(jobs::Entity::delete_many()
        .filter(jobs::Column::Status.is_in([
            JobStatus::Succeeded.as_str(),
            JobStatus::Failed.as_str(),
            JobStatus::Cancelled.as_str(),
        ]))
        .filter(jobs::Column::FinishedAt.lt(roster.now() - age))
        .exec(&roster.db)
        .await?
        .rows_affected)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_stops_at_an_hour() {
        assert_eq!(backoff(1), chrono::Duration::seconds(5));
        assert_eq!(backoff(2), chrono::Duration::seconds(10));
        assert_eq!(backoff(30), chrono::Duration::seconds(3600));
    }
}
