//! A user's account status as a coloured label.

use leptos::prelude::*;
use roster_types::UserStatus;

/// `Invited`, `Active` or `Suspended`, styled by status.
#[component]
pub fn StatusBadge(#[prop(into)] status: Signal<UserStatus>) -> impl IntoView {
    view! {
        <span class=move || format!("badge badge-{}", status.get().as_str())>
            {move || status.get().label()}
        </span>
    }
}
