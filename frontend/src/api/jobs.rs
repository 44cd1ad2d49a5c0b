//! Background jobs: the list (admins) and one job's status, progress, result
//! and error.

use roster_types::{Job, JobList, JobListQuery};
use uuid::Uuid;
use web_sys::AbortSignal;

use super::{Api, ApiError, Call};

impl Api {
    /// A page of background jobs, newest first (admins only).
    pub async fn list_jobs(
        &self,
        query: &JobListQuery,
        abort: Option<&AbortSignal>,
    ) -> Result<JobList, ApiError> {
        self.call(Call::get("/jobs").query(query).abort(abort))
            .await?
            .json()
            .await
    }

    /// One job as it stands now (whoever started it, or an admin).
    pub async fn get_job(&self, id: Uuid, abort: Option<&AbortSignal>) -> Result<Job, ApiError> {
        self.call(Call::get(format!("/jobs/{id}")).abort(abort))
            .await?
            .json()
            .await
    }
}
