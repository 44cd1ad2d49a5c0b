//! Lists: the page every list answers with, and the one query-string codec of
//! every list query. The server parses requests with it and the SPA writes its
//! requests and its own address bar with it, so the two cannot disagree on what
//! a parameter means.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::FieldError;

/// Default page size of list endpoints.
pub const DEFAULT_PER_PAGE: u32 = 25;
/// Largest page size a list endpoint accepts.
pub const MAX_PER_PAGE: u32 = 200;

/// One page of a list: its items and where it sits in the whole list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Page<T> {
    /// The items on this page, in the list's order.
    pub items: Vec<T>,
    /// Where this page sits in the whole list.
    pub page: PageInfo,
}

impl<T> Page<T> {
    /// A list small enough to be answered whole: one page holding everything.
    pub fn whole(items: Vec<T>) -> Self {
        let total = items.len();
        Self {
            page: PageInfo {
                page: 1,
                per_page: u32::try_from(total).unwrap_or(u32::MAX).max(1),
                total: total as u64,
                total_is_estimate: false,
            },
            items,
        }
    }
}

/// Pagination metadata of every list response.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PageInfo {
    /// The 1-based page number that was returned.
    #[cfg_attr(feature = "openapi", schema(example = 1))]
    pub page: u32,
    /// How many items a page holds.
    #[cfg_attr(feature = "openapi", schema(example = 25))]
    pub per_page: u32,
    /// How many items match the filters, across all pages: exact up to 10,000
    /// matches; beyond that it may be an estimate, rounded to three significant
    /// digits, and then `total_is_estimate` says so.
    #[cfg_attr(feature = "openapi", schema(example = 1342))]
    pub total: u64,
    /// Whether `total` is an estimate rather than an exact count. Pages past
    /// the estimate's end are served all the same (empty when nothing is there).
    pub total_is_estimate: bool,
}

impl PageInfo {
    /// The number of pages needed for `total` items (at least one).
    pub fn page_count(&self) -> u64 {
        self.total.div_ceil(u64::from(self.per_page.max(1))).max(1)
    }
}

/// The page number and size a list request asks for, defaults filled in and
/// the size clamped to what a list serves.
pub fn page_and_size(page: Option<u32>, per_page: Option<u32>) -> (u32, u32) {
    (
        page.unwrap_or(1).max(1),
        per_page.unwrap_or(DEFAULT_PER_PAGE).clamp(1, MAX_PER_PAGE),
    )
}

/// A list query that lives in a URL query string.
///
/// Implementors say how to take one parameter and how to write themselves
/// out; parsing a whole query (every bad parameter named), the lenient reading
/// an address bar needs and the encoding come with the trait.
pub trait ListQuery: Default + Sized {
    /// Takes the parameter `key` (its value trimmed; an empty value clears
    /// it). Unknown keys are ignored. The error says how to fix the value.
    fn take(&mut self, key: &str, value: &str) -> Result<(), String>;

    /// Checks that need every parameter, once all are taken.
    fn check(&self, _errors: &mut Vec<FieldError>) {}

    /// Writes every parameter that is set, in a stable order.
    fn write(&self, out: &mut Pairs);

    /// Parses query-string pairs, naming every bad parameter. A repeated
    /// parameter keeps its last value.
    fn from_pairs<'a>(
        pairs: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<Self, Vec<FieldError>> {
        let mut query = Self::default();
        let mut errors = Vec::new();
        for (key, value) in pairs {
            if let Err(message) = query.take(key, value.trim()) {
                errors.retain(|e: &FieldError| e.field != key);
                errors.push(FieldError::new(key, message));
            }
        }
        query.check(&mut errors);
        if errors.is_empty() {
            Ok(query)
        } else {
            Err(errors)
        }
    }

    /// Parses what can be parsed and explains the rest: what an address bar
    /// needs, where a bad parameter must not lose the good ones.
    fn from_pairs_lenient<'a>(
        pairs: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> (Self, Vec<FieldError>) {
        let pairs: Vec<(&str, &str)> = pairs.into_iter().collect();
        match Self::from_pairs(pairs.iter().copied()) {
            Ok(query) => (query, Vec::new()),
            Err(errors) => {
                // Every error names its parameter, so the rest parses; a
                // cross-parameter error names one of the two, and leaving it
                // out settles it.
                let good = pairs
                    .iter()
                    .copied()
                    .filter(|(key, _)| !errors.iter().any(|e| e.field == *key));
                (Self::from_pairs(good).unwrap_or_default(), errors)
            }
        }
    }

    /// The parameters that are set, as `key=value` pairs, not yet encoded.
    fn to_pairs(&self) -> Vec<(&'static str, String)> {
        let mut out = Pairs::default();
        self.write(&mut out);
        out.0
    }

    /// The encoded query string, with its leading `?` (empty when nothing is
    /// set).
    fn to_query_string(&self) -> String {
        encode(&self.to_pairs())
    }

    /// Parses an encoded query string such as `location.search` (with or
    /// without its `?`).
    fn from_query_string(raw: &str) -> Result<Self, Vec<FieldError>> {
        let pairs = decode(raw);
        Self::from_pairs(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())))
    }
}

/// The parameters a [`ListQuery`] writes out.
#[derive(Debug, Default)]
pub struct Pairs(Vec<(&'static str, String)>);

impl Pairs {
    /// Writes `key` when `value` is set.
    pub fn put<V: Param>(&mut self, key: &'static str, value: Option<&V>) {
        if let Some(value) = value {
            self.0.push((key, value.to_param()));
        }
    }
}

/// A value as a query parameter.
pub trait Param {
    fn to_param(&self) -> String;
}

impl Param for String {
    fn to_param(&self) -> String {
        self.clone()
    }
}

impl Param for u32 {
    fn to_param(&self) -> String {
        self.to_string()
    }
}

impl Param for Uuid {
    fn to_param(&self) -> String {
        self.to_string()
    }
}

impl Param for DateTime<Utc> {
    fn to_param(&self) -> String {
        self.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)
    }
}

/// A closed set of words a parameter takes, such as a status or a sort order.
pub trait Choice: Copy + 'static {
    /// Every value.
    const ALL: &'static [Self];
    /// How to fix a value that is none of them.
    const HINT: &'static str;
    /// The word in the query string.
    fn as_str(self) -> &'static str;
}

impl<C: Choice> Param for C {
    fn to_param(&self) -> String {
        self.as_str().to_string()
    }
}

/// Readers of parameter values: each takes a trimmed value, reads an empty
/// one as "not set", and says how to fix a bad one.
pub mod param {
    use super::*;

    /// One of a [`Choice`]'s words.
    pub fn choice<C: Choice>(value: &str) -> Result<Option<C>, String> {
        if value.is_empty() {
            return Ok(None);
        }
        C::ALL
            .iter()
            .copied()
            .find(|c| c.as_str() == value)
            .map(Some)
            .ok_or_else(|| C::HINT.to_string())
    }

    /// An id.
    pub fn uuid(value: &str) -> Result<Option<Uuid>, String> {
        if value.is_empty() {
            return Ok(None);
        }
        value
            .parse()
            .map(Some)
            .map_err(|_| "Use an id (a UUID).".to_string())
    }

    /// An RFC 3339 instant, or a bare date meaning its start in UTC.
    pub fn instant(value: &str) -> Result<Option<DateTime<Utc>>, String> {
        if value.is_empty() {
            return Ok(None);
        }
        crate::parse_instant(value)
            .map(Some)
            .ok_or_else(|| "Use a date (2026-01-31) or an RFC 3339 time.".to_string())
    }

    /// A 1-based page number.
    pub fn page(value: &str) -> Result<Option<u32>, String> {
        match value.parse::<u32>() {
            _ if value.is_empty() => Ok(None),
            Ok(n) if n >= 1 => Ok(Some(n)),
            _ => Err("Use a whole number of at least 1.".into()),
        }
    }

    /// A page size, 1 to [`MAX_PER_PAGE`].
    pub fn per_page(value: &str) -> Result<Option<u32>, String> {
        match value.parse::<u32>() {
            _ if value.is_empty() => Ok(None),
            Ok(n) if (1..=MAX_PER_PAGE).contains(&n) => Ok(Some(n)),
            _ => Err(format!("Use a whole number from 1 to {MAX_PER_PAGE}.")),
        }
    }

    /// A search term (see [`crate::validate::check_search`]).
    pub fn search(value: &str) -> Result<Option<String>, String> {
        crate::validate::check_search(value)
    }

    /// Longest free-text filter value.
    pub const MAX_TEXT: usize = 200;

    /// A free-text filter: at most [`MAX_TEXT`] characters, no control
    /// characters.
    pub fn text(value: &str) -> Result<Option<String>, String> {
        if value.is_empty() {
            return Ok(None);
        }
        if value.chars().count() > MAX_TEXT {
            return Err(format!("Use at most {MAX_TEXT} characters."));
        }
        if value.chars().any(char::is_control) {
            return Err("Remove the control characters.".into());
        }
        Ok(Some(value.to_string()))
    }
}

/// Encodes pairs as a query string with its `?` (empty for no pairs), the way
/// forms do (`application/x-www-form-urlencoded`).
pub fn encode<K: AsRef<str>, V: AsRef<str>>(pairs: &[(K, V)]) -> String {
    if pairs.is_empty() {
        return String::new();
    }
    let mut out = String::from("?");
    for (i, (key, value)) in pairs.iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        escape_into(&mut out, key.as_ref());
        out.push('=');
        escape_into(&mut out, value.as_ref());
    }
    out
}

/// Decodes a query string (with or without its `?`) into pairs, `+` read as a
/// space and malformed escapes kept as they are.
pub fn decode(raw: &str) -> Vec<(String, String)> {
    raw.strip_prefix('?')
        .unwrap_or(raw)
        .split('&')
        .filter(|part| !part.is_empty())
        .map(|part| {
            let (key, value) = part.split_once('=').unwrap_or((part, ""));
            (unescape(key), unescape(value))
        })
        .collect()
}

fn escape_into(out: &mut String, s: &str) {
    for byte in s.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(char::from(byte));
            }
            _ => {
                const HEX: &[u8; 16] = b"0123456789ABCDEF";
                out.push('%');
                out.push(char::from(HEX[usize::from(byte >> 4)]));
                out.push(char::from(HEX[usize::from(byte & 0xf)]));
            }
        }
    }
}

fn unescape(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => match (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                (Some(hi), Some(lo)) => {
                    out.push(hi << 4 | lo);
                    i += 2;
                }
                _ => out.push(b'%'),
            },
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn hex(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encoding_round_trips_every_byte_that_needs_escaping() {
        let pairs = [("q", "50% off & more + ü/é?="), ("a b", "")];
        let encoded = encode(&pairs);
        assert_eq!(
            encoded,
            "?q=50%25%20off%20%26%20more%20%2B%20%C3%BC%2F%C3%A9%3F%3D&a%20b="
        );
        let decoded = decode(&encoded);
        let expected: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        assert_eq!(decoded, expected);
    }

    #[test]
    fn decoding_reads_plus_as_space_and_keeps_broken_escapes() {
        assert_eq!(
            decode("q=a+b&r=%zz&s=%4&t"),
            [
                ("q".to_string(), "a b".to_string()),
                ("r".to_string(), "%zz".to_string()),
                ("s".to_string(), "%4".to_string()),
                ("t".to_string(), String::new()),
            ]
        );
    }

    #[test]
    fn a_whole_page_counts_its_items() {
        let page = Page::whole(vec![1, 2, 3]);
        assert_eq!(
            page.page,
            PageInfo {
                page: 1,
                per_page: 3,
                total: 3,
                total_is_estimate: false,
            }
        );
        assert_eq!(Page::<u8>::whole(vec![]).page.page_count(), 1);
    }
}
