//! Sign-in, token and "who am I" bodies.

use serde::{Deserialize, Serialize};

use crate::User;

/// Credentials for `POST /api/v1/auth/login`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LoginRequest {
    /// The account's email address (any letter case).
    #[cfg_attr(feature = "openapi", schema(example = "admin@example.com"))]
    pub email: String,
    /// The account's password.
    #[cfg_attr(feature = "openapi", schema(example = "correct horse battery staple"))]
    pub password: String,
}

/// A freshly issued access token. The refresh token travels in the
/// `roster_refresh` httpOnly cookie, never in a body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TokenResponse {
    /// A signed JWT to send as `Authorization: Bearer <access_token>`.
    pub access_token: String,
    /// Always `Bearer`.
    #[cfg_attr(feature = "openapi", schema(example = "Bearer"))]
    pub token_type: String,
    /// Seconds until the access token expires.
    #[cfg_attr(feature = "openapi", schema(example = 900))]
    pub expires_in: u64,
}

/// A person acting on someone else's behalf (the admin behind an impersonation).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ActorSummary {
    /// The acting user's id.
    pub id: uuid::Uuid,
    /// The acting user's full name.
    pub full_name: String,
    /// The acting user's email address.
    pub email: String,
}

/// The signed-in user, as answered by `GET /api/v1/auth/me`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Me {
    /// The user the access token is for.
    #[serde(flatten)]
    pub user: User,
    /// The admin impersonating this user, or null.
    pub impersonator: Option<ActorSummary>,
}

/// A signed-in person choosing a new password, for
/// `PUT /api/v1/auth/me/password`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChangePasswordRequest {
    /// The password in use now.
    #[cfg_attr(feature = "openapi", schema(example = "correct horse battery staple"))]
    pub current_password: String,
    /// The new password: 10 to 128 characters, not the email address, and hard
    /// to guess (see `POST /api/v1/auth/password/strength`).
    #[cfg_attr(feature = "openapi", schema(example = "a much longer passphrase"))]
    pub new_password: String,
}
