//! Helpers shared by the fleet tests: mock targets on loopback and clients over them.

#![allow(dead_code)]

use std::sync::{Arc, Mutex};

use llmwire::client::{Client, Clock, ManualClock};
use llmwire::config::ClientConfig;
use llmwire::mock::{MockOptions, MockServer, QuotaOptions};
use llmwire::ErrorObject;
use serde_json::{json, Value};

pub const KEY: &str = "sk-test-fleet-not-a-real-key-123";

/// A mock server of its own (its quota, outage and clock are not shared with other tests).
pub fn mock(quota: QuotaOptions) -> MockServer {
    MockServer::start(MockOptions {
        quota,
        ..MockOptions::default()
    })
    .expect("the mock starts")
}

/// An OpenAI-style target named `name` on `base_url`.
pub fn openai_target(name: &str, base_url: &str) -> Value {
    json!({"name": name, "provider": "openai", "model": "gpt-4o-mini", "base_url": base_url,
           "api_key": KEY})
}

/// A client over `targets` with tiny backoff, no jitter, and `extra` keys merged at the top.
pub fn config(targets: Vec<Value>, extra: Value) -> Value {
    let mut config = json!({
        "targets": targets,
        "retry": {"initial_backoff_ms": 2, "max_backoff_ms": 10, "jitter": "none"},
        "validation": "off",
    });
    if let (Value::Object(into), Value::Object(extra)) = (&mut config, extra) {
        into.extend(extra);
    }
    config
}

pub fn client(config: &Value) -> Client {
    Client::new(&config.to_string()).expect("the config is valid")
}

/// A client on a virtual clock: cooldowns pass with `clock.advance`, never by sleeping.
pub fn client_on(config: &Value, clock: Arc<ManualClock>) -> Client {
    let parsed = ClientConfig::from_json(&config.to_string()).expect("the config is valid");
    Client::with_clock(parsed, clock as Arc<dyn Clock>, |_| None).expect("the client builds")
}

pub fn hello() -> Value {
    json!({"messages": [{"role": "user", "content": "hello there"}]})
}

pub fn ok(client: &Client) -> Value {
    client
        .chat(&hello(), None)
        .unwrap_or_else(|error| panic!("expected success, got {}", error.to_json()))
}

pub fn err(client: &Client) -> ErrorObject {
    match client.chat(&hello(), None) {
        Ok(answer) => panic!("expected a failure, got {answer}"),
        Err(error) => error,
    }
}

/// The targets of an answer's attempts, in order.
pub fn targets_of(attempts: &Value) -> Vec<String> {
    attempts
        .as_array()
        .expect("attempts")
        .iter()
        .map(|a| a["target"].as_str().unwrap_or("?").to_owned())
        .collect()
}

/// `metrics.targets[i]` by name.
pub fn target_metrics(client: &Client, name: &str) -> Value {
    client.metrics_json()["targets"]
        .as_array()
        .expect("targets in the metrics")
        .iter()
        .find(|t| t["name"] == name)
        .cloned()
        .unwrap_or_else(|| panic!("no target {name}"))
}

/// Requests a mock session received.
pub fn received(server: &MockServer, session: &str) -> usize {
    server.requests(session)["requests"]
        .as_array()
        .map_or(0, Vec::len)
}

/// Collects the event hook's events.
pub fn record_events(client: &Client) -> Arc<Mutex<Vec<Value>>> {
    let events = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&events);
    client.set_event_hook(Some(Arc::new(move |json: &str| {
        sink.lock()
            .unwrap()
            .push(serde_json::from_str(json).unwrap());
    })));
    events
}
