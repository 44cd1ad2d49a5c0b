//! What a signed-in person may do to someone in the Users table. The server
//! checks every request on its own; these are the same rules, so that the UI
//! offers only what will be accepted and says why where it does not. The rule
//! on fellow managers ([`manager_may_change`]) is the one the server applies.

use uuid::Uuid;

use crate::{Role, User, UserStatus};

/// An entry of a person's actions menu.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UserAction {
    /// Open the profile to change names, email or roles.
    Edit,
    /// Email a link to choose a new password (active accounts).
    SendPasswordReset,
    /// Email the welcome link again (invited accounts).
    ResendInvitation,
    Suspend,
    Reactivate,
    Delete,
}

impl UserAction {
    /// The menu entry's text.
    pub fn label(self) -> &'static str {
        match self {
            UserAction::Edit => "Edit",
            UserAction::SendPasswordReset => "Send password reset link",
            UserAction::ResendInvitation => "Resend invitation",
            UserAction::Suspend => "Suspend",
            UserAction::Reactivate => "Reactivate",
            UserAction::Delete => "Delete",
        }
    }

    /// A stable name for element ids and tests.
    pub fn key(self) -> &'static str {
        match self {
            UserAction::Edit => "edit",
            UserAction::SendPasswordReset => "send-reset",
            UserAction::ResendInvitation => "resend-invitation",
            UserAction::Suspend => "suspend",
            UserAction::Reactivate => "reactivate",
            UserAction::Delete => "delete",
        }
    }

    /// Asks for confirmation first.
    pub fn is_destructive(self) -> bool {
        matches!(self, UserAction::Suspend | UserAction::Delete)
    }
}

/// One entry: allowed, or shown disabled with the reason.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Offer {
    pub action: UserAction,
    /// Why the caller may not, when they may not.
    pub refused: Option<&'static str>,
}

impl Offer {
    fn allowed(action: UserAction) -> Self {
        Offer {
            action,
            refused: None,
        }
    }

    fn refused(action: UserAction, reason: &'static str) -> Self {
        Offer {
            action,
            refused: Some(reason),
        }
    }
}

/// Whether a manager may change a member of their team with these global
/// roles: plain members only, or a manager could take over a fellow manager's
/// account (and so their teams) or an admin's.
pub fn manager_may_change(target_roles: &[Role]) -> Result<(), &'static str> {
    if target_roles.contains(&Role::Admin) {
        return Err("managers cannot change admins");
    }
    if target_roles.contains(&Role::Manager) {
        return Err("managers cannot change other managers");
    }
    Ok(())
}

/// The email entry that fits the account's status, if any.
fn email_action(user: &User) -> Option<UserAction> {
    match user.status {
        UserStatus::Invited => Some(UserAction::ResendInvitation),
        UserStatus::Active => Some(UserAction::SendPasswordReset),
        UserStatus::Suspended => None,
    }
}

/// What the caller (`caller_id` with `caller_roles`) is offered for `user`, a
/// person their Users table shows (admins see everyone, managers the members of
/// the teams they manage), in menu order.
pub fn offers(caller_id: Uuid, caller_roles: &[Role], user: &User) -> Vec<Offer> {
    let is_self = caller_id == user.id;
    let mut out = Vec::with_capacity(4);
    if caller_roles.contains(&Role::Admin) {
        out.push(Offer::allowed(UserAction::Edit));
        out.extend(email_action(user).map(Offer::allowed));
        let status = if user.status == UserStatus::Suspended {
            UserAction::Reactivate
        } else {
            UserAction::Suspend
        };
        if is_self {
            out.push(Offer::refused(
                status,
                "You cannot suspend your own account.",
            ));
            out.push(Offer::refused(
                UserAction::Delete,
                "You cannot delete your own account.",
            ));
        } else {
            out.push(Offer::allowed(status));
            out.push(Offer::allowed(UserAction::Delete));
        }
        return out;
    }
    if is_self {
        out.push(Offer::allowed(UserAction::Edit));
        return out;
    }
    if !caller_roles.contains(&Role::Manager) {
        return out;
    }
    match manager_may_change(&user.roles) {
        Err(_) => out.push(Offer::refused(
            UserAction::Edit,
            "Only admins can change admins and managers.",
        )),
        Ok(()) => {
            out.push(Offer::allowed(UserAction::Edit));
            out.extend(email_action(user).map(Offer::allowed));
            let status = if user.status == UserStatus::Suspended {
                UserAction::Reactivate
            } else {
                UserAction::Suspend
            };
            out.push(Offer::refused(
                status,
                "Only admins can suspend or reactivate.",
            ));
            out.push(Offer::refused(
                UserAction::Delete,
                "Only admins can delete people.",
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn person(status: UserStatus, roles: &[Role]) -> User {
        User {
            id: Uuid::now_v7(),
            first_name: "Ada".into(),
            last_name: "Lovelace".into(),
            full_name: "Ada Lovelace".into(),
            email: "ada@example.com".into(),
            status,
            roles: roles.to_vec(),
            thinkific_user_id: None,
            created_at: chrono::Utc::now(),
            updated_at: chrono::Utc::now(),
            last_login_at: None,
            version: 1,
        }
    }

    fn entries(offers: &[Offer]) -> Vec<(&'static str, bool)> {
        offers
            .iter()
            .map(|o| (o.action.key(), o.refused.is_none()))
            .collect()
    }

    #[test]
    fn an_admin_may_do_everything_but_suspend_or_delete_themselves() {
        let admin = Uuid::now_v7();
        let learner = person(UserStatus::Active, &[Role::Learner]);
        assert_eq!(
            entries(&offers(admin, &[Role::Admin], &learner)),
            [
                ("edit", true),
                ("send-reset", true),
                ("suspend", true),
                ("delete", true)
            ]
        );
        let invited = person(UserStatus::Invited, &[Role::Learner]);
        assert_eq!(
            entries(&offers(admin, &[Role::Admin], &invited))[1],
            ("resend-invitation", true)
        );
        let suspended = person(UserStatus::Suspended, &[Role::Manager]);
        assert_eq!(
            entries(&offers(admin, &[Role::Admin], &suspended)),
            [("edit", true), ("reactivate", true), ("delete", true)]
        );
        let mut me = person(UserStatus::Active, &[Role::Admin]);
        me.id = admin;
        let mine = offers(admin, &[Role::Admin], &me);
        assert_eq!(
            entries(&mine),
            [
                ("edit", true),
                ("send-reset", true),
                ("suspend", false),
                ("delete", false)
            ]
        );
        assert!(mine[2].refused.is_some_and(|r| r.contains("your own")));
    }

    #[test]
    fn a_manager_looks_after_plain_members_and_is_told_what_only_admins_do() {
        let manager = Uuid::now_v7();
        let roles = [Role::Manager];
        let member = person(UserStatus::Invited, &[Role::Learner]);
        assert_eq!(
            entries(&offers(manager, &roles, &member)),
            [
                ("edit", true),
                ("resend-invitation", true),
                ("suspend", false),
                ("delete", false)
            ]
        );
        let fellow = person(UserStatus::Active, &[Role::Manager, Role::Learner]);
        let fellow_offers = offers(manager, &roles, &fellow);
        assert_eq!(entries(&fellow_offers), [("edit", false)]);
        assert!(
            fellow_offers[0]
                .refused
                .is_some_and(|r| r.contains("admins"))
        );
        let mut me = person(UserStatus::Active, &[Role::Manager]);
        me.id = manager;
        assert_eq!(entries(&offers(manager, &roles, &me)), [("edit", true)]);
    }

    #[test]
    fn a_learner_is_offered_nothing_for_others() {
        let learner = Uuid::now_v7();
        let other = person(UserStatus::Active, &[Role::Learner]);
        assert!(offers(learner, &[Role::Learner], &other).is_empty());
    }

    #[test]
    fn managers_may_change_plain_members_only() {
        assert!(manager_may_change(&[Role::Learner]).is_ok());
        assert!(manager_may_change(&[]).is_ok());
        assert!(manager_may_change(&[Role::Admin]).is_err());
        assert!(manager_may_change(&[Role::Learner, Role::Manager]).is_err());
    }
}
