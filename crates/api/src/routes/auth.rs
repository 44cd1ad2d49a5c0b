//! `/auth`: sign in, refresh, sign out, who am I.

use actix_web::cookie::{Cookie, SameSite, time::Duration as CookieDuration};
use actix_web::{HttpRequest, HttpResponse, get, post, put, web};
use roster_domain::Roster;
use roster_domain::auth::Session;
use roster_types::{ChangePasswordRequest, LoginRequest, Me, Problem, TokenResponse};

use super::HttpSettings;
use crate::auth::{Anonymous, Authenticated, refuse_cross_site};
use crate::error::ApiError;

/// Name of the httpOnly cookie that carries the refresh token.
pub const REFRESH_COOKIE: &str = "roster_refresh";
/// Its name on HTTPS deployments: the prefix makes browsers insist on
/// `Secure`, `Path=/` and no `Domain`.
pub const HOST_REFRESH_COOKIE: &str = "__Host-roster_refresh";
/// Over plain HTTP the cookie is only ever sent to the auth endpoints.
const REFRESH_COOKIE_PATH: &str = "/api/v1/auth";

fn cookie_name(settings: &HttpSettings) -> &'static str {
    if settings.host_prefixed_cookie {
        HOST_REFRESH_COOKIE
    } else {
        REFRESH_COOKIE
    }
}

/// The refresh token the browser sent, if any.
fn refresh_token(req: &HttpRequest, settings: &HttpSettings) -> Option<String> {
    req.cookie(cookie_name(settings))
        .map(|c| c.value().to_string())
        .filter(|v| !v.is_empty())
}

fn refresh_cookie(settings: &HttpSettings, value: String, max_age_secs: i64) -> Cookie<'static> {
    let path = if settings.host_prefixed_cookie {
        "/"
    } else {
        REFRESH_COOKIE_PATH
    };
    Cookie::build(cookie_name(settings), value)
        .path(path)
        .http_only(true)
        .secure(settings.secure_cookies)
        .same_site(SameSite::Strict)
        .max_age(CookieDuration::seconds(max_age_secs))
        .finish()
}

fn session_response(settings: &HttpSettings, session: Session) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .cookie(refresh_cookie(
            settings,
            session.refresh_token,
            session.refresh_expires_in as i64,
        ))
        .json(TokenResponse {
            access_token: session.access_token,
            token_type: "Bearer".into(),
            expires_in: session.expires_in,
        })
}

/// Sign in with email and password.
///
/// Answers an access token and sets the `roster_refresh` httpOnly cookie. An
/// unknown email and a wrong password get the same answer; repeated failures for
/// one email or client address are throttled with 429 and `Retry-After`.
#[utoipa::path(
    operation_id = "sign_in",
    tag = "auth",
    request_body = LoginRequest,
    responses(
        (status = 200, description = "Signed in; the refresh cookie is set", body = TokenResponse),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Wrong email or password", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The account is suspended", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "The body is not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Email or password missing", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many failed attempts", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Too many sign-ins at once; `Retry-After` says when to try again", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/auth/login")]
pub async fn login(
    roster: web::Data<Roster>,
    settings: web::Data<HttpSettings>,
    ctx: Anonymous,
    body: crate::json::Json<LoginRequest>,
) -> Result<HttpResponse, ApiError> {
    let session = roster_domain::auth::login(&roster, &ctx.0, &body.email, &body.password).await?;
    Ok(session_response(&settings, session))
}

/// Swap the refresh cookie for a new access token.
///
/// The refresh token rotates on every use; presenting one again within 10
/// seconds of its swap (two tabs at once) answers the same successor, later it
/// ends the whole session (someone else has a copy). A session ends 30 days
/// (`ROSTER_SESSION_TTL_DAYS`) after sign-in however often it is refreshed. Requests from other sites
/// (`Sec-Fetch-Site: cross-site`, or a foreign `Origin`) are refused.
#[utoipa::path(
    operation_id = "refresh_session",
    tag = "auth",
    params(("roster_refresh" = Option<String>, Cookie, description = "The refresh token set by sign-in (`__Host-roster_refresh` on HTTPS deployments)")),
    responses(
        (status = 200, description = "A new access token; the cookie is rotated", body = TokenResponse),
        (status = 401, description = "No session, or it has ended", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The request came from another site (`cross_site_request`)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/auth/refresh")]
pub async fn refresh(
    roster: web::Data<Roster>,
    settings: web::Data<HttpSettings>,
    req: HttpRequest,
    ctx: Anonymous,
) -> Result<HttpResponse, ApiError> {
    refuse_cross_site(&roster, &ctx.0, &req, &settings, "auth.session_refreshed").await?;
    let token = refresh_token(&req, &settings)
        .ok_or_else(|| ApiError::unauthenticated("No session: sign in first."))?;
    match roster_domain::auth::refresh(&roster, &ctx.0, &token).await {
        Ok(session) => Ok(session_response(&settings, session)),
        Err(e) => {
            let mut res = actix_web::ResponseError::error_response(&ApiError::from(e));
            let _ = res.add_cookie(&refresh_cookie(&settings, String::new(), 0));
            Ok(res)
        }
    }
}

/// Sign out: ends the session of the refresh cookie and clears it.
///
/// Access tokens of the session stop working at once. Requests from other
/// sites are refused.
#[utoipa::path(
    operation_id = "sign_out",
    tag = "auth",
    params(("roster_refresh" = Option<String>, Cookie, description = "The refresh token set by sign-in (`__Host-roster_refresh` on HTTPS deployments)")),
    responses(
        (status = 204, description = "Signed out (also when there was no session)"),
        (status = 403, description = "The request came from another site (`cross_site_request`)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/auth/logout")]
pub async fn logout(
    roster: web::Data<Roster>,
    settings: web::Data<HttpSettings>,
    req: HttpRequest,
    ctx: Anonymous,
) -> Result<HttpResponse, ApiError> {
    refuse_cross_site(&roster, &ctx.0, &req, &settings, "auth.signed_out").await?;
    if let Some(token) = refresh_token(&req, &settings) {
        roster_domain::auth::logout(&roster, &ctx.0, &token).await?;
    }
    Ok(HttpResponse::NoContent()
        .cookie(refresh_cookie(&settings, String::new(), 0))
        .finish())
}

/// The signed-in user, and the admin impersonating them if any.
#[utoipa::path(
    operation_id = "get_me",
    tag = "auth",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The signed-in user", body = Me),
        (status = 401, description = "No valid access token", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/auth/me")]
pub async fn me(
    roster: web::Data<Roster>,
    actor: Authenticated,
) -> Result<web::Json<Me>, ApiError> {
    Ok(web::Json(roster_domain::auth::me(&roster, &actor.0).await?))
}

/// Change your own password.
///
/// Needs the current password (wrong ones are throttled like failed sign-ins).
/// Every other session of the account ends at once; the one of this access
/// token goes on. Not possible while impersonating.
#[utoipa::path(
    operation_id = "change_my_password",
    tag = "auth",
    security(("bearer" = [])),
    request_body = ChangePasswordRequest,
    responses(
        (status = 204, description = "The password is changed"),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid access token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Impersonating", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "The body is too large", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "The body is not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "The current password is wrong, or the new one breaks a rule; `errors` says which", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many wrong current passwords", body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("/auth/me/password")]
pub async fn change_password(
    roster: web::Data<Roster>,
    actor: Authenticated,
    body: crate::json::Json<ChangePasswordRequest>,
) -> Result<HttpResponse, ApiError> {
    roster_domain::auth::change_password(
        &roster,
        &actor.0,
        &body.current_password,
        &body.new_password,
    )
    .await?;
    Ok(HttpResponse::NoContent().finish())
}
