//! Days picked in the browser's time zone as the API's instants: a "From" day
//! is the instant it starts, a "To" day the instant the next one starts (the
//! API's ends are exclusive), so a range includes both whole days. Filters keep
//! the instants in the address and show the days in date inputs.

use chrono::{DateTime, Local, NaiveDate, TimeDelta, Utc};

/// The start of `date` in the browser's time zone. Where the clocks skip
/// midnight, the day starts at the first hour that exists.
pub fn local_day_start(date: NaiveDate) -> Option<DateTime<Utc>> {
    (0..3).find_map(|hour| {
        date.and_hms_opt(hour, 0, 0)?
            .and_local_timezone(Local)
            .earliest()
            .map(|at| at.with_timezone(&Utc))
    })
}

pub fn parse_date(value: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(value, "%Y-%m-%d").ok()
}

/// The "From" date input's value for a range starting at `at`.
pub fn from_date_value(at: DateTime<Utc>) -> String {
    at.with_timezone(&Local).format("%Y-%m-%d").to_string()
}

/// The "To" date input's value for a range ending (exclusively) at `at`: the
/// last day it includes.
pub fn to_date_value(at: DateTime<Utc>) -> String {
    from_date_value(at - TimeDelta::nanoseconds(1))
}

/// The `from` parameter for the date typed in "From": the start of that day,
/// or `current` unchanged when it falls on that day (an exact time from the
/// address stays as it was). Text that is not a date is passed on for the
/// parser to explain.
pub fn from_param(draft: &str, current: Option<DateTime<Utc>>) -> String {
    date_param(draft, current, from_date_value, Some)
}

/// The `to` parameter for the date typed in "To": the end of that day (the
/// start of the next), or `current` unchanged when it still ends that day.
pub fn to_param(draft: &str, current: Option<DateTime<Utc>>) -> String {
    date_param(draft, current, to_date_value, |date| date.succ_opt())
}

fn date_param(
    draft: &str,
    current: Option<DateTime<Utc>>,
    shown: fn(DateTime<Utc>) -> String,
    day_to_start: fn(NaiveDate) -> Option<NaiveDate>,
) -> String {
    let draft = draft.trim();
    if draft.is_empty() {
        return String::new();
    }
    if let Some(at) = current.filter(|at| shown(*at) == draft) {
        return at.to_rfc3339();
    }
    parse_date(draft)
        .and_then(day_to_start)
        .and_then(local_day_start)
        .map_or_else(|| draft.to_string(), |at| at.to_rfc3339())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn instant(param: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(param)
            .map(|at| at.with_timezone(&Utc))
            .unwrap_or_else(|e| panic!("{param}: {e}"))
    }

    #[test]
    fn a_picked_range_covers_both_whole_days_in_the_browsers_time_zone() {
        let from = instant(&from_param("2026-03-14", None));
        let to = instant(&to_param("2026-03-15", None));
        assert_eq!(from_date_value(from), "2026-03-14");
        assert_eq!(to_date_value(to), "2026-03-15");
        assert!(to - from >= TimeDelta::hours(47), "{from} .. {to}");
        let one_day = instant(&to_param("2026-03-14", None)) - from;
        assert!(
            (TimeDelta::hours(23)..=TimeDelta::hours(25)).contains(&one_day),
            "{one_day}"
        );
    }

    #[test]
    fn an_exact_time_from_the_address_stays_while_its_day_is_unchanged() {
        let at = instant("2026-03-14T12:30:00+00:00");
        let day = from_date_value(at);
        assert_eq!(instant(&from_param(&day, Some(at))), at);
        assert_eq!(instant(&to_param(&to_date_value(at), Some(at))), at);
        assert_ne!(instant(&from_param("2026-03-01", Some(at))), at);
    }

    #[test]
    fn text_that_is_not_a_date_is_left_for_the_parser_to_explain() {
        assert_eq!(from_param("", None), "");
        assert_eq!(to_param("  ", None), "");
        assert_eq!(from_param("yesterday", None), "yesterday");
    }
}
