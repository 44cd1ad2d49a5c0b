//! Route handlers, one module per resource. Handlers are thin: extract, call one
//! domain function, return a DTO.

pub mod auth;
pub mod health;
pub mod users;

use utoipa_actix_web::service_config::ServiceConfig;

/// Settings the handlers need beyond the domain's.
#[derive(Debug, Clone)]
pub struct HttpSettings {
    pub secure_cookies: bool,
    pub trust_proxy_headers: bool,
}

/// Everything under `/api/v1`.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(auth::login)
        .service(auth::refresh)
        .service(auth::logout)
        .service(auth::me)
        .service(users::list)
        .service(users::create)
        .service(users::get)
        .service(users::update)
        .service(users::delete);
}
