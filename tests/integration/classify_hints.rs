//! Retry hints: every format, the docs/design.md §4 precedence between them, and what happens to garbage.

use std::time::{Duration, SystemTime};

use llmwire::classify::{classify, Classification, ClassifyInput, HintSource, MAX_HINT_MS};
use llmwire::ErrorClass;

/// 2025-06-15T15:06:40Z.
const NOW_S: u64 = 1_750_000_000;

fn now() -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(NOW_S)
}

const RATE_BODY: &str =
    r#"{"error":{"message":"Rate limit exceeded","type":"requests","code":"rate_limit_exceeded"}}"#;

fn run(status: u16, headers: &[(&str, &str)], body: &str) -> Classification {
    classify(&ClassifyInput::response(status, headers, body), now())
}

fn hint(c: &Classification) -> (Option<u64>, Option<HintSource>) {
    (c.retry_after_ms, c.hint_source)
}

#[test]
fn retry_after_seconds_whole_and_fractional() {
    let c = run(429, &[("retry-after", "2")], RATE_BODY);
    assert_eq!(hint(&c), (Some(2000), Some(HintSource::RetryAfter)));
    let c = run(429, &[("Retry-After", " 1.5 ")], RATE_BODY);
    assert_eq!(hint(&c), (Some(1500), Some(HintSource::RetryAfter)));
    let json = serde_json::to_value(&c).unwrap();
    assert_eq!(json["hint_source"], "retry-after");
    assert_eq!(json["retry_after_ms"], 1500);
}

#[test]
fn retry_after_ms_beats_retry_after() {
    let c = run(
        429,
        &[("retry-after", "2"), ("retry-after-ms", "250.5")],
        RATE_BODY,
    );
    assert_eq!(hint(&c), (Some(251), Some(HintSource::RetryAfterMs)));
    assert_eq!(
        serde_json::to_value(&c).unwrap()["hint_source"],
        "retry-after-ms"
    );
}

#[test]
fn retry_after_http_date_is_relative_to_now() {
    let c = run(503, &[("retry-after", "Sun, 15 Jun 2025 15:07:10 GMT")], "");
    assert_eq!(hint(&c), (Some(30_000), Some(HintSource::RetryAfter)));
    let c = run(
        503,
        &[("retry-after", "Sunday, 15-Jun-25 15:07:10 GMT")],
        "",
    );
    assert_eq!(c.retry_after_ms, Some(30_000));
    let c = run(503, &[("retry-after", "Sun Jun 15 15:07:10 2025")], "");
    assert_eq!(c.retry_after_ms, Some(30_000));
}

#[test]
fn a_past_http_date_means_retry_now() {
    let c = run(
        429,
        &[("retry-after", "Wed, 21 Oct 2015 07:28:00 GMT")],
        RATE_BODY,
    );
    assert_eq!(hint(&c), (Some(0), Some(HintSource::RetryAfter)));
}

#[test]
fn bad_dates_and_garbage_fall_through_to_the_next_source() {
    for garbage in [
        "soon",
        "-5",
        "NaN",
        "inf",
        "1e3",
        "Sun, 31 Feb 2025 10:00:00 GMT",
        "Sun, 15 Jun 2025 99:00:00 GMT",
        "",
        "2,000",
    ] {
        let c = run(
            429,
            &[
                ("retry-after", garbage),
                ("x-ratelimit-reset-requests", "3s"),
            ],
            RATE_BODY,
        );
        assert_eq!(
            hint(&c),
            (Some(3000), Some(HintSource::RatelimitReset)),
            "retry-after: {garbage:?}"
        );
    }
    let c = run(
        429,
        &[("retry-after-ms", "-1"), ("retry-after", "4")],
        RATE_BODY,
    );
    assert_eq!(hint(&c), (Some(4000), Some(HintSource::RetryAfter)));
}

#[test]
fn absurd_delays_are_capped_at_thirty_days() {
    assert_eq!(MAX_HINT_MS, 30 * 24 * 3600 * 1000);
    for huge in ["99999999999999999999999999", "1e308", "4000000000"] {
        let c = run(503, &[("retry-after", huge)], "");
        if huge == "1e308" {
            assert_eq!(c.retry_after_ms, None, "not a delta-seconds value");
        } else {
            assert_eq!(c.retry_after_ms, Some(MAX_HINT_MS), "{huge}");
        }
    }
    let c = run(503, &[("retry-after", "Fri, 31 Dec 9999 23:59:59 GMT")], "");
    assert_eq!(c.retry_after_ms, Some(MAX_HINT_MS));
    let c = run(503, &[("retry-after-ms", &"9".repeat(400))], "");
    assert_eq!(c.retry_after_ms, Some(MAX_HINT_MS));
}

#[test]
fn retry_info_fractional_and_its_precedence() {
    let google = |delay: &str| {
        format!(
            r#"{{"error":{{"code":429,"message":"Resource exhausted. Please retry in 53.016342224s.","status":"RESOURCE_EXHAUSTED","details":[{{"@type":"type.googleapis.com/google.rpc.RetryInfo","retryDelay":"{delay}"}}]}}}}"#
        )
    };
    let c = run(429, &[], &google("34.4s"));
    assert_eq!(hint(&c), (Some(34_400), Some(HintSource::RetryInfo)));
    assert_eq!(
        serde_json::to_value(&c).unwrap()["hint_source"],
        "retry_info"
    );
    let c = run(429, &[("retry-after", "5")], &google("34.4s"));
    assert_eq!(
        hint(&c),
        (Some(5000), Some(HintSource::RetryAfter)),
        "headers first"
    );
    let c = run(429, &[], &google("garbage"));
    assert_eq!(
        hint(&c),
        (Some(53_017), Some(HintSource::Message)),
        "a bad RetryInfo falls back to the message, rounded up"
    );
}

#[test]
fn message_wordings_in_every_unit() {
    for (message, ms) in [
        ("Please try again in 2.5s.", 2500),
        ("Please try again in 20ms.", 20),
        ("Please try again in 1m30s.", 90_000),
        ("Please try again in 6m0.5s.", 360_500),
        ("Please try again in 114h18m0s.", 411_480_000),
        ("Please retry in 45.6s.", 45_600),
        ("Please retry after 20 seconds.", 20_000),
        ("Retry after 2 minutes", 120_000),
        ("try again in 1 hour", 3_600_000),
    ] {
        let body = format!(
            r#"{{"error":{{"message":"Rate limit reached. {message}","code":"rate_limit_exceeded"}}}}"#
        );
        let c = run(429, &[], &body);
        assert_eq!(hint(&c), (Some(ms), Some(HintSource::Message)), "{message}");
    }
    let c = run(
        429,
        &[],
        r#"{"error":{"message":"Rate limited. Please try again later."}}"#,
    );
    assert_eq!(hint(&c), (None, None));
}

#[test]
fn reset_headers_pick_the_exhausted_or_relevant_window() {
    let both = [
        ("x-ratelimit-reset-requests", "6m0s"),
        ("x-ratelimit-reset-tokens", "20ms"),
    ];
    let c = run(
        429,
        &both,
        r#"{"error":{"message":"Rate limit reached on tokens per min"}}"#,
    );
    assert_eq!(
        hint(&c),
        (Some(20), Some(HintSource::RatelimitReset)),
        "the message is about tokens"
    );
    let c = run(
        429,
        &both,
        r#"{"error":{"message":"Rate limit reached on requests per min"}}"#,
    );
    assert_eq!(
        c.retry_after_ms,
        Some(360_000),
        "the message is about requests"
    );
    let c = run(429, &both, r#"{"error":{"message":"slow down"}}"#);
    assert_eq!(
        c.retry_after_ms,
        Some(360_000),
        "unknown window: the longer one"
    );
    let mut exhausted = both.to_vec();
    exhausted.push(("x-ratelimit-remaining-tokens", "0"));
    exhausted.push(("x-ratelimit-remaining-requests", "10"));
    let c = run(429, &exhausted, r#"{"error":{"message":"slow down"}}"#);
    assert_eq!(c.retry_after_ms, Some(20), "the exhausted window wins");
    assert_eq!(
        serde_json::to_value(&c).unwrap()["hint_source"],
        "ratelimit-reset"
    );
}

#[test]
fn anthropic_reset_timestamps_are_relative_to_now() {
    let c = run(
        429,
        &[
            ("anthropic-ratelimit-tokens-reset", "2025-06-15T15:07:00Z"),
            ("anthropic-ratelimit-tokens-remaining", "0"),
            (
                "anthropic-ratelimit-requests-reset",
                "2025-06-15T15:06:45.5+00:00",
            ),
        ],
        r#"{"type":"error","error":{"type":"rate_limit_error","message":"Rate limited"}}"#,
    );
    assert_eq!(hint(&c), (Some(20_000), Some(HintSource::RatelimitReset)));
}

#[test]
fn x_should_retry_overrides_retryability_but_is_not_a_delay() {
    let c = run(
        529,
        &[("x-should-retry", "false")],
        r#"{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}"#,
    );
    assert_eq!(c.class, ErrorClass::Overloaded);
    assert!(!c.retryable);
    assert_eq!(hint(&c), (None, None));
    let c = run(
        400,
        &[("X-Should-Retry", "TRUE")],
        r#"{"error":{"message":"bad","type":"invalid_request_error"}}"#,
    );
    assert_eq!(c.class, ErrorClass::InvalidRequest);
    assert!(c.retryable);
    let c = run(500, &[("x-should-retry", "maybe")], "");
    assert!(c.retryable, "an unreadable hint leaves the default");
}

#[test]
fn hints_on_deterministic_rejections_are_not_reported() {
    let c = run(
        400,
        &[("retry-after", "30"), ("x-ratelimit-reset-requests", "6s")],
        r#"{"error":{"message":"[gemini-cli] [400]: Thought signature is not valid. (reset after 30s)"}}"#,
    );
    assert_eq!(c.class, ErrorClass::InvalidRequest);
    assert_eq!(hint(&c), (None, None));
    let c = run(
        404,
        &[("retry-after", "30")],
        r#"{"error":{"message":"model not found"}}"#,
    );
    assert_eq!(hint(&c), (None, None));
}

#[test]
fn server_faults_keep_their_hints_but_not_reset_headers() {
    let c = run(
        503,
        &[("retry-after", "7"), ("x-ratelimit-reset-requests", "1s")],
        "",
    );
    assert_eq!(c.class, ErrorClass::ServerError);
    assert_eq!(hint(&c), (Some(7000), Some(HintSource::RetryAfter)));
    let c = run(503, &[("x-ratelimit-reset-requests", "1s")], "");
    assert_eq!(
        hint(&c),
        (None, None),
        "a rate window says nothing about a server fault"
    );
}

#[test]
fn a_429_asking_for_more_than_an_hour_is_a_quota() {
    let c = run(429, &[("retry-after", "3601")], RATE_BODY);
    assert_eq!(c.class, ErrorClass::QuotaExhausted);
    assert_eq!(c.retry_after_ms, Some(3_601_000));
    let c = run(429, &[("retry-after", "3600")], RATE_BODY);
    assert_eq!(c.class, ErrorClass::RateLimited);
}

#[test]
fn header_names_are_case_insensitive_and_the_first_copy_wins() {
    let c = run(
        429,
        &[("RETRY-AFTER", "3"), ("retry-after", "9")],
        RATE_BODY,
    );
    assert_eq!(c.retry_after_ms, Some(3000));
}
