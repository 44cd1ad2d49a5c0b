//! Black-box test support: `spawn_app()` starts the real application on port 0
//! with a fresh database (a new SQLite file, or a new PostgreSQL database when
//! `DATABASE_URL` points at PostgreSQL), and a client that keeps cookies.

pub mod browser;
pub mod smtp;

use std::sync::Arc;

use roster_api::config::{Config, Secret};
use roster_api::{Application, ServerHandle};
use std::sync::atomic::{AtomicI64, Ordering};

use roster_domain::{Clock, Roster};
use roster_types::{CreateUserRequest, Problem, Role, TokenResponse, User};
use serde_json::Value;

pub const ADMIN_EMAIL: &str = "admin@example.com";
pub const ADMIN_PASSWORD: &str = "admin-password-1";
pub const PROBLEM_JSON: &str = "application/problem+json";

/// The database of one test; PostgreSQL databases are dropped when it goes.
pub enum TestDb {
    Sqlite,
    Postgres { server_url: String, name: String },
}

impl TestDb {
    /// A fresh database: PostgreSQL when `DATABASE_URL` says so, else SQLite in
    /// `dir`. Returns the URL to connect to.
    async fn create(dir: &std::path::Path) -> (Self, String) {
        match std::env::var("DATABASE_URL") {
            Ok(url) if url.starts_with("postgres") => {
                let name = format!("roster_test_{}", uuid::Uuid::now_v7().simple());
                let admin = sea_orm::Database::connect(&url)
                    .await
                    .expect("DATABASE_URL points at a reachable PostgreSQL");
                sea_orm::ConnectionTrait::execute_unprepared(
                    &admin,
                    &format!("CREATE DATABASE \"{name}\""),
                )
                .await
                .expect("can create a test database");
                admin.close().await.ok();
                let db_url = with_database(&url, &name);
                (
                    Self::Postgres {
                        server_url: url,
                        name,
                    },
                    db_url,
                )
            }
            _ => (
                Self::Sqlite,
                format!("sqlite://{}?mode=rwc", dir.join("roster.db").display()),
            ),
        }
    }

    pub fn is_postgres(&self) -> bool {
        matches!(self, Self::Postgres { .. })
    }
}

/// `url` with its database name replaced by `name`.
fn with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let after_scheme = base.find("://").map(|i| i + 3).unwrap_or(0);
    let root = match base[after_scheme..].find('/') {
        Some(i) => &base[..after_scheme + i],
        None => base,
    };
    match query {
        Some(q) => format!("{root}/{name}?{q}"),
        None => format!("{root}/{name}"),
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Self::Postgres { server_url, name } = self {
            let (url, name) = (server_url.clone(), name.clone());
            // Drop runs outside any runtime we may block; use a thread of our own.
            let _ = std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .ok()?;
                rt.block_on(async {
                    let admin = sea_orm::Database::connect(&url).await.ok()?;
                    sea_orm::ConnectionTrait::execute_unprepared(
                        &admin,
                        &format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"),
                    )
                    .await
                    .ok()?;
                    admin.close().await.ok()
                })
            })
            .join();
        }
    }
}

/// The real clock plus an offset that a test moves forward, to let links,
/// tokens and grace periods run out without waiting.
#[derive(Debug, Default)]
pub struct TestClock {
    offset_ms: AtomicI64,
}

impl TestClock {
    /// Moves the clock forward by `secs` seconds.
    pub fn advance(&self, secs: i64) {
        self.offset_ms.fetch_add(secs * 1000, Ordering::SeqCst);
    }
}

impl Clock for TestClock {
    fn now(&self) -> chrono::DateTime<chrono::Utc> {
        chrono::Utc::now() + chrono::Duration::milliseconds(self.offset_ms.load(Ordering::SeqCst))
    }
}

pub struct TestApp {
    /// `http://127.0.0.1:PORT`
    pub address: String,
    pub port: u16,
    /// A client with a cookie store, not signed in.
    pub client: reqwest::Client,
    pub roster: Roster,
    /// The application's clock.
    pub clock: Arc<TestClock>,
    pub db: TestDb,
    running: Running,
    config: Config,
    _dir: tempfile::TempDir,
}

/// The config tests run with: cheap password hashing, a fixed JWT secret, the
/// first admin from constants.
pub fn test_config(dir: &std::path::Path, database_url: String) -> Config {
    Config {
        listen: "127.0.0.1:0".into(),
        data_dir: dir.to_path_buf(),
        database_url: Some(Secret(database_url)),
        jwt_secret: Some(Secret("test-secret-that-is-at-least-32-bytes-long".into())),
        admin_email: ADMIN_EMAIL.into(),
        admin_password: Some(Secret(ADMIN_PASSWORD.into())),
        password_hash_memory_kib: 1024,
        password_hash_iterations: 1,
        // Tests sign in many at once; the bound itself has a test of its own.
        password_hash_queue: Some(1024),
        workers: Some(1),
        mail_poll_ms: 50,
        mail_retry_base_secs: 1,
        ..Config::default()
    }
}

/// Starts the application with a fresh database.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// Starts the application with a fresh database and a config adjusted by `tweak`.
pub async fn spawn_app_with(tweak: impl FnOnce(&mut Config)) -> TestApp {
    if std::env::var_os("TEST_LOG").is_some() {
        let _ = tracing_subscriber::fmt()
            .with_test_writer()
            .with_env_filter("info")
            .try_init();
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let (db, url) = TestDb::create(dir.path()).await;
    let mut config = test_config(dir.path(), url);
    tweak(&mut config);
    let clock = Arc::new(TestClock::default());
    let (port, roster, running) = start(config.clone(), clock.clone()).await;
    TestApp {
        running,
        address: format!("http://127.0.0.1:{port}"),
        port,
        client: client(),
        roster,
        clock,
        db,
        config,
        _dir: dir,
    }
}

async fn start(config: Config, clock: Arc<TestClock>) -> (u16, Roster, Running) {
    let app = Application::build_with_clock(config, clock)
        .await
        .expect("the application starts");
    let port = app.port();
    let roster = app.roster().clone();
    let handle = app.handle();
    let task = tokio::spawn(app.run_until_stopped());
    let running = Running {
        handle,
        task: std::sync::Mutex::new(Some(task)),
    };
    (port, roster, running)
}

/// A started instance: its handle, and the task that serves until stopped.
struct Running {
    handle: ServerHandle,
    task: std::sync::Mutex<Option<tokio::task::JoinHandle<std::io::Result<()>>>>,
}

/// A client that keeps cookies and does not follow redirects.
///
/// It lets an idle connection go after two seconds, well before the server's
/// keep-alive (five) closes it: a request sent on a connection in the instant
/// the server closes it fails with "incomplete message", which a test that
/// spends a few seconds in a browser between two requests would otherwise hit.
pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .pool_idle_timeout(std::time::Duration::from_secs(2))
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client builds")
}

impl Drop for TestApp {
    /// A finished test's server, outbox worker and housekeeping stop, instead of
    /// running (and polling their database) until the whole test binary ends:
    /// a suite that starts a hundred apps would otherwise starve its own
    /// later tests.
    fn drop(&mut self) {
        let handle = self.running.handle.clone();
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(async move { handle.stop(false).await });
        }
    }
}

impl TestApp {
    /// Another instance of the application on the same database and clock, as
    /// behind a load balancer (its config adjusted by `tweak`).
    pub async fn sibling(&self, tweak: impl FnOnce(&mut Config)) -> (String, Roster) {
        let mut config = self.config.clone();
        tweak(&mut config);
        let (port, roster, _) = start(config, self.clock.clone()).await;
        (format!("http://127.0.0.1:{port}"), roster)
    }

    /// Stops this instance (its HTTP server and its outbox worker), as a
    /// restart or a crash would; the database stays for a sibling to use.
    pub async fn stop(&self) {
        self.running.handle.stop(false).await;
        let task = self.running.task.lock().ok().and_then(|mut t| t.take());
        if let Some(task) = task {
            // Done once the server has ended and the outbox worker is stopped.
            let _ = task.await;
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    pub async fn login(
        &self,
        client: &reqwest::Client,
        email: &str,
        password: &str,
    ) -> reqwest::Response {
        client
            .post(self.url("/api/v1/auth/login"))
            .json(&serde_json::json!({ "email": email, "password": password }))
            .send()
            .await
            .expect("request sent")
    }

    /// Signs in with `client` and returns the access token.
    pub async fn token_for(&self, client: &reqwest::Client, email: &str, password: &str) -> String {
        let res = self.login(client, email, password).await;
        assert_eq!(res.status(), 200, "sign-in as {email} succeeds");
        res.json::<TokenResponse>()
            .await
            .expect("token body")
            .access_token
    }

    /// An access token of the first admin (on a client of its own).
    pub async fn admin_token(&self) -> String {
        self.token_for(&client(), ADMIN_EMAIL, ADMIN_PASSWORD).await
    }

    pub async fn get(&self, path: &str, token: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .bearer_auth(token)
            .send()
            .await
            .expect("request sent")
    }

    /// `POST` without a body (actions such as `/suspend`).
    pub async fn post(&self, path: &str, token: &str) -> reqwest::Response {
        self.client
            .post(self.url(path))
            .bearer_auth(token)
            .send()
            .await
            .expect("request sent")
    }

    pub async fn post_json(&self, path: &str, token: &str, body: &Value) -> reqwest::Response {
        self.client
            .post(self.url(path))
            .bearer_auth(token)
            .json(body)
            .send()
            .await
            .expect("request sent")
    }

    /// `PATCH` with a JSON body, and `If-Match` when given.
    pub async fn patch_json(
        &self,
        path: &str,
        token: &str,
        body: &Value,
        if_match: Option<&str>,
    ) -> reqwest::Response {
        let mut req = self
            .client
            .patch(self.url(path))
            .bearer_auth(token)
            .json(body);
        if let Some(tag) = if_match {
            req = req.header("if-match", tag);
        }
        req.send().await.expect("request sent")
    }

    /// Creates a user through the API as `token`; panics unless 201.
    pub async fn create_user(
        &self,
        token: &str,
        first: &str,
        last: &str,
        email: &str,
        roles: &[Role],
    ) -> User {
        let req = CreateUserRequest {
            first_name: first.into(),
            last_name: last.into(),
            email: email.into(),
            roles: roles.to_vec(),
            teams: vec![],
        };
        let res = self
            .client
            .post(self.url("/api/v1/users"))
            .bearer_auth(token)
            .json(&req)
            .send()
            .await
            .expect("request sent");
        assert_eq!(res.status(), 201, "user {email} is created");
        res.json().await.expect("user body")
    }

    /// `POST /users/{user_id}/teams` as `token`: puts the person in a team with
    /// `role` (`member` or `manager`); answers the status.
    pub async fn join_team(
        &self,
        token: &str,
        team_id: uuid::Uuid,
        user_id: uuid::Uuid,
        role: &str,
    ) -> u16 {
        self.post_json(
            &format!("/api/v1/users/{user_id}/teams"),
            token,
            &serde_json::json!({"team_id": team_id, "role": role}),
        )
        .await
        .status()
        .as_u16()
    }

    /// Creates a user who can sign in, and returns them with an access token.
    pub async fn user_with_password(&self, roles: &[Role], email: &str) -> (User, String) {
        let admin = self.admin_token().await;
        let user = self
            .create_user(&admin, "Test", "Person", email, roles)
            .await;
        let password = "a-good-password-42";
        roster_domain::users::set_password(
            &self.roster,
            &roster_domain::Context::system("test"),
            user.id,
            password,
        )
        .await
        .expect("password set");
        let token = self.token_for(&client(), email, password).await;
        (user, token)
    }
}

/// Asserts that the estimated total `estimate` is within 15% of `actual`.
pub fn assert_estimate_near(estimate: u64, actual: f64, what: &str) {
    let off = (estimate as f64 - actual).abs() / actual;
    assert!(off < 0.15, "{what}: estimated {estimate} of {actual}");
}

impl TestApp {
    /// Undoes the migration `name` and every one after it, then applies them
    /// again: what a database written by the code before `name` goes through.
    /// Only for migrations whose `down` keeps the data.
    pub async fn redo_migrations_from(&self, name: &str) {
        use roster_migrations::{Migrator, MigratorTrait};
        let since = Migrator::migrations()
            .iter()
            .rev()
            .position(|m| m.name() == name)
            .unwrap_or_else(|| panic!("no migration {name}"))
            + 1;
        Migrator::down(&self.roster.db, Some(since as u32))
            .await
            .expect("migrations undone");
        Migrator::up(&self.roster.db, None)
            .await
            .expect("migrations applied");
    }

    /// Brings PostgreSQL's planner statistics of `table` up to date, as
    /// autovacuum does in production soon after a bulk load (a test cannot
    /// wait for it); SQLite's estimates need none.
    pub async fn analyze(&self, table: &str) {
        if self.db.is_postgres() {
            use sea_orm::ConnectionTrait;
            self.roster
                .db
                .execute_unprepared(&format!("ANALYZE \"{table}\""))
                .await
                .expect("statistics updated");
        }
    }

    /// The audit events matching `query` (a query string without `?`), as
    /// the admin `token` reads them.
    pub async fn audit(&self, token: &str, query: &str) -> roster_types::AuditEventList {
        let res = self
            .get(&format!("/api/v1/audit-events?{query}"), token)
            .await;
        assert_eq!(res.status(), 200, "audit events of {query}");
        res.json().await.expect("audit event list")
    }

    /// The actions of the events matching `query`, oldest first.
    pub async fn audit_actions(&self, token: &str, query: &str) -> Vec<String> {
        let mut actions: Vec<String> = self
            .audit(token, &format!("{query}&per_page=200"))
            .await
            .items
            .into_iter()
            .map(|e| e.action)
            .collect();
        actions.reverse();
        actions
    }
}

/// Reads a problem response, checking its media type and status field.
pub async fn problem(res: reqwest::Response, status: u16) -> Problem {
    assert_eq!(res.status().as_u16(), status, "status");
    let content_type = res
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    assert_eq!(content_type, PROBLEM_JSON, "problem media type");
    let problem: Problem = res.json().await.expect("problem body");
    assert_eq!(problem.status, status, "problem status field");
    problem
}

/// Says loudly that a part of the suite did not run.
pub fn skip(what: &str, why: &str, require_env: &str) {
    if std::env::var_os(require_env).is_some() {
        panic!("{what} cannot run ({why}) but {require_env} is set");
    }
    eprintln!("\n*** SKIPPED: {what}: {why}. Set {require_env}=1 to make this a failure. ***\n");
    // `cargo xtask test` lists every skip at the end (the harness hides the
    // output of passing tests).
    if let Some(log) = std::env::var_os("ROSTER_SKIP_LOG") {
        use std::io::Write;
        if let Ok(mut f) = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(log)
        {
            let _ = writeln!(f, "{what}: {why}");
        }
    }
}

/// Points the app's mail at an SMTP server on `127.0.0.1:port`, without TLS.
pub fn smtp_at(config: &mut Config, port: u16) {
    config.smtp_host = Some("127.0.0.1".into());
    config.smtp_port = port;
    config.smtp_security = "none".into();
}
