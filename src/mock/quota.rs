//! Provider-like limits and outages, shared by every connection of one mock server.
//!
//! For: requests and tokens per window per (API key, model), answered like a real provider: the
//! `x-ratelimit-{limit,remaining,reset}-{requests,tokens}` headers on every answer, and a 429 in
//! the dialect's own format (OpenAI's `rate_limit_exceeded` with `retry-after`; Google's
//! list-wrapped `RESOURCE_EXHAUSTED` with `QuotaFailure` and `RetryInfo`) when over; a scripted
//! outage (503s, refused connections, or 503s then refused connections) for a window of time;
//! counters a test reads to check that no window was exceeded.
//!
//! Not for: scenarios (they run after these checks pass). The mock's clock is its own
//! ([`MockClock`]): tests move it forward instead of sleeping.
//!
//! This bookkeeping is deliberately independent of the client's (`fleet::limits`), so that a test
//! counting here checks the client rather than agreeing with it.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError, RwLock};
use std::time::Instant;

use serde_json::{json, Value};

use super::route::Dialect;
use super::scenario::Canned;

/// Limits the mock enforces (absent = unlimited).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct QuotaOptions {
    /// Requests per window per key and model.
    pub rpm: Option<u64>,
    /// Tokens per window per key and model (prompt estimate + `max_tokens`, or 16 when absent, as
    /// providers count them when the request arrives).
    pub tpm: Option<u64>,
    /// The window; 60 000 ms unless shortened for tests.
    pub window_ms: Option<u64>,
}

impl QuotaOptions {
    fn window(&self) -> u64 {
        self.window_ms.unwrap_or(60_000).max(1)
    }

    fn any(&self) -> bool {
        self.rpm.is_some() || self.tpm.is_some()
    }
}

/// How the server behaves during an outage.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutageMode {
    /// Every chat request gets the dialect's 503 overloaded answer.
    Unavailable,
    /// Every connection is reset as soon as it is accepted (and open ones at their next request).
    Refuse,
    /// 503s for the first half of the window, refused connections for the second.
    UnavailableThenRefuse,
}

/// An outage from `start_ms` for `duration_ms`, on the mock's clock (0 = when the server started).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Outage {
    /// When the outage begins, in milliseconds after the server started.
    pub start_ms: u64,
    /// How long it lasts.
    pub duration_ms: u64,
    /// What clients see meanwhile.
    pub mode: OutageMode,
}

impl Outage {
    /// Parses `START_MS:DURATION_MS[:503|refuse|503_then_refuse]` (the `--outage` option).
    pub fn parse(text: &str) -> Result<Outage, String> {
        let mut parts = text.split(':');
        let number = |part: Option<&str>, what: &str| -> Result<u64, String> {
            part.and_then(|p| p.trim().parse().ok())
                .ok_or_else(|| format!("--outage {text}: {what} must be a number of milliseconds"))
        };
        let start_ms = number(parts.next(), "the start")?;
        let duration_ms = number(parts.next(), "the duration")?;
        let mode = match parts.next() {
            None | Some("503") => OutageMode::Unavailable,
            Some("refuse") => OutageMode::Refuse,
            Some("503_then_refuse") => OutageMode::UnavailableThenRefuse,
            Some(other) => {
                return Err(format!(
                    "--outage {text}: unknown mode \"{other}\" (expected 503, refuse or 503_then_refuse)"
                ))
            }
        };
        if parts.next().is_some() {
            return Err(format!(
                "--outage {text}: expected START_MS:DURATION_MS[:MODE]"
            ));
        }
        Ok(Outage {
            start_ms,
            duration_ms,
            mode,
        })
    }

    /// What the outage does at `now_ms`, if it is under way.
    pub fn at(&self, now_ms: u64) -> Option<OutageMode> {
        let into = now_ms.checked_sub(self.start_ms)?;
        if into >= self.duration_ms {
            return None;
        }
        Some(match self.mode {
            OutageMode::UnavailableThenRefuse if into < self.duration_ms / 2 => {
                OutageMode::Unavailable
            }
            OutageMode::UnavailableThenRefuse => OutageMode::Refuse,
            mode => mode,
        })
    }
}

/// The mock's clock: real time since the server started, plus whatever a test added.
#[derive(Debug)]
pub struct MockClock {
    origin: Instant,
    skipped_ms: AtomicU64,
}

impl Default for MockClock {
    fn default() -> MockClock {
        MockClock {
            origin: Instant::now(),
            skipped_ms: AtomicU64::new(0),
        }
    }
}

impl MockClock {
    /// Milliseconds since the server started, skips included.
    pub fn now_ms(&self) -> u64 {
        self.origin.elapsed().as_millis() as u64 + self.skipped_ms.load(Ordering::Relaxed)
    }

    /// Moves the clock forward (ending an outage or emptying windows without waiting).
    pub fn advance(&self, ms: u64) {
        self.skipped_ms.fetch_add(ms, Ordering::Relaxed);
    }
}

/// What the quota says about one request.
pub enum Verdict {
    /// Serve it; add these headers to the answer.
    Allow(Vec<(String, String)>),
    /// Answer this 429 instead.
    Limited(Canned),
}

/// Counters for tests: `GET /_mock/limits` and `MockServer::limit_stats`.
#[derive(Debug, Default)]
struct Counters {
    admitted: AtomicU64,
    limited: AtomicU64,
    outage_answers: AtomicU64,
    outage_refusals: AtomicU64,
    max_requests_in_window: AtomicU64,
    max_tokens_in_window: AtomicU64,
}

/// Requests and tokens admitted for one key and model.
#[derive(Debug, Default)]
struct Log {
    arrivals: VecDeque<(u64, u64)>,
    tokens: u64,
}

/// The limits, the outage and their counters.
#[derive(Debug, Default)]
pub struct Quota {
    pub clock: MockClock,
    options: RwLock<QuotaOptions>,
    outage: RwLock<Option<Outage>>,
    logs: Mutex<HashMap<(String, String), Log>>,
    counters: Counters,
}

impl Quota {
    pub fn new(options: QuotaOptions, outage: Option<Outage>) -> Quota {
        Quota {
            options: RwLock::new(options),
            outage: RwLock::new(outage),
            ..Quota::default()
        }
    }

    /// Replaces the limits (windows already counted are kept).
    pub fn set_options(&self, options: QuotaOptions) {
        *self.options.write().unwrap_or_else(PoisonError::into_inner) = options;
    }

    /// Replaces the outage (times on the mock's clock; see [`Quota::outage_from_now`]).
    pub fn set_outage(&self, outage: Option<Outage>) {
        *self.outage.write().unwrap_or_else(PoisonError::into_inner) = outage;
    }

    /// An outage starting now for `duration_ms`.
    pub fn outage_from_now(&self, duration_ms: u64, mode: OutageMode) -> Outage {
        Outage {
            start_ms: self.clock.now_ms(),
            duration_ms,
            mode,
        }
    }

    /// The outage under way, if any.
    pub fn outage_now(&self) -> Option<OutageMode> {
        let outage = *self.outage.read().unwrap_or_else(PoisonError::into_inner);
        outage.and_then(|outage| outage.at(self.clock.now_ms()))
    }

    /// Counts a connection refused by the outage.
    pub fn count_refusal(&self) {
        self.counters
            .outage_refusals
            .fetch_add(1, Ordering::Relaxed);
    }

    /// The 503 of an outage, in the dialect's format (counted).
    pub fn outage_answer(&self, dialect: Dialect) -> Canned {
        self.counters.outage_answers.fetch_add(1, Ordering::Relaxed);
        match dialect {
            Dialect::Gemini => super::corpus::gemini_overloaded_503(),
            Dialect::OpenAi | Dialect::Azure => super::corpus::openai_overloaded_503(),
        }
    }

    /// Admits (and counts) a request of `tokens` for `key` and `model`, or answers it with a 429.
    pub fn check(&self, key: &str, model: &str, tokens: u64, dialect: Dialect) -> Verdict {
        let options = *self.options.read().unwrap_or_else(PoisonError::into_inner);
        if !options.any() {
            self.counters.admitted.fetch_add(1, Ordering::Relaxed);
            return Verdict::Allow(Vec::new());
        }
        let window = options.window();
        let mut logs = self.logs.lock().unwrap_or_else(PoisonError::into_inner);
        // Read under the lock: a thread that waited for it must not count with a stale time.
        let now = self.clock.now_ms();
        let log = logs.entry((key.to_owned(), model.to_owned())).or_default();
        while let Some(&(at, spent)) = log.arrivals.front() {
            if at + window > now {
                break;
            }
            log.tokens -= spent;
            log.arrivals.pop_front();
        }
        let requests_over = options
            .rpm
            .is_some_and(|rpm| log.arrivals.len() as u64 + 1 > rpm);
        let tokens_over = options
            .tpm
            .is_some_and(|tpm| !log.arrivals.is_empty() && log.tokens + tokens > tpm);
        // When the oldest arrival leaves the window (the next request slot), as a wait from now.
        let reset_ms = log
            .arrivals
            .front()
            .map_or(0, |&(at, _)| (at + window).saturating_sub(now));
        if requests_over || tokens_over {
            self.counters.limited.fetch_add(1, Ordering::Relaxed);
            let headers = rate_headers(&options, log.arrivals.len() as u64, log.tokens, reset_ms);
            let kind = if requests_over { "requests" } else { "tokens" };
            let used = if requests_over {
                log.arrivals.len() as u64
            } else {
                log.tokens
            };
            let limit = if requests_over {
                options.rpm
            } else {
                options.tpm
            };
            return Verdict::Limited(limited(
                dialect,
                kind,
                limit.unwrap_or_default(),
                used,
                reset_ms.max(1),
                headers,
            ));
        }
        log.arrivals.push_back((now, tokens));
        log.tokens += tokens;
        let counters = &self.counters;
        counters.admitted.fetch_add(1, Ordering::Relaxed);
        counters
            .max_requests_in_window
            .fetch_max(log.arrivals.len() as u64, Ordering::Relaxed);
        counters
            .max_tokens_in_window
            .fetch_max(log.tokens, Ordering::Relaxed);
        let reset_ms = log
            .arrivals
            .front()
            .map_or(0, |&(at, _)| (at + window).saturating_sub(now));
        Verdict::Allow(rate_headers(
            &options,
            log.arrivals.len() as u64,
            log.tokens,
            reset_ms,
        ))
    }

    /// `{"admitted", "limited", "outage_answers", "outage_refusals", "max_requests_in_window",
    /// "max_tokens_in_window", "now_ms"}`.
    pub fn stats(&self) -> Value {
        let c = &self.counters;
        let read = |counter: &AtomicU64| counter.load(Ordering::Relaxed);
        json!({
            "admitted": read(&c.admitted),
            "limited": read(&c.limited),
            "outage_answers": read(&c.outage_answers),
            "outage_refusals": read(&c.outage_refusals),
            "max_requests_in_window": read(&c.max_requests_in_window),
            "max_tokens_in_window": read(&c.max_tokens_in_window),
            "now_ms": self.clock.now_ms(),
        })
    }
}

/// The `limits` (`{"rpm", "tpm", "window_ms"}`) and `outage` (`"START_MS:DURATION_MS[:MODE]"`)
/// keys of a scenario document, when present.
pub fn parse_settings(text: &str) -> Result<(Option<QuotaOptions>, Option<Outage>), String> {
    let document: Value = serde_json::from_str(text).map_err(|e| format!("not valid JSON: {e}"))?;
    let limits = match document.get("limits") {
        None => None,
        Some(Value::Object(limits)) => {
            let mut options = QuotaOptions::default();
            for (key, value) in limits {
                let number = value
                    .as_u64()
                    .filter(|&n| n > 0)
                    .ok_or_else(|| format!("limits.{key}: expected a positive integer"))?;
                match key.as_str() {
                    "rpm" => options.rpm = Some(number),
                    "tpm" => options.tpm = Some(number),
                    "window_ms" => options.window_ms = Some(number),
                    other => {
                        return Err(format!(
                            "limits: unknown key {other} (allowed here: rpm, tpm, window_ms)"
                        ))
                    }
                }
            }
            Some(options)
        }
        Some(_) => return Err("limits: expected an object".into()),
    };
    let outage = match document.get("outage") {
        None => None,
        Some(Value::String(text)) => Some(Outage::parse(text).map_err(|e| format!("outage: {e}"))?),
        Some(_) => return Err("outage: expected \"START_MS:DURATION_MS[:MODE]\"".into()),
    };
    Ok((limits, outage))
}

/// Tokens a provider charges for a request when it arrives: prompt estimate plus the output cap.
pub fn request_tokens(body: &Value) -> u64 {
    let output = ["max_completion_tokens", "max_tokens"]
        .iter()
        .find_map(|key| body.get(key).and_then(Value::as_u64))
        .unwrap_or(16);
    let prompt: u64 = body["messages"].as_array().map_or(0, |messages| {
        messages
            .iter()
            .map(|m| m["content"].to_string().len() as u64 / 4 + 3)
            .sum()
    });
    prompt + output
}

/// The API key a request carries (any of the usual headers), for per-key windows.
pub fn request_key(headers: &[(String, String)]) -> &str {
    headers
        .iter()
        .find(|(name, _)| {
            ["authorization", "api-key", "x-api-key", "x-goog-api-key"]
                .iter()
                .any(|known| name.eq_ignore_ascii_case(known))
        })
        .map_or("", |(_, value)| value.as_str())
}

fn rate_headers(
    options: &QuotaOptions,
    requests: u64,
    tokens: u64,
    reset_ms: u64,
) -> Vec<(String, String)> {
    let mut headers = Vec::new();
    let reset = duration_text(reset_ms);
    if let Some(rpm) = options.rpm {
        headers.push(("x-ratelimit-limit-requests".into(), rpm.to_string()));
        headers.push((
            "x-ratelimit-remaining-requests".into(),
            rpm.saturating_sub(requests).to_string(),
        ));
        headers.push(("x-ratelimit-reset-requests".into(), reset.clone()));
    }
    if let Some(tpm) = options.tpm {
        headers.push(("x-ratelimit-limit-tokens".into(), tpm.to_string()));
        headers.push((
            "x-ratelimit-remaining-tokens".into(),
            tpm.saturating_sub(tokens).to_string(),
        ));
        headers.push(("x-ratelimit-reset-tokens".into(), reset));
    }
    headers
}

/// OpenAI's duration form: `20ms`, `1.5s`, `6m0s`.
fn duration_text(ms: u64) -> String {
    if ms < 1_000 {
        format!("{ms}ms")
    } else if ms < 60_000 {
        format!("{}s", ms as f64 / 1000.0)
    } else {
        format!("{}m{}s", ms / 60_000, (ms % 60_000) as f64 / 1000.0)
    }
}

/// A provider's 429 for a spent window, `wait_ms` before a slot frees.
fn limited(
    dialect: Dialect,
    kind: &str,
    limit: u64,
    used: u64,
    wait_ms: u64,
    mut headers: Vec<(String, String)>,
) -> Canned {
    let wait_seconds = wait_ms.div_ceil(1000);
    let mut canned = match dialect {
        // Google's compatibility endpoint wraps its error object in a list.
        Dialect::Gemini => Canned::json(
            429,
            json!([{"error": {
                "code": 429,
                "message": "Resource has been exhausted (e.g. check quota).",
                "status": "RESOURCE_EXHAUSTED",
                "details": [
                    {
                        "@type": "type.googleapis.com/google.rpc.QuotaFailure",
                        "violations": [{
                            "quotaMetric": format!("generativelanguage.googleapis.com/generate_content_{kind}"),
                            "quotaId": format!("Generate{}PerMinutePerProjectPerModel", if kind == "requests" { "Requests" } else { "ContentInputTokens" }),
                            "quotaValue": limit.to_string()
                        }]
                    },
                    {"@type": "type.googleapis.com/google.rpc.RetryInfo",
                     "retryDelay": format!("{}s", wait_ms as f64 / 1000.0)}
                ]
            }}]),
        ),
        Dialect::OpenAi | Dialect::Azure => {
            let per = if kind == "requests" {
                "requests per min (RPM)"
            } else {
                "tokens per min (TPM)"
            };
            headers.push(("retry-after".into(), wait_seconds.to_string()));
            Canned::json(
                429,
                json!({"error": {
                    "message": format!("Rate limit reached for mock-model in organization org-mock on {per}: Limit {limit}, Used {used}, Requested 1. Please try again in {}.", duration_text(wait_ms)),
                    "type": kind,
                    "param": null,
                    "code": "rate_limit_exceeded"
                }}),
            )
        }
    };
    canned.headers = headers;
    canned
}

#[cfg(test)]
mod tests {
    use super::*;

    fn quota(rpm: u64) -> Quota {
        Quota::new(
            QuotaOptions {
                rpm: Some(rpm),
                tpm: None,
                window_ms: Some(1_000),
            },
            None,
        )
    }

    fn allowed(verdict: Verdict) -> Vec<(String, String)> {
        match verdict {
            Verdict::Allow(headers) => headers,
            Verdict::Limited(canned) => panic!("limited: {canned:?}"),
        }
    }

    fn header<'h>(headers: &'h [(String, String)], name: &str) -> &'h str {
        headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
            .unwrap_or_else(|| panic!("no {name} in {headers:?}"))
    }

    #[test]
    fn each_key_and_model_has_its_own_window_and_the_headers_count_down() {
        let quota = quota(2);
        let first = allowed(quota.check("k1", "m", 1, Dialect::OpenAi));
        assert_eq!(header(&first, "x-ratelimit-remaining-requests"), "1");
        allowed(quota.check("k1", "m", 1, Dialect::OpenAi));
        allowed(quota.check("k2", "m", 1, Dialect::OpenAi));
        allowed(quota.check("k1", "other", 1, Dialect::OpenAi));
        let Verdict::Limited(canned) = quota.check("k1", "m", 1, Dialect::OpenAi) else {
            panic!("the third request in the window must be limited")
        };
        assert_eq!(canned.status, 429);
        assert_eq!(
            header(&canned.headers, "x-ratelimit-remaining-requests"),
            "0"
        );
        assert_eq!(header(&canned.headers, "retry-after"), "1");
        quota.clock.advance(1_000);
        allowed(quota.check("k1", "m", 1, Dialect::OpenAi));
        assert_eq!(quota.stats()["limited"], 1);
        assert_eq!(quota.stats()["max_requests_in_window"], 2);
    }

    #[test]
    fn gemini_429_is_list_wrapped_with_retry_info_and_classifies_as_rate_limited() {
        let quota = quota(1);
        allowed(quota.check("k", "m", 1, Dialect::Gemini));
        let Verdict::Limited(canned) = quota.check("k", "m", 1, Dialect::Gemini) else {
            panic!("limited expected")
        };
        let super::super::scenario::Body::Json(body) = &canned.body else {
            panic!("json body expected")
        };
        assert_eq!(body[0]["error"]["status"], "RESOURCE_EXHAUSTED");
        let input = crate::ClassifyInput {
            provider: Some(crate::provider::Provider::Gemini),
            status: Some(429),
            headers: canned.headers.clone(),
            body: body.to_string().into_bytes(),
            transport: None,
        };
        let classification = crate::classify(&input, std::time::SystemTime::now());
        assert_eq!(classification.class, crate::ErrorClass::RateLimited);
        assert!(classification.retry_after_ms.is_some_and(|ms| ms <= 1_000));
    }

    #[test]
    fn scenario_documents_may_set_limits_and_an_outage() {
        let (limits, outage) =
            parse_settings(r#"{"limits": {"rpm": 5, "window_ms": 1000}, "outage": "0:10:refuse"}"#)
                .unwrap();
        assert_eq!(limits.unwrap().rpm, Some(5));
        assert_eq!(outage.unwrap().mode, OutageMode::Refuse);
        assert!(parse_settings(r#"{"limits": {"rps": 5}}"#)
            .unwrap_err()
            .contains("rps"));
        assert_eq!(
            parse_settings(r#"{"scenarios": {}}"#).unwrap(),
            (None, None)
        );
    }

    #[test]
    fn outages_follow_the_mock_clock_and_switch_from_503_to_refusals() {
        let outage = Outage::parse("100:1000:503_then_refuse").unwrap();
        assert_eq!(outage.at(99), None);
        assert_eq!(outage.at(100), Some(OutageMode::Unavailable));
        assert_eq!(outage.at(700), Some(OutageMode::Refuse));
        assert_eq!(outage.at(1_100), None);
        assert!(Outage::parse("1:2:down")
            .unwrap_err()
            .contains("unknown mode"));
        assert!(Outage::parse("x:2").is_err());
        let quota = Quota::new(
            QuotaOptions::default(),
            Some(Outage::parse("0:50").unwrap()),
        );
        assert_eq!(quota.outage_now(), Some(OutageMode::Unavailable));
        quota.clock.advance(50);
        assert_eq!(quota.outage_now(), None);
    }
}
