//! How the built web app is served: `index.html` names only content-hashed
//! files and is revalidated on every load; the hashed files are cached for a
//! year, with their own media type, and sent as the brotli or gzip copy the
//! build wrote when the client accepts one; the page starts from a hashed module,
//! with no inline script for the Content-Security-Policy to allow. Needs the SPA built (`cargo xtask spa`);
//! skipped loudly without it.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use std::io::Read;
use std::path::PathBuf;

use roster_tests::browser::{REQUIRE_ENV, spa_dir};
use roster_tests::{TestApp, client, spawn_app_with};

const IMMUTABLE: &str = "public, max-age=31536000, immutable";

/// The app serving the built SPA, or `None` (after saying so) when it is not built.
async fn app_with_spa(test: &str) -> Option<TestApp> {
    if !spa_dir().join("index.html").exists() {
        roster_tests::skip(
            &format!("spa_assets::{test}"),
            "the SPA is not built (cargo xtask spa)",
            REQUIRE_ENV,
        );
        return None;
    }
    Some(spawn_app_with(|c| c.spa_dir = Some(spa_dir())).await)
}

/// The paths quoted in `html` or a script as site-absolute (`"/..."` or
/// `'/...'`), and those a script imports or fetches next to itself (`from
/// "./..."`, `new URL("./...", import.meta.url)`: every asset sits at the
/// root), all as site-absolute paths.
fn referenced_paths(html: &str) -> Vec<String> {
    let mut paths = Vec::new();
    for quote in ['"', '\''] {
        for (i, piece) in html.split(quote).enumerate() {
            if i % 2 == 1 && piece.starts_with('/') {
                paths.push(piece.to_string());
            }
        }
        for lead in [format!("from {quote}./"), format!("new URL({quote}./")] {
            for piece in html.split(lead.as_str()).skip(1) {
                if let Some((name, _)) = piece.split_once(quote) {
                    paths.push(format!("/{name}"));
                }
            }
        }
    }
    paths.sort();
    paths.dedup();
    paths
}

/// `<stem>-<16 lowercase hex>.<ext>`.
fn is_content_hashed(path: &str) -> bool {
    let name = path.trim_start_matches('/');
    let Some((stem, _ext)) = name.rsplit_once('.') else {
        return false;
    };
    stem.rsplit_once('-').is_some_and(|(base, hash)| {
        !base.is_empty()
            && hash.len() == 16
            && hash.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
    })
}

fn expected_content_type(path: &str) -> &'static str {
    match path.rsplit_once('.').map(|(_, ext)| ext) {
        Some("js") => "text/javascript",
        Some("wasm") => "application/wasm",
        Some("css") => "text/css",
        other => panic!("unexpected asset type {other:?} of {path}"),
    }
}

fn on_disk(path: &str) -> Vec<u8> {
    let file: PathBuf = spa_dir().join(path.trim_start_matches('/'));
    std::fs::read(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display()))
}

fn header<'a>(res: &'a reqwest::Response, name: &str) -> &'a str {
    res.headers()
        .get(name)
        .map(|v| v.to_str().unwrap())
        .unwrap_or("")
}

async fn text(app: &TestApp, path: &str) -> String {
    client()
        .get(app.url(path))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

/// The assets the served page loads: those `index.html` names, and those the
/// scripts import or fetch, script by script (the boot module names the glue
/// and the wasm, the glue the loader of the page modules, the loader those
/// modules).
async fn assets(app: &TestApp) -> Vec<String> {
    let mut paths = referenced_paths(&text(app, "/").await);
    let mut read = Vec::new();
    while let Some(script) = paths
        .iter()
        .find(|p| p.ends_with(".js") && !read.contains(*p))
        .cloned()
    {
        paths.extend(referenced_paths(&text(app, &script).await));
        read.push(script);
    }
    paths.sort();
    paths.dedup();
    paths
}

#[tokio::test]
async fn the_page_modules_are_named_by_the_loader_the_glue_imports() {
    let Some(app) = app_with_spa("page_modules").await else {
        return;
    };

    let paths = assets(&app).await;
    let loaders: Vec<_> = paths
        .iter()
        .filter(|p| p.starts_with("/__wasm_split-"))
        .collect();
    assert_eq!(loaders.len(), 1, "{paths:?}");
    // One module per page behind sign-in, each fetched from where the loader
    // says, and served like every other asset (the tests above go through
    // them all).
    let loader = text(&app, loaders[0]).await;
    for page in [
        "users",
        "user_detail",
        "teams",
        "team_detail",
        "audit",
        "jobs",
        "set_password",
    ] {
        let module = format!("/split_{page}-");
        assert!(
            loader.contains(&format!("\".{module}")),
            "the loader names {module}*"
        );
        assert!(
            paths
                .iter()
                .any(|p| p.starts_with(&module) && p.ends_with(".wasm")),
            "no {module}*.wasm in {paths:?}"
        );
    }

    // A name's hash is its file's, so a changed file is never taken from a
    // cache under an old name; the glue and the loader import each other and
    // share one hash, which changes with either.
    let hash_of = |path: &str| {
        let (stem, _) = path.rsplit_once('.').unwrap();
        stem.rsplit_once('-').unwrap().1.to_string()
    };
    let glue = paths
        .iter()
        .find(|p| p.starts_with("/roster_frontend-") && p.ends_with(".js"))
        .unwrap();
    assert_eq!(hash_of(glue), hash_of(loaders[0]));
    for path in paths.iter().filter(|p| *p != glue && *p != loaders[0]) {
        let digest = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(on_disk(path)));
        assert_eq!(hash_of(path), digest[..16], "{path}");
    }
    // The main wasm imports the page modules' loader by its served name.
    let wasm = paths
        .iter()
        .find(|p| p.starts_with("/roster_frontend_bg-"))
        .unwrap();
    let bytes = on_disk(wasm);
    let wanted = format!(".{}", loaders[0]);
    assert!(
        bytes.windows(wanted.len()).any(|w| w == wanted.as_bytes()),
        "{wasm} does not import {wanted}"
    );
    let placeholder = b"__wasm_split-________________";
    assert!(!bytes.windows(placeholder.len()).any(|w| w == placeholder));
}

async fn get(app: &TestApp, path: &str, accept_encoding: Option<&str>) -> reqwest::Response {
    let mut req = client().get(app.url(path));
    if let Some(value) = accept_encoding {
        req = req.header("accept-encoding", value);
    }
    req.send().await.unwrap()
}

#[tokio::test]
async fn index_html_names_only_content_hashed_assets_and_is_revalidated() {
    let Some(app) = app_with_spa("index_html").await else {
        return;
    };

    let root = get(&app, "/", None).await;
    let deep_link = get(&app, "/users?sort=name", None).await;

    for res in [&root, &deep_link] {
        assert_eq!(res.status(), 200);
        assert_eq!(header(res, "cache-control"), "no-cache");
        assert!(header(res, "content-type").starts_with("text/html"));
        assert!(res.headers().contains_key("etag"));
        assert!(res.headers().contains_key("last-modified"));
    }
    let html = root.text().await.unwrap();
    assert_eq!(
        deep_link.text().await.unwrap(),
        html,
        "deep links get index.html"
    );
    let paths = assets(&app).await;
    for ext in ["js", "wasm", "css"] {
        assert!(
            paths.iter().any(|p| p.ends_with(&format!(".{ext}"))),
            "the page loads a .{ext}: {paths:?}"
        );
    }
    for path in referenced_paths(&html).iter().chain(&paths) {
        assert!(is_content_hashed(path), "{path} is not content-hashed");
    }
}

#[tokio::test]
async fn each_asset_is_cached_for_a_year_with_its_own_content_type_and_identity_without_accept_encoding()
 {
    let Some(app) = app_with_spa("identity").await else {
        return;
    };

    for path in assets(&app).await {
        for accept in [None, Some("identity")] {
            let res = get(&app, &path, accept).await;

            assert_eq!(res.status(), 200, "{path}");
            assert_eq!(header(&res, "cache-control"), IMMUTABLE, "{path}");
            assert!(
                header(&res, "content-type").starts_with(expected_content_type(&path)),
                "{path}: {}",
                header(&res, "content-type")
            );
            assert!(
                res.headers().get("content-encoding").is_none(),
                "{path} {accept:?}: {}",
                header(&res, "content-encoding")
            );
            assert!(
                header(&res, "vary")
                    .to_ascii_lowercase()
                    .contains("accept-encoding")
            );
            assert_eq!(res.bytes().await.unwrap(), on_disk(&path), "{path}");
        }
    }
}

#[tokio::test]
async fn with_accept_encoding_br_assets_come_as_brotli_that_decodes_to_the_file() {
    let Some(app) = app_with_spa("brotli").await else {
        return;
    };

    for path in assets(&app).await {
        // A browser's header: brotli wins over gzip when the client has no preference.
        for accept in ["br", "gzip, deflate, br, zstd"] {
            let res = get(&app, &path, Some(accept)).await;

            assert_eq!(res.status(), 200, "{path}");
            assert_eq!(header(&res, "content-encoding"), "br", "{path} {accept}");
            assert_eq!(header(&res, "cache-control"), IMMUTABLE, "{path}");
            assert!(header(&res, "content-type").starts_with(expected_content_type(&path)));
            assert!(
                header(&res, "vary")
                    .to_ascii_lowercase()
                    .contains("accept-encoding")
            );
            let body = res.bytes().await.unwrap();
            assert_eq!(body, on_disk(&format!("{path}.br")), "sent as built, once");
            let mut decoded = Vec::new();
            brotli::Decompressor::new(body.as_ref(), 4096)
                .read_to_end(&mut decoded)
                .unwrap();
            assert_eq!(decoded, on_disk(&path), "{path}");
        }
    }
}

#[tokio::test]
async fn with_accept_encoding_gzip_assets_come_as_gzip_that_decodes_to_the_file() {
    let Some(app) = app_with_spa("gzip").await else {
        return;
    };

    for path in assets(&app).await {
        for accept in ["gzip", "br;q=0.5, gzip"] {
            let res = get(&app, &path, Some(accept)).await;

            assert_eq!(res.status(), 200, "{path}");
            assert_eq!(header(&res, "content-encoding"), "gzip", "{path} {accept}");
            assert_eq!(header(&res, "cache-control"), IMMUTABLE, "{path}");
            assert!(header(&res, "content-type").starts_with(expected_content_type(&path)));
            let body = res.bytes().await.unwrap();
            assert_eq!(
                body,
                on_disk(&format!("{path}.gz")),
                "the build's copy, not compressed again on the fly"
            );
            let mut decoded = Vec::new();
            flate2::read::GzDecoder::new(body.as_ref())
                .read_to_end(&mut decoded)
                .unwrap();
            assert_eq!(decoded, on_disk(&path), "{path}");
        }
    }
}

#[tokio::test]
async fn head_ranges_and_revalidation_of_an_asset_work() {
    let Some(app) = app_with_spa("head_range_etag").await else {
        return;
    };
    let wasm = assets(&app)
        .await
        .into_iter()
        .find(|p| p.ends_with(".wasm"))
        .unwrap();

    let head = client()
        .head(app.url(&wasm))
        .header("accept-encoding", "br")
        .send()
        .await
        .unwrap();
    assert_eq!(head.status(), 200);
    assert_eq!(header(&head, "content-encoding"), "br");
    assert_eq!(
        header(&head, "content-length"),
        on_disk(&format!("{wasm}.br")).len().to_string()
    );
    let etag = header(&head, "etag").to_string();
    assert!(head.bytes().await.unwrap().is_empty());

    // A range is answered from the file itself, never from a compressed copy.
    let range = client()
        .get(app.url(&wasm))
        .header("accept-encoding", "br, gzip")
        .header("range", "bytes=0-7")
        .send()
        .await
        .unwrap();
    assert_eq!(range.status(), 206);
    assert_ne!(header(&range, "content-encoding"), "br");
    assert_ne!(header(&range, "content-encoding"), "gzip");
    assert_eq!(range.bytes().await.unwrap(), on_disk(&wasm)[..8]);

    let revalidated = client()
        .get(app.url(&wasm))
        .header("accept-encoding", "br")
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(revalidated.status(), 304);
}

#[tokio::test]
async fn missing_assets_and_compressed_copies_by_name_are_404_not_index_html() {
    let Some(app) = app_with_spa("missing").await else {
        return;
    };
    let wasm = assets(&app)
        .await
        .into_iter()
        .find(|p| p.ends_with(".wasm"))
        .unwrap();

    for path in [
        "/roster_frontend-0000000000000000.js".to_string(),
        "/style.css".to_string(),
        format!("{wasm}.br"),
        format!("{wasm}.gz"),
        "/..%2fCargo.toml".to_string(),
    ] {
        let res = get(&app, &path, None).await;
        assert_eq!(res.status(), 404, "{path}");
    }
}

#[tokio::test]
async fn a_path_cannot_climb_out_of_the_spa_folder() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let Some(app) = app_with_spa("traversal").await else {
        return;
    };

    // Raw, because an HTTP client would resolve the dot segments itself.
    let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", app.port))
        .await
        .unwrap();
    stream
        .write_all(
            b"GET /../../Cargo.toml HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
        )
        .await
        .unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).await.unwrap();

    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.contains("<!doctype html>"), "index.html: {answer}");
    assert!(!answer.contains("[workspace]"), "{answer}");
}

#[tokio::test]
async fn the_page_starts_from_a_hashed_module_without_inline_script_under_the_policy() {
    let Some(app) = app_with_spa("csp").await else {
        return;
    };

    let res = get(&app, "/", None).await;
    let csp = header(&res, "content-security-policy").to_string();
    let html = res.text().await.unwrap();

    // No inline script, so a server that computed its policy before a rebuild
    // still allows the rebuilt page.
    assert!(
        roster_api::security::inline_script_hashes(&html).is_empty(),
        "{html}"
    );
    assert!(
        csp.contains("script-src 'self' 'wasm-unsafe-eval';"),
        "{csp}"
    );
    let boot = referenced_paths(&html)
        .into_iter()
        .find(|p| p.starts_with("/boot-") && p.ends_with(".js"))
        .expect("index.html names the boot module");
    let module = text(&app, &boot).await;
    let wasm = referenced_paths(&module)
        .into_iter()
        .find(|p| p.ends_with(".wasm"))
        .unwrap_or_else(|| panic!("the boot module names the wasm: {module}"));
    assert!(is_content_hashed(&wasm), "{wasm}");
    assert!(
        html.contains(&format!("<link rel=\"preload\" href=\"{wasm}\"")),
        "the page preloads the wasm the boot module starts: {html}"
    );
    assert!(module.contains("module_or_path"), "{module}");
    assert!(
        module.contains("event.persisted") && module.contains("location.reload()"),
        "a page restored from the back-forward cache loads afresh: {module}"
    );
}
