//! Users: the table, the profile, creating, changing and deleting people.

use std::collections::HashMap;

use roster_entity::{team_members, user_roles, users};
use roster_types::text::{search_words, user_name_key, user_search_text};
use roster_types::validate::{self, ValidUser};
use roster_types::{
    CreateUserRequest, Role, TeamRole, UpdateUserRequest, User, UserColumn, UserList,
    UserListQuery, UserStatus,
};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, LikeExpr, Query, SimpleExpr};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DbBackend, EntityTrait,
    FromQueryResult, IntoActiveModel, Order, QueryFilter, QueryOrder, QuerySelect, QueryTrait,
    Select,
};
use uuid::Uuid;

use crate::access::{self, Reach};
use crate::audit::{self, Event, Target, Trail, change};
use crate::paging::Paging;
use crate::sessions::{self, EndReason};
use crate::{Context, Error, Result, Roster};

/// Turns a row and its roles into the API's `User`.
pub(crate) fn to_dto(m: users::Model, mut roles: Vec<Role>) -> Result<User> {
    roles.sort();
    let status = UserStatus::parse(&m.status).ok_or_else(|| {
        Error::internal(format!("user {} has unknown status {:?}", m.id, m.status))
    })?;
    Ok(User {
        full_name: format!("{} {}", m.first_name, m.last_name),
        id: m.id,
        first_name: m.first_name,
        last_name: m.last_name,
        email: m.email,
        status,
        roles,
        thinkific_user_id: m.thinkific_user_id,
        created_at: m.created_at,
        updated_at: m.updated_at,
        last_login_at: m.last_login_at,
        version: m.version,
    })
}

/// A person's full name, as the UI and the audit trail show it.
pub(crate) fn full_name(m: &users::Model) -> String {
    format!("{} {}", m.first_name, m.last_name)
}

/// The global roles of one user.
pub(crate) async fn roles_of(db: &impl ConnectionTrait, user_id: Uuid) -> Result<Vec<Role>> {
    Ok(user_roles::Entity::find()
        .filter(user_roles::Column::UserId.eq(user_id))
        .all(db)
        .await?
        .into_iter()
        .filter_map(|r| Role::parse(&r.role))
        .collect())
}

pub(crate) async fn roles_of_many(
    db: &impl ConnectionTrait,
    ids: &[Uuid],
) -> Result<HashMap<Uuid, Vec<Role>>> {
    let mut map: HashMap<Uuid, Vec<Role>> = HashMap::new();
    if ids.is_empty() {
        return Ok(map);
    }
    for r in user_roles::Entity::find()
        .filter(user_roles::Column::UserId.is_in(ids.iter().copied()))
        .all(db)
        .await?
    {
        if let Some(role) = Role::parse(&r.role) {
            map.entry(r.user_id).or_default().push(role);
        }
    }
    Ok(map)
}

async fn replace_roles(db: &impl ConnectionTrait, user_id: Uuid, roles: &[Role]) -> Result<()> {
    user_roles::Entity::delete_many()
        .filter(user_roles::Column::UserId.eq(user_id))
        .exec(db)
        .await?;
    if !roles.is_empty() {
        user_roles::Entity::insert_many(roles.iter().map(|r| user_roles::ActiveModel {
            user_id: Set(user_id),
            role: Set(r.as_str().to_string()),
        }))
        .exec(db)
        .await?;
    }
    Ok(())
}

/// The names of the teams `user_id` manages (team role `manager`), by name.
pub(crate) async fn managed_team_names(
    db: &impl ConnectionTrait,
    user_id: Uuid,
) -> Result<Vec<String>> {
    let mut names: Vec<String> = roster_entity::teams::Entity::find()
        .filter(roster_entity::teams::Column::Id.in_subquery(access::managed_teams(user_id)))
        .all(db)
        .await?
        .into_iter()
        .map(|t| t.name)
        .collect();
    names.sort_by_key(|n| n.to_lowercase());
    Ok(names)
}

/// A team's manager is a manager: "manager" is one thing, the global role,
/// and the team role says which teams it covers. Appointing someone manager
/// of a team grants them the role when they lack it, in the caller's
/// transaction; the event that says so is answered for the caller's trail.
pub(crate) async fn follow_team_manager(
    roster: &Roster,
    db: &impl ConnectionTrait,
    user: &users::Model,
    team_name: &str,
) -> Result<Option<Event>> {
    // After an edit of the person's roles that is under way (it holds this
    // lock, and its check saw no team to manage yet), and before another
    // appointment of them: each sees what the other wrote.
    lock(db, user.id).await?;
    let mut old = roles_of(db, user.id).await?;
    old.sort();
    if old.contains(&Role::Manager) {
        return Ok(None);
    }
    user_roles::ActiveModel {
        user_id: Set(user.id),
        role: Set(Role::Manager.as_str().to_string()),
    }
    .insert(db)
    .await?;
    // Roles are part of what an edit based on an older read would overwrite.
    users::Entity::update_many()
        .col_expr(
            users::Column::Version,
            Expr::col(users::Column::Version).add(1),
        )
        .col_expr(users::Column::UpdatedAt, Expr::value(roster.now()))
        .filter(users::Column::Id.eq(user.id))
        .exec(db)
        .await?;
    let mut new = old.clone();
    new.push(Role::Manager);
    new.sort();
    Ok(Some(
        Event::success("user.updated")
            .target(Target::user(user.id, full_name(user)))
            .details(serde_json::json!({
                "changes": { "roles": change(&old, &new) },
                "because": format!("made manager of {team_name}"),
            })),
    ))
}

fn email_taken() -> Error {
    Error::Conflict {
        code: "email_taken",
        message: "Another user already has this email address.".into(),
        field: Some("email"),
    }
}

/// Maps a unique violation on insert or update to "email taken" (the only unique
/// column a person can type), anything else to an internal error.
fn unique_to_conflict(err: sea_orm::DbErr) -> Error {
    match err.sql_err() {
        Some(sea_orm::SqlErr::UniqueConstraintViolation(_)) => email_taken(),
        _ => err.into(),
    }
}

/// Escapes `%`, `_` and `\\` so a search word matches literally.
fn like_pattern(word: &str) -> String {
    let mut out = String::with_capacity(word.len() + 2);
    out.push('%');
    for c in word.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('%');
    out
}

/// Words this long are answered by SQLite's trigram index; shorter ones scan.
const TRIGRAM: usize = 3;

/// Every word of `q`, folded, somewhere in the name or email: "dubois chloe"
/// finds "Chloé Dubois-Zając". On SQLite the words of three or more letters go
/// to the trigram index in one query, the shorter ones to `LIKE`; PostgreSQL's
/// trigram index answers each `LIKE`.
fn matching(
    backend: DbBackend,
    mut select: Select<users::Entity>,
    q: &str,
) -> Select<users::Entity> {
    let words = search_words(q);
    let (indexed, scanned): (Vec<_>, Vec<_>) = words
        .iter()
        .partition(|w| backend == DbBackend::Sqlite && w.chars().count() >= TRIGRAM);
    if !indexed.is_empty() {
        // The index's rowids are the people's (migration 14): a match is
        // found without reading anything back.
        let phrases = fts_phrases(&indexed);
        select = select.filter(Expr::cust_with_values(
            "\"users\".rowid IN (SELECT rowid FROM users_search WHERE users_search MATCH ?)",
            [phrases],
        ));
    }
    for word in scanned {
        select = select.filter(
            Expr::col((users::Entity, users::Column::SearchText))
                .like(LikeExpr::new(like_pattern(word)).escape('\\')),
        );
    }
    select
}

/// Quoted FTS5 strings, one per word, all required; on a trigram table each
/// matches as a substring. Quotes are doubled, so no input is FTS syntax.
fn fts_phrases(words: &[&String]) -> String {
    words
        .iter()
        .map(|w| format!("\"{}\"", w.replace('"', "\"\"")))
        .collect::<Vec<_>>()
        .join(" ")
}

/// SQLite: the total of a list asking for a search and nothing else, counted
/// from the trigram index, whose rowids are the people's, without touching
/// their rows: 41,687 people named Lovelace in 9 ms at a million, where the
/// general count and its estimate look rows up (100 ms). Up to `up_to`
/// matches; `None` beyond (the general count estimates them from a uniform
/// sample: matches cluster, so how far into the index the count got says
/// little), when the query asks for more than a search, or has a word too
/// short for the index.
async fn search_only_total(
    db: &impl ConnectionTrait,
    query: &UserListQuery,
    up_to: u64,
) -> Result<Option<crate::counting::Total>> {
    let Some(q) = &query.q else {
        return Ok(None);
    };
    let words = search_words(q);
    let only_search = query.status.is_none()
        && query.role.is_none()
        && query.team_id.is_none()
        && query.created_from.is_none()
        && query.created_to.is_none();
    if db.get_database_backend() != DbBackend::Sqlite
        || !only_search
        || words.is_empty()
        || words.iter().any(|w| w.chars().count() < TRIGRAM)
    {
        return Ok(None);
    }
    let words: Vec<&String> = words.iter().collect();
    let limit = i64::try_from(up_to.saturating_add(1)).unwrap_or(i64::MAX);
    let counted = Counted::find_by_statement(sea_orm::Statement::from_sql_and_values(
        DbBackend::Sqlite,
        "SELECT COUNT(*) AS n FROM \
           (SELECT rowid FROM users_search WHERE users_search MATCH ? LIMIT ?)",
        [fts_phrases(&words).into(), limit.into()],
    ))
    .one(db)
    .await?;
    let n = counted.map_or(0, |c| u64::try_from(c.n).unwrap_or(0));
    Ok((n <= up_to).then(|| crate::counting::Total::exact(n)))
}

#[derive(FromQueryResult)]
struct Counted {
    n: i64,
}

/// How the Users list chooses between its ways of finding a page. Both ways
/// give the same page; the thresholds only say which is cheaper, and tests
/// move them to check that the ways agree.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ListTuning {
    /// Up to this many matches (counted or estimated), a narrowed page is
    /// drawn from all of them; beyond, read along the sort's index.
    pub filter_first: u64,
    /// Roles held by at most this many people are looked up first and
    /// matched by id; more common ones are checked row by row along the
    /// sort's index.
    pub rare_role: u64,
    /// On SQLite, a search alone is counted from its index up to this many
    /// matches; beyond, like any other list.
    pub search_counted_up_to: u64,
}

impl Default for ListTuning {
    fn default() -> Self {
        Self {
            filter_first: 50_000,
            rare_role: 5_000,
            search_counted_up_to: 50_000,
        }
    }
}

/// People who hold `role`. A common role (a learner is nearly everyone) is
/// best checked on each row read in the page's order: the first page is found
/// after a few dozen rows. A rare one (a handful of admins) the other way
/// round: its holders are read from the role index and their rows looked up.
/// SQLite cannot tell the two apart (for `IN (SELECT ...)` it builds the whole
/// list first: 800,000 learners at a million people), so the holders are
/// counted first, at most `rare` + 1 of them along the role index.
async fn holding(db: &impl ConnectionTrait, role: Role, rare: u64) -> Result<SimpleExpr> {
    let holders = Query::select()
        .column(user_roles::Column::UserId)
        .from(user_roles::Entity)
        .and_where(user_roles::Column::Role.eq(role.as_str()))
        .to_owned();
    let found: Vec<Uuid> = user_roles::Entity::find()
        .select_only()
        .column(user_roles::Column::UserId)
        .filter(user_roles::Column::Role.eq(role.as_str()))
        .limit(Ord::min(rare.saturating_add(1), i64::MAX.unsigned_abs()))
        .into_tuple()
        .all(db)
        .await?;
    let few = found.len() as u64 <= rare;
    if few {
        // Not as a list of ids: a statement with a thousand parameters took
        // 50 ms to send (the database answered it in 3).
        return Ok(users::Column::Id.in_subquery(holders));
    }
    Ok(Expr::exists(
        Query::select()
            .expr(Expr::val(1))
            .from(user_roles::Entity)
            .and_where(
                Expr::col((user_roles::Entity, user_roles::Column::UserId))
                    .equals((users::Entity, users::Column::Id)),
            )
            .and_where(user_roles::Column::Role.eq(role.as_str()))
            .to_owned(),
    ))
}

/// The people `query` asks for, `held` being its role's term ([`holding`]).
/// `walking`: for a page read along the order's index (other than the
/// creation time's, which the status index gives as well), where SQLite must
/// not answer a common status from the status index instead (and then sort
/// 800,000 active people).
fn filtered(
    backend: DbBackend,
    query: &UserListQuery,
    held: Option<&SimpleExpr>,
    walking: bool,
) -> Select<users::Entity> {
    let mut select = users::Entity::find();
    if let Some(q) = &query.q {
        select = matching(backend, select, q);
    }
    if let Some(status) = query.status {
        select = if walking && backend == DbBackend::Sqlite {
            // Unary `+` keeps SQLite from using an index for the term.
            select.filter(Expr::cust_with_values(
                "+\"users\".\"status\" = ?",
                [status.as_str()],
            ))
        } else {
            select.filter(users::Column::Status.eq(status.as_str()))
        };
    }
    if let Some(held) = held {
        select = select.filter(held.clone());
    }
    if let Some(team_id) = query.team_id {
        select = select.filter(
            users::Column::Id.in_subquery(
                Query::select()
                    .column(team_members::Column::UserId)
                    .from(team_members::Entity)
                    .and_where(team_members::Column::TeamId.eq(team_id))
                    .to_owned(),
            ),
        );
    }
    if let Some(from) = query.created_from {
        select = select.filter(users::Column::CreatedAt.gte(from));
    }
    if let Some(to) = query.created_to {
        select = select.filter(users::Column::CreatedAt.lt(to));
    }
    select
}

/// `GET /users`: one page of the Users table.
pub async fn list(roster: &Roster, ctx: &Context, query: &UserListQuery) -> Result<UserList> {
    audit::refusals(
        roster,
        ctx,
        "user.listed",
        None,
        list_users(roster, ctx, query).await,
    )
    .await
}

async fn list_users(roster: &Roster, ctx: &Context, query: &UserListQuery) -> Result<UserList> {
    let actor = ctx.actor()?;
    let paging = Paging::new(query.page, query.per_page);
    let mut scope = None;
    if !actor.is_admin() {
        if !actor.is_manager() {
            return Err(Error::Forbidden("only admins and managers may list users"));
        }
        // Filtering by a team the manager does not manage finds nobody, as for a
        // team that does not exist: the filter must not tell who else is in it.
        if let Some(team_id) = query.team_id
            && !access::manages_team(&roster.db, actor, team_id).await?
        {
            return Ok(paging.page(Vec::new(), 0));
        }
        // Managers see their teams' members only; totals follow.
        scope = Some(access::managed_users(actor.user_id));
    }
    let sort = query.sort.unwrap_or_default();
    let order = if sort.descending() {
        Order::Desc
    } else {
        Order::Asc
    };

    let tuning = roster.list_tuning;
    let backend = roster.db.get_database_backend();
    let held = match query.role {
        Some(role) => Some(holding(&roster.db, role, tuning.rare_role).await?),
        None => None,
    };
    let mut select = filtered(backend, query, held.as_ref(), false);
    if let Some(scope) = &scope {
        select = select.filter(users::Column::Id.in_subquery(scope.clone()));
    }
    let total = match &scope {
        None => search_only_total(&roster.db, query, tuning.search_counted_up_to).await?,
        Some(_) => None,
    };
    let total = match total {
        Some(total) => total,
        None => crate::counting::total(&roster.db, select.clone()).await?,
    };

    // The page's ids first, then their rows: the rows a deep page skips are
    // never fetched, only index entries.
    let column = sort.column();
    // What the page's rows are looked up by: the email for the email order,
    // whose index holds no id (a million-row walk fetching each id from its
    // row took 1.4 s), else the id.
    let key = match column {
        UserColumn::Email => users::Column::Email,
        _ => users::Column::Id,
    };
    let narrowed = query.q.is_some()
        || query.status.is_some()
        || query.role.is_some()
        || query.team_id.is_some()
        || query.created_from.is_some()
        || query.created_to.is_some()
        || !actor.is_admin();
    let mut ids = if narrowed && total.count <= tuning.filter_first {
        // Few matches: all of them, found by the filters' indexes (trigrams,
        // a team, a rare role), then sorted. Walking the sort's index instead
        // may pass most of the table before it meets them: everyone named
        // "Grace Hopper" sits together in email order, a third of the way in.
        // A subquery with a limit of its own keeps both planners from merging
        // the two steps back.
        let mut matches = select.select_only().column(users::Column::Id);
        for c in sort_columns(column) {
            matches = matches.column(*c);
        }
        let mut matches = matches.into_query();
        // A limit that never binds (SQLite takes no OFFSET without one).
        matches.limit(i64::MAX.unsigned_abs());
        let drawn = Alias::new("matches");
        let mut ids = Query::select()
            .column((drawn.clone(), key))
            .from_subquery(matches, drawn.clone())
            .to_owned();
        for (term, order) in order_terms(drawn, column, order.clone()) {
            ids.order_by_expr(term, order);
        }
        ids
    } else {
        // Everyone, or many: the sort's index meets enough of them at once.
        // The status index gives the newest-first order too.
        let mut select = filtered(
            backend,
            query,
            held.as_ref(),
            column != UserColumn::CreatedAt,
        );
        if let Some(scope) = scope {
            select = select.filter(users::Column::Id.in_subquery(scope));
        }
        let mut ids = select.select_only().column(key).into_query();
        for (term, order) in order_terms(Alias::new("users"), column, order.clone()) {
            ids.order_by_expr(term, order);
        }
        ids
    };
    let ids = ids.offset(paging.offset()).limit(paging.limit()).to_owned();
    let mut rows = users::Entity::find().filter(key.in_subquery(ids));
    for (term, order) in order_terms(Alias::new("users"), column, order) {
        rows = rows.order_by(term, order);
    }
    let rows = rows.all(&roster.db).await?;

    let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
    let mut roles = roles_of_many(&roster.db, &ids).await?;
    let items = rows
        .into_iter()
        .map(|m| {
            let r = roles.remove(&m.id).unwrap_or_default();
            to_dto(m, r)
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(paging.page_of(items, total))
}

/// The columns the order of `column` reads, besides the id.
fn sort_columns(column: UserColumn) -> &'static [users::Column] {
    match column {
        UserColumn::Name => &[users::Column::NameKey],
        UserColumn::Email => &[users::Column::Email],
        UserColumn::CreatedAt => &[users::Column::CreatedAt],
        UserColumn::ThinkificId => &[users::Column::ThinkificUserId],
    }
}

/// The terms of the Users table's order by `column`, on `table` (the users
/// table, or matches drawn from it), ties broken by id. Each order has an
/// index that gives it.
fn order_terms(table: Alias, column: UserColumn, order: Order) -> Vec<(SimpleExpr, Order)> {
    let col = |c: users::Column| Expr::col((table.clone(), c));
    match column {
        UserColumn::Name => vec![
            (col(users::Column::NameKey), order.clone()),
            (col(users::Column::Id), order),
        ],
        // Emails are unique: no tie to break.
        UserColumn::Email => vec![(col(users::Column::Email), order)],
        UserColumn::CreatedAt => vec![
            (col(users::Column::CreatedAt), order.clone()),
            (col(users::Column::Id), order),
        ],
        // Users without a Thinkific account come last in both directions.
        UserColumn::ThinkificId => vec![
            (col(users::Column::ThinkificUserId).is_null(), Order::Asc),
            (col(users::Column::ThinkificUserId), order.clone()),
            (col(users::Column::Id), order),
        ],
    }
}

/// Reads a user inside a write transaction and, on PostgreSQL, locks the row
/// until it ends (SQLite's write transactions hold the whole database
/// already). Every transaction that changes a person and their links or
/// messages takes this lock first, so they queue up instead of deadlocking.
pub(crate) async fn lock(db: &impl ConnectionTrait, id: Uuid) -> Result<users::Model> {
    let mut select = users::Entity::find_by_id(id);
    if db.get_database_backend() == DbBackend::Postgres {
        select = select.lock_exclusive();
    }
    select.one(db).await?.ok_or(Error::NotFound("user"))
}

async fn find(db: &impl ConnectionTrait, id: Uuid) -> Result<users::Model> {
    users::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(Error::NotFound("user"))
}

/// `GET /users/{id}`.
pub async fn get(roster: &Roster, ctx: &Context, id: Uuid) -> Result<User> {
    let actor = ctx.actor()?;
    if access::reach(&roster.db, actor, id).await? == Reach::None {
        return Err(Error::NotFound("user"));
    }
    let user = find(&roster.db, id).await?;
    let roles = roles_of(&roster.db, id).await?;
    to_dto(user, roles)
}

/// Inserts a validated user with its roles inside `db` (a transaction).
pub(crate) async fn insert(
    roster: &Roster,
    db: &impl ConnectionTrait,
    valid: ValidUser,
    status: UserStatus,
    password_hash: Option<String>,
) -> Result<User> {
    let now = roster.now();
    let model = users::ActiveModel {
        id: Set(Uuid::now_v7()),
        name_key: Set(user_name_key(&valid.first_name, &valid.last_name)),
        search_text: Set(user_search_text(
            &valid.first_name,
            &valid.last_name,
            &valid.email,
        )),
        first_name: Set(valid.first_name),
        last_name: Set(valid.last_name),
        email: Set(valid.email),
        status: Set(status.as_str().to_string()),
        password_hash: Set(password_hash),
        thinkific_user_id: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        last_login_at: Set(None),
        version: Set(1),
    };
    let user = model.insert(db).await.map_err(unique_to_conflict)?;
    replace_roles(db, user.id, &valid.roles).await?;
    to_dto(user, valid.roles)
}

/// `POST /users`: a new user, `invited` until they set a password.
pub async fn create(roster: &Roster, ctx: &Context, req: &CreateUserRequest) -> Result<User> {
    audit::refusals(
        roster,
        ctx,
        "user.created",
        None,
        create_user(roster, ctx, req).await,
    )
    .await
}

async fn create_user(roster: &Roster, ctx: &Context, req: &CreateUserRequest) -> Result<User> {
    let actor = ctx.actor()?;
    if !actor.is_admin() && !actor.is_manager() {
        return Err(Error::Forbidden("only admins and managers may add users"));
    }
    let valid = validate::validate_create_user(req).map_err(Error::Validation)?;
    let txn = roster.write_txn().await?;
    if !actor.is_admin() {
        if valid.roles.iter().any(|r| *r != Role::Learner) {
            return Err(Error::Forbidden(
                "managers add learners; only admins grant other roles",
            ));
        }
        if valid.teams.is_empty() {
            return Err(Error::validation(
                "teams",
                "Choose at least one of your teams, or you will not see this person.",
            ));
        }
        for team in &valid.teams {
            if !access::manages_team(&txn, actor, team.team_id).await? {
                return Err(Error::NotFound("team"));
            }
            if team.role == TeamRole::Manager {
                return Err(Error::Forbidden("only admins may appoint team managers"));
            }
        }
    }
    if users::Entity::find()
        .filter(users::Column::Email.eq(&valid.email))
        .one(&txn)
        .await?
        .is_some()
    {
        return Err(email_taken());
    }
    let mut valid = valid;
    if valid.teams.iter().any(|t| t.role == TeamRole::Manager)
        && !valid.roles.contains(&Role::Manager)
    {
        // A team's manager is a manager (see `follow_team_manager`).
        valid.roles.push(Role::Manager);
        valid.roles.sort();
    }
    let teams = valid.teams.clone();
    let user = insert(roster, &txn, valid, UserStatus::Invited, None).await?;
    let mut trail = Trail::new(roster);
    trail.push(
        Event::success("user.created")
            .target(Target::user(user.id, user.full_name.clone()))
            .details(serde_json::json!({
                "email": user.email,
                "roles": user.roles,
                "status": user.status,
            })),
    );
    for team in teams {
        crate::teams::join(roster, &txn, &mut trail, team.team_id, &user, team.role).await?;
    }
    // The welcome email is queued in the same transaction: no user without their
    // invitation, no invitation for a user that was rolled back.
    let model = find(&txn, user.id).await?;
    crate::mail::queue_link_email(
        roster,
        &txn,
        ctx,
        &mut trail,
        &model,
        roster_types::EmailTemplate::Welcome,
    )
    .await?;
    trail.write(&txn, roster, ctx).await?;
    txn.commit().await?;
    tracing::info!(user.id = %user.id, actor.id = %actor.user_id, "user created");
    Ok(user)
}

/// `PATCH /users/{id}`. With `expected_version` (from `If-Match`), a user changed
/// since it was read is not overwritten.
pub async fn update(
    roster: &Roster,
    ctx: &Context,
    id: Uuid,
    req: &UpdateUserRequest,
    expected_version: Option<i32>,
) -> Result<User> {
    let result = update_user(roster, ctx, id, req, expected_version).await;
    audit::refusals(
        roster,
        ctx,
        "user.updated",
        Some(Target::user_id(id)),
        result,
    )
    .await
}

async fn update_user(
    roster: &Roster,
    ctx: &Context,
    id: Uuid,
    req: &UpdateUserRequest,
    expected_version: Option<i32>,
) -> Result<User> {
    let actor = ctx.actor()?;
    let changes = validate::validate_update_user(req).map_err(Error::Validation)?;
    // Rights are read in the transaction that acts on them.
    let txn = roster.write_txn().await?;
    match access::reach_for_change(&txn, actor, id).await? {
        Reach::Admin => {}
        Reach::Own => {
            if changes.email.is_some() || changes.roles.is_some() {
                return Err(Error::Forbidden("you may change your own name only"));
            }
        }
        Reach::Managed => {
            if changes
                .roles
                .as_ref()
                .is_some_and(|r| r.iter().any(|r| *r != Role::Learner))
            {
                return Err(Error::Forbidden(
                    "managers look after learners; only admins grant other roles",
                ));
            }
        }
        Reach::None => return Err(Error::NotFound("user")),
    }
    if let Some(roles) = &changes.roles
        && id == actor.user_id
        && !roles.contains(&Role::Admin)
    {
        return Err(Error::Conflict {
            code: "cannot_remove_own_admin",
            message: "You cannot remove the admin role from yourself.".into(),
            field: Some("roles"),
        });
    }
    let current = lock(&txn, id).await?;
    if expected_version.is_some_and(|v| v != current.version) {
        return Err(Error::PreconditionFailed);
    }
    if let Some(roles) = &changes.roles
        && !roles.contains(&Role::Manager)
    {
        let managed = managed_team_names(&txn, id).await?;
        if !managed.is_empty() {
            return Err(Error::Conflict {
                code: "manages_teams",
                message: format!(
                    "{} manages {}: make them a member there (or take them off) before taking the manager role away.",
                    full_name(&current),
                    managed.join(", ")
                ),
                field: Some("roles"),
            });
        }
    }
    if let Some(email) = &changes.email
        && *email != current.email
        && users::Entity::find()
            .filter(users::Column::Email.eq(email))
            .one(&txn)
            .await?
            .is_some()
    {
        return Err(email_taken());
    }
    let first = changes
        .first_name
        .clone()
        .unwrap_or_else(|| current.first_name.clone());
    let last = changes
        .last_name
        .clone()
        .unwrap_or_else(|| current.last_name.clone());
    let email = changes
        .email
        .clone()
        .unwrap_or_else(|| current.email.clone());
    let email_changed = email != current.email;
    let mut changed = serde_json::Map::new();
    if first != current.first_name {
        changed.insert("first_name".into(), change(&current.first_name, &first));
    }
    if last != current.last_name {
        changed.insert("last_name".into(), change(&current.last_name, &last));
    }
    if email_changed {
        changed.insert("email".into(), change(&current.email, &email));
    }
    let version = current.version;
    let mut model = current.into_active_model();
    model.name_key = Set(user_name_key(&first, &last));
    model.search_text = Set(user_search_text(&first, &last, &email));
    model.first_name = Set(first);
    model.last_name = Set(last);
    model.email = Set(email);
    model.updated_at = Set(roster.now());
    model.version = Set(version + 1);
    // The version guard makes a concurrent edit fail instead of being lost.
    let updated = users::Entity::update_many()
        .set(model)
        .filter(users::Column::Id.eq(id))
        .filter(users::Column::Version.eq(version))
        .exec(&txn)
        .await
        .map_err(unique_to_conflict)?;
    if updated.rows_affected == 0 {
        return Err(Error::PreconditionFailed);
    }
    if let Some(roles) = &changes.roles {
        let mut old = roles_of(&txn, id).await?;
        old.sort();
        let mut new = roles.clone();
        new.sort();
        new.dedup();
        if old != new {
            changed.insert("roles".into(), change(&old, &new));
        }
        replace_roles(&txn, id, roles).await?;
    }
    let user = find(&txn, id).await?;
    if !changed.is_empty() {
        audit::record(
            &txn,
            roster,
            ctx,
            Event::success("user.updated")
                .target(Target::user(id, full_name(&user)))
                .details(serde_json::json!({ "changes": changed })),
        )
        .await?;
    }
    if email_changed {
        // Links sent to the old address must not work any more (it may have
        // been a typo, or someone else's); an invited person gets their
        // invitation again at the new address.
        crate::mail::withdraw_links(
            roster,
            &txn,
            id,
            "Not sent: the email address was changed before it went out.",
        )
        .await?;
        if user.status == UserStatus::Invited.as_str() {
            let mut trail = Trail::new(roster);
            crate::mail::queue_link_email(
                roster,
                &txn,
                ctx,
                &mut trail,
                &user,
                roster_types::EmailTemplate::Welcome,
            )
            .await?;
            trail.write(&txn, roster, ctx).await?;
        }
    }
    let roles = roles_of(&txn, id).await?;
    txn.commit().await?;
    tracing::info!(user.id = %id, actor.id = %actor.user_id, "user updated");
    to_dto(user, roles)
}

/// `DELETE /users/{id}`.
pub async fn delete(roster: &Roster, ctx: &Context, id: Uuid) -> Result<()> {
    let result = delete_user(roster, ctx, id).await;
    audit::refusals(
        roster,
        ctx,
        "user.deleted",
        Some(Target::user_id(id)),
        result,
    )
    .await
}

async fn delete_user(roster: &Roster, ctx: &Context, id: Uuid) -> Result<()> {
    let actor = ctx.actor()?;
    actor.require_admin_for("only admins may delete users")?;
    if id == actor.user_id {
        return Err(Error::Conflict {
            code: "cannot_delete_self",
            message: "You cannot delete your own account.".into(),
            field: None,
        });
    }
    let txn = roster.write_txn().await?;
    let gone = lock(&txn, id).await?;
    let gone_roles = roles_of(&txn, id).await?;
    // Queued messages outlive the user (their log loses its owner), and must
    // not go out to someone who is no longer here.
    crate::mail::withdraw_links(
        roster,
        &txn,
        id,
        "Not sent: the person was deleted before it went out.",
    )
    .await?;
    let deleted = users::Entity::delete_by_id(id).exec(&txn).await?;
    if deleted.rows_affected == 0 {
        return Err(Error::NotFound("user"));
    }
    audit::record(
        &txn,
        roster,
        ctx,
        Event::success("user.deleted")
            .target(Target::user(id, full_name(&gone)))
            .details(serde_json::json!({ "email": gone.email, "roles": gone_roles })),
    )
    .await?;
    txn.commit().await?;
    tracing::info!(user.id = %id, actor.id = %actor.user_id, "user deleted");
    Ok(())
}

/// What `ensure_admin` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AdminBootstrap {
    /// An admin already existed; nothing changed.
    Existing,
    /// An admin was created with the given password.
    Created,
    /// An admin was created with this generated password, to be shown once.
    CreatedWithGeneratedPassword(String),
}

/// Makes sure the school has an admin: when none exists, creates `email` with
/// `password` (or a generated one).
pub async fn ensure_admin(
    roster: &Roster,
    ctx: &Context,
    email: &str,
    password: Option<&str>,
) -> Result<AdminBootstrap> {
    ctx.require_system("only start-up makes the first admin")?;
    let any_admin = user_roles::Entity::find()
        .filter(user_roles::Column::Role.eq(Role::Admin.as_str()))
        .one(&roster.db)
        .await?;
    if any_admin.is_some() {
        return Ok(AdminBootstrap::Existing);
    }
    let generated = password
        .is_none()
        .then(|| crate::tokens::random_token()[..20].to_string());
    let password = password
        .map(str::to_owned)
        .or_else(|| generated.clone())
        .unwrap_or_default();
    upsert_admin(roster, ctx, email, &password).await?;
    Ok(match generated {
        Some(p) => AdminBootstrap::CreatedWithGeneratedPassword(p),
        None => AdminBootstrap::Created,
    })
}

/// Creates or updates an active admin with this email and password (the
/// `create-admin` command).
pub async fn upsert_admin(
    roster: &Roster,
    ctx: &Context,
    email: &str,
    password: &str,
) -> Result<User> {
    ctx.require_system("only the create-admin command makes admins this way")?;
    let email = validate::normalise_email(email);
    validate::check_email(&email).map_err(|m| Error::validation("email", m))?;
    crate::auth::check_password_strength(password, &email, "")?;
    let hash = roster.hasher.hash(password.to_string()).await?;
    let txn = roster.write_txn().await?;
    let existing = users::Entity::find()
        .filter(users::Column::Email.eq(&email))
        .one(&txn)
        .await?;
    let user = match existing {
        Some(m) => {
            let id = m.id;
            let version = m.version;
            let old_status = m.status.clone();
            let mut model = m.into_active_model();
            model.password_hash = Set(Some(hash));
            model.status = Set(UserStatus::Active.as_str().to_string());
            model.updated_at = Set(roster.now());
            model.version = Set(version + 1);
            model.update(&txn).await?;
            let mut roles = roles_of(&txn, id).await?;
            let mut changed = serde_json::Map::new();
            if old_status != UserStatus::Active.as_str() {
                changed.insert("status".into(), change(&old_status, UserStatus::Active));
            }
            if !roles.contains(&Role::Admin) {
                let old = roles.clone();
                roles.push(Role::Admin);
                replace_roles(&txn, id, &roles).await?;
                changed.insert("roles".into(), change(&old, &roles));
            }
            let user = to_dto(find(&txn, id).await?, roles)?;
            if !changed.is_empty() {
                audit::record(
                    &txn,
                    roster,
                    ctx,
                    Event::success("user.updated")
                        .target(Target::user(id, user.full_name.clone()))
                        .details(serde_json::json!({ "changes": changed })),
                )
                .await?;
            }
            user
        }
        None => {
            let valid = ValidUser {
                first_name: "Roster".into(),
                last_name: "Admin".into(),
                email,
                roles: vec![Role::Admin],
                teams: vec![],
            };
            let user = insert(roster, &txn, valid, UserStatus::Active, Some(hash)).await?;
            audit::record(
                &txn,
                roster,
                ctx,
                Event::success("user.created")
                    .target(Target::user(user.id, user.full_name.clone()))
                    .details(serde_json::json!({
                        "email": user.email,
                        "roles": user.roles,
                        "status": user.status,
                    })),
            )
            .await?;
            user
        }
    };
    audit::record(
        &txn,
        roster,
        ctx,
        Event::success("auth.password_set").target(Target::user(user.id, user.full_name.clone())),
    )
    .await?;
    // A new password ends the sessions of the old one.
    sessions::end_all(&txn, user.id, None, EndReason::PasswordReset, roster.now()).await?;
    txn.commit().await?;
    Ok(user)
}

/// Sets a user's password and makes an invited user active (tools and tests;
/// people use an emailed link or change their own).
pub async fn set_password(
    roster: &Roster,
    ctx: &Context,
    user_id: Uuid,
    password: &str,
) -> Result<()> {
    ctx.require_system("people set passwords through a link or their own account")?;
    let user = find(&roster.db, user_id).await?;
    crate::auth::check_password_strength(password, &user.email, &full_name(&user))?;
    let hash = roster.hasher.hash(password.to_string()).await?;
    let txn = roster.write_txn().await?;
    let user = lock(&txn, user_id).await?;
    let status = if user.status == UserStatus::Invited.as_str() {
        UserStatus::Active.as_str().to_string()
    } else {
        user.status.clone()
    };
    let name = full_name(&user);
    let version = user.version;
    let mut model = user.into_active_model();
    model.password_hash = Set(Some(hash));
    model.status = Set(status);
    model.updated_at = Set(roster.now());
    model.version = Set(version + 1);
    model.update(&txn).await?;
    audit::record(
        &txn,
        roster,
        ctx,
        Event::success("auth.password_set").target(Target::user(user_id, name)),
    )
    .await?;
    // A new password ends the sessions of the old one.
    sessions::end_all(&txn, user_id, None, EndReason::PasswordReset, roster.now()).await?;
    txn.commit().await?;
    Ok(())
}

/// Sets a user's status, bumping the version; used by suspend and reactivate.
async fn set_status(roster: &Roster, ctx: &Context, id: Uuid, suspend: bool) -> Result<User> {
    let actor = ctx.actor()?;
    actor.require_admin_for("only admins may suspend or reactivate users")?;
    if id == actor.user_id {
        return Err(Error::Conflict {
            code: "cannot_suspend_self",
            message: "You cannot suspend or reactivate your own account.".into(),
            field: None,
        });
    }
    let txn = roster.write_txn().await?;
    let user = lock(&txn, id).await?;
    let status = if suspend {
        UserStatus::Suspended
    } else if user.password_hash.is_some() {
        UserStatus::Active
    } else {
        UserStatus::Invited
    };
    let now = roster.now();
    let version = user.version;
    let old_status = user.status.clone();
    let name = full_name(&user);
    let mut model = user.into_active_model();
    model.status = Set(status.as_str().to_string());
    model.updated_at = Set(now);
    model.version = Set(version + 1);
    model.update(&txn).await?;
    if suspend {
        crate::mail::withdraw_links(
            roster,
            &txn,
            id,
            "Not sent: the account was suspended before it went out.",
        )
        .await?;
        // Cut every session off at once; access tokens are refused on their
        // next use because their session has ended.
        sessions::end_all(&txn, id, None, EndReason::Suspended, now).await?;
    }
    audit::record(
        &txn,
        roster,
        ctx,
        Event::success(if suspend {
            "user.suspended"
        } else {
            "user.reactivated"
        })
        .target(Target::user(id, name))
        .details(serde_json::json!({ "status": change(&old_status, status) })),
    )
    .await?;
    let roles = roles_of(&txn, id).await?;
    let user = find(&txn, id).await?;
    txn.commit().await?;
    tracing::info!(user.id = %id, actor.id = %actor.user_id, status = status.as_str(), "user status changed");
    to_dto(user, roles)
}

/// `POST /users/{id}/suspend` (admins): the user cannot sign in, and their
/// sessions end at once.
pub async fn suspend(roster: &Roster, ctx: &Context, id: Uuid) -> Result<User> {
    let result = set_status(roster, ctx, id, true).await;
    audit::refusals(
        roster,
        ctx,
        "user.suspended",
        Some(Target::user_id(id)),
        result,
    )
    .await
}

/// `POST /users/{id}/reactivate` (admins): back to active (or invited, when no
/// password was ever set).
pub async fn reactivate(roster: &Roster, ctx: &Context, id: Uuid) -> Result<User> {
    let result = set_status(roster, ctx, id, false).await;
    audit::refusals(
        roster,
        ctx,
        "user.reactivated",
        Some(Target::user_id(id)),
        result,
    )
    .await
}
