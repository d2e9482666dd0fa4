//! Exponential backoff with jitter, and the injected random source it draws from.
//!
//! For: turning "this is retry number n" into a delay in milliseconds, deterministically when the
//! random source is seeded. Not for: server hints (they are used verbatim by [`super::decide`]) or
//! sleeping (the client loop sleeps; this module only computes numbers).

use serde::{Deserialize, Serialize};

/// A source of uniformly distributed 64-bit numbers.
///
/// Injected into [`super::decide`] so tests (and users who set `retry.seed`) get reproducible delays.
/// The crate never reads OS entropy itself: the client seeds its generator.
pub trait RandomSource {
    /// The next number; every bit equally likely to be 0 or 1.
    fn next_u64(&mut self) -> u64;
}

/// A small, fast, seedable generator (Steele, Lea and Flood's SplitMix64).
///
/// Not cryptographic; plenty for spreading retries in time. Equal seeds give equal sequences:
///
/// ```
/// use llmwire::retry::{RandomSource, SplitMix64};
/// let (mut a, mut b) = (SplitMix64::new(7), SplitMix64::new(7));
/// assert_eq!(a.next_u64(), b.next_u64());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SplitMix64 {
    state: u64,
}

impl SplitMix64 {
    /// A generator starting from `seed` (any value, 0 included).
    pub const fn new(seed: u64) -> SplitMix64 {
        SplitMix64 { state: seed }
    }
}

impl RandomSource for SplitMix64 {
    fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

/// How the computed backoff is randomised.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Jitter {
    /// Half the delay fixed, the other half uniform: a delay `d` becomes `[⌈d/2⌉, d]`.
    #[default]
    Equal,
    /// Uniform in `[0, d]`: spreads clients best, but may retry almost at once.
    Full,
    /// Exactly `d`: for tests and for single clients that need predictable timing.
    None,
}

impl Jitter {
    /// The snake_case name used in the configuration.
    pub const fn as_str(self) -> &'static str {
        match self {
            Jitter::Equal => "equal",
            Jitter::Full => "full",
            Jitter::None => "none",
        }
    }

    /// Applies this jitter to the delay `delay_ms`, drawing from `rng` (never for [`Jitter::None`]).
    ///
    /// The result is never above `delay_ms`.
    pub fn apply(self, delay_ms: u64, rng: &mut dyn RandomSource) -> u64 {
        match self {
            Jitter::None => delay_ms,
            Jitter::Full => uniform_inclusive(rng, delay_ms),
            Jitter::Equal => {
                let random_half = delay_ms / 2;
                (delay_ms - random_half) + uniform_inclusive(rng, random_half)
            }
        }
    }
}

/// A number uniform in `[0, max]` (Lemire's multiply-shift; bias below 2^-64 × max, irrelevant here).
pub fn uniform_inclusive(rng: &mut dyn RandomSource, max: u64) -> u64 {
    match max.checked_add(1) {
        None => rng.next_u64(),
        Some(span) => ((u128::from(rng.next_u64()) * u128::from(span)) >> 64) as u64,
    }
}

/// The delay before retry number `retry` (1 for the first retry), before jitter:
/// `initial_ms × multiplier^(retry−1)`, capped at `max_ms`.
///
/// Total for every input: never overflows, never NaN, whatever the retry number.
///
/// ```
/// use llmwire::retry::exponential_backoff_ms;
/// assert_eq!(exponential_backoff_ms(500, 2.0, 20_000, 1), 500);
/// assert_eq!(exponential_backoff_ms(500, 2.0, 20_000, 3), 2_000);
/// assert_eq!(exponential_backoff_ms(500, 2.0, 20_000, 1_000), 20_000);
/// ```
pub fn exponential_backoff_ms(initial_ms: u64, multiplier: f64, max_ms: u64, retry: u32) -> u64 {
    if initial_ms == 0 || max_ms == 0 {
        return 0;
    }
    // Any multiplier ≥ 1 to the power 2048 is either 1 or beyond f64's range (inf), so clamping the
    // exponent changes nothing and keeps the `i32` conversion exact.
    let exponent = retry.saturating_sub(1).min(2048) as i32;
    let multiplier = if multiplier.is_finite() && multiplier >= 1.0 {
        multiplier
    } else {
        1.0
    };
    let delay = initial_ms as f64 * multiplier.powi(exponent);
    if delay >= max_ms as f64 {
        max_ms
    } else {
        // 0 ≤ delay < max_ms ≤ u64::MAX here, so the conversion neither saturates nor sees NaN.
        delay as u64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Fixed(u64);
    impl RandomSource for Fixed {
        fn next_u64(&mut self) -> u64 {
            self.0
        }
    }

    #[test]
    fn splitmix_matches_the_reference_sequence() {
        // First outputs for seed 1234567 from the reference implementation (Vigna's splitmix64.c).
        let mut rng = SplitMix64::new(1_234_567);
        assert_eq!(rng.next_u64(), 6_457_827_717_110_365_317);
        assert_eq!(rng.next_u64(), 3_203_168_211_198_807_973);
    }

    #[test]
    fn uniform_reaches_both_ends() {
        assert_eq!(uniform_inclusive(&mut Fixed(0), 10), 0);
        assert_eq!(uniform_inclusive(&mut Fixed(u64::MAX), 10), 10);
        assert_eq!(uniform_inclusive(&mut Fixed(u64::MAX), u64::MAX), u64::MAX);
        assert_eq!(uniform_inclusive(&mut Fixed(12345), 0), 0);
    }

    #[test]
    fn equal_jitter_keeps_the_larger_half_fixed() {
        assert_eq!(Jitter::Equal.apply(1001, &mut Fixed(0)), 501);
        assert_eq!(Jitter::Equal.apply(1001, &mut Fixed(u64::MAX)), 1001);
        assert_eq!(Jitter::Full.apply(1001, &mut Fixed(0)), 0);
        assert_eq!(Jitter::None.apply(1001, &mut Fixed(0)), 1001);
    }

    #[test]
    fn odd_policies_do_not_produce_nonsense() {
        assert_eq!(exponential_backoff_ms(0, 2.0, 100, u32::MAX), 0);
        assert_eq!(exponential_backoff_ms(500, f64::NAN, 20_000, 9), 500);
        assert_eq!(exponential_backoff_ms(500, 1.0, 20_000, u32::MAX), 500);
        assert_eq!(exponential_backoff_ms(u64::MAX, 2.0, u64::MAX, 2), u64::MAX);
        assert_eq!(exponential_backoff_ms(500, 1.5, 20_000, 2), 750);
        assert_eq!(exponential_backoff_ms(500, 2.0, 300, 1), 300);
    }
}
