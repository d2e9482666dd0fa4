//! Properties over generated and garbage inputs (deterministic PRNG, no extra crates): classify
//! never panics, always says something, keeps hints within bounds, and keeps retryability
//! consistent with the class unless the server said otherwise.

use llmwire::retry::{RandomSource, SplitMix64};
use std::time::{Duration, SystemTime};

use llmwire::classify::{classify, completion_is_usable, ClassifyInput, MAX_HINT_MS};

/// SplitMix64: small, deterministic, good enough to spread test inputs.
struct Rng(SplitMix64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0.next_u64()
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

const TOKENS: &[&str] = &[
    "{",
    "}",
    "[",
    "]",
    "\"",
    "'",
    "\\",
    ":",
    ",",
    " ",
    "\n",
    "\\n",
    "\\u",
    "\\ud83d",
    "error",
    "\"error\"",
    "'error'",
    "\"message\"",
    "\"code\"",
    "429",
    "400",
    "\"status\"",
    "\"RESOURCE_EXHAUSTED\"",
    "None",
    "True",
    "null",
    "\"details\"",
    "\"@type\"",
    "\"type.googleapis.com/google.rpc.RetryInfo\"",
    "\"retryDelay\"",
    "\"34.4s\"",
    "try again in ",
    "1m30s",
    "retry after ",
    "99999999999999999999 seconds",
    "limit: 0",
    "Limit 10, Requested 20",
    "(actual/limit): 9/3",
    "é",
    "😀",
    "\u{FFFD}",
    "data: ",
    "event: error\n",
    "<title>",
    "</title>",
    "<html>",
    "Error code: 400 - ",
    "maximum context length",
    "overloaded",
    "[reason: \"API_KEY_INVALID\"",
    "domain: \"googleapis.com\"",
    "\"metadata\"",
    "\"raw\"",
    "...",
    "-",
    "1e308",
    "NaN",
    "\"choices\"",
    "\"delta\"",
    "\"content\"",
    "[DONE]",
    ": keep-alive\n\n",
    "\r\n",
];

const HEADER_NAMES: &[&str] = &[
    "retry-after",
    "Retry-After-Ms",
    "x-should-retry",
    "x-ratelimit-reset-requests",
    "x-ratelimit-reset-tokens",
    "x-ratelimit-remaining-tokens",
    "anthropic-ratelimit-tokens-reset",
    "x-request-id",
    "apim-request-id",
    "server",
];

const HEADER_VALUES: &[&str] = &[
    "",
    "0",
    "1",
    "2.5",
    "-1",
    "NaN",
    "inf",
    "1e9",
    "18446744073709551616",
    "99999999999999999999999999999",
    "Sun, 06 Nov 1994 08:49:37 GMT",
    "Fri, 31 Dec 9999 23:59:59 GMT",
    "Sun, 31 Feb 2020 00:00:00 GMT",
    "2025-06-15T15:07:00Z",
    "2025-13-45T99:99:99+99:99",
    "6m0s",
    "20ms",
    "114h18m0s",
    "1h1h1h",
    "true",
    "false",
    "TRUE",
    "é😀",
    "req_123",
    "scaffolding on HTTPServer2",
    "1700000000",
    "1700000000000",
];

const SEEDS: &[&str] = &[
    r#"{"error":{"message":"Rate limit reached. Please try again in 6ms.","type":"tokens","param":null,"code":"rate_limit_exceeded"}}"#,
    r#"[{"error":{"code":429,"message":"quota","status":"RESOURCE_EXHAUSTED","details":[{"@type":"type.googleapis.com/google.rpc.QuotaFailure","violations":[{"quotaId":"PerDay","quotaValue":"0"}]},{"@type":"type.googleapis.com/google.rpc.RetryInfo","retryDelay":"37s"}]}}]"#,
    r#"{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"},"request_id":"req_1"}"#,
    r#"{"error":{"message":"Provider returned error","code":400,"metadata":{"raw":"{\"error\":{\"message\":\"nested\"}}","provider_name":"X"}}}"#,
    "Error code: 400 - {'error': {'message': \"can't\", 'type': 'invalid_request_error', 'param': None}}",
    "data: {\"choices\":[{\"delta\":{\"content\":\"hi\"}}]}\n\nevent: error\ndata: {\"error\":\"boom\"}\n\n",
    "<html><head><title>502 Bad Gateway</title></head></html>",
    "400 API key expired. [reason: \"API_KEY_INVALID\"\ndomain: \"googleapis.com\"\n]",
    r#"{"choices":[{"message":{"content":""},"finish_reason":"SAFETY"}]}"#,
];

/// "Error code: 400" (and nothing more): the rendering a message must never be.
fn is_bare_error_code(message: &str) -> bool {
    let lower = message.trim().to_ascii_lowercase();
    match lower.strip_prefix("error code:") {
        Some(rest) => {
            let rest = rest.trim().trim_end_matches(['-', ':', '.', ' ']);
            rest.len() == 3 && rest.bytes().all(|b| b.is_ascii_digit())
        }
        None => false,
    }
}

fn check(input: &ClassifyInput) {
    let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_750_000_000);
    let c = classify(input, now);
    assert!(!c.message.trim().is_empty(), "empty message for {input:?}");
    assert!(
        !is_bare_error_code(&c.message),
        "{:?} from {input:?}",
        c.message
    );
    assert!(c.retry_after_ms.is_none_or(|ms| ms <= MAX_HINT_MS), "{c:?}");
    assert_eq!(c.retry_after_ms.is_some(), c.hint_source.is_some(), "{c:?}");
    assert_eq!(c.http_status, input.status);
    let told = input.headers.iter().any(|(n, v)| {
        n.eq_ignore_ascii_case("x-should-retry")
            && (v.trim().eq_ignore_ascii_case("true") || v.trim().eq_ignore_ascii_case("false"))
    });
    let usable = c.message.contains("usable completion, not a failure");
    if !told && !usable {
        assert_eq!(c.retryable, c.class.retryable_by_default(), "{c:?}");
    }
    assert!(serde_json::to_string(&c).is_ok());
    let _ = completion_is_usable(&input.body);
}

/// How many cases each generator runs; `CLASSIFY_PROPERTY_SCALE=50` runs 50 times as many.
fn cases(base: usize) -> usize {
    let scale = std::env::var("CLASSIFY_PROPERTY_SCALE")
        .ok()
        .and_then(|s| s.parse::<usize>().ok())
        .unwrap_or(1);
    base * scale.max(1)
}

fn random_input(rng: &mut Rng, body: Vec<u8>) -> ClassifyInput {
    let status = match rng.below(6) {
        0 => None,
        1 => Some(rng.below(1000) as u16),
        2 => Some(*rng.pick(&[200u16, 204, 429, 503, 529])),
        _ => Some(*rng.pick(&[
            400u16, 401, 402, 403, 404, 408, 409, 413, 422, 429, 500, 502, 503, 504, 529, 200,
        ])),
    };
    let headers = (0..rng.below(5))
        .map(|_| {
            (
                rng.pick(HEADER_NAMES).to_string(),
                rng.pick(HEADER_VALUES).to_string(),
            )
        })
        .collect();
    ClassifyInput {
        provider: None,
        status,
        headers,
        body,
        transport: None,
    }
}

#[test]
fn random_bytes_never_panic() {
    let mut rng = Rng(SplitMix64::new(1));
    for _ in 0..cases(3000) {
        let len = rng.below(600);
        let body: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
        let input = random_input(&mut rng, body);
        check(&input);
    }
}

#[test]
fn token_soup_never_panics() {
    let mut rng = Rng(SplitMix64::new(2));
    for _ in 0..cases(4000) {
        let mut body = String::new();
        for _ in 0..rng.below(80) {
            body.push_str(rng.pick::<&str>(TOKENS));
        }
        let input = random_input(&mut rng, body.into_bytes());
        check(&input);
    }
}

#[test]
fn mutated_real_bodies_never_panic() {
    let mut rng = Rng(SplitMix64::new(3));
    let corpus: Vec<String> = include_str!("../fixtures/errors.jsonl")
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter_map(|v| v["body"].as_str().map(str::to_string))
        .chain(SEEDS.iter().map(|s| s.to_string()))
        .collect();
    for _ in 0..cases(4000) {
        let mut body = corpus[rng.below(corpus.len())].clone().into_bytes();
        for _ in 0..=rng.below(4) {
            match rng.below(4) {
                0 if !body.is_empty() => body.truncate(rng.below(body.len())),
                1 if !body.is_empty() => {
                    let at = rng.below(body.len());
                    body[at] = rng.next() as u8;
                }
                2 => {
                    let at = rng.below(body.len() + 1);
                    let token = rng.pick(TOKENS).as_bytes().to_vec();
                    body.splice(at..at, token);
                }
                _ if !body.is_empty() => {
                    let at = rng.below(body.len());
                    body.remove(at);
                }
                _ => {}
            }
        }
        let input = random_input(&mut rng, body);
        check(&input);
    }
}

#[test]
fn deep_and_repetitive_bodies_never_panic() {
    for body in [
        "[".repeat(200_000),
        "{\"error\":".repeat(50_000),
        "{'a':".repeat(50_000),
        "\"".repeat(100_000),
        "\\".repeat(100_001),
        "data: ".repeat(50_000),
        "<title>".repeat(50_000),
        "try again in ".repeat(20_000),
        "limit: 0".repeat(20_000),
        "{\"error\":{\"message\":\"".to_string() + &"\\u".repeat(50_000),
    ] {
        for status in [None, Some(200), Some(400), Some(429), Some(500)] {
            check(&ClassifyInput {
                status,
                body: body.clone().into_bytes(),
                ..ClassifyInput::default()
            });
        }
    }
}
