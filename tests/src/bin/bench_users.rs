//! Benchmark of `GET /api/v1/users` on a seeded database: median and p95 latency
//! of requests one at a time, then median and p95 latency and requests per
//! second with concurrent clients.
//!
//! `cargo run --release -p roster-tests --bin bench-users -- [--users N]
//! [--teams N] [--requests N] [--concurrency N] [--database URL]`; PostgreSQL
//! when `DATABASE_URL` is set to one, else SQLite; `--database` keeps the
//! seeded data in that database for the next run. Prints figures; asserts
//! nothing.

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

fn text_arg(name: &str) -> Option<String> {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .cloned()
}

#[tokio::main]
async fn main() {
    let users = arg("--users", 100_000);
    let teams = arg("--teams", 1_000);
    let requests = arg("--requests", 200).max(1);
    let concurrency = arg("--concurrency", 16).max(1);
    // A database to keep between runs (seeding a million people takes
    // minutes): seeded only up to `--users`, migrated as the code changes.
    let keep = text_arg("--database");

    let app = spawn_app_with(|c| {
        c.workers = None;
        c.mail_poll_ms = 1_000;
        if let Some(url) = &keep {
            c.database_url = Some(roster_api::config::Secret(url.clone()));
        }
    })
    .await;
    let backend = roster_domain::db::backend_name(&app.roster.db);
    let there = sea_orm::PaginatorTrait::count(
        <roster_entity::users::Entity as sea_orm::EntityTrait>::find(),
        &app.roster.db,
    )
    .await
    .expect("counted");
    let missing = users.saturating_sub(there.saturating_sub(1));
    if missing > 0 {
        let seeded = Instant::now();
        roster_domain::seed::users_in_teams(
            &app.roster,
            &roster_domain::Context::system("seed"),
            missing,
            if there > 1 { 0 } else { teams },
            2_000,
        )
        .await
        .expect("seeded");
        println!(
            "{backend}: seeded {missing} users over {teams} teams in {:.1} s",
            seeded.elapsed().as_secs_f64()
        );
    }
    sea_orm::ConnectionTrait::execute_unprepared(&app.roster.db, "ANALYZE")
        .await
        .expect("analyzed");
    if app.db.is_postgres() || keep.as_deref().is_some_and(|u| u.starts_with("postgres")) {
        // What autovacuum does soon after a bulk load: index-only scans need
        // the visibility map.
        sea_orm::ConnectionTrait::execute_unprepared(&app.roster.db, "VACUUM")
            .await
            .expect("vacuumed");
    }

    let token = app.admin_token().await;
    let team: serde_json::Value = app
        .get("/api/v1/teams?q=seed%20team&per_page=2", &token)
        .await
        .json()
        .await
        .expect("teams");
    // The second team: the first holds every 1,000th person, the managers,
    // all of them invited (one in five is).
    let team = team["items"][1]["id"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let total: serde_json::Value = app
        .get("/api/v1/users?per_page=100", &token)
        .await
        .json()
        .await
        .expect("users");
    let last_page = total["page"]["total"]
        .as_u64()
        .unwrap_or(1)
        .div_ceil(100)
        .max(1);
    let day = chrono::Utc::now() - chrono::Duration::days(100);
    let day_from = day.format("%Y-%m-%dT00:00:00Z");
    let day_to = (day + chrono::Duration::days(1)).format("%Y-%m-%dT00:00:00Z");
    let mut scenarios: Vec<(String, String)> = vec![
        (
            "search 'lovelace', sort by name".into(),
            "q=lovelace&sort=name".into(),
        ),
        (
            "search 'grace hop', newest first".into(),
            "q=grace%20hop".into(),
        ),
        (
            "search 'hopper grace' (any order), by email".into(),
            "q=hopper%20grace&sort=email".into(),
        ),
        (
            "rare term 'turing.4', sort by email".into(),
            "q=turing.4&sort=email".into(),
        ),
        (
            "accent-free 'sparck', sort by -name".into(),
            "q=sparck&sort=-name".into(),
        ),
    ];
    for sort in ["name", "email", "created_at", "thinkific_id"] {
        for dir in ["", "-"] {
            scenarios.push((format!("sort {dir}{sort}"), format!("sort={dir}{sort}")));
        }
    }
    for (name, query) in [
        ("status=invited", "status=invited".to_string()),
        ("status=suspended (none)", "status=suspended".to_string()),
        ("role=admin", "role=admin".to_string()),
        (
            "role=manager, sort -created_at",
            "role=manager&sort=-created_at".to_string(),
        ),
        (
            "role=learner&status=active, sort thinkific_id",
            "role=learner&status=active&sort=thinkific_id".to_string(),
        ),
        ("team_id=<one of 1,000>", format!("team_id={team}")),
        (
            "role+status+team, sort name",
            format!("role=learner&status=active&team_id={team}&sort=name"),
        ),
        (
            "created on one day",
            format!("created_from={day_from}&created_to={day_to}"),
        ),
        (
            "created in a year, sort -created_at",
            format!(
                "created_from={}&sort=-created_at",
                (day - chrono::Duration::days(365)).format("%Y-%m-%dT00:00:00Z")
            ),
        ),
        ("sort name, page 200", "sort=name&page=200".to_string()),
        ("sort name, page 2,000", "sort=name&page=2000".to_string()),
        (
            "sort email, per_page=100, middle page",
            format!("sort=email&per_page=100&page={}", last_page / 2),
        ),
        (
            "sort -created_at, per_page=100, last page",
            format!("sort=-created_at&per_page=100&page={last_page}"),
        ),
        (
            "status=active, per_page=100, page 4,000",
            "status=active&per_page=100&page=4000".to_string(),
        ),
    ] {
        scenarios.push((name.to_string(), query));
    }
    println!(
        "{:<52} {:>8} {:>8} {:>8} | {:>8} {:>8} {:>8} {:>5}",
        "scenario (first page unless said)",
        "p50",
        "p95",
        "max",
        format!("p50@{concurrency}"),
        format!("p95@{concurrency}"),
        "req/s",
        "503s"
    );
    // `--only TEXT`: the scenarios whose name holds TEXT.
    let only = text_arg("--only");
    scenarios.retain(|(name, _)| only.as_deref().is_none_or(|o| name.contains(o)));
    for (name, query) in &scenarios {
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
                let mut shed = 0u64;
                for _ in 0..per_client {
                    let sent = Instant::now();
                    let res = client
                        .get(&url)
                        .bearer_auth(&token)
                        .send()
                        .await
                        .expect("sent");
                    // Overload is answered 503 with Retry-After, by design:
                    // counted, not timed.
                    if res.status() == 503 {
                        shed += 1;
                        continue;
                    }
                    assert_eq!(res.status(), 200);
                    res.bytes().await.expect("body");
                    times.push(sent.elapsed());
                }
                (times, shed)
            }));
        }
        let mut loaded = Vec::new();
        let mut shed = 0;
        for t in tasks {
            let (times, refused) = t.await.expect("client task");
            loaded.extend(times);
            shed += refused;
        }
        let rps = loaded.len() as f64 / started.elapsed().as_secs_f64();
        loaded.sort();
        let ms = |d: Duration| d.as_secs_f64() * 1e3;
        println!(
            "{:<52} {:>6.2}ms {:>6.2}ms {:>6.2}ms | {:>6.2}ms {:>6.2}ms {:>8.0} {:>5}",
            name,
            ms(percentile(&alone, 0.5)),
            ms(percentile(&alone, 0.95)),
            ms(percentile(&alone, 1.0)),
            ms(percentile(&loaded, 0.5)),
            ms(percentile(&loaded, 0.95)),
            rps,
            shed
        );
    }
}
