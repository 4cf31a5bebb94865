//! The bounded queue: at most `concurrent` requests render at once, at most `queue` more wait,
//! and one beyond that is refused at once (503 with `Retry-After`) instead of waiting.

use std::sync::Arc;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// Admission of requests that render audio.
#[derive(Debug, Clone)]
pub(crate) struct Admission {
    /// Rendering or waiting: `concurrent + queue` permits.
    places: Arc<Semaphore>,
    /// Rendering: `concurrent` permits.
    renderers: Arc<Semaphore>,
}

/// A request's place in the queue; dropping it (the request ended, or its client went away)
/// frees the place.
#[derive(Debug)]
pub(crate) struct Place(#[allow(dead_code)] OwnedSemaphorePermit);

/// The right to render; held for as long as the rendering runs, even when its client is gone.
#[derive(Debug)]
pub(crate) struct Turn(#[allow(dead_code)] OwnedSemaphorePermit);

impl Admission {
    pub(crate) fn new(concurrent: usize, queue: usize) -> Self {
        let concurrent = concurrent.max(1);
        Self {
            places: Arc::new(Semaphore::new(concurrent.saturating_add(queue))),
            renderers: Arc::new(Semaphore::new(concurrent)),
        }
    }

    /// A place, or `None` at once when every place is taken.
    pub(crate) fn try_enter(&self) -> Option<Place> {
        Arc::clone(&self.places).try_acquire_owned().ok().map(Place)
    }

    /// Waits for a turn to render (cancel-safe: a dropped wait takes nothing).
    pub(crate) async fn turn(&self) -> Option<Turn> {
        Arc::clone(&self.renderers)
            .acquire_owned()
            .await
            .ok()
            .map(Turn)
    }

    /// Places taken now (rendering or waiting), of `capacity`.
    pub(crate) fn taken(&self, capacity: usize) -> usize {
        capacity.saturating_sub(self.places.available_permits())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn places_beyond_the_queue_are_refused_and_freed_places_reused() {
        let admission = Admission::new(1, 2);
        let a = admission.try_enter();
        let b = admission.try_enter();
        let c = admission.try_enter();
        assert!(a.is_some() && b.is_some() && c.is_some());
        assert!(admission.try_enter().is_none(), "1 rendering + 2 waiting");
        assert_eq!(admission.taken(3), 3);
        drop(b);
        assert!(admission.try_enter().is_some());
    }

    #[test]
    fn one_turn_at_a_time() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .unwrap();
        rt.block_on(async {
            let admission = Admission::new(1, 4);
            let first = admission.turn().await;
            assert!(first.is_some());
            let second =
                tokio::time::timeout(std::time::Duration::from_millis(50), admission.turn()).await;
            assert!(second.is_err(), "the second waits while the first renders");
            drop(first);
            assert!(admission.turn().await.is_some());
        });
    }
}
