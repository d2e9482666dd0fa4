//! The state of every target, behind one small interface: [`TargetStateStore`].
//!
//! For: the trait a backend implements, and [`MemoryStore`], the in-process backend. Each trait
//! method is one atomic step on one target's record, so a shared backend (Redis: one Lua script per
//! method over keys sharing the target's hash tag) implements the same transitions without a
//! read-then-write from the client. The transitions themselves are the pure functions of
//! [`super::breaker`], [`super::limits`] and [`super::policy`].
//!
//! Not for: deciding which target to try (the client loop) or sleeping.
//!
//! Times are wall-clock milliseconds since the Unix epoch, from the client's injected clock, so
//! that processes on different machines can compare them.

use std::sync::{Arc, Mutex, PoisonError};

use serde::Serialize;

use super::breaker::{Breaker, BreakerAdmit, BreakerState, BreakerTransition};
use super::limits::{Limits, Window};
use super::policy::{Effect, FleetPolicy};
use crate::retry::RetryBudget;
use crate::taxonomy::ErrorClass;

/// Names a target for a store: its position in the client's list (a local store's index) and its
/// configured name (a shared store's key).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TargetKey {
    /// The target's position in the client's list.
    pub index: usize,
    /// The target's configured name.
    pub name: Arc<str>,
}

/// Why a target cannot take a call now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unavailable {
    /// `rate_limited` or `quota_exhausted`: the class that set it cooling.
    Cooling(ErrorClass),
    /// A wrong key or model: the class that disabled it.
    Disabled(ErrorClass),
    /// Its breaker is open (or half-open with the probe taken).
    BreakerOpen,
    /// A client-side limit (or the provider's pacing headers) has no slot yet.
    Limited,
}

impl Unavailable {
    /// The state's name in snapshots and events.
    pub fn state_name(self) -> &'static str {
        match self {
            Unavailable::Cooling(_) => "cooling",
            Unavailable::Disabled(_) => "disabled",
            Unavailable::BreakerOpen => "breaker_open",
            Unavailable::Limited => "limited",
        }
    }

    /// The class behind it, if any.
    pub fn reason(self) -> Option<ErrorClass> {
        match self {
            Unavailable::Cooling(class) | Unavailable::Disabled(class) => Some(class),
            _ => None,
        }
    }
}

/// Permission to send one attempt to a target; hand it back through [`TargetStateStore::finish`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    /// The target the attempt may go to.
    pub target: TargetKey,
    /// The limit window's reservation, when the target has limits.
    pub reservation: Option<u64>,
    /// Whether this attempt is the half-open breaker's probe.
    pub probe: bool,
}

/// The answer of [`TargetStateStore::acquire`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Acquire {
    /// Send now; report the end with the grant.
    Granted(Grant),
    /// Not before `until_ms`, because of `why`.
    Wait {
        /// When to ask again (Unix epoch milliseconds).
        until_ms: u64,
        /// What holds the target back.
        why: Unavailable,
    },
}

/// How an attempt ended, for its target's record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Outcome {
    /// `None`: abandoned (cancelled) without telling anything about the target.
    pub effect: Option<Effect>,
    /// The tokens the provider counted (`usage.total_tokens`), replacing the reservation's.
    pub tokens_used: Option<u64>,
    /// The provider's headers say its window is spent until then.
    pub pace_until_ms: Option<u64>,
}

/// A change of a target's state worth an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transition {
    /// The target was set cooling.
    Cooling {
        /// When it may take calls again (Unix epoch milliseconds).
        until_ms: u64,
        /// The class that set it cooling.
        reason: ErrorClass,
    },
    /// The target was disabled.
    Disabled {
        /// When it is tried again (Unix epoch milliseconds).
        until_ms: u64,
        /// The class that disabled it.
        reason: ErrorClass,
    },
    /// The target's breaker opened, half-opened or closed.
    Breaker(BreakerTransition),
}

/// A target's state as reported in metrics and in `all_targets_unavailable` errors.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TargetSnapshot {
    /// The target's configured name.
    pub name: String,
    /// `"available"`, `"cooling"`, `"disabled"`, `"breaker_open"` or `"limited"`.
    pub state: &'static str,
    /// When it comes back (Unix epoch milliseconds); absent when available.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub until_ms: Option<u64>,
    /// Milliseconds from the snapshot until it comes back.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retry_in_ms: Option<u64>,
    /// The class that put it there, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<ErrorClass>,
    /// `"closed"`, `"open"` or `"half_open"`.
    pub breaker: &'static str,
    /// Attempts sent to it and not yet answered.
    pub in_flight: u32,
    /// Requests counted in its current limit window.
    pub requests_in_window: usize,
    /// Tokens reserved or used in that window.
    pub tokens_in_window: u64,
}

impl TargetSnapshot {
    /// A target's snapshot from its parts (every store reports the same way): why and until when
    /// it is unavailable, if it is, its breaker, and its window's `(in_flight, requests, tokens)`.
    pub fn new(
        name: &str,
        now_ms: u64,
        unavailable: Option<(u64, Unavailable)>,
        breaker: BreakerState,
        (in_flight, requests_in_window, tokens_in_window): (u32, usize, u64),
    ) -> TargetSnapshot {
        TargetSnapshot {
            name: name.to_owned(),
            state: unavailable.map_or("available", |(_, why)| why.state_name()),
            until_ms: unavailable.map(|(until, _)| until),
            retry_in_ms: unavailable.map(|(until, _)| until.saturating_sub(now_ms)),
            reason: unavailable.and_then(|(_, why)| why.reason()),
            breaker: match breaker {
                BreakerState::Open { until_ms } if now_ms >= until_ms => "half_open",
                other => other.as_str(),
            },
            in_flight,
            requests_in_window,
            tokens_in_window,
        }
    }
}

/// The state of every target, shared by every call of a client (and, with a shared backend, by
/// every client). Every method is atomic for its target.
pub trait TargetStateStore: Send + Sync {
    /// Asks to send one attempt to `target` at `now_ms`: checks cooling, disabling and the breaker
    /// (claiming the half-open probe), then reserves a limit slot for `tokens`. All or nothing.
    fn acquire(
        &self,
        target: &TargetKey,
        now_ms: u64,
        limits: &Limits,
        tokens: u64,
        policy: &FleetPolicy,
    ) -> Acquire;

    /// Ends an attempt: corrects its reservation, releases its in-flight slot and applies its
    /// effect. Returns the state changes it caused.
    fn finish(
        &self,
        grant: &Grant,
        now_ms: u64,
        outcome: &Outcome,
        policy: &FleetPolicy,
    ) -> Vec<Transition>;

    /// The target's state at `now_ms`, changing nothing.
    fn snapshot(&self, target: &TargetKey, now_ms: u64, limits: &Limits) -> TargetSnapshot;

    /// Takes `cost` tokens from the retry budget shared by the store's users; whether it could.
    fn take_retry(&self, cost: u32) -> bool;

    /// Gives tokens back to the retry budget (a success refunds).
    fn refund_retry(&self, tokens: u32);
}

/// One target's record.
#[derive(Debug, Default)]
struct Record {
    /// Cooling or disabled: until when, why, and whether it is a disabling.
    hold: Option<(u64, ErrorClass, bool)>,
    breaker: Breaker,
    window: Window,
}

impl Record {
    fn held(&self, now_ms: u64) -> Option<(u64, Unavailable)> {
        let (until_ms, reason, disabled) = self.hold?;
        (now_ms < until_ms).then(|| {
            let why = if disabled {
                Unavailable::Disabled(reason)
            } else {
                Unavailable::Cooling(reason)
            };
            (until_ms, why)
        })
    }

    fn hold(&mut self, until_ms: u64, reason: ErrorClass, disabled: bool) -> bool {
        let longer = self.hold.is_none_or(|(old, _, _)| until_ms > old);
        if longer {
            self.hold = Some((until_ms, reason, disabled));
        }
        longer
    }
}

/// The in-process store: one mutex per target, and the client's retry budget.
pub struct MemoryStore {
    records: Vec<Mutex<Record>>,
    budget: Arc<RetryBudget>,
}

impl MemoryStore {
    /// A store for `targets` targets (indexed by [`TargetKey::index`]) sharing `budget`.
    pub fn new(targets: usize, budget: Arc<RetryBudget>) -> MemoryStore {
        MemoryStore {
            records: (0..targets).map(|_| Mutex::default()).collect(),
            budget,
        }
    }

    fn with<T>(&self, target: &TargetKey, f: impl FnOnce(&mut Record) -> T) -> T {
        // Every record exists from the start: the client creates the store from its target list.
        let record = &self.records[target.index.min(self.records.len().saturating_sub(1))];
        f(&mut record.lock().unwrap_or_else(PoisonError::into_inner))
    }
}

impl TargetStateStore for MemoryStore {
    fn acquire(
        &self,
        target: &TargetKey,
        now_ms: u64,
        limits: &Limits,
        tokens: u64,
        policy: &FleetPolicy,
    ) -> Acquire {
        self.with(target, |record| {
            if let Some((until_ms, why)) = record.held(now_ms) {
                return Acquire::Wait { until_ms, why };
            }
            if let Err(until_ms) = record.breaker.peek(now_ms) {
                return Acquire::Wait {
                    until_ms,
                    why: Unavailable::BreakerOpen,
                };
            }
            let reservation = if limits.any() || now_ms < record_paced(record) {
                match record.window.reserve(now_ms, limits, tokens) {
                    Ok(id) => Some(id),
                    Err(until_ms) => {
                        return Acquire::Wait {
                            until_ms,
                            why: Unavailable::Limited,
                        }
                    }
                }
            } else {
                None
            };
            let probe = match record.breaker.admit(now_ms, &policy.breaker).0 {
                BreakerAdmit::Pass => false,
                BreakerAdmit::Probe => true,
                // peek said it passes; admit agrees under the same lock.
                BreakerAdmit::Refuse { until_ms } => {
                    return Acquire::Wait {
                        until_ms,
                        why: Unavailable::BreakerOpen,
                    }
                }
            };
            Acquire::Granted(Grant {
                target: target.clone(),
                reservation,
                probe,
            })
        })
    }

    fn finish(
        &self,
        grant: &Grant,
        now_ms: u64,
        outcome: &Outcome,
        policy: &FleetPolicy,
    ) -> Vec<Transition> {
        self.with(&grant.target, |record| {
            if let Some(id) = grant.reservation {
                record.window.settle(id, now_ms, outcome.tokens_used);
            }
            if let Some(until_ms) = outcome.pace_until_ms {
                record.window.pace(until_ms);
            }
            let mut transitions = Vec::new();
            let breaker = match outcome.effect {
                None => {
                    if grant.probe {
                        record.breaker.on_probe_abandoned(now_ms);
                    }
                    None
                }
                Some(Effect::Healthy | Effect::Neutral) => record.breaker.on_success(),
                Some(Effect::BreakerFailure { .. }) => {
                    record
                        .breaker
                        .on_failure(now_ms, grant.probe, &policy.breaker)
                }
                Some(Effect::Cool { until_ms, reason }) => {
                    if record.hold(until_ms, reason, false) {
                        transitions.push(Transition::Cooling { until_ms, reason });
                    }
                    // The target answered: a probe that got a 429 proves it is up.
                    grant.probe.then(|| record.breaker.on_success()).flatten()
                }
                Some(Effect::Disable { until_ms, reason }) => {
                    if record.hold(until_ms, reason, true) {
                        transitions.push(Transition::Disabled { until_ms, reason });
                    }
                    grant.probe.then(|| record.breaker.on_success()).flatten()
                }
            };
            transitions.extend(breaker.map(Transition::Breaker));
            transitions
        })
    }

    fn snapshot(&self, target: &TargetKey, now_ms: u64, limits: &Limits) -> TargetSnapshot {
        self.with(target, |record| {
            let (requests_in_window, tokens_in_window, in_flight) =
                record.window.usage(now_ms, limits);
            let breaker = record.breaker.state();
            let unavailable = record.held(now_ms).or_else(|| {
                record
                    .breaker
                    .peek(now_ms)
                    .err()
                    .map(|until| (until, Unavailable::BreakerOpen))
            });
            let unavailable = unavailable.or_else(|| {
                let mut probe = record.window.clone();
                probe
                    .reserve(now_ms, limits, 0)
                    .err()
                    .map(|until| (until, Unavailable::Limited))
            });
            TargetSnapshot::new(
                &target.name,
                now_ms,
                unavailable,
                breaker,
                (in_flight, requests_in_window, tokens_in_window),
            )
        })
    }

    fn take_retry(&self, cost: u32) -> bool {
        self.budget.try_acquire(cost)
    }

    fn refund_retry(&self, tokens: u32) {
        self.budget.refund(tokens);
    }
}

/// The pacing horizon, without touching the window.
fn record_paced(record: &Record) -> u64 {
    record.window.paced_until()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fleet::breaker::BreakerConfig;

    fn key(index: usize) -> TargetKey {
        TargetKey {
            index,
            name: Arc::from(format!("t{index}")),
        }
    }

    fn store() -> MemoryStore {
        MemoryStore::new(2, Arc::new(RetryBudget::new(10)))
    }

    fn policy() -> FleetPolicy {
        FleetPolicy {
            breaker: BreakerConfig {
                failures: 2,
                window_ms: 10_000,
                cooldown_ms: 1_000,
            },
            ..FleetPolicy::default()
        }
    }

    fn grant(store: &MemoryStore, target: usize, now_ms: u64) -> Grant {
        match store.acquire(&key(target), now_ms, &Limits::default(), 1, &policy()) {
            Acquire::Granted(grant) => grant,
            other => panic!("expected a grant, got {other:?}"),
        }
    }

    fn failed(effect: Effect) -> Outcome {
        Outcome {
            effect: Some(effect),
            tokens_used: None,
            pace_until_ms: None,
        }
    }

    #[test]
    fn a_cooling_target_waits_and_the_other_is_untouched() {
        let store = store();
        let g = grant(&store, 0, 0);
        let cool = Effect::Cool {
            until_ms: 500,
            reason: ErrorClass::RateLimited,
        };
        let transitions = store.finish(&g, 0, &failed(cool), &policy());
        assert_eq!(
            transitions,
            vec![Transition::Cooling {
                until_ms: 500,
                reason: ErrorClass::RateLimited
            }]
        );
        assert_eq!(
            store.acquire(&key(0), 100, &Limits::default(), 1, &policy()),
            Acquire::Wait {
                until_ms: 500,
                why: Unavailable::Cooling(ErrorClass::RateLimited)
            }
        );
        grant(&store, 1, 100);
        grant(&store, 0, 500);
        let snapshot = store.snapshot(&key(0), 600, &Limits::default());
        assert_eq!(snapshot.state, "available");
    }

    #[test]
    fn breaker_opens_then_one_probe_then_closes_through_the_store() {
        let store = store();
        let failure = failed(Effect::BreakerFailure {
            reason: ErrorClass::Overloaded,
        });
        let g = grant(&store, 0, 0);
        store.finish(&g, 0, &failure, &policy());
        let g = grant(&store, 0, 10);
        let transitions = store.finish(&g, 10, &failure, &policy());
        assert_eq!(
            transitions,
            vec![Transition::Breaker(BreakerTransition::Opened {
                until_ms: 1_010
            })]
        );
        let snapshot = store.snapshot(&key(0), 20, &Limits::default());
        assert_eq!((snapshot.state, snapshot.breaker), ("breaker_open", "open"));
        assert_eq!(snapshot.retry_in_ms, Some(990));
        let probe = grant(&store, 0, 1_010);
        assert!(probe.probe);
        assert!(matches!(
            store.acquire(&key(0), 1_011, &Limits::default(), 1, &policy()),
            Acquire::Wait {
                why: Unavailable::BreakerOpen,
                ..
            }
        ));
        let healthy = failed(Effect::Healthy);
        assert_eq!(
            store.finish(&probe, 1_050, &healthy, &policy()),
            vec![Transition::Breaker(BreakerTransition::Closed)]
        );
        assert!(!grant(&store, 0, 1_051).probe);
    }

    #[test]
    fn limits_are_all_or_nothing_and_finish_releases_the_slot() {
        let store = store();
        let limits = Limits {
            max_in_flight: Some(1),
            ..Limits::default()
        };
        let first = match store.acquire(&key(0), 0, &limits, 5, &policy()) {
            Acquire::Granted(grant) => grant,
            other => panic!("{other:?}"),
        };
        assert!(matches!(
            store.acquire(&key(0), 1, &limits, 5, &policy()),
            Acquire::Wait {
                why: Unavailable::Limited,
                ..
            }
        ));
        let done = Outcome {
            effect: Some(Effect::Healthy),
            tokens_used: Some(3),
            pace_until_ms: Some(400),
        };
        store.finish(&first, 2, &done, &policy());
        assert_eq!(
            store.acquire(&key(0), 3, &limits, 5, &policy()),
            Acquire::Wait {
                until_ms: 400,
                why: Unavailable::Limited
            }
        );
        let snapshot = store.snapshot(&key(0), 3, &limits);
        assert_eq!(snapshot.tokens_in_window, 3);
        assert_eq!(snapshot.in_flight, 0);
    }

    #[test]
    fn a_shorter_cooldown_never_shortens_a_longer_one() {
        let store = store();
        let g = grant(&store, 0, 0);
        let disable = Effect::Disable {
            until_ms: 10_000,
            reason: ErrorClass::Authentication,
        };
        store.finish(&g, 0, &failed(disable), &policy());
        let cool = Effect::Cool {
            until_ms: 100,
            reason: ErrorClass::RateLimited,
        };
        assert!(store.finish(&g, 0, &failed(cool), &policy()).is_empty());
        let snapshot = store.snapshot(&key(0), 50, &Limits::default());
        assert_eq!(snapshot.state, "disabled");
        assert_eq!(snapshot.reason, Some(ErrorClass::Authentication));
    }

    #[test]
    fn the_retry_budget_is_the_one_shared_with_the_client() {
        let budget = Arc::new(RetryBudget::new(10));
        let store = MemoryStore::new(1, Arc::clone(&budget));
        assert!(store.take_retry(10));
        assert!(!store.take_retry(1));
        store.refund_retry(4);
        assert_eq!(budget.level(), 4);
    }
}
