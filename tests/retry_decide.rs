//! The retry decision: every rule of DESIGN §4 firing and not firing, in order, plus properties
//! that must hold for every generated state (no retry crosses the deadline or the attempt limit).

use llmwire::classify::{Classification, HintSource};
use llmwire::error::AttemptRecord;
use llmwire::retry::{
    budget_cost, decide, decide_with_budget, exponential_backoff_ms, retryable, AttemptState,
    ClassOverride, Decision, DelaySource, Jitter, RandomSource, RetryBudget, RetryPlan,
    RetryPolicy, SplitMix64,
};
use llmwire::taxonomy::{ErrorClass, StopReason};

fn failure(class: ErrorClass) -> Classification {
    Classification::local(class, "boom")
}

fn hinted(class: ErrorClass, ms: u64, source: HintSource) -> Classification {
    Classification {
        retry_after_ms: Some(ms),
        hint_source: Some(source),
        ..failure(class)
    }
}

/// The state after `attempts` attempts, all of the same class, at 1 s.
fn after(attempts: u32) -> AttemptState {
    AttemptState {
        attempts,
        attempts_in_class: attempts,
        elapsed_ms: 1_000,
        ..AttemptState::default()
    }
}

fn no_jitter() -> RetryPolicy {
    RetryPolicy {
        jitter: Jitter::None,
        ..RetryPolicy::default()
    }
}

fn run(c: &Classification, state: &AttemptState, policy: &RetryPolicy) -> Decision {
    decide(c, state, policy, &mut SplitMix64::new(1))
}

fn stop(c: &Classification, state: &AttemptState, policy: &RetryPolicy) -> Option<StopReason> {
    run(c, state, policy).stop_reason()
}

fn plan(c: &Classification, state: &AttemptState, policy: &RetryPolicy) -> RetryPlan {
    match run(c, state, policy) {
        Decision::Retry(plan) => plan,
        Decision::Stop(reason) => panic!("expected a retry, got Stop({reason:?})"),
    }
}

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
        (
            HintSource::RetryAfterMs,
            DelaySource::RetryAfterMs,
            "retry-after-ms",
        ),
        (
            HintSource::RetryAfter,
            DelaySource::RetryAfter,
            "retry-after",
        ),
        (HintSource::RetryInfo, DelaySource::RetryInfo, "retry_info"),
        (HintSource::Message, DelaySource::Message, "message"),
        (
            HintSource::RatelimitReset,
            DelaySource::RatelimitReset,
            "ratelimit-reset",
        ),
    ];
    let policy = RetryPolicy::default(); // equal jitter: a hint must still not be jittered
    for (hint_source, delay_source, name) in sources {
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
fn a_zero_hint_retries_at_once() {
    let got = plan(
        &hinted(ErrorClass::RateLimited, 0, HintSource::RetryAfterMs),
        &after(3),
        &RetryPolicy::default(),
    );
    assert_eq!(
        (got.delay_ms, got.delay_source),
        (0, DelaySource::RetryAfterMs)
    );
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
fn backoff_doubles_from_500_ms_and_caps_at_20_s() {
    let c = failure(ErrorClass::ServerError);
    let policy = RetryPolicy {
        max_attempts: u32::MAX,
        ..no_jitter()
    };
    let delays: Vec<u64> = (1..=8)
        .map(|n| plan(&c, &after(n), &policy).delay_ms)
        .collect();
    assert_eq!(
        delays,
        [500, 1_000, 2_000, 4_000, 8_000, 16_000, 20_000, 20_000]
    );
    assert_eq!(plan(&c, &after(1_000), &policy).delay_ms, 20_000);
    assert_eq!(plan(&c, &after(u32::MAX - 1), &policy).delay_ms, 20_000);
    assert_eq!(
        plan(&c, &after(1), &policy).delay_source,
        DelaySource::Backoff
    );
}

#[test]
fn backoff_never_overflows_even_with_huge_settings() {
    for attempt in [1, 2, 63, 64, 65, 1_000, 100_000, u32::MAX] {
        for multiplier in [1.0, 1.000_001, 2.0, 10.0, 1e300] {
            let delay = exponential_backoff_ms(u64::MAX / 2, multiplier, u64::MAX, attempt);
            assert!(delay >= u64::MAX / 2 - 1, "{attempt} {multiplier}: {delay}");
            assert!(exponential_backoff_ms(500, multiplier, 20_000, attempt) <= 20_000);
        }
    }
}

#[test]
fn equal_jitter_stays_in_the_upper_half_and_full_jitter_in_the_whole_range() {
    let c = failure(ErrorClass::ServerError);
    let state = after(3); // 2000 ms before jitter
    for (jitter, low) in [(Jitter::Equal, 1_000), (Jitter::Full, 0)] {
        let policy = RetryPolicy {
            jitter,
            ..RetryPolicy::default()
        };
        let mut rng = SplitMix64::new(99);
        let delays: Vec<u64> = (0..2_000)
            .map(|_| match decide(&c, &state, &policy, &mut rng) {
                Decision::Retry(plan) => plan.delay_ms,
                other => panic!("{other:?}"),
            })
            .collect();
        assert!(
            delays.iter().all(|d| (low..=2_000).contains(d)),
            "{jitter:?}"
        );
        // Spread over the range, not stuck at one value.
        let (min, max) = (delays.iter().min().copied(), delays.iter().max().copied());
        assert!(
            min < Some(low + 100) && max > Some(1_900),
            "{jitter:?}: {min:?}..{max:?}"
        );
    }
}

#[test]
fn a_seed_makes_jitter_reproducible() {
    let c = failure(ErrorClass::Overloaded);
    let policy =
        RetryPolicy::from_json(&serde_json::json!({"seed": 7, "max_attempts": 50})).unwrap();
    let sequence = |entropy: u64| -> Vec<u64> {
        let mut rng = policy.jitter_rng(entropy);
        (1..40)
            .map(|n| match decide(&c, &after(n), &policy, &mut rng) {
                Decision::Retry(plan) => plan.delay_ms,
                other => panic!("{other:?}"),
            })
            .collect()
    };
    assert_eq!(
        sequence(1),
        sequence(2),
        "the seed wins over the client's entropy"
    );
    let unseeded = RetryPolicy {
        seed: None,
        ..policy.clone()
    };
    let mut a = unseeded.jitter_rng(1);
    let mut b = unseeded.jitter_rng(2);
    let draws = |rng: &mut SplitMix64| (0..4).map(|_| rng.next_u64()).collect::<Vec<_>>();
    assert_ne!(draws(&mut a), draws(&mut b));
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
fn timeouts_cost_more_budget_and_a_disabled_budget_costs_nothing() {
    let policy = no_jitter();
    assert_eq!(
        plan(&failure(ErrorClass::Timeout), &after(1), &policy).budget_cost,
        10
    );
    assert_eq!(
        plan(&failure(ErrorClass::Network), &after(1), &policy).budget_cost,
        5
    );
    let mut disabled = no_jitter();
    disabled.budget.enabled = false;
    assert_eq!(
        plan(&failure(ErrorClass::Timeout), &after(1), &disabled).budget_cost,
        0
    );
    assert_eq!(budget_cost(ErrorClass::RateLimited, &policy), 5);
}

#[test]
fn an_empty_budget_turns_a_retry_into_budget_exhausted() {
    let policy = no_jitter();
    let budget = RetryBudget::new(12);
    let mut rng = SplitMix64::new(0);
    let c = failure(ErrorClass::ServerError);
    let decisions: Vec<Option<StopReason>> = (0..3)
        .map(|_| decide_with_budget(&c, &after(1), &policy, &mut rng, &budget).stop_reason())
        .collect();
    assert_eq!(decisions, [None, None, Some(StopReason::BudgetExhausted)]);
    assert_eq!(budget.level(), 2);
    // A stop costs nothing; a disabled budget (cost 0) is never exhausted.
    let refused = decide_with_budget(
        &failure(ErrorClass::NotFound),
        &after(1),
        &policy,
        &mut rng,
        &budget,
    );
    assert_eq!(refused.stop_reason(), Some(StopReason::NotRetryable));
    assert_eq!(budget.level(), 2);
    let mut disabled = no_jitter();
    disabled.budget.enabled = false;
    assert_eq!(
        decide_with_budget(&c, &after(1), &disabled, &mut rng, &RetryBudget::new(0)).stop_reason(),
        None
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

/// xorshift64*: the generator of the property tests, independent of the crate's own.
struct TestRng(u64);
impl TestRng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

fn generated_case(g: &mut TestRng) -> (Classification, AttemptState, RetryPolicy) {
    let class = ErrorClass::ALL[g.below(ErrorClass::ALL.len() as u64) as usize];
    let mut c = failure(class);
    if g.chance(10) {
        c.retryable = !c.retryable;
    }
    if g.chance(40) {
        c.retry_after_ms = Some(match g.below(3) {
            0 => g.below(1_000),
            1 => g.below(200_000),
            _ => g.next(),
        });
        c.hint_source = Some(HintSource::RetryAfter);
    }
    let mut policy = RetryPolicy {
        max_attempts: 1 + g.below(10) as u32,
        initial_backoff_ms: g.below(5_000),
        multiplier: 1.0 + g.below(40) as f64 / 10.0,
        jitter: [Jitter::Equal, Jitter::Full, Jitter::None][g.below(3) as usize],
        max_server_delay_ms: g.below(300_000),
        ..RetryPolicy::default()
    };
    policy.max_backoff_ms = policy.initial_backoff_ms + g.below(60_000);
    if g.chance(30) && class.is_server_class() {
        let max_attempts = g.chance(70).then(|| 1 + g.below(12) as u32);
        let retry = g.chance(50).then(|| g.chance(50));
        policy.classes.insert(
            class,
            ClassOverride {
                max_attempts,
                retry,
            },
        );
    }
    let attempt_range = if g.chance(5) { u32::MAX as u64 - 1 } else { 15 };
    let attempts = 1 + g.below(attempt_range) as u32;
    let state = AttemptState {
        attempts,
        attempts_in_class: 1 + g.below(attempts as u64) as u32,
        elapsed_ms: if g.chance(2) {
            g.next()
        } else {
            g.below(100_000)
        },
        deadline_ms: g.chance(70).then(|| {
            if g.chance(2) {
                g.next()
            } else {
                g.below(120_000)
            }
        }),
        stream_delivered: g.chance(5),
        cancelled: g.chance(5),
        server_should_retry: g.chance(10).then(|| g.chance(50)),
    };
    (c, state, policy)
}

#[test]
fn property_no_retry_crosses_the_deadline_or_the_attempt_limits() {
    let mut g = TestRng(0x5EED_1234_ABCD_0001);
    let mut retries = 0;
    for case in 0..50_000 {
        let (c, state, policy) = generated_case(&mut g);
        let mut rng = SplitMix64::new(case);
        let Decision::Retry(plan) = decide(&c, &state, &policy, &mut rng) else {
            continue;
        };
        retries += 1;
        let context = format!("case {case}: {c:?} {state:?} {policy:?} → {plan:?}");
        if let Some(deadline) = state.deadline_ms {
            assert!(
                state
                    .elapsed_ms
                    .checked_add(plan.delay_ms)
                    .is_some_and(|end| end < deadline),
                "{context}"
            );
        }
        assert!(state.attempts < policy.overall_limit(c.class), "{context}");
        if let Some(limit) = policy.class_limit(c.class) {
            assert!(state.attempts_in_class < limit, "{context}");
        }
        assert!(
            retryable(&c, &state, &policy) && !state.cancelled && !state.stream_delivered,
            "{context}"
        );
        match c.retry_after_ms {
            Some(hint) => {
                assert_eq!(plan.delay_ms, hint, "{context}");
                assert!(hint <= policy.max_server_delay_ms, "{context}");
            }
            None => assert!(plan.delay_ms <= policy.max_backoff_ms, "{context}"),
        }
    }
    assert!(
        retries > 2_000,
        "the generator must reach the retry branch often: {retries}"
    );
}

#[test]
fn property_decide_is_a_pure_function_of_its_inputs() {
    let mut g = TestRng(42);
    for case in 0..5_000 {
        let (c, state, policy) = generated_case(&mut g);
        let first = decide(&c, &state, &policy, &mut SplitMix64::new(case));
        let second = decide(&c, &state, &policy, &mut SplitMix64::new(case));
        assert_eq!(first, second);
    }
}
