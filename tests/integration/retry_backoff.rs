//! Backoff and jitter as decide() applies them: the exponential curve, its cap, overflow at any
//! attempt number, the jitter ranges, and reproducibility from a seed.

use llmwire::retry::{
    decide, exponential_backoff_ms, Decision, DelaySource, Jitter, RandomSource, RetryPolicy,
    SplitMix64,
};
use llmwire::taxonomy::ErrorClass;

use crate::retry_builders::*;

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
