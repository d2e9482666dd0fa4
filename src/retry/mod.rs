//! Retrying: the policy, backoff, the client-wide budget and the pure retry decision (docs/design.md §4).
//!
//! For: answering "after this failure, try again — when — or stop, and why?" from data alone.
//! [`decide`] reads a [`Classification`], an [`AttemptState`] and a [`RetryPolicy`], draws jitter
//! from an injected [`RandomSource`], and returns a [`Decision`]. Not for: sleeping, reading the
//! clock or sending anything — the client's attempt loop does that with the numbers it gets here —
//! nor for classifying failures ([`crate::classify()`] does that).
//!
//! The rules, in order (the first that fires wins):
//!
//! 1. the call was cancelled → `Stop(Cancelled)`;
//! 2. a stream already delivered chunks → `Stop(StreamStarted)` (never replayed);
//! 3. the failure is not retryable → `Stop(NotRetryable)` (see [`retryable`] for how the class
//!    default, the per-class `retry` override and the server's `x-should-retry` combine);
//! 4. the server asked for a delay above `max_server_delay_ms` → `Stop(ServerDelayTooLong)`;
//! 5. the overall or per-class attempt limit is reached → `Stop(MaxAttempts)` (`conflict` and
//!    `malformed_response` are retried once unless overridden);
//! 6. the delay is the server's hint (no jitter), raised to the policy's `initial_backoff_ms` when it
//!    is shorter — so `Retry-After: 0`, a date in the past or "try again in 1ms" never turn the
//!    retries into a burst with no pause — else jittered backoff;
//! 7. the next attempt could not start before the deadline → `Stop(Deadline)`;
//! 8. otherwise `Retry` with the delay, where it came from, and its cost in budget tokens.
//!
//! The budget is the one shared, mutable thing, so it stays out of [`decide`]: a `Retry` carries its
//! `budget_cost`, and [`decide_with_budget`] (what the loop calls) pays it or turns the decision into
//! `Stop(BudgetExhausted)`.
//!
//! The attempt loop, in outline:
//!
//! ```
//! use llmwire::classify::Classification;
//! use llmwire::error::AttemptRecord;
//! use llmwire::retry::{decide_with_budget, summary, AttemptState, Decision, RetryBudget, RetryPolicy};
//! use llmwire::taxonomy::ErrorClass;
//!
//! let policy = RetryPolicy::from_json(&serde_json::json!({"jitter": "none"})).unwrap();
//! let budget = RetryBudget::from_config(&policy.budget); // one per client, shared by all calls
//! let mut rng = policy.jitter_rng(42); // 42: entropy the client supplies when no seed is set
//! let mut records: Vec<AttemptRecord> = Vec::new();
//! let mut slept = 0;
//! let outcome = loop {
//!     // send the request here; this one fails with a 503 every time
//!     let failure = Classification::local(ErrorClass::Overloaded, "The model is overloaded.");
//!     records.push(AttemptRecord {
//!         n: records.len() as u32 + 1, class: Some(failure.class), http_status: Some(503),
//!         elapsed_ms: slept, delay_ms: 0, delay_source: None, target: None, fault: None,
//!         phase: None,
//!     });
//!     let state = AttemptState { deadline_ms: Some(60_000), ..AttemptState::from_records(&records) };
//!     match decide_with_budget(&failure, &state, &policy, &mut rng, &budget) {
//!         Decision::Retry(plan) => {
//!             if let Some(last) = records.last_mut() {
//!                 last.delay_ms = plan.delay_ms;
//!                 last.delay_source = Some(plan.delay_source.as_str().to_string());
//!             }
//!             slept += plan.delay_ms; // sleep (cancellably) here
//!         }
//!         Decision::Stop(reason) => break summary(reason, &failure, &state, &policy),
//!     }
//! };
//! assert_eq!(slept, 500 + 1000 + 2000 + 4000);
//! assert_eq!(outcome, "gave up after 5 attempts: overloaded — The model is overloaded.");
//! ```

mod backoff;
mod budget;
mod policy;
mod summary;

pub use backoff::{exponential_backoff_ms, uniform_inclusive, Jitter, RandomSource, SplitMix64};
pub use budget::RetryBudget;
pub(crate) use policy::unknown_key_error;
pub use policy::{BudgetConfig, ClassOverride, RetryPolicy};
pub use summary::summary;

use crate::classify::{Classification, HintSource};
use crate::error::AttemptRecord;
use crate::taxonomy::{ErrorClass, StopReason};

/// Where the call stands after a failed attempt: everything [`decide`] needs besides the failure.
///
/// All times are milliseconds since the call started, read by the loop from its injected clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct AttemptState {
    /// Attempts made so far, the failed one included (1 after the first attempt).
    pub attempts: u32,
    /// How many of those failed with the class of the failure being decided on (it included).
    pub attempts_in_class: u32,
    /// Time from the start of the call to now (the end of the failed attempt).
    pub elapsed_ms: u64,
    /// The overall deadline (`timeouts.deadline_ms`), if any; no attempt starts at or after it.
    pub deadline_ms: Option<u64>,
    /// Whether stream chunks of this call already reached the caller.
    pub stream_delivered: bool,
    /// Whether the caller cancelled the call.
    pub cancelled: bool,
    /// The server's `x-should-retry`, when the loop read it. It overrides everything else about
    /// retryability; when `None`, [`retryable`] infers it from the classification.
    pub server_should_retry: Option<bool>,
}

impl AttemptState {
    /// The counts and elapsed time after the attempts in `records`, whose last entry is the failure
    /// being decided on. The other fields are left at their defaults for the caller to fill in.
    pub fn from_records(records: &[AttemptRecord]) -> AttemptState {
        let Some(last) = records.last() else {
            return AttemptState::default();
        };
        let in_class = records
            .iter()
            .filter(|record| record.class == last.class)
            .count();
        AttemptState {
            attempts: u32::try_from(records.len()).unwrap_or(u32::MAX),
            attempts_in_class: u32::try_from(in_class).unwrap_or(u32::MAX),
            elapsed_ms: last.elapsed_ms,
            ..AttemptState::default()
        }
    }
}

/// What the loop does next.
#[must_use]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Sleep `delay_ms`, then try again.
    Retry(RetryPlan),
    /// Stop and report this reason.
    Stop(StopReason),
}

impl Decision {
    /// The stop reason, or `None` for a retry.
    pub fn stop_reason(&self) -> Option<StopReason> {
        match self {
            Decision::Stop(reason) => Some(*reason),
            Decision::Retry(_) => None,
        }
    }
}

/// How to retry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPlan {
    /// How long to wait before the next attempt.
    pub delay_ms: u64,
    /// Where the delay came from (recorded in the attempt's `delay_source`).
    pub delay_source: DelaySource,
    /// Tokens this retry takes from the client's [`RetryBudget`] (0 when the budget is disabled).
    pub budget_cost: u32,
}

/// Where a retry delay came from: one of the server's hints, or the policy's backoff.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DelaySource {
    /// A server hint, used as given (no jitter) unless below the delay floor.
    Hint(HintSource),
    /// No hint: the policy's exponential backoff with jitter.
    Backoff,
}

impl DelaySource {
    /// The name used in attempt records: `"retry-after-ms"`, …, `"backoff"`.
    pub const fn as_str(self) -> &'static str {
        match self {
            DelaySource::Hint(source) => source.as_str(),
            DelaySource::Backoff => "backoff",
        }
    }
}

impl From<HintSource> for DelaySource {
    fn from(source: HintSource) -> DelaySource {
        DelaySource::Hint(source)
    }
}

/// Whether `classification` may be retried at all, before limits, delays and budget.
///
/// Precedence, strongest first:
/// 1. local classes (nothing came from a server) are never retried;
/// 2. the server's `x-should-retry`: [`AttemptState::server_should_retry`] when the loop supplies
///    it, otherwise inferred — the classifier folds the header into `classification.retryable`, so
///    a value that differs from the class default can only come from the server;
/// 3. the per-class `retry` override of the policy;
/// 4. the class default (`classification.retryable`).
///
/// The server wins over the user's override because it knows whether the request can pass (e.g.
/// an idempotency conflict it has already resolved); the override only changes our own guess.
pub fn retryable(
    classification: &Classification,
    state: &AttemptState,
    policy: &RetryPolicy,
) -> bool {
    let class = classification.class;
    if !class.is_server_class() {
        return false;
    }
    if let Some(server) = state.server_should_retry {
        return server;
    }
    if classification.retryable != class.retryable_by_default() {
        return classification.retryable;
    }
    policy
        .override_for(class)
        .retry
        .unwrap_or(classification.retryable)
}

/// The pure retry decision of docs/design.md §4; see the module documentation for the rules and their order.
///
/// Draws from `rng` only when the delay comes from jittered backoff. Does not touch the budget:
/// a `Retry` carries its `budget_cost`; use [`decide_with_budget`] in the loop.
pub fn decide(
    classification: &Classification,
    state: &AttemptState,
    policy: &RetryPolicy,
    rng: &mut dyn RandomSource,
) -> Decision {
    let class = classification.class;
    if state.cancelled {
        return Decision::Stop(StopReason::Cancelled);
    }
    if state.stream_delivered {
        return Decision::Stop(StopReason::StreamStarted);
    }
    if !retryable(classification, state, policy) {
        return Decision::Stop(StopReason::NotRetryable);
    }
    if classification
        .retry_after_ms
        .is_some_and(|hint| hint > policy.max_server_delay_ms)
    {
        return Decision::Stop(StopReason::ServerDelayTooLong);
    }
    // The failure being decided on is itself an attempt of its class, whatever the loop counted.
    let attempts = state.attempts.max(1);
    let attempts_in_class = state.attempts_in_class.max(1);
    let over_class_limit = policy
        .class_limit(class)
        .is_some_and(|limit| attempts_in_class >= limit);
    if attempts >= policy.overall_limit(class) || over_class_limit {
        return Decision::Stop(StopReason::MaxAttempts);
    }
    let (delay_ms, delay_source) = match classification.retry_after_ms {
        Some(hint) => {
            // A hint without a named source cannot come from the classifier; call it what it
            // most likely was.
            let source = classification
                .hint_source
                .map_or(DelaySource::Hint(HintSource::RetryAfter), DelaySource::from);
            (hint.max(policy.initial_backoff_ms), source)
        }
        None => {
            let base = exponential_backoff_ms(
                policy.initial_backoff_ms,
                policy.multiplier,
                policy.max_backoff_ms,
                attempts,
            );
            (policy.jitter.apply(base, rng), DelaySource::Backoff)
        }
    };
    if let Some(deadline) = state.deadline_ms {
        if state.elapsed_ms.saturating_add(delay_ms) >= deadline {
            return Decision::Stop(StopReason::Deadline);
        }
    }
    Decision::Retry(RetryPlan {
        delay_ms,
        delay_source,
        budget_cost: budget_cost(class, policy),
    })
}

/// [`decide`], then pay for a retry from `budget` ([`RetryBudget::admit`]): what the loop calls.
pub fn decide_with_budget(
    classification: &Classification,
    state: &AttemptState,
    policy: &RetryPolicy,
    rng: &mut dyn RandomSource,
    budget: &RetryBudget,
) -> Decision {
    budget.admit(decide(classification, state, policy, rng))
}

/// Tokens a retry after a failure of `class` takes: timeouts cost more, a disabled budget nothing.
pub fn budget_cost(class: ErrorClass, policy: &RetryPolicy) -> u32 {
    match (policy.budget.enabled, class) {
        (false, _) => 0,
        (true, ErrorClass::Timeout) => policy.budget.timeout_retry_cost,
        (true, _) => policy.budget.retry_cost,
    }
}
