//! User resources: the table row, create and update requests, list queries.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::{Choice, ListQuery, Page, Pairs, param};

/// A global role. A user may hold several.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Everything.
    Admin,
    /// Manages the members of the teams they manage.
    Manager,
    /// Sees their own profile and learning.
    Learner,
}

impl Role {
    pub const ALL: [Role; 3] = [Role::Admin, Role::Manager, Role::Learner];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Manager => "manager",
            Role::Learner => "learner",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// How the role is named in the UI.
    pub fn label(self) -> &'static str {
        match self {
            Role::Admin => "Admin",
            Role::Manager => "Manager",
            Role::Learner => "Learner",
        }
    }
}

impl Choice for Role {
    const ALL: &'static [Self] = &Role::ALL;
    const HINT: &'static str = "Use admin, manager or learner.";
    fn as_str(self) -> &'static str {
        Role::as_str(self)
    }
}

/// Where a user's account stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum UserStatus {
    /// Created, has not set a password yet.
    Invited,
    /// Can sign in.
    Active,
    /// Cannot sign in; sessions are cut off.
    Suspended,
}

impl UserStatus {
    pub const ALL: [UserStatus; 3] = [
        UserStatus::Invited,
        UserStatus::Active,
        UserStatus::Suspended,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            UserStatus::Invited => "invited",
            UserStatus::Active => "active",
            UserStatus::Suspended => "suspended",
        }
    }

    pub fn parse(s: &str) -> Option<UserStatus> {
        UserStatus::ALL.into_iter().find(|r| r.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            UserStatus::Invited => "Invited",
            UserStatus::Active => "Active",
            UserStatus::Suspended => "Suspended",
        }
    }
}

impl Choice for UserStatus {
    const ALL: &'static [Self] = &UserStatus::ALL;
    const HINT: &'static str = "Use invited, active or suspended.";
    fn as_str(self) -> &'static str {
        UserStatus::as_str(self)
    }
}

/// A user of the school, as shown in the Users table and the profile.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct User {
    /// Roster's id for the user (UUIDv7).
    pub id: Uuid,
    /// Given name.
    #[cfg_attr(feature = "openapi", schema(example = "Ada"))]
    pub first_name: String,
    /// Family name.
    #[cfg_attr(feature = "openapi", schema(example = "Lovelace"))]
    pub last_name: String,
    /// First and last name joined by a space.
    #[cfg_attr(feature = "openapi", schema(example = "Ada Lovelace"))]
    pub full_name: String,
    /// Email address, stored trimmed and lower-cased; unique.
    #[cfg_attr(feature = "openapi", schema(example = "ada@example.com"))]
    pub email: String,
    /// Account status.
    pub status: UserStatus,
    /// Global roles, sorted.
    pub roles: Vec<Role>,
    /// The linked Thinkific user's id, once a Thinkific account exists.
    #[cfg_attr(feature = "openapi", schema(example = 4821193))]
    pub thinkific_user_id: Option<i64>,
    /// When the user was created.
    pub created_at: DateTime<Utc>,
    /// When the user was last changed.
    pub updated_at: DateTime<Utc>,
    /// When the user last signed in, if ever.
    pub last_login_at: Option<DateTime<Utc>>,
    /// Increases on every change; the `ETag` of the user is derived from it.
    #[cfg_attr(feature = "openapi", schema(example = 1))]
    pub version: i32,
}

/// Body of `POST /api/v1/users`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreateUserRequest {
    /// Given name (required, at most 100 characters).
    #[cfg_attr(feature = "openapi", schema(example = "Ada"))]
    pub first_name: String,
    /// Family name (required, at most 100 characters; Thinkific needs both).
    #[cfg_attr(feature = "openapi", schema(example = "Lovelace"))]
    pub last_name: String,
    /// Email address; must be unique regardless of letter case.
    #[cfg_attr(feature = "openapi", schema(example = "ada@example.com"))]
    pub email: String,
    /// Global roles; `learner` when empty.
    #[serde(default)]
    pub roles: Vec<Role>,
    /// Teams to join, with a role in each.
    #[serde(default)]
    pub teams: Vec<crate::TeamAssignment>,
}

/// Body of `PATCH /api/v1/users/{id}`: only the fields present change.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UpdateUserRequest {
    /// New given name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    /// New family name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    /// New email address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// New set of global roles (replaces the old set).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub roles: Option<Vec<Role>>,
}

/// A sort order of the Users table: a column, descending when prefixed by `-`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum UserSort {
    #[serde(rename = "name")]
    NameAsc,
    #[serde(rename = "-name")]
    NameDesc,
    #[serde(rename = "email")]
    EmailAsc,
    #[serde(rename = "-email")]
    EmailDesc,
    #[serde(rename = "thinkific_id")]
    ThinkificIdAsc,
    #[serde(rename = "-thinkific_id")]
    ThinkificIdDesc,
    #[serde(rename = "created_at")]
    CreatedAtAsc,
    #[default]
    #[serde(rename = "-created_at")]
    CreatedAtDesc,
}

/// A sortable column of the Users table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UserColumn {
    Name,
    Email,
    ThinkificId,
    CreatedAt,
}

impl UserSort {
    pub fn new(column: UserColumn, descending: bool) -> Self {
        use UserColumn::*;
        match (column, descending) {
            (Name, false) => Self::NameAsc,
            (Name, true) => Self::NameDesc,
            (Email, false) => Self::EmailAsc,
            (Email, true) => Self::EmailDesc,
            (ThinkificId, false) => Self::ThinkificIdAsc,
            (ThinkificId, true) => Self::ThinkificIdDesc,
            (CreatedAt, false) => Self::CreatedAtAsc,
            (CreatedAt, true) => Self::CreatedAtDesc,
        }
    }

    pub fn column(self) -> UserColumn {
        use UserSort::*;
        match self {
            NameAsc | NameDesc => UserColumn::Name,
            EmailAsc | EmailDesc => UserColumn::Email,
            ThinkificIdAsc | ThinkificIdDesc => UserColumn::ThinkificId,
            CreatedAtAsc | CreatedAtDesc => UserColumn::CreatedAt,
        }
    }

    pub fn descending(self) -> bool {
        matches!(
            self,
            Self::NameDesc | Self::EmailDesc | Self::ThinkificIdDesc | Self::CreatedAtDesc
        )
    }

    /// The query-string value, e.g. `-created_at`.
    pub fn as_str(self) -> &'static str {
        use UserSort::*;
        match self {
            NameAsc => "name",
            NameDesc => "-name",
            EmailAsc => "email",
            EmailDesc => "-email",
            ThinkificIdAsc => "thinkific_id",
            ThinkificIdDesc => "-thinkific_id",
            CreatedAtAsc => "created_at",
            CreatedAtDesc => "-created_at",
        }
    }
}

impl UserSort {
    pub const ALL: [UserSort; 8] = [
        UserSort::NameAsc,
        UserSort::NameDesc,
        UserSort::EmailAsc,
        UserSort::EmailDesc,
        UserSort::ThinkificIdAsc,
        UserSort::ThinkificIdDesc,
        UserSort::CreatedAtAsc,
        UserSort::CreatedAtDesc,
    ];

    pub fn parse(s: &str) -> Option<UserSort> {
        UserSort::ALL.into_iter().find(|sort| sort.as_str() == s)
    }
}

impl Choice for UserSort {
    const ALL: &'static [Self] = &UserSort::ALL;
    const HINT: &'static str =
        "Sort by name, email, thinkific_id or created_at, with a leading - for descending.";
    fn as_str(self) -> &'static str {
        UserSort::as_str(self)
    }
}

/// Query parameters of `GET /api/v1/users`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct UserListQuery {
    /// Words (at most 8), each found somewhere in the name or email in any order,
    /// ignoring case and accents: `dubois chloe` finds "Chloé Dubois-Zając".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub q: Option<String>,
    /// Sort order: `name`, `email`, `thinkific_id`, `created_at`, each optionally
    /// prefixed by `-` for descending. Default `-created_at`; ties break by id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", param(value_type = Option<UserSort>))]
    pub sort: Option<UserSort>,
    /// 1-based page number (default 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", param(minimum = 1))]
    pub page: Option<u32>,
    /// Items per page (default 25, at most 200).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", param(minimum = 1, maximum = 200))]
    pub per_page: Option<u32>,
    /// Only users with this status.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<UserStatus>,
    /// Only users holding this global role.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<Role>,
    /// Only members of this team.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub team_id: Option<Uuid>,
    /// Only users created at or after this instant (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_from: Option<DateTime<Utc>>,
    /// Only users created before this instant (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_to: Option<DateTime<Utc>>,
}

/// A page of users.
pub type UserList = Page<User>;

impl ListQuery for UserListQuery {
    fn take(&mut self, key: &str, value: &str) -> Result<(), String> {
        match key {
            "q" => self.q = param::search(value)?,
            "sort" => self.sort = param::choice(value)?,
            "page" => self.page = param::page(value)?,
            "per_page" => self.per_page = param::per_page(value)?,
            "status" => self.status = param::choice(value)?,
            "role" => self.role = param::choice(value)?,
            "team_id" => self.team_id = param::uuid(value)?,
            "created_from" => self.created_from = param::instant(value)?,
            "created_to" => self.created_to = param::instant(value)?,
            _ => {}
        }
        Ok(())
    }

    fn check(&self, errors: &mut Vec<crate::FieldError>) {
        if let (Some(from), Some(to)) = (self.created_from, self.created_to)
            && from > to
        {
            errors.push(crate::FieldError::new(
                "created_to",
                "Must not be before created_from.",
            ));
        }
    }

    fn write(&self, out: &mut Pairs) {
        out.put("q", self.q.as_ref());
        out.put("sort", self.sort.as_ref());
        out.put("page", self.page.as_ref());
        out.put("per_page", self.per_page.as_ref());
        out.put("status", self.status.as_ref());
        out.put("role", self.role.as_ref());
        out.put("team_id", self.team_id.as_ref());
        out.put("created_from", self.created_from.as_ref());
        out.put("created_to", self.created_to.as_ref());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ListQuery;

    #[test]
    fn list_query_names_every_bad_parameter() {
        let errors = UserListQuery::from_pairs([
            ("per_page", "100000"),
            ("sort", "password_hash"),
            ("page", "-1"),
        ])
        .expect_err("invalid");
        let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["per_page", "sort", "page"]);
    }

    #[test]
    fn list_query_round_trips_through_pairs() {
        let q = UserListQuery {
            q: Some("ada".into()),
            sort: Some(UserSort::NameDesc),
            page: Some(3),
            per_page: Some(50),
            status: Some(UserStatus::Active),
            role: Some(Role::Manager),
            team_id: Some(Uuid::nil()),
            created_from: "2026-01-31T10:00:00.5+02:00".parse().ok(),
            created_to: "2026-02-01"
                .parse::<chrono::NaiveDate>()
                .ok()
                .and_then(|d| d.and_hms_opt(0, 0, 0))
                .map(|t| t.and_utc()),
        };
        assert_eq!(
            UserListQuery::from_query_string(&q.to_query_string()),
            Ok(q.clone())
        );
        let pairs = q.to_pairs();
        let parsed =
            UserListQuery::from_pairs(pairs.iter().map(|(k, v)| (*k, v.as_str()))).expect("valid");
        assert_eq!(parsed, q);
    }
}
