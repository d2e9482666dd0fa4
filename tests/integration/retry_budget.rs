//! The client-wide retry budget: what a retry costs, how decide_with_budget pays for it, and the
//! bucket draining, refilling and staying exact under 8 threads at once.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Barrier};
use std::thread;

use llmwire::retry::{
    budget_cost, decide_with_budget, BudgetConfig, RetryBudget, RetryPolicy, SplitMix64,
};
use llmwire::taxonomy::{ErrorClass, StopReason};

use crate::retry_builders::*;

const THREADS: usize = 8;

/// Runs `work(thread_index)` on 8 threads released together.
fn hammer(work: impl Fn(usize) + Send + Sync + 'static) {
    let work = Arc::new(work);
    let start = Arc::new(Barrier::new(THREADS));
    let handles: Vec<_> = (0..THREADS)
        .map(|index| {
            let (work, start) = (Arc::clone(&work), Arc::clone(&start));
            thread::spawn(move || {
                start.wait();
                work(index);
            })
        })
        .collect();
    for handle in handles {
        handle.join().unwrap();
    }
}

#[test]
fn a_budget_starts_full_drains_and_refills_up_to_capacity() {
    let budget = RetryBudget::from_config(&RetryPolicy::default().budget);
    assert_eq!((budget.level(), budget.capacity()), (500, 500));
    let granted = (0..200).filter(|_| budget.try_acquire(5)).count();
    assert_eq!(granted, 100, "500 tokens pay for exactly 100 retries");
    assert!(!budget.try_acquire(1));
    assert!(budget.try_acquire(0), "a free retry is always granted");
    budget.record_success();
    assert_eq!(budget.level(), 1);
    budget.refund(10_000);
    assert_eq!(budget.level(), 500, "never above capacity");
    budget.refund(u32::MAX);
    assert_eq!(budget.level(), 500);
}

#[test]
fn success_refund_follows_the_config() {
    let config = BudgetConfig {
        capacity: 20,
        success_refund: 3,
        ..BudgetConfig::default()
    };
    let budget = RetryBudget::from_config(&config);
    assert!(budget.try_acquire(20));
    budget.record_success();
    budget.record_success();
    assert_eq!(budget.level(), 6);
}

#[test]
fn eight_threads_never_get_more_retries_than_the_budget_holds() {
    let budget = Arc::new(RetryBudget::new(500));
    let granted = Arc::new(AtomicU32::new(0));
    let (shared, count) = (Arc::clone(&budget), Arc::clone(&granted));
    hammer(move |index| {
        for attempt in 0..200 {
            let cost = if (index + attempt) % 2 == 0 { 5 } else { 10 };
            if shared.try_acquire(cost) {
                count.fetch_add(cost, Ordering::Relaxed);
            }
        }
    });
    // Tokens handed out plus tokens left is the capacity exactly: nothing lost, nothing duplicated.
    assert_eq!(granted.load(Ordering::Relaxed) + budget.level(), 500);
    assert!(
        budget.level() < 5,
        "8 × 200 tries drain the bucket: {}",
        budget.level()
    );
}

#[test]
fn eight_threads_refilling_an_empty_budget_add_up_exactly() {
    let budget = Arc::new(RetryBudget::new(500));
    assert!(budget.try_acquire(500));
    let shared = Arc::clone(&budget);
    hammer(move |_| {
        for _ in 0..50 {
            shared.record_success();
        }
    });
    assert_eq!(budget.level(), 400);
    let shared = Arc::clone(&budget);
    hammer(move |_| {
        for _ in 0..100 {
            shared.record_success();
        }
    });
    assert_eq!(
        budget.level(),
        500,
        "capped, however the refunds interleave"
    );
}

#[test]
fn eight_threads_taking_and_giving_back_keep_the_level_in_bounds() {
    let budget = Arc::new(RetryBudget::new(60));
    let shared = Arc::clone(&budget);
    hammer(move |index| {
        let cost = 5 + (index as u32 % 3) * 5;
        for _ in 0..5_000 {
            if shared.try_acquire(cost) {
                assert!(shared.level() <= 60);
                shared.refund(cost);
            }
            assert!(shared.level() <= 60);
        }
    });
    assert_eq!(budget.level(), 60, "every acquired token came back");
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
