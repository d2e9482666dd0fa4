//! Per-client counters, readable as JSON or Prometheus text while calls run.
//!
//! Counters are atomics: recording never blocks a call. Nothing here ever holds a request, a
//! header or a key, so no secret can reach the metrics.

use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

use serde_json::{json, Map, Value};

use crate::taxonomy::ErrorClass;

const CLASSES: usize = ErrorClass::ALL.len();

/// Counters for one client.
#[derive(Debug, Default)]
pub struct Metrics {
    calls: AtomicU64,
    attempts: AtomicU64,
    successes: AtomicU64,
    slept_ms: AtomicU64,
    failures_by_class: [AtomicU64; CLASSES],
    retries_by_class: [AtomicU64; CLASSES],
}

fn index(class: ErrorClass) -> usize {
    // ALL lists every variant, so the position always exists.
    ErrorClass::ALL
        .iter()
        .position(|c| *c == class)
        .unwrap_or(0)
}

impl Metrics {
    /// Counts a call handed to the client.
    pub(crate) fn call_started(&self) {
        self.calls.fetch_add(1, Relaxed);
    }

    /// Counts one request sent (or tried) within a call.
    pub fn attempt_made(&self) {
        self.attempts.fetch_add(1, Relaxed);
    }

    /// Counts a call that returned a usable answer.
    pub(crate) fn call_succeeded(&self) {
        self.successes.fetch_add(1, Relaxed);
    }

    /// Counts a call that ended in an error of `class`.
    pub(crate) fn call_failed(&self, class: ErrorClass) {
        self.failures_by_class[index(class)].fetch_add(1, Relaxed);
    }

    /// A retry is about to happen after a failure of `class`, after sleeping `slept_ms`.
    pub fn retrying(&self, class: ErrorClass, slept_ms: u64) {
        self.retries_by_class[index(class)].fetch_add(1, Relaxed);
        self.slept_ms.fetch_add(slept_ms, Relaxed);
    }

    fn by_class(counters: &[AtomicU64; CLASSES]) -> Vec<(ErrorClass, u64)> {
        ErrorClass::ALL
            .iter()
            .zip(counters)
            .map(|(class, n)| (*class, n.load(Relaxed)))
            .collect()
    }

    /// The counters as JSON; `budget` is the retry budget's (level, capacity).
    pub fn to_json(&self, budget: (u64, u64)) -> Value {
        let as_map = |counters: &[AtomicU64; CLASSES]| -> Map<String, Value> {
            Metrics::by_class(counters)
                .into_iter()
                .map(|(class, n)| (class.as_str().to_owned(), json!(n)))
                .collect()
        };
        let failures: u64 = self.failures_by_class.iter().map(|n| n.load(Relaxed)).sum();
        let retries: u64 = self.retries_by_class.iter().map(|n| n.load(Relaxed)).sum();
        json!({
            "calls": self.calls.load(Relaxed),
            "attempts": self.attempts.load(Relaxed),
            "successes": self.successes.load(Relaxed),
            "failures": failures,
            "retries": retries,
            "slept_ms": self.slept_ms.load(Relaxed),
            "budget_level": budget.0,
            "budget_capacity": budget.1,
            "failures_by_class": as_map(&self.failures_by_class),
            "retries_by_class": as_map(&self.retries_by_class),
        })
    }

    /// The counters in the Prometheus text exposition format.
    pub fn to_prometheus(&self, budget: (u64, u64)) -> String {
        let mut out = String::new();
        let mut scalar = |name: &str, kind: &str, help: &str, value: String| {
            let _ = writeln!(
                out,
                "# HELP {name} {help}\n# TYPE {name} {kind}\n{name} {value}"
            );
        };
        scalar(
            "llmwire_calls_total",
            "counter",
            "Calls started.",
            self.calls.load(Relaxed).to_string(),
        );
        scalar(
            "llmwire_attempts_total",
            "counter",
            "HTTP attempts made.",
            self.attempts.load(Relaxed).to_string(),
        );
        scalar(
            "llmwire_successes_total",
            "counter",
            "Calls that succeeded.",
            self.successes.load(Relaxed).to_string(),
        );
        let slept = self.slept_ms.load(Relaxed) as f64 / 1000.0;
        scalar(
            "llmwire_retry_sleep_seconds_total",
            "counter",
            "Time spent waiting before retries.",
            format!("{slept}"),
        );
        scalar(
            "llmwire_retry_budget_tokens",
            "gauge",
            "Tokens left in the client's retry budget.",
            budget.0.to_string(),
        );
        for (name, help, counters) in [
            (
                "llmwire_failures_total",
                "Calls that failed, by error class.",
                &self.failures_by_class,
            ),
            (
                "llmwire_retries_total",
                "Retries, by the class of the failure retried.",
                &self.retries_by_class,
            ),
        ] {
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} counter");
            for (class, n) in Metrics::by_class(counters) {
                let _ = writeln!(out, "{name}{{class=\"{class}\"}} {n}");
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_and_prometheus_agree() {
        let metrics = Metrics::default();
        metrics.call_started();
        metrics.attempt_made();
        metrics.attempt_made();
        metrics.retrying(ErrorClass::Overloaded, 1500);
        metrics.call_succeeded();
        let json = metrics.to_json((495, 500));
        assert_eq!(json["attempts"], 2);
        assert_eq!(json["retries_by_class"]["overloaded"], 1);
        assert_eq!(json["slept_ms"], 1500);
        let text = metrics.to_prometheus((495, 500));
        assert!(
            text.contains("llmwire_retries_total{class=\"overloaded\"} 1"),
            "{text}"
        );
        assert!(
            text.contains("llmwire_retry_sleep_seconds_total 1.5"),
            "{text}"
        );
        assert!(text.contains("llmwire_retry_budget_tokens 495"), "{text}");
    }
}
