//! Serving the built single-page app: `index.html` for `/` and for every other
//! path that is not a file, so that deep links work with client-side routing, and
//! the files next to it. `cargo xtask` gives the JS, wasm and CSS content-hashed
//! names and writes a `.br` and a `.gz` copy of each: those are cached for a year
//! and sent precompressed when the client accepts it; `index.html` is revalidated
//! on every load, so a new build is picked up at once.

use std::path::{Path, PathBuf};

use actix_files::{NamedFile, PathBufWrap};
use actix_web::http::Method;
use actix_web::http::header::{
    self, AcceptEncoding, CacheControl, CacheDirective, ContentEncoding, Encoding, HeaderValue,
};
use actix_web::{HttpMessage, HttpRequest, HttpResponse, web};

const NOT_BUILT: &str = "<!doctype html><html lang=en><meta charset=utf-8><title>Roster</title>\
<body style=\"font-family:system-ui;max-width:40rem;margin:4rem auto\"><h1>Roster</h1>\
<p>The web app has not been built. Run <code>cargo xtask run</code> from the repository, \
or set <code>ROSTER_SPA_DIR</code> to a built copy.</p><p>The API is available: \
<a href=\"/api/docs/\">API reference</a>.</p>";

/// For files whose name changes with their contents.
const IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// For everything else, `index.html` first: cached, but asked about every time.
const REVALIDATE: &str = "no-cache";
/// How many hex digits of a content hash the build puts into a file name.
const HASH_LEN: usize = 16;
/// The file types the build writes; a missing one is a 404, not `index.html`
/// (which a browser would refuse as a script or stylesheet anyway).
const ASSET_EXTENSIONS: [&str; 3] = ["js", "wasm", "css"];
/// The precompressed copies the build writes, as `<file>.<suffix>`.
const PRECOMPRESSED: [(ContentEncoding, &str); 2] = [
    (ContentEncoding::Brotli, "br"),
    (ContentEncoding::Gzip, "gz"),
];

/// Mounts the SPA in `dir`; when it is not built, every path gets a page that says
/// how to build it.
pub fn configure(dir: PathBuf) -> impl FnOnce(&mut web::ServiceConfig) {
    move |cfg| {
        if !dir.join("index.html").exists() {
            cfg.default_service(web::to(|| async {
                HttpResponse::Ok()
                    .insert_header(CacheControl(vec![CacheDirective::NoCache]))
                    .content_type("text/html; charset=utf-8")
                    .body(NOT_BUILT)
            }));
            return;
        }
        cfg.default_service(web::to(move |req: HttpRequest| {
            let dir = dir.clone();
            async move { serve(&dir, &req).await }
        }));
    }
}

async fn serve(dir: &Path, req: &HttpRequest) -> actix_web::Result<HttpResponse> {
    if !matches!(*req.method(), Method::GET | Method::HEAD) {
        return Ok(HttpResponse::MethodNotAllowed()
            .insert_header((header::ALLOW, "GET, HEAD"))
            .content_type("text/plain; charset=utf-8")
            .body("The web app is only ever read."));
    }
    // `..` cannot climb out of `dir`; hidden files and odd names are refused.
    let Ok(relative) = PathBufWrap::parse_req_path(req, false) else {
        return Ok(not_found());
    };
    let relative: &Path = relative.as_ref();
    let path = dir.join(relative);
    let extension = relative.extension().and_then(|e| e.to_str()).unwrap_or("");
    if PRECOMPRESSED.iter().any(|(_, suffix)| *suffix == extension) {
        // Only ever sent in place of the file they compress.
        return Ok(not_found());
    }
    if relative.as_os_str().is_empty() || !path.is_file() {
        if ASSET_EXTENSIONS.contains(&extension) {
            return Ok(not_found());
        }
        return index(dir, req).await;
    }
    asset(&path, extension, req).await
}

/// `index.html`, for `/` and for every client-side route.
async fn index(dir: &Path, req: &HttpRequest) -> actix_web::Result<HttpResponse> {
    let file = NamedFile::open_async(dir.join("index.html")).await?;
    let mut res = file
        .prefer_utf8(true)
        .disable_content_disposition()
        .into_response(req);
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static(REVALIDATE));
    Ok(res)
}

/// A file of the SPA; for a hashed one, its precompressed copy when the client
/// accepts it.
async fn asset(path: &Path, extension: &str, req: &HttpRequest) -> actix_web::Result<HttpResponse> {
    let hashed = is_content_hashed(path);
    let copy = if hashed {
        precompressed(path, req).await
    } else {
        None
    };
    let file = match copy {
        Some((file, encoding)) => file.set_content_encoding(encoding),
        None => NamedFile::open_async(path).await?,
    };
    let mut res = file
        // The type of the file itself, whichever copy is sent.
        .set_content_type(actix_files::file_extension_to_mime(extension))
        .prefer_utf8(true)
        .disable_content_disposition()
        .into_response(req);
    let headers = res.headers_mut();
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(if hashed { IMMUTABLE } else { REVALIDATE }),
    );
    if hashed {
        // Set whether or not a compressed copy went out: a cache must not hand
        // the identity answer to a client that accepts brotli, or the reverse.
        headers.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    }
    Ok(res)
}

/// The precompressed copy of `path` the client likes best (brotli before gzip
/// when it does not say), or `None` for the file itself: when the client
/// accepts neither, when there is no copy, and for range requests, which
/// actix-files then answers from the file itself (a range of a compressed copy
/// is of no use to anyone).
async fn precompressed(path: &Path, req: &HttpRequest) -> Option<(NamedFile, ContentEncoding)> {
    if req.headers().contains_key(header::RANGE) {
        return None;
    }
    let accepted = req.get_header::<AcceptEncoding>()?;
    let mut offered = vec![Encoding::identity(), Encoding::brotli(), Encoding::gzip()];
    loop {
        let Some(Encoding::Known(choice)) = accepted.negotiate(offered.iter()) else {
            return None;
        };
        let (_, suffix) = PRECOMPRESSED.iter().find(|(e, _)| *e == choice)?;
        let mut sibling = path.as_os_str().to_owned();
        sibling.push(".");
        sibling.push(suffix);
        match NamedFile::open_async(&sibling).await {
            Ok(file) => return Some((file, choice)),
            // Try the next one the client accepts.
            Err(_) => offered.retain(|e| *e != Encoding::Known(choice)),
        }
    }
}

/// Whether the file name is `<stem>-<hash>.<ext>`, as the build names the files
/// whose name changes with their contents.
fn is_content_hashed(path: &Path) -> bool {
    let Some(stem) = path.file_stem().and_then(|s| s.to_str()) else {
        return false;
    };
    stem.rsplit_once('-').is_some_and(|(name, hash)| {
        !name.is_empty()
            && hash.len() == HASH_LEN
            && hash.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
    })
}

fn not_found() -> HttpResponse {
    HttpResponse::NotFound()
        .insert_header((header::CACHE_CONTROL, REVALIDATE))
        .content_type("text/plain; charset=utf-8")
        .body("Not found.")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_names_with_a_full_hash_count_as_content_hashed() {
        for name in [
            "roster_frontend-0123456789abcdef.js",
            "roster_frontend_bg-fedcba9876543210.wasm",
            "style-00000000000000ff.css",
        ] {
            assert!(is_content_hashed(Path::new(name)), "{name}");
        }
        for name in [
            "index.html",
            "style.css",
            "style-0123456789abcde.css",
            "style-0123456789ABCDEF.css",
            "-0123456789abcdef.js",
            "roster_frontend-0123456789abcdefg.js",
        ] {
            assert!(!is_content_hashed(Path::new(name)), "{name}");
        }
    }
}
