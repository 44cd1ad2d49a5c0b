//! The audit table's state as it lives in the address bar: the parameters of
//! [`AuditEventQuery`], read with its own parser so the address and the API
//! agree on what each one means. Reload and Back keep the filters.

use roster_types::{AuditEventQuery, FieldError, ListQuery};

/// The page sizes offered.
pub const PER_PAGE_CHOICES: &[u32] = &[25, 50, 100];

/// Every parameter of [`AuditEventQuery`], as the query string names it.
pub const PARAMS: [&str; 12] = [
    "actor_id",
    "target_user_id",
    "target_type",
    "target_id",
    "action",
    "outcome",
    "session_id",
    "request_id",
    "from",
    "to",
    "page",
    "per_page",
];

/// What the address asks the audit table for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditAddress {
    /// The query, leaving out the parameters that could not be read.
    pub query: AuditEventQuery,
    /// The parameters as the address has them, bad ones included, so the
    /// filter form can show what was asked for.
    raw: Vec<(&'static str, String)>,
    /// Why the parameters left out could not be read.
    pub errors: Vec<FieldError>,
}

impl AuditAddress {
    /// Reads the (already decoded) query parameters that `param` looks up. A
    /// parameter that does not parse is left out of the query and explained in
    /// `errors`; an unknown page size falls back to the default, as on the
    /// other tables.
    pub fn from_params(param: impl Fn(&str) -> Option<String>) -> Self {
        let raw: Vec<(&'static str, String)> = PARAMS
            .iter()
            .filter_map(|&key| param(key).map(|value| (key, value)))
            .collect();
        let (mut query, errors) = AuditEventQuery::from_pairs_lenient(
            raw.iter().map(|(key, value)| (*key, value.as_str())),
        );
        if query
            .per_page
            .is_some_and(|size| !PER_PAGE_CHOICES.contains(&size))
        {
            query.per_page = None;
        }
        Self { query, raw, errors }
    }

    /// The address's value of `key`, as written (empty when absent).
    pub fn raw(&self, key: &str) -> String {
        self.raw
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, value)| value.clone())
            .unwrap_or_default()
    }
}

/// The same filters without the page: what the CSV download exports.
pub fn all_pages(query: &AuditEventQuery) -> AuditEventQuery {
    AuditEventQuery {
        page: None,
        per_page: None,
        ..query.clone()
    }
}

/// Whether `query` narrows the trail down at all.
pub fn is_filtered(query: &AuditEventQuery) -> bool {
    all_pages(query) != AuditEventQuery::default()
}

/// The encoded query string (with its `?`, or empty) of `query`.
pub fn to_query_string(query: &AuditEventQuery) -> String {
    query.to_query_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use roster_types::AuditOutcome;
    use uuid::Uuid;

    fn from(pairs: &[(&str, &'static str)]) -> AuditAddress {
        AuditAddress::from_params(|key| {
            pairs
                .iter()
                .find(|(k, _)| *k == key)
                .map(|(_, v)| v.to_string())
        })
    }

    #[test]
    fn every_parameter_of_the_query_is_read_from_the_address() {
        let full = AuditEventQuery {
            actor_id: Some(Uuid::nil()),
            target_user_id: Some(Uuid::nil()),
            target_type: Some("user".into()),
            target_id: Some("x".into()),
            action: Some("user.".into()),
            outcome: Some(AuditOutcome::Error),
            session_id: Some(Uuid::nil()),
            request_id: Some("r".into()),
            from: Some(chrono::DateTime::UNIX_EPOCH),
            to: Some(chrono::DateTime::UNIX_EPOCH),
            page: Some(2),
            per_page: Some(50),
        };
        let pairs = full.to_pairs();
        assert_eq!(pairs.len(), PARAMS.len());
        let read = AuditAddress::from_params(|key| {
            pairs
                .iter()
                .find(|(k, _)| *k == key)
                .map(|(_, v)| v.clone())
        });
        assert_eq!(read.query, full);
        assert!(read.errors.is_empty());
    }

    #[test]
    fn a_bad_parameter_is_explained_and_left_out_while_the_rest_applies() {
        let address = from(&[
            ("actor_id", "nope"),
            ("action", "user."),
            ("outcome", "refused"),
        ]);
        assert_eq!(
            address.query,
            AuditEventQuery {
                action: Some("user.".into()),
                outcome: Some(AuditOutcome::Refused),
                ..AuditEventQuery::default()
            }
        );
        let fields: Vec<_> = address.errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["actor_id"]);
        assert_eq!(address.raw("actor_id"), "nope");
        assert_eq!(address.raw("request_id"), "");
    }

    #[test]
    fn a_range_that_ends_before_it_starts_keeps_its_start() {
        let address = from(&[("from", "2026-03-14"), ("to", "2026-03-01")]);
        assert!(address.query.from.is_some());
        assert_eq!(address.query.to, None);
        assert_eq!(address.errors[0].field, "to");
    }

    #[test]
    fn an_unoffered_page_size_is_left_out() {
        assert_eq!(from(&[("per_page", "7")]).query.per_page, None);
    }

    #[test]
    fn only_filters_count_as_filtering() {
        let paged = AuditEventQuery {
            page: Some(4),
            per_page: Some(100),
            ..AuditEventQuery::default()
        };
        assert!(!is_filtered(&paged));
        assert_eq!(all_pages(&paged), AuditEventQuery::default());
        let filtered = AuditEventQuery {
            outcome: Some(AuditOutcome::Success),
            ..paged
        };
        assert!(is_filtered(&filtered));
    }
}
