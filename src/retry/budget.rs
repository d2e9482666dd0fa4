//! The client-wide retry budget: a token bucket that stops one client from stampeding a failing
//! provider.
//!
//! For: sharing one limit on retries among every call (and thread) of a client, AWS-style — the
//! bucket starts full, each retry takes tokens, each success puts a few back. Not for: rate limiting
//! first attempts (they never cost anything) or deciding whether a failure is retryable
//! ([`super::decide`] does that, and only then asks the budget).

use std::sync::atomic::{AtomicU32, Ordering};

use super::policy::BudgetConfig;
use super::Decision;
use crate::taxonomy::StopReason;

/// A thread-safe token bucket shared by all calls of one client.
///
/// Lock-free: every operation is one compare-and-swap loop on an atomic, so the level is never
/// negative and never above the capacity, however many threads race.
///
/// ```
/// use llmwire::retry::RetryBudget;
/// let budget = RetryBudget::new(10);
/// assert!(budget.try_acquire(5));
/// assert!(budget.try_acquire(5));
/// assert!(!budget.try_acquire(5), "empty");
/// budget.refund(1);
/// assert_eq!(budget.level(), 1);
/// ```
#[derive(Debug)]
pub struct RetryBudget {
    level: AtomicU32,
    capacity: u32,
    success_refund: u32,
}

impl RetryBudget {
    /// A full bucket of `capacity` tokens whose [`RetryBudget::record_success`] refunds 1.
    pub fn new(capacity: u32) -> RetryBudget {
        RetryBudget {
            level: AtomicU32::new(capacity),
            capacity,
            success_refund: 1,
        }
    }

    /// A full bucket as configured by `retry.budget`.
    ///
    /// A disabled budget still exists (so the loop has no special case): [`super::decide`] then
    /// gives every retry a cost of 0, which this bucket always grants.
    pub fn from_config(config: &BudgetConfig) -> RetryBudget {
        RetryBudget {
            level: AtomicU32::new(config.capacity),
            capacity: config.capacity,
            success_refund: config.success_refund,
        }
    }

    /// Takes `cost` tokens if that many are left; returns whether it did. A cost of 0 always succeeds.
    pub fn try_acquire(&self, cost: u32) -> bool {
        self.level
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |level| {
                level.checked_sub(cost)
            })
            .is_ok()
    }

    /// Puts back `tokens`, never filling the bucket beyond its capacity.
    pub fn refund(&self, tokens: u32) {
        // The closure always returns `Some`, so `fetch_update` cannot fail; the result is ignored.
        let _ = self
            .level
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |level| {
                Some(level.saturating_add(tokens).min(self.capacity))
            });
    }

    /// Refunds the configured `success_refund` after a call succeeded.
    pub fn record_success(&self) {
        self.refund(self.success_refund);
    }

    /// The tokens left now (a snapshot: other threads may change it at once).
    pub fn level(&self) -> u32 {
        self.level.load(Ordering::Acquire)
    }

    /// The bucket's size.
    pub fn capacity(&self) -> u32 {
        self.capacity
    }

    /// Lets a [`Decision`] through, paying for it: a [`Decision::Retry`] whose cost this bucket
    /// cannot cover becomes `Stop(BudgetExhausted)`; anything else passes unchanged.
    ///
    /// This is the only place tokens are taken, so a loop that calls
    /// [`super::decide_with_budget`] (or this) cannot forget to pay.
    pub fn admit(&self, decision: Decision) -> Decision {
        match decision {
            Decision::Retry(plan) if !self.try_acquire(plan.budget_cost) => {
                Decision::Stop(StopReason::BudgetExhausted)
            }
            other => other,
        }
    }
}
