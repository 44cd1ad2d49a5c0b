//! The command line: `serve` (default), `migrate`, `openapi`, `create-admin`, `seed`.

use std::io::{IsTerminal, Read};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use clap::{Parser, Subcommand};
use roster_domain::SystemClock;
use roster_domain::users::AdminBootstrap;

use crate::config::{Config, LogFormat};
use crate::startup::{Application, StartupInfo, open_database, roster_for};

#[derive(Debug, Parser)]
#[command(
    name = "roster",
    version,
    about = "Roster: the user back office for B2B learning on Thinkific"
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the server (the default).
    Serve,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Print the OpenAPI document.
    Openapi,
    /// Create an admin, or make an existing user an admin with a new password.
    CreateAdmin {
        /// The admin's email address.
        #[arg(long)]
        email: String,
        /// Read the password from standard input instead of asking.
        #[arg(long)]
        password_stdin: bool,
    },
    /// Insert many generated users (for demos and benchmarks).
    Seed {
        /// How many users to insert.
        #[arg(long)]
        users: u64,
        /// Spread them over this many new teams (one in 1,000 manages theirs).
        #[arg(long, default_value_t = 0)]
        teams: u64,
    },
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Some(Command::Openapi) = cli.command {
        print!("{}", crate::openapi::document_json());
        return ExitCode::SUCCESS;
    }
    let config = match Config::load() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("roster: invalid configuration: {e}");
            return ExitCode::from(2);
        }
    };
    init_tracing(config.log_format);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("roster: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli.command.unwrap_or(Command::Serve), config)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("roster: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn init_tracing(format: LogFormat) {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| {
        EnvFilter::new("info,sqlx=warn,sea_orm_migration=warn,actix_server=warn")
    });
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let _ = match format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder.json().try_init(),
    };
}

async fn run(command: Command, config: Config) -> anyhow::Result<()> {
    match command {
        Command::Serve => serve(config).await,
        Command::Migrate => {
            open_database(&config).await?;
            println!("Migrations applied.");
            Ok(())
        }
        Command::Openapi => unreachable!("handled before the runtime starts"),
        Command::CreateAdmin {
            email,
            password_stdin,
        } => {
            let password = read_password(password_stdin)?;
            let db = open_database(&config).await?;
            let roster = roster_for(&config, db, Arc::new(SystemClock))?;
            let user = roster_domain::users::upsert_admin(
                &roster,
                &roster_domain::Context::system("create-admin"),
                &email,
                &password,
            )
            .await
            .map_err(|e| match e {
                roster_domain::Error::Validation(errors) => anyhow::anyhow!(
                    "{}",
                    errors
                        .iter()
                        .map(|e| format!("{}: {}", e.field, e.message))
                        .collect::<Vec<_>>()
                        .join("; ")
                ),
                other => other.into(),
            })?;
            println!("{} is an admin and can sign in.", user.email);
            Ok(())
        }
        Command::Seed { users, teams } => {
            let db = open_database(&config).await?;
            let roster = roster_for(&config, db, Arc::new(SystemClock))?;
            let started = std::time::Instant::now();
            let n = roster_domain::seed::users_in_teams(
                &roster,
                &roster_domain::Context::system("seed"),
                users,
                teams,
                2_000,
            )
            .await?;
            println!(
                "Inserted {n} users in {:.1} s.",
                started.elapsed().as_secs_f64()
            );
            Ok(())
        }
    }
}

fn read_password(from_stdin: bool) -> anyhow::Result<String> {
    if from_stdin || !std::io::stdin().is_terminal() {
        let mut s = String::new();
        std::io::stdin()
            .read_to_string(&mut s)
            .context("cannot read the password")?;
        return Ok(s.trim_end_matches(['\r', '\n']).to_string());
    }
    let first = rpassword::prompt_password("New admin password: ")?;
    let second = rpassword::prompt_password("Repeat it: ")?;
    anyhow::ensure!(first == second, "the passwords differ");
    Ok(first)
}

async fn serve(config: Config) -> anyhow::Result<()> {
    if config.database_url.is_some() && config.jwt_secret.is_none() {
        tracing::warn!(
            "ROSTER_JWT_SECRET is not set: this instance keeps its own key in the data folder; \
             set one shared secret when several instances serve one database"
        );
    }
    let app = Application::build(config).await?;
    print_banner(app.info());
    app.run_until_stopped()
        .await
        .context("the server stopped with an error")
}

fn print_banner(info: &StartupInfo) {
    println!();
    println!("  Roster is running at {}", info.url);
    println!("  Database:      {}", info.database);
    println!("  Mail:          {}", info.mail);
    println!("  API reference: {}/api/docs/", info.url);
    match &info.admin {
        AdminBootstrap::CreatedWithGeneratedPassword(password) => {
            println!(
                "  Sign in as {} with the one-time password {password}",
                info.admin_email
            );
            println!(
                "  (shown only now; set ROSTER_ADMIN_PASSWORD or run `roster create-admin` to choose one)"
            );
        }
        AdminBootstrap::Created => {
            println!(
                "  Sign in as {} with ROSTER_ADMIN_PASSWORD.",
                info.admin_email
            );
        }
        AdminBootstrap::Existing => {
            println!(
                "  Sign in with your admin account (lost it? `roster create-admin --email ...`)."
            );
        }
    }
    println!();
}
