//! The query a page reads from the address, held while the address is not
//! the page's own: the router keeps the page it leaves on screen while it
//! fetches the next page's code, and that page must not act on an address
//! meant for the next one (refetch its table unfiltered, or navigate back
//! from a pending search).

use leptos::prelude::*;
use leptos_router::hooks::use_location;

/// The query string of the address while the path is the one the page was
/// opened at (`/users`, `/users/{id}/history`, with or without a trailing
/// slash), else the last one it was.
#[derive(Clone, Copy, Debug)]
pub struct OwnAddress {
    /// The raw query string (`?q=ada&page=2`), as `use_location().search` gives it.
    pub search: Memo<String>,
    here: Memo<bool>,
}

impl OwnAddress {
    /// Call it as the page is built: the router builds a page once the
    /// address is the page's.
    pub fn new() -> Self {
        let location = use_location();
        let own = location.pathname.get_untracked();
        let here = Memo::new(move |_| location.pathname.with(|path| *path == own));
        let search = Memo::new(move |previous: Option<&String>| match previous {
            Some(previous) if !here.get() => previous.clone(),
            _ => location.search.get(),
        });
        Self { search, here }
    }

    /// Whether the address is still the page's own: a page leaving does not
    /// navigate anywhere of its own accord.
    pub fn is_here(&self) -> bool {
        self.here.get_untracked()
    }
}

impl Default for OwnAddress {
    fn default() -> Self {
        Self::new()
    }
}
