//! Benchmark of `GET /api/v1/users` on a seeded database: median and p95 latency
//! of requests one at a time, then median and p95 latency and requests per
//! second with concurrent clients.
//!
//! `cargo run --release -p roster-tests --bin bench-users -- [--users N]
//! [--requests N] [--concurrency N]`; PostgreSQL when `DATABASE_URL` is set to
//! one, else SQLite. Prints figures; asserts nothing.

use std::time::{Duration, Instant};

use roster_tests::{TestApp, spawn_app_with};

fn arg(name: &str, default: u64) -> u64 {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let idx = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[idx.min(sorted.len() - 1)]
}

async fn one(app: &TestApp, token: &str, query: &str) -> Duration {
    let started = Instant::now();
    let res = app.get(&format!("/api/v1/users?{query}"), token).await;
    assert_eq!(res.status(), 200, "{query}");
    res.bytes().await.expect("body");
    started.elapsed()
}

#[tokio::main]
async fn main() {
    let users = arg("--users", 100_000);
    let requests = arg("--requests", 300).max(1);
    let concurrency = arg("--concurrency", 16).max(1);

    let app = spawn_app_with(|c| {
        c.workers = None;
        c.mail_poll_ms = 1_000;
    })
    .await;
    let backend = roster_domain::db::backend_name(&app.roster.db);
    let seeded = Instant::now();
    roster_domain::seed::users(
        &app.roster,
        &roster_domain::Context::system("seed"),
        users,
        2_000,
    )
    .await
    .expect("seeded");
    sea_orm::ConnectionTrait::execute_unprepared(&app.roster.db, "ANALYZE")
        .await
        .expect("analyzed");
    println!(
        "{backend}: seeded {users} users in {:.1} s",
        seeded.elapsed().as_secs_f64()
    );

    let token = app.admin_token().await;
    let scenarios = [
        ("search 'lovelace', sort by name", "q=lovelace&sort=name"),
        ("search 'grace hop', newest first", "q=grace%20hop"),
        (
            "rare term 'turing.4', sort by email",
            "q=turing.4&sort=email",
        ),
        ("no search, sort by -created_at", "sort=-created_at"),
        ("no search, sort by name, page 200", "sort=name&page=200"),
        (
            "filter role=learner, status=active, sort thinkific_id",
            "role=learner&status=active&sort=thinkific_id",
        ),
    ];
    println!(
        "{:<52} {:>8} {:>8} | {:>8} {:>8} {:>8}",
        "scenario (first page unless said)",
        "p50",
        "p95",
        format!("p50@{concurrency}"),
        format!("p95@{concurrency}"),
        "req/s"
    );
    for (name, query) in scenarios {
        for _ in 0..5 {
            one(&app, &token, query).await; // warm-up
        }
        let mut alone = Vec::with_capacity(requests as usize);
        for _ in 0..requests {
            alone.push(one(&app, &token, query).await);
        }
        alone.sort();

        let per_client = (requests * 2).div_ceil(concurrency);
        let started = Instant::now();
        let mut tasks = Vec::new();
        for _ in 0..concurrency {
            let client = app.client.clone();
            let url = app.url(&format!("/api/v1/users?{query}"));
            let token = token.clone();
            tasks.push(tokio::spawn(async move {
                let mut times = Vec::with_capacity(per_client as usize);
                for _ in 0..per_client {
                    let sent = Instant::now();
                    let res = client
                        .get(&url)
                        .bearer_auth(&token)
                        .send()
                        .await
                        .expect("sent");
                    assert_eq!(res.status(), 200);
                    res.bytes().await.expect("body");
                    times.push(sent.elapsed());
                }
                times
            }));
        }
        let mut loaded = Vec::new();
        for t in tasks {
            loaded.extend(t.await.expect("client task"));
        }
        let rps = loaded.len() as f64 / started.elapsed().as_secs_f64();
        loaded.sort();
        let ms = |d: Duration| d.as_secs_f64() * 1e3;
        println!(
            "{:<52} {:>6.2}ms {:>6.2}ms | {:>6.2}ms {:>6.2}ms {:>8.0}",
            name,
            ms(percentile(&alone, 0.5)),
            ms(percentile(&alone, 0.95)),
            ms(percentile(&loaded, 0.5)),
            ms(percentile(&loaded, 0.95)),
            rps
        );
    }
}
