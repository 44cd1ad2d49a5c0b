//! `audit_events`: the append-only audit trail (the databases refuse UPDATE and
//! DELETE on it).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_events")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub occurred_at: DateTimeUtc,
    pub action: String,
    pub outcome: String,
    pub actor_id: Option<Uuid>,
    pub actor_name: String,
    pub impersonator_id: Option<Uuid>,
    pub session_id: Option<Uuid>,
    pub target_type: Option<String>,
    pub target_id: Option<String>,
    pub target_name: Option<String>,
    /// The user the event is about (the target, or the member of a membership),
    /// for a person's History.
    pub subject_user_id: Option<Uuid>,
    pub request_id: Option<String>,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub details: Json,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
