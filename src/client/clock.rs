//! Time for the client loop, injected so tests can run the loop on a virtual clock.

use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime};

use super::cancel::CancelToken;

/// Elapsed time, wall time, and a cancellable sleep.
pub trait Clock: Send + Sync {
    /// Monotonic time since an arbitrary origin.
    fn now(&self) -> Duration;
    /// Wall time, to resolve HTTP-date hints.
    fn wall(&self) -> SystemTime;
    /// Sleeps for `duration`, returning early if `cancel` is (or gets) cancelled.
    fn sleep(&self, duration: Duration, cancel: &CancelToken);
}

/// The real clock.
#[derive(Debug)]
pub struct SystemClock {
    origin: Instant,
}

impl Default for SystemClock {
    fn default() -> SystemClock {
        SystemClock {
            origin: Instant::now(),
        }
    }
}

impl Clock for SystemClock {
    fn now(&self) -> Duration {
        self.origin.elapsed()
    }

    fn wall(&self) -> SystemTime {
        SystemTime::now()
    }

    fn sleep(&self, duration: Duration, cancel: &CancelToken) {
        cancel.wait(duration);
    }
}

/// A virtual clock: sleeping advances it instantly and is recorded. For tests.
#[derive(Debug, Default)]
pub struct ManualClock {
    now: Mutex<Duration>,
    sleeps: Mutex<Vec<Duration>>,
}

impl ManualClock {
    /// Moves time forward (e.g. to simulate a slow attempt).
    pub fn advance(&self, by: Duration) {
        *self
            .now
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) += by;
    }

    /// Every sleep requested so far.
    pub fn sleeps(&self) -> Vec<Duration> {
        self.sleeps
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Duration {
        *self
            .now
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn wall(&self) -> SystemTime {
        SystemTime::UNIX_EPOCH + Duration::from_secs(1_750_000_000) + self.now()
    }

    fn sleep(&self, duration: Duration, cancel: &CancelToken) {
        if cancel.is_cancelled() {
            return;
        }
        self.sleeps
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .push(duration);
        self.advance(duration);
    }
}
