//! The retry decision: every rule of docs/design.md §4 firing and not firing, and in the right order.

use llmwire::classify::{Classification, HintSource};
use llmwire::error::AttemptRecord;
use llmwire::retry::{
    decide, retryable, AttemptState, ClassOverride, DelaySource, RandomSource, RetryPolicy,
};
use llmwire::taxonomy::{ErrorClass, StopReason};

use crate::retry_builders::*;

/// A random source that counts how often it is asked.
struct Counting(u32);
impl RandomSource for Counting {
    fn next_u64(&mut self) -> u64 {
        self.0 += 1;
        u64::MAX / 3
    }
}

#[test]
fn cancelled_wins_over_every_other_rule() {
    let state = AttemptState {
        cancelled: true,
        stream_delivered: true,
        ..after(99)
    };
    for class in ErrorClass::ALL {
        assert_eq!(
            stop(&failure(class), &state, &no_jitter()),
            Some(StopReason::Cancelled)
        );
    }
}

#[test]
fn a_stream_that_delivered_chunks_is_never_replayed() {
    let state = AttemptState {
        stream_delivered: true,
        ..after(1)
    };
    let c = failure(ErrorClass::Network);
    assert_eq!(
        stop(&c, &state, &no_jitter()),
        Some(StopReason::StreamStarted)
    );
    assert_eq!(
        stop(&c, &after(1), &no_jitter()),
        None,
        "the same failure before any chunk is retried"
    );
}

#[test]
fn only_retryable_classes_are_retried_by_default() {
    for class in ErrorClass::ALL {
        let expected = if class.retryable_by_default() {
            None
        } else {
            Some(StopReason::NotRetryable)
        };
        assert_eq!(
            stop(&failure(class), &after(1), &no_jitter()),
            expected,
            "{class}"
        );
    }
}

#[test]
fn local_classes_are_never_retried_even_if_marked_retryable() {
    let c = Classification {
        retryable: true,
        ..failure(ErrorClass::Internal)
    };
    let state = AttemptState {
        server_should_retry: Some(true),
        ..after(1)
    };
    assert_eq!(
        stop(&c, &state, &no_jitter()),
        Some(StopReason::NotRetryable)
    );
}

#[test]
fn class_override_can_enable_and_disable_retries() {
    let mut policy = no_jitter();
    policy.classes.insert(
        ErrorClass::QuotaExhausted,
        ClassOverride {
            max_attempts: None,
            retry: Some(true),
        },
    );
    policy.classes.insert(
        ErrorClass::ServerError,
        ClassOverride {
            max_attempts: None,
            retry: Some(false),
        },
    );
    assert_eq!(
        stop(&failure(ErrorClass::QuotaExhausted), &after(1), &policy),
        None
    );
    assert_eq!(
        stop(&failure(ErrorClass::ServerError), &after(1), &policy),
        Some(StopReason::NotRetryable)
    );
}

#[test]
fn server_should_retry_folded_into_the_classification_beats_the_override() {
    let mut policy = no_jitter();
    policy.classes.insert(
        ErrorClass::ServerError,
        ClassOverride {
            max_attempts: None,
            retry: Some(true),
        },
    );
    policy.classes.insert(
        ErrorClass::InvalidRequest,
        ClassOverride {
            max_attempts: None,
            retry: Some(false),
        },
    );
    // x-should-retry: false on a 500: the classifier sets retryable = false, against the default.
    let refused = Classification {
        retryable: false,
        ..failure(ErrorClass::ServerError)
    };
    assert_eq!(
        stop(&refused, &after(1), &policy),
        Some(StopReason::NotRetryable)
    );
    // x-should-retry: true on a 400.
    let invited = Classification {
        retryable: true,
        ..failure(ErrorClass::InvalidRequest)
    };
    assert_eq!(stop(&invited, &after(1), &policy), None);
}

#[test]
fn explicit_server_should_retry_beats_the_override_even_when_it_matches_the_default() {
    let mut policy = no_jitter();
    policy.classes.insert(
        ErrorClass::QuotaExhausted,
        ClassOverride {
            max_attempts: None,
            retry: Some(true),
        },
    );
    let c = failure(ErrorClass::QuotaExhausted);
    let state = AttemptState {
        server_should_retry: Some(false),
        ..after(1)
    };
    assert!(!retryable(&c, &state, &policy));
    assert_eq!(stop(&c, &state, &policy), Some(StopReason::NotRetryable));
    let state = AttemptState {
        server_should_retry: Some(true),
        ..after(1)
    };
    assert_eq!(
        stop(
            &failure(ErrorClass::NotFound),
            &state,
            &RetryPolicy::default()
        ),
        None
    );
}

#[test]
fn conflict_and_malformed_response_are_retried_once_by_default() {
    for class in [ErrorClass::Conflict, ErrorClass::MalformedResponse] {
        assert_eq!(
            stop(&failure(class), &after(1), &no_jitter()),
            None,
            "{class}"
        );
        assert_eq!(
            stop(&failure(class), &after(2), &no_jitter()),
            Some(StopReason::MaxAttempts),
            "{class}"
        );
        // Earlier failures of other classes do not use up the one retry.
        let mixed = AttemptState {
            attempts: 3,
            attempts_in_class: 1,
            ..after(3)
        };
        assert_eq!(stop(&failure(class), &mixed, &no_jitter()), None, "{class}");
    }
}

#[test]
fn a_class_override_replaces_the_retry_once_default() {
    let mut policy = no_jitter();
    policy.classes.insert(
        ErrorClass::Conflict,
        ClassOverride {
            max_attempts: Some(3),
            retry: None,
        },
    );
    assert_eq!(
        stop(&failure(ErrorClass::Conflict), &after(2), &policy),
        None
    );
    assert_eq!(
        stop(&failure(ErrorClass::Conflict), &after(3), &policy),
        Some(StopReason::MaxAttempts)
    );
}

#[test]
fn overall_attempt_limit_counts_every_attempt() {
    let c = failure(ErrorClass::ServerError);
    assert_eq!(stop(&c, &after(4), &no_jitter()), None);
    assert_eq!(
        stop(&c, &after(5), &no_jitter()),
        Some(StopReason::MaxAttempts)
    );
    let mixed = AttemptState {
        attempts: 5,
        attempts_in_class: 1,
        ..after(5)
    };
    assert_eq!(
        stop(&c, &mixed, &no_jitter()),
        Some(StopReason::MaxAttempts)
    );
    let once = RetryPolicy {
        max_attempts: 1,
        ..no_jitter()
    };
    assert_eq!(stop(&c, &after(1), &once), Some(StopReason::MaxAttempts));
}

#[test]
fn a_higher_class_limit_raises_the_ceiling_for_that_class_only() {
    let mut policy = no_jitter();
    policy.classes.insert(
        ErrorClass::Overloaded,
        ClassOverride {
            max_attempts: Some(8),
            retry: None,
        },
    );
    assert_eq!(
        stop(&failure(ErrorClass::Overloaded), &after(7), &policy),
        None
    );
    assert_eq!(
        stop(&failure(ErrorClass::Overloaded), &after(8), &policy),
        Some(StopReason::MaxAttempts)
    );
    assert_eq!(
        stop(&failure(ErrorClass::ServerError), &after(5), &policy),
        Some(StopReason::MaxAttempts)
    );
}

#[test]
fn a_lower_class_limit_counts_attempts_of_that_class() {
    let mut policy = no_jitter();
    policy.classes.insert(
        ErrorClass::Overloaded,
        ClassOverride {
            max_attempts: Some(2),
            retry: None,
        },
    );
    let first_overload = AttemptState {
        attempts: 3,
        attempts_in_class: 1,
        ..after(3)
    };
    assert_eq!(
        stop(&failure(ErrorClass::Overloaded), &first_overload, &policy),
        None
    );
    let second_overload = AttemptState {
        attempts: 4,
        attempts_in_class: 2,
        ..after(4)
    };
    assert_eq!(
        stop(&failure(ErrorClass::Overloaded), &second_overload, &policy),
        Some(StopReason::MaxAttempts)
    );
}

#[test]
fn a_server_hint_is_used_verbatim_with_its_source() {
    let sources = [
        (HintSource::RetryAfterMs, "retry-after-ms"),
        (HintSource::RetryAfter, "retry-after"),
        (HintSource::RetryInfo, "retry_info"),
        (HintSource::Message, "message"),
        (HintSource::RatelimitReset, "ratelimit-reset"),
    ];
    let policy = RetryPolicy::default(); // equal jitter: a hint must still not be jittered
    for (hint_source, name) in sources {
        let delay_source = DelaySource::Hint(hint_source);
        let got = plan(
            &hinted(ErrorClass::RateLimited, 1_234, hint_source),
            &after(1),
            &policy,
        );
        assert_eq!((got.delay_ms, got.delay_source), (1_234, delay_source));
        assert_eq!(got.delay_source.as_str(), name);
    }
    // Longer than max_backoff_ms, still verbatim; late attempts do not grow it.
    assert_eq!(
        plan(
            &hinted(ErrorClass::RateLimited, 60_000, HintSource::RetryAfter),
            &after(4),
            &policy
        )
        .delay_ms,
        60_000
    );
}

#[test]
fn a_zero_or_tiny_hint_waits_the_delay_floor_keeping_its_source() {
    // `Retry-After: 0`, a date already past, "try again in 1ms": without a floor five attempts
    // would go out back to back. The floor is the policy's first backoff step.
    let policy = RetryPolicy::default();
    for hint in [0, 1, policy.initial_backoff_ms - 1] {
        let got = plan(
            &hinted(ErrorClass::RateLimited, hint, HintSource::RetryAfterMs),
            &after(3),
            &policy,
        );
        assert_eq!(
            (got.delay_ms, got.delay_source),
            (
                policy.initial_backoff_ms,
                DelaySource::Hint(HintSource::RetryAfterMs)
            )
        );
    }
    let floor_off = RetryPolicy::from_json(&serde_json::json!({"initial_backoff_ms": 0})).unwrap();
    let got = plan(
        &hinted(ErrorClass::RateLimited, 0, HintSource::RetryAfter),
        &after(1),
        &floor_off,
    );
    assert_eq!(got.delay_ms, 0, "a policy may still ask for no floor");
}

#[test]
fn a_hint_draws_no_randomness() {
    let mut rng = Counting(0);
    let c = hinted(ErrorClass::RateLimited, 700, HintSource::RetryInfo);
    let _ = decide(&c, &after(1), &RetryPolicy::default(), &mut rng);
    assert_eq!(rng.0, 0);
    let _ = decide(
        &failure(ErrorClass::ServerError),
        &after(1),
        &RetryPolicy::default(),
        &mut rng,
    );
    assert_eq!(rng.0, 1);
}

#[test]
fn a_hint_over_max_server_delay_stops_and_keeps_the_class() {
    let policy = RetryPolicy::default();
    let c = hinted(ErrorClass::RateLimited, 120_001, HintSource::RetryAfter);
    assert_eq!(
        stop(&c, &after(1), &policy),
        Some(StopReason::ServerDelayTooLong)
    );
    assert_eq!(c.class, ErrorClass::RateLimited);
    let at_limit = hinted(ErrorClass::RateLimited, 120_000, HintSource::RetryAfter);
    assert_eq!(plan(&at_limit, &after(1), &policy).delay_ms, 120_000);
    let strict = RetryPolicy {
        max_server_delay_ms: 1_000,
        ..RetryPolicy::default()
    };
    assert_eq!(
        stop(
            &hinted(ErrorClass::RateLimited, 1_001, HintSource::Message),
            &after(1),
            &strict
        ),
        Some(StopReason::ServerDelayTooLong)
    );
}

#[test]
fn rules_apply_in_order() {
    let long_hint = hinted(ErrorClass::RateLimited, 999_999, HintSource::RetryAfter);
    // Not retryable before a long hint.
    let refused = Classification {
        retryable: false,
        ..long_hint.clone()
    };
    assert_eq!(
        stop(&refused, &after(1), &no_jitter()),
        Some(StopReason::NotRetryable)
    );
    // A long hint before the attempt limit.
    assert_eq!(
        stop(&long_hint, &after(5), &no_jitter()),
        Some(StopReason::ServerDelayTooLong)
    );
    // The attempt limit before the deadline.
    let late = AttemptState {
        deadline_ms: Some(1),
        ..after(5)
    };
    assert_eq!(
        stop(&failure(ErrorClass::ServerError), &late, &no_jitter()),
        Some(StopReason::MaxAttempts)
    );
    // The stream rule before retryability.
    let streamed = AttemptState {
        stream_delivered: true,
        ..after(1)
    };
    assert_eq!(
        stop(
            &failure(ErrorClass::InvalidRequest),
            &streamed,
            &no_jitter()
        ),
        Some(StopReason::StreamStarted)
    );
}

#[test]
fn no_retry_starts_at_or_after_the_deadline() {
    let c = failure(ErrorClass::ServerError);
    let state = |elapsed_ms, deadline_ms| AttemptState {
        elapsed_ms,
        deadline_ms: Some(deadline_ms),
        ..after(1)
    };
    assert_eq!(
        stop(&c, &state(1_000, 1_500), &no_jitter()),
        Some(StopReason::Deadline),
        "would start exactly at it"
    );
    assert_eq!(plan(&c, &state(1_000, 1_501), &no_jitter()).delay_ms, 500);
    assert_eq!(
        stop(&c, &state(3_000, 2_000), &no_jitter()),
        Some(StopReason::Deadline),
        "already past it"
    );
    let hint = hinted(ErrorClass::RateLimited, 5_000, HintSource::RetryAfter);
    assert_eq!(
        stop(&hint, &state(1_000, 5_999), &no_jitter()),
        Some(StopReason::Deadline)
    );
    assert_eq!(stop(&hint, &state(1_000, 6_001), &no_jitter()), None);
    assert_eq!(
        stop(&c, &state(u64::MAX, u64::MAX), &no_jitter()),
        Some(StopReason::Deadline),
        "no overflow"
    );
}

#[test]
fn attempt_state_counts_records_of_the_last_class() {
    let record = |n, class, elapsed_ms| AttemptRecord {
        n,
        class: Some(class),
        http_status: None,
        elapsed_ms,
        delay_ms: 0,
        delay_source: None,
        target: None,
        fault: None,
        phase: None,
    };
    let records = [
        record(1, ErrorClass::Overloaded, 100),
        record(2, ErrorClass::RateLimited, 900),
        record(3, ErrorClass::Overloaded, 2_400),
    ];
    let state = AttemptState::from_records(&records);
    assert_eq!(
        (state.attempts, state.attempts_in_class, state.elapsed_ms),
        (3, 2, 2_400)
    );
    assert_eq!(AttemptState::from_records(&[]), AttemptState::default());
}
