//! A short-lived success message, announced politely to screen readers.

use std::time::Duration;

use leptos::prelude::*;

/// How long a notice stays before it fades out on its own.
const NOTICE_LIFETIME: Duration = Duration::from_secs(8);

/// A notice carried over to the next page: a deletion, which leaves the
/// page it was made on, is told on the list it returns to.
#[derive(Debug, Clone, Copy)]
pub struct Carried(StoredValue<Option<String>>);

impl Carried {
    /// Provides the (empty) carrier to the app.
    pub fn provide() {
        provide_context(Self(StoredValue::new(None)));
    }

    /// Leaves `message` for the next page that takes it.
    pub fn leave(message: String) {
        if let Some(carried) = use_context::<Self>() {
            carried.0.set_value(Some(message));
        }
    }

    /// The message left for this page, if any (once).
    pub fn take() -> Option<String> {
        use_context::<Self>().and_then(|carried| carried.0.try_update_value(Option::take).flatten())
    }
}

/// Shows `message` while it is `Some`, with a dismiss button; clears it after a
/// few seconds.
#[component]
pub fn Notice(message: RwSignal<Option<String>>) -> impl IntoView {
    let timer = StoredValue::new(None::<TimeoutHandle>);
    let stop_timer = move || {
        if let Some(handle) = timer.try_update_value(Option::take).flatten() {
            handle.clear();
        }
    };
    Effect::new(move |_| {
        if message.with(Option::is_some) {
            stop_timer();
            let handle = set_timeout_with_handle(
                move || {
                    message.try_set(None);
                },
                NOTICE_LIFETIME,
            );
            timer.set_value(handle.ok());
        }
    });
    on_cleanup(stop_timer);

    // The live region stays in the page so changes inside it are announced.
    view! {
        <div class="notice-region" role="status" aria-live="polite">
            {move || {
                message
                    .get()
                    .map(|text| {
                        view! {
                            <div class="notice notice-success">
                                <span class="notice-text">{text}</span>
                                <button
                                    type="button"
                                    class="notice-dismiss"
                                    aria-label="Dismiss"
                                    on:click=move |_| message.set(None)
                                >
                                    "×"
                                </button>
                            </div>
                        }
                    })
            }}
        </div>
    }
}
