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
//! - SQLite, which has no such estimate: a uniform sample of rowids. The table's
//!   rowids run from 1 to its largest (a deleted row leaves a hole that never
//!   matches), so the share of sampled rowids that exist and match, times the
//!   largest rowid, estimates the count.
//!
//! Either way the estimate is at least `EXACT_UP_TO + 1`, since that many were
//! counted, and is rounded to three significant digits so that nobody takes it
//! for exact.

use rand::Rng;
use sea_orm::sea_query::{Alias, Expr, Query, SelectStatement};
use sea_orm::{
    ConnectionTrait, DbBackend, EntityTrait, FromQueryResult, QuerySelect, QueryTrait, Select,
    Statement,
};

use crate::error::Result;

/// Up to this many matches, totals are exact.
pub(crate) const EXACT_UP_TO: u64 = 10_000;

/// How many rowids the SQLite estimate looks up. Its relative error is about
/// `1 / sqrt(SAMPLE * share)`: ±10% for a filter that matches one row in ten.
const SAMPLE: usize = 4_000;

/// A list's total.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Total {
    pub(crate) count: u64,
    pub(crate) is_estimate: bool,
}

#[derive(FromQueryResult)]
struct Counted {
    n: i64,
}

/// The total of `select` (its filters; its order, limit and columns do not
/// matter). `table` is the entity's table name, for the SQLite sample.
pub(crate) async fn total<E: EntityTrait>(
    db: &impl ConnectionTrait,
    select: Select<E>,
    table: &str,
) -> Result<Total> {
    let backend = db.get_database_backend();
    let rows = select
        .select_only()
        .expr(Expr::val(1))
        .into_query()
        .clear_order_by()
        .to_owned();

    let capped = count(db, rows.clone().limit(EXACT_UP_TO + 1).to_owned()).await?;
    if capped <= EXACT_UP_TO {
        return Ok(Total {
            count: capped,
            is_estimate: false,
        });
    }
    let estimate = match backend {
        DbBackend::Postgres => planner_estimate(db, &rows).await?,
        _ => sampled_estimate(db, rows, table).await?,
    };
    Ok(Total {
        count: round_estimate(estimate.max(EXACT_UP_TO + 1)),
        is_estimate: true,
    })
}

/// `SELECT COUNT(*)` over the rows of `inner`.
async fn count(db: &impl ConnectionTrait, inner: SelectStatement) -> Result<u64> {
    count_by(db, count_statement(db.get_database_backend(), inner)).await
}

fn count_statement(backend: DbBackend, inner: SelectStatement) -> Statement {
    let outer = Query::select()
        .expr_as(Expr::cust("COUNT(*)"), Alias::new("n"))
        .from_subquery(inner, Alias::new("matching"))
        .to_owned();
    backend.build(&outer)
}

async fn count_by(db: &impl ConnectionTrait, stmt: Statement) -> Result<u64> {
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
    let rows = plan
        .as_ref()
        .and_then(|plan| plan.pointer("/0/Plan/Plan Rows"))
        .and_then(serde_json::Value::as_f64)
        .unwrap_or(0.0);
    // A float of at most the table's size, which fits.
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    Ok(rows.max(0.0) as u64)
}

/// SQLite: the largest rowid times the share of a uniform sample of rowids
/// that exist and match.
async fn sampled_estimate(
    db: &impl ConnectionTrait,
    rows: SelectStatement,
    table: &str,
) -> Result<u64> {
    let largest = {
        let stmt = Statement::from_string(
            DbBackend::Sqlite,
            format!("SELECT COALESCE(MAX(rowid), 0) AS n FROM \"{table}\""),
        );
        Counted::find_by_statement(stmt)
            .one(db)
            .await?
            .map_or(0, |c| u64::try_from(c.n).unwrap_or(0))
    };
    if largest == 0 {
        return Ok(0);
    }
    // Distinct rowids (`IN` would look a repeated one up once).
    let size = SAMPLE.min(usize::try_from(largest).unwrap_or(SAMPLE));
    let mut sample = std::collections::BTreeSet::new();
    let mut rng = rand::rng();
    while sample.len() < size {
        sample.insert(rng.random_range(1..=largest));
    }
    let list = sample
        .iter()
        .map(u64::to_string)
        .collect::<Vec<_>>()
        .join(",");
    let mut sampled = rows;
    sampled.and_where(Expr::cust(format!("\"{table}\".rowid IN ({list})")));
    let mut stmt = count_statement(DbBackend::Sqlite, sampled);
    // Left to itself, SQLite may walk a filter's index (all its matches) and
    // test each against the sample; `NOT INDEXED` keeps it to the sampled
    // rowids, which it still looks up directly.
    let from = format!("FROM \"{table}\" ");
    if stmt.sql.matches(&from).count() == 1 {
        stmt.sql = stmt
            .sql
            .replacen(&from, &format!("FROM \"{table}\" NOT INDEXED "), 1);
    }
    let hits = count_by(db, stmt).await?;
    Ok(largest.saturating_mul(hits) / size as u64)
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
    use super::round_estimate;

    #[test]
    fn estimates_keep_three_significant_digits() {
        assert_eq!(round_estimate(999), 999);
        assert_eq!(round_estimate(10_001), 10_000);
        assert_eq!(round_estimate(10_051), 10_100);
        assert_eq!(round_estimate(812_345), 812_000);
        assert_eq!(round_estimate(1_234_567), 1_230_000);
    }
}
