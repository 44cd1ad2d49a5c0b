//! Teams and memberships: who belongs where, and who manages whom.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::{Choice, ListQuery, Page, Pairs, Role, UserStatus, param};

/// A person's role inside one team.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum TeamRole {
    /// Manages the team's members (with the global `manager` role).
    Manager,
    /// Belongs to the team.
    Member,
}

impl TeamRole {
    pub const ALL: [TeamRole; 2] = [TeamRole::Manager, TeamRole::Member];

    pub fn as_str(self) -> &'static str {
        match self {
            TeamRole::Manager => "manager",
            TeamRole::Member => "member",
        }
    }

    pub fn parse(s: &str) -> Option<TeamRole> {
        TeamRole::ALL.into_iter().find(|r| r.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            TeamRole::Manager => "Manager",
            TeamRole::Member => "Member",
        }
    }
}

/// A team.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Team {
    /// Roster's id for the team.
    pub id: Uuid,
    /// Unique name (regardless of letter case).
    #[cfg_attr(feature = "openapi", schema(example = "Sales EMEA"))]
    pub name: String,
    /// What the team is for; empty when not given.
    #[cfg_attr(feature = "openapi", schema(example = "Account executives in Europe"))]
    pub description: String,
    /// How many people belong to the team.
    #[cfg_attr(feature = "openapi", schema(example = 12))]
    pub member_count: u64,
    /// When the team was created.
    pub created_at: DateTime<Utc>,
    /// When the team was last changed.
    pub updated_at: DateTime<Utc>,
}

/// Body of `POST /api/v1/teams`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreateTeamRequest {
    /// Name, 1 to 100 characters, unique regardless of letter case.
    #[cfg_attr(feature = "openapi", schema(example = "Sales EMEA"))]
    pub name: String,
    /// Optional description, at most 500 characters.
    #[serde(default)]
    pub description: String,
}

/// Body of `PATCH /api/v1/teams/{id}`: only the fields present change.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UpdateTeamRequest {
    /// New name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// New description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// A sort order of the Teams list.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum TeamSort {
    #[default]
    #[serde(rename = "name")]
    NameAsc,
    #[serde(rename = "-name")]
    NameDesc,
    #[serde(rename = "member_count")]
    MemberCountAsc,
    #[serde(rename = "-member_count")]
    MemberCountDesc,
    #[serde(rename = "created_at")]
    CreatedAtAsc,
    #[serde(rename = "-created_at")]
    CreatedAtDesc,
}

impl TeamSort {
    pub const ALL: [TeamSort; 6] = [
        TeamSort::NameAsc,
        TeamSort::NameDesc,
        TeamSort::MemberCountAsc,
        TeamSort::MemberCountDesc,
        TeamSort::CreatedAtAsc,
        TeamSort::CreatedAtDesc,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            TeamSort::NameAsc => "name",
            TeamSort::NameDesc => "-name",
            TeamSort::MemberCountAsc => "member_count",
            TeamSort::MemberCountDesc => "-member_count",
            TeamSort::CreatedAtAsc => "created_at",
            TeamSort::CreatedAtDesc => "-created_at",
        }
    }

    pub fn parse(s: &str) -> Option<TeamSort> {
        TeamSort::ALL.into_iter().find(|t| t.as_str() == s)
    }
}

/// Query parameters of `GET /api/v1/teams`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct TeamListQuery {
    /// Case-insensitive substring of the team name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub q: Option<String>,
    /// `name` (default), `member_count` or `created_at`, `-` for descending.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", param(value_type = Option<TeamSort>))]
    pub sort: Option<TeamSort>,
    /// 1-based page number (default 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", param(minimum = 1))]
    pub page: Option<u32>,
    /// Items per page (default 25, at most 200).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", param(minimum = 1, maximum = 200))]
    pub per_page: Option<u32>,
}

impl Choice for TeamSort {
    const ALL: &'static [Self] = &TeamSort::ALL;
    const HINT: &'static str =
        "Sort by name, member_count or created_at, with a leading - for descending.";
    fn as_str(self) -> &'static str {
        TeamSort::as_str(self)
    }
}

impl ListQuery for TeamListQuery {
    fn take(&mut self, key: &str, value: &str) -> Result<(), String> {
        match key {
            "q" => self.q = param::search(value)?,
            "sort" => self.sort = param::choice(value)?,
            "page" => self.page = param::page(value)?,
            "per_page" => self.per_page = param::per_page(value)?,
            _ => {}
        }
        Ok(())
    }

    fn write(&self, out: &mut Pairs) {
        out.put("q", self.q.as_ref());
        out.put("sort", self.sort.as_ref());
        out.put("page", self.page.as_ref());
        out.put("per_page", self.per_page.as_ref());
    }
}

/// A page of teams.
pub type TeamList = Page<Team>;

/// One person in a team, as listed by `GET /api/v1/teams/{id}/members`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TeamMember {
    /// The member's user id.
    pub user_id: Uuid,
    /// The member's full name.
    pub full_name: String,
    /// The member's email address.
    pub email: String,
    /// The member's account status.
    pub status: UserStatus,
    /// Their role in this team.
    pub role: TeamRole,
    /// Their global roles: a team's manager may change only members who are
    /// neither admins nor managers.
    pub roles: Vec<Role>,
    /// When they joined the team.
    pub added_at: DateTime<Utc>,
}

/// The members of a team, managers first, then by name (all of them on one
/// page; teams are small enough).
pub type TeamMemberList = Page<TeamMember>;

/// Body of `POST /api/v1/teams/{id}/members`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AddTeamMemberRequest {
    /// The user to add.
    pub user_id: Uuid,
    /// Their role in the team.
    pub role: TeamRole,
}

/// A team one user belongs to, as listed by `GET /api/v1/users/{id}/teams`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UserTeam {
    /// The team's id.
    pub team_id: Uuid,
    /// The team's name.
    pub name: String,
    /// The user's role in it.
    pub role: TeamRole,
    /// When the user joined it.
    pub added_at: DateTime<Utc>,
}

/// The teams of one user, by name (all on one page).
pub type UserTeamList = Page<UserTeam>;

/// A team and a role in it: body of `POST /api/v1/users/{id}/teams`, and an item
/// of `teams` when creating a user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TeamAssignment {
    /// The team.
    pub team_id: Uuid,
    /// The role in it.
    pub role: TeamRole,
}

/// Body of `PATCH /api/v1/users/{id}/teams/{team_id}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UpdateTeamMembershipRequest {
    /// The new role in the team.
    pub role: TeamRole,
}
