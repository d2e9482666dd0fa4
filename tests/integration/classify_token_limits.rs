//! Two families the classifier reads from the figures in the message, checked on real bodies
//! (tests/fixtures/token_limits.jsonl, each with its source) and on generated ones that vary the
//! numbers, their formatting, the spacing and the quoting:
//!
//! - a single request over a per-minute token limit is `request_too_large` (waiting cannot help),
//!   while a request within the limit that hit the window stays `rate_limited`;
//! - a negative completion budget computed by the server means the prompt already fills the
//!   window: `context_length_exceeded`.

use std::time::{Duration, SystemTime};

use llmwire::classify::{classify, Classification, ClassifyInput};
use llmwire::retry::{RandomSource, SplitMix64};
use llmwire::ErrorClass;
use serde_json::{json, Value};

fn now() -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(1_750_000_000)
}

fn run(status: u16, body: &str) -> Classification {
    classify(&ClassifyInput::response(status, &[], body), now())
}

#[test]
fn real_bodies_of_both_families() {
    for line in include_str!("../fixtures/token_limits.jsonl").lines() {
        let case: Value = serde_json::from_str(line).unwrap();
        let status = case["status"].as_u64().unwrap() as u16;
        let c = run(status, case["body"].as_str().unwrap());
        assert_eq!(
            c.class.as_str(),
            case["expected_class"].as_str().unwrap(),
            "{}: {c:?}",
            case["id"]
        );
        assert!(!c.retryable, "{}", case["id"]);
    }
}

struct Rng(SplitMix64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0.next_u64() % n.max(1)
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len() as u64) as usize]
    }
}

/// `n` as a provider may print it: plain, with thousands separators, or approximate.
fn figure(rng: &mut Rng, n: u64) -> String {
    let plain = n.to_string();
    let grouped = {
        let digits: Vec<char> = plain.chars().collect();
        let mut out = String::new();
        for (i, d) in digits.iter().enumerate() {
            if i > 0 && (digits.len() - i).is_multiple_of(3) {
                out.push(',');
            }
            out.push(*d);
        }
        out
    };
    match rng.below(5) {
        0 => plain,
        1 => grouped,
        2 => format!("~{plain}"),
        3 => format!("~ {grouped}"),
        _ => format!("about {plain}"),
    }
}

/// A Python repr of a string: single quotes unless the text holds one and no double quote.
fn py_str(text: &str) -> String {
    if text.contains('\'') && !text.contains('"') {
        format!("\"{text}\"")
    } else {
        format!("'{}'", text.replace('\\', "\\\\").replace('\'', "\\'"))
    }
}

/// `message` wrapped as one of the shapes providers and SDKs print.
fn wrap(rng: &mut Rng, message: &str) -> String {
    match rng.below(6) {
        0 => json!({"error": {"message": message, "type": "tokens", "code": "rate_limit_exceeded"}})
            .to_string(),
        1 => format!(
            "{{'error': {{'message': {}, 'type': 'tokens', 'param': None, 'code': 'rate_limit_exceeded'}}}}",
            py_str(message)
        ),
        2 => format!(
            "{{'object': 'error', 'message': {}, 'type': 'BadRequestError', 'param': None, 'code': 400}}",
            py_str(message)
        ),
        3 => json!({"object": "error", "message": message, "type": "BadRequestError", "code": 400})
            .to_string(),
        4 => serde_json::to_string_pretty(&json!({"error": {"message": message, "code": null}}))
            .unwrap(),
        _ => message.to_owned(),
    }
}

/// Spaces as a log or a terminal may leave them.
fn respace(rng: &mut Rng, text: &str) -> String {
    match rng.below(3) {
        0 => text.to_owned(),
        1 => text.replace(", ", ",  "),
        _ => text.replace(": ", ":"),
    }
}

#[test]
fn a_request_over_a_per_minute_token_limit_is_too_large_and_never_retried() {
    let mut rng = Rng(SplitMix64::new(0x7e57_0011));
    for round in 0..600 {
        let limit = 1_000 + rng.below(2_000_000);
        let over = limit + 1 + rng.below(limit * 3);
        let model = rng.pick(&[
            "gpt-4o",
            "`llama-3.3-70b-versatile`",
            "gpt-4.1-mini",
            "grok-4",
        ]);
        let message = match rng.below(4) {
            0 => format!(
                "Request too large for {model} in organization org-x on tokens per min (TPM): Limit {}, Requested {}. The input or output tokens must be reduced in order to run successfully.",
                figure(&mut rng, limit),
                figure(&mut rng, over)
            ),
            1 => format!(
                "Request too large for model {model} in organization `org_1` service tier `on_demand` on tokens per minute (TPM): Limit {}, Requested {}, please reduce your message size and try again.",
                figure(&mut rng, limit),
                figure(&mut rng, over)
            ),
            2 => format!(
                "Rate limit reached for {model} on tokens per min (TPM): Limit {}, Used 0, Requested {}.",
                figure(&mut rng, limit),
                figure(&mut rng, over)
            ),
            _ => format!(
                "Tokens per minute limit: {}. Requested: {} tokens in this single request.",
                figure(&mut rng, limit),
                figure(&mut rng, over)
            ),
        };
        let message = respace(&mut rng, &message);
        let body = wrap(&mut rng, &message);
        let status = if rng.below(4) == 0 { 413 } else { 429 };
        let c = run(status, &body);
        assert_eq!(
            c.class,
            ErrorClass::RequestTooLarge,
            "round {round}: {status} {body}"
        );
        assert!(!c.retryable, "round {round}: {body}");
    }
}

#[test]
fn a_request_within_the_limit_that_hit_the_window_stays_rate_limited() {
    let mut rng = Rng(SplitMix64::new(0x7e57_0012));
    for round in 0..600 {
        let limit = 1_000 + rng.below(2_000_000);
        let requested = 1 + rng.below(limit);
        let used = rng.below(limit);
        let message = format!(
            "Rate limit reached for gpt-4o in organization org-x on tokens per min (TPM): Limit {}, Used {}, Requested {}. Please try again in 1.5s.",
            figure(&mut rng, limit),
            figure(&mut rng, used),
            figure(&mut rng, requested)
        );
        let message = respace(&mut rng, &message);
        let body = wrap(&mut rng, &message);
        let c = run(429, &body);
        assert_eq!(c.class, ErrorClass::RateLimited, "round {round}: {body}");
        assert!(c.retryable, "round {round}: {body}");
    }
}

#[test]
fn a_negative_completion_budget_means_the_prompt_fills_the_window() {
    let mut rng = Rng(SplitMix64::new(0x7e57_0013));
    for round in 0..600 {
        let short = 1 + rng.below(200_000);
        let param = rng.pick(&["max_tokens", "max_completion_tokens", "max_new_tokens"]);
        let message = match rng.below(5) {
            0 => format!("{param} must be at least 1, got -{short}."),
            1 => format!(
                "{param} must be at least1, got -{short}. (parameter={param}, value=-{short})"
            ),
            2 => format!("-{short} is less than the minimum of 1 - '{param}'"),
            3 => format!("`{param}` must be >= 1, but is -{short}"),
            _ => format!("Invalid {param}: must be a positive integer (got: -{short})"),
        };
        let message = respace(&mut rng, &message);
        let body = wrap(&mut rng, &message);
        let c = run(400, &body);
        assert_eq!(
            c.class,
            ErrorClass::ContextLengthExceeded,
            "round {round}: {body}"
        );
        assert!(!c.retryable);
    }
}

#[test]
fn a_budget_the_caller_sent_is_a_request_problem_not_an_overflow() {
    for message in [
        "max_tokens must be at least 1, got 0.",
        "max_tokens must be at least 1, got 0. (parameter=max_tokens, value=0)",
        "temperature must be at least 0, got -1.",
        "max_tokens is too large: 100000. This model supports at most 16384 completion tokens.",
        "Invalid 'max_tokens': integer below minimum value. Expected a value >= 1, but got 0 instead.",
    ] {
        let body = json!({"error": {"message": message, "type": "invalid_request_error"}});
        let c = run(400, &body.to_string());
        assert_eq!(c.class, ErrorClass::InvalidRequest, "{message}");
    }
}
