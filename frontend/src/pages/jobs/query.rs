//! The jobs table's state as it lives in the address bar: the parameters of
//! [`JobListQuery`], read with its own parser so the address and the API agree
//! on what each one means. Reload and Back keep the filters.

use roster_types::{FieldError, JobListQuery, ListQuery};

/// The page sizes offered.
pub const PER_PAGE_CHOICES: &[u32] = &[25, 50, 100];

/// Every parameter of [`JobListQuery`], as the query string names it.
pub const PARAMS: [&str; 4] = ["kind", "status", "page", "per_page"];

/// What the address asks the jobs table for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct JobsAddress {
    /// The query, leaving out the parameters that could not be read.
    pub query: JobListQuery,
    /// The kind as the address has it, a bad one included, so the filter form
    /// can show what was asked for.
    pub raw_kind: String,
    /// Why the parameters left out could not be read.
    pub errors: Vec<FieldError>,
}

impl JobsAddress {
    /// Reads the (already decoded) query parameters that `param` looks up. A
    /// parameter that does not parse is left out of the query and explained in
    /// `errors`; an unknown page size falls back to the default, as on the
    /// other tables.
    pub fn from_params(param: impl Fn(&str) -> Option<String>) -> Self {
        let raw: Vec<(&'static str, String)> = PARAMS
            .iter()
            .filter_map(|&key| param(key).map(|value| (key, value)))
            .collect();
        let (mut query, errors) =
            JobListQuery::from_pairs_lenient(raw.iter().map(|(key, value)| (*key, value.as_str())));
        if query
            .per_page
            .is_some_and(|size| !PER_PAGE_CHOICES.contains(&size))
        {
            query.per_page = None;
        }
        let raw_kind = raw
            .into_iter()
            .find(|(key, _)| *key == "kind")
            .map(|(_, value)| value)
            .unwrap_or_default();
        Self {
            query,
            raw_kind,
            errors,
        }
    }
}

/// Whether `query` narrows the list down at all.
pub fn is_filtered(query: &JobListQuery) -> bool {
    query.kind.is_some() || query.status.is_some()
}

#[cfg(test)]
mod tests {
    use super::*;
    use roster_types::JobStatus;

    fn from(pairs: &[(&str, &'static str)]) -> JobsAddress {
        JobsAddress::from_params(|key| {
            pairs
                .iter()
                .find(|(k, _)| *k == key)
                .map(|(_, v)| v.to_string())
        })
    }

    #[test]
    fn every_parameter_of_the_query_is_read_from_the_address() {
        let full = JobListQuery {
            kind: Some("mail.deliver".into()),
            status: Some(JobStatus::Running),
            page: Some(2),
            per_page: Some(50),
        };
        let pairs = full.to_pairs();
        assert_eq!(pairs.len(), PARAMS.len());
        let read = JobsAddress::from_params(|key| {
            pairs
                .iter()
                .find(|(k, _)| *k == key)
                .map(|(_, v)| v.clone())
        });
        assert_eq!(read.query, full);
        assert_eq!(read.raw_kind, "mail.deliver");
        assert!(read.errors.is_empty());
    }

    #[test]
    fn a_bad_parameter_is_explained_and_left_out_while_the_rest_applies() {
        let address = from(&[("kind", "mail deliver"), ("status", "failed")]);
        assert_eq!(
            address.query,
            JobListQuery {
                status: Some(JobStatus::Failed),
                ..JobListQuery::default()
            }
        );
        let fields: Vec<_> = address.errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["kind"]);
        assert_eq!(address.raw_kind, "mail deliver");

        let address = from(&[("status", "stuck"), ("kind", "housekeeping")]);
        assert_eq!(address.query.kind.as_deref(), Some("housekeeping"));
        assert_eq!(address.query.status, None);
        assert_eq!(address.errors[0].field, "status");
    }

    #[test]
    fn an_unoffered_page_size_is_left_out() {
        assert_eq!(from(&[("per_page", "7")]).query.per_page, None);
    }

    #[test]
    fn only_filters_count_as_filtering() {
        let paged = JobListQuery {
            page: Some(4),
            per_page: Some(100),
            ..JobListQuery::default()
        };
        assert!(!is_filtered(&paged));
        assert!(is_filtered(&JobListQuery {
            kind: Some("housekeeping".into()),
            ..paged
        }));
    }
}
