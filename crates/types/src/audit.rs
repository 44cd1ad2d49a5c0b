//! The audit trail: what happened, who did it (and on whose behalf), to what, from
//! where; and the query of `GET /api/v1/audit-events`.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::{FieldError, PageInfo};

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
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditEventList {
    /// The events on this page.
    pub items: Vec<AuditEvent>,
    /// Where this page sits in the whole list.
    pub page: PageInfo,
}

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

/// Longest free-text filter value (action, target type and id, request id).
const MAX_FILTER_LEN: usize = 200;

fn check_token(value: &str) -> Result<Option<String>, String> {
    if value.is_empty() {
        return Ok(None);
    }
    if value.chars().count() > MAX_FILTER_LEN {
        return Err(format!("Use at most {MAX_FILTER_LEN} characters."));
    }
    if value.chars().any(char::is_control) {
        return Err("Remove the control characters.".into());
    }
    Ok(Some(value.to_string()))
}

impl AuditEventQuery {
    /// Parses query-string pairs, reporting every bad parameter by name. Unknown
    /// parameters are ignored; a repeated one keeps its last value.
    pub fn from_pairs<'a>(
        pairs: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<Self, Vec<FieldError>> {
        let mut q = Self::default();
        let mut errors = Vec::new();
        for (key, value) in pairs {
            let value = value.trim();
            let mut bad = |message: String| errors.push(FieldError::new(key, message));
            let uuid = |value: &str| -> Result<Option<Uuid>, String> {
                if value.is_empty() {
                    return Ok(None);
                }
                value
                    .parse()
                    .map(Some)
                    .map_err(|_| "Use an id (a UUID).".to_string())
            };
            match key {
                "actor_id" => match uuid(value) {
                    Ok(v) => q.actor_id = v,
                    Err(m) => bad(m),
                },
                "target_user_id" => match uuid(value) {
                    Ok(v) => q.target_user_id = v,
                    Err(m) => bad(m),
                },
                "session_id" => match uuid(value) {
                    Ok(v) => q.session_id = v,
                    Err(m) => bad(m),
                },
                "target_type" => match check_token(value) {
                    Ok(v) => q.target_type = v,
                    Err(m) => bad(m),
                },
                "target_id" => match check_token(value) {
                    Ok(v) => q.target_id = v,
                    Err(m) => bad(m),
                },
                "action" => match check_token(value) {
                    Ok(v) => q.action = v,
                    Err(m) => bad(m),
                },
                "request_id" => match check_token(value) {
                    Ok(v) => q.request_id = v,
                    Err(m) => bad(m),
                },
                "outcome" if value.is_empty() => q.outcome = None,
                "outcome" => match AuditOutcome::parse(value) {
                    Some(o) => q.outcome = Some(o),
                    None => bad("Use success, refused or error.".into()),
                },
                "from" | "to" if value.is_empty() => {}
                "from" | "to" => match crate::parse_instant(value) {
                    Some(t) if key == "from" => q.from = Some(t),
                    Some(t) => q.to = Some(t),
                    None => bad("Use a date (2026-01-31) or an RFC 3339 time.".into()),
                },
                "page" | "per_page" => match crate::parse_page_param(key, value) {
                    Ok(n) if key == "page" => q.page = Some(n),
                    Ok(n) => q.per_page = Some(n),
                    Err(e) => bad(e.message),
                },
                _ => {}
            }
        }
        if let (Some(from), Some(to)) = (q.from, q.to)
            && from > to
        {
            errors.push(FieldError::new("to", "Must not be before from."));
        }
        if errors.is_empty() {
            Ok(q)
        } else {
            Err(errors)
        }
    }

    /// The query as `key=value` pairs (unset parameters left out), for URLs.
    pub fn to_pairs(&self) -> Vec<(&'static str, String)> {
        let mut out = Vec::new();
        let mut push = |k: &'static str, v: Option<String>| {
            if let Some(v) = v {
                out.push((k, v));
            }
        };
        push("actor_id", self.actor_id.map(|v| v.to_string()));
        push("target_user_id", self.target_user_id.map(|v| v.to_string()));
        push("target_type", self.target_type.clone());
        push("target_id", self.target_id.clone());
        push("action", self.action.clone());
        push("outcome", self.outcome.map(|o| o.as_str().to_string()));
        push("session_id", self.session_id.map(|v| v.to_string()));
        push("request_id", self.request_id.clone());
        push("from", self.from.map(|t| t.to_rfc3339()));
        push("to", self.to.map(|t| t.to_rfc3339()));
        push("page", self.page.map(|p| p.to_string()));
        push("per_page", self.per_page.map(|p| p.to_string()));
        out
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

/// A user's live sessions, most recently used first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SessionList {
    /// The sessions.
    pub items: Vec<SessionInfo>,
    /// All on one page.
    pub page: PageInfo,
}

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
