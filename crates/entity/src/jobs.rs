//! `jobs`: every piece of background work, claimed with a renewable lease.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "jobs")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub kind: String,
    pub payload: Json,
    /// Who the job runs as: `{"kind": "system", "what": ...}`,
    /// `{"kind": "anonymous"}` or `{"kind": "user", "id": ...}`.
    pub principal: Json,
    pub request_id: Option<String>,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    /// `queued | running | succeeded | failed | cancelled`.
    pub status: String,
    pub run_at: DateTimeUtc,
    /// Claims so far; also the fencing token of the current claim.
    pub attempts: i32,
    pub max_attempts: i32,
    pub lease_until: Option<DateTimeUtc>,
    pub heartbeat_at: Option<DateTimeUtc>,
    /// The instance holding the lease.
    pub locked_by: Option<String>,
    pub progress_done: i64,
    pub progress_total: Option<i64>,
    pub progress_message: Option<String>,
    pub result: Option<Json>,
    pub last_error: Option<String>,
    pub dedup_key: Option<String>,
    /// The user who started it, if a user did.
    pub created_by: Option<Uuid>,
    pub created_at: DateTimeUtc,
    pub started_at: Option<DateTimeUtc>,
    pub finished_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
