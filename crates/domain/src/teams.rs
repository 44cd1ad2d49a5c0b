//! Teams and memberships.

use std::collections::HashMap;

use roster_entity::{team_members, teams, users};
use roster_types::validate::{check_team_description, check_team_name};
use roster_types::{
    CreateTeamRequest, FieldError, Team, TeamList, TeamListQuery, TeamMember, TeamMemberList,
    TeamRole, TeamSort, UpdateTeamRequest, UserStatus, UserTeam, UserTeamList,
};
use sea_orm::sea_query::{Expr, ExprTrait, LikeExpr};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel,
    Order, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};
use uuid::Uuid;

use crate::access::{self, Reach};
use crate::audit::{self, Event, Target, Trail, change};
use crate::paging::Paging;
use crate::{Actor, Context, Error, Result, Roster};

fn name_taken() -> Error {
    Error::Conflict {
        code: "team_name_taken",
        message: "Another team already has this name.".into(),
        field: Some("name"),
    }
}

fn already_member() -> Error {
    Error::Conflict {
        code: "already_member",
        message: "This person is already in the team.".into(),
        field: Some("team_id"),
    }
}

fn unique_to_conflict(err: sea_orm::DbErr, conflict: fn() -> Error) -> Error {
    match err.sql_err() {
        Some(sea_orm::SqlErr::UniqueConstraintViolation(_)) => conflict(),
        _ => err.into(),
    }
}

fn role_of(s: &str) -> Result<TeamRole> {
    TeamRole::parse(s).ok_or_else(|| Error::internal(format!("unknown team role {s:?}")))
}

async fn member_counts(db: &impl ConnectionTrait, ids: &[Uuid]) -> Result<HashMap<Uuid, u64>> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let rows: Vec<(Uuid, i64)> = team_members::Entity::find()
        .select_only()
        .column(team_members::Column::TeamId)
        .column_as(Expr::col(team_members::Column::UserId).count(), "n")
        .filter(team_members::Column::TeamId.is_in(ids.iter().copied()))
        .group_by(team_members::Column::TeamId)
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(id, n)| (id, u64::try_from(n).unwrap_or(0)))
        .collect())
}

fn to_dto(m: teams::Model, member_count: u64) -> Team {
    Team {
        id: m.id,
        name: m.name,
        description: m.description,
        member_count,
        created_at: m.created_at,
        updated_at: m.updated_at,
    }
}

async fn find(db: &impl ConnectionTrait, id: Uuid) -> Result<teams::Model> {
    teams::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(Error::NotFound("team"))
}

/// Learners have no business with teams at all; managers see the teams they
/// manage, and any other team is "not found" to them.
async fn require_team_reach(db: &impl ConnectionTrait, actor: &Actor, team_id: Uuid) -> Result<()> {
    if actor.is_admin() {
        return Ok(());
    }
    if !actor.is_manager() {
        return Err(Error::Forbidden("only admins and managers may see teams"));
    }
    if access::manages_team(db, actor, team_id).await? {
        Ok(())
    } else {
        Err(Error::NotFound("team"))
    }
}

/// `GET /teams`.
pub async fn list(roster: &Roster, ctx: &Context, query: &TeamListQuery) -> Result<TeamList> {
    audit::refusals(
        roster,
        ctx,
        "team.listed",
        None,
        list_teams(roster, ctx, query).await,
    )
    .await
}

async fn list_teams(roster: &Roster, ctx: &Context, query: &TeamListQuery) -> Result<TeamList> {
    let actor = ctx.actor()?;
    let mut select = teams::Entity::find();
    if !actor.is_admin() {
        if !actor.is_manager() {
            return Err(Error::Forbidden("only admins and managers may see teams"));
        }
        select = select.filter(teams::Column::Id.in_subquery(access::managed_teams(actor.user_id)));
    }
    if let Some(q) = &query.q {
        let mut pattern = String::from("%");
        for c in q.to_lowercase().chars() {
            if matches!(c, '%' | '_' | '\\') {
                pattern.push('\\');
            }
            pattern.push(c);
        }
        pattern.push('%');
        select = select.filter(
            Expr::col((teams::Entity, teams::Column::NameKey))
                .like(LikeExpr::new(pattern).escape('\\')),
        );
    }
    let paging = Paging::new(query.page, query.per_page);
    let total = select.clone().count(&roster.db).await?;
    let sort = query.sort.unwrap_or_default();
    let order = |desc: bool| if desc { Order::Desc } else { Order::Asc };
    let (select, dir) = match sort {
        TeamSort::NameAsc | TeamSort::NameDesc => {
            let dir = order(sort == TeamSort::NameDesc);
            (select.order_by(teams::Column::NameKey, dir.clone()), dir)
        }
        TeamSort::CreatedAtAsc | TeamSort::CreatedAtDesc => {
            let dir = order(sort == TeamSort::CreatedAtDesc);
            (select.order_by(teams::Column::CreatedAt, dir.clone()), dir)
        }
        TeamSort::MemberCountAsc | TeamSort::MemberCountDesc => {
            let dir = order(sort == TeamSort::MemberCountDesc);
            let count = Expr::cust(
                "(SELECT COUNT(*) FROM team_members WHERE team_members.team_id = teams.id)",
            );
            (
                select
                    .order_by(count, dir.clone())
                    .order_by(teams::Column::NameKey, Order::Asc),
                dir,
            )
        }
    };
    let rows = select
        .order_by(teams::Column::Id, dir)
        .offset(paging.offset())
        .limit(paging.limit())
        .all(&roster.db)
        .await?;
    let ids: Vec<Uuid> = rows.iter().map(|t| t.id).collect();
    let counts = member_counts(&roster.db, &ids).await?;
    let items = rows
        .into_iter()
        .map(|t| {
            let n = counts.get(&t.id).copied().unwrap_or(0);
            to_dto(t, n)
        })
        .collect();
    Ok(paging.page(items, total))
}

/// `GET /teams/{id}`.
pub async fn get(roster: &Roster, ctx: &Context, id: Uuid) -> Result<Team> {
    let result = async {
        require_team_reach(&roster.db, ctx.actor()?, id).await?;
        read(&roster.db, id).await
    }
    .await;
    audit::refusals(
        roster,
        ctx,
        "team.viewed",
        Some(Target::team(id, None)),
        result,
    )
    .await
}

async fn read(db: &impl ConnectionTrait, id: Uuid) -> Result<Team> {
    let team = find(db, id).await?;
    let n = member_counts(db, &[id])
        .await?
        .get(&id)
        .copied()
        .unwrap_or(0);
    Ok(to_dto(team, n))
}

fn validate_name(name: &str, errors: &mut Vec<FieldError>) -> String {
    let name = name.trim().to_string();
    if let Err(m) = check_team_name(&name) {
        errors.push(FieldError::new("name", m));
    }
    name
}

fn validate_description(description: &str, errors: &mut Vec<FieldError>) -> String {
    let description = description.trim().to_string();
    if let Err(m) = check_team_description(&description) {
        errors.push(FieldError::new("description", m));
    }
    description
}

/// `POST /teams` (admins).
pub async fn create(roster: &Roster, ctx: &Context, req: &CreateTeamRequest) -> Result<Team> {
    let result = create_team(roster, ctx, req).await;
    audit::refusals(roster, ctx, "team.created", None, result).await
}

async fn create_team(roster: &Roster, ctx: &Context, req: &CreateTeamRequest) -> Result<Team> {
    let actor = ctx.actor()?;
    actor.require_admin_for("only admins may create teams")?;
    let mut errors = Vec::new();
    let name = validate_name(&req.name, &mut errors);
    let description = validate_description(&req.description, &mut errors);
    if !errors.is_empty() {
        return Err(Error::Validation(errors));
    }
    let now = roster.now();
    let txn = roster.write_txn().await?;
    let team = teams::ActiveModel {
        id: Set(Uuid::now_v7()),
        name_key: Set(name.to_lowercase()),
        name: Set(name),
        description: Set(description),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&txn)
    .await
    .map_err(|e| unique_to_conflict(e, name_taken))?;
    audit::record(
        &txn,
        roster,
        ctx,
        Event::success("team.created")
            .target(Target::team(team.id, Some(team.name.clone())))
            .details(serde_json::json!({ "description": team.description })),
    )
    .await?;
    txn.commit().await?;
    tracing::info!(team.id = %team.id, actor.id = %actor.user_id, "team created");
    Ok(to_dto(team, 0))
}

/// `PATCH /teams/{id}` (admins).
pub async fn update(
    roster: &Roster,
    ctx: &Context,
    id: Uuid,
    req: &UpdateTeamRequest,
) -> Result<Team> {
    let result = update_team(roster, ctx, id, req).await;
    audit::refusals(
        roster,
        ctx,
        "team.updated",
        Some(Target::team(id, None)),
        result,
    )
    .await
}

async fn update_team(
    roster: &Roster,
    ctx: &Context,
    id: Uuid,
    req: &UpdateTeamRequest,
) -> Result<Team> {
    ctx.actor()?
        .require_admin_for("only admins may change teams")?;
    let mut errors = Vec::new();
    let name = req.name.as_deref().map(|n| validate_name(n, &mut errors));
    let description = req
        .description
        .as_deref()
        .map(|d| validate_description(d, &mut errors));
    if !errors.is_empty() {
        return Err(Error::Validation(errors));
    }
    let txn = roster.write_txn().await?;
    let current = find(&txn, id).await?;
    let mut changed = serde_json::Map::new();
    if let Some(name) = &name
        && *name != current.name
    {
        changed.insert("name".into(), change(&current.name, name));
    }
    if let Some(description) = &description
        && *description != current.description
    {
        changed.insert(
            "description".into(),
            change(&current.description, description),
        );
    }
    let mut team = current.into_active_model();
    if let Some(name) = name {
        team.name_key = Set(name.to_lowercase());
        team.name = Set(name);
    }
    if let Some(description) = description {
        team.description = Set(description);
    }
    team.updated_at = Set(roster.now());
    let team = team
        .update(&txn)
        .await
        .map_err(|e| unique_to_conflict(e, name_taken))?;
    if !changed.is_empty() {
        audit::record(
            &txn,
            roster,
            ctx,
            Event::success("team.updated")
                .target(Target::team(id, Some(team.name.clone())))
                .details(serde_json::json!({ "changes": changed })),
        )
        .await?;
    }
    let team = read(&txn, id).await?;
    txn.commit().await?;
    Ok(team)
}

/// `DELETE /teams/{id}` (admins): the memberships go, the people stay.
pub async fn delete(roster: &Roster, ctx: &Context, id: Uuid) -> Result<()> {
    let result = delete_team(roster, ctx, id).await;
    audit::refusals(
        roster,
        ctx,
        "team.deleted",
        Some(Target::team(id, None)),
        result,
    )
    .await
}

async fn delete_team(roster: &Roster, ctx: &Context, id: Uuid) -> Result<()> {
    let actor = ctx.actor()?;
    actor.require_admin_for("only admins may delete teams")?;
    let txn = roster.write_txn().await?;
    let team = find(&txn, id).await?;
    // Each member's History says they left with the team.
    let rows = team_members::Entity::find()
        .filter(team_members::Column::TeamId.eq(id))
        .all(&txn)
        .await?;
    let people: HashMap<Uuid, users::Model> = users::Entity::find()
        .filter(users::Column::Id.is_in(rows.iter().map(|r| r.user_id)))
        .all(&txn)
        .await?
        .into_iter()
        .map(|u| (u.id, u))
        .collect();
    let mut trail = Trail::new(roster);
    for row in &rows {
        let name = people
            .get(&row.user_id)
            .map(crate::users::full_name)
            .unwrap_or_default();
        trail.push(
            Event::success("team.member_removed")
                .target(Target::member(id, &team.name, row.user_id, &name))
                .details(serde_json::json!({
                    "role": row.role,
                    "team_id": id,
                    "user_id": row.user_id,
                    "because": "team_deleted",
                })),
        );
    }
    trail.write(&txn, roster, ctx).await?;
    let members = team_members::Entity::delete_many()
        .filter(team_members::Column::TeamId.eq(id))
        .exec(&txn)
        .await?
        .rows_affected;
    teams::Entity::delete_by_id(id).exec(&txn).await?;
    audit::record(
        &txn,
        roster,
        ctx,
        Event::success("team.deleted")
            .target(Target::team(id, Some(team.name)))
            .details(serde_json::json!({ "memberships_removed": members })),
    )
    .await?;
    txn.commit().await?;
    tracing::info!(team.id = %id, actor.id = %actor.user_id, "team deleted");
    Ok(())
}

/// `GET /teams/{id}/members`: managers first, then by name.
pub async fn members(roster: &Roster, ctx: &Context, id: Uuid) -> Result<TeamMemberList> {
    let result = team_members_of(roster, ctx, id).await;
    audit::refusals(
        roster,
        ctx,
        "team.members_listed",
        Some(Target::team(id, None)),
        result,
    )
    .await
}

async fn team_members_of(roster: &Roster, ctx: &Context, id: Uuid) -> Result<TeamMemberList> {
    require_team_reach(&roster.db, ctx.actor()?, id).await?;
    find(&roster.db, id).await?;
    let rows = team_members::Entity::find()
        .filter(team_members::Column::TeamId.eq(id))
        .all(&roster.db)
        .await?;
    let people: HashMap<Uuid, users::Model> = users::Entity::find()
        .filter(users::Column::Id.is_in(rows.iter().map(|r| r.user_id)))
        .all(&roster.db)
        .await?
        .into_iter()
        .map(|u| (u.id, u))
        .collect();
    let ids: Vec<Uuid> = people.keys().copied().collect();
    let mut roles = crate::users::roles_of_many(&roster.db, &ids).await?;
    let mut items = Vec::with_capacity(rows.len());
    for row in rows {
        let Some(user) = people.get(&row.user_id) else {
            continue;
        };
        items.push(member_dto(
            &row,
            user,
            roles.remove(&user.id).unwrap_or_default(),
        )?);
    }
    items.sort_by(|a, b| {
        a.role
            .cmp(&b.role)
            .then_with(|| a.full_name.to_lowercase().cmp(&b.full_name.to_lowercase()))
    });
    Ok(TeamMemberList::whole(items))
}

fn member_dto(
    row: &team_members::Model,
    user: &users::Model,
    mut roles: Vec<roster_types::Role>,
) -> Result<TeamMember> {
    roles.sort();
    Ok(TeamMember {
        user_id: user.id,
        full_name: format!("{} {}", user.first_name, user.last_name),
        email: user.email.clone(),
        status: UserStatus::parse(&user.status)
            .ok_or_else(|| Error::internal("unknown user status"))?,
        role: role_of(&row.role)?,
        roles,
        added_at: row.added_at,
    })
}

/// What a manager may do to memberships: only in teams they manage, only the
/// `member` role, never to admins or to other managers.
async fn check_membership_change(
    db: &impl ConnectionTrait,
    actor: &Actor,
    team_id: Uuid,
    user_id: Uuid,
    new_role: Option<TeamRole>,
    current_role: Option<TeamRole>,
) -> Result<()> {
    if actor.is_admin() {
        return Ok(());
    }
    if !actor.is_manager() {
        return Err(Error::Forbidden(
            "only admins and managers may change team memberships",
        ));
    }
    if !access::manages_team(db, actor, team_id).await? {
        return Err(Error::NotFound("team"));
    }
    if new_role == Some(TeamRole::Manager) || current_role == Some(TeamRole::Manager) {
        return Err(Error::Forbidden(
            "only admins may appoint or change team managers",
        ));
    }
    access::reach_for_change(db, actor, user_id).await?;
    Ok(())
}

/// Adds a new `user` to `team_id` inside `db` (a transaction, for Add User);
/// the event joins the change's `trail`.
pub(crate) async fn join(
    roster: &Roster,
    db: &impl ConnectionTrait,
    trail: &mut Trail,
    team_id: Uuid,
    user: &roster_types::User,
    role: TeamRole,
) -> Result<team_members::Model> {
    let team = find(db, team_id).await?;
    let row = insert_member(roster, db, team_id, user.id, role).await?;
    trail.push(member_added(&team, user.id, &user.full_name, role));
    Ok(row)
}

fn member_added(team: &teams::Model, user_id: Uuid, user_name: &str, role: TeamRole) -> Event {
    Event::success("team.member_added")
        .target(Target::member(team.id, &team.name, user_id, user_name))
        .details(serde_json::json!({ "role": role, "team_id": team.id, "user_id": user_id }))
}

async fn record_member_added(
    db: &impl ConnectionTrait,
    roster: &Roster,
    ctx: &Context,
    team: &teams::Model,
    user_id: Uuid,
    user_name: &str,
    role: TeamRole,
) -> Result<()> {
    audit::record(
        db,
        roster,
        ctx,
        member_added(team, user_id, user_name, role),
    )
    .await
}

/// A new manager of a team holds the manager role from now on, on the record.
async fn appointed_manager(
    roster: &Roster,
    db: &impl ConnectionTrait,
    ctx: &Context,
    user: &users::Model,
    team_name: &str,
) -> Result<()> {
    if let Some(event) = crate::users::follow_team_manager(roster, db, user, team_name).await? {
        audit::record(db, roster, ctx, event).await?;
    }
    Ok(())
}

/// The membership row itself, for a team known to exist.
async fn insert_member(
    roster: &Roster,
    db: &impl ConnectionTrait,
    team_id: Uuid,
    user_id: Uuid,
    role: TeamRole,
) -> Result<team_members::Model> {
    team_members::ActiveModel {
        team_id: Set(team_id),
        user_id: Set(user_id),
        role: Set(role.as_str().to_string()),
        added_at: Set(roster.now()),
    }
    .insert(db)
    .await
    .map_err(|e| unique_to_conflict(e, already_member))
}

/// Adds a member, checking who may; answers the membership, the person and
/// the team.
async fn add(
    roster: &Roster,
    ctx: &Context,
    team_id: Uuid,
    user_id: Uuid,
    role: TeamRole,
) -> Result<(team_members::Model, users::Model, teams::Model)> {
    let target = Some(Target::membership(team_id, user_id));
    let result = add_checked(roster, ctx, team_id, user_id, role).await;
    audit::refusals(roster, ctx, "team.member_added", target, result).await
}

async fn add_checked(
    roster: &Roster,
    ctx: &Context,
    team_id: Uuid,
    user_id: Uuid,
    role: TeamRole,
) -> Result<(team_members::Model, users::Model, teams::Model)> {
    let actor = ctx.actor()?;
    if !actor.is_admin() && !actor.is_manager() {
        return Err(Error::Forbidden(
            "only admins and managers may change team memberships",
        ));
    }
    let txn = roster.write_txn().await?;
    if !actor.is_admin() {
        // The team first, so a manager learns nothing about teams of others
        // (not even whether an id exists); then only people they already manage.
        require_team_reach(&txn, actor, team_id).await?;
        if access::reach(&txn, actor, user_id).await? != Reach::Managed {
            return Err(Error::NotFound("user"));
        }
        check_membership_change(&txn, actor, team_id, user_id, Some(role), None).await?;
    }
    let team = find(&txn, team_id).await?;
    // The person first (their row locked on PostgreSQL): the membership's
    // foreign key takes a weaker lock on it, and two appointments that both
    // held that one before asking for this one would wait on each other.
    let user = crate::users::lock(&txn, user_id).await?;
    let row = insert_member(roster, &txn, team_id, user_id, role).await?;
    let name = crate::users::full_name(&user);
    record_member_added(&txn, roster, ctx, &team, user_id, &name, role).await?;
    if role == TeamRole::Manager {
        appointed_manager(roster, &txn, ctx, &user, &team.name).await?;
    }
    txn.commit().await?;
    tracing::info!(team.id = %team_id, user.id = %user_id, actor.id = %actor.user_id, "team member added");
    Ok((row, user, team))
}

/// `POST /teams/{id}/members`.
pub async fn add_member(
    roster: &Roster,
    ctx: &Context,
    team_id: Uuid,
    user_id: Uuid,
    role: TeamRole,
) -> Result<TeamMember> {
    let (row, user, _) = add(roster, ctx, team_id, user_id, role).await?;
    let roles = crate::users::roles_of(&roster.db, user_id).await?;
    member_dto(&row, &user, roles)
}

/// `POST /users/{id}/teams`: the same, answered from the person's side.
pub async fn add_to_team(
    roster: &Roster,
    ctx: &Context,
    user_id: Uuid,
    team_id: Uuid,
    role: TeamRole,
) -> Result<UserTeam> {
    let (row, _, team) = add(roster, ctx, team_id, user_id, role).await?;
    Ok(UserTeam {
        team_id,
        name: team.name,
        role: role_of(&row.role)?,
        added_at: row.added_at,
    })
}

/// `GET /users/{id}/teams`. A manager looking at a member sees only the teams
/// the manager manages: the member's other teams are none of their business.
pub async fn user_teams(roster: &Roster, ctx: &Context, user_id: Uuid) -> Result<UserTeamList> {
    let actor = ctx.actor()?;
    let reach = access::reach(&roster.db, actor, user_id).await?;
    if reach == Reach::None {
        return Err(Error::NotFound("user"));
    }
    users::Entity::find_by_id(user_id)
        .one(&roster.db)
        .await?
        .ok_or(Error::NotFound("user"))?;
    let mut rows = team_members::Entity::find().filter(team_members::Column::UserId.eq(user_id));
    if reach == Reach::Managed {
        rows = rows
            .filter(team_members::Column::TeamId.in_subquery(access::managed_teams(actor.user_id)));
    }
    let rows = rows.all(&roster.db).await?;
    let names: HashMap<Uuid, String> = teams::Entity::find()
        .filter(teams::Column::Id.is_in(rows.iter().map(|r| r.team_id)))
        .all(&roster.db)
        .await?
        .into_iter()
        .map(|t| (t.id, t.name))
        .collect();
    let mut items = rows
        .into_iter()
        .map(|r| {
            Ok(UserTeam {
                name: names.get(&r.team_id).cloned().unwrap_or_default(),
                team_id: r.team_id,
                role: role_of(&r.role)?,
                added_at: r.added_at,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    items.sort_by_key(|t| t.name.to_lowercase());
    Ok(UserTeamList::whole(items))
}

async fn membership(
    db: &impl ConnectionTrait,
    team_id: Uuid,
    user_id: Uuid,
) -> Result<team_members::Model> {
    team_members::Entity::find_by_id((team_id, user_id))
        .one(db)
        .await?
        .ok_or(Error::NotFound("team membership"))
}

/// The caller must reach the user, and a manager the team, before anything
/// about the user's memberships is told.
async fn reach_membership_for_change(
    db: &impl ConnectionTrait,
    actor: &Actor,
    user_id: Uuid,
    team_id: Uuid,
) -> Result<users::Model> {
    match access::reach(db, actor, user_id).await? {
        Reach::Admin | Reach::Managed => {}
        Reach::Own if actor.is_manager() => {}
        Reach::Own => {
            return Err(Error::Forbidden(
                "only admins and managers may change team memberships",
            ));
        }
        Reach::None if actor.is_manager() => return Err(Error::NotFound("user")),
        Reach::None => {
            return Err(Error::Forbidden(
                "only admins and managers may change team memberships",
            ));
        }
    }
    if !actor.is_admin() {
        require_team_reach(db, actor, team_id).await?;
    }
    users::Entity::find_by_id(user_id)
        .one(db)
        .await?
        .ok_or(Error::NotFound("user"))
}

/// `PATCH /users/{id}/teams/{team_id}`.
pub async fn change_role(
    roster: &Roster,
    ctx: &Context,
    user_id: Uuid,
    team_id: Uuid,
    role: TeamRole,
) -> Result<UserTeam> {
    let result = change_member_role(roster, ctx, user_id, team_id, role).await;
    let target = Some(Target::membership(team_id, user_id));
    audit::refusals(roster, ctx, "team.member_role_changed", target, result).await
}

async fn change_member_role(
    roster: &Roster,
    ctx: &Context,
    user_id: Uuid,
    team_id: Uuid,
    role: TeamRole,
) -> Result<UserTeam> {
    let actor = ctx.actor()?;
    let txn = roster.write_txn().await?;
    let user = reach_membership_for_change(&txn, actor, user_id, team_id).await?;
    let current = membership(&txn, team_id, user_id).await?;
    check_membership_change(
        &txn,
        actor,
        team_id,
        user_id,
        Some(role),
        Some(role_of(&current.role)?),
    )
    .await?;
    let team = find(&txn, team_id).await?;
    if role == TeamRole::Manager {
        // Before the membership changes (see `add_checked`).
        crate::users::lock(&txn, user_id).await?;
    }
    let added_at = current.added_at;
    let old_role = role_of(&current.role)?;
    let mut row = current.into_active_model();
    row.role = Set(role.as_str().to_string());
    row.update(&txn).await?;
    if role == TeamRole::Manager {
        appointed_manager(roster, &txn, ctx, &user, &team.name).await?;
    }
    if old_role != role {
        audit::record(
            &txn,
            roster,
            ctx,
            Event::success("team.member_role_changed")
                .target(Target::member(
                    team_id,
                    &team.name,
                    user_id,
                    &crate::users::full_name(&user),
                ))
                .details(serde_json::json!({
                    "role": change(old_role, role),
                    "team_id": team_id,
                    "user_id": user_id,
                })),
        )
        .await?;
    }
    txn.commit().await?;
    tracing::info!(team.id = %team_id, user.id = %user_id, actor.id = %actor.user_id, "team role changed");
    Ok(UserTeam {
        team_id,
        name: team.name,
        role,
        added_at,
    })
}

/// `DELETE /users/{id}/teams/{team_id}`.
pub async fn leave(roster: &Roster, ctx: &Context, user_id: Uuid, team_id: Uuid) -> Result<()> {
    let result = remove_member(roster, ctx, user_id, team_id).await;
    let target = Some(Target::membership(team_id, user_id));
    audit::refusals(roster, ctx, "team.member_removed", target, result).await
}

async fn remove_member(roster: &Roster, ctx: &Context, user_id: Uuid, team_id: Uuid) -> Result<()> {
    let actor = ctx.actor()?;
    let txn = roster.write_txn().await?;
    let user = reach_membership_for_change(&txn, actor, user_id, team_id).await?;
    let current = membership(&txn, team_id, user_id).await?;
    check_membership_change(
        &txn,
        actor,
        team_id,
        user_id,
        None,
        Some(role_of(&current.role)?),
    )
    .await?;
    team_members::Entity::delete_by_id((team_id, user_id))
        .exec(&txn)
        .await?;
    let team = find(&txn, team_id).await?;
    audit::record(
        &txn,
        roster,
        ctx,
        Event::success("team.member_removed")
            .target(Target::member(
                team_id,
                &team.name,
                user_id,
                &crate::users::full_name(&user),
            ))
            .details(serde_json::json!({
                "role": current.role,
                "team_id": team_id,
                "user_id": user_id,
            })),
    )
    .await?;
    txn.commit().await?;
    tracing::info!(team.id = %team_id, user.id = %user_id, actor.id = %actor.user_id, "team member removed");
    Ok(())
}
