//! A live estimate of how hard a password being typed would be to guess. The
//! estimate comes from the server, whose estimator (zxcvbn) is the one that
//! decides: the meter and the refusal always agree, and the word lists stay
//! out of the web app.

use gloo_timers::future::TimeoutFuture;
use leptos::prelude::*;
use leptos::task::spawn_local;
use roster_types::{PasswordStrength, PasswordStrengthRequest};

use crate::api::Api;

/// How long typing must pause before the password is estimated.
const PAUSE_MS: u32 = 250;

/// The estimate of one password.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Estimate {
    /// The password it is for: an estimate of what was typed before is stale.
    pub password: String,
    pub strength: PasswordStrength,
}

impl Estimate {
    /// Why Roster would refuse the password, if it would; worded like the
    /// server's refusal.
    pub fn refusal(&self) -> Option<String> {
        let strength = &self.strength;
        if strength.acceptable {
            return None;
        }
        if let Some(warning) = &strength.warning
            && warning.starts_with("Use at")
        {
            return Some(warning.clone());
        }
        let mut message = match &strength.warning {
            Some(warning) => format!(
                "This password would be easy to guess: {}",
                lower_first(warning)
            ),
            None => "This password would be easy to guess.".to_string(),
        };
        if let Some(suggestion) = strength.suggestions.first() {
            message.push(' ');
            message.push_str(suggestion);
        }
        Some(message)
    }
}

fn lower_first(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// The word for a score, as the meter's label.
pub fn verdict(strength: &PasswordStrength) -> &'static str {
    match (strength.acceptable, strength.score) {
        (false, 0 | 1) => "Very weak",
        (false, 2) => "Weak",
        (false, _) => "Not yet",
        (true, 3) => "Good",
        (true, _) => "Strong",
    }
}

/// The meter under a new-password field: `#<id>` holds a `<meter>` (0-4), the
/// verdict, what makes the password weak and how to make it stronger. It
/// updates a moment after typing pauses, and is announced politely. `estimate`
/// receives the latest estimate, for the form to act on.
#[component]
pub fn PasswordMeter(
    id: &'static str,
    password: RwSignal<String>,
    estimate: RwSignal<Option<Estimate>>,
    /// The set-password link's token: the account's words then count.
    #[prop(optional)]
    token: Option<String>,
) -> impl IntoView {
    let api = Api::expect();
    let generation = StoredValue::new(0_u64);
    let token = StoredValue::new(token);
    Effect::new(move |_| {
        let typed = password.get();
        let this = generation.get_value() + 1;
        generation.set_value(this);
        if typed.is_empty() {
            estimate.set(None);
            return;
        }
        spawn_local(async move {
            TimeoutFuture::new(PAUSE_MS).await;
            if generation.get_value() != this {
                return;
            }
            let request = PasswordStrengthRequest {
                password: typed.clone(),
                token: token.get_value(),
            };
            // Without an answer the meter stays empty; the password is
            // still checked when it is set.
            if let Ok(strength) = api.password_strength(&request).await
                && generation.get_value() == this
            {
                estimate.set(Some(Estimate {
                    password: typed,
                    strength,
                }));
            }
        });
    });
    let current = move || {
        estimate
            .get()
            .filter(|e| password.with(|typed| *typed == e.password))
    };
    view! {
        <div class="password-meter" id=id aria-live="polite">
            {move || {
                current()
                    .map(|e| {
                        let strength = e.strength.clone();
                        let score = strength.score.to_string();
                        let label = verdict(&strength);
                        view! {
                            <meter
                                id=format!("{id}-meter")
                                min="0"
                                max="4"
                                low="2.5"
                                high="3.5"
                                optimum="4"
                                value=score.clone()
                                aria-label="Password strength"
                            ></meter>
                            <p
                                class="password-verdict"
                                class:password-weak=!strength.acceptable
                                id=format!("{id}-verdict")
                                data-score=score
                                data-acceptable=strength.acceptable.to_string()
                            >
                                {format!("Strength: {label}")}
                                {strength.warning.clone().map(|w| format!(". {w}"))}
                            </p>
                            {(!strength.suggestions.is_empty())
                                .then(|| {
                                    view! {
                                        <ul class="password-tips">
                                            {strength
                                                .suggestions
                                                .iter()
                                                .map(|s| view! { <li>{s.clone()}</li> })
                                                .collect_view()}
                                        </ul>
                                    }
                                })}
                        }
                    })
            }}
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn estimate(score: u8, acceptable: bool, warning: Option<&str>) -> Estimate {
        Estimate {
            password: "x".into(),
            strength: PasswordStrength {
                score,
                acceptable,
                warning: warning.map(String::from),
                suggestions: vec!["Add another word or two.".into()],
            },
        }
    }

    #[test]
    fn a_refusal_reads_like_the_servers() {
        assert_eq!(estimate(4, true, None).refusal(), None);
        assert_eq!(
            estimate(0, false, Some("This is a very common password.")).refusal(),
            Some(
                "This password would be easy to guess: this is a very common password. Add another word or two."
                    .into()
            )
        );
        assert_eq!(
            estimate(4, false, Some("Use at least 10 characters.")).refusal(),
            Some("Use at least 10 characters.".into())
        );
    }

    #[test]
    fn the_verdict_follows_the_score_and_the_rule() {
        assert_eq!(verdict(&estimate(0, false, None).strength), "Very weak");
        assert_eq!(verdict(&estimate(2, false, None).strength), "Weak");
        assert_eq!(verdict(&estimate(4, false, None).strength), "Not yet");
        assert_eq!(verdict(&estimate(3, true, None).strength), "Good");
        assert_eq!(verdict(&estimate(4, true, None).strength), "Strong");
    }
}
