//! Clients in several real processes sharing one Redis namespace, against the mock provider:
//! limits that hold across processes, a cooldown, a breaker and the retry budget learned by one
//! process and honoured by the others, calls that go on while Redis dies and comes back.
//!
//! The processes are this test binary run again (`child_worker` below), each with its own
//! client, configuration and threads, reporting what happened as one JSON line on stdout.

use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use crate::fleet_setup::{client, config, hello, mock, openai_target};
use crate::redis_server::RedisServer;
use crate::session;
use llmwire::client::Client;
use llmwire::mock::{MockOptions, MockServer, QuotaOptions};
use serde_json::{json, Value};

const CHILD_ENV: &str = "LLMWIRE_COORDINATION_CHILD";

/// In a child process: runs `calls` calls over `threads` threads with the given configuration
/// and prints `{"ok", "failed", "stop_reasons", "metrics"}`. In the parent's run: nothing.
#[test]
fn child_worker() {
    let Ok(job) = std::env::var(CHILD_ENV) else {
        return;
    };
    let job: Value = serde_json::from_str(&job).expect("a job");
    let client = Arc::new(client(&job["config"]));
    let calls = job["calls"].as_u64().unwrap_or(1);
    let next = AtomicU64::new(0);
    let (ok, failed) = (AtomicU64::new(0), AtomicU64::new(0));
    let stop_reasons = Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for _ in 0..job["threads"].as_u64().unwrap_or(1) {
            scope.spawn(|| {
                while next.fetch_add(1, Ordering::Relaxed) < calls {
                    match client.chat(&hello(), None) {
                        Ok(_) => ok.fetch_add(1, Ordering::Relaxed),
                        Err(error) => {
                            stop_reasons.lock().unwrap().push(json!(error.stop_reason));
                            failed.fetch_add(1, Ordering::Relaxed)
                        }
                    };
                }
            });
        }
    });
    let report = json!({
        "ok": ok.into_inner(), "failed": failed.into_inner(),
        "stop_reasons": stop_reasons.into_inner().unwrap(), "metrics": client.metrics_json(),
    });
    println!("CHILD-REPORT {report}");
}

/// Starts `processes` children, each running `calls` calls over `threads` threads; returns their
/// reports once all have finished.
fn run_children(config: &Value, processes: usize, threads: u64, calls: u64) -> Vec<Value> {
    let job = json!({"config": config, "threads": threads, "calls": calls}).to_string();
    let children: Vec<_> = (0..processes)
        .map(|_| {
            Command::new(std::env::current_exe().expect("this test binary"))
                .args([
                    "--exact",
                    "coordination_fleet::child_worker",
                    "--nocapture",
                    "--test-threads",
                    "1",
                ])
                .env(CHILD_ENV, &job)
                .stdout(Stdio::piped())
                .stderr(Stdio::inherit())
                .spawn()
                .expect("a child process")
        })
        .collect();
    children
        .into_iter()
        .map(|child| {
            let output = child.wait_with_output().expect("the child ends");
            let stdout = String::from_utf8_lossy(&output.stdout);
            let line = stdout
                .lines()
                .find_map(|line| line.split_once("CHILD-REPORT ").map(|(_, report)| report))
                .unwrap_or_else(|| panic!("no report from a child: {stdout}"));
            serde_json::from_str(line).expect("a JSON report")
        })
        .collect()
}

fn coordination(server: &RedisServer, namespace: &str) -> Value {
    json!({"backend": "redis", "url": server.url(), "namespace": namespace,
           "timeout_ms": 2_000, "connect_timeout_ms": 2_000})
}

fn sum(reports: &[Value], key: &str) -> u64 {
    reports.iter().map(|r| r[key].as_u64().unwrap_or(0)).sum()
}

fn assert_redis_was_used(reports: &[Value]) {
    for report in reports {
        let coordination = &report["metrics"]["coordination"];
        assert_eq!(coordination["errors"], 0, "{coordination}");
        assert!(
            coordination["round_trips"].as_u64() > Some(0),
            "{coordination}"
        );
    }
}

#[test]
fn four_processes_of_eight_threads_never_exceed_the_shared_window() {
    let Some(server) = RedisServer::start("four_processes_never_exceed_the_window") else {
        return;
    };
    let provider = mock(QuotaOptions {
        rpm: Some(10),
        tpm: None,
        window_ms: Some(1_000),
    });
    let mut target = openai_target("limited", &provider.base_url());
    target["limits"] = json!({"rpm": 10, "window_ms": 1_000});
    let config = config(
        vec![target],
        json!({"coordination": coordination(&server, "contention")}),
    );
    let reports = run_children(&config, 4, 8, 10);
    assert_redis_was_used(&reports);
    assert_eq!(sum(&reports, "ok"), 40, "{reports:?}");
    let stats = provider.limit_stats();
    assert_eq!(stats["limited"], 0, "no request answered 429: {stats}");
    assert!(
        stats["max_requests_in_window"].as_u64() <= Some(10),
        "{stats}"
    );
    assert_eq!(stats["admitted"], 40, "{stats}");
}

#[test]
fn a_cooldown_and_an_open_breaker_learned_by_one_process_are_honoured_by_the_others() {
    let Some(server) = RedisServer::start("a_cooldown_learned_by_one_process") else {
        return;
    };
    let provider = MockServer::start(MockOptions::default()).expect("mock");
    let (cooling, broken) = (session("cooling"), session("broken"));
    let backup = openai_target("backup", &provider.base_url());
    let shared = |name: &str, scenario: &str, session: &str, namespace: &str| {
        config(
            vec![
                openai_target(name, &provider.scenario_base_url(scenario, session)),
                backup.clone(),
            ],
            json!({"coordination": coordination(&server, namespace),
                   "fleet": {"breaker": {"failures": 2, "window_ms": 60_000,
                                         "cooldown_ms": 60_000}}}),
        )
    };
    // A 429 asking for a minute: the first process's first call cools the target for everyone.
    let rate_limited = shared("primary", "retry_after_too_long:s=60", &cooling, "learn");
    let first = run_children(&rate_limited, 1, 1, 1);
    assert_eq!(first[0]["ok"], 1, "the call failed over: {first:?}");
    let others = run_children(&rate_limited, 3, 2, 4);
    assert_redis_was_used(&others);
    assert_eq!(sum(&others, "ok"), 12);
    let sent = provider.requests(&cooling)["requests"]
        .as_array()
        .map(Vec::len);
    assert_eq!(sent, Some(1), "only the first process met the 429");

    // Server errors: two failures open the breaker, in whichever processes they happen.
    let failing = shared("flaky", "always_500", &broken, "learn");
    let reports = run_children(&failing, 3, 2, 6);
    assert_eq!(
        sum(&reports, "ok"),
        18,
        "every call failed over: {reports:?}"
    );
    let sent = provider.requests(&broken)["requests"]
        .as_array()
        .map(Vec::len);
    // Calls admitted before the breaker opened may still end in failures: at most one per thread.
    assert!(sent.is_some_and(|n| (2..=7).contains(&n)), "{sent:?}");
    let later = run_children(&failing, 2, 1, 3);
    assert_eq!(sum(&later, "ok"), 6);
    let after = provider.requests(&broken)["requests"]
        .as_array()
        .map(Vec::len);
    assert_eq!(
        after, sent,
        "no process sent to the target while its breaker was open"
    );

    // Another namespace has learned nothing.
    let elsewhere = shared(
        "primary",
        "retry_after_too_long:s=60",
        &cooling,
        "elsewhere",
    );
    run_children(&elsewhere, 1, 1, 1);
    let sent = provider.requests(&cooling)["requests"]
        .as_array()
        .map(Vec::len);
    assert_eq!(
        sent,
        Some(2),
        "the other namespace tried the primary itself"
    );
}

#[test]
fn the_retry_budget_is_shared_by_every_process_of_the_namespace() {
    let Some(server) = RedisServer::start("the_retry_budget_is_shared") else {
        return;
    };
    let provider = MockServer::start(MockOptions::default()).expect("mock");
    let failing = session("budget");
    let config = json!({
        "base_url": provider.scenario_base_url("always_500", &failing), "api_key": "sk-test",
        "validation": "off", "coordination": coordination(&server, "budget"),
        "retry": {"initial_backoff_ms": 1, "max_backoff_ms": 2, "jitter": "none",
                  "max_attempts": 3, "budget": {"capacity": 10, "retry_cost": 5}},
        "fleet": {"breaker": {"failures": 1000}},
    });
    // The first process's call retries twice: the namespace's 10 tokens are spent.
    let first = run_children(&config, 1, 1, 1);
    assert_eq!(
        first[0]["stop_reasons"],
        json!(["max_attempts"]),
        "{first:?}"
    );
    // Every other process finds the budget empty: one attempt each, no retry.
    let others = run_children(&config, 2, 1, 1);
    for report in &others {
        assert_eq!(
            report["stop_reasons"],
            json!(["budget_exhausted"]),
            "{report}"
        );
    }
    let sent = provider.requests(&failing)["requests"]
        .as_array()
        .map(Vec::len);
    assert_eq!(sent, Some(3 + 2));
}

#[test]
fn calls_go_on_while_redis_dies_and_comes_back_and_the_password_never_shows() {
    let Some(mut server) = RedisServer::start_with(
        "calls_go_on_while_redis_dies",
        &["--requirepass", "pw-for-tests-417"],
    ) else {
        return;
    };
    let provider = MockServer::start(MockOptions::default()).expect("mock");
    let config_with = |password: &str| {
        let mut coordination = coordination(&server, "outage");
        coordination["url"] = json!(format!("redis://:{password}@127.0.0.1:{}/0", server.port));
        coordination["timeout_ms"] = json!(200);
        coordination["reconnect_min_ms"] = json!(20);
        coordination["reconnect_max_ms"] = json!(100);
        config(
            vec![openai_target("only", &provider.base_url())],
            json!({"coordination": coordination}),
        )
    };
    let events = Arc::new(Mutex::new(Vec::<String>::new()));
    let watch = |client: &Client| {
        let events = Arc::clone(&events);
        client.set_event_hook(Some(Arc::new(move |event: &str| {
            if event.contains("\"coordination\"") {
                events.lock().unwrap().push(event.to_owned());
            }
        })));
    };

    // A wrong password: every call is served, from local state.
    let wrong = client(&config_with("wrong-pw-9931"));
    watch(&wrong);
    for _ in 0..3 {
        wrong.chat(&hello(), None).expect("served without Redis");
    }
    let shown = format!(
        "{:?} {} {}",
        wrong.config(),
        wrong.metrics_json(),
        events.lock().unwrap().join(" ")
    );
    assert!(shown.contains("authentication failed"), "{shown}");
    assert!(
        !shown.contains("wrong-pw-9931"),
        "the password leaked: {shown}"
    );

    // The right one; Redis killed mid-run, then restarted empty.
    let right = client(&config_with("pw-for-tests-417"));
    watch(&right);
    events.lock().unwrap().clear();
    for _ in 0..5 {
        right.chat(&hello(), None).expect("a call");
    }
    assert_eq!(right.metrics_json()["coordination"]["state"], "up");
    server.kill();
    for _ in 0..20 {
        right
            .chat(&hello(), None)
            .expect("a call while Redis is dead");
    }
    assert_eq!(right.metrics_json()["coordination"]["state"], "down");
    server.restart();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while right.metrics_json()["coordination"]["state"] != "up" {
        assert!(
            std::time::Instant::now() < deadline,
            "{}",
            right.metrics_json()
        );
        right
            .chat(&hello(), None)
            .expect("a call while Redis restarts");
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    right
        .chat(&hello(), None)
        .expect("a call after the restart");
    let events = events.lock().unwrap().join("\n");
    assert!(
        events.contains("\"state\":\"down\"") && events.contains("\"state\":\"up\""),
        "{events}"
    );
    assert!(!events.contains("pw-for-tests-417"), "{events}");
    let metrics = right.metrics_prometheus();
    assert!(metrics.contains("llmwire_coordination_up 1"), "{metrics}");
    assert!(!metrics.contains("pw-for-tests-417"));
}

#[test]
fn an_unreachable_redis_at_start_fails_nothing() {
    let Some(server) = RedisServer::start("an_unreachable_redis_at_start") else {
        return;
    };
    let port = server.port;
    drop(server);
    let provider = MockServer::start(MockOptions::default()).expect("mock");
    let config = json!({
        "base_url": provider.base_url(), "api_key": "sk-test", "validation": "off",
        "coordination": {"backend": "redis", "url": format!("redis://127.0.0.1:{port}"),
                         "namespace": "absent"},
    });
    let reports = run_children(&config, 2, 2, 10);
    assert_eq!(sum(&reports, "ok"), 20, "{reports:?}");
    for report in &reports {
        assert_eq!(report["metrics"]["coordination"]["state"], "down");
    }
}
