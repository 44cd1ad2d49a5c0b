//! Two platform benchmarks, each printing figures:
//!
//! - `audit`: what the audit trail costs user creation. Two applications with
//!   fresh databases, one whose domain writes audit events and one whose does
//!   not (`Roster::without_audit_trail_for_benchmarks`); users are created by
//!   calling the domain directly (not over HTTP, as the HTTP app builds its own
//!   `Roster`), one at a time and then by concurrent tasks, the two variants
//!   interleaved in rounds (ABBA) so machine noise hits both alike. Prints
//!   users per second, p50/p95 per create, and the overhead (the issue's
//!   target: audited writes at most 20% slower). Each create also queues a
//!   welcome email and a mail job, in both variants; their delivery is held
//!   back during the measurement unless `--deliver` is given.
//! - `signin`: a sign-in storm on one application over HTTP, with production
//!   argon2id cost (19 MiB, 2 passes) and the default hashing pool (one thread
//!   per core, eight queued per thread). Each round fires N parallel sign-ins,
//!   each from its own `X-Forwarded-For` address (one in five the admin with
//!   the right password, the rest unknown emails), while a loop of
//!   `GET /healthz` and `GET /api/v1/users` measures other requests; prints
//!   sign-in outcomes by status, wall time, p50/p99 of the other requests
//!   against a baseline taken just before, and the process's RSS (the
//!   application runs in this process, so its memory is this process's).
//!
//! `cargo run --release -p roster-tests --bin bench-platform -- [--part
//! audit|signin|all] [--users N] [--concurrency N] [--deliver] [--storm N]
//! [--rounds N]`; PostgreSQL when `DATABASE_URL` is set to one, else SQLite.
//! Asserts nothing beyond sanity (the baseline really wrote no audit events).
//!
//! RSS depends on the allocator: glibc raises its mmap threshold after the
//! first 19 MiB block is freed and then keeps freed blocks in its heaps; run
//! with `MALLOC_MMAP_THRESHOLD_=131072` to compare (the settings in force are
//! printed).

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use roster_domain::{Context, Roster};
use roster_entity::audit_events;
use roster_tests::{ADMIN_EMAIL, ADMIN_PASSWORD, spawn_app_with};
use roster_types::{CreateUserRequest, Role};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};

fn arg(name: &str, default: usize) -> usize {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn arg_str(name: &str, default: &str) -> String {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .cloned()
        .unwrap_or_else(|| default.to_string())
}

fn flag(name: &str) -> bool {
    std::env::args().any(|a| a == name)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let idx = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[idx.min(sorted.len() - 1)]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

#[tokio::main]
async fn main() {
    let part = arg_str("--part", "all");
    if !["audit", "audit-read", "signin", "all"].contains(&part.as_str()) {
        eprintln!("--part is audit, audit-read, signin or all");
        std::process::exit(2);
    }
    if part == "audit" || part == "all" {
        audit_trail_cost(
            arg("--users", 2_000).max(1),
            arg("--concurrency", 8).max(1),
            flag("--deliver"),
        )
        .await;
    }
    if part == "audit-read" || part == "all" {
        audit_reads(arg("--events", 1_000_000).max(1)).await;
    }
    if part == "signin" || part == "all" {
        sign_in_storm(arg("--storm", 100).max(1), arg("--rounds", 4).max(1)).await;
    }
}

// ---------------------------------------------------------------------------
// Part 1b: reading the trail when it holds millions of events.

/// Seeds `events` audit events (inserted directly, 500 a statement: this
/// measures reading, not writing), spread over a year, by 1,000 actors about
/// 20,000 people, 2% of them refusals or errors; then times the admin's list
/// (page 1 and a deep page, with its total) under each filter the API offers,
/// and prints the exact count beside the total (`~`: estimated).
async fn audit_reads(events: usize) {
    use chrono::{Duration as Span, Utc};
    use roster_types::{AuditEventQuery, AuditOutcome};
    use sea_orm::ActiveValue::Set;

    let app = spawn_app_with(|_| {}).await;
    let roster = app.roster.clone();
    let admin = admin_actor(&roster).await;
    let backend = roster_domain::db::backend_name(&roster.db);
    let actors: Vec<uuid::Uuid> = (0..1_000).map(|_| uuid::Uuid::now_v7()).collect();
    let subjects: Vec<uuid::Uuid> = (0..20_000).map(|_| uuid::Uuid::now_v7()).collect();
    const ACTIONS: [&str; 8] = [
        "auth.signed_in",
        "auth.sign_in_failed",
        "user.created",
        "user.updated",
        "user.invitation_sent",
        "team.member_added",
        "team.created",
        "auth.signed_out",
    ];
    let start = Utc::now() - Span::days(365);
    let step_ms = (365 * 24 * 3600 * 1000 / events as i64).max(1);
    let seeding = Instant::now();
    let mut rng_state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move || {
        // xorshift: reproducible, and no dependency for a benchmark.
        rng_state ^= rng_state << 13;
        rng_state ^= rng_state >> 7;
        rng_state ^= rng_state << 17;
        rng_state
    };
    let mut probe = (uuid::Uuid::nil(), uuid::Uuid::nil(), String::new());
    for chunk_start in (0..events).step_by(500) {
        let rows: Vec<audit_events::ActiveModel> = (chunk_start..events.min(chunk_start + 500))
            .map(|i| {
                let r = next();
                let actor = actors[(r % 1_000) as usize];
                let subject = subjects[((r >> 10) % 20_000) as usize];
                let outcome = match (r >> 30) % 100 {
                    0 | 1 => AuditOutcome::Refused,
                    2 => AuditOutcome::Error,
                    _ => AuditOutcome::Success,
                };
                let request_id = format!("req-{i:08}");
                if i == events / 2 {
                    probe = (actor, subject, request_id.clone());
                }
                audit_events::ActiveModel {
                    id: Set(uuid::Uuid::now_v7()),
                    occurred_at: Set(start + Span::milliseconds(step_ms * i as i64)),
                    action: Set(ACTIONS[((r >> 20) % 8) as usize].to_string()),
                    outcome: Set(outcome.as_str().to_string()),
                    actor_id: Set(Some(actor)),
                    actor_name: Set("Bench Actor".into()),
                    impersonator_id: Set(None),
                    session_id: Set(Some(uuid::Uuid::now_v7())),
                    target_type: Set(Some("user".into())),
                    target_id: Set(Some(subject.to_string())),
                    target_name: Set(Some("Bench Person".into())),
                    subject_user_id: Set(Some(subject)),
                    request_id: Set(Some(request_id)),
                    ip: Set(Some("203.0.113.7".into())),
                    user_agent: Set(Some("bench".into())),
                    details: Set(serde_json::json!({"n": i})),
                }
            })
            .collect();
        audit_events::Entity::insert_many(rows)
            .exec_without_returning(&roster.db)
            .await
            .expect("events seeded");
    }
    if backend == "PostgreSQL" {
        // What autovacuum does soon after a bulk load; the planner's choices
        // and estimates depend on it.
        use sea_orm::ConnectionTrait;
        roster
            .db
            .execute_unprepared("ANALYZE audit_events")
            .await
            .expect("analysed");
    }
    println!(
        "\n== audit trail reads ({backend}, {events} events seeded in {:.1} s) ==",
        seeding.elapsed().as_secs_f64()
    );
    let (actor, subject, request_id) = probe;
    let mid = start + Span::days(180);
    let cases: Vec<(&str, AuditEventQuery)> = vec![
        ("no filter", AuditEventQuery::default()),
        (
            "actor_id",
            AuditEventQuery {
                actor_id: Some(actor),
                ..Default::default()
            },
        ),
        (
            "target_user_id",
            AuditEventQuery {
                target_user_id: Some(subject),
                ..Default::default()
            },
        ),
        (
            "action (exact)",
            AuditEventQuery {
                action: Some("user.created".into()),
                ..Default::default()
            },
        ),
        (
            "action (prefix user.)",
            AuditEventQuery {
                action: Some("user.".into()),
                ..Default::default()
            },
        ),
        (
            "outcome=refused",
            AuditEventQuery {
                outcome: Some(AuditOutcome::Refused),
                ..Default::default()
            },
        ),
        (
            "request_id",
            AuditEventQuery {
                request_id: Some(request_id),
                ..Default::default()
            },
        ),
        (
            "one day (from/to)",
            AuditEventQuery {
                from: Some(mid),
                to: Some(mid + Span::days(1)),
                ..Default::default()
            },
        ),
        (
            "actor_id + action prefix",
            AuditEventQuery {
                actor_id: Some(actor),
                action: Some("auth.".into()),
                ..Default::default()
            },
        ),
    ];
    println!(
        "{:<26} {:>10} {:>10} {:>12} {:>12}",
        "filter", "total", "exact", "page 1 ms", "page 200 ms"
    );
    for (name, query) in cases {
        let mut timings = Vec::new();
        let mut total = String::new();
        for page in [1, 200] {
            let query = AuditEventQuery {
                page: Some(page),
                ..query.clone()
            };
            let mut runs = Vec::new();
            for _ in 0..3 {
                let t = Instant::now();
                let list = roster_domain::audit::list(&roster, &admin, &query)
                    .await
                    .expect("listed");
                runs.push(t.elapsed());
                let about = if list.page.total_is_estimate { "~" } else { "" };
                total = format!("{about}{}", list.page.total);
            }
            runs.sort();
            timings.push(percentile(&runs, 0.5));
        }
        // What an exact count says, for the estimate's error (not timed).
        let exact = roster_domain::audit::count_exactly(&roster, &query)
            .await
            .expect("counted");
        println!(
            "{name:<26} {total:>10} {exact:>10} {:>12.1} {:>12.1}",
            ms(timings[0]),
            ms(timings[1])
        );
    }
}

// ---------------------------------------------------------------------------
// Part 1: the audit trail's cost on user creation.

/// One side of the comparison: a roster, its admin, and the next user number.
struct Variant {
    name: &'static str,
    roster: Roster,
    ctx: Context,
    tag: &'static str,
    next: usize,
}

/// What one mode (a concurrency) measured for one variant.
#[derive(Default)]
struct Measured {
    latencies: Vec<Duration>,
    wall: Duration,
}

impl Measured {
    fn users_per_sec(&self) -> f64 {
        self.latencies.len() as f64 / self.wall.as_secs_f64()
    }
}

/// The admin's context on `roster`, as `tests/tests/mail.rs` obtains it.
async fn admin_actor(roster: &Roster) -> Context {
    let session = roster_domain::auth::login(
        roster,
        &Context::anonymous(Default::default()),
        ADMIN_EMAIL,
        ADMIN_PASSWORD,
    )
    .await
    .expect("the admin signs in");
    roster_domain::auth::authenticate(roster, &session.access_token, Default::default())
        .await
        .expect("the admin's token is accepted")
}

async fn create_one(roster: &Roster, ctx: &Context, email: String) -> Duration {
    let req = CreateUserRequest {
        first_name: "Bench".into(),
        last_name: "Person".into(),
        email,
        roles: vec![Role::Learner],
        teams: vec![],
    };
    let started = Instant::now();
    roster_domain::users::create(roster, ctx, &req)
        .await
        .expect("the user is created");
    started.elapsed()
}

/// Creates `count` users with `variant`, `concurrency` at a time; answers each
/// create's latency and the batch's wall time.
async fn batch(
    variant: &mut Variant,
    count: usize,
    concurrency: usize,
) -> (Vec<Duration>, Duration) {
    let first = variant.next;
    variant.next += count;
    let tag = variant.tag;
    let started = Instant::now();
    if concurrency <= 1 {
        let mut times = Vec::with_capacity(count);
        for i in first..first + count {
            let email = format!("{tag}-{i}@bench.example.com");
            times.push(create_one(&variant.roster, &variant.ctx, email).await);
        }
        return (times, started.elapsed());
    }
    let next = Arc::new(AtomicUsize::new(first));
    let mut tasks = Vec::with_capacity(concurrency);
    for _ in 0..concurrency {
        let (roster, ctx, next) = (variant.roster.clone(), variant.ctx.clone(), next.clone());
        tasks.push(tokio::spawn(async move {
            let mut times = Vec::new();
            loop {
                let i = next.fetch_add(1, Ordering::SeqCst);
                if i >= first + count {
                    return times;
                }
                let email = format!("{tag}-{i}@bench.example.com");
                times.push(create_one(&roster, &ctx, email).await);
            }
        }));
    }
    let mut times = Vec::with_capacity(count);
    for t in tasks {
        times.extend(t.await.expect("creating task"));
    }
    (times, started.elapsed())
}

/// Audit events in `roster`'s database: all of them, and `user.created` ones.
async fn events(roster: &Roster) -> (u64, u64) {
    let all = audit_events::Entity::find()
        .count(&roster.db)
        .await
        .expect("audit events counted");
    let created = audit_events::Entity::find()
        .filter(audit_events::Column::Action.eq("user.created"))
        .count(&roster.db)
        .await
        .expect("audit events counted");
    (all, created)
}

async fn audit_trail_cost(users: usize, concurrency: usize, deliver: bool) {
    // User creation hashes nothing, so the tests' cheap argon2 settings (only
    // the admin's sign-in hashes) keep the figures about the writes. Without
    // `--deliver` the job runner looks for due work once an hour, so the
    // welcome emails stay queued instead of being sent (by either app, on the
    // same two cores) in the middle of the other variant's batch.
    let tweak = move |c: &mut roster_api::config::Config| {
        c.mail_poll_ms = if deliver { 1_000 } else { 3_600_000 };
    };
    let app = spawn_app_with(tweak).await;
    let app2 = spawn_app_with(tweak).await;
    let backend = roster_domain::db::backend_name(&app.roster.db);

    let audited = app.roster.clone();
    let baseline = app2.roster.clone().without_audit_trail_for_benchmarks();
    let mut variants = [
        Variant {
            name: "audited",
            ctx: admin_actor(&audited).await,
            roster: audited,
            tag: "audited",
            next: 0,
        },
        Variant {
            name: "no audit",
            ctx: admin_actor(&baseline).await,
            roster: baseline,
            tag: "plain",
            next: 0,
        },
    ];
    // Start-up and the admin's sign-in wrote events of their own.
    let before = [
        events(&variants[0].roster).await,
        events(&variants[1].roster).await,
    ];
    // Warm-up: connections, statement caches, the first pages of the tables.
    for v in variants.iter_mut() {
        batch(v, 50, 1).await;
    }

    let rounds = users.clamp(1, 10);
    let per_round = users.div_ceil(rounds);
    println!(
        "\n== {backend}: audit-trail cost of creating users (domain calls, no HTTP) ==\n\
         {users} users per variant and mode, in {rounds} rounds of {per_round}, \
         the variants alternating (ABBA); welcome emails {}",
        if deliver {
            "delivered meanwhile (--deliver)"
        } else {
            "queued, not delivered during the measurement"
        }
    );
    println!(
        "{:<16} {:<9} {:>7} {:>9} {:>9} {:>9}",
        "mode", "variant", "users", "users/s", "p50", "p95"
    );
    let modes = if concurrency > 1 {
        vec![1, concurrency]
    } else {
        vec![1]
    };
    let mut verdicts = Vec::new();
    for &c in &modes {
        let mut measured: [Measured; 2] = Default::default();
        let mut left = users;
        // Per round: how much longer the audited batch took than the other.
        let mut ratios = Vec::with_capacity(rounds);
        for round in 0..rounds {
            let n = per_round.min(left);
            left -= n;
            if n == 0 {
                break;
            }
            let order = if round % 2 == 0 { [0, 1] } else { [1, 0] };
            let mut walls = [Duration::ZERO; 2];
            for i in order {
                let (times, wall) = batch(&mut variants[i], n, c).await;
                measured[i].latencies.extend(times);
                measured[i].wall += wall;
                walls[i] = wall;
            }
            ratios.push(walls[0].as_secs_f64() / walls[1].as_secs_f64() - 1.0);
        }
        ratios.sort_by(f64::total_cmp);
        let mode = if c == 1 {
            "sequential".to_string()
        } else {
            format!("concurrency {c}")
        };
        for (v, m) in variants.iter().zip(measured.iter_mut()) {
            m.latencies.sort();
            println!(
                "{:<16} {:<9} {:>7} {:>9.0} {:>7.2}ms {:>7.2}ms",
                mode,
                v.name,
                m.latencies.len(),
                m.users_per_sec(),
                ms(percentile(&m.latencies, 0.5)),
                ms(percentile(&m.latencies, 0.95)),
            );
        }
        let [a, b] = &measured;
        // How much longer a user takes with the trail: throughput, and p50/p95.
        let slower = b.users_per_sec() / a.users_per_sec() - 1.0;
        let p50 = ms(percentile(&a.latencies, 0.5)) / ms(percentile(&b.latencies, 0.5)) - 1.0;
        let p95 = ms(percentile(&a.latencies, 0.95)) / ms(percentile(&b.latencies, 0.95)) - 1.0;
        println!(
            "{:<16} {:<9} {:>7} {:>+8.1}% {:>+8.1}% {:>+8.1}%",
            mode,
            "overhead",
            "",
            slower * 100.0,
            p50 * 100.0,
            p95 * 100.0
        );
        println!(
            "{:<16} {:<9} per round: median {:+.1}%, from {:+.1}% to {:+.1}% ({} rounds)",
            mode,
            "overhead",
            ratios[ratios.len() / 2] * 100.0,
            ratios[0] * 100.0,
            ratios[ratios.len() - 1] * 100.0,
            ratios.len()
        );
        verdicts.push((mode, slower));
    }
    for (mode, slower) in verdicts {
        println!(
            "{mode}: audited creates take {:+.1}% the time of unaudited ones (by throughput); \
             target at most +20%: {}",
            slower * 100.0,
            if slower <= 0.20 { "met" } else { "NOT met" }
        );
    }
    let after = [
        events(&variants[0].roster).await,
        events(&variants[1].roster).await,
    ];
    let written = |i: usize| (after[i].0 - before[i].0, after[i].1 - before[i].1);
    let ((all, created), (all_plain, created_plain)) = (written(0), written(1));
    println!(
        "audit events written by the benchmark ({} users a side, warm-up included): \
         audited database {all} ({created} user.created, {:.1} a user), \
         baseline database {all_plain} ({created_plain} user.created)",
        variants[0].next,
        all as f64 / variants[0].next as f64
    );
    assert_eq!(all_plain, 0, "the baseline wrote no audit events");
    assert_eq!(
        created as usize, variants[0].next,
        "the audited side wrote one user.created per user"
    );
}

// ---------------------------------------------------------------------------
// Part 2: a sign-in storm.

/// `VmRSS` and `VmHWM` of this process, in KiB.
fn memory() -> (u64, u64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

/// Resets `VmHWM` to the current RSS, so the next round's peak is its own.
fn reset_peak() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}

/// Latencies of the "other requests" loop, by endpoint.
#[derive(Default)]
struct Others {
    healthz: Vec<Duration>,
    users: Vec<Duration>,
    failed: usize,
}

/// `GET /healthz` then `GET /api/v1/users`, again and again, until `stop` is
/// set or `pairs` pairs are done.
async fn other_requests(
    client: reqwest::Client,
    base: String,
    token: String,
    stop: Arc<AtomicBool>,
    pairs: usize,
) -> Others {
    let mut out = Others::default();
    let (healthz, users) = (format!("{base}/healthz"), format!("{base}/api/v1/users"));
    for _ in 0..pairs {
        if stop.load(Ordering::SeqCst) {
            break;
        }
        for (url, times) in [(&healthz, &mut out.healthz), (&users, &mut out.users)] {
            let sent = Instant::now();
            match client.get(url).bearer_auth(&token).send().await {
                Ok(res) if res.status() == 200 => {
                    let _ = res.bytes().await;
                    times.push(sent.elapsed());
                }
                _ => out.failed += 1,
            }
        }
    }
    out.healthz.sort();
    out.users.sort();
    out
}

/// One sign-in of the storm: its status, latency, and whether it was the admin's.
async fn sign_in(
    client: reqwest::Client,
    url: String,
    ip: String,
    admin: bool,
    email: String,
) -> (u16, Duration, bool) {
    let password = if admin {
        ADMIN_PASSWORD
    } else {
        "a-wrong-password-1"
    };
    let sent = Instant::now();
    let status = match client
        .post(&url)
        .header("x-forwarded-for", ip)
        .json(&serde_json::json!({ "email": email, "password": password }))
        .send()
        .await
    {
        Ok(res) => {
            let status = res.status().as_u16();
            let _ = res.bytes().await;
            status
        }
        Err(_) => 0,
    };
    (status, sent.elapsed(), admin)
}

async fn sign_in_storm(storm: usize, rounds: usize) {
    let app = spawn_app_with(|c| {
        c.password_hash_memory_kib = 19_456;
        c.password_hash_iterations = 2;
        c.password_hash_threads = None;
        c.password_hash_queue = None;
        c.workers = None;
        c.trust_proxy_headers = true;
        c.mail_poll_ms = 1_000;
    })
    .await;
    let backend = roster_domain::db::backend_name(&app.roster.db);
    let hashing = app.roster.auth.hashing;
    let params = app.roster.auth.password_params;
    let token = app.admin_token().await;
    let storm_client = reqwest::Client::new();
    let login_url = app.url("/api/v1/auth/login");
    let admins = storm.div_ceil(5);
    println!(
        "\n== {backend}: sign-in storm over HTTP ==\n\
         argon2id {} KiB x {} passes; hashing pool {} thread(s), queue {}; \
         {storm} parallel sign-ins a round ({admins} admin with the right password, \
         {} unknown emails with a wrong one), each from its own X-Forwarded-For address.\n\
         Memory is this process's (the application runs in it, with the \
         benchmark's clients); the peak (VmHWM) is reset before each round{}.",
        params.memory_kib,
        params.iterations,
        hashing.threads,
        hashing.queue,
        storm - admins,
        if reset_peak() {
            ""
        } else {
            " -- NOT possible here, so it is the process's lifetime peak"
        }
    );
    let malloc: Vec<String> = std::env::vars()
        .filter(|(k, _)| k.starts_with("MALLOC_"))
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    println!(
        "allocator settings: {}",
        if malloc.is_empty() {
            "glibc defaults (no MALLOC_* variables)".to_string()
        } else {
            malloc.join(" ")
        }
    );
    let (rss, hwm) = memory();
    println!(
        "RSS after start-up and the admin's sign-in: {:.1} MiB (peak {:.1} MiB)",
        mib(rss),
        mib(hwm)
    );

    let mut after_rounds = Vec::new();
    for round in 1..=rounds {
        // The baseline: the same loop with no storm.
        let baseline = other_requests(
            app.client.clone(),
            app.address.clone(),
            token.clone(),
            Arc::new(AtomicBool::new(false)),
            100,
        )
        .await;

        reset_peak();
        let (rss_before, hwm_before) = memory();
        let stop = Arc::new(AtomicBool::new(false));
        let others = tokio::spawn(other_requests(
            app.client.clone(),
            app.address.clone(),
            token.clone(),
            stop.clone(),
            usize::MAX,
        ));
        let started = Instant::now();
        let tasks: Vec<_> = (0..storm)
            .map(|i| {
                let admin = i % 5 == 0;
                let email = if admin {
                    ADMIN_EMAIL.to_string()
                } else {
                    format!("nobody-{round}-{i}@example.com")
                };
                let ip = format!("10.{round}.{}.{}", i / 250, i % 250 + 1);
                tokio::spawn(sign_in(
                    storm_client.clone(),
                    login_url.clone(),
                    ip,
                    admin,
                    email,
                ))
            })
            .collect();
        let mut results = Vec::with_capacity(storm);
        for t in tasks {
            results.push(t.await.expect("sign-in task"));
        }
        let wall = started.elapsed();
        stop.store(true, Ordering::SeqCst);
        let during = others.await.expect("other requests task");
        let (rss_after, hwm_after) = memory();
        after_rounds.push(rss_after);

        let mut by_status: BTreeMap<u16, Vec<Duration>> = BTreeMap::new();
        let mut admin_ok = 0;
        for (status, took, admin) in &results {
            by_status.entry(*status).or_default().push(*took);
            if *admin && *status == 200 {
                admin_ok += 1;
            }
        }
        let count = |s: u16| by_status.get(&s).map_or(0, Vec::len);
        let other = results
            .iter()
            .filter(|(s, ..)| ![200, 401, 429, 503].contains(s))
            .count();
        println!(
            "\nround {round}: {storm} sign-ins in {:.2} s: 200 x{}, 401 x{}, 429 x{}, 503 x{}, \
             other x{other} (admin signed in {admin_ok} of {admins})",
            wall.as_secs_f64(),
            count(200),
            count(401),
            count(429),
            count(503),
        );
        for (status, times) in by_status.iter_mut() {
            times.sort();
            println!(
                "  sign-in {status}: p50 {:>8.1}ms, max {:>8.1}ms",
                ms(percentile(times, 0.5)),
                ms(percentile(times, 1.0))
            );
        }
        println!(
            "  {:<18} {:>26} | {:>26}",
            "other requests", "baseline (no storm)", "during the storm"
        );
        for (name, base, storm) in [
            ("GET /healthz", &baseline.healthz, &during.healthz),
            ("GET /api/v1/users", &baseline.users, &during.users),
        ] {
            println!(
                "  {:<18} n={:<4} p50 {:>6.2}ms p99 {:>6.2}ms | n={:<4} p50 {:>6.2}ms p99 {:>6.2}ms",
                name,
                base.len(),
                ms(percentile(base, 0.5)),
                ms(percentile(base, 0.99)),
                storm.len(),
                ms(percentile(storm, 0.5)),
                ms(percentile(storm, 0.99)),
            );
        }
        if baseline.failed + during.failed > 0 {
            println!(
                "  other requests not answered 200: {} in the baseline, {} during the storm",
                baseline.failed, during.failed
            );
        }
        println!(
            "  RSS before {:.1} MiB (peak {:.1} MiB), after {:.1} MiB (peak during the round {:.1} MiB)",
            mib(rss_before),
            mib(hwm_before),
            mib(rss_after),
            mib(hwm_after)
        );
    }
    let listed: Vec<String> = after_rounds
        .iter()
        .map(|k| format!("{:.1}", mib(*k)))
        .collect();
    println!("\nRSS after each round (MiB): {}", listed.join(", "));
}
