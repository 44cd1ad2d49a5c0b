//! Typed configuration, layered: defaults, then an optional TOML file
//! (`ROSTER_CONFIG`, else `./roster.toml` when present), then `ROSTER_*`
//! environment variables (and plain `DATABASE_URL`). Read once, in `main`.

use std::path::{Path, PathBuf};

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};

/// A string that never shows up in `Debug` output or logs.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Secret(pub String);

impl Secret {
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("[redacted]")
    }
}

impl From<&str> for Secret {
    fn from(s: &str) -> Self {
        Secret(s.to_owned())
    }
}

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum LogFormat {
    #[default]
    Text,
    Json,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct Config {
    /// Address to listen on (`ROSTER_LISTEN`); port 0 picks a free port.
    pub listen: String,
    /// Folder for the embedded database, the JWT key and outgoing mail
    /// (`ROSTER_DATA_DIR`).
    pub data_dir: PathBuf,
    /// `postgres://...` or `sqlite://...`; SQLite in `data_dir` when unset
    /// (`DATABASE_URL` or `ROSTER_DATABASE_URL`). A secret: it may carry a
    /// password.
    pub database_url: Option<Secret>,
    /// HMAC key for access tokens, at least 32 characters (`ROSTER_JWT_SECRET`).
    /// Generated once into `data_dir` when unset; set it when several instances
    /// share one database.
    pub jwt_secret: Option<Secret>,
    /// Email of the first admin, created when no admin exists.
    pub admin_email: String,
    /// Password of the first admin; generated and printed once when unset.
    pub admin_password: Option<Secret>,
    /// Where the built SPA is (`index.html` and the wasm bundle).
    pub spa_dir: Option<PathBuf>,
    /// Access token lifetime in seconds.
    pub access_token_ttl_secs: u64,
    /// Refresh token lifetime in seconds.
    pub refresh_token_ttl_secs: u64,
    /// Absolute lifetime of a session in days, however often it is refreshed.
    pub session_ttl_days: u64,
    /// Mark the refresh cookie `Secure` (serve over HTTPS). Implied when
    /// `public_url` is `https://...`, which also names the cookie `__Host-...`
    /// and sends HSTS.
    pub secure_cookies: bool,
    /// Take the client address from `X-Forwarded-For` (only behind a proxy you run).
    pub trust_proxy_headers: bool,
    /// argon2id memory cost in KiB.
    pub password_hash_memory_kib: u32,
    /// argon2id passes.
    pub password_hash_iterations: u32,
    /// Password hashes computed at once; one per core when unset.
    pub password_hash_threads: Option<usize>,
    /// Password hashes that may wait for a thread; more get `503` with
    /// `Retry-After`. Eight per thread when unset.
    pub password_hash_queue: Option<usize>,
    /// Largest JSON request body in bytes.
    pub max_json_body_bytes: usize,
    /// `text` or `json` log lines.
    pub log_format: LogFormat,
    /// HTTP worker threads; one per core when unset.
    pub workers: Option<usize>,
    /// Base URL people reach Roster at, for links in emails; the bound address
    /// when unset.
    pub public_url: Option<String>,
    /// Name shown in emails.
    pub product_name: String,
    /// Sender of emails, e.g. `Roster <roster@example.com>`.
    pub mail_from: String,
    /// SMTP server; when unset, emails are written as `.eml` files into
    /// `<data_dir>/mail`.
    pub smtp_host: Option<String>,
    /// SMTP port.
    pub smtp_port: u16,
    /// `starttls` (default), `tls` (implicit, port 465) or `none`.
    pub smtp_security: String,
    /// SMTP user name, if the server wants one.
    pub smtp_username: Option<String>,
    /// SMTP password.
    pub smtp_password: Option<Secret>,
    /// Hours a welcome link works.
    pub invitation_ttl_hours: u64,
    /// Minutes a password-reset link works.
    pub reset_ttl_minutes: u64,
    /// Seconds before the first retry of a failed email (doubling after).
    pub mail_retry_base_secs: u64,
    /// Attempts before an email is given up.
    pub mail_max_attempts: i32,
    /// Milliseconds the job runner waits between looks for due work.
    pub mail_poll_ms: u64,
    /// Seconds a job's claim holds without a heartbeat (it is renewed every
    /// third of that while the job runs).
    pub job_lease_secs: u64,
    /// Jobs one instance runs at once.
    pub job_concurrency: usize,
    /// Seconds running jobs get to reach a safe point on shutdown.
    pub shutdown_grace_secs: u64,
    /// Seconds between housekeeping runs (across all instances).
    pub housekeeping_every_secs: u64,
    /// Database connections in the pool (`ROSTER_DB_POOL_SIZE`); unset: 8 on
    /// SQLite, 20 on PostgreSQL.
    pub db_pool_size: Option<u32>,
    /// Milliseconds a request waits for a free database connection before it
    /// gets `503` with `Retry-After` (`ROSTER_DB_ACQUIRE_TIMEOUT_MS`).
    pub db_acquire_timeout_ms: u64,
}

impl Default for Config {
    fn default() -> Self {
        let params = roster_domain::password::PasswordParams::default();
        Self {
            listen: "127.0.0.1:8080".into(),
            data_dir: PathBuf::from("./data"),
            database_url: None,
            jwt_secret: None,
            admin_email: "admin@example.com".into(),
            admin_password: None,
            spa_dir: None,
            access_token_ttl_secs: 15 * 60,
            refresh_token_ttl_secs: 14 * 24 * 60 * 60,
            session_ttl_days: 30,
            secure_cookies: false,
            trust_proxy_headers: false,
            password_hash_memory_kib: params.memory_kib,
            password_hash_iterations: params.iterations,
            password_hash_threads: None,
            password_hash_queue: None,
            max_json_body_bytes: 256 * 1024,
            log_format: LogFormat::Text,
            workers: None,
            public_url: None,
            product_name: "Roster".into(),
            mail_from: "Roster <roster@localhost>".into(),
            smtp_host: None,
            smtp_port: 587,
            smtp_security: "starttls".into(),
            smtp_username: None,
            smtp_password: None,
            invitation_ttl_hours: 72,
            reset_ttl_minutes: 60,
            mail_retry_base_secs: 30,
            mail_max_attempts: 8,
            mail_poll_ms: 1000,
            job_lease_secs: 60,
            job_concurrency: 4,
            shutdown_grace_secs: 20,
            housekeeping_every_secs: 10 * 60,
            db_pool_size: None,
            db_acquire_timeout_ms: 3_000,
        }
    }
}

impl Config {
    /// Whether Roster is served over HTTPS (its public URL says so).
    pub fn is_https(&self) -> bool {
        self.public_url
            .as_deref()
            .is_some_and(|u| u.trim().to_ascii_lowercase().starts_with("https://"))
    }

    /// `scheme://host[:port]` of the public URL, if one is set.
    pub fn public_origin(&self) -> Option<String> {
        let url = self.public_url.as_deref()?.trim();
        let (scheme, rest) = url.split_once("://")?;
        let host = rest.split('/').next().filter(|h| !h.is_empty())?;
        Some(format!(
            "{}://{}",
            scheme.to_ascii_lowercase(),
            host.to_ascii_lowercase()
        ))
    }

    /// Reads the layered configuration from the environment.
    pub fn load() -> Result<Self, Box<figment::Error>> {
        let file = std::env::var_os("ROSTER_CONFIG")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from("roster.toml"));
        Figment::from(Serialized::defaults(Config::default()))
            .merge(Toml::file(file))
            .merge(Env::raw().only(&["DATABASE_URL"]))
            .merge(Env::prefixed("ROSTER_").ignore(&["CONFIG"]))
            .extract()
            .map_err(Box::new)
    }

    /// The database URL in force: the configured one or SQLite in the data folder.
    pub fn effective_database_url(&self) -> String {
        match &self.database_url {
            Some(url) if !url.expose().trim().is_empty() => url.expose().to_string(),
            _ => format!(
                "sqlite://{}?mode=rwc",
                self.data_dir.join("roster.db").display()
            ),
        }
    }

    /// The SPA folder in force: the configured one, else the one `cargo xtask`
    /// builds into.
    pub fn effective_spa_dir(&self) -> PathBuf {
        self.spa_dir.clone().unwrap_or_else(|| {
            let local = PathBuf::from("target/spa");
            if local.join("index.html").exists() {
                local
            } else {
                Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/spa")
            }
        })
    }
}
