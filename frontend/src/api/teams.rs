//! Teams and memberships, seen from either side: a team's members, and the
//! teams a user belongs to.

use roster_types::{
    AddTeamMemberRequest, CreateTeamRequest, Team, TeamAssignment, TeamList, TeamListQuery,
    TeamMember, TeamMemberList, UpdateTeamMembershipRequest, UpdateTeamRequest, UserTeam,
    UserTeamList,
};
use uuid::Uuid;
use web_sys::AbortSignal;

use super::{Api, ApiError, Call};

impl Api {
    /// A page of teams (admins: all; managers: the ones they manage).
    pub async fn list_teams(
        &self,
        query: &TeamListQuery,
        abort: Option<&AbortSignal>,
    ) -> Result<TeamList, ApiError> {
        self.call(Call::get("/teams").query(query).abort(abort))
            .await?
            .json()
            .await
    }

    /// Creates a team (admins only).
    pub async fn create_team(&self, request: &CreateTeamRequest) -> Result<Team, ApiError> {
        self.call(Call::post("/teams").json(request))
            .await?
            .json()
            .await
    }

    /// One team.
    pub async fn get_team(&self, id: Uuid, abort: Option<&AbortSignal>) -> Result<Team, ApiError> {
        self.call(Call::get(format!("/teams/{id}")).abort(abort))
            .await?
            .json()
            .await
    }

    /// Renames or redescribes a team (admins only).
    pub async fn update_team(
        &self,
        id: Uuid,
        request: &UpdateTeamRequest,
    ) -> Result<Team, ApiError> {
        self.call(Call::patch(format!("/teams/{id}")).json(request))
            .await?
            .json()
            .await
    }

    /// Deletes a team and its memberships, never its people (admins only).
    pub async fn delete_team(&self, id: Uuid) -> Result<(), ApiError> {
        self.call(Call::delete(format!("/teams/{id}")))
            .await?
            .empty()
            .await
    }

    /// The members of a team.
    pub async fn list_team_members(
        &self,
        id: Uuid,
        abort: Option<&AbortSignal>,
    ) -> Result<TeamMemberList, ApiError> {
        self.call(Call::get(format!("/teams/{id}/members")).abort(abort))
            .await?
            .json()
            .await
    }

    /// Adds someone to a team.
    pub async fn add_team_member(
        &self,
        id: Uuid,
        request: &AddTeamMemberRequest,
    ) -> Result<TeamMember, ApiError> {
        self.call(Call::post(format!("/teams/{id}/members")).json(request))
            .await?
            .json()
            .await
    }

    /// The teams a user belongs to.
    pub async fn list_user_teams(
        &self,
        id: Uuid,
        abort: Option<&AbortSignal>,
    ) -> Result<UserTeamList, ApiError> {
        self.call(Call::get(format!("/users/{id}/teams")).abort(abort))
            .await?
            .json()
            .await
    }

    /// Puts a user in a team.
    pub async fn add_user_team(
        &self,
        id: Uuid,
        request: &TeamAssignment,
    ) -> Result<UserTeam, ApiError> {
        self.call(Call::post(format!("/users/{id}/teams")).json(request))
            .await?
            .json()
            .await
    }

    /// Changes a user's role in one of their teams.
    pub async fn update_user_team(
        &self,
        id: Uuid,
        team_id: Uuid,
        request: &UpdateTeamMembershipRequest,
    ) -> Result<UserTeam, ApiError> {
        self.call(Call::patch(format!("/users/{id}/teams/{team_id}")).json(request))
            .await?
            .json()
            .await
    }

    /// Takes a user out of a team.
    pub async fn remove_user_team(&self, id: Uuid, team_id: Uuid) -> Result<(), ApiError> {
        self.call(Call::delete(format!("/users/{id}/teams/{team_id}")))
            .await?
            .empty()
            .await
    }
}
