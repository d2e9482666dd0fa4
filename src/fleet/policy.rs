//! What a failure tells about a target, and whether the call moves to another target: the table
//! of docs/fleet.md §3 as one pure function.
//!
//! For: `effect_of(classification, now, policy)` and `fails_over`. Not for: applying an effect
//! (a store's job) or picking the next target (the client loop).

use serde::Deserialize;

use super::breaker::BreakerConfig;
use crate::classify::Classification;
use crate::taxonomy::ErrorClass;

/// `fleet` in the configuration: how failures change a target's state.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct FleetPolicy {
    /// When a target's circuit breaker opens, and for how long.
    pub breaker: BreakerConfig,
    /// How long a target answering `authentication`, `permission_denied` or `not_found` is set aside.
    pub disable_ms: u64,
    /// Cooling after a per-minute quota without a hint.
    pub quota_minute_ms: u64,
    /// Cooling after a daily or billing quota without a hint (`insufficient_quota`, `PerDay`).
    pub quota_day_ms: u64,
    /// Cooling after `rate_limited` without a hint.
    pub rate_limit_ms: u64,
    /// Classes that normally stop a call but should fail over instead: `invalid_request`,
    /// `content_filtered` (off by default: another provider seldom judges the same request
    /// differently).
    pub fail_over_on: Vec<ErrorClass>,
}

impl Default for FleetPolicy {
    fn default() -> FleetPolicy {
        FleetPolicy {
            breaker: BreakerConfig::default(),
            disable_ms: 600_000,
            quota_minute_ms: 60_000,
            quota_day_ms: 3_600_000,
            rate_limit_ms: 1_000,
            fail_over_on: Vec::new(),
        }
    }
}

/// What one attempt's outcome does to its target.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    /// The target answered usefully: its breaker closes.
    Healthy,
    /// Nothing is learned about the target (e.g. the request itself was wrong).
    Neutral,
    /// Not before `until_ms`, then as before.
    Cool {
        /// When the target may take calls again (Unix epoch milliseconds).
        until_ms: u64,
        /// The class that set it cooling (`rate_limited`, `quota_exhausted`).
        reason: ErrorClass,
    },
    /// Not before `until_ms`: the key or model is wrong for this target.
    Disable {
        /// When the target is tried again (Unix epoch milliseconds).
        until_ms: u64,
        /// The class that disabled it (`authentication`, `permission_denied`, `not_found`).
        reason: ErrorClass,
    },
    /// One failure for the target's circuit breaker.
    BreakerFailure {
        /// The class of the failure counted.
        reason: ErrorClass,
    },
}

/// The effect of a failed attempt (classified) on its target, at `now_ms`.
pub fn effect_of(classification: &Classification, now_ms: u64, policy: &FleetPolicy) -> Effect {
    let class = classification.class;
    let hinted = |default_ms: u64| {
        now_ms.saturating_add(classification.retry_after_ms.unwrap_or(default_ms))
    };
    match class {
        ErrorClass::RateLimited => Effect::Cool {
            until_ms: hinted(policy.rate_limit_ms),
            reason: class,
        },
        ErrorClass::QuotaExhausted => Effect::Cool {
            until_ms: hinted(if is_long_quota(classification) {
                policy.quota_day_ms
            } else {
                policy.quota_minute_ms
            }),
            reason: class,
        },
        ErrorClass::Overloaded
        | ErrorClass::ServerError
        | ErrorClass::Timeout
        | ErrorClass::Network => Effect::BreakerFailure { reason: class },
        ErrorClass::Authentication | ErrorClass::PermissionDenied | ErrorClass::NotFound => {
            Effect::Disable {
                until_ms: now_ms.saturating_add(policy.disable_ms),
                reason: class,
            }
        }
        _ => Effect::Neutral,
    }
}

/// Whether a failure of this class sends the call to the next available target at once.
/// (`context_length_exceeded` fails over too, but only to a target whose window fits: the loop
/// decides that one.)
pub fn fails_over(class: ErrorClass, policy: &FleetPolicy) -> bool {
    match class {
        ErrorClass::RateLimited
        | ErrorClass::QuotaExhausted
        | ErrorClass::Overloaded
        | ErrorClass::ServerError
        | ErrorClass::Timeout
        | ErrorClass::Network
        | ErrorClass::Authentication
        | ErrorClass::PermissionDenied
        | ErrorClass::NotFound => true,
        other => policy.fail_over_on.contains(&other),
    }
}

/// A daily or billing quota (waiting a minute will not help) rather than a per-minute one.
fn is_long_quota(classification: &Classification) -> bool {
    let quota_id = classification.quota_id.as_deref().unwrap_or_default();
    quota_id.contains("PerDay")
        || quota_id.contains("PerMonth")
        || classification.provider_code.as_deref() == Some("insufficient_quota")
        || classification.error_type.as_deref() == Some("insufficient_quota")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn failure(class: ErrorClass, retry_after_ms: Option<u64>) -> Classification {
        let mut classification = Classification::local(class, "test");
        classification.retry_after_ms = retry_after_ms;
        classification
    }

    #[test]
    fn rate_limited_cools_for_the_hint_else_the_default() {
        let policy = FleetPolicy::default();
        assert_eq!(
            effect_of(&failure(ErrorClass::RateLimited, Some(2_500)), 100, &policy),
            Effect::Cool {
                until_ms: 2_600,
                reason: ErrorClass::RateLimited
            }
        );
        assert_eq!(
            effect_of(&failure(ErrorClass::RateLimited, None), 100, &policy),
            Effect::Cool {
                until_ms: 1_100,
                reason: ErrorClass::RateLimited
            }
        );
    }

    #[test]
    fn a_daily_quota_cools_longer_than_a_per_minute_one() {
        let policy = FleetPolicy::default();
        let mut daily = failure(ErrorClass::QuotaExhausted, None);
        daily.quota_id = Some("GenerateRequestsPerDayPerProjectPerModel-FreeTier".into());
        let minute = failure(ErrorClass::QuotaExhausted, None);
        let mut billing = failure(ErrorClass::QuotaExhausted, None);
        billing.provider_code = Some("insufficient_quota".into());
        let until = |c: &Classification| match effect_of(c, 0, &policy) {
            Effect::Cool { until_ms, .. } => until_ms,
            other => panic!("{other:?}"),
        };
        assert_eq!(until(&minute), policy.quota_minute_ms);
        assert_eq!(until(&daily), policy.quota_day_ms);
        assert_eq!(until(&billing), policy.quota_day_ms);
    }

    #[test]
    fn transient_server_faults_count_for_the_breaker_and_bad_keys_disable() {
        let policy = FleetPolicy::default();
        for class in [
            ErrorClass::Overloaded,
            ErrorClass::ServerError,
            ErrorClass::Timeout,
            ErrorClass::Network,
        ] {
            assert_eq!(
                effect_of(&failure(class, None), 0, &policy),
                Effect::BreakerFailure { reason: class }
            );
            assert!(fails_over(class, &policy));
        }
        for class in [
            ErrorClass::Authentication,
            ErrorClass::PermissionDenied,
            ErrorClass::NotFound,
        ] {
            assert_eq!(
                effect_of(&failure(class, None), 5, &policy),
                Effect::Disable {
                    until_ms: 600_005,
                    reason: class
                }
            );
        }
    }

    #[test]
    fn invalid_request_and_content_filter_fail_over_only_when_configured() {
        let mut policy = FleetPolicy::default();
        assert!(!fails_over(ErrorClass::InvalidRequest, &policy));
        assert!(!fails_over(ErrorClass::ContentFiltered, &policy));
        assert_eq!(
            effect_of(&failure(ErrorClass::InvalidRequest, None), 0, &policy),
            Effect::Neutral
        );
        policy.fail_over_on = vec![ErrorClass::ContentFiltered];
        assert!(fails_over(ErrorClass::ContentFiltered, &policy));
        assert!(!fails_over(ErrorClass::ContextLengthExceeded, &policy));
    }
}
