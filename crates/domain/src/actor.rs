//! The signed-in user behind a request, as established by the API's
//! authentication. It travels inside a [`crate::Context`].

use roster_types::Role;
use uuid::Uuid;

use crate::{Error, Result};

/// A signed-in user acting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    /// The user whose rights apply.
    pub user_id: Uuid,
    /// Their full name, for the audit trail.
    pub name: String,
    /// Their global roles, read from the database on every request.
    pub roles: Vec<Role>,
    /// The admin behind an impersonation, if any.
    pub impersonator: Option<Uuid>,
}

impl Actor {
    pub fn has_role(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }

    pub fn is_admin(&self) -> bool {
        self.has_role(Role::Admin)
    }

    /// Fails unless the actor is an admin.
    pub fn require_admin(&self) -> Result<()> {
        self.require_admin_for("only admins may do this")
    }

    /// Fails with `reason` unless the actor is an admin.
    pub fn require_admin_for(&self, reason: &'static str) -> Result<()> {
        if self.is_admin() {
            Ok(())
        } else {
            Err(Error::Forbidden(reason))
        }
    }
}
