//! Building the application from a `Config`: database, migrations, first admin,
//! HTTP server. Tests call `Application::build` with a config of their own.

use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

use actix_web::dev::Server;
use actix_web::middleware::{Compress, DefaultHeaders, Logger};
use actix_web::{App, HttpMessage, HttpServer, web};
use anyhow::Context;
use lettre::message::Mailbox;
use roster_domain::mail::{MailSettings, Mailer, SmtpSecurity};
use roster_domain::password::{HashingLimits, PasswordParams};
use roster_domain::users::AdminBootstrap;
use roster_domain::{AuthSettings, Clock, Roster, SystemClock};
use utoipa_actix_web::AppExt;
use utoipa_swagger_ui::SwaggerUi;

use crate::config::Config;
use crate::error::{path_error, query_error};
use crate::fallback::{KnownRoutes, api_fallback};
use crate::routes::HttpSettings;

/// What start-up did, for the start-up message.
#[derive(Debug, Clone)]
pub struct StartupInfo {
    pub url: String,
    pub database: String,
    /// Where outgoing mail goes.
    pub mail: String,
    pub admin_email: String,
    pub admin: AdminBootstrap,
}

pub struct Application {
    port: u16,
    server: Server,
    roster: Roster,
    info: StartupInfo,
    /// The background job runner, stopped (gracefully) after the server.
    runner: roster_domain::jobs::Runner,
}

/// Connects to the configured database and applies migrations.
pub async fn open_database(
    config: &Config,
) -> anyhow::Result<roster_domain::db::DatabaseConnection> {
    let url = config.effective_database_url();
    let pool = roster_domain::db::PoolSettings {
        max_connections: config.db_pool_size,
        acquire_timeout: std::time::Duration::from_millis(config.db_acquire_timeout_ms.max(1)),
    };
    let db = roster_domain::db::connect_with(&url, pool)
        .await
        .with_context(|| format!("cannot open the database ({})", redact_url(&url)))?;
    roster_domain::db::migrate(&db)
        .await
        .context("cannot apply migrations")?;
    Ok(db)
}

/// The domain context for `config` on `db`.
pub fn roster_for(
    config: &Config,
    db: roster_domain::db::DatabaseConnection,
    clock: Arc<dyn Clock>,
) -> anyhow::Result<Roster> {
    let jwt_secret = match &config.jwt_secret {
        Some(s) if looks_like_an_example(s.expose()) => anyhow::bail!(
            "ROSTER_JWT_SECRET is an example value; set a random one (e.g. `openssl rand -hex 32`)"
        ),
        Some(s) if s.expose().len() >= 32 => s.expose().as_bytes().to_vec(),
        Some(_) => anyhow::bail!("ROSTER_JWT_SECRET must be at least 32 characters"),
        None => load_or_create_secret(&config.data_dir)?,
    };
    let defaults = HashingLimits::default();
    let threads = config
        .password_hash_threads
        .unwrap_or(defaults.threads)
        .max(1);
    let auth = AuthSettings {
        jwt_secret,
        issuer: "roster".into(),
        audience: "roster-api".into(),
        access_ttl: Duration::from_secs(config.access_token_ttl_secs),
        refresh_ttl: Duration::from_secs(config.refresh_token_ttl_secs),
        session_ttl: Duration::from_secs(config.session_ttl_days.max(1) * 24 * 3600),
        password_params: PasswordParams {
            memory_kib: config.password_hash_memory_kib,
            iterations: config.password_hash_iterations,
            parallelism: 1,
        },
        hashing: HashingLimits {
            threads,
            queue: config.password_hash_queue.unwrap_or(threads * 8),
        },
    };
    let mail = MailSettings {
        product_name: config.product_name.clone(),
        public_url: config
            .public_url
            .clone()
            .unwrap_or_else(|| format!("http://{}", config.listen)),
        invitation_ttl: Duration::from_secs(config.invitation_ttl_hours * 3600),
        reset_ttl: Duration::from_secs(config.reset_ttl_minutes * 60),
        retry_base: Duration::from_secs(config.mail_retry_base_secs),
        max_attempts: config.mail_max_attempts.max(1),
    };
    Ok(Roster::new(db, clock, auth, mail))
}

/// The mailer for `config`: SMTP when a host is set, else `.eml` files.
pub fn mailer_for(config: &Config) -> anyhow::Result<(Mailer, Mailbox, String)> {
    let from: Mailbox = config
        .mail_from
        .parse()
        .with_context(|| format!("ROSTER_MAIL_FROM {:?} is not a mailbox", config.mail_from))?;
    match &config.smtp_host {
        Some(host) if !host.trim().is_empty() => {
            let security = match config.smtp_security.as_str() {
                "none" => SmtpSecurity::None,
                "tls" => SmtpSecurity::Tls,
                "starttls" => SmtpSecurity::StartTls,
                other => anyhow::bail!(
                    "ROSTER_SMTP_SECURITY must be starttls, tls or none, not {other:?}"
                ),
            };
            let credentials = config.smtp_username.clone().map(|user| {
                let password = config
                    .smtp_password
                    .as_ref()
                    .map(|p| p.expose().to_string())
                    .unwrap_or_default();
                (user, password)
            });
            let mailer = Mailer::smtp(host, config.smtp_port, security, credentials)?;
            Ok((
                mailer,
                from,
                format!(
                    "SMTP {host}:{} ({})",
                    config.smtp_port, config.smtp_security
                ),
            ))
        }
        _ => {
            let dir = config.data_dir.join("mail");
            let what = format!(".eml files in {}", dir.display());
            Ok((Mailer::Files(dir), from, what))
        }
    }
}

/// A secret copied from documentation rather than generated.
fn looks_like_an_example(secret: &str) -> bool {
    let s = secret.to_ascii_lowercase();
    [
        "change-me",
        "changeme",
        "change_me",
        "example",
        "your-secret",
        "secret-here",
    ]
    .iter()
    .any(|w| s.contains(w))
}

/// The JWT key of the embedded default: generated once, kept in the data folder so
/// restarts do not sign everyone out.
fn load_or_create_secret(data_dir: &std::path::Path) -> anyhow::Result<Vec<u8>> {
    let path = data_dir.join("jwt-secret");
    if let Ok(existing) = std::fs::read_to_string(&path) {
        let existing = existing.trim();
        if existing.len() >= 32 {
            return Ok(existing.as_bytes().to_vec());
        }
    }
    std::fs::create_dir_all(data_dir)
        .with_context(|| format!("cannot create {}", data_dir.display()))?;
    let secret = format!(
        "{}{}",
        roster_domain::tokens::random_token(),
        roster_domain::tokens::random_token()
    );
    write_private(&path, &secret).with_context(|| format!("cannot write {}", path.display()))?;
    Ok(secret.into_bytes())
}

#[cfg(unix)]
fn write_private(path: &std::path::Path, contents: &str) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)?;
    f.write_all(contents.as_bytes())
}

#[cfg(not(unix))]
fn write_private(path: &std::path::Path, contents: &str) -> std::io::Result<()> {
    std::fs::write(path, contents)
}

/// Hides the password in a database URL.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let creds = &url[scheme + 3..at];
            match creds.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme + 3], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

impl Application {
    /// Opens the database, applies migrations, makes sure there is an admin, and
    /// binds the listener. The server runs once `run_until_stopped` is awaited.
    pub async fn build(config: Config) -> anyhow::Result<Self> {
        Self::build_with_clock(config, Arc::new(SystemClock)).await
    }

    pub async fn build_with_clock(config: Config, clock: Arc<dyn Clock>) -> anyhow::Result<Self> {
        // reqwest and lettre bring different rustls crypto providers; SMTP over TLS
        // needs one chosen for the process.
        let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
        let workers = config.workers;
        let db = open_database(&config).await?;
        let database = format!(
            "{} ({})",
            roster_domain::db::backend_name(&db),
            redact_url(&config.effective_database_url())
        );
        let listener = TcpListener::bind(&config.listen)
            .with_context(|| format!("cannot listen on {}", config.listen))?;
        let addr = listener.local_addr()?;
        let port = addr.port();
        let host = match addr.ip() {
            ip if ip.is_unspecified() => "localhost".to_string(),
            std::net::IpAddr::V6(ip) => format!("[{ip}]"),
            ip => ip.to_string(),
        };
        let url = format!("http://{host}:{port}");
        let mut config = config;
        if config.public_url.is_none() {
            config.public_url = Some(url.clone());
        }
        let roster = roster_for(&config, db, clock)?;
        roster.warm_up().await?;
        let (mailer, from, mail) = mailer_for(&config)?;
        let runner = roster_domain::jobs::Runner::start(
            roster.clone(),
            roster_domain::background::registry(
                mailer,
                from,
                Duration::from_secs(config.housekeeping_every_secs.max(1)),
            ),
            roster_domain::jobs::RunnerSettings {
                poll: Duration::from_millis(config.mail_poll_ms.max(10)),
                lease: Duration::from_secs(config.job_lease_secs.max(1)),
                concurrency: config.job_concurrency.max(1),
                shutdown_grace: Duration::from_secs(config.shutdown_grace_secs),
                ..Default::default()
            },
        );
        let admin = roster_domain::users::ensure_admin(
            &roster,
            &roster_domain::Context::system("start-up"),
            &config.admin_email,
            config
                .admin_password
                .as_ref()
                .map(|s| s.expose())
                .filter(|p| !p.is_empty()),
        )
        .await
        .context(
            "cannot create the first admin (check ROSTER_ADMIN_EMAIL and ROSTER_ADMIN_PASSWORD)",
        )?;

        let roster_data = web::Data::new(roster.clone());
        let https = config.is_https();
        let settings = web::Data::new(HttpSettings {
            secure_cookies: config.secure_cookies || https,
            host_prefixed_cookie: https,
            trust_proxy_headers: config.trust_proxy_headers,
            public_origin: config.public_origin(),
        });
        let known = web::Data::new(KnownRoutes::from_document(&crate::openapi::document()));
        let spa_dir = config.effective_spa_dir();
        if !spa_dir.join("index.html").exists() {
            tracing::warn!(dir = %spa_dir.display(), "the SPA is not built; serving a placeholder page");
        }
        let json_limit = config.max_json_body_bytes;
        let index_html = std::fs::read_to_string(spa_dir.join("index.html")).unwrap_or_default();
        let csp = crate::security::content_security_policy(&crate::security::inline_script_hashes(
            &index_html,
        ));

        let mut server = HttpServer::new(move || {
            let app = App::new()
                .app_data(roster_data.clone())
                .app_data(settings.clone())
                .app_data(known.clone())
                .app_data(crate::json::JsonLimit(json_limit))
                .app_data(web::PayloadConfig::new(json_limit + 1))
                .app_data(web::PathConfig::default().error_handler(path_error))
                .app_data(web::QueryConfig::default().error_handler(query_error))
                // HEAD is answered as GET would be, without the body (the
                // connection remembers the request was HEAD and sends none).
                // Innermost, so the log still says HEAD.
                .wrap_fn(|mut req, srv| {
                    if req.method() == actix_web::http::Method::HEAD {
                        req.head_mut().method = actix_web::http::Method::GET;
                    }
                    actix_web::dev::Service::call(srv, req)
                })
                .wrap(crate::idempotency::Idempotency)
                .wrap(Compress::default())
                .wrap({
                    let headers = DefaultHeaders::new()
                        .add(("X-Content-Type-Options", "nosniff"))
                        .add(("Referrer-Policy", "no-referrer"))
                        .add(("X-Frame-Options", "DENY"))
                        .add(("Content-Security-Policy", csp.clone()))
                        .add(("Cross-Origin-Opener-Policy", "same-origin"))
                        // API answers hold people's data: never kept by the
                        // browser or a proxy (the web app's files set their
                        // own caching, which this does not replace).
                        .add(("Cache-Control", "no-store"));
                    if https {
                        headers.add(("Strict-Transport-Security", crate::security::HSTS))
                    } else {
                        headers
                    }
                })
                .wrap(
                    Logger::new("%{method}xi %U %s %b %Dms request_id=%{x-request-id}i")
                        .custom_request_replace("method", |req| req.method().to_string()),
                )
                // Outermost: every response, errors of the layers above
                // included, carries the request id, and every log line of the
                // request is inside its span.
                .wrap_fn(|mut req, srv| {
                    use actix_web::http::header::{HeaderName, HeaderValue};
                    use tracing::Instrument;
                    let name = HeaderName::from_static("x-request-id");
                    let id = crate::auth::request_id_for(
                        req.headers().get(&name).and_then(|v| v.to_str().ok()),
                    );
                    // The chosen id replaces the client's in the request too,
                    // so the access log line (written by an inner layer) has it.
                    let value = HeaderValue::from_str(&id).ok();
                    if let Some(value) = &value {
                        req.headers_mut().insert(name.clone(), value.clone());
                    }
                    req.extensions_mut()
                        .insert(crate::auth::RequestId(id.clone()));
                    let span = tracing::info_span!("request", request_id = %id);
                    let call = span.in_scope(|| actix_web::dev::Service::call(srv, req));
                    async move {
                        // (Errors of the layers inside become responses there;
                        // an `Err` here is only the connection's.)
                        let mut res = call.await?;
                        if let Some(value) = value {
                            res.headers_mut().insert(name, value);
                        }
                        Ok(res)
                    }
                    .instrument(span)
                });
            crate::openapi::mount(app.into_utoipa_app())
                .openapi_service(|doc| {
                    SwaggerUi::new("/api/docs/{_:.*}")
                        .url("/api/openapi.json", crate::openapi::finish(doc))
                })
                .into_app()
                .route(
                    "/api/docs",
                    web::get().to(|| async {
                        actix_web::HttpResponse::PermanentRedirect()
                            .insert_header((actix_web::http::header::LOCATION, "/api/docs/"))
                            .finish()
                    }),
                )
                .service(web::scope("/api").default_service(web::to(api_fallback)))
                .configure(crate::spa::configure(spa_dir.clone()))
        })
        .shutdown_timeout(10)
        // SIGTERM and Ctrl-C are ours (see `run_until_stopped`): the job
        // runner must stop claiming the moment the server stops accepting.
        .disable_signals();
        if let Some(n) = workers {
            server = server.workers(n);
        }
        let server = server.listen(listener)?.run();

        let info = StartupInfo {
            url,
            database,
            mail,
            admin_email: roster_types::validate::normalise_email(&config.admin_email),
            admin,
        };
        Ok(Self {
            port,
            server,
            roster,
            info,
            runner,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn roster(&self) -> &Roster {
        &self.roster
    }

    pub fn info(&self) -> &StartupInfo {
        &self.info
    }

    /// Stops the server (and with it the outbox worker) from elsewhere.
    pub fn handle(&self) -> actix_web::dev::ServerHandle {
        self.server.handle()
    }

    /// Serves until the server is stopped (SIGTERM, Ctrl-C, or [`Self::handle`]).
    /// On a signal the server stops accepting and lets in-flight requests
    /// finish, and at the same moment the job runner stops claiming; running
    /// jobs get the grace period to reach a safe point, and the leases of the
    /// rest are given back for another instance to take.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let handle = self.server.handle();
        let stop_claiming = self.runner.stop_claiming();
        let signals = tokio::spawn(async move {
            shutdown_signal().await;
            tracing::info!("shutting down: finishing requests and jobs");
            stop_claiming.stop();
            handle.stop(true).await;
        });
        let result = self.server.await;
        signals.abort();
        self.runner.shutdown().await;
        result
    }
}

/// Resolves on SIGTERM (Unix) or Ctrl-C.
async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = term.recv() => {}
                    _ = tokio::signal::ctrl_c() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
