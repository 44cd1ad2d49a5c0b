//! Project tasks: `cargo xtask <task>`.
//!
//! - `spa`: only the SPA (wasm), into `target/spa/`.
//! - `build [--release]`: the SPA (wasm) and the `roster` binary.
//! - `run [--release] [-- ARGS]`: build, then run `roster` on the embedded default.
//! - `test`: build the SPA, run every test on SQLite, and again on PostgreSQL when
//!   `DATABASE_URL` names one (says loudly when it does not).
//! - `openapi`: regenerate `openapi/openapi.json`.

mod spa;

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};

fn root() -> Result<PathBuf> {
    Ok(Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .context("xtask sits inside the workspace")?
        .to_path_buf())
}

/// A cargo command without the variables `cargo run` set for this xtask
/// (`CARGO_PKG_*`, `CARGO_MANIFEST_DIR`, ...): left in, they change the
/// fingerprints of the crates the inner cargo builds, and a plain `cargo test`
/// afterwards would rebuild them.
fn cargo() -> Command {
    let mut cmd = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    for (key, _) in std::env::vars_os() {
        let key = key.to_string_lossy();
        if key.starts_with("CARGO_PKG_")
            || key.starts_with("CARGO_BIN_")
            || matches!(
                key.as_ref(),
                "CARGO_MANIFEST_DIR"
                    | "CARGO_MANIFEST_PATH"
                    | "CARGO_CRATE_NAME"
                    | "CARGO_PRIMARY_PACKAGE"
            )
        {
            cmd.env_remove(key.as_ref());
        }
    }
    cmd
}

fn run(cmd: &mut Command) -> Result<()> {
    let status = cmd
        .status()
        .with_context(|| format!("cannot start {cmd:?}"))?;
    if !status.success() {
        bail!("{cmd:?} failed with {status}");
    }
    Ok(())
}

fn build_server(root: &Path, release: bool) -> Result<()> {
    let mut cmd = cargo();
    cmd.current_dir(root)
        .args(["build", "-p", "roster-api", "--bin", "roster"]);
    if release {
        cmd.arg("--release");
    }
    run(&mut cmd)
}

fn postgres_url() -> Option<String> {
    std::env::var("DATABASE_URL")
        .ok()
        .filter(|u| u.starts_with("postgres"))
}

/// Where the tests note what they skipped (`roster_tests::skip`), so that the
/// summary can say so: the harness hides the output of passing tests.
fn skip_log(root: &Path) -> PathBuf {
    root.join("target").join("skipped-tests.txt")
}

fn test(root: &Path, extra: &[String]) -> Result<()> {
    let skips = skip_log(root);
    let _ = std::fs::remove_file(&skips);
    let require_postgres = std::env::var_os("ROSTER_REQUIRE_POSTGRES").is_some();
    if require_postgres && postgres_url().is_none() {
        bail!(
            "ROSTER_REQUIRE_POSTGRES is set but DATABASE_URL names no PostgreSQL \
             (set DATABASE_URL=postgres://user@host:5432/postgres)"
        );
    }
    let result = run_tests(root, extra, &skips);
    summarise_skips(&skips);
    result
}

fn summarise_skips(skips: &Path) {
    let noted = std::fs::read_to_string(skips).unwrap_or_default();
    let mut lines: Vec<&str> = noted.lines().filter(|l| !l.trim().is_empty()).collect();
    lines.sort_unstable();
    lines.dedup();
    println!("\n=== skipped ===");
    if lines.is_empty() {
        println!("nothing was skipped");
    } else {
        for line in lines {
            println!("*** SKIPPED: {line} ***");
        }
    }
}

fn run_tests(root: &Path, extra: &[String], skips: &Path) -> Result<()> {
    spa::build_spa(root)?;
    println!("\n=== SPA unit tests (native) ===");
    let mut frontend = cargo();
    frontend
        .current_dir(root)
        .args(["test", "-p", "roster-frontend"])
        .args(extra);
    run(&mut frontend)?;
    println!("\n=== tests on SQLite ===");
    let mut sqlite = cargo();
    sqlite
        .current_dir(root)
        .args(["test", "--workspace", "--exclude", "roster-frontend"])
        .args(extra)
        .env("ROSTER_SKIP_LOG", skips)
        .env_remove("DATABASE_URL")
        .env_remove("ROSTER_REQUIRE_POSTGRES");
    run(&mut sqlite)?;
    match postgres_url() {
        Some(url) => {
            println!("\n=== tests on PostgreSQL ===");
            let mut pg = cargo();
            // The same package selection as above, so nothing is rebuilt.
            pg.current_dir(root)
                .args(["test", "--workspace", "--exclude", "roster-frontend"])
                .args(extra)
                .env("ROSTER_SKIP_LOG", skips)
                .env("DATABASE_URL", url);
            run(&mut pg)?;
        }
        None => {
            let what = "the PostgreSQL run of the tests: set \
                 DATABASE_URL=postgres://user@host:5432/postgres (a role that may CREATE DATABASE) \
                 to run every API test on PostgreSQL too";
            eprintln!("\n*** SKIPPED: {what}. ***\n");
            let _ = append_line(skips, what);
        }
    }
    Ok(())
}

fn append_line(path: &Path, line: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)?;
    writeln!(f, "{line}")
}

fn main() -> Result<()> {
    let root = root()?;
    let args: Vec<String> = std::env::args().skip(1).collect();
    let task = args.first().map(String::as_str).unwrap_or("help");
    let release = args.iter().any(|a| a == "--release");
    let passthrough: Vec<String> = args
        .iter()
        .skip_while(|a| *a != "--")
        .skip(1)
        .cloned()
        .collect();
    match task {
        "spa" => {
            let out = spa::build_spa(&root)?;
            println!("Built the SPA into {}.", out.display());
        }
        "build" => {
            let out = spa::build_spa(&root)?;
            build_server(&root, release)?;
            println!(
                "Built the SPA into {} and the roster binary.",
                out.display()
            );
        }
        "run" => {
            let spa_dir = spa::build_spa(&root)?;
            let mut cmd = cargo();
            cmd.current_dir(&root)
                .args(["run", "-p", "roster-api", "--bin", "roster"])
                .args(release.then_some("--release"))
                .arg("--")
                .args(&passthrough)
                .env("ROSTER_SPA_DIR", spa_dir);
            run(&mut cmd)?;
        }
        "test" => test(&root, &passthrough)?,
        "openapi" => {
            let output = cargo()
                .current_dir(&root)
                .args([
                    "run",
                    "--quiet",
                    "-p",
                    "roster-api",
                    "--bin",
                    "roster",
                    "--",
                    "openapi",
                ])
                .output()
                .context("cannot run roster openapi")?;
            if !output.status.success() {
                bail!(
                    "roster openapi failed: {}",
                    String::from_utf8_lossy(&output.stderr)
                );
            }
            std::fs::write(root.join("openapi/openapi.json"), output.stdout)?;
            println!("Wrote openapi/openapi.json");
        }
        _ => {
            println!(
                "cargo xtask <task>\n\n  spa                      build only the SPA (into target/spa)\n  \
                 build [--release]        build the SPA and the roster binary\n  \
                 run [--release] [-- ..]  build, then run roster (SQLite in ./data by default)\n  \
                 test [-- ..]             all tests: SQLite, then PostgreSQL if DATABASE_URL is set\n  \
                 openapi                  regenerate openapi/openapi.json"
            );
        }
    }
    Ok(())
}
