//! The audit trail, page by page and as a CSV file.

use roster_types::{AuditEventList, AuditEventQuery};
use web_sys::{AbortSignal, Blob};

use super::{Api, ApiError, Call};

impl Api {
    /// A page of the audit trail, newest first (admins only).
    pub async fn list_audit_events(
        &self,
        query: &AuditEventQuery,
        abort: Option<&AbortSignal>,
    ) -> Result<AuditEventList, ApiError> {
        self.call(Call::get("/audit-events").query(query).abort(abort))
            .await?
            .json()
            .await
    }

    /// The audit events matching `query`'s filters as a CSV file, to save. Sent
    /// through here rather than a plain link because a link cannot carry the
    /// access token.
    pub async fn download_audit_events_csv(
        &self,
        query: &AuditEventQuery,
    ) -> Result<Blob, ApiError> {
        self.call(Call::get("/audit-events.csv").query(query))
            .await?
            .blob()
            .await
    }
}
