//! Who may reach whom: admins reach everyone, everyone reaches themselves, and a
//! manager (global role `manager`) reaches the members of the teams in which they
//! hold the team role `manager`. Rules of single operations live next to them;
//! these are the shared reachability checks.

use roster_entity::team_members;
use roster_types::{Role, TeamRole};
use sea_orm::sea_query::{Query, SelectStatement};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter};
use uuid::Uuid;

use crate::{Actor, Error, Result};

/// How the actor reaches a user.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Reach {
    /// The actor is an admin.
    Admin,
    /// The user is the actor.
    Own,
    /// The user belongs to a team the actor manages.
    Managed,
    /// Out of reach: answered as "not found", so existence does not leak.
    None,
}

/// `SELECT team_id FROM team_members WHERE user_id = actor AND role = 'manager'`.
pub(crate) fn managed_teams(actor_id: Uuid) -> SelectStatement {
    Query::select()
        .column(team_members::Column::TeamId)
        .from(team_members::Entity)
        .and_where(team_members::Column::UserId.eq(actor_id))
        .and_where(team_members::Column::Role.eq(TeamRole::Manager.as_str()))
        .to_owned()
}

/// The ids of the users in the teams the actor manages.
pub(crate) fn managed_users(actor_id: Uuid) -> SelectStatement {
    Query::select()
        .column(team_members::Column::UserId)
        .from(team_members::Entity)
        .and_where(team_members::Column::TeamId.in_subquery(managed_teams(actor_id)))
        .to_owned()
}

impl Actor {
    /// Holds the global manager role (team-level rights also need the team role).
    pub fn is_manager(&self) -> bool {
        self.has_role(Role::Manager)
    }
}

/// Whether the actor manages `team_id`.
pub(crate) async fn manages_team(
    db: &impl ConnectionTrait,
    actor: &Actor,
    team_id: Uuid,
) -> Result<bool> {
    if !actor.is_manager() {
        return Ok(false);
    }
    Ok(team_members::Entity::find()
        .filter(team_members::Column::TeamId.eq(team_id))
        .filter(team_members::Column::UserId.eq(actor.user_id))
        .filter(team_members::Column::Role.eq(TeamRole::Manager.as_str()))
        .count(db)
        .await?
        > 0)
}

/// How the actor reaches `user_id`.
pub(crate) async fn reach(
    db: &impl ConnectionTrait,
    actor: &Actor,
    user_id: Uuid,
) -> Result<Reach> {
    if actor.is_admin() {
        return Ok(Reach::Admin);
    }
    if actor.user_id == user_id {
        return Ok(Reach::Own);
    }
    if actor.is_manager()
        && team_members::Entity::find()
            .filter(team_members::Column::UserId.eq(user_id))
            .filter(team_members::Column::TeamId.in_subquery(managed_teams(actor.user_id)))
            .count(db)
            .await?
            > 0
    {
        return Ok(Reach::Managed);
    }
    Ok(Reach::None)
}

/// How the actor may change `user_id`: like [`reach`], except that a manager
/// changes only the plain members of their teams. Admins and other managers are
/// out of a manager's hands (they can still see them): otherwise a manager
/// could take over a fellow manager's account and reach their teams.
pub(crate) async fn reach_for_change(
    db: &impl ConnectionTrait,
    actor: &Actor,
    user_id: Uuid,
) -> Result<Reach> {
    let reach = reach(db, actor, user_id).await?;
    if reach == Reach::Managed {
        let roles = crate::users::roles_of(db, user_id).await?;
        roster_types::actions::manager_may_change(&roles).map_err(Error::Forbidden)?;
    }
    Ok(reach)
}
