//! The audit trail: what happened, who did it (and on whose behalf), to what, from
//! where; and the query of `GET /api/v1/audit-events`.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::{Choice, ListQuery, Page, Pairs, param};

/// How an audited operation ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum AuditOutcome {
    /// It was done.
    Success,
    /// It was refused: no permission, wrong credentials, throttled.
    Refused,
    /// It was attempted and failed on our side.
    Error,
}

impl AuditOutcome {
    pub const ALL: [AuditOutcome; 3] = [
        AuditOutcome::Success,
        AuditOutcome::Refused,
        AuditOutcome::Error,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AuditOutcome::Success => "success",
            AuditOutcome::Refused => "refused",
            AuditOutcome::Error => "error",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|o| o.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            AuditOutcome::Success => "Success",
            AuditOutcome::Refused => "Refused",
            AuditOutcome::Error => "Error",
        }
    }
}

/// One entry of the append-only audit trail.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditEvent {
    /// The event's id (UUIDv7, so ids sort by time).
    pub id: Uuid,
    /// When it happened.
    pub occurred_at: DateTime<Utc>,
    /// What happened, dotted: `user.created`, `auth.sign_in_failed`,
    /// `team.member_added`, ...
    #[cfg_attr(feature = "openapi", schema(example = "user.updated"))]
    pub action: String,
    /// How it ended.
    pub outcome: AuditOutcome,
    /// The user who acted (null for the system and for anonymous callers).
    pub actor_id: Option<Uuid>,
    /// Who acted, as named at the time: a person's name, `System`, or
    /// `Anonymous`.
    #[cfg_attr(feature = "openapi", schema(example = "Ada Lovelace"))]
    pub actor_name: String,
    /// The admin behind an impersonation, if any.
    pub impersonator_id: Option<Uuid>,
    /// The session the actor used, if any.
    pub session_id: Option<Uuid>,
    /// The kind of thing acted on: `user`, `team`, `team_member`, `session`.
    #[cfg_attr(feature = "openapi", schema(example = "user"))]
    pub target_type: Option<String>,
    /// Its id (`{team_id}/{user_id}` for a membership).
    pub target_id: Option<String>,
    /// Its name at the time.
    #[cfg_attr(feature = "openapi", schema(example = "Grace Hopper"))]
    pub target_name: Option<String>,
    /// The `X-Request-Id` of the request that did it.
    pub request_id: Option<String>,
    /// The client's address.
    #[cfg_attr(feature = "openapi", schema(example = "203.0.113.9"))]
    pub ip: Option<String>,
    /// The client's `User-Agent`.
    pub user_agent: Option<String>,
    /// What else there is to know: changed fields with old and new values, the
    /// reason of a refusal, ... Never passwords, tokens or links.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub details: serde_json::Value,
}

/// A page of audit events, newest first.
pub type AuditEventList = Page<AuditEvent>;

/// Query parameters of `GET /api/v1/audit-events` and `.csv`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct AuditEventQuery {
    /// Only events by this user.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actor_id: Option<Uuid>,
    /// Only events about this user: they are the target, or a membership of
    /// theirs is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_user_id: Option<Uuid>,
    /// Only events on this kind of target (`user`, `team`, `team_member`, `session`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_type: Option<String>,
    /// Only events on this target id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_id: Option<String>,
    /// An exact action (`user.created`), or a prefix ending in `.` (`user.`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action: Option<String>,
    /// Only events with this outcome.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outcome: Option<AuditOutcome>,
    /// Only events of this session.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_id: Option<Uuid>,
    /// Only events of this request (`X-Request-Id`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    /// Only events at or after this instant (RFC 3339, or a date).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<DateTime<Utc>>,
    /// Only events before this instant (RFC 3339, or a date).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<DateTime<Utc>>,
    /// 1-based page number (default 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", param(minimum = 1))]
    pub page: Option<u32>,
    /// Items per page (default 25, at most 200).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", param(minimum = 1, maximum = 200))]
    pub per_page: Option<u32>,
}

impl Choice for AuditOutcome {
    const ALL: &'static [Self] = &AuditOutcome::ALL;
    const HINT: &'static str = "Use success, refused or error.";
    fn as_str(self) -> &'static str {
        AuditOutcome::as_str(self)
    }
}

impl ListQuery for AuditEventQuery {
    fn take(&mut self, key: &str, value: &str) -> Result<(), String> {
        match key {
            "actor_id" => self.actor_id = param::uuid(value)?,
            "target_user_id" => self.target_user_id = param::uuid(value)?,
            "target_type" => self.target_type = param::text(value)?,
            "target_id" => self.target_id = param::text(value)?,
            "action" => self.action = param::text(value)?,
            "outcome" => self.outcome = param::choice(value)?,
            "session_id" => self.session_id = param::uuid(value)?,
            "request_id" => self.request_id = param::text(value)?,
            "from" => self.from = param::instant(value)?,
            "to" => self.to = param::instant(value)?,
            "page" => self.page = param::page(value)?,
            "per_page" => self.per_page = param::per_page(value)?,
            _ => {}
        }
        Ok(())
    }

    fn check(&self, errors: &mut Vec<crate::FieldError>) {
        if let (Some(from), Some(to)) = (self.from, self.to)
            && from > to
        {
            errors.push(crate::FieldError::new("to", "Must not be before from."));
        }
    }

    fn write(&self, out: &mut Pairs) {
        out.put("actor_id", self.actor_id.as_ref());
        out.put("target_user_id", self.target_user_id.as_ref());
        out.put("target_type", self.target_type.as_ref());
        out.put("target_id", self.target_id.as_ref());
        out.put("action", self.action.as_ref());
        out.put("outcome", self.outcome.as_ref());
        out.put("session_id", self.session_id.as_ref());
        out.put("request_id", self.request_id.as_ref());
        out.put("from", self.from.as_ref());
        out.put("to", self.to.as_ref());
        out.put("page", self.page.as_ref());
        out.put("per_page", self.per_page.as_ref());
    }
}

/// A signed-in session: one browser or device, from sign-in to sign-out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SessionInfo {
    /// The session's id (the `sid` of its access tokens).
    pub id: Uuid,
    /// Whose session it is.
    pub user_id: Uuid,
    /// When it began (the sign-in).
    pub created_at: DateTime<Utc>,
    /// When it was last used, to the minute.
    pub last_used_at: DateTime<Utc>,
    /// When it ends however often it is refreshed (its absolute lifetime).
    pub expires_at: DateTime<Utc>,
    /// The address it signed in from.
    pub ip: Option<String>,
    /// The browser or client it signed in with.
    pub user_agent: Option<String>,
    /// Whether this is the session of the request that asked.
    pub current: bool,
}

/// A user's live sessions, most recently used first (all on one page).
pub type SessionList = Page<SessionInfo>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn audit_query_round_trips_through_pairs() {
        let query = AuditEventQuery {
            actor_id: Some(Uuid::nil()),
            action: Some("user.".into()),
            outcome: Some(AuditOutcome::Refused),
            request_id: Some("abc-1".into()),
            page: Some(3),
            ..Default::default()
        };
        let pairs = query.to_pairs();
        let parsed =
            AuditEventQuery::from_pairs(pairs.iter().map(|(k, v)| (*k, v.as_str()))).expect("ok");
        assert_eq!(parsed, query);
    }

    #[test]
    fn audit_query_names_every_bad_parameter() {
        let errors = AuditEventQuery::from_pairs([
            ("actor_id", "nope"),
            ("outcome", "maybe"),
            ("from", "yesterday"),
            ("action", "a\u{0}b"),
        ])
        .expect_err("invalid");
        let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["actor_id", "outcome", "from", "action"]);
    }
}
