//! The audit trail: append-only, written in the transaction of the change it
//! records (a rolled-back change leaves no event), and read by admins.
//!
//! Refusals are recorded outside any transaction, since the operation they
//! refuse writes nothing: see [`refusals`].

use chrono::{DateTime, Utc};
use roster_entity::audit_events;
use roster_types::{AuditEvent, AuditEventList, AuditEventQuery, AuditOutcome};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, EntityTrait, Order, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, Select,
};
use serde_json::{Value, json};
use uuid::Uuid;

use super::context::Context;
use crate::paging::Paging;
use crate::{Error, Result, Roster};

/// What an event is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub kind: &'static str,
    pub id: String,
    pub name: Option<String>,
    /// The person it concerns, for their History.
    pub subject_user: Option<Uuid>,
}

impl Target {
    /// A person, named as they are now.
    pub fn user(id: Uuid, name: impl Into<String>) -> Self {
        Self {
            kind: "user",
            id: id.to_string(),
            name: Some(name.into()),
            subject_user: Some(id),
        }
    }

    /// A person known only by id (a refusal, before anything was read).
    pub fn user_id(id: Uuid) -> Self {
        Self {
            kind: "user",
            id: id.to_string(),
            name: None,
            subject_user: Some(id),
        }
    }

    pub fn team(id: Uuid, name: Option<String>) -> Self {
        Self {
            kind: "team",
            id: id.to_string(),
            name,
            subject_user: None,
        }
    }

    /// A person's membership of a team.
    pub fn member(team_id: Uuid, team: &str, user_id: Uuid, user: &str) -> Self {
        Self {
            kind: "team_member",
            id: format!("{team_id}/{user_id}"),
            name: Some(format!("{user} in {team}")),
            subject_user: Some(user_id),
        }
    }

    /// A membership known only by its ids (a refusal, before anything was read).
    pub fn membership(team_id: Uuid, user_id: Uuid) -> Self {
        Self {
            kind: "team_member",
            id: format!("{team_id}/{user_id}"),
            name: None,
            subject_user: Some(user_id),
        }
    }

    /// One of a person's sessions.
    pub fn session(id: Uuid, user_id: Uuid) -> Self {
        Self {
            kind: "session",
            id: id.to_string(),
            name: None,
            subject_user: Some(user_id),
        }
    }
}

/// One event, before it is written.
#[derive(Debug, Clone)]
pub struct Event {
    pub action: &'static str,
    pub outcome: AuditOutcome,
    pub target: Option<Target>,
    pub details: Value,
}

impl Event {
    pub fn success(action: &'static str) -> Self {
        Self {
            action,
            outcome: AuditOutcome::Success,
            target: None,
            details: json!({}),
        }
    }

    pub fn refused(action: &'static str, reason: &str) -> Self {
        Self {
            action,
            outcome: AuditOutcome::Refused,
            target: None,
            details: json!({ "reason": reason }),
        }
    }

    pub fn target(mut self, target: Target) -> Self {
        self.target = Some(target);
        self
    }

    pub fn maybe_target(mut self, target: Option<Target>) -> Self {
        self.target = target;
        self
    }

    /// Adds the fields of `details` (an object) to the event's details.
    pub fn details(mut self, details: Value) -> Self {
        match (&mut self.details, details) {
            (Value::Object(mine), Value::Object(more)) => mine.extend(more),
            (mine, more) => *mine = more,
        }
        self
    }
}

/// Writes `event` in `db`: pass the transaction of the change it records.
pub async fn record(
    db: &impl ConnectionTrait,
    roster: &Roster,
    ctx: &Context,
    event: Event,
) -> Result<()> {
    let mut trail = Trail::new(roster);
    trail.push(event);
    trail.write(db, roster, ctx).await
}

/// The events of one change, written together (one statement per
/// [`TRAIL_CHUNK`] events) in its transaction just before it commits. A change
/// that records several events (a user and their invitation; every row of an
/// import) pays for one round trip, not one per event.
///
/// Events take the time the trail was started and ids in the order they were
/// pushed, so they sort as they happened.
#[derive(Debug)]
pub struct Trail {
    at: DateTime<Utc>,
    events: Vec<(Uuid, Event)>,
}

/// The most events one INSERT carries: 16 columns each stays well under
/// SQLite's limit of 32,766 bound values.
const TRAIL_CHUNK: usize = 500;

impl Trail {
    /// A trail of events happening now.
    pub fn new(roster: &Roster) -> Self {
        Self {
            at: roster.now(),
            events: Vec::new(),
        }
    }

    pub fn push(&mut self, event: Event) {
        self.events.push((Uuid::now_v7(), event));
    }

    /// Writes the events in `db` (the change's transaction) as `ctx`.
    pub async fn write(
        mut self,
        db: &impl ConnectionTrait,
        roster: &Roster,
        ctx: &Context,
    ) -> Result<()> {
        let events = std::mem::take(&mut self.events);
        if !roster.audit_trail || events.is_empty() {
            return Ok(());
        }
        let at = self.at;
        let mut rows = events
            .into_iter()
            .map(|(id, event)| row(ctx, id, at, event))
            .peekable();
        while rows.peek().is_some() {
            let chunk: Vec<_> = rows.by_ref().take(TRAIL_CHUNK).collect();
            audit_events::Entity::insert_many(chunk)
                .exec_without_returning(db)
                .await?;
        }
        Ok(())
    }
}

impl Drop for Trail {
    fn drop(&mut self) {
        // Dropped unwritten: the change failed before it could commit (and so
        // recorded nothing), or a caller forgot `write`, which the tests catch.
        if !self.events.is_empty() && !std::thread::panicking() {
            tracing::debug!(events = self.events.len(), "audit events dropped unwritten");
        }
    }
}

fn row(ctx: &Context, id: Uuid, at: DateTime<Utc>, event: Event) -> audit_events::ActiveModel {
    let (target_type, target_id, target_name, subject) = match event.target {
        Some(t) => (Some(t.kind.to_string()), Some(t.id), t.name, t.subject_user),
        None => (None, None, None, None),
    };
    audit_events::ActiveModel {
        id: Set(id),
        occurred_at: Set(at),
        action: Set(event.action.to_string()),
        outcome: Set(event.outcome.as_str().to_string()),
        actor_id: Set(ctx.actor_id()),
        actor_name: Set(ctx.actor_name()),
        impersonator_id: Set(ctx.impersonator_id()),
        session_id: Set(ctx.session_id),
        target_type: Set(target_type),
        target_id: Set(target_id),
        target_name: Set(target_name),
        subject_user_id: Set(subject),
        request_id: Set(ctx.request.request_id.clone()),
        ip: Set(ctx.request.ip.clone()),
        user_agent: Set(ctx.request.user_agent.clone()),
        details: Set(event.details),
    }
}

/// Passes `result` through; a refusal (`Forbidden`) is recorded first, as
/// `action` with outcome `refused` and the reason. The refused operation's
/// transaction has been dropped by then, so the event stands alone.
pub(crate) async fn refusals<T>(
    roster: &Roster,
    ctx: &Context,
    action: &'static str,
    target: Option<Target>,
    result: Result<T>,
) -> Result<T> {
    if let Err(Error::Forbidden(reason)) = &result {
        let event = Event::refused(action, reason).maybe_target(target);
        if let Err(error) = record(&roster.db, roster, ctx, event).await {
            tracing::error!(error = %error, action, "cannot record a refusal");
        }
    }
    result
}

/// Records a refusal decided outside the domain (the API's cross-site check),
/// on its own: once per action and client address in a throttle window, so
/// that anyone hammering the endpoint cannot fill the trail.
pub async fn record_refusal(
    roster: &Roster,
    ctx: &Context,
    action: &'static str,
    reason: &str,
) -> Result<()> {
    let ip = ctx.request.ip.as_deref().unwrap_or("unknown");
    let key = crate::throttle::Key::new(format!("refusal:{action}|{ip}"), 1);
    let count = crate::throttle::hit(&roster.db, &key, roster.now()).await?;
    if count.attempts > 1 {
        return Ok(());
    }
    let event = Event::refused(action, reason).details(json!({
        "repeats_recorded": "once per address in 15 minutes",
    }));
    record(&roster.db, roster, ctx, event).await
}

/// The changes between two values of a field, for `details.changes`.
pub(crate) fn change(old: impl serde::Serialize, new: impl serde::Serialize) -> Value {
    json!({ "old": old, "new": new })
}

fn to_dto(m: audit_events::Model) -> Result<AuditEvent> {
    let outcome = AuditOutcome::parse(&m.outcome).ok_or_else(|| {
        Error::internal(format!("audit event {} has outcome {:?}", m.id, m.outcome))
    })?;
    Ok(AuditEvent {
        id: m.id,
        occurred_at: m.occurred_at,
        action: m.action,
        outcome,
        actor_id: m.actor_id,
        actor_name: m.actor_name,
        impersonator_id: m.impersonator_id,
        session_id: m.session_id,
        target_type: m.target_type,
        target_id: m.target_id,
        target_name: m.target_name,
        request_id: m.request_id,
        ip: m.ip,
        user_agent: m.user_agent,
        details: m.details,
    })
}

/// How an action prefix (`user.`) is looked up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PrefixBy {
    /// As a range of the action index: right when few events match.
    Index,
    /// As a test of each row read newest first along the time index: right
    /// when many match, so that a page is found after a few rows instead of
    /// after sorting them all. PostgreSQL's planner chooses this itself from
    /// its statistics; SQLite has none, and is told with a unary `+`, which
    /// keeps it off the action index (SQLite's syntax and placeholders: only
    /// chosen on SQLite).
    Scan,
}

/// From this share of all events matching a prefix, SQLite reads it along the
/// time index: one row in twenty read is a match, so a page of 50 costs about
/// a thousand row reads, against sorting every match otherwise.
const SCAN_FROM_SHARE: f64 = 0.05;

fn filtered(query: &AuditEventQuery) -> Select<audit_events::Entity> {
    filtered_with(query, PrefixBy::Index)
}

fn filtered_with(query: &AuditEventQuery, prefix_by: PrefixBy) -> Select<audit_events::Entity> {
    use audit_events::Column as C;
    let mut select = audit_events::Entity::find();
    if let Some(id) = query.actor_id {
        select = select.filter(C::ActorId.eq(id));
    }
    if let Some(id) = query.target_user_id {
        select = select.filter(C::SubjectUserId.eq(id));
    }
    if let Some(kind) = &query.target_type {
        select = select.filter(C::TargetType.eq(kind.as_str()));
    }
    if let Some(id) = &query.target_id {
        select = select.filter(C::TargetId.eq(id.as_str()));
    }
    if let Some(action) = &query.action {
        select = if let Some(stem) = action.strip_suffix('.') {
            // `user.` is every action from `user.` up to `user/` ('/' follows
            // '.'), in byte order on both databases: an index range.
            let end = format!("{stem}/");
            match prefix_by {
                PrefixBy::Index => select
                    .filter(C::Action.gte(action.as_str()))
                    .filter(C::Action.lt(end)),
                PrefixBy::Scan => select.filter(Expr::cust_with_values(
                    "+\"audit_events\".\"action\" >= ? AND +\"audit_events\".\"action\" < ?",
                    [action.clone(), end],
                )),
            }
        } else {
            select.filter(C::Action.eq(action.as_str()))
        };
    }
    if let Some(outcome) = query.outcome {
        select = select.filter(C::Outcome.eq(outcome.as_str()));
        if outcome != AuditOutcome::Success {
            // Spelled out so that SQLite, too, sees that the partial index of
            // the unsuccessful events applies.
            select = select.filter(C::Outcome.ne(AuditOutcome::Success.as_str()));
        }
    }
    if let Some(id) = query.session_id {
        select = select.filter(C::SessionId.eq(id));
    }
    if let Some(id) = &query.request_id {
        select = select.filter(C::RequestId.eq(id.as_str()));
    }
    if let Some(from) = query.from {
        select = select.filter(C::OccurredAt.gte(from));
    }
    if let Some(to) = query.to {
        select = select.filter(C::OccurredAt.lt(to));
    }
    select
}

fn newest_first(select: Select<audit_events::Entity>) -> Select<audit_events::Entity> {
    select
        .order_by(audit_events::Column::OccurredAt, Order::Desc)
        .order_by(audit_events::Column::Id, Order::Desc)
}

/// Only admins read the trail.
async fn require_reader(roster: &Roster, ctx: &Context, action: &'static str) -> Result<()> {
    let allowed = ctx
        .actor()
        .and_then(|actor| actor.require_admin_for("only admins may read the audit trail"));
    refusals(roster, ctx, action, None, allowed).await
}

/// `GET /audit-events`: one page, newest first.
pub async fn list(
    roster: &Roster,
    ctx: &Context,
    query: &AuditEventQuery,
) -> Result<AuditEventList> {
    require_reader(roster, ctx, "audit.listed").await?;
    let paging = Paging::new(query.page, query.per_page);
    let select = filtered(query);
    let total = crate::counting::total(&roster.db, select.clone()).await?;
    // A prefix that a good share of all events match: SQLite finds a page
    // fastest along the time index (see `PrefixBy`). Only SQLite's estimate
    // knows the share; PostgreSQL's planner makes this choice itself.
    let busy_prefix = query.action.as_ref().is_some_and(|a| a.ends_with('.'))
        && total.share.is_some_and(|share| share >= SCAN_FROM_SHARE);
    let select = if busy_prefix {
        filtered_with(query, PrefixBy::Scan)
    } else {
        select
    };
    let rows = newest_first(select)
        .offset(paging.offset())
        .limit(paging.limit())
        .all(&roster.db)
        .await?;
    let items = rows.into_iter().map(to_dto).collect::<Result<_>>()?;
    Ok(paging.page_of(items, total))
}

/// How many events match `query`, counted to the last one: for benchmarks,
/// which compare it with the list's estimate. Not for requests.
#[doc(hidden)]
pub async fn count_exactly(roster: &Roster, query: &AuditEventQuery) -> Result<u64> {
    Ok(filtered(query).count(&roster.db).await?)
}

/// Every matching event, newest first, read in batches (for the CSV export,
/// which streams them). Built by [`export`], which checks the caller once.
pub struct Export {
    roster: Roster,
    query: AuditEventQuery,
    after: Option<(DateTime<Utc>, Uuid)>,
    done: bool,
}

/// How many rows one batch of an export reads.
const EXPORT_BATCH: u64 = 1000;

impl Export {
    /// The next batch; empty at the end.
    pub async fn next_batch(&mut self) -> Result<Vec<AuditEvent>> {
        use audit_events::Column as C;
        if self.done {
            return Ok(Vec::new());
        }
        let mut select = filtered(&self.query);
        // Keyset pagination: strictly older than the last row sent.
        if let Some((at, id)) = self.after {
            select = select.filter(
                Condition::any()
                    .add(C::OccurredAt.lt(at))
                    .add(Condition::all().add(C::OccurredAt.eq(at)).add(C::Id.lt(id))),
            );
        }
        let rows = newest_first(select)
            .limit(EXPORT_BATCH)
            .all(&self.roster.db)
            .await?;
        if (rows.len() as u64) < EXPORT_BATCH {
            self.done = true;
        }
        self.after = rows.last().map(|r| (r.occurred_at, r.id));
        rows.into_iter().map(to_dto).collect()
    }
}

/// `GET /audit-events.csv`: checks the caller, then hands out the batches.
pub async fn export(roster: &Roster, ctx: &Context, query: &AuditEventQuery) -> Result<Export> {
    require_reader(roster, ctx, "audit.exported").await?;
    Ok(Export {
        roster: roster.clone(),
        query: AuditEventQuery {
            page: None,
            per_page: None,
            ..query.clone()
        },
        after: None,
        done: false,
    })
}
