//! Who is signed in. The access token lives in memory only; a reload gets a new
//! one from the httpOnly refresh cookie (see [`restore_on_start`]).

use std::time::Duration;

use leptos::prelude::*;
use leptos::task::spawn_local;
use roster_types::{Me, Role};

use crate::api::Api;

/// Where the session stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthStatus {
    /// Asking the server whether the refresh cookie still holds a session.
    Checking,
    /// Nobody is signed in.
    SignedOut(SignOutReason),
    /// Someone is signed in; see [`Session::me`].
    SignedIn,
}

/// Why nobody is signed in; decides what the sign-in page says and where it
/// returns to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignOutReason {
    /// There was no session to restore.
    NoSession,
    /// The session ended while the app was open (expired or revoked).
    Expired,
    /// The person pressed "Sign out".
    SignedOut,
}

/// The signed-in user and their access token, shared through context.
#[derive(Debug, Clone, Copy)]
pub struct Session {
    status: RwSignal<AuthStatus>,
    me: RwSignal<Option<Me>>,
    token: StoredValue<Option<String>>,
}

impl Session {
    /// Creates the session (still `Checking`) and provides it to the app.
    pub fn provide() -> Self {
        let session = Self {
            status: RwSignal::new(AuthStatus::Checking),
            me: RwSignal::new(None),
            token: StoredValue::new(None),
        };
        provide_context(session);
        session
    }

    /// The session provided by [`Session::provide`].
    pub fn expect() -> Self {
        expect_context()
    }

    /// Where the session stands (reactive).
    pub fn status(&self) -> AuthStatus {
        self.status.get()
    }

    /// The signed-in user (reactive), if any.
    pub fn me(&self) -> Option<Me> {
        self.me.get()
    }

    /// Whether the signed-in user is an admin (reactive). Only decides which
    /// controls show; the server enforces permissions anyway.
    pub fn is_admin(&self) -> bool {
        self.me.with(|me| {
            me.as_ref()
                .is_some_and(|me| me.user.roles.contains(&Role::Admin))
        })
    }

    /// Whether the signed-in user holds the global manager role (reactive).
    pub fn is_manager(&self) -> bool {
        self.me.with(|me| {
            me.as_ref()
                .is_some_and(|me| me.user.roles.contains(&Role::Manager))
        })
    }

    /// Whether the signed-in user manages people at all: an admin or a
    /// manager (reactive). Learners only ever see their own profile.
    pub fn manages_people(&self) -> bool {
        self.is_admin() || self.is_manager()
    }

    /// Where a signed-in person starts (reactive): the Users table for those who
    /// manage people, their own profile for learners.
    pub fn home(&self) -> crate::routes::Page {
        use crate::routes::{Page, UserTab};
        match self.user_id() {
            Some(id) if !self.manages_people() => Page::User(id, UserTab::Profile),
            _ => Page::Users,
        }
    }

    /// The signed-in user's id (reactive), if any.
    pub fn user_id(&self) -> Option<uuid::Uuid> {
        self.me.with(|me| me.as_ref().map(|me| me.user.id))
    }

    /// The access token to send, if there is one (not reactive).
    pub fn token(&self) -> Option<String> {
        self.token.get_value()
    }

    /// Remembers a freshly issued access token.
    pub fn set_token(&self, token: String) {
        self.token.set_value(Some(token));
    }

    /// Marks `me` as signed in (their token must already be set).
    pub fn signed_in(&self, me: Me) {
        self.me.set(Some(me));
        self.status.set(AuthStatus::SignedIn);
    }

    /// Forgets the token and the user.
    pub fn signed_out(&self, reason: SignOutReason) {
        self.token.set_value(None);
        self.status.set(AuthStatus::SignedOut(reason));
        self.me.set(None);
    }

    /// Ends a session the server no longer accepts. This runs inside API calls,
    /// often a page's own resource: the state change waits for the current task,
    /// so tearing the page down does not dispose that resource while it is polled.
    pub fn expire(&self) {
        self.token.set_value(None);
        let session = *self;
        set_timeout(
            move || {
                if session.status.get_untracked() == AuthStatus::SignedIn
                    && session.token().is_none()
                {
                    session.signed_out(SignOutReason::Expired);
                }
            },
            Duration::ZERO,
        );
    }
}

/// Turns the refresh cookie (if any) into a session, so a reload keeps people
/// signed in.
pub fn restore_on_start() {
    let session = Session::expect();
    let api = Api::expect();
    spawn_local(async move {
        match api.restore().await {
            Ok(me) => session.signed_in(me),
            Err(_) => session.signed_out(SignOutReason::NoSession),
        }
    });
}
