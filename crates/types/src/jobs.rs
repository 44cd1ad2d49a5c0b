//! Background jobs as the API shows them: status, progress, result, error.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::{Choice, ListQuery, Page, Pairs, param};

/// Where a job stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum JobStatus {
    /// Waiting for its time, or for a free runner.
    Queued,
    /// An instance is working on it.
    Running,
    /// Done; `result` says what came of it.
    Succeeded,
    /// Given up; `last_error` says why.
    Failed,
    /// Called off before it ran.
    Cancelled,
}

impl JobStatus {
    pub const ALL: [JobStatus; 5] = [
        JobStatus::Queued,
        JobStatus::Running,
        JobStatus::Succeeded,
        JobStatus::Failed,
        JobStatus::Cancelled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            JobStatus::Queued => "queued",
            JobStatus::Running => "running",
            JobStatus::Succeeded => "succeeded",
            JobStatus::Failed => "failed",
            JobStatus::Cancelled => "cancelled",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            JobStatus::Queued => "Queued",
            JobStatus::Running => "Running",
            JobStatus::Succeeded => "Succeeded",
            JobStatus::Failed => "Failed",
            JobStatus::Cancelled => "Cancelled",
        }
    }
}

/// How far a job has come.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct JobProgress {
    /// Units done.
    pub done: u64,
    /// Units in all, when known.
    pub total: Option<u64>,
    /// What it is doing now, in words.
    pub message: Option<String>,
}

/// A background job.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Job {
    /// The job's id.
    pub id: Uuid,
    /// What kind of work it is: `mail.deliver`, `housekeeping`, ...
    #[cfg_attr(feature = "openapi", schema(example = "housekeeping"))]
    pub kind: String,
    pub status: JobStatus,
    /// The user who started it; null for work Roster started itself.
    pub created_by: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    /// When it is (or was) due.
    pub run_at: DateTime<Utc>,
    /// When it first started running.
    pub started_at: Option<DateTime<Utc>>,
    /// When it succeeded, failed or was cancelled.
    pub finished_at: Option<DateTime<Utc>>,
    /// Times it was taken up so far.
    pub attempts: i32,
    /// Times it may be taken up before it fails.
    pub max_attempts: i32,
    pub progress: JobProgress,
    /// What came of it, once it succeeded.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub result: Option<serde_json::Value>,
    /// Why the last attempt failed.
    pub last_error: Option<String>,
}

/// A page of jobs, newest first.
pub type JobList = Page<Job>;

/// Query parameters of `GET /api/v1/jobs`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct JobListQuery {
    /// Only jobs of this kind.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// Only jobs with this status.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<JobStatus>,
    /// 1-based page number (default 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", param(minimum = 1))]
    pub page: Option<u32>,
    /// Items per page (default 25, at most 200).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", param(minimum = 1, maximum = 200))]
    pub per_page: Option<u32>,
}

impl Choice for JobStatus {
    const ALL: &'static [Self] = &JobStatus::ALL;
    const HINT: &'static str = "Use queued, running, succeeded, failed or cancelled.";
    fn as_str(self) -> &'static str {
        JobStatus::as_str(self)
    }
}

impl ListQuery for JobListQuery {
    fn take(&mut self, key: &str, value: &str) -> Result<(), String> {
        match key {
            "kind" if value.len() > 100 || !value.bytes().all(|b| b.is_ascii_graphic()) => {
                return Err("Use a job kind such as housekeeping.".into());
            }
            "kind" => self.kind = (!value.is_empty()).then(|| value.to_string()),
            "status" => self.status = param::choice(value)?,
            "page" => self.page = param::page(value)?,
            "per_page" => self.per_page = param::per_page(value)?,
            _ => {}
        }
        Ok(())
    }

    fn write(&self, out: &mut Pairs) {
        out.put("kind", self.kind.as_ref());
        out.put("status", self.status.as_ref());
        out.put("page", self.page.as_ref());
        out.put("per_page", self.per_page.as_ref());
    }
}
