//! How values read on screen: dates in the browser's time zone, counts in words.

use chrono::{DateTime, Local, Utc};
use roster_types::PageInfo;

/// A calendar date in the browser's time zone, e.g. `14 Mar 2026`.
pub fn local_date(at: DateTime<Utc>) -> String {
    at.with_timezone(&Local).format("%-d %b %Y").to_string()
}

/// Date and time in the browser's time zone, e.g. `14 Mar 2026, 09:05`.
pub fn local_date_time(at: DateTime<Utc>) -> String {
    at.with_timezone(&Local)
        .format("%-d %b %Y, %H:%M")
        .to_string()
}

/// Date and time to the second in the browser's time zone, with the zone's
/// offset, e.g. `14 Mar 2026, 09:05:07 +01:00`: for records such as the audit
/// trail, where the order of nearby events matters.
pub fn local_timestamp(at: DateTime<Utc>) -> String {
    at.with_timezone(&Local)
        .format("%-d %b %Y, %H:%M:%S %:z")
        .to_string()
}

/// `count` followed by the right form of `noun`, e.g. `1 user`, `42 users`.
pub fn count_of(count: u64, singular: &str, plural: &str) -> String {
    if count == 1 {
        format!("1 {singular}")
    } else {
        format!("{count} {plural}")
    }
}

/// `n` with thousands separated by commas: `812,000`.
pub fn grouped(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

/// A list's total in words: `1,342 users`, or `about 812,000 users` when the
/// server estimated it.
pub fn total_of(page: &PageInfo, singular: &str, plural: &str) -> String {
    if page.total_is_estimate {
        format!("about {} {plural}", grouped(page.total))
    } else if page.total == 1 {
        format!("1 {singular}")
    } else {
        format!("{} {plural}", grouped(page.total))
    }
}

/// How long to wait, in words: seconds under a minute and a half, whole minutes
/// (rounded up) after that, e.g. `30 seconds`, `15 minutes`.
pub fn wait_time(seconds: u64) -> String {
    if seconds < 90 {
        count_of(seconds, "second", "seconds")
    } else {
        count_of(seconds.div_ceil(60), "minute", "minutes")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn totals_group_thousands_and_say_when_they_are_estimates() {
        let page = |total, total_is_estimate| PageInfo {
            page: 1,
            per_page: 25,
            total,
            total_is_estimate,
        };
        assert_eq!(grouped(0), "0");
        assert_eq!(grouped(999), "999");
        assert_eq!(grouped(1_000), "1,000");
        assert_eq!(grouped(1_234_567), "1,234,567");
        assert_eq!(total_of(&page(1, false), "user", "users"), "1 user");
        assert_eq!(
            total_of(&page(1_342, false), "user", "users"),
            "1,342 users"
        );
        assert_eq!(
            total_of(&page(812_000, true), "event", "events"),
            "about 812,000 events"
        );
    }

    #[test]
    fn counts_use_the_singular_only_for_one() {
        assert_eq!(count_of(0, "user", "users"), "0 users");
        assert_eq!(count_of(1, "user", "users"), "1 user");
        assert_eq!(count_of(42, "user", "users"), "42 users");
    }

    #[test]
    fn long_waits_read_in_minutes_rounded_up() {
        assert_eq!(wait_time(1), "1 second");
        assert_eq!(wait_time(89), "89 seconds");
        assert_eq!(wait_time(90), "2 minutes");
        assert_eq!(wait_time(900), "15 minutes");
        assert_eq!(wait_time(901), "16 minutes");
    }
}
