//! What a message with a link says: subject, plain text and HTML.

use std::time::Duration;

use roster_types::EmailTemplate;

use super::MailSettings;

fn escape_html(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// How long a link works, in words: "45 minutes", "1 hour", "1 hour 30 minutes".
fn validity(ttl: Duration) -> String {
    let minutes = ttl.as_secs().div_ceil(60).max(1);
    let (hours, minutes) = (minutes / 60, minutes % 60);
    let unit = |n: u64, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    match (hours, minutes) {
        (0, m) => unit(m, "minute", "minutes"),
        (h, 0) => unit(h, "hour", "hours"),
        (h, m) => format!(
            "{} {}",
            unit(h, "hour", "hours"),
            unit(m, "minute", "minutes")
        ),
    }
}

/// Subject, plain text and HTML of a message with a link.
pub(super) fn render(
    settings: &MailSettings,
    template: EmailTemplate,
    first_name: &str,
    link: &str,
    ttl: Duration,
) -> (String, String, String) {
    let product = &settings.product_name;
    let valid = validity(ttl);
    let (subject, intro, action) = match template {
        EmailTemplate::Welcome => (
            format!("Welcome to {product}"),
            format!("You have been given an account on {product}. Choose a password to sign in."),
            "Choose your password",
        ),
        EmailTemplate::PasswordReset => (
            format!("Choose a new {product} password"),
            "Someone (hopefully you) asked to choose a new password for your account.".to_string(),
            "Choose a new password",
        ),
    };
    let text = format!(
        "Hello {first_name},\n\n{intro}\n\n{action}: {link}\n\nThe link works once, for {valid}. \
         If you did not expect this email, you can ignore it.\n\n{product}\n"
    );
    let html = format!(
        "<!doctype html><html><body style=\"font-family:system-ui,sans-serif;line-height:1.5\">\
         <p>Hello {},</p><p>{}</p><p><a href=\"{}\" style=\"display:inline-block;padding:.6em 1.2em;\
         background:#2453d6;color:#fff;border-radius:6px;text-decoration:none\">{}</a></p>\
         <p>The link works once, for {}. If you did not expect this email, you can ignore it.</p>\
         <p>{}</p></body></html>",
        escape_html(first_name),
        escape_html(&intro),
        escape_html(link),
        action,
        valid,
        escape_html(product)
    );
    (subject, text, html)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validity_is_said_in_minutes_and_hours() {
        let words = |secs| validity(Duration::from_secs(secs));
        assert_eq!(words(15 * 60), "15 minutes");
        assert_eq!(words(60), "1 minute");
        assert_eq!(words(3600), "1 hour");
        assert_eq!(words(90 * 60), "1 hour 30 minutes");
        assert_eq!(words(72 * 3600), "72 hours");
    }
}
