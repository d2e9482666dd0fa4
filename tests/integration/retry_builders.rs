//! Builders shared by the retry tests: failures, attempt states, policies, and decisions.

// Each test file uses its own subset of these.
#![allow(dead_code)]

use llmwire::classify::{Classification, HintSource};
use llmwire::retry::{decide, AttemptState, Decision, Jitter, RetryPlan, RetryPolicy, SplitMix64};
use llmwire::taxonomy::{ErrorClass, StopReason};

/// A failure of `class` with no server hint.
pub fn failure(class: ErrorClass) -> Classification {
    Classification::local(class, "boom")
}

/// A failure of `class` whose server asked for `ms` milliseconds, from `source`.
pub fn hinted(class: ErrorClass, ms: u64, source: HintSource) -> Classification {
    Classification {
        retry_after_ms: Some(ms),
        hint_source: Some(source),
        ..failure(class)
    }
}

/// The state after `attempts` attempts, all of the same class, at 1 s.
pub fn after(attempts: u32) -> AttemptState {
    AttemptState {
        attempts,
        attempts_in_class: attempts,
        elapsed_ms: 1_000,
        ..AttemptState::default()
    }
}

/// The default policy without jitter, so delays are exact.
pub fn no_jitter() -> RetryPolicy {
    RetryPolicy {
        jitter: Jitter::None,
        ..RetryPolicy::default()
    }
}

/// The decision, with a fixed random source.
pub fn run(c: &Classification, state: &AttemptState, policy: &RetryPolicy) -> Decision {
    decide(c, state, policy, &mut SplitMix64::new(1))
}

/// The stop reason, or `None` for a retry.
pub fn stop(c: &Classification, state: &AttemptState, policy: &RetryPolicy) -> Option<StopReason> {
    run(c, state, policy).stop_reason()
}

/// The retry plan; panics when the decision is to stop.
pub fn plan(c: &Classification, state: &AttemptState, policy: &RetryPolicy) -> RetryPlan {
    match run(c, state, policy) {
        Decision::Retry(plan) => plan,
        Decision::Stop(reason) => panic!("expected a retry, got Stop({reason:?})"),
    }
}
