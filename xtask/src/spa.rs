//! Builds the browser app into `target/spa/`: the wasm32 release build of
//! `roster-frontend` (linked with its relocations), split at the split points of
//! `frontend/src/lazy.rs` into the main module and page modules with a JS loader
//! (`wasm_split_cli_support`), wasm-bindgen's `--target web` glue for the main
//! module (through the library, so no global `wasm-bindgen` install is needed)
//! without the name section, npm binaryen's `wasm-opt` over every module when
//! `npx` is there, then content-hashed names for the page modules, the loader,
//! the JS glue, the wasm, `style.css` and a small boot module that starts the
//! app (so `index.html` has no inline script), an `index.html` that points at
//! them, and a gzip and a brotli copy of each hashed file, which the server sends
//! as they are (`crates/api/src/spa.rs`).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{Context, bail};
use sha2::{Digest, Sha256};

const TARGET: &str = "wasm32-unknown-unknown";
const PROFILE: &str = "wasm-release";
const PACKAGE: &str = "roster-frontend";
/// The name wasm-bindgen gives the JS and wasm files, before hashing.
const OUT_NAME: &str = "roster_frontend";
/// The stylesheet, copied from `frontend/` and hashed like the rest.
const STYLESHEET: &str = "style.css";
/// The module `index.html` starts the app with (written here, then hashed).
const BOOT: &str = "boot.js";
/// npm's binaryen, pinned. Debian's (108) produces a module the browser rejects;
/// this one is known to work.
const BINARYEN: &str = "binaryen@132.0.0";
/// `-Oz`, and the wasm features rustc's wasm32 target enables by default (the
/// module's `target_features` section lists the same ones).
/// Names and producers go too (wasm-bindgen drops the main module's; the
/// page modules come from the splitter with theirs).
const WASM_OPT_ARGS: [&str; 9] = [
    "-Oz",
    "--strip-debug",
    "--strip-producers",
    "--enable-bulk-memory",
    "--enable-nontrapping-float-to-int",
    "--enable-sign-ext",
    "--enable-mutable-globals",
    "--enable-reference-types",
    "--enable-multivalue",
];
/// The loader of the page modules, as the splitter writes it and as the
/// main wasm imports it: its hash, as long as the underscores, is put in
/// their place in the glue and in the wasm's import section alike.
const SPLIT_LOADER: &str = "__wasm_split-________________.js";
const SPLIT_LOADER_IMPORT: &str = "./__wasm_split-________________.js";
/// How the loader imports the wasm-bindgen glue (next to it).
const GLUE_IMPORT: &str = "./roster_frontend.js";
/// How many hex digits of the SHA-256 of a file go into its name.
const HASH_LEN: usize = 16;

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
            // Leptos erases view types to `AnyView` at component boundaries:
            // about 15% less wasm (gzip), with the same behaviour.
            // The linker keeps its relocations, which the splitter reads to
            // move code between modules.
            "--config",
            "target.wasm32-unknown-unknown.rustflags=[\"--cfg\", \"erase_components\", \"-C\", \"link-args=--emit-relocs\"]",
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
    // Built next to its place and moved there at the end, so that neither a
    // running server nor a second build at the same time sees half of it.
    let spa_dir = target_dir.join("spa");
    sweep_leftovers(&target_dir);
    let out_dir = target_dir.join(format!("spa.building-{}", std::process::id()));
    let built = assemble(workspace_root, &target_dir, &wasm, &out_dir)
        .and_then(|summary| replace_dir(&out_dir, &spa_dir).map(|()| summary));
    match built {
        Ok(summary) => {
            println!("{summary}");
            Ok(spa_dir)
        }
        Err(err) => {
            let _ = std::fs::remove_dir_all(&out_dir);
            Err(err)
        }
    }
}

/// Turns the cargo-built `wasm` into the served files in `out_dir`; returns a
/// line about the wasm's size.
fn assemble(
    workspace_root: &Path,
    target_dir: &Path,
    wasm: &Path,
    out_dir: &Path,
) -> anyhow::Result<String> {
    if out_dir.exists() {
        std::fs::remove_dir_all(out_dir)
            .with_context(|| format!("clearing {}", out_dir.display()))?;
    }
    std::fs::create_dir_all(out_dir).with_context(|| format!("creating {}", out_dir.display()))?;

    // The pages behind sign-in (`frontend/src/lazy.rs`) go into modules of
    // their own, which the loader fetches when a page is first opened.
    let input = std::fs::read(wasm).with_context(|| format!("reading {}", wasm.display()))?;
    let split_main = target_dir.join(format!("spa-split-main-{}.wasm", std::process::id()));
    let split = wasm_split_cli_support::transform({
        let mut options = wasm_split_cli_support::Options::new(&input);
        options.output_dir = out_dir;
        options.main_out_path = &split_main;
        options.link_name = SPLIT_LOADER_IMPORT;
        options.main_module = GLUE_IMPORT;
        options
    })
    .map_err(|err| anyhow::anyhow!("splitting {}: {err:#}", wasm.display()))?;

    // The name section (function names for stack traces) is half the module;
    // panics still reach the console through console_error_panic_hook.
    let bindgen = wasm_bindgen_cli_support::Bindgen::new()
        .input_path(&split_main)
        .out_name(OUT_NAME)
        .web(true)?
        .keep_debug(false)
        .remove_name_section(true)
        .remove_producers_section(true)
        // The page modules call into the main module through its exports.
        .keep_lld_exports(true)
        // The boot module always passes the (hashed) wasm URL to `init`.
        .omit_default_module_path(true)
        .typescript(false)
        .generate(out_dir)
        .with_context(|| format!("running wasm-bindgen on {}", split_main.display()));
    let _ = std::fs::remove_file(&split_main);
    bindgen?;

    let mut cache = Cache::open(target_dir.join("spa-cache"));
    let optimised = optimise_wasm(&mut cache, &out_dir.join(format!("{OUT_NAME}_bg.wasm")))?;
    for module in &split.split_modules {
        // wasm-bindgen drops the main module's names; these come from the
        // splitter with theirs, and wasm-opt may not be there to drop them.
        let bytes =
            std::fs::read(module).with_context(|| format!("reading {}", module.display()))?;
        let stripped = strip_custom_sections(&bytes, &["name", "producers"])
            .with_context(|| format!("reading the sections of {}", module.display()))?;
        std::fs::write(module, stripped)
            .with_context(|| format!("writing {}", module.display()))?;
        optimise_wasm(&mut cache, module)?;
    }

    let frontend = workspace_root.join("frontend");
    std::fs::copy(frontend.join(STYLESHEET), out_dir.join(STYLESHEET))
        .with_context(|| format!("copying frontend/{STYLESHEET}"))?;

    // The page modules by content; the loader names them.
    let mut loader = read_text(&out_dir.join(SPLIT_LOADER))?;
    let mut pages = Vec::new();
    for module in &split.split_modules {
        let Some(name) = module.file_name().and_then(|n| n.to_str()) else {
            bail!("the splitter wrote {}, which has no name", module.display());
        };
        let hashed = rename_to_hashed(out_dir, name)?;
        loader = replace_once(
            &loader,
            &format!("\"./{name}\""),
            &format!("\"./{hashed}\""),
        )
        .with_context(|| format!("naming {hashed} in {SPLIT_LOADER}"))?;
        pages.push(hashed);
    }
    // The glue imports the loader and the loader the glue, so neither name
    // can hold a hash of the other's final text: both take one hash of the
    // two texts before either names the other.
    let glue_file = format!("{OUT_NAME}.js");
    let glue = read_text(&out_dir.join(&glue_file))?;
    let pair = hex::encode(
        Sha256::new()
            .chain_update((glue.len() as u64).to_le_bytes())
            .chain_update(&glue)
            .chain_update((loader.len() as u64).to_le_bytes())
            .chain_update(&loader)
            .finalize(),
    );
    let pair = &pair[..HASH_LEN];
    let hashed_glue = format!("{OUT_NAME}-{pair}.js");
    let hashed_loader = SPLIT_LOADER.replace(&"_".repeat(HASH_LEN), pair);
    debug_assert_eq!(hashed_loader.len(), SPLIT_LOADER.len());
    // The glue imports the loader once per split point, and hands the wasm
    // its functions under the module name the wasm imports them by.
    let imports = glue
        .matches(&format!("from \"{SPLIT_LOADER_IMPORT}\""))
        .count();
    if imports == 0 {
        bail!("the wasm-bindgen glue does not import {SPLIT_LOADER_IMPORT}");
    }
    let glue = glue.replace(SPLIT_LOADER_IMPORT, &format!("./{hashed_loader}"));
    let main_wasm = out_dir.join(format!("{OUT_NAME}_bg.wasm"));
    let wasm_bytes =
        std::fs::read(&main_wasm).with_context(|| format!("reading {}", main_wasm.display()))?;
    let wasm_bytes = replace_bytes(
        &wasm_bytes,
        SPLIT_LOADER_IMPORT.as_bytes(),
        format!("./{hashed_loader}").as_bytes(),
        // One import of the wasm per split point, as in the glue.
        imports,
    )
    .with_context(|| format!("naming {hashed_loader} in the wasm's imports"))?;
    std::fs::write(&main_wasm, wasm_bytes)
        .with_context(|| format!("writing {}", main_wasm.display()))?;
    let loader = replace_once(
        &loader,
        &format!("\"{GLUE_IMPORT}\""),
        &format!("\"./{hashed_glue}\""),
    )
    .with_context(|| format!("naming {hashed_glue} in {SPLIT_LOADER}"))?;
    for (from, to, text) in [
        (&glue_file, &hashed_glue, &glue),
        (&SPLIT_LOADER.to_string(), &hashed_loader, &loader),
    ] {
        std::fs::write(out_dir.join(to), text).with_context(|| format!("writing {to}"))?;
        std::fs::remove_file(out_dir.join(from)).with_context(|| format!("removing {from}"))?;
    }

    let mut renames = vec![(glue_file, hashed_glue)];
    for file in [format!("{OUT_NAME}_bg.wasm"), STYLESHEET.to_string()] {
        let hashed = rename_to_hashed(out_dir, &file)?;
        renames.push((file, hashed));
    }
    // The page starts from a module file, not an inline script: its hash is
    // not in a CSP that a server running across a rebuild computed once.
    let boot = boot_module(&renames[0].1, &renames[1].1);
    std::fs::write(out_dir.join(BOOT), boot).with_context(|| format!("writing {BOOT}"))?;
    renames.push((BOOT.to_string(), rename_to_hashed(out_dir, BOOT)?));

    let template = std::fs::read_to_string(frontend.join("index.html"))
        .context("reading frontend/index.html")?;
    // The page names every file: the glue and the wasm to preload them while
    // the boot module (which imports them) comes.
    let index = rewrite_references(&template, &renames)?;
    std::fs::write(out_dir.join("index.html"), index).context("writing index.html")?;

    let mut summary = String::new();
    for (original, hashed) in &renames {
        let sizes = precompress(&mut cache, &out_dir.join(hashed))?;
        if original.ends_with(".wasm") {
            summary = format!(
                "SPA wasm: {} raw, {} gzip, {} brotli at the start ({optimised})",
                kib(sizes.raw),
                kib(sizes.gzip),
                kib(sizes.brotli)
            );
        }
    }
    precompress(&mut cache, &out_dir.join(&hashed_loader))?;
    let mut later = Sizes {
        raw: 0,
        gzip: 0,
        brotli: 0,
    };
    for page in &pages {
        let sizes = precompress(&mut cache, &out_dir.join(page))?;
        later.raw += sizes.raw;
        later.gzip += sizes.gzip;
        later.brotli += sizes.brotli;
    }
    summary.push_str(&format!(
        "\n          {} page modules, fetched when first opened: {} raw, {} gzip, {} brotli in all",
        pages.len(),
        kib(later.raw),
        kib(later.gzip),
        kib(later.brotli)
    ));
    cache.prune();
    Ok(summary)
}

/// The boot module: loads the wasm-bindgen glue and starts it on the wasm,
/// both by their hashed names (so the module's own hash changes with theirs).
/// A page the browser brings back from its back-forward cache is loaded
/// afresh instead, so that Back after signing out (here or in another tab)
/// cannot show what the signed-in page held.
fn boot_module(js: &str, wasm: &str) -> String {
    format!(
        "addEventListener('pageshow', (event) => {{ if (event.persisted) location.reload(); }});\n\
         import init from '/{js}';\n\
         await init({{ module_or_path: '/{wasm}' }});\n"
    )
}

/// Removes what builds that were killed left behind (`spa.building-<pid>`,
/// `spa.old-<pid>`), unless that process still runs (on Linux, where `/proc`
/// says; elsewhere only folders over a day old).
fn sweep_leftovers(target_dir: &Path) {
    let Ok(entries) = std::fs::read_dir(target_dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(pid) = name
            .strip_prefix("spa.building-")
            .or_else(|| name.strip_prefix("spa.old-"))
        else {
            continue;
        };
        let proc_dir = Path::new("/proc");
        let gone = if proc_dir.exists() {
            !proc_dir.join(pid).exists()
        } else {
            entry
                .metadata()
                .and_then(|m| m.modified())
                .ok()
                .and_then(|t| t.elapsed().ok())
                .is_some_and(|age| age.as_secs() > 24 * 3600)
        };
        if gone {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

/// Moves the directory `from` to `to`, in place of whatever is there. The old
/// one is first renamed aside, so `to` is missing only between two renames,
/// never while a tree is being deleted.
fn replace_dir(from: &Path, to: &Path) -> anyhow::Result<()> {
    let aside = to.with_extension(format!("old-{}", std::process::id()));
    // Another build may put its result there in between: then go again.
    for _ in 0..10 {
        match std::fs::rename(to, &aside) {
            Ok(()) => {}
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => {}
            Err(err) => return Err(err).with_context(|| format!("moving {} aside", to.display())),
        }
        let moved = std::fs::rename(from, to);
        if aside.exists()
            && let Err(err) = std::fs::remove_dir_all(&aside)
        {
            // The new build is in place; the old one only takes room.
            println!("note: cannot remove {}: {err}", aside.display());
        }
        if moved.is_ok() {
            return Ok(());
        }
    }
    bail!("cannot move {} to {}", from.display(), to.display())
}

/// Sizes of one file and its compressed siblings, in bytes.
struct Sizes {
    raw: usize,
    gzip: usize,
    brotli: usize,
}

fn kib(bytes: usize) -> String {
    format!("{:.0} KiB", bytes as f64 / 1024.0)
}

/// Runs npm binaryen's `wasm-opt` over `wasm` in place, through `npx`. Without
/// `npx`, or when it fails, the file stays as it is and a note says so: the build
/// works with only rustup and cargo. Returns what happened, for the summary line.
fn optimise_wasm(cache: &mut Cache, wasm: &Path) -> anyhow::Result<String> {
    let input = std::fs::read(wasm).with_context(|| format!("reading {}", wasm.display()))?;
    let what = format!("wasm-opt {} from {BINARYEN}", WASM_OPT_ARGS.join(" "));
    let mut key: Vec<&[u8]> = vec![b"wasm-opt", BINARYEN.as_bytes()];
    key.extend(WASM_OPT_ARGS.iter().map(|a| a.as_bytes()));
    key.push(&input);
    if let Some(optimised) = cache.get(&key) {
        std::fs::write(wasm, optimised).with_context(|| format!("writing {}", wasm.display()))?;
        return Ok(format!("{what}, cached"));
    }

    let output_path = wasm.with_extension("opt.wasm");
    let result = Command::new("npx")
        .args(["--yes", "-p", BINARYEN, "wasm-opt"])
        .args(WASM_OPT_ARGS)
        .arg(wasm)
        .arg("-o")
        .arg(&output_path)
        .stdin(Stdio::null())
        .output();
    let why_not = match result {
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
            Some("npx (Node.js) is not installed".to_string())
        }
        Err(err) => Some(format!("npx cannot start: {err}")),
        Ok(out) if !out.status.success() => {
            let stderr = String::from_utf8_lossy(&out.stderr);
            let last = stderr
                .lines()
                .rev()
                .find(|l| !l.trim().is_empty())
                .unwrap_or_default();
            Some(format!(
                "npx -p {BINARYEN} wasm-opt failed ({}): {}",
                out.status,
                last.trim()
            ))
        }
        Ok(_) => None,
    };
    if let Some(why_not) = why_not {
        let _ = std::fs::remove_file(&output_path);
        println!(
            "note: the wasm is not optimised by wasm-opt ({why_not}); the app works, just larger"
        );
        return Ok("without wasm-opt".into());
    }
    let optimised = std::fs::read(&output_path)
        .with_context(|| format!("reading {}", output_path.display()))?;
    std::fs::rename(&output_path, wasm).with_context(|| format!("replacing {}", wasm.display()))?;
    cache.put(&key, &optimised);
    Ok(what)
}

/// Renames `dir/file` to `<stem>-<hash>.<ext>`, the hash taken from its
/// contents, and returns the new name.
fn rename_to_hashed(dir: &Path, file: &str) -> anyhow::Result<String> {
    let path = dir.join(file);
    let bytes = std::fs::read(&path).with_context(|| format!("reading {}", path.display()))?;
    let hash = hex::encode(Sha256::digest(&bytes));
    let Some((stem, ext)) = file.rsplit_once('.') else {
        bail!("{file} has no extension");
    };
    let hashed = format!("{stem}-{}.{ext}", &hash[..HASH_LEN]);
    std::fs::rename(&path, dir.join(&hashed))
        .with_context(|| format!("renaming {} to {hashed}", path.display()))?;
    Ok(hashed)
}

fn read_text(path: &Path) -> anyhow::Result<String> {
    std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))
}

/// `bytes` with every `from` replaced by `to`, of the same length (a wasm
/// string keeps its length prefix); `from` must occur `times` times.
fn replace_bytes(bytes: &[u8], from: &[u8], to: &[u8], times: usize) -> anyhow::Result<Vec<u8>> {
    if from.len() != to.len() || from.is_empty() {
        bail!("a replacement must keep the length");
    }
    let mut out = Vec::with_capacity(bytes.len());
    let mut found = 0;
    let mut rest = bytes;
    while let Some(at) = rest.windows(from.len()).position(|w| w == from) {
        out.extend_from_slice(&rest[..at]);
        out.extend_from_slice(to);
        rest = &rest[at + from.len()..];
        found += 1;
    }
    out.extend_from_slice(rest);
    if found != times {
        bail!(
            "{} is there {found} times, expected {times}",
            String::from_utf8_lossy(from)
        );
    }
    Ok(out)
}

/// The wasm module `bytes` without the custom sections called one of
/// `names`; every other section as it was.
fn strip_custom_sections(bytes: &[u8], names: &[&str]) -> anyhow::Result<Vec<u8>> {
    const HEADER: usize = 8; // "\0asm" and the version
    if bytes.len() < HEADER || &bytes[..4] != b"\0asm" {
        bail!("not a wasm module");
    }
    let mut out = bytes[..HEADER].to_vec();
    let mut at = HEADER;
    while at < bytes.len() {
        let start = at;
        let id = bytes[at];
        let (size, len) = leb128_u32(&bytes[at + 1..])?;
        let payload = at + 1 + len;
        let end = payload
            .checked_add(size as usize)
            .filter(|end| *end <= bytes.len())
            .context("a section runs past the end")?;
        let dropped = id == 0 && {
            let (name_len, len) = leb128_u32(&bytes[payload..end])?;
            let name = bytes[payload..end]
                .get(len..len + name_len as usize)
                .context("a custom section's name runs past it")?;
            names.iter().any(|n| n.as_bytes() == name)
        };
        if !dropped {
            out.extend_from_slice(&bytes[start..end]);
        }
        at = end;
    }
    Ok(out)
}

/// An unsigned LEB128 number at the start of `bytes`, and how many bytes it took.
fn leb128_u32(bytes: &[u8]) -> anyhow::Result<(u32, usize)> {
    let mut value: u64 = 0;
    for (i, byte) in bytes.iter().take(5).enumerate() {
        value |= u64::from(byte & 0x7f) << (7 * i);
        if byte & 0x80 == 0 {
            return Ok((u32::try_from(value)?, i + 1));
        }
    }
    bail!("a malformed LEB128 number")
}

/// `text` with `from`, which must occur exactly once, replaced by `to`.
fn replace_once(text: &str, from: &str, to: &str) -> anyhow::Result<String> {
    match text.matches(from).count() {
        1 => Ok(text.replacen(from, to, 1)),
        found => bail!("expected {from} once, found it {found} times"),
    }
}

/// `template` with each `/<original>` replaced by `/<hashed>`. Each must occur
/// exactly once, so a changed template cannot leave a stale name behind.
fn rewrite_references(template: &str, renames: &[(String, String)]) -> anyhow::Result<String> {
    let mut html = template.to_string();
    for (original, hashed) in renames {
        let from = format!("/{original}");
        let found = html.matches(&from).count();
        if found != 1 {
            bail!("frontend/index.html should name {from} exactly once, found it {found} times");
        }
        html = html.replace(&from, &format!("/{hashed}"));
    }
    Ok(html)
}

/// Writes `<path>.gz` (gzip, by zopfli) and `<path>.br` (brotli, quality 11) next to
/// `path`. Neither format carries a time stamp, so the same input gives the same
/// bytes.
fn precompress(cache: &mut Cache, path: &Path) -> anyhow::Result<Sizes> {
    let data = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;

    // Zopfli: gzip that any client inflates, about 5% smaller than zlib's
    // best, at seconds of CPU once per build (the result is cached).
    let gz = cache.get_or_make(&[b"gzip-zopfli", &data], || {
        let mut gz = Vec::new();
        zopfli::compress(
            zopfli::Options::default(),
            zopfli::Format::Gzip,
            data.as_slice(),
            &mut gz,
        )?;
        Ok(gz)
    })?;
    let br = cache.get_or_make(&[b"brotli-11", &data], || {
        let mut br = Vec::new();
        let params = brotli::enc::BrotliEncoderParams {
            quality: 11,
            ..Default::default()
        };
        brotli::BrotliCompress(&mut data.as_slice(), &mut br, &params)?;
        Ok(br)
    })?;

    for (suffix, bytes) in [("gz", &gz), ("br", &br)] {
        let mut sibling = path.as_os_str().to_owned();
        sibling.push(".");
        sibling.push(suffix);
        std::fs::write(&sibling, bytes)
            .with_context(|| format!("writing {}", Path::new(&sibling).display()))?;
    }
    Ok(Sizes {
        raw: data.len(),
        gzip: gz.len(),
        brotli: br.len(),
    })
}

/// The outputs of the slow steps (wasm-opt, and brotli in an unoptimised
/// xtask), by a hash of their inputs, so that a build whose frontend did not
/// change takes seconds. Entries the last build did not use are removed; a cache
/// that cannot be written only costs time.
struct Cache {
    dir: PathBuf,
    used: Vec<String>,
}

impl Cache {
    fn open(dir: PathBuf) -> Self {
        Self {
            dir,
            used: Vec::new(),
        }
    }

    fn name(&mut self, inputs: &[&[u8]]) -> String {
        let mut hasher = Sha256::new();
        for input in inputs {
            hasher.update((input.len() as u64).to_le_bytes());
            hasher.update(input);
        }
        let name = hex::encode(hasher.finalize());
        self.used.push(name.clone());
        name
    }

    fn get(&mut self, inputs: &[&[u8]]) -> Option<Vec<u8>> {
        let name = self.name(inputs);
        std::fs::read(self.dir.join(name)).ok()
    }

    fn put(&mut self, inputs: &[&[u8]], bytes: &[u8]) {
        let name = self.name(inputs);
        // Written whole under another name first: a build running at the same
        // time reads either nothing or all of it.
        let partial = self
            .dir
            .join(format!("{name}.partial-{}", std::process::id()));
        let stored = std::fs::create_dir_all(&self.dir)
            .and_then(|()| std::fs::write(&partial, bytes))
            .and_then(|()| std::fs::rename(&partial, self.dir.join(&name)));
        if stored.is_err() {
            let _ = std::fs::remove_file(&partial);
        }
    }

    fn get_or_make(
        &mut self,
        inputs: &[&[u8]],
        make: impl FnOnce() -> anyhow::Result<Vec<u8>>,
    ) -> anyhow::Result<Vec<u8>> {
        if let Some(bytes) = self.get(inputs) {
            return Ok(bytes);
        }
        let bytes = make()?;
        self.put(inputs, &bytes);
        Ok(bytes)
    }

    fn prune(&self) {
        let Ok(entries) = std::fs::read_dir(&self.dir) else {
            return;
        };
        for entry in entries.flatten() {
            let name = entry.file_name();
            if !self.used.iter().any(|u| name.to_str() == Some(u.as_str())) {
                let _ = std::fs::remove_file(entry.path());
            }
        }
    }
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
