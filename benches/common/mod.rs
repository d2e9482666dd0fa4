//! The timing harness the benchmarks share (`mod common;` in each): batches, repeated runs and
//! medians. Each benchmark decides what it times and how it reports; this only measures.

// Each benchmark uses part of the harness.
#![allow(dead_code)]

use std::hint::black_box;
use std::time::{Duration, Instant};

/// The median of `samples` (the upper one of an even count). Panics on an empty list.
pub fn median<T: Copy + PartialOrd>(mut samples: Vec<T>) -> T {
    samples.sort_by(|a, b| a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal));
    samples[samples.len() / 2]
}

/// How many calls of `f` take about `target`, judged from one call.
pub fn calls_per_batch<F: FnMut()>(f: &mut F, target: Duration) -> u32 {
    let start = Instant::now();
    f();
    let once = start.elapsed().max(Duration::from_nanos(20));
    (target.as_nanos() / once.as_nanos()).clamp(1, 100_000) as u32
}

/// Mean time of one call of `f` over a batch of `calls`.
pub fn batch<F: FnMut()>(f: &mut F, calls: u32) -> Duration {
    let start = Instant::now();
    for _ in 0..calls {
        f();
    }
    start.elapsed() / calls
}

/// Runs `body` `runs` times, each timed on its own; returns the durations, sorted.
pub fn sorted_times<T>(runs: usize, mut body: impl FnMut() -> T) -> Vec<Duration> {
    let mut times: Vec<Duration> = (0..runs)
        .map(|_| {
            let start = Instant::now();
            black_box(body());
            start.elapsed()
        })
        .collect();
    times.sort();
    times
}

/// The median time of `runs` calls of `f`, after one warm-up call.
pub fn median_time<T>(runs: usize, mut f: impl FnMut() -> T) -> Duration {
    black_box(f());
    sorted_times(runs, f)[runs / 2]
}

/// Microseconds per call, for `calls` calls that took `total`.
pub fn micros_per_call(total: Duration, calls: usize) -> f64 {
    total.as_secs_f64() * 1e6 / calls as f64
}
