//! Signing in and out, the signed-in person, and passwords (set from an
//! emailed link, "Forgot password?", changed while signed in).

use roster_types::{
    ChangePasswordRequest, LoginRequest, Me, PasswordLink, PasswordLinkRequest,
    PasswordResetRequest, PasswordStrength, PasswordStrengthRequest, SetPasswordRequest,
    TokenResponse,
};

use super::{Api, ApiError, Call};

impl Api {
    /// Signs in with email and password, then loads the user.
    pub async fn login(&self, request: &LoginRequest) -> Result<Me, ApiError> {
        let token: TokenResponse = self
            .call(Call::post("/auth/login").json(request).public())
            .await?
            .json()
            .await?;
        self.session.set_token(token.access_token);
        self.me().await
    }

    /// Restores a session from the refresh cookie, then loads the user.
    pub async fn restore(&self) -> Result<Me, ApiError> {
        self.refresh().await?;
        self.me().await
    }

    /// Ends the session on the server (clears the refresh cookie).
    pub async fn logout(&self) -> Result<(), ApiError> {
        self.call(Call::post("/auth/logout").token_if_any())
            .await?
            .empty()
            .await
    }

    /// The signed-in user.
    pub async fn me(&self) -> Result<Me, ApiError> {
        self.call(Call::get("/auth/me")).await?.json().await
    }

    /// Sets a password from an emailed link's token (no session needed). Token
    /// problems come back as `token_invalid`, `token_expired` or `token_used`.
    pub async fn set_password(&self, request: &SetPasswordRequest) -> Result<(), ApiError> {
        self.call(Call::post("/auth/password").json(request).public())
            .await?
            .empty()
            .await
    }

    /// Whose an emailed link is and what for, while it still works; the same
    /// token problems as [`Api::set_password`] otherwise.
    pub async fn password_link(&self, token: &str) -> Result<PasswordLink, ApiError> {
        let request = PasswordLinkRequest {
            token: token.to_owned(),
        };
        self.call(Call::post("/auth/password/link").json(&request).public())
            .await?
            .json()
            .await
    }

    /// How hard `request.password` would be to guess, and whether Roster
    /// would take it.
    pub async fn password_strength(
        &self,
        request: &PasswordStrengthRequest,
    ) -> Result<PasswordStrength, ApiError> {
        self.call(
            Call::post("/auth/password/strength")
                .json(request)
                .token_if_any(),
        )
        .await?
        .json()
        .await
    }

    /// Asks for a reset link for `email` ("Forgot password?"). The answer is the
    /// same whether or not the account exists.
    pub async fn request_password_reset(
        &self,
        request: &PasswordResetRequest,
    ) -> Result<(), ApiError> {
        self.call(Call::post("/auth/password-reset").json(request).public())
            .await?
            .empty()
            .await
    }

    /// Changes the signed-in person's own password; their other sessions end.
    /// A wrong current password comes back as a field error on
    /// `current_password`.
    pub async fn change_password(&self, request: &ChangePasswordRequest) -> Result<(), ApiError> {
        self.call(Call::put("/auth/me/password").json(request))
            .await?
            .empty()
            .await
    }
}
