//! Validation rules shared by the server and the forms of the SPA, so a person sees
//! the same message before and after submitting.

use crate::{CreateUserRequest, FieldError, Role, TeamAssignment, UpdateUserRequest};

/// Longest first or last name accepted.
pub const MAX_NAME_LEN: usize = 100;
/// Longest email address accepted (RFC 5321 path limit).
pub const MAX_EMAIL_LEN: usize = 254;

/// Trims and lower-cases an email address the way it is stored.
pub fn normalise_email(raw: &str) -> String {
    raw.trim().to_lowercase()
}

/// Checks the syntax of an already normalised email address: one `@`, a non-empty
/// local part, a dotted domain of letters, digits and hyphens, no spaces.
pub fn check_email(email: &str) -> Result<(), String> {
    if email.is_empty() {
        return Err("Enter an email address.".into());
    }
    if email.chars().count() > MAX_EMAIL_LEN {
        return Err(format!("Use at most {MAX_EMAIL_LEN} characters."));
    }
    let valid = match email.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && local.len() <= 64
                && !local.starts_with('.')
                && !local.ends_with('.')
                && !local.contains("..")
                && local
                    .chars()
                    .all(|c| c.is_alphanumeric() || "!#$%&'*+-/=?^_`{|}~.".contains(c))
                && domain.contains('.')
                && domain.split('.').all(|label| {
                    !label.is_empty()
                        && label.len() <= 63
                        && !label.starts_with('-')
                        && !label.ends_with('-')
                        && label.chars().all(|c| c.is_alphanumeric() || c == '-')
                })
        }
        None => false,
    };
    if valid {
        Ok(())
    } else {
        Err("Enter a valid email address, like name@example.com.".into())
    }
}

/// Checks a trimmed first or last name.
pub fn check_name(name: &str, what: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err(format!("Enter a {what}."));
    }
    if name.chars().count() > MAX_NAME_LEN {
        return Err(format!("Use at most {MAX_NAME_LEN} characters."));
    }
    if name.chars().any(char::is_control) {
        return Err("Remove the control characters.".into());
    }
    Ok(())
}

/// A user's fields after trimming and normalising, known to be valid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidUser {
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    pub roles: Vec<Role>,
    pub teams: Vec<TeamAssignment>,
}

fn check_roles(roles: &[Role]) -> Vec<Role> {
    let mut roles = roles.to_vec();
    roles.sort();
    roles.dedup();
    if roles.is_empty() {
        roles.push(Role::Learner);
    }
    roles
}

/// Shortest password accepted.
pub const MIN_PASSWORD_LEN: usize = 10;
/// Longest password accepted (argon2 is fine with more; people are not).
pub const MAX_PASSWORD_LEN: usize = 128;
/// Lowest zxcvbn score (0-4) accepted: 3 is "safely unguessable" against an
/// offline attack on a slow hash, which argon2id is.
pub const MIN_PASSWORD_SCORE: u8 = 3;

/// Longest team name accepted.
pub const MAX_TEAM_NAME_LEN: usize = 100;
/// Longest team description accepted.
pub const MAX_TEAM_DESCRIPTION_LEN: usize = 500;

/// Checks a trimmed team name.
pub fn check_team_name(name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err("Enter a team name.".into());
    }
    if name.chars().count() > MAX_TEAM_NAME_LEN {
        return Err(format!("Use at most {MAX_TEAM_NAME_LEN} characters."));
    }
    if name.chars().any(char::is_control) {
        return Err("Remove the control characters.".into());
    }
    Ok(())
}

/// Checks a trimmed team description (several lines are fine).
pub fn check_team_description(description: &str) -> Result<(), String> {
    if description.chars().count() > MAX_TEAM_DESCRIPTION_LEN {
        return Err(format!(
            "Use at most {MAX_TEAM_DESCRIPTION_LEN} characters."
        ));
    }
    if description
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    {
        return Err("Remove the control characters.".into());
    }
    Ok(())
}

/// Longest search term accepted.
pub const MAX_SEARCH_LEN: usize = 200;

/// Checks a trimmed search term; `None` for an empty one (no search).
pub fn check_search(term: &str) -> Result<Option<String>, String> {
    if term.chars().count() > MAX_SEARCH_LEN {
        return Err(format!("Use at most {MAX_SEARCH_LEN} characters."));
    }
    if term.chars().any(char::is_control) {
        return Err("Remove the control characters.".into());
    }
    Ok((!term.is_empty()).then(|| term.to_string()))
}

/// Validates a create request; all field errors at once.
pub fn validate_create_user(req: &CreateUserRequest) -> Result<ValidUser, Vec<FieldError>> {
    let first_name = req.first_name.trim().to_string();
    let last_name = req.last_name.trim().to_string();
    let email = normalise_email(&req.email);
    let mut errors = Vec::new();
    if let Err(m) = check_name(&first_name, "first name") {
        errors.push(FieldError::new("first_name", m));
    }
    if let Err(m) = check_name(&last_name, "last name") {
        errors.push(FieldError::new("last_name", m));
    }
    if let Err(m) = check_email(&email) {
        errors.push(FieldError::new("email", m));
    }
    let mut team_ids: Vec<_> = req.teams.iter().map(|t| t.team_id).collect();
    team_ids.sort();
    team_ids.dedup();
    if team_ids.len() != req.teams.len() {
        errors.push(FieldError::new("teams", "Each team may appear only once."));
    }
    if errors.is_empty() {
        Ok(ValidUser {
            first_name,
            last_name,
            email,
            roles: check_roles(&req.roles),
            teams: req.teams.clone(),
        })
    } else {
        Err(errors)
    }
}

/// Validates a partial update; returns the normalised changes.
pub fn validate_update_user(req: &UpdateUserRequest) -> Result<UpdateUserRequest, Vec<FieldError>> {
    let mut errors = Vec::new();
    let mut out = UpdateUserRequest::default();
    if let Some(first) = &req.first_name {
        let first = first.trim().to_string();
        match check_name(&first, "first name") {
            Ok(()) => out.first_name = Some(first),
            Err(m) => errors.push(FieldError::new("first_name", m)),
        }
    }
    if let Some(last) = &req.last_name {
        let last = last.trim().to_string();
        match check_name(&last, "last name") {
            Ok(()) => out.last_name = Some(last),
            Err(m) => errors.push(FieldError::new("last_name", m)),
        }
    }
    if let Some(email) = &req.email {
        let email = normalise_email(email);
        match check_email(&email) {
            Ok(()) => out.email = Some(email),
            Err(m) => errors.push(FieldError::new("email", m)),
        }
    }
    if let Some(roles) = &req.roles {
        out.roles = Some(check_roles(roles));
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn email_syntax_accepts_common_addresses_and_rejects_broken_ones() {
        for ok in [
            "a@b.co",
            "first.last+tag@sub.example.org",
            "o'neil@example.ie",
        ] {
            assert_eq!(check_email(ok), Ok(()), "{ok}");
        }
        for bad in [
            "",
            "plain",
            "a@b",
            "@b.co",
            "a@@b.co",
            "a b@c.de",
            "a@-b.co",
            ".a@b.co",
            "a..b@c.de",
        ] {
            assert!(check_email(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn create_user_trims_lowercases_and_defaults_to_learner() {
        let valid = validate_create_user(&CreateUserRequest {
            first_name: "  Ada ".into(),
            last_name: "Lovelace".into(),
            email: " Ada@Example.COM ".into(),
            roles: vec![],
            teams: vec![],
        })
        .expect("valid");
        assert_eq!(valid.first_name, "Ada");
        assert_eq!(valid.email, "ada@example.com");
        assert_eq!(valid.roles, vec![Role::Learner]);
    }

    #[test]
    fn create_user_reports_every_invalid_field() {
        let errors = validate_create_user(&CreateUserRequest::default()).expect_err("invalid");
        let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["first_name", "last_name", "email"]);
    }
}
