//! Benchmark of the outbox: N queued messages drained to a local SMTP sink by
//! the workers of several application instances sharing one database, as behind
//! a load balancer. Prints messages per second, and checks both the sink (by
//! recipient) and the database (every row sent, one attempt each) for messages
//! lost or sent twice; exits non-zero if any was.
//!
//! `cargo run --release -p roster-tests --bin bench-outbox -- [--messages N]
//! [--instances N]`; PostgreSQL when `DATABASE_URL` is set to one, else SQLite.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use roster_entity::outbox;
use roster_tests::smtp::SmtpSink;
use roster_tests::{smtp_at, spawn_app_with};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};

fn arg(name: &str, default: usize) -> usize {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

#[tokio::main]
async fn main() {
    let n = arg("--messages", 10_000).max(1);
    let instances = arg("--instances", 2).max(1);

    let (sink, port) = SmtpSink::start(0).await;
    let app = spawn_app_with(|c| {
        smtp_at(c, port);
        c.workers = None;
        c.mail_poll_ms = 20;
    })
    .await;
    let mut siblings = Vec::new();
    for _ in 1..instances {
        siblings.push(app.sibling(|_| {}).await);
    }
    let backend = roster_domain::db::backend_name(&app.roster.db);

    // Queued but not yet due, so the clock starts when all of them are there.
    let later = chrono::Utc::now() + chrono::Duration::days(1);
    for chunk in (0..n).collect::<Vec<_>>().chunks(1_000) {
        let rows = chunk.iter().map(|i| outbox::ActiveModel {
            id: Set(uuid::Uuid::now_v7()),
            user_id: Set(None),
            template: Set("welcome".into()),
            recipient: Set(format!("bench{i}@example.com")),
            subject: Set("Benchmark".into()),
            text_body: Set("Hello".into()),
            html_body: Set("<p>Hello</p>".into()),
            status: Set("queued".into()),
            attempts: Set(0),
            next_attempt_at: Set(later),
            locked_until: Set(None),
            last_error: Set(None),
            created_at: Set(later),
            sent_at: Set(None),
            last_attempt_at: Set(None),
        });
        outbox::Entity::insert_many(rows)
            .exec(&app.roster.db)
            .await
            .expect("queued");
    }
    outbox::Entity::update_many()
        .col_expr(
            outbox::Column::NextAttemptAt,
            Expr::value(chrono::Utc::now()),
        )
        .exec(&app.roster.db)
        .await
        .expect("made due");
    let started = Instant::now();
    // One delivery run per instance, as a burst of requests would queue.
    for _ in 0..instances {
        roster_domain::background::wake_mail(
            &app.roster.db,
            &app.roster,
            &roster_domain::Context::system("bench"),
        )
        .await
        .expect("woken");
    }
    loop {
        let got = sink.messages().len();
        if got >= n || started.elapsed() > Duration::from_secs(600) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let elapsed = started.elapsed().as_secs_f64();
    // Late duplicates would arrive now.
    tokio::time::sleep(Duration::from_secs(2)).await;

    let messages = sink.messages();
    let mut per_recipient: HashMap<String, usize> = HashMap::new();
    for m in &messages {
        for r in &m.recipients {
            *per_recipient.entry(r.clone()).or_default() += 1;
        }
    }
    let twice = per_recipient.values().filter(|c| **c > 1).count();
    let missing = n - per_recipient.len().min(n);
    let db = &app.roster.db;
    let sent = outbox::Entity::find()
        .filter(outbox::Column::Status.eq("sent"))
        .filter(outbox::Column::Attempts.eq(1))
        .count(db)
        .await
        .expect("counted");
    println!(
        "{backend}, {instances} instance(s): {n} messages drained in {elapsed:.2} s = {:.0} messages/s; \
         received {}, missing {missing}, sent twice {twice}; rows sent on the first attempt {sent}",
        n as f64 / elapsed,
        messages.len()
    );
    if missing > 0 || twice > 0 || sent != n as u64 {
        eprintln!("FAILED: messages were lost or sent twice");
        std::process::exit(1);
    }
}
