//! Bulk demo and benchmark data: many plausible users, inserted in batches.

use roster_entity::{team_members, teams, user_roles, users};
use roster_types::{Role, TeamRole, UserStatus};
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, PaginatorTrait, QuerySelect};
use uuid::Uuid;

use crate::audit::{self, Event};
use crate::{Context, Result, Roster};
use roster_types::text::{user_name_key, user_search_text};

const FIRST: [&str; 24] = [
    "Ada",
    "Grace",
    "Alan",
    "Edsger",
    "Barbara",
    "Donald",
    "Margaret",
    "Ken",
    "Radia",
    "Linus",
    "Frances",
    "Tim",
    "Katherine",
    "John",
    "Hedy",
    "Dennis",
    "Annie",
    "Niklaus",
    "Sophie",
    "Yukihiro",
    "Karen",
    "Guido",
    "Shafi",
    "Leslie",
];
const LAST: [&str; 24] = [
    "Lovelace",
    "Hopper",
    "Turing",
    "Dijkstra",
    "Liskov",
    "Knuth",
    "Hamilton",
    "Thompson",
    "Perlman",
    "Torvalds",
    "Allen",
    "Berners-Lee",
    "Johnson",
    "McCarthy",
    "Lamarr",
    "Ritchie",
    "Easley",
    "Wirth",
    "Wilson",
    "Matsumoto",
    "Spärck Jones",
    "van Rossum",
    "Goldwasser",
    "Lamport",
];

/// Inserts `count` learners named after computing pioneers, with unique emails
/// `first.last.N.RUN@seed.example`, in batches of `batch` rows. Returns how many.
/// Each batch is one event on the audit trail (`user.seeded`), by `ctx`.
pub async fn users(roster: &Roster, ctx: &Context, count: u64, batch: u64) -> Result<u64> {
    users_in_teams(roster, ctx, count, 0, batch).await
}

/// One in this many seeded people in teams manages their team.
const MANAGER_EVERY: u64 = 1_000;
/// One in this many seeded people is an admin too.
const ADMIN_EVERY: u64 = 50_000;

/// Like [`users`], over `teams` new teams (`Seed team RUN-K`): person N joins
/// team N mod `teams`, one in [`MANAGER_EVERY`] as its manager (and so a
/// manager), and one in [`ADMIN_EVERY`] is an admin as well: the shape of a
/// large customer, for the benchmarks.
pub async fn users_in_teams(
    roster: &Roster,
    ctx: &Context,
    count: u64,
    teams: u64,
    batch: u64,
) -> Result<u64> {
    ctx.require_system("seeding is a tool's work")?;
    let batch = batch.clamp(1, 5_000);
    let start = roster.now();
    // Numbering goes on after the people already there, and each run marks
    // its emails, so seeding again adds more people instead of colliding with
    // an earlier run (even one whose people were partly deleted since).
    let offset = users::Entity::find().count(&roster.db).await?;
    let run = Uuid::now_v7().simple().to_string();
    let run = &run[run.len() - 6..];
    let thinkific_base = users::Entity::find()
        .select_only()
        .column_as(users::Column::ThinkificUserId.max(), "max")
        .into_tuple::<Option<i64>>()
        .one(&roster.db)
        .await?
        .flatten()
        .map_or(1_000_000, |max| max + 1);
    let mut team_ids = Vec::with_capacity(teams as usize);
    if teams > 0 {
        let txn = roster.write_txn().await?;
        let rows: Vec<_> = (0..teams)
            .map(|k| {
                let id = Uuid::now_v7();
                team_ids.push(id);
                let name = format!("Seed team {run}-{k:04}");
                teams::ActiveModel {
                    id: Set(id),
                    name_key: Set(name.to_lowercase()),
                    name: Set(name),
                    description: Set(String::new()),
                    created_at: Set(start),
                    updated_at: Set(start),
                }
            })
            .collect();
        for chunk in rows.chunks(500) {
            teams::Entity::insert_many(chunk.to_vec())
                .exec(&txn)
                .await?;
        }
        audit::record(
            &txn,
            roster,
            ctx,
            Event::success("team.seeded").details(serde_json::json!({ "count": teams })),
        )
        .await?;
        txn.commit().await?;
    }
    let mut done = 0u64;
    while done < count {
        let n = batch.min(count - done);
        let txn = roster.write_txn().await?;
        let mut rows = Vec::with_capacity(n as usize);
        let mut roles = Vec::with_capacity(n as usize);
        let mut members = Vec::with_capacity(n as usize);
        for i in offset + done..offset + done + n {
            let first = FIRST[(i % 24) as usize];
            let last = LAST[((i / 24) % 24) as usize];
            let email = format!(
                "{}.{}.{i}.{run}@seed.example",
                first.to_lowercase(),
                last.to_lowercase().replace([' ', 'ä'], "")
            );
            let id = Uuid::now_v7();
            // Spread creation times over the past so date filters and sorts have
            // something to work on.
            let created = start - chrono::Duration::seconds((offset + count - i) as i64 * 37);
            rows.push(users::ActiveModel {
                id: Set(id),
                first_name: Set(first.to_string()),
                last_name: Set(last.to_string()),
                name_key: Set(user_name_key(first, last)),
                search_text: Set(user_search_text(first, last, &email)),
                email: Set(email),
                status: Set(if i % 5 == 0 {
                    UserStatus::Invited
                } else {
                    UserStatus::Active
                }
                .as_str()
                .to_string()),
                password_hash: Set(None),
                thinkific_user_id: Set((i % 3 == 0).then_some(thinkific_base + i as i64)),
                created_at: Set(created),
                updated_at: Set(created),
                last_login_at: Set(None),
                version: Set(1),
            });
            let role = |role: Role| user_roles::ActiveModel {
                user_id: Set(id),
                role: Set(role.as_str().to_string()),
            };
            roles.push(role(Role::Learner));
            if let Some(team_id) = team_ids.get((i % teams.max(1)) as usize) {
                let manages = i % MANAGER_EVERY == 0;
                if manages {
                    roles.push(role(Role::Manager));
                }
                if i % ADMIN_EVERY == 1 {
                    roles.push(role(Role::Admin));
                }
                members.push(team_members::ActiveModel {
                    team_id: Set(*team_id),
                    user_id: Set(id),
                    role: Set(if manages {
                        TeamRole::Manager
                    } else {
                        TeamRole::Member
                    }
                    .as_str()
                    .to_string()),
                    added_at: Set(created),
                });
            }
        }
        users::Entity::insert_many(rows).exec(&txn).await?;
        user_roles::Entity::insert_many(roles).exec(&txn).await?;
        if !members.is_empty() {
            team_members::Entity::insert_many(members)
                .exec(&txn)
                .await?;
        }
        audit::record(
            &txn,
            roster,
            ctx,
            Event::success("user.seeded").details(serde_json::json!({ "count": n })),
        )
        .await?;
        txn.commit().await?;
        done += n;
    }
    Ok(done)
}
