//! How many rows a list's filters match, for `page.total`: exact while that is
//! cheap, estimated (and said to be) beyond [`EXACT_UP_TO`].
//!
//! An exact count reads every matching index entry: at a million matches that
//! is tens of milliseconds on every page load, for a number nobody reads to the
//! last digit. So the count stops after `EXACT_UP_TO + 1` rows; when it gets
//! there, the total is estimated instead:
//!
//! - PostgreSQL: the planner's row estimate for the filtered query (`EXPLAIN`),
//!   from the table's statistics.
//! - SQLite, which has no such estimate: a sample of rowids drawn uniformly
//!   between the table's smallest and largest (a deleted row leaves a hole that
//!   never matches), so the share of sampled rowids that exist and match, times
//!   the width of that range, estimates the count. The sample is drawn from a
//!   seed made of the query and the range, so the same list gives the same
//!   estimate until the table changes.
//!
//! Either way an estimate is above `EXACT_UP_TO`, since more than that were
//! counted, and is rounded to three significant digits so that nobody takes it
//! for exact.

use std::hash::{Hash, Hasher};

use rand::{Rng, SeedableRng};
use sea_orm::sea_query::{Alias, Expr, Query, SelectStatement};
use sea_orm::{
    ConnectionTrait, DbBackend, EntityTrait, FromQueryResult, QuerySelect, QueryTrait, Select,
    Statement,
};

use crate::error::Result;

/// Up to this many matches, totals are exact.
pub(crate) const EXACT_UP_TO: u64 = 10_000;

/// The least an estimate says: above [`EXACT_UP_TO`] once rounded.
const ESTIMATE_AT_LEAST: u64 = 10_100;

/// How many rowids the SQLite estimate looks up at most. One standard
/// deviation of its relative error is `sqrt((1 - share) / hits)`, `hits`
/// being how many sampled rows match: 5% for 400 of them.
const SAMPLE: u64 = 4_000;

/// The estimate looks up this many rowids first, and the rest of [`SAMPLE`]
/// only when fewer than [`ENOUGH_HITS`] of them matched: a common filter (most
/// lists: everyone, a status, a common role) is estimated within 5% from a
/// quarter of the lookups, each a random read of the table.
const FIRST_SAMPLE: u64 = 1_000;
const ENOUGH_HITS: u64 = 400;

/// A list's total.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Total {
    pub(crate) count: u64,
    pub(crate) is_estimate: bool,
    /// For an estimate on SQLite: the share of the table's rows that match
    /// (what a caller choosing between reading orders wants to know).
    pub(crate) share: Option<f64>,
}

impl Total {
    pub(crate) fn exact(count: u64) -> Self {
        Self {
            count,
            is_estimate: false,
            share: None,
        }
    }

    /// An estimate of more than [`EXACT_UP_TO`] (counted before estimating),
    /// rounded so that nobody takes it for exact.
    pub(crate) fn estimated(estimate: u64, share: Option<f64>) -> Self {
        Self {
            count: round_estimate(estimate).max(ESTIMATE_AT_LEAST),
            is_estimate: true,
            share,
        }
    }
}

#[derive(FromQueryResult)]
struct Counted {
    n: i64,
}

#[derive(FromQueryResult)]
struct RowidRange {
    low: Option<i64>,
    high: Option<i64>,
}

/// The total of `select` (its filters; its order, limit and columns do not
/// matter).
pub(crate) async fn total<E: EntityTrait>(
    db: &impl ConnectionTrait,
    select: Select<E>,
) -> Result<Total> {
    let table = E::default().table_name().to_string();
    let rows = select
        .select_only()
        .expr(Expr::cust("1"))
        .into_query()
        .clear_order_by()
        .to_owned();

    let capped = count(db, rows.clone().limit(EXACT_UP_TO + 1).to_owned()).await?;
    if capped <= EXACT_UP_TO {
        return Ok(Total::exact(capped));
    }
    let (estimate, share) = match db.get_database_backend() {
        DbBackend::Postgres => (planner_estimate(db, &rows).await?, None),
        _ => {
            let (estimate, share) = sampled_estimate(db, &rows, &table).await?;
            (estimate, Some(share))
        }
    };
    Ok(Total::estimated(estimate, share))
}

/// `SELECT COUNT(*)` over the rows of `inner`.
async fn count(db: &impl ConnectionTrait, inner: SelectStatement) -> Result<u64> {
    let outer = Query::select()
        .expr_as(Expr::cust("COUNT(*)"), Alias::new("n"))
        .from_subquery(inner, Alias::new("matching"))
        .to_owned();
    let stmt = db.get_database_backend().build(&outer);
    let counted = Counted::find_by_statement(stmt).one(db).await?;
    Ok(counted.map_or(0, |c| u64::try_from(c.n).unwrap_or(0)))
}

/// PostgreSQL's estimate of how many rows `rows` returns.
async fn planner_estimate(db: &impl ConnectionTrait, rows: &SelectStatement) -> Result<u64> {
    let stmt = DbBackend::Postgres.build(rows);
    let explain = Statement::from_sql_and_values(
        DbBackend::Postgres,
        format!("EXPLAIN (FORMAT JSON) {}", stmt.sql),
        stmt.values.map(|v| v.0).unwrap_or_default(),
    );
    let plan = db
        .query_one_raw(explain)
        .await?
        .and_then(|row| row.try_get_by_index::<serde_json::Value>(0).ok());
    let Some(rows) = plan
        .as_ref()
        .and_then(|plan| plan.pointer("/0/Plan/Plan Rows"))
        .and_then(serde_json::Value::as_f64)
    else {
        tracing::warn!(
            ?plan,
            "no row estimate in the query plan; the total says its floor"
        );
        return Ok(0);
    };
    // A float of at most the table's size, which fits.
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    Ok(rows.max(0.0) as u64)
}

/// SQLite: the width of the table's rowid range times the share of a uniform
/// sample of rowids in it that exist and match; returns the estimate and the
/// share.
async fn sampled_estimate(
    db: &impl ConnectionTrait,
    rows: &SelectStatement,
    table: &str,
) -> Result<(u64, f64)> {
    let range = Statement::from_string(
        DbBackend::Sqlite,
        // Two subqueries: SQLite answers a lone MIN or MAX of the rowid from
        // the b-tree's ends, but both in one SELECT by reading every row.
        format!(
            "SELECT (SELECT MIN(rowid) FROM \"{table}\") AS low, \
             (SELECT MAX(rowid) FROM \"{table}\") AS high"
        ),
    );
    let range = RowidRange::find_by_statement(range).one(db).await?;
    let (Some(low), Some(high)) = range.map_or((None, None), |r| (r.low, r.high)) else {
        return Ok((0, 0.0));
    };
    let width = u64::try_from(high - low + 1).unwrap_or(0);
    if width == 0 {
        return Ok((0, 0.0));
    }

    // The same query on the same rows draws the same sample.
    let stmt = DbBackend::Sqlite.build(rows);
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    stmt.sql.hash(&mut hasher);
    format!("{:?}", stmt.values).hash(&mut hasher);
    (low, high).hash(&mut hasher);
    let mut rng = rand::rngs::StdRng::seed_from_u64(hasher.finish());

    // Distinct rowids (`IN` would look a repeated one up once), drawn in two
    // rounds: the second only if the first found too few matches to trust.
    let size = SAMPLE.min(width);
    let mut drawn = std::collections::BTreeSet::new();
    let mut hits = 0;
    for round in [FIRST_SAMPLE.min(size), size] {
        let mut sample = Vec::new();
        while (drawn.len() as u64) < round {
            let rowid = rng.random_range(low..=high);
            if drawn.insert(rowid) {
                sample.push(rowid);
            }
        }
        if !sample.is_empty() {
            hits += hits_among(db, rows, table, &sample).await?;
        }
        if hits >= ENOUGH_HITS {
            break;
        }
    }
    let looked_up = drawn.len().max(1) as u64;
    #[allow(clippy::cast_precision_loss)]
    let share = hits as f64 / looked_up as f64;
    Ok((width.saturating_mul(hits) / looked_up, share))
}

/// How many of `rowids` are rows of `table` that `rows` returns.
async fn hits_among(
    db: &impl ConnectionTrait,
    rows: &SelectStatement,
    table: &str,
    rowids: &[i64],
) -> Result<u64> {
    let list = rowids
        .iter()
        .map(i64::to_string)
        .collect::<Vec<_>>()
        .join(",");
    let mut sampled = rows.clone();
    sampled.and_where(Expr::cust(format!("\"{table}\".rowid IN ({list})")));
    let outer = Query::select()
        .expr_as(Expr::cust("COUNT(*)"), Alias::new("n"))
        .from_subquery(sampled, Alias::new("matching"))
        .to_owned();
    let mut stmt = DbBackend::Sqlite.build(&outer);
    // Left to itself, SQLite may walk a filter's index (all its matches) and
    // test each against the sample; `NOT INDEXED` keeps it to the sampled
    // rowids, which it still looks up directly. The list queries select from
    // their table once, unaliased; anything else is counted as it comes.
    let from = format!("FROM \"{table}\" WHERE");
    if stmt.sql.matches(&from).count() == 1 {
        stmt.sql = stmt
            .sql
            .replacen(&from, &format!("FROM \"{table}\" NOT INDEXED WHERE"), 1);
    }
    let counted = Counted::find_by_statement(stmt).one(db).await?;
    Ok(counted.map_or(0, |c| u64::try_from(c.n).unwrap_or(0)))
}

/// `n` to three significant digits: 812,345 is 812,000.
fn round_estimate(n: u64) -> u64 {
    let mut unit = 1;
    while n / unit >= 1000 {
        unit *= 10;
    }
    (n + unit / 2) / unit * unit
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn estimates_keep_three_significant_digits_and_stay_above_the_exact_range() {
        assert_eq!(round_estimate(999), 999);
        assert_eq!(round_estimate(10_051), 10_100);
        assert_eq!(round_estimate(812_345), 812_000);
        assert_eq!(round_estimate(1_234_567), 1_230_000);
        assert_eq!(round_estimate(10_001).max(ESTIMATE_AT_LEAST), 10_100);
        const { assert!(ESTIMATE_AT_LEAST > EXACT_UP_TO) };
    }
}
