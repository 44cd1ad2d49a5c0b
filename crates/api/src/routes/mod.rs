//! Route handlers, one module per resource. Handlers are thin: extract, call one
//! domain function, return a DTO.

pub mod audit;
pub mod auth;
pub mod health;
pub mod jobs;
pub mod mail;
pub mod sessions;
pub mod teams;
pub mod user_teams;
pub mod users;

use utoipa_actix_web::service_config::ServiceConfig;

/// Settings the handlers need beyond the domain's.
#[derive(Debug, Clone)]
pub struct HttpSettings {
    /// Mark the refresh cookie `Secure`.
    pub secure_cookies: bool,
    /// Name the refresh cookie `__Host-roster_refresh` (HTTPS deployments):
    /// browsers then refuse it from subdomains and over plain HTTP.
    pub host_prefixed_cookie: bool,
    pub trust_proxy_headers: bool,
    /// `scheme://host[:port]` of the public URL, for the cross-site check.
    pub public_origin: Option<String>,
}

/// Everything under `/api/v1`.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(auth::login)
        .service(auth::refresh)
        .service(auth::logout)
        .service(auth::me)
        .service(auth::change_password)
        .service(sessions::mine)
        .service(sessions::end_mine)
        .service(sessions::of_user)
        .service(sessions::end_all)
        .service(audit::list)
        .service(audit::export_csv)
        .service(jobs::list)
        .service(jobs::get)
        .service(mail::set_password)
        .service(mail::inspect_link)
        .service(mail::password_strength)
        .service(mail::request_reset)
        .service(mail::resend_invitation)
        .service(mail::send_reset)
        .service(mail::emails)
        .service(users::list)
        .service(users::create)
        .service(users::get)
        .service(users::update)
        .service(users::delete)
        .service(users::suspend)
        .service(users::reactivate)
        .service(user_teams::list)
        .service(user_teams::add)
        .service(user_teams::change_role)
        .service(user_teams::remove)
        .service(teams::list)
        .service(teams::create)
        .service(teams::get)
        .service(teams::update)
        .service(teams::delete)
        .service(teams::members)
        .service(teams::add_member);
}

/// The list query in the request's query string, read with the codec the SPA
/// writes it with; a bad parameter is a 400 problem naming it. Called in the
/// handler, after authentication, so a stranger learns nothing from it.
pub fn list_query<Q: roster_types::ListQuery>(
    req: &actix_web::HttpRequest,
) -> Result<Q, crate::error::ApiError> {
    Q::from_query_string(req.query_string()).map_err(crate::error::ApiError::invalid_query)
}
