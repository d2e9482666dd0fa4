//! Properties of decide() over generated states, policies and failures: no retry crosses the
//! deadline or an attempt limit, hints are used verbatim, and the result depends only on the inputs.

use llmwire::classify::{Classification, HintSource};
use llmwire::retry::{
    decide, retryable, AttemptState, ClassOverride, Decision, Jitter, RetryPolicy, SplitMix64,
};
use llmwire::taxonomy::ErrorClass;

fn failure(class: ErrorClass) -> Classification {
    Classification::local(class, "boom")
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
                // The hint, or the delay floor (the first backoff step) when it is shorter.
                assert_eq!(
                    plan.delay_ms,
                    hint.max(policy.initial_backoff_ms),
                    "{context}"
                );
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
