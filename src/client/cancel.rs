//! Cancellation: a handle another thread triggers to stop a call.
//!
//! A call waiting in backoff wakes at once; a stream stops at its next chunk; a read blocked on the
//! network stops when it returns or when its own timeout (the attempt or stream-idle timeout) fires,
//! since a blocking socket read cannot be interrupted from outside.

use std::sync::{Condvar, Mutex, PoisonError};
use std::time::{Duration, Instant};

/// A one-way switch from "running" to "cancelled", shared between the caller and the call.
#[derive(Debug, Default)]
pub struct CancelToken {
    cancelled: Mutex<bool>,
    wake: Condvar,
}

impl CancelToken {
    pub fn new() -> CancelToken {
        CancelToken::default()
    }

    /// Cancels every call using this token, now and later. Idempotent.
    pub fn cancel(&self) {
        *self
            .cancelled
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = true;
        self.wake.notify_all();
    }

    pub fn is_cancelled(&self) -> bool {
        *self
            .cancelled
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Waits up to `duration`; returns true if the token was (or got) cancelled.
    pub fn wait(&self, duration: Duration) -> bool {
        let deadline = Instant::now() + duration;
        let mut cancelled = self
            .cancelled
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        while !*cancelled {
            let now = Instant::now();
            if now >= deadline {
                return false;
            }
            cancelled = self
                .wake
                .wait_timeout(cancelled, deadline - now)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn wait_returns_false_after_the_full_duration_when_not_cancelled() {
        let token = CancelToken::new();
        assert!(!token.wait(Duration::from_millis(1)));
    }

    #[test]
    fn cancel_from_another_thread_wakes_a_waiter() {
        let token = Arc::new(CancelToken::new());
        let waiter = {
            let token = Arc::clone(&token);
            std::thread::spawn(move || token.wait(Duration::from_secs(600)))
        };
        token.cancel();
        assert!(waiter.join().unwrap());
        assert!(token.is_cancelled());
    }
}
