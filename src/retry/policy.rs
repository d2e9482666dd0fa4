//! The retry policy: the `"retry"` object of the client configuration, parsed and checked.
//!
//! For: holding every knob of docs/design.md §4 with its default, and turning JSON into a policy with
//! errors that name the offending key. Not for: applying the policy (that is [`super::decide`]).

use std::collections::HashMap;

use serde::{Deserialize, Deserializer};
use serde_json::{Map, Value};

use super::backoff::{Jitter, SplitMix64};
use crate::error::Error;
use crate::taxonomy::ErrorClass;

/// How a call retries. `RetryPolicy::default()` is the policy of docs/design.md §4.
///
/// Build it with [`RetryPolicy::from_json`] (or serde, which goes through the same checks); a
/// policy built by hand should pass [`RetryPolicy::validate`], although [`super::decide`] stays
/// total even for one that does not.
///
/// ```
/// use llmwire::retry::RetryPolicy;
/// let policy = RetryPolicy::from_json(&serde_json::json!({
///     "max_attempts": 3,
///     "jitter": "full",
///     "classes": {"overloaded": {"max_attempts": 8}}
/// })).unwrap();
/// assert_eq!(policy.max_attempts, 3);
/// assert_eq!(policy.initial_backoff_ms, 500, "defaults fill the rest");
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct RetryPolicy {
    /// Attempts in all, the first one included (so 1 means "never retry").
    pub max_attempts: u32,
    /// The backoff before the first retry.
    pub initial_backoff_ms: u64,
    /// Each further retry waits this many times longer (≥ 1).
    pub multiplier: f64,
    /// No backoff is longer than this (server hints are not capped by it; see `max_server_delay_ms`).
    pub max_backoff_ms: u64,
    /// How the backoff is randomised (server hints never are).
    pub jitter: Jitter,
    /// Seeds the jitter for reproducible delays; `None` lets the client pick a seed per call.
    pub seed: Option<u64>,
    /// A server hint longer than this stops the call at once instead of waiting.
    pub max_server_delay_ms: u64,
    /// Per-class overrides, for server classes only.
    pub classes: HashMap<ErrorClass, ClassOverride>,
    /// The client-wide retry budget.
    pub budget: BudgetConfig,
}

/// The override for one class, `retry.classes.<class>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ClassOverride {
    /// Attempts that may fail with this class in one call; an explicit value above the overall
    /// `max_attempts` also raises the call's ceiling while failures are of this class.
    pub max_attempts: Option<u32>,
    /// Forces the class retryable (`true`) or not (`false`); a server's `x-should-retry` still wins.
    pub retry: Option<bool>,
}

/// The client-wide retry budget, `retry.budget` (see [`super::RetryBudget`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BudgetConfig {
    /// When false, retries cost nothing and the budget never stops a call.
    pub enabled: bool,
    /// Tokens in a full bucket (the bucket starts full).
    pub capacity: u32,
    /// Tokens a retry takes.
    pub retry_cost: u32,
    /// Tokens a retry after a `timeout` failure takes.
    pub timeout_retry_cost: u32,
    /// Tokens a successful call gives back.
    pub success_refund: u32,
}

impl Default for BudgetConfig {
    fn default() -> BudgetConfig {
        BudgetConfig {
            enabled: true,
            capacity: 500,
            retry_cost: 5,
            timeout_retry_cost: 10,
            success_refund: 1,
        }
    }
}

impl Default for RetryPolicy {
    fn default() -> RetryPolicy {
        RetryPolicy {
            max_attempts: 5,
            initial_backoff_ms: 500,
            multiplier: 2.0,
            max_backoff_ms: 20_000,
            jitter: Jitter::Equal,
            seed: None,
            max_server_delay_ms: 120_000,
            classes: HashMap::new(),
            budget: BudgetConfig::default(),
        }
    }
}

const POLICY_KEYS: &[&str] = &[
    "max_attempts",
    "initial_backoff_ms",
    "multiplier",
    "max_backoff_ms",
    "jitter",
    "seed",
    "max_server_delay_ms",
    "classes",
    "budget",
];
const CLASS_KEYS: &[&str] = &["max_attempts", "retry"];
const BUDGET_KEYS: &[&str] = &[
    "enabled",
    "capacity",
    "retry_cost",
    "timeout_retry_cost",
    "success_refund",
];

impl RetryPolicy {
    /// Parses the `"retry"` object of the client configuration.
    ///
    /// Missing keys (and keys set to `null`) take their defaults. Unknown keys, unknown class names,
    /// wrong types and out-of-range values are [`Error::InvalidConfig`] naming the key, e.g.
    /// `unknown key "max_atempts" in retry (did you mean "max_attempts"? expected one of: …)`.
    pub fn from_json(value: &Value) -> Result<RetryPolicy, Error> {
        let object = as_object(value, "retry")?;
        check_keys(object, "retry", POLICY_KEYS)?;
        let mut policy = RetryPolicy::default();
        for (key, value) in object.iter().filter(|(_, value)| !value.is_null()) {
            let path = format!("retry.{key}");
            match key.as_str() {
                "max_attempts" => policy.max_attempts = read_u32(value, &path)?,
                "initial_backoff_ms" => policy.initial_backoff_ms = read_u64(value, &path)?,
                "multiplier" => {
                    policy.multiplier = value
                        .as_f64()
                        .ok_or_else(|| type_error(&path, "a number", value))?
                }
                "max_backoff_ms" => policy.max_backoff_ms = read_u64(value, &path)?,
                "jitter" => policy.jitter = read_jitter(value, &path)?,
                "seed" => policy.seed = Some(read_u64(value, &path)?),
                "max_server_delay_ms" => policy.max_server_delay_ms = read_u64(value, &path)?,
                "classes" => policy.classes = read_classes(value)?,
                "budget" => policy.budget = read_budget(value)?,
                // `check_keys` let through only the keys above.
                _ => {}
            }
        }
        policy.validate()?;
        Ok(policy)
    }

    /// Checks the ranges: `max_attempts ≥ 1`, `multiplier` finite and ≥ 1,
    /// `max_backoff_ms ≥ initial_backoff_ms`, class overrides only for server classes with
    /// `max_attempts ≥ 1`, and a budget whose capacity can pay for at least one retry.
    pub fn validate(&self) -> Result<(), Error> {
        if self.max_attempts < 1 {
            return Err(invalid(
                "retry.max_attempts must be at least 1 (1 means: never retry), got 0",
            ));
        }
        if !(self.multiplier.is_finite() && self.multiplier >= 1.0) {
            return Err(invalid(format!(
                "retry.multiplier must be a number ≥ 1, got {}",
                self.multiplier
            )));
        }
        if self.max_backoff_ms < self.initial_backoff_ms {
            return Err(invalid(format!(
                "retry.max_backoff_ms ({}) must be at least retry.initial_backoff_ms ({})",
                self.max_backoff_ms, self.initial_backoff_ms
            )));
        }
        for (class, rule) in &self.classes {
            if !class.is_server_class() {
                return Err(invalid(format!(
                    "retry.classes.{class}: only server classes can be retried (expected one of: {})",
                    server_class_names().join(", ")
                )));
            }
            if rule.max_attempts == Some(0) {
                return Err(invalid(format!(
                    "retry.classes.{class}.max_attempts must be at least 1, got 0"
                )));
            }
        }
        let budget = &self.budget;
        if budget.enabled {
            if budget.capacity < 1 {
                return Err(invalid(
                    "retry.budget.capacity must be at least 1 (set retry.budget.enabled to false to turn the budget off)",
                ));
            }
            for (name, cost) in [
                ("retry_cost", budget.retry_cost),
                ("timeout_retry_cost", budget.timeout_retry_cost),
            ] {
                if cost > budget.capacity {
                    return Err(invalid(format!(
                        "retry.budget.{name} ({cost}) exceeds retry.budget.capacity ({}): no such retry could ever be paid for",
                        budget.capacity
                    )));
                }
            }
        }
        Ok(())
    }

    /// The most attempts that may fail with `class` in one call: the class override, else 2 for
    /// `conflict` and `malformed_response` (retried once), else no per-class limit.
    pub fn class_limit(&self, class: ErrorClass) -> Option<u32> {
        self.override_for(class).max_attempts.or(match class {
            ErrorClass::Conflict | ErrorClass::MalformedResponse => Some(2),
            _ => None,
        })
    }

    /// The most attempts in all when the latest failure is of `class`: `max_attempts`, raised to
    /// the class's explicit `max_attempts` when that is higher.
    pub fn overall_limit(&self, class: ErrorClass) -> u32 {
        self.max_attempts
            .max(self.override_for(class).max_attempts.unwrap_or(0))
    }

    /// The override for `class` (all `None` when there is none).
    pub fn override_for(&self, class: ErrorClass) -> ClassOverride {
        self.classes.get(&class).copied().unwrap_or_default()
    }

    /// The jitter generator for one call: seeded with `seed` when configured, else with `entropy`
    /// (which the client draws from its own source; the core never reads OS randomness).
    pub fn jitter_rng(&self, entropy: u64) -> SplitMix64 {
        SplitMix64::new(self.seed.unwrap_or(entropy))
    }
}

impl<'de> Deserialize<'de> for RetryPolicy {
    /// Goes through [`RetryPolicy::from_json`], so serde and the C API report the same errors.
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<RetryPolicy, D::Error> {
        let value = Value::deserialize(deserializer)?;
        RetryPolicy::from_json(&value).map_err(serde::de::Error::custom)
    }
}

fn read_classes(value: &Value) -> Result<HashMap<ErrorClass, ClassOverride>, Error> {
    let object = as_object(value, "retry.classes")?;
    let mut classes = HashMap::with_capacity(object.len());
    for (name, rule) in object {
        let class = ErrorClass::from_name(name)
            .filter(|class| class.is_server_class())
            .ok_or_else(|| {
                unknown_key_error("class", name, "retry.classes", &server_class_names())
            })?;
        let path = format!("retry.classes.{name}");
        let rule_object = as_object(rule, &path)?;
        check_keys(rule_object, &path, CLASS_KEYS)?;
        let mut parsed = ClassOverride::default();
        if let Some(v) = rule_object.get("max_attempts").filter(|v| !v.is_null()) {
            parsed.max_attempts = Some(read_u32(v, &format!("{path}.max_attempts"))?);
        }
        if let Some(v) = rule_object.get("retry").filter(|v| !v.is_null()) {
            parsed.retry = Some(read_bool(v, &format!("{path}.retry"))?);
        }
        classes.insert(class, parsed);
    }
    Ok(classes)
}

fn read_budget(value: &Value) -> Result<BudgetConfig, Error> {
    let object = as_object(value, "retry.budget")?;
    check_keys(object, "retry.budget", BUDGET_KEYS)?;
    let mut budget = BudgetConfig::default();
    for (key, value) in object.iter().filter(|(_, value)| !value.is_null()) {
        let path = format!("retry.budget.{key}");
        match key.as_str() {
            "enabled" => budget.enabled = read_bool(value, &path)?,
            "capacity" => budget.capacity = read_u32(value, &path)?,
            "retry_cost" => budget.retry_cost = read_u32(value, &path)?,
            "timeout_retry_cost" => budget.timeout_retry_cost = read_u32(value, &path)?,
            "success_refund" => budget.success_refund = read_u32(value, &path)?,
            _ => {}
        }
    }
    Ok(budget)
}

fn read_jitter(value: &Value, path: &str) -> Result<Jitter, Error> {
    const NAMES: [Jitter; 3] = [Jitter::Equal, Jitter::Full, Jitter::None];
    value
        .as_str()
        .and_then(|text| NAMES.into_iter().find(|jitter| jitter.as_str() == text))
        .ok_or_else(|| type_error(path, "one of \"equal\", \"full\", \"none\"", value))
}

fn read_u64(value: &Value, path: &str) -> Result<u64, Error> {
    value
        .as_u64()
        .ok_or_else(|| type_error(path, "a whole number ≥ 0", value))
}

fn read_u32(value: &Value, path: &str) -> Result<u32, Error> {
    value
        .as_u64()
        .and_then(|n| u32::try_from(n).ok())
        .ok_or_else(|| type_error(path, "a whole number between 0 and 4294967295", value))
}

fn read_bool(value: &Value, path: &str) -> Result<bool, Error> {
    value
        .as_bool()
        .ok_or_else(|| type_error(path, "true or false", value))
}

fn as_object<'a>(value: &'a Value, path: &str) -> Result<&'a Map<String, Value>, Error> {
    value
        .as_object()
        .ok_or_else(|| type_error(path, "an object", value))
}

fn check_keys(object: &Map<String, Value>, path: &str, known: &[&str]) -> Result<(), Error> {
    match object.keys().find(|key| !known.contains(&key.as_str())) {
        Some(key) => Err(unknown_key_error("key", key, path, known)),
        None => Ok(()),
    }
}

pub(crate) fn unknown_key_error(what: &str, name: &str, path: &str, known: &[&str]) -> Error {
    let suggestion = closest(name, known)
        .map(|near| format!("did you mean \"{near}\"? "))
        .unwrap_or_default();
    invalid(format!(
        "unknown {what} \"{name}\" in {path} ({suggestion}expected one of: {})",
        known.join(", ")
    ))
}

fn type_error(path: &str, expected: &str, got: &Value) -> Error {
    let mut shown = got.to_string();
    if shown.len() > 60 {
        shown.truncate(crate::utf8::prefix(&shown, 60).len());
        shown.push('…');
    }
    invalid(format!("{path} must be {expected}, got {shown}"))
}

fn invalid(message: impl Into<String>) -> Error {
    Error::InvalidConfig(message.into())
}

fn server_class_names() -> Vec<&'static str> {
    ErrorClass::ALL
        .into_iter()
        .filter(|c| c.is_server_class())
        .map(ErrorClass::as_str)
        .collect()
}

/// The known name nearest to `name`, if a typo away (edit distance ≤ 2, or ≤ 1 for short names).
fn closest<'a>(name: &str, known: &[&'a str]) -> Option<&'a str> {
    let allowed = if name.chars().count() <= 4 { 1 } else { 2 };
    known
        .iter()
        .map(|candidate| (edit_distance(name, candidate), *candidate))
        .filter(|(distance, _)| *distance <= allowed)
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, candidate)| candidate)
}

/// Levenshtein distance over chars, in O(len(a) × len(b)) time and O(len(b)) space.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut current = Vec::with_capacity(b.len() + 1);
        current.push(i + 1);
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(ca != *cb);
            current.push(substitution.min(previous[j + 1] + 1).min(current[j] + 1));
        }
        previous = current;
    }
    previous[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edit_distance_counts_typos() {
        assert_eq!(edit_distance("max_atempts", "max_attempts"), 1);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("jiter", "jitter"), 1);
        assert_eq!(
            closest("overload", &server_class_names()),
            Some("overloaded")
        );
        assert_eq!(closest("zzz", &["seed"]), None);
    }

    #[test]
    fn limits_follow_overrides_and_once_classes() {
        let mut policy = RetryPolicy::default();
        assert_eq!(policy.class_limit(ErrorClass::Conflict), Some(2));
        assert_eq!(policy.class_limit(ErrorClass::Overloaded), None);
        policy.classes.insert(
            ErrorClass::Overloaded,
            ClassOverride {
                max_attempts: Some(8),
                retry: None,
            },
        );
        assert_eq!(policy.class_limit(ErrorClass::Overloaded), Some(8));
        assert_eq!(policy.overall_limit(ErrorClass::Overloaded), 8);
        assert_eq!(policy.overall_limit(ErrorClass::ServerError), 5);
    }
}
