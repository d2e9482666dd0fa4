//! Client-side limits against a mock that enforces the provider's own: many threads sharing one
//! client never exceed a window (counted at the mock), the provider's pacing headers are
//! followed, and a call waiting for a slot or a target can be cancelled.

#![allow(clippy::result_large_err)]

use crate::session;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::fleet_setup::*;
use llmwire::client::CancelToken;
use llmwire::mock::QuotaOptions;
use llmwire::taxonomy::{ErrorClass, StopReason};
use serde_json::json;

/// Makes a call on another thread, cancels it after `delay`, and returns its result and duration.
fn cancelled_after(
    client: &Arc<llmwire::client::Client>,
    delay: Duration,
) -> (Result<serde_json::Value, llmwire::ErrorObject>, Duration) {
    let cancel = Arc::new(CancelToken::new());
    let waiting = {
        let (client, cancel) = (Arc::clone(client), Arc::clone(&cancel));
        std::thread::spawn(move || {
            let started = Instant::now();
            (client.chat(&hello(), Some(&cancel)), started.elapsed())
        })
    };
    std::thread::sleep(delay);
    cancel.cancel();
    waiting.join().unwrap()
}

#[test]
fn sixty_four_threads_under_client_limits_never_exceed_the_providers_window() {
    // The mock allows 40 requests a second, and so does the client: no margin is needed, since a
    // request counts from its reservation until a window after its answer. 64 threads make 2
    // calls each.
    let server = mock(QuotaOptions {
        rpm: Some(40),
        tpm: None,
        window_ms: Some(1_000),
    });
    let mut target = openai_target("limited", &server.base_url());
    target["limits"] = json!({"rpm": 40, "max_in_flight": 16, "window_ms": 1000});
    let client = Arc::new(client(&config(vec![target], json!({}))));
    let started = Instant::now();
    let threads: Vec<_> = (0..64)
        .map(|_| {
            let client = Arc::clone(&client);
            std::thread::spawn(move || {
                for _ in 0..2 {
                    ok(&client);
                }
            })
        })
        .collect();
    for thread in threads {
        thread.join().expect("every call succeeds");
    }
    let elapsed = started.elapsed();
    let stats = server.limit_stats();
    assert_eq!(stats["limited"], 0, "{stats}");
    assert_eq!(stats["admitted"], 128, "{stats}");
    assert!(
        stats["max_requests_in_window"].as_u64().unwrap() <= 40,
        "{stats}"
    );
    // 128 calls at 40 a second take at least three full windows.
    assert!(elapsed >= Duration::from_millis(3_000), "{elapsed:?}");
    let metrics = target_metrics(&client, "limited");
    assert_eq!(metrics["in_flight"], 0);
    assert_eq!(metrics["attempts"], 128);
}

#[test]
fn tokens_per_window_are_reserved_then_corrected_from_usage() {
    let server = mock(QuotaOptions::default());
    let mut target = openai_target("tpm", &server.base_url());
    target["limits"] = json!({"tpm": 100000});
    let client = client(&config(vec![target], json!({})));
    let request =
        json!({"messages": [{"role": "user", "content": "hello there"}], "max_tokens": 5000});
    let answer = client.chat(&request, None).unwrap();
    let used = answer["usage"]["total_tokens"].as_u64().unwrap();
    let metrics = target_metrics(&client, "tpm");
    assert_eq!(
        metrics["tokens_in_window"], used,
        "the 5000-token reservation was corrected"
    );
}

#[test]
fn the_providers_headers_pace_a_client_without_limits_of_its_own() {
    let server = mock(QuotaOptions {
        rpm: Some(2),
        tpm: None,
        window_ms: Some(600),
    });
    let client = client(&config(
        vec![openai_target("paced", &server.base_url())],
        json!({}),
    ));
    let started = Instant::now();
    for _ in 0..5 {
        let answer = ok(&client);
        assert_eq!(answer["llmwire"]["attempts"].as_array().unwrap().len(), 1);
    }
    let stats = server.limit_stats();
    assert_eq!(
        stats["limited"], 0,
        "paced by x-ratelimit-remaining/reset: {stats}"
    );
    assert!(started.elapsed() >= Duration::from_millis(1_000));
}

#[test]
fn a_call_waiting_for_a_limit_slot_is_cancelled_at_once() {
    let server = mock(QuotaOptions::default());
    let mut target = openai_target("one-a-minute", &server.base_url());
    target["limits"] = json!({"rpm": 1});
    let client = Arc::new(client(&config(vec![target], json!({}))));
    ok(&client);
    let (result, elapsed) = cancelled_after(&client, Duration::from_millis(100));
    let error = result.expect_err("cancelled");
    assert_eq!(error.class(), ErrorClass::Cancelled);
    assert_eq!(error.stop_reason, Some(StopReason::Cancelled));
    assert!(error.attempts.is_empty(), "nothing was sent");
    assert!(elapsed < Duration::from_millis(100 + 1_000), "{elapsed:?}");
    assert_eq!(server.limit_stats()["admitted"], 1);
}

#[test]
fn a_call_waiting_for_a_cooling_target_is_cancelled_at_once() {
    let server = mock(QuotaOptions::default());
    let client = Arc::new(client(&config(
        vec![openai_target(
            "cooling",
            &server.scenario_base_url("retry_after_ms_then_ok:ms=60000", &session("cancel")),
        )],
        json!({}),
    )));
    let (result, elapsed) = cancelled_after(&client, Duration::from_millis(200));
    let error = result.expect_err("cancelled");
    assert_eq!(error.stop_reason, Some(StopReason::Cancelled));
    assert_eq!(error.attempts.len(), 1, "one 429, then waiting");
    assert!(elapsed < Duration::from_millis(200 + 1_000), "{elapsed:?}");
}

#[test]
fn a_wait_longer_than_the_deadline_fails_at_once_without_sending() {
    let server = mock(QuotaOptions::default());
    let mut target = openai_target("one-a-minute", &server.base_url());
    target["limits"] = json!({"rpm": 1});
    let client = client(&config(
        vec![target],
        json!({"timeouts": {"deadline_ms": 500}}),
    ));
    ok(&client);
    let started = Instant::now();
    let error = err(&client);
    assert!(started.elapsed() < Duration::from_millis(500 + 400));
    assert_eq!(error.stop_reason, Some(StopReason::AllTargetsUnavailable));
    assert_eq!(error.class(), ErrorClass::RateLimited);
    let json: serde_json::Value = serde_json::from_str(&error.to_json()).unwrap();
    assert_eq!(json["targets"][0]["state"], "limited");
    assert_eq!(json["targets"][0]["requests_in_window"], 1);
}
