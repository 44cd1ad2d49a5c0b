//! The one context value every domain operation receives: the principal, the
//! session, and the request it came with.

use uuid::Uuid;

use crate::{Actor, Error, Result};

/// Where a request came from, for the audit trail and the logs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RequestInfo {
    /// The request's `X-Request-Id`.
    pub request_id: Option<String>,
    /// The client's address.
    pub ip: Option<String>,
    /// The client's `User-Agent`, cut to a sane length.
    pub user_agent: Option<String>,
}

/// Longest user agent kept; longer ones are cut (they are free text from the client).
const MAX_USER_AGENT: usize = 400;

impl RequestInfo {
    pub fn new(request_id: Option<String>, ip: Option<String>, user_agent: Option<&str>) -> Self {
        let user_agent = user_agent
            .map(|ua| {
                ua.chars()
                    .filter(|c| !c.is_control())
                    .take(MAX_USER_AGENT)
                    .collect::<String>()
            })
            .filter(|ua| !ua.is_empty());
        Self {
            request_id,
            ip,
            user_agent,
        }
    }
}

/// Who acts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Principal {
    /// Nobody has signed in (sign-in itself, forgot password, emailed links).
    Anonymous,
    /// A signed-in user, possibly impersonated by an admin (see [`Actor`]).
    User(Actor),
    /// Roster itself: start-up work, the command line, background jobs. `what`
    /// names the work for the audit trail (`create-admin`, `housekeeping`, ...).
    System { what: String },
}

/// The context of one operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Context {
    pub principal: Principal,
    /// The session the principal signed in with, when it is a user's.
    pub session_id: Option<Uuid>,
    pub request: RequestInfo,
}

impl Context {
    /// Nobody signed in, from this request.
    pub fn anonymous(request: RequestInfo) -> Self {
        Self {
            principal: Principal::Anonymous,
            session_id: None,
            request,
        }
    }

    /// A signed-in user in one of their sessions.
    pub fn user(actor: Actor, session_id: Option<Uuid>, request: RequestInfo) -> Self {
        Self {
            principal: Principal::User(actor),
            session_id,
            request,
        }
    }

    /// Roster itself doing `what`.
    pub fn system(what: impl Into<String>) -> Self {
        Self {
            principal: Principal::System { what: what.into() },
            session_id: None,
            request: RequestInfo::default(),
        }
    }

    /// Refuses (`Forbidden`, with `why`) anyone but Roster itself: for the
    /// operations of tools, start-up and jobs, which no person may call.
    pub fn require_system(&self, why: &'static str) -> Result<()> {
        match self.principal {
            Principal::System { .. } => Ok(()),
            _ => Err(Error::Forbidden(why)),
        }
    }

    /// The signed-in user, or `Unauthenticated` for anyone else.
    pub fn actor(&self) -> Result<&Actor> {
        match &self.principal {
            Principal::User(actor) => Ok(actor),
            _ => Err(Error::Unauthenticated("sign in first")),
        }
    }

    /// The acting user's id, if a user acts.
    pub fn actor_id(&self) -> Option<Uuid> {
        match &self.principal {
            Principal::User(actor) => Some(actor.user_id),
            _ => None,
        }
    }

    /// How the audit trail names the principal.
    pub fn actor_name(&self) -> String {
        match &self.principal {
            Principal::Anonymous => "Anonymous".into(),
            Principal::User(actor) => actor.name.clone(),
            Principal::System { what } => format!("System ({what})"),
        }
    }

    /// The admin behind an impersonation, if any.
    pub fn impersonator_id(&self) -> Option<Uuid> {
        match &self.principal {
            Principal::User(actor) => actor.impersonator,
            _ => None,
        }
    }

    /// The same request, but with nobody signed in (for the failed part of a
    /// sign-in, say).
    pub fn with_principal(&self, principal: Principal) -> Self {
        Self {
            principal,
            session_id: self.session_id,
            request: self.request.clone(),
        }
    }
}
