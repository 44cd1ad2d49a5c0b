//! Benchmark of the outbox: N queued messages drained to a local SMTP sink by the
//! running application's worker. Prints messages per second and checks that none
//! was lost or sent twice (by recipient).
//!
//! `cargo run --release -p roster-tests --bin bench-outbox -- [--messages N]`;
//! PostgreSQL when `DATABASE_URL` is set to one, else SQLite.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use roster_entity::outbox;
use roster_tests::smtp::SmtpSink;
use roster_tests::{smtp_at, spawn_app_with};
use sea_orm::{ActiveValue::Set, EntityTrait};

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let n: usize = args
        .iter()
        .position(|a| a == "--messages")
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000);

    let (sink, port) = SmtpSink::start(0).await;
    let app = spawn_app_with(|c| {
        smtp_at(c, port);
        c.workers = None;
        c.mail_poll_ms = 20;
    })
    .await;
    let backend = roster_domain::db::backend_name(&app.roster.db);
    let now = chrono::Utc::now();
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
            next_attempt_at: Set(now),
            locked_until: Set(None),
            last_error: Set(None),
            created_at: Set(now),
            sent_at: Set(None),
        });
        outbox::Entity::insert_many(rows)
            .exec(&app.roster.db)
            .await
            .expect("queued");
    }
    let started = Instant::now();
    loop {
        let got = sink.messages().len();
        if got >= n || started.elapsed() > Duration::from_secs(600) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let elapsed = started.elapsed().as_secs_f64();
    tokio::time::sleep(Duration::from_secs(1)).await;
    let messages = sink.messages();
    let mut per_recipient: HashMap<String, usize> = HashMap::new();
    for m in &messages {
        for r in &m.recipients {
            *per_recipient.entry(r.clone()).or_default() += 1;
        }
    }
    let duplicates = per_recipient.values().filter(|c| **c > 1).count();
    let missing = n - per_recipient.len().min(n);
    println!(
        "{backend}: {n} messages drained in {elapsed:.1} s = {:.0} messages/s; received {}, missing {missing}, sent twice {duplicates}",
        n as f64 / elapsed,
        messages.len()
    );
}
