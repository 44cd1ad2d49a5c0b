//! Builds the browser app into `target/spa/`: the wasm32 release build of
//! `roster-frontend`, wasm-bindgen's `--target web` glue (through the library, so
//! no global `wasm-bindgen` install is needed), `index.html` and `style.css`.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, bail};

const TARGET: &str = "wasm32-unknown-unknown";
const PROFILE: &str = "wasm-release";
const PACKAGE: &str = "roster-frontend";
/// The name the JS and wasm files get; `frontend/index.html` imports them.
const OUT_NAME: &str = "roster_frontend";
/// Files copied as they are from `frontend/`.
const STATIC_FILES: [&str; 2] = ["index.html", "style.css"];

/// Builds the SPA and returns the directory that holds it (`<root>/target/spa`).
pub fn build_spa(workspace_root: &Path) -> anyhow::Result<PathBuf> {
    ensure_wasm_target(workspace_root)?;

    let status = crate::cargo()
        .current_dir(workspace_root)
        .args([
            "build",
            "-p",
            PACKAGE,
            "--target",
            TARGET,
            "--profile",
            PROFILE,
        ])
        .status()
        .context("running cargo build for the frontend")?;
    if !status.success() {
        bail!("cargo build of {PACKAGE} for {TARGET} failed ({status})");
    }

    let target_dir = target_dir(workspace_root);
    // Cargo names the binary after the package, hyphens and all.
    let wasm = target_dir
        .join(TARGET)
        .join(PROFILE)
        .join(format!("{PACKAGE}.wasm"));
    let out_dir = target_dir.join("spa");
    if out_dir.exists() {
        std::fs::remove_dir_all(&out_dir)
            .with_context(|| format!("clearing {}", out_dir.display()))?;
    }
    std::fs::create_dir_all(&out_dir).with_context(|| format!("creating {}", out_dir.display()))?;

    wasm_bindgen_cli_support::Bindgen::new()
        .input_path(&wasm)
        .out_name(OUT_NAME)
        .web(true)?
        .omit_default_module_path(false)
        .typescript(false)
        .generate(&out_dir)
        .with_context(|| format!("running wasm-bindgen on {}", wasm.display()))?;

    let frontend = workspace_root.join("frontend");
    for file in STATIC_FILES {
        std::fs::copy(frontend.join(file), out_dir.join(file))
            .with_context(|| format!("copying frontend/{file}"))?;
    }
    Ok(out_dir)
}

/// `CARGO_TARGET_DIR` when set, else `<root>/target`.
fn target_dir(workspace_root: &Path) -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) => workspace_root.join(dir),
        None => workspace_root.join("target"),
    }
}

/// Adds the wasm32 target through rustup when it is missing. Without rustup
/// (a distro toolchain, say) there is nothing to do here: the build will say
/// if the target is missing.
fn ensure_wasm_target(workspace_root: &Path) -> anyhow::Result<()> {
    let installed = match Command::new("rustup")
        .current_dir(workspace_root)
        .args(["target", "list", "--installed"])
        .output()
    {
        Ok(output) if output.status.success() => output.stdout,
        _ => return Ok(()),
    };
    if String::from_utf8_lossy(&installed)
        .lines()
        .any(|line| line.trim() == TARGET)
    {
        return Ok(());
    }
    let status = Command::new("rustup")
        .current_dir(workspace_root)
        .args(["target", "add", TARGET])
        .status()
        .context("running rustup target add")?;
    if !status.success() {
        bail!("rustup target add {TARGET} failed ({status})");
    }
    Ok(())
}
