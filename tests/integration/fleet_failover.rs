//! Failover across mock targets over loopback: what each class does to a target's state, the
//! circuit breaker, validation and repair for the next provider, and every target unavailable.
//!
//! Cooldowns pass on a virtual clock (`ManualClock`) wherever the mock's answers do not depend on
//! real time, so nothing here sleeps to synchronise.

#![allow(clippy::result_large_err)]

use crate::session;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::fleet_setup::*;
use llmwire::client::ManualClock;
use llmwire::mock::{OutageMode, QuotaOptions};
use llmwire::taxonomy::{ErrorClass, StopReason};
use serde_json::{json, Value};

#[test]
fn rate_limited_primary_fails_over_at_once_and_cools_for_the_hint() {
    let server = mock(QuotaOptions::default());
    let (a, b) = (session("rl-a"), session("rl-b"));
    let client = client(&config(
        vec![
            openai_target(
                "a",
                &server.scenario_base_url("retry_after_ms_then_ok:ms=30000", &a),
            ),
            openai_target("b", &server.scenario_base_url("echo", &b)),
        ],
        json!({}),
    ));
    let started = Instant::now();
    let answer = ok(&client);
    let attempts = &answer["llmwire"]["attempts"];
    assert_eq!(targets_of(attempts), ["a", "b"]);
    assert_eq!(attempts[0]["delay_source"], "failover");
    assert_eq!(attempts[0]["delay_ms"], 0);
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "no sleep on failover"
    );
    let cooling = target_metrics(&client, "a");
    assert_eq!(cooling["state"], "cooling");
    assert_eq!(cooling["reason"], "rate_limited");
    assert!(
        cooling["retry_in_ms"].as_u64().unwrap() > 20_000,
        "{cooling}"
    );
    // The next call goes straight to b: a is not asked while it cools.
    let answer = ok(&client);
    assert_eq!(targets_of(&answer["llmwire"]["attempts"]), ["b"]);
    assert_eq!(received(&server, &a), 1);
}

#[test]
fn a_daily_quota_sets_the_target_aside_for_the_day_default_and_a_bad_key_disables_it() {
    let server = mock(QuotaOptions::default());
    let client = client(&config(
        vec![
            openai_target(
                "quota",
                &server.gemini_base_url("quota_exhausted", &session("q")),
            ),
            openai_target(
                "key",
                &server.scenario_base_url("invalid_api_key", &session("k")),
            ),
            openai_target("ok", &server.scenario_base_url("echo", &session("o"))),
        ],
        json!({}),
    ));
    let answer = ok(&client);
    assert_eq!(
        targets_of(&answer["llmwire"]["attempts"]),
        ["quota", "key", "ok"]
    );
    let quota = target_metrics(&client, "quota");
    assert_eq!(
        (&quota["state"], &quota["reason"]),
        (&json!("cooling"), &json!("quota_exhausted"))
    );
    assert!(
        quota["retry_in_ms"].as_u64().unwrap() > 3_000_000,
        "{quota}"
    );
    let key = target_metrics(&client, "key");
    assert_eq!(
        (&key["state"], &key["reason"]),
        (&json!("disabled"), &json!("authentication"))
    );
    assert!(key["retry_in_ms"].as_u64().unwrap() > 500_000, "{key}");
}

#[test]
fn invalid_request_does_not_fail_over_unless_configured() {
    let server = mock(QuotaOptions::default());
    let targets = vec![
        openai_target(
            "a",
            &server.scenario_base_url("gemini_unknown_field_400", &session("ir")),
        ),
        openai_target("b", &server.scenario_base_url("echo", &session("ir"))),
    ];
    // a's 400 is an invalid_request: it stops the call by default…
    let error = err(&client(&config(targets.clone(), json!({}))));
    assert_eq!(error.class(), ErrorClass::InvalidRequest);
    assert_eq!(error.stop_reason, Some(StopReason::NotRetryable));
    assert_eq!(error.attempts.len(), 1);
    // …and moves on to b with `fleet.fail_over_on`.
    let config = config(
        targets,
        json!({"fleet": {"fail_over_on": ["invalid_request"]}}),
    );
    let answer = ok(&client(&config));
    assert_eq!(targets_of(&answer["llmwire"]["attempts"]), ["a", "b"]);
}

#[test]
fn context_overflow_skips_targets_whose_window_is_no_larger() {
    let server = mock(QuotaOptions::default());
    let mut config = config(
        vec![
            openai_target(
                "small",
                &server.scenario_base_url("context_length_exceeded", &session("cx")),
            ),
            openai_target(
                "same",
                &server.scenario_base_url("echo", &session("cx-same")),
            ),
            openai_target(
                "large",
                &server.scenario_base_url("echo", &session("cx-large")),
            ),
        ],
        json!({}),
    );
    config["targets"][2]["model"] = json!("gpt-4.1");
    let answer = ok(&client(&config));
    assert_eq!(
        targets_of(&answer["llmwire"]["attempts"]),
        ["small", "large"]
    );
    assert_eq!(
        answer["model"], "gpt-4.1",
        "the request names the target's model"
    );
}

#[test]
fn breaker_opens_after_consecutive_failures_then_one_probe_closes_it() {
    let primary = mock(QuotaOptions::default());
    let backup = mock(QuotaOptions::default());
    primary.set_outage(Some((u64::MAX / 4, OutageMode::Unavailable)));
    let clock = Arc::new(ManualClock::default());
    let (p, b) = (session("br-p"), session("br-b"));
    let client = client_on(
        &config(
            vec![
                openai_target("primary", &primary.scenario_base_url("echo", &p)),
                openai_target("backup", &backup.scenario_base_url("echo", &b)),
            ],
            json!({"fleet": {"breaker": {"failures": 2, "window_ms": 60000, "cooldown_ms": 5000}}}),
        ),
        Arc::clone(&clock),
    );
    let events = record_events(&client);
    for _ in 0..2 {
        let answer = ok(&client);
        assert_eq!(
            targets_of(&answer["llmwire"]["attempts"]),
            ["primary", "backup"]
        );
    }
    assert_eq!(target_metrics(&client, "primary")["breaker"], "open");
    assert_eq!(target_metrics(&client, "primary")["breaker_opened"], 1);
    for _ in 0..3 {
        let answer = ok(&client);
        assert_eq!(targets_of(&answer["llmwire"]["attempts"]), ["backup"]);
    }
    assert_eq!(
        primary.limit_stats()["outage_answers"],
        2,
        "nothing reaches an open breaker"
    );
    // A failed probe opens it again for another cooldown.
    clock.advance(Duration::from_millis(5_000));
    let answer = ok(&client);
    assert_eq!(
        targets_of(&answer["llmwire"]["attempts"]),
        ["primary", "backup"]
    );
    assert_eq!(target_metrics(&client, "primary")["breaker"], "open");
    // The primary recovers; after the cooldown one probe closes the breaker.
    primary.set_outage(None);
    clock.advance(Duration::from_millis(5_000));
    let answer = ok(&client);
    assert_eq!(targets_of(&answer["llmwire"]["attempts"]), ["primary"]);
    assert_eq!(target_metrics(&client, "primary")["breaker"], "closed");
    let transitions: Vec<String> = events
        .lock()
        .unwrap()
        .iter()
        .filter(|e| e["event"] == "target" && e["target"] == "primary")
        .map(|e| e["transition"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        transitions,
        [
            "breaker_open",
            "breaker_half_open",
            "breaker_open",
            "breaker_half_open",
            "breaker_closed"
        ]
    );
    let failovers = events
        .lock()
        .unwrap()
        .iter()
        .filter(|e| e["event"] == "failover")
        .count();
    assert_eq!(failovers, 3);
}

#[test]
fn refused_connections_count_for_the_breaker_like_503s() {
    let primary = mock(QuotaOptions::default());
    let backup = mock(QuotaOptions::default());
    primary.set_outage(Some((u64::MAX / 4, OutageMode::Refuse)));
    let client = client(&config(
        vec![
            openai_target("primary", &primary.base_url()),
            openai_target("backup", &backup.base_url()),
        ],
        json!({"fleet": {"breaker": {"failures": 1}}}),
    ));
    let answer = ok(&client);
    assert_eq!(
        targets_of(&answer["llmwire"]["attempts"]),
        ["primary", "backup"]
    );
    assert_eq!(answer["llmwire"]["attempts"][0]["class"], "network");
    assert_eq!(target_metrics(&client, "primary")["state"], "breaker_open");
}

#[test]
fn failover_to_gemini_validates_and_repairs_for_gemini_and_sets_its_model() {
    let server = mock(QuotaOptions::default());
    let (a, b) = (session("rep-a"), session("rep-b"));
    let mut config = config(
        vec![
            openai_target("openai", &server.scenario_base_url("always_500", &a)),
            json!({"name": "gemini", "provider": "gemini", "model": "gemini-2.0-flash",
                   "base_url": server.gemini_base_url("echo", &b), "api_key": KEY}),
        ],
        json!({"validation": "repair", "fleet": {"breaker": {"failures": 1}}}),
    );
    config["retry"]["max_attempts"] = json!(3);
    let client = client(&config);
    let request = json!({
        "messages": [{"role": "user", "content": "weather in Paris?"}],
        "tools": [{"type": "function", "function": {"name": "weather", "parameters": {
            "type": "object", "additionalProperties": false,
            "properties": {"city": {"type": "string"}}, "required": ["city"]}}}]
    });
    let answer = client.chat(&request, None).expect("the backup answers");
    assert_eq!(
        targets_of(&answer["llmwire"]["attempts"]),
        ["openai", "gemini"]
    );
    let sent_to = |session: &str| server.requests(session)["requests"][0]["body"].clone();
    let openai_body = sent_to(&a);
    let gemini_body = sent_to(&b);
    assert_eq!(openai_body["model"], "gpt-4o-mini");
    assert_eq!(
        openai_body["tools"][0]["function"]["parameters"]["additionalProperties"], false,
        "OpenAI accepts the keyword: not touched"
    );
    assert_eq!(gemini_body["model"], "gemini-2.0-flash");
    assert!(
        gemini_body["tools"][0]["function"]["parameters"]
            .get("additionalProperties")
            .is_none(),
        "repaired for Gemini: {gemini_body}"
    );
    assert!(answer["llmwire"]["repairs"]
        .as_array()
        .is_some_and(|r| !r.is_empty()));
}

#[test]
fn every_target_cooling_past_the_deadline_stops_at_once_with_each_state() {
    let server = mock(QuotaOptions::default());
    let client = client(&config(
        vec![
            openai_target(
                "a",
                &server.scenario_base_url("retry_after_ms_then_ok:ms=30000", &session("all-a")),
            ),
            openai_target(
                "b",
                &server.scenario_base_url("retry_after_ms_then_ok:ms=30000", &session("all-b")),
            ),
        ],
        json!({"timeouts": {"deadline_ms": 2000}}),
    ));
    let started = Instant::now();
    let error = err(&client);
    assert!(started.elapsed() < Duration::from_millis(2000 + 400));
    assert_eq!(error.stop_reason, Some(StopReason::AllTargetsUnavailable));
    assert_eq!(error.class(), ErrorClass::RateLimited);
    let wait = error
        .classification
        .retry_after_ms
        .expect("the earliest return");
    // At most the hint plus the millisecond the wait adds so that the moment has surely passed
    // (30,001 when the hint and the stop fall in the same millisecond).
    assert!((20_000..=30_001).contains(&wait), "{wait}");
    let json: serde_json::Value = serde_json::from_str(&error.to_json()).unwrap();
    assert_eq!(json["stop_reason"], "all_targets_unavailable");
    let states: Vec<_> = json["targets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["name"].as_str().unwrap().to_owned(),
                t["state"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        states,
        [
            ("a".to_owned(), "cooling".to_owned()),
            ("b".to_owned(), "cooling".to_owned())
        ]
    );
    assert!(json["summary"]
        .as_str()
        .unwrap()
        .contains("all targets unavailable"));
    // A later call fails at once without sending anything.
    let again = err(&client);
    assert_eq!(again.stop_reason, Some(StopReason::AllTargetsUnavailable));
    assert!(again.attempts.is_empty());
}

#[test]
fn every_target_cooling_within_the_deadline_waits_for_the_first_back() {
    let server = mock(QuotaOptions::default());
    let client = client(&config(
        vec![
            openai_target(
                "a",
                &server.scenario_base_url("retry_after_ms_then_ok:ms=300", &session("wait-a")),
            ),
            openai_target(
                "b",
                &server.scenario_base_url("retry_after_ms_then_ok:ms=300", &session("wait-b")),
            ),
        ],
        json!({"timeouts": {"deadline_ms": 10000}}),
    ));
    let started = Instant::now();
    let answer = ok(&client);
    let elapsed = started.elapsed();
    assert_eq!(targets_of(&answer["llmwire"]["attempts"]), ["a", "b", "a"]);
    assert_eq!(
        answer["llmwire"]["attempts"][1]["delay_source"],
        "target_wait"
    );
    assert!(elapsed >= Duration::from_millis(250), "{elapsed:?}");
    assert!(elapsed < Duration::from_millis(10_000 + 400), "{elapsed:?}");
}

#[test]
fn a_plain_config_has_no_target_keys_and_a_one_target_list_names_its_target() {
    let server = mock(QuotaOptions::default());
    let plain =
        client(&json!({"base_url": server.base_url(), "api_key": KEY, "validation": "off"}));
    let answer = ok(&plain);
    assert!(answer["llmwire"]["attempts"][0].get("target").is_none());
    assert!(plain.metrics_json().get("targets").is_none());
    let one = client(&config(
        vec![openai_target("only", &server.base_url())],
        json!({}),
    ));
    let answer = ok(&one);
    assert_eq!(targets_of(&answer["llmwire"]["attempts"]), ["only"]);
    assert_eq!(target_metrics(&one, "only")["attempts"], 1);
    let text = one.metrics_prometheus();
    assert!(
        text.contains("llmwire_target_attempts_total{target=\"only\"} 1"),
        "{text}"
    );
    assert!(
        text.contains("llmwire_target_available{target=\"only\"} 1"),
        "{text}"
    );
    assert!(!plain.metrics_prometheus().contains("llmwire_target_"));
}

#[test]
fn the_call_deadline_cuts_an_attempt_on_a_target_and_does_not_fail_over_past_it() {
    let server = mock(QuotaOptions::default());
    let client = client(&config(
        vec![
            openai_target(
                "slow",
                &server.scenario_base_url("slow_headers:delay_ms=5000", &session("dl-a")),
            ),
            openai_target("fast", &server.scenario_base_url("echo", &session("dl-b"))),
        ],
        json!({"timeouts": {"deadline_ms": 400}}),
    ));
    let started = Instant::now();
    let error = err(&client);
    assert!(
        started.elapsed() < Duration::from_millis(400 + 400),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(error.stop_reason, Some(StopReason::Deadline));
    assert_eq!(error.attempts.len(), 1);
    assert_eq!(error.attempts[0].target.as_deref(), Some("slow"));
    assert_eq!(error.attempts[0].fault, Some("deadline"));
    assert_eq!(
        target_metrics(&client, "slow")["state"],
        "available",
        "a deadline says nothing about the target"
    );
}

#[test]
fn a_target_whose_validation_rejects_the_request_is_passed_over_with_an_event() {
    let server = mock(QuotaOptions::default());
    let (a, b) = (session("rej-a"), session("rej-b"));
    let config = config(
        vec![
            json!({"name": "gemini", "provider": "gemini", "model": "gemini-2.0-flash",
                   "base_url": server.gemini_base_url("echo", &a), "api_key": KEY}),
            openai_target("openai", &server.scenario_base_url("echo", &b)),
        ],
        json!({"validation": "strict"}),
    );
    let client = client(&config);
    let events = record_events(&client);
    // Gemini rejects `additionalProperties` in a tool schema; strict validation does not repair.
    let request = json!({
        "messages": [{"role": "user", "content": "weather in Paris?"}],
        "tools": [{"type": "function", "function": {"name": "weather", "parameters": {
            "type": "object", "additionalProperties": false,
            "properties": {"city": {"type": "string"}}}}}]
    });
    let answer = client
        .chat(&request, None)
        .expect("the second target answers");
    assert_eq!(targets_of(&answer["llmwire"]["attempts"]), ["openai"]);
    assert_eq!(received(&server, &a), 0, "nothing was sent to gemini");
    let rejected: Vec<Value> = events
        .lock()
        .unwrap()
        .iter()
        .filter(|event| event["transition"] == "request_rejected")
        .cloned()
        .collect();
    assert_eq!(rejected.len(), 1, "{rejected:?}");
    assert_eq!(rejected[0]["target"], "gemini");
    assert_eq!(rejected[0]["reason"], "validation_failed");
}
