//! The fault matrix: the real client against the bundled simulated provider, over loopback HTTP.
//!
//! Each test picks a scenario (and a session of its own, so tests run in parallel on one server)
//! and asserts the class, the attempts, the stop reason and, where a server hint is involved, the
//! delay actually waited. Backoff is configured tiny and without jitter, so nothing here sleeps for
//! synchronisation; only the server-hinted delays take real time, and only as much as they say.

// The error object is the library's public error type; its size is a deliberate trade-off (see lib.rs).
#![allow(clippy::result_large_err)]

use crate::session;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use llmwire::client::{CancelToken, ChunkControl, Client};
use llmwire::mock::{MockOptions, MockServer};
use llmwire::taxonomy::{ErrorClass, StopReason};
use llmwire::ErrorObject;
use serde_json::{json, Value};

fn server() -> &'static MockServer {
    static SERVER: OnceLock<MockServer> = OnceLock::new();
    SERVER.get_or_init(|| MockServer::start(MockOptions::default()).expect("the mock starts"))
}

const FAST_RETRY: &str = r#"{"initial_backoff_ms": 2, "max_backoff_ms": 10, "jitter": "none"}"#;

/// A client for `scenario`, with fast retries and any extra config keys merged in.
fn client_for(scenario: &str, extra: Value) -> (Client, String) {
    let session = session(scenario.split(':').next().unwrap_or(scenario));
    let mut config = json!({
        "provider": "openai",
        "base_url": server().scenario_base_url(scenario, &session),
        "api_key": "sk-test-not-a-real-key-1234567890",
        "model": "gpt-4o-mini",
        "retry": serde_json::from_str::<Value>(FAST_RETRY).unwrap(),
        "validation": "off",
    });
    merge(&mut config, extra);
    (
        Client::new(&config.to_string()).expect("the config is valid"),
        session,
    )
}

fn merge(into: &mut Value, extra: Value) {
    if let (Value::Object(into), Value::Object(extra)) = (into, extra) {
        for (key, value) in extra {
            match (into.get_mut(&key), value) {
                (Some(existing @ Value::Object(_)), value @ Value::Object(_)) => {
                    merge(existing, value)
                }
                (_, value) => drop(into.insert(key, value)),
            }
        }
    }
}

fn hello() -> Value {
    json!({ "messages": [{ "role": "user", "content": "hello there" }] })
}

fn fails(client: &Client) -> ErrorObject {
    match client.chat(&hello(), None) {
        Ok(response) => panic!("expected a failure, got {response}"),
        Err(error) => error,
    }
}

fn succeeds(client: &Client) -> Value {
    client
        .chat(&hello(), None)
        .unwrap_or_else(|error| panic!("expected success, got {}", error.to_json()))
}

fn attempts_of(response: &Value) -> &Vec<Value> {
    response["llmwire"]["attempts"]
        .as_array()
        .expect("a successful response lists its attempts")
}

fn classes_of(response: &Value) -> Vec<Option<String>> {
    attempts_of(response)
        .iter()
        .map(|a| a["class"].as_str().map(str::to_owned))
        .collect()
}

fn assert_stopped(error: &ErrorObject, class: ErrorClass, attempts: usize, stop: StopReason) {
    let context = error.to_json();
    assert_eq!(error.class(), class, "{context}");
    assert_eq!(error.attempts.len(), attempts, "{context}");
    assert_eq!(error.stop_reason, Some(stop), "{context}");
}

// ---- Non-retryable provider errors: one attempt, the provider's words surfaced -------------------

#[test]
fn gemini_list_wrapped_400_is_not_retried_and_surfaces_its_message() {
    let (client, _) = client_for("gemini_unknown_field_400", json!({ "provider": "gemini" }));
    let error = fails(&client);
    assert_stopped(
        &error,
        ErrorClass::InvalidRequest,
        1,
        StopReason::NotRetryable,
    );
    assert!(
        error
            .classification
            .message
            .contains("Unknown name \"additionalProperties\""),
        "{}",
        error.to_json()
    );
    assert!(
        error.summary.starts_with("not retried: invalid_request"),
        "{}",
        error.summary
    );
    assert!(!error.summary.contains("Error code"), "{}", error.summary);
}

#[test]
fn gemini_api_key_invalid_400_is_authentication() {
    let (client, _) = client_for(
        "invalid_api_key:format=gemini",
        json!({ "provider": "gemini" }),
    );
    assert_stopped(
        &fails(&client),
        ErrorClass::Authentication,
        1,
        StopReason::NotRetryable,
    );
}

#[test]
fn openai_401_is_authentication() {
    let (client, _) = client_for("invalid_api_key:format=openai", json!({}));
    assert_stopped(
        &fails(&client),
        ErrorClass::Authentication,
        1,
        StopReason::NotRetryable,
    );
}

#[test]
fn gemini_per_day_quota_429_is_not_retried() {
    let (client, _) = client_for(
        "quota_exhausted:format=gemini",
        json!({ "provider": "gemini" }),
    );
    let error = fails(&client);
    assert_stopped(
        &error,
        ErrorClass::QuotaExhausted,
        1,
        StopReason::NotRetryable,
    );
    assert!(
        error
            .classification
            .quota_id
            .as_deref()
            .unwrap_or("")
            .contains("PerDay"),
        "{}",
        error.to_json()
    );
}

#[test]
fn openai_insufficient_quota_429_is_not_retried() {
    let (client, _) = client_for("quota_exhausted:format=openai", json!({}));
    assert_stopped(
        &fails(&client),
        ErrorClass::QuotaExhausted,
        1,
        StopReason::NotRetryable,
    );
}

#[test]
fn model_not_found_404_is_not_retried() {
    let (client, _) = client_for("model_not_found_404", json!({}));
    assert_stopped(
        &fails(&client),
        ErrorClass::NotFound,
        1,
        StopReason::NotRetryable,
    );
}

#[test]
fn context_length_400_is_classified_in_both_wordings() {
    for format in ["openai", "gemini"] {
        let (client, _) = client_for(
            &format!("context_length_exceeded:format={format}"),
            json!({}),
        );
        assert_stopped(
            &fails(&client),
            ErrorClass::ContextLengthExceeded,
            1,
            StopReason::NotRetryable,
        );
    }
}

#[test]
fn request_too_large_413_is_not_retried() {
    let (client, _) = client_for("request_too_large_413", json!({}));
    assert_stopped(
        &fails(&client),
        ErrorClass::RequestTooLarge,
        1,
        StopReason::NotRetryable,
    );
}

#[test]
fn a_413_sent_while_the_body_is_still_uploading_is_read_not_retried() {
    // The mock refuses bodies over 32 MiB as soon as it has the headers, answers 413 and closes
    // while the client is still writing: the write fails, yet the answer is there to read.
    let (client, _) = client_for("echo", json!({}));
    let huge = "x".repeat(40 * 1024 * 1024);
    let request = json!({ "messages": [{ "role": "user", "content": huge }] });
    let error = client
        .chat(&request, None)
        .expect_err("over the mock's limit");
    assert_stopped(
        &error,
        ErrorClass::RequestTooLarge,
        1,
        StopReason::NotRetryable,
    );
    assert_eq!(error.classification.http_status, Some(413));
}

#[test]
fn server_error_with_x_should_retry_false_is_not_retried() {
    let (client, _) = client_for("server_error_no_retry", json!({}));
    assert_stopped(
        &fails(&client),
        ErrorClass::ServerError,
        1,
        StopReason::NotRetryable,
    );
}

// ---- Server hints honoured: the first retry comes after the hint, and succeeds ------------------

/// Succeeds on attempt 2 after waiting `expected_ms` from `source`; the scenario's gate answers the
/// same 429 to any earlier retry, so a second attempt proves the hint was honoured.
fn assert_hint_honoured(scenario: &str, provider: &str, source: &str, expected_ms: u64) {
    let (client, _) = client_for(scenario, json!({ "provider": provider }));
    let started = Instant::now();
    let response = succeeds(&client);
    let waited = started.elapsed();
    let attempts = attempts_of(&response);
    assert_eq!(attempts.len(), 2, "no wasted attempt: {response}");
    assert_eq!(attempts[0]["class"], "rate_limited", "{response}");
    assert_eq!(attempts[0]["delay_source"], source, "{response}");
    let delay = attempts[0]["delay_ms"].as_u64().unwrap();
    assert!(
        delay.abs_diff(expected_ms) <= 1000,
        "delay {delay} ms vs hint {expected_ms} ms"
    );
    assert!(
        waited >= Duration::from_millis(delay),
        "waited {waited:?}, hinted {delay} ms"
    );
}

#[test]
fn gemini_retry_info_3s_is_honoured_without_a_wasted_attempt() {
    assert_hint_honoured(
        "retry_info_then_ok:ms=3000,format=gemini",
        "gemini",
        "retry_info",
        3000,
    );
}

#[test]
fn retry_after_seconds_is_honoured() {
    assert_hint_honoured("retry_after_then_ok:s=1", "openai", "retry-after", 1000);
}

#[test]
fn retry_after_http_date_is_honoured() {
    assert_hint_honoured(
        "retry_after_date_then_ok:s=2",
        "openai",
        "retry-after",
        1500,
    );
}

#[test]
fn retry_after_ms_is_honoured() {
    assert_hint_honoured(
        "retry_after_ms_then_ok:ms=200",
        "openai",
        "retry-after-ms",
        200,
    );
}

#[test]
fn a_hint_above_max_server_delay_stops_at_once_and_reports_the_delay() {
    let (client, _) = client_for("retry_after_too_long", json!({}));
    let started = Instant::now();
    let error = fails(&client);
    assert!(started.elapsed() < Duration::from_secs(5));
    assert_eq!(error.attempts.len(), 1, "{}", error.to_json());
    assert_eq!(
        error.classification.retry_after_ms,
        Some(86_400_000),
        "{}",
        error.to_json()
    );
    assert!(
        matches!(
            error.stop_reason,
            Some(StopReason::ServerDelayTooLong | StopReason::NotRetryable)
        ),
        "{}",
        error.to_json()
    );
}

#[test]
fn a_deadline_shorter_than_the_hinted_delay_stops_before_sleeping() {
    let (client, _) = client_for(
        "retry_after_then_ok:s=1",
        json!({ "timeouts": { "deadline_ms": 500 } }),
    );
    let started = Instant::now();
    let error = fails(&client);
    assert!(
        started.elapsed() < Duration::from_millis(500),
        "no sleep crosses the deadline"
    );
    assert_stopped(&error, ErrorClass::RateLimited, 1, StopReason::Deadline);
}

// ---- Transient faults ridden out ----------------------------------------------------------------

#[test]
fn overloaded_three_times_then_ok_succeeds_with_default_settings() {
    let (client, _) = client_for(
        "overloaded_then_ok:n=3,format=gemini",
        json!({ "provider": "gemini", "retry": null }),
    );
    let response = succeeds(&client);
    let classes = classes_of(&response);
    assert_eq!(classes.len(), 4, "{response}");
    assert!(
        classes[..3]
            .iter()
            .all(|c| c.as_deref() == Some("overloaded")),
        "{response}"
    );
    assert_eq!(response["choices"][0]["message"]["content"], "hello there");
}

#[test]
fn anthropic_529_then_ok_is_ridden_out() {
    let (client, _) = client_for("anthropic_overloaded_529_then_ok", json!({}));
    assert_eq!(
        classes_of(&succeeds(&client))[0].as_deref(),
        Some("overloaded")
    );
}

#[test]
fn html_502_from_a_proxy_is_a_retried_server_error() {
    let (client, _) = client_for("bad_gateway_html_then_ok:page=nginx", json!({}));
    assert_eq!(
        classes_of(&succeeds(&client))[0].as_deref(),
        Some("server_error")
    );
}

#[test]
fn html_504_from_a_proxy_is_a_retried_timeout() {
    let (client, _) = client_for("gateway_timeout_html_then_ok", json!({}));
    assert_eq!(
        classes_of(&succeeds(&client))[0].as_deref(),
        Some("timeout")
    );
}

#[test]
fn always_500_gives_up_after_max_attempts() {
    let (client, _) = client_for("always_500", json!({}));
    assert_stopped(
        &fails(&client),
        ErrorClass::ServerError,
        5,
        StopReason::MaxAttempts,
    );
}

#[test]
fn per_class_attempt_limit_applies() {
    let (client, _) = client_for(
        "always_500",
        json!({ "retry": { "classes": { "server_error": { "max_attempts": 2 } } } }),
    );
    assert_stopped(
        &fails(&client),
        ErrorClass::ServerError,
        2,
        StopReason::MaxAttempts,
    );
}

#[test]
fn connection_refused_is_a_retried_network_error() {
    let closed_port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let config = json!({
        "base_url": format!("http://127.0.0.1:{closed_port}/v1"),
        "api_key": "sk-test",
        "retry": serde_json::from_str::<Value>(FAST_RETRY).unwrap(),
        "validation": "off",
    });
    let client = Client::new(&config.to_string()).unwrap();
    let error = fails(&client);
    assert_stopped(&error, ErrorClass::Network, 5, StopReason::MaxAttempts);
    assert!(
        error
            .classification
            .message
            .to_lowercase()
            .contains("refused"),
        "{}",
        error.to_json()
    );
}

#[test]
fn reset_before_headers_then_ok() {
    let (client, _) = client_for("reset_before_headers_then_ok", json!({}));
    assert_eq!(
        classes_of(&succeeds(&client))[0].as_deref(),
        Some("network")
    );
}

#[test]
fn reset_mid_body_then_ok() {
    let (client, _) = client_for("reset_mid_body_then_ok", json!({}));
    assert_eq!(
        classes_of(&succeeds(&client))[0].as_deref(),
        Some("network")
    );
}

#[test]
fn truncated_chunked_body_then_ok() {
    let (client, _) = client_for("truncated_chunked_then_ok", json!({}));
    assert_eq!(
        classes_of(&succeeds(&client))[0].as_deref(),
        Some("network")
    );
}

#[test]
fn close_without_response_then_ok() {
    let (client, _) = client_for("close_without_response_then_ok", json!({}));
    assert_eq!(
        classes_of(&succeeds(&client))[0].as_deref(),
        Some("network")
    );
}

#[test]
fn headers_slower_than_the_attempt_timeout_time_out() {
    let (client, _) = client_for(
        "slow_headers:delay_ms=5000",
        json!({ "timeouts": { "attempt_ms": 200 }, "retry": { "max_attempts": 2 } }),
    );
    let started = Instant::now();
    let error = fails(&client);
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "each attempt stops at its timeout"
    );
    assert_stopped(&error, ErrorClass::Timeout, 2, StopReason::MaxAttempts);
}

#[test]
fn a_body_over_the_size_cap_is_response_too_large_and_not_retried() {
    let (client, _) = client_for(
        "huge_body:size=3mb",
        json!({ "max_response_bytes": 1_048_576 }),
    );
    assert_stopped(
        &fails(&client),
        ErrorClass::ResponseTooLarge,
        1,
        StopReason::NotRetryable,
    );
}

#[test]
fn conflict_409_is_retried_once() {
    let (client, _) = client_for("conflict_409_then_ok", json!({}));
    assert_eq!(
        classes_of(&succeeds(&client)),
        vec![Some("conflict".to_owned()), None]
    );
}

// ---- 2xx that are not usable completions ----------------------------------------------------------

#[test]
fn empty_choices_then_ok_is_retried_as_malformed() {
    let (client, _) = client_for("empty_choices_then_ok", json!({}));
    assert_eq!(
        classes_of(&succeeds(&client)),
        vec![Some("malformed_response".to_owned()), None]
    );
}

#[test]
fn invalid_json_200_then_ok_is_retried_as_malformed() {
    let (client, _) = client_for("invalid_json_then_ok", json!({}));
    assert_eq!(
        classes_of(&succeeds(&client)),
        vec![Some("malformed_response".to_owned()), None]
    );
}

#[test]
fn empty_content_200_then_ok_is_retried_as_malformed() {
    let (client, _) = client_for("empty_content_then_ok", json!({}));
    assert_eq!(
        classes_of(&succeeds(&client)),
        vec![Some("malformed_response".to_owned()), None]
    );
}

#[test]
fn malformed_200_twice_stops_after_one_retry() {
    let (client, _) = client_for("empty_choices_then_ok:n=5", json!({}));
    assert_stopped(
        &fails(&client),
        ErrorClass::MalformedResponse,
        2,
        StopReason::MaxAttempts,
    );
}

// ---- Streaming ---------------------------------------------------------------------------------

fn stream_request() -> Value {
    json!({ "messages": [{ "role": "user", "content": "one two three four" }], "stream": true })
}

#[test]
fn a_stream_delivers_chunks_and_assembles_the_message() {
    let (client, _) = client_for("echo", json!({}));
    let mut pieces = Vec::new();
    let response = client
        .chat_stream(
            &stream_request(),
            &mut |chunk: &Value| {
                if let Some(text) = chunk
                    .pointer("/choices/0/delta/content")
                    .and_then(Value::as_str)
                {
                    pieces.push(text.to_owned());
                }
                ChunkControl::Continue
            },
            None,
        )
        .unwrap();
    assert!(pieces.len() > 1, "several chunks: {pieces:?}");
    assert_eq!(pieces.concat(), "one two three four");
    assert_eq!(
        response["choices"][0]["message"]["content"],
        "one two three four"
    );
}

#[test]
fn a_stream_error_after_chunks_is_never_replayed() {
    let (client, session) = client_for("stream_error_after_chunks:chunks=2", json!({}));
    let mut delivered = 0;
    let error = client
        .chat_stream(
            &stream_request(),
            &mut |_| {
                delivered += 1;
                ChunkControl::Continue
            },
            None,
        )
        .unwrap_err();
    assert_eq!(delivered, 2);
    assert_eq!(
        error.stop_reason,
        Some(StopReason::StreamStarted),
        "{}",
        error.to_json()
    );
    assert_eq!(error.attempts.len(), 1);
    assert_eq!(
        server().requests(&session)["requests"]
            .as_array()
            .unwrap()
            .len(),
        1,
        "no replay"
    );
}

#[test]
fn a_stream_error_before_any_chunk_reached_the_caller_is_retried() {
    let (client, _) = client_for("stream_error_after_chunks:chunks=2", json!({}));
    // chat() with "stream": true assembles internally: no chunk reached the caller, so a retry is safe.
    let response = client.chat(&stream_request(), None).unwrap();
    assert_eq!(attempts_of(&response).len(), 2, "{response}");
}

#[test]
fn a_stalled_stream_hits_the_idle_timeout() {
    // Two chunks: the role, then text, so that output reached the caller before the stall.
    let (client, _) = client_for(
        "stream_stall:chunks=2,stall_ms=10000",
        json!({ "timeouts": { "stream_idle_ms": 200 } }),
    );
    let started = Instant::now();
    let error = client
        .chat_stream(&stream_request(), &mut |_| ChunkControl::Continue, None)
        .unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(5));
    assert_eq!(error.class(), ErrorClass::Timeout, "{}", error.to_json());
    assert_eq!(error.stop_reason, Some(StopReason::StreamStarted));
}

#[test]
fn a_stream_that_stalls_after_only_its_role_chunk_is_sent_again() {
    // The first chunk carries the role and empty content: nothing the caller could show, so the
    // stream may be sent again without replaying output.
    let (client, _) = client_for(
        "stream_stall:chunks=1,stall_ms=10000,n=1",
        json!({ "timeouts": { "stream_idle_ms": 200 } }),
    );
    let mut chunks = 0;
    let response = client
        .chat_stream(
            &stream_request(),
            &mut |_| {
                chunks += 1;
                ChunkControl::Continue
            },
            None,
        )
        .unwrap_or_else(|e| panic!("{}", e.to_json()));
    let attempts = attempts_of(&response);
    assert_eq!(attempts.len(), 2, "{response}");
    assert_eq!(attempts[0]["class"], "timeout");
    assert!(chunks > 1);
}

#[test]
fn a_stream_ending_without_done_or_finish_reason_is_retried_when_nothing_was_delivered() {
    let (client, _) = client_for("stream_end_without_done", json!({}));
    let response = client.chat(&stream_request(), None).unwrap();
    assert_eq!(
        response["choices"][0]["message"]["content"],
        "one two three four"
    );
}

#[test]
fn a_callback_returning_abort_stops_the_stream() {
    let (client, _) = client_for("echo", json!({}));
    let error = client
        .chat_stream(&stream_request(), &mut |_| ChunkControl::Abort, None)
        .unwrap_err();
    assert_eq!(error.class(), ErrorClass::Cancelled);
    assert_eq!(error.stop_reason, Some(StopReason::AbortedByCallback));
}

// ---- Cancellation, budget, concurrency -------------------------------------------------------------

#[test]
fn cancel_during_backoff_returns_within_50_ms() {
    let (client, _) = client_for(
        "always_500",
        json!({ "retry": { "initial_backoff_ms": 60_000, "max_backoff_ms": 60_000 } }),
    );
    let client = Arc::new(client);
    let token = Arc::new(CancelToken::new());
    let (tx, rx) = std::sync::mpsc::channel();
    client.set_event_hook(Some(Arc::new(move |event: &str| {
        if event.contains("\"decision\":\"retry\"") {
            let _ = tx.send(());
        }
    })));
    let call = {
        let (client, token) = (Arc::clone(&client), Arc::clone(&token));
        std::thread::spawn(move || client.chat(&hello(), Some(&token)))
    };
    rx.recv_timeout(Duration::from_secs(10))
        .expect("the first attempt fails and backoff starts");
    let cancelled_at = Instant::now();
    token.cancel();
    let error = call.join().unwrap().unwrap_err();
    assert!(
        cancelled_at.elapsed() < Duration::from_millis(50),
        "took {:?}",
        cancelled_at.elapsed()
    );
    assert_eq!(error.class(), ErrorClass::Cancelled);
    assert_eq!(error.stop_reason, Some(StopReason::Cancelled));
    assert!(
        error.classification.message.contains("server_error"),
        "keeps the last failure: {}",
        error.to_json()
    );
}

#[test]
fn the_retry_budget_stops_a_stampede_of_8_threads() {
    let (client, session) = client_for(
        "always_500",
        json!({ "retry": { "budget": { "capacity": 20, "retry_cost": 5 } } }),
    );
    let client = Arc::new(client);
    let errors: Vec<ErrorObject> = (0..8)
        .map(|_| {
            let client = Arc::clone(&client);
            std::thread::spawn(move || client.chat(&hello(), None).unwrap_err())
        })
        .collect::<Vec<_>>()
        .into_iter()
        .map(|handle| handle.join().unwrap())
        .collect();
    let exhausted = errors
        .iter()
        .filter(|e| e.stop_reason == Some(StopReason::BudgetExhausted))
        .count();
    assert!(
        exhausted >= 4,
        "most calls stop on the budget: {exhausted} of 8"
    );
    let sent = server().requests(&session)["requests"]
        .as_array()
        .unwrap()
        .len();
    assert_eq!(sent, 8 + 4, "8 first attempts and exactly 20/5 = 4 retries");
    assert_eq!(client.metrics_json()["budget_level"], 0);
}

#[test]
fn sixty_four_threads_share_one_client_and_each_gets_its_own_answer() {
    let (client, _) = client_for("echo", json!({}));
    let client = Arc::new(client);
    let handles: Vec<_> = (0..64)
        .map(|i| {
            let client = Arc::clone(&client);
            std::thread::spawn(move || {
                let request = json!({ "messages": [{ "role": "user", "content": format!("thread {i} says hi") }] });
                let response = client.chat(&request, None).unwrap();
                (i, response["choices"][0]["message"]["content"].as_str().unwrap().to_owned())
            })
        })
        .collect();
    for handle in handles {
        let (i, answer) = handle.join().unwrap();
        assert_eq!(answer, format!("thread {i} says hi"));
    }
    assert_eq!(client.metrics_json()["successes"], 64);
}

#[test]
fn every_attempt_of_a_call_carries_the_same_idempotency_key() {
    let (client, session) = client_for("overloaded_then_ok:n=2", json!({}));
    succeeds(&client);
    let log = server().requests(&session);
    let keys: Vec<&str> = log["requests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            r["headers"]["idempotency-key"]
                .as_str()
                .expect("an idempotency key")
        })
        .collect();
    assert_eq!(keys.len(), 3);
    assert!(keys.iter().all(|k| *k == keys[0]), "{keys:?}");
    succeeds(&client);
    let next = server().requests(&session)["requests"][3]["headers"]["idempotency-key"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_ne!(next, keys[0], "a new call gets a new key");
}

// ---- Secrets and reporting ---------------------------------------------------------------------------

#[test]
fn the_api_key_never_appears_in_errors_events_or_metrics() {
    let key = "sk-live-SECRET-0123456789abcdef";
    let (client, _) = client_for("always_500", json!({ "api_key": key }));
    let events = Arc::new(Mutex::new(Vec::<String>::new()));
    let sink = Arc::clone(&events);
    client.set_event_hook(Some(Arc::new(move |event: &str| {
        sink.lock().unwrap().push(event.to_owned())
    })));
    let error = fails(&client);
    let everything = format!(
        "{}\n{}\n{}\n{:?}\n{}",
        error.to_json(),
        client.metrics_json(),
        client.metrics_prometheus(),
        client.config(),
        events.lock().unwrap().join("\n")
    );
    assert!(!everything.contains(key), "the key leaked");
    assert!(!everything.contains("SECRET"), "part of the key leaked");
    assert_eq!(events.lock().unwrap().len(), 5, "one event per attempt");
}

#[test]
fn a_key_no_header_can_carry_is_a_config_error_that_does_not_show_it() {
    let key = "sk-live-SECRET\n-0123456789";
    let config = json!({ "base_url": server().base_url(), "api_key": key });
    let error = Client::new(&config.to_string())
        .err()
        .expect("a line break cannot be sent in a header");
    assert_eq!(error.class(), ErrorClass::InvalidConfig);
    assert!(error.to_json().contains("API key"), "{}", error.to_json());
    assert!(
        !error.to_json().contains("SECRET"),
        "part of the key leaked"
    );
}

#[test]
fn metrics_count_attempts_retries_and_failures_by_class() {
    let (client, _) = client_for("overloaded_then_ok:n=2", json!({}));
    succeeds(&client);
    let metrics = client.metrics_json();
    assert_eq!(metrics["calls"], 1);
    assert_eq!(metrics["attempts"], 3);
    assert_eq!(metrics["retries_by_class"]["overloaded"], 2);
    assert_eq!(metrics["successes"], 1);
    let (client, _) = client_for("quota_exhausted", json!({}));
    fails(&client);
    assert_eq!(
        client.metrics_json()["failures_by_class"]["quota_exhausted"],
        1
    );
    assert!(client
        .metrics_prometheus()
        .contains("llmwire_failures_total{class=\"quota_exhausted\"} 1"));
}

#[test]
fn a_tool_call_completion_is_returned_intact() {
    let (client, _) = client_for("tool_call", json!({}));
    let request = json!({
        "messages": [{ "role": "user", "content": "weather in Paris?" }],
        "tools": [{ "type": "function", "function": { "name": "get_weather", "parameters": {
            "type": "object", "properties": { "city": { "type": "string" } }, "required": ["city"] } } }]
    });
    let response = client.chat(&request, None).unwrap();
    assert_eq!(
        response["choices"][0]["message"]["tool_calls"][0]["function"]["name"],
        "get_weather"
    );
}

// ---- Local validation ----------------------------------------------------------------------------

#[test]
fn an_invalid_request_is_caught_locally_and_never_sent() {
    let (client, session) = client_for(
        "echo",
        json!({ "provider": "gemini", "validation": "strict" }),
    );
    let request = json!({ "model": "gemini-2.5-flash", "messages": [] });
    let error = client.chat(&request, None).unwrap_err();
    assert_eq!(
        error.class(),
        ErrorClass::ValidationFailed,
        "{}",
        error.to_json()
    );
    assert!(error.summary.starts_with("not sent:"), "{}", error.summary);
    assert_eq!(error.validation.as_ref().unwrap()["ok"], false);
    assert!(
        server().requests(&session)["requests"]
            .as_array()
            .unwrap()
            .is_empty(),
        "nothing reached the network"
    );
}

#[test]
fn repair_mode_fixes_a_gemini_tool_schema_before_sending() {
    let (client, session) = client_for(
        "echo",
        json!({ "provider": "gemini", "validation": "repair" }),
    );
    let request = json!({
        "model": "models/gemini-2.5-flash",
        "messages": [{ "role": "user", "content": "hello there" }],
        "tools": [{ "type": "function", "function": { "name": "lookup", "parameters": {
            "type": "object", "additionalProperties": false,
            "properties": { "q": { "type": ["string", "null"] } } } } }]
    });
    let response = client.chat(&request, None).unwrap();
    let repairs = response["llmwire"]["repairs"].as_array().unwrap();
    assert!(
        repairs
            .iter()
            .any(|r| r["code"] == "schema_keyword_unsupported"),
        "{response}"
    );
    let sent = &server().requests(&session)["requests"][0]["body"];
    assert_eq!(sent["model"], "gemini-2.5-flash");
    assert!(
        sent["tools"][0]["function"]["parameters"]
            .get("additionalProperties")
            .is_none(),
        "{sent}"
    );
}

#[test]
fn a_missing_key_for_the_providers_own_endpoint_is_a_config_error_at_creation() {
    let config = json!({ "provider": "gemini", "api_key_env": "LLMWIRE_TEST_UNSET_KEY_VARIABLE" });
    let error = Client::new(&config.to_string())
        .err()
        .expect("no key, official endpoint");
    assert_eq!(error.class(), ErrorClass::InvalidConfig);
    assert!(
        error
            .classification
            .message
            .contains("LLMWIRE_TEST_UNSET_KEY_VARIABLE"),
        "{}",
        error.to_json()
    );
    // A custom base_url may be a proxy that adds the key: no error there.
    let config = json!({ "provider": "gemini", "base_url": "http://127.0.0.1:9/v1", "api_key_env": "LLMWIRE_TEST_UNSET_KEY_VARIABLE" });
    assert!(Client::new(&config.to_string()).is_ok());
}

#[test]
fn warn_mode_sends_the_request_and_lists_what_validation_found() {
    let (client, session) = client_for(
        "echo",
        json!({ "provider": "gemini", "validation": "warn" }),
    );
    let request = json!({
        "model": "gemini-2.5-flash",
        "messages": [{ "role": "user", "content": "hello there" }],
        "tools": [{ "type": "function", "function": { "name": "lookup", "parameters": {
            "type": "object", "additionalProperties": false, "properties": {} } } }]
    });
    let response = client.chat(&request, None).unwrap();
    let warnings = response["llmwire"]["warnings"].as_array().unwrap();
    assert!(
        warnings
            .iter()
            .any(|w| w["code"] == "schema_keyword_unsupported"),
        "{response}"
    );
    let sent = &server().requests(&session)["requests"][0]["body"];
    assert_eq!(
        sent["tools"][0]["function"]["parameters"]["additionalProperties"], false,
        "sent as is"
    );
}

#[test]
fn extra_headers_and_the_user_agent_reach_the_server() {
    let (client, session) = client_for(
        "echo",
        json!({ "headers": { "x-team": "search" }, "user_agent": "my-app/2.1" }),
    );
    succeeds(&client);
    let headers = &server().requests(&session)["requests"][0]["headers"];
    assert_eq!(headers["x-team"], "search");
    assert_eq!(headers["user-agent"], "my-app/2.1");
    assert!(headers["authorization"]
        .as_str()
        .unwrap()
        .starts_with("Bearer "));
    assert!(
        !headers.to_string().contains("sk-test-not-a-real-key"),
        "the mock log redacts the key"
    );
}
