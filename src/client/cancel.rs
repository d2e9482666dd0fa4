//! Cancellation: a handle another thread triggers to stop a call, whatever it is doing.
//!
//! `cancel()` sets the switch, wakes every wait on the token (a retry backoff, a name lookup or a
//! connect running on a helper thread) and shuts down the socket the call is blocked on, if any:
//! the transport registers its socket with the call's token for the duration of each blocking read
//! or write (`CancelToken::enter`). `shutdown(2)` makes that read or write return at once, on
//! any thread, and leaves the connection unusable, so it is never put back in the pool.
//!
//! Why shutdown rather than `poll(2)` on the socket and a wake pipe: the call that is never
//! cancelled, by far the most common, then pays no extra system call on any read (registering the
//! socket is two uncontended mutex operations), and TLS, which reads through the same transport,
//! is interrupted the same way. The registration is held only while a blocking operation runs, so
//! a cancel can never reach a socket that went back to the pool or to another call.
//!
//! A caller that cannot trigger the token from another thread — Python's sync call waiting for a
//! Ctrl-C, which is only seen when the interpreter runs — installs an interrupt check instead
//! ([`CancelToken::set_interrupt_check`]): blocking waits are then cut into slices of
//! 10 ms and the check runs between them.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError, Weak};
use std::time::{Duration, Instant};

/// How often a blocked call with an interrupt check asks it whether to stop.
pub(crate) const INTERRUPT_POLL: Duration = Duration::from_millis(10);

/// Something a cancel can interrupt from another thread (a socket).
pub(crate) trait Interrupt: Send + Sync {
    fn interrupt(&self);
}

/// A check run by a blocked call, on the call's thread, every 10 ms; `true` cancels
/// the call.
pub type InterruptCheck = Box<dyn Fn() -> bool + Send + Sync>;

/// A one-way switch from "running" to "cancelled", shared between the caller and the call.
/// Clones share the switch.
#[derive(Clone, Default)]
pub struct CancelToken {
    shared: Arc<Shared>,
}

#[derive(Default)]
struct Shared {
    /// Mirrors `State::cancelled` for a check without the lock.
    cancelled: AtomicBool,
    state: Mutex<State>,
    wake: Condvar,
    check: Mutex<Option<InterruptCheck>>,
    has_check: AtomicBool,
}

#[derive(Default)]
struct State {
    cancelled: bool,
    /// The socket a blocking operation of the call is using right now.
    blocked_on: Option<Weak<dyn Interrupt>>,
}

impl std::fmt::Debug for CancelToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CancelToken")
            .field("cancelled", &self.is_cancelled())
            .finish()
    }
}

/// Returned by [`CancelToken::enter`] when the token is already cancelled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Cancelled;

/// Keeps a socket registered with a token while a blocking operation runs; unregisters on drop.
pub(crate) struct Blocked<'a> {
    token: &'a CancelToken,
}

impl Drop for Blocked<'_> {
    fn drop(&mut self) {
        self.token.lock().blocked_on = None;
    }
}

impl CancelToken {
    /// A token not yet cancelled, for one call or many.
    pub fn new() -> CancelToken {
        CancelToken::default()
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.shared
            .state
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Cancels every call using this token, now and later: a wait ends at once, and a blocked
    /// socket read or write is interrupted. Idempotent; callable from any thread.
    pub fn cancel(&self) {
        let mut state = self.lock();
        state.cancelled = true;
        self.shared.cancelled.store(true, Ordering::SeqCst);
        // Shut down under the lock: the operation that registered the socket cannot end (and
        // drop or pool it) until the lock is released.
        if let Some(socket) = state.blocked_on.take().and_then(|weak| weak.upgrade()) {
            socket.interrupt();
        }
        drop(state);
        self.shared.wake.notify_all();
    }

    /// Whether [`CancelToken::cancel`] has been called on this token or a clone of it.
    pub fn is_cancelled(&self) -> bool {
        self.shared.cancelled.load(Ordering::SeqCst)
    }

    /// Installs a check that blocked calls run every 10 ms on their own thread; when
    /// it returns `true` the token is cancelled. Replaces any earlier check.
    pub fn set_interrupt_check(&self, check: Option<InterruptCheck>) {
        let has = check.is_some();
        *self
            .shared
            .check
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = check;
        self.shared.has_check.store(has, Ordering::SeqCst);
    }

    /// Whether an interrupt check is installed (blocking waits are then sliced).
    pub(crate) fn polls_interrupt(&self) -> bool {
        self.shared.has_check.load(Ordering::Relaxed)
    }

    /// Runs the interrupt check, if any, cancelling the token when it says so; returns whether
    /// the token is cancelled.
    pub(crate) fn poll_interrupt(&self) -> bool {
        if self.polls_interrupt() {
            let stop = self
                .shared
                .check
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .as_ref()
                .is_some_and(|check| check());
            if stop {
                self.cancel();
            }
        }
        self.is_cancelled()
    }

    /// Registers `socket` as the one a blocking operation is about to use, until the returned
    /// guard drops; fails if the token is already cancelled.
    pub(crate) fn enter(&self, socket: Weak<dyn Interrupt>) -> Result<Blocked<'_>, Cancelled> {
        let mut state = self.lock();
        if state.cancelled {
            return Err(Cancelled);
        }
        state.blocked_on = Some(socket);
        Ok(Blocked { token: self })
    }

    /// Wakes [`CancelToken::wait_until`] waiters so they look at their condition again.
    pub(crate) fn notify(&self) {
        drop(self.lock());
        self.shared.wake.notify_all();
    }

    /// Waits up to `duration`; returns true if the token was (or got) cancelled.
    pub fn wait(&self, duration: Duration) -> bool {
        self.wait_until(Instant::now() + duration, &|| false);
        self.is_cancelled()
    }

    /// Waits until `ready()` holds (re-checked on every [`CancelToken::notify`]), the token is
    /// cancelled, or `deadline` passes; returns whether `ready()` held.
    pub(crate) fn wait_until(&self, deadline: Instant, ready: &dyn Fn() -> bool) -> bool {
        let mut state = self.lock();
        loop {
            if ready() {
                return true;
            }
            if state.cancelled {
                return false;
            }
            let now = Instant::now();
            if now >= deadline {
                return false;
            }
            let mut wait = deadline - now;
            let polls = self.polls_interrupt();
            if polls {
                wait = wait.min(INTERRUPT_POLL);
            }
            state = self
                .shared
                .wake
                .wait_timeout(state, wait)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
            if polls && !state.cancelled {
                drop(state);
                self.poll_interrupt();
                state = self.lock();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;

    #[test]
    fn wait_returns_false_after_the_full_duration_when_not_cancelled() {
        let token = CancelToken::new();
        assert!(!token.wait(Duration::from_millis(1)));
    }

    #[test]
    fn cancel_from_another_thread_wakes_a_waiter() {
        let token = CancelToken::new();
        let waiter = {
            let token = token.clone();
            std::thread::spawn(move || token.wait(Duration::from_secs(600)))
        };
        token.cancel();
        assert!(waiter.join().unwrap());
        assert!(token.is_cancelled());
    }

    struct Flag(AtomicUsize);
    impl Interrupt for Flag {
        fn interrupt(&self) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    #[test]
    fn cancel_interrupts_the_registered_socket_only_while_it_is_registered() {
        let token = CancelToken::new();
        let socket = Arc::new(Flag(AtomicUsize::new(0)));
        let weak = Arc::downgrade(&socket) as Weak<dyn Interrupt>;
        drop(token.enter(weak.clone()).unwrap());
        token.cancel();
        assert_eq!(
            socket.0.load(Ordering::SeqCst),
            0,
            "released before the cancel"
        );
        assert!(
            token.enter(weak).is_err(),
            "no operation starts once cancelled"
        );

        let token = CancelToken::new();
        let weak = Arc::downgrade(&socket) as Weak<dyn Interrupt>;
        let _blocked = token.enter(weak).unwrap();
        token.cancel();
        assert_eq!(socket.0.load(Ordering::SeqCst), 1);
    }

    #[test]
    fn an_interrupt_check_cancels_a_wait_within_one_poll() {
        let token = CancelToken::new();
        let polls = Arc::new(AtomicUsize::new(0));
        let counted = Arc::clone(&polls);
        token.set_interrupt_check(Some(Box::new(move || {
            counted.fetch_add(1, Ordering::SeqCst) >= 2
        })));
        let started = Instant::now();
        assert!(token.wait(Duration::from_secs(600)));
        assert!(started.elapsed() < Duration::from_secs(5));
        assert_eq!(polls.load(Ordering::SeqCst), 3);
    }
}
