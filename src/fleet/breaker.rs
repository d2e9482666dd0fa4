//! A circuit breaker per target: enough failures open it, a cooldown later one probe call
//! half-opens it, and the probe's success closes it (its failure opens it again).
//!
//! For: the pure state machine, driven by `(now_ms, event)`. Not for: storing it (see
//! [`super::state`]) or deciding which failures count (see [`super::policy`]).

use std::collections::VecDeque;

use serde::Deserialize;

/// `fleet.breaker` in the configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct BreakerConfig {
    /// Failures (without a success between them) within `window_ms` that open the breaker.
    pub failures: u32,
    /// How far back failures count.
    pub window_ms: u64,
    /// How long an open breaker refuses calls before one probe is let through. Also the longest a
    /// claimed probe may take before another caller may probe instead.
    pub cooldown_ms: u64,
}

impl Default for BreakerConfig {
    fn default() -> BreakerConfig {
        BreakerConfig {
            failures: 5,
            window_ms: 30_000,
            cooldown_ms: 30_000,
        }
    }
}

/// Where a breaker stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BreakerState {
    /// Calls flow; failures are being counted.
    Closed,
    /// No call is admitted before `until_ms`.
    Open {
        /// When the cooldown ends and a probe may go (Unix epoch milliseconds).
        until_ms: u64,
    },
    /// One probe call has been let through; no other until it ends or its lease (`until_ms`) runs out.
    HalfOpen {
        /// When the probe's lease runs out (Unix epoch milliseconds).
        until_ms: u64,
    },
}

impl BreakerState {
    /// `"closed"`, `"open"` or `"half_open"`.
    pub fn as_str(self) -> &'static str {
        match self {
            BreakerState::Closed => "closed",
            BreakerState::Open { .. } => "open",
            BreakerState::HalfOpen { .. } => "half_open",
        }
    }
}

/// What a breaker says about a new call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BreakerAdmit {
    /// Closed: go ahead.
    Pass,
    /// This call is the probe: its outcome decides whether the breaker closes.
    Probe,
    /// Refused until `until_ms`.
    Refuse {
        /// When to ask again (Unix epoch milliseconds).
        until_ms: u64,
    },
}

/// A change of state worth an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BreakerTransition {
    /// Enough failures (or a failed probe): closed to calls until `until_ms`.
    Opened {
        /// When the cooldown ends.
        until_ms: u64,
    },
    /// The cooldown is over and one probe call was let through.
    HalfOpened,
    /// The probe succeeded: calls flow again.
    Closed,
}

/// One target's breaker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Breaker {
    state: BreakerState,
    /// Times of recent failures (at most `failures` kept).
    recent_failures: VecDeque<u64>,
}

impl Default for Breaker {
    fn default() -> Breaker {
        Breaker {
            state: BreakerState::Closed,
            recent_failures: VecDeque::new(),
        }
    }
}

impl Breaker {
    /// Where the breaker stands now.
    pub fn state(&self) -> BreakerState {
        self.state
    }

    /// Whether a call may go now; claims the probe when the cooldown is over.
    pub fn admit(
        &mut self,
        now_ms: u64,
        config: &BreakerConfig,
    ) -> (BreakerAdmit, Option<BreakerTransition>) {
        match self.state {
            BreakerState::Closed => (BreakerAdmit::Pass, None),
            BreakerState::Open { until_ms } | BreakerState::HalfOpen { until_ms }
                if now_ms < until_ms =>
            {
                (BreakerAdmit::Refuse { until_ms }, None)
            }
            BreakerState::Open { .. } | BreakerState::HalfOpen { .. } => {
                self.state = BreakerState::HalfOpen {
                    until_ms: now_ms.saturating_add(config.cooldown_ms),
                };
                (BreakerAdmit::Probe, Some(BreakerTransition::HalfOpened))
            }
        }
    }

    /// Whether a call could go at `now_ms`, without claiming anything; `Err(until)` otherwise.
    pub fn peek(&self, now_ms: u64) -> Result<(), u64> {
        match self.state {
            BreakerState::Open { until_ms } | BreakerState::HalfOpen { until_ms }
                if now_ms < until_ms =>
            {
                Err(until_ms)
            }
            _ => Ok(()),
        }
    }

    /// A call succeeded: the breaker closes and forgets past failures.
    pub fn on_success(&mut self) -> Option<BreakerTransition> {
        self.recent_failures.clear();
        let was_closed = self.state == BreakerState::Closed;
        self.state = BreakerState::Closed;
        (!was_closed).then_some(BreakerTransition::Closed)
    }

    /// A call failed in a way that counts (overloaded, server error, timeout, network).
    /// `probe` says whether it was the half-open probe.
    pub fn on_failure(
        &mut self,
        now_ms: u64,
        probe: bool,
        config: &BreakerConfig,
    ) -> Option<BreakerTransition> {
        let open = |breaker: &mut Breaker| {
            let until_ms = now_ms.saturating_add(config.cooldown_ms);
            breaker.state = BreakerState::Open { until_ms };
            breaker.recent_failures.clear();
            Some(BreakerTransition::Opened { until_ms })
        };
        match self.state {
            BreakerState::HalfOpen { .. } if probe => open(self),
            // A call admitted before the breaker opened, ending after: already counted enough.
            BreakerState::Open { .. } | BreakerState::HalfOpen { .. } => None,
            BreakerState::Closed => {
                let since = now_ms.saturating_sub(config.window_ms);
                self.recent_failures.retain(|&at| at >= since);
                self.recent_failures.push_back(now_ms);
                if self.recent_failures.len() >= config.failures.max(1) as usize {
                    open(self)
                } else {
                    None
                }
            }
        }
    }

    /// The probe ended without a verdict (cancelled, or a failure that says nothing about the
    /// target's health): another caller may probe at once.
    pub fn on_probe_abandoned(&mut self, now_ms: u64) {
        if let BreakerState::HalfOpen { .. } = self.state {
            self.state = BreakerState::Open { until_ms: now_ms };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CONFIG: BreakerConfig = BreakerConfig {
        failures: 3,
        window_ms: 1_000,
        cooldown_ms: 5_000,
    };

    #[test]
    fn consecutive_failures_open_the_breaker_and_a_success_between_them_resets_the_count() {
        let mut breaker = Breaker::default();
        assert_eq!(breaker.on_failure(0, false, &CONFIG), None);
        assert_eq!(breaker.on_failure(10, false, &CONFIG), None);
        assert_eq!(breaker.on_success(), None);
        assert_eq!(breaker.on_failure(20, false, &CONFIG), None);
        assert_eq!(breaker.on_failure(30, false, &CONFIG), None);
        assert_eq!(
            breaker.on_failure(40, false, &CONFIG),
            Some(BreakerTransition::Opened { until_ms: 5_040 })
        );
        assert_eq!(
            breaker.admit(5_039, &CONFIG).0,
            BreakerAdmit::Refuse { until_ms: 5_040 }
        );
    }

    #[test]
    fn failures_older_than_the_window_do_not_count() {
        let mut breaker = Breaker::default();
        breaker.on_failure(0, false, &CONFIG);
        breaker.on_failure(500, false, &CONFIG);
        assert_eq!(breaker.on_failure(1_600, false, &CONFIG), None);
        assert_eq!(breaker.state(), BreakerState::Closed);
    }

    #[test]
    fn after_the_cooldown_exactly_one_probe_passes_and_its_success_closes() {
        let mut breaker = Breaker::default();
        for at in 0..3 {
            breaker.on_failure(at, false, &CONFIG);
        }
        let (admit, transition) = breaker.admit(5_002, &CONFIG);
        assert_eq!(admit, BreakerAdmit::Probe);
        assert_eq!(transition, Some(BreakerTransition::HalfOpened));
        assert!(matches!(
            breaker.admit(5_003, &CONFIG).0,
            BreakerAdmit::Refuse { .. }
        ));
        assert_eq!(breaker.on_success(), Some(BreakerTransition::Closed));
        assert_eq!(breaker.admit(5_004, &CONFIG).0, BreakerAdmit::Pass);
    }

    #[test]
    fn a_failed_probe_reopens_for_another_cooldown_and_stragglers_do_not() {
        let mut breaker = Breaker::default();
        for at in 0..3 {
            breaker.on_failure(at, false, &CONFIG);
        }
        assert_eq!(breaker.on_failure(100, false, &CONFIG), None, "straggler");
        breaker.admit(6_000, &CONFIG);
        assert_eq!(
            breaker.on_failure(6_100, true, &CONFIG),
            Some(BreakerTransition::Opened { until_ms: 11_100 })
        );
    }

    #[test]
    fn a_lost_probe_lease_lets_another_caller_probe() {
        let mut breaker = Breaker::default();
        for at in 0..3 {
            breaker.on_failure(at, false, &CONFIG);
        }
        assert_eq!(breaker.admit(6_000, &CONFIG).0, BreakerAdmit::Probe);
        assert_eq!(breaker.admit(11_000, &CONFIG).0, BreakerAdmit::Probe);
        breaker.on_probe_abandoned(11_001);
        assert_eq!(breaker.admit(11_001, &CONFIG).0, BreakerAdmit::Probe);
    }
}
