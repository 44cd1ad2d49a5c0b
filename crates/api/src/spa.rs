//! Serving the built single-page app: static files, and `index.html` for every
//! other path so that deep links work with client-side routing.

use std::path::PathBuf;

use actix_files::{Files, NamedFile};
use actix_web::dev::{ServiceRequest, ServiceResponse, fn_service};
use actix_web::http::header::{self, CacheControl, CacheDirective, HeaderValue};
use actix_web::{HttpResponse, web};

const NOT_BUILT: &str = "<!doctype html><html lang=en><meta charset=utf-8><title>Roster</title>\
<body style=\"font-family:system-ui;max-width:40rem;margin:4rem auto\"><h1>Roster</h1>\
<p>The web app has not been built. Run <code>cargo xtask run</code> from the repository, \
or set <code>ROSTER_SPA_DIR</code> to a built copy.</p><p>The API is available: \
<a href=\"/api/docs/\">API reference</a>.</p>";

/// Mounts the SPA in `dir`; when it is not built, every path gets a page that says
/// how to build it.
pub fn configure(dir: PathBuf) -> impl FnOnce(&mut web::ServiceConfig) {
    move |cfg| {
        let index = dir.join("index.html");
        if !index.exists() {
            cfg.default_service(web::to(|| async {
                HttpResponse::Ok()
                    .insert_header(CacheControl(vec![CacheDirective::NoCache]))
                    .content_type("text/html; charset=utf-8")
                    .body(NOT_BUILT)
            }));
            return;
        }
        cfg.service(
            Files::new("/", dir)
                .index_file("index.html")
                .use_etag(true)
                .use_last_modified(true)
                .default_handler(fn_service(move |req: ServiceRequest| {
                    let index = index.clone();
                    async move {
                        let (req, _) = req.into_parts();
                        let mut res = NamedFile::open_async(&index).await?.into_response(&req);
                        res.headers_mut()
                            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
                        Ok(ServiceResponse::new(req, res))
                    }
                })),
        );
    }
}
