//! Overflow recovery in the client (`"context": {"on_overflow": "trim"}`), against the bundled
//! simulated provider over loopback: a trim before sending, one trim-and-retry after a
//! `context_length_exceeded` answer (OpenAI and Gemini wordings), and how both show in the result
//! and in the error.

use crate::session;
use std::sync::OnceLock;

use llmwire::client::Client;
use llmwire::mock::{MockOptions, MockServer};
use llmwire::ErrorObject;
use serde_json::{json, Value};

/// Scenarios that overflow once, then answer normally: the provider's real wordings with the
/// figures of the built-in `context_length_exceeded` scenario (limit 8192, 9000 tokens).
const SCENARIOS: &str = r#"{"scenarios": {
  "openai_overflow_once": {
    "description": "OpenAI's context_length_exceeded once, then a completion",
    "steps": [
      {"status": 400, "body": {"error": {"message": "This model's maximum context length is 8192 tokens. However, your messages resulted in 9000 tokens. Please reduce the length of the messages.", "type": "invalid_request_error", "param": "messages", "code": "context_length_exceeded"}}},
      {"reply": "echo"}
    ]
  },
  "gemini_overflow_once": {
    "description": "Gemini's input token count error once, then a completion",
    "steps": [
      {"status": 400, "body": [{"error": {"code": 400, "message": "The input token count (9000) exceeds the maximum number of tokens allowed (8192).", "status": "INVALID_ARGUMENT"}}]},
      {"reply": "echo"}
    ]
  }
}}"#;

fn server() -> &'static MockServer {
    static SERVER: OnceLock<MockServer> = OnceLock::new();
    SERVER.get_or_init(|| {
        MockServer::start(MockOptions {
            scenario_documents: vec![SCENARIOS.to_owned()],
            ..MockOptions::default()
        })
        .expect("the mock starts")
    })
}

fn client(provider: &str, base_url: String, on_overflow: &str) -> Client {
    let config = json!({
        "provider": provider,
        "base_url": base_url,
        "api_key": "sk-test-not-a-real-key-1234567890",
        "model": "gpt-4o-mini",
        "retry": {"initial_backoff_ms": 2, "max_backoff_ms": 10, "jitter": "none"},
        "validation": "off",
        "context": {"on_overflow": on_overflow},
    });
    Client::new(&config.to_string()).expect("the config is valid")
}

/// A conversation of `turns` old exchanges (about 110 tokens each) and a new question.
fn long_conversation(turns: usize) -> Value {
    let mut messages =
        vec![json!({"role": "system", "content": "You answer questions about the weather."})];
    for turn in 0..turns {
        messages.push(json!({"role": "user", "content": format!("Question {turn}: {}", "what was the weather like on that day? ".repeat(6))}));
        messages.push(json!({"role": "assistant", "content": format!("Answer {turn}: {}", "it was mild and dry, with a light wind. ".repeat(6))}));
    }
    messages.push(json!({"role": "user", "content": "And what is it like today?"}));
    json!({"messages": messages})
}

fn sent_bodies(session: &str) -> Vec<Value> {
    server().requests(session)["requests"]
        .as_array()
        .expect("the mock logs requests")
        .iter()
        .map(|request| request["body"].clone())
        .collect()
}

fn message_count(body: &Value) -> usize {
    body["messages"].as_array().map_or(0, Vec::len)
}

fn succeeds(client: &Client, request: &Value) -> Value {
    client
        .chat(request, None)
        .unwrap_or_else(|error| panic!("expected success, got {}", error.to_json()))
}

fn fails(client: &Client, request: &Value) -> ErrorObject {
    match client.chat(request, None) {
        Ok(response) => panic!("expected a failure, got {response}"),
        Err(error) => error,
    }
}

#[test]
fn an_openai_overflow_is_trimmed_with_the_provider_figures_and_retried_once() {
    let session = session("openai-overflow");
    let client = client(
        "openai",
        server().scenario_base_url("openai_overflow_once", &session),
        "trim",
    );
    let request = long_conversation(30);
    let response = succeeds(&client, &request);

    let report = &response["llmwire"];
    let attempts = report["attempts"].as_array().unwrap();
    assert_eq!(attempts.len(), 2, "{report}");
    assert_eq!(attempts[0]["http_status"], 400);
    assert_eq!(attempts[0]["delay_source"], "trim");
    assert_eq!(attempts[0]["delay_ms"], 0);
    assert_eq!(attempts[1]["http_status"], 200);

    let trims = report["trimmed"].as_array().unwrap();
    assert_eq!(trims.len(), 1, "{report}");
    let trim = &trims[0];
    assert_eq!(trim["stage"], "after_overflow");
    assert_eq!(trim["after_attempt"], 1);
    assert_eq!(trim["provider_limit_tokens"], 8192);
    assert_eq!(trim["provider_prompt_tokens"], 9000);
    let before = trim["estimated_tokens_before"].as_u64().unwrap();
    let budget = trim["budget_tokens"].as_u64().unwrap();
    // (8192 - 2048 reserved for the answer) scaled by our estimate per provider token, less 5%.
    assert_eq!(budget, (8192 - 2048) * before * 95 / (9000 * 100));
    assert!(trim["estimated_tokens_after"].as_u64().unwrap() <= budget);

    let bodies = sent_bodies(&session);
    assert_eq!(bodies.len(), 2);
    assert_eq!(message_count(&bodies[0]), 62);
    let kept = message_count(&bodies[1]);
    let dropped = trim["dropped_indices"].as_array().unwrap().len();
    assert_eq!(kept + dropped, 62);
    assert_eq!(bodies[1]["messages"][0]["role"], "system");
    assert_eq!(bodies[1]["messages"][1]["role"], "user");
    assert_eq!(
        bodies[1]["messages"][kept - 1]["content"],
        "And what is it like today?"
    );
}

#[test]
fn a_gemini_overflow_is_read_in_gemini_s_words() {
    let session = session("gemini-overflow");
    let client = client(
        "gemini",
        server().gemini_base_url("gemini_overflow_once", &session),
        "trim",
    );
    let response = succeeds(&client, &long_conversation(30));
    let trim = &response["llmwire"]["trimmed"][0];
    assert_eq!(trim["stage"], "after_overflow");
    assert_eq!(trim["provider_limit_tokens"], 8192);
    assert_eq!(trim["provider_prompt_tokens"], 9000);
    assert_eq!(response["llmwire"]["attempts"][0]["delay_source"], "trim");
    assert!(message_count(&sent_bodies(&session)[1]) < 62);
}

#[test]
fn by_default_an_overflow_is_reported_not_trimmed() {
    let session = session("default-error");
    let client = client(
        "openai",
        server().scenario_base_url("openai_overflow_once", &session),
        "error",
    );
    let error = fails(&client, &long_conversation(30));
    assert_eq!(error.attempts.len(), 1, "{}", error.to_json());
    assert_eq!(error.attempts[0].delay_source, None);
    assert!(error.trimmed.is_empty());
    assert!(!error.to_json().contains("\"trimmed\""));
    assert_eq!(sent_bodies(&session).len(), 1);
}

#[test]
fn only_one_trim_and_retry_then_the_error_carries_the_trim() {
    let session = session("always-overflow");
    let scenario = "context_length_exceeded:limit=8192,tokens=9000";
    let client = client(
        "openai",
        server().scenario_base_url(scenario, &session),
        "trim",
    );
    let error = fails(&client, &long_conversation(30));
    let json: Value = serde_json::from_str(&error.to_json()).unwrap();
    assert_eq!(error.attempts.len(), 2, "{json}");
    assert_eq!(error.attempts[0].delay_source.as_deref(), Some("trim"));
    assert_eq!(error.attempts[1].delay_source, None);
    assert_eq!(json["trimmed"][0]["stage"], "after_overflow");
    assert_eq!(sent_bodies(&session).len(), 2);
}

#[test]
fn a_request_over_a_known_window_is_trimmed_before_it_is_sent() {
    let session = session("before-send");
    let client = client(
        "openai",
        server().scenario_base_url("echo", &session),
        "trim",
    );
    // gpt-4: an 8,192-token window; about 22,000 tokens of history.
    let mut request = long_conversation(200);
    request["model"] = json!("gpt-4");
    request["max_tokens"] = json!(500);
    let response = succeeds(&client, &request);
    let report = &response["llmwire"];
    assert_eq!(report["attempts"].as_array().unwrap().len(), 1);
    let trim = &report["trimmed"][0];
    assert_eq!(trim["stage"], "before_send");
    assert_eq!(trim["window_tokens"], 8192);
    assert_eq!(trim["reserve_output_tokens"], 500);
    assert!(trim["estimated_tokens_after"].as_u64().unwrap() <= 8192 - 500);
    assert!(trim.get("after_attempt").is_none());
    let bodies = sent_bodies(&session);
    assert_eq!(bodies.len(), 1);
    assert!(message_count(&bodies[0]) < 402);
    assert_eq!(bodies[0]["messages"][1]["role"], "user");
}

#[test]
fn a_fitting_request_is_sent_untouched_and_reports_no_trim() {
    let session = session("fits");
    let client = client(
        "openai",
        server().scenario_base_url("echo", &session),
        "trim",
    );
    let response = succeeds(&client, &long_conversation(2));
    assert_eq!(response["llmwire"]["trimmed"], json!([]));
    assert_eq!(message_count(&sent_bodies(&session)[0]), 6);
}

#[test]
fn the_context_config_rejects_unknown_keys_and_values() {
    let error = Client::new(r#"{"context": {"on_overflw": "trim"}}"#)
        .err()
        .expect("rejected");
    assert!(
        error.to_json().contains("on_overflw"),
        "{}",
        error.to_json()
    );
    let error = Client::new(r#"{"context": {"on_overflow": "drop"}}"#)
        .err()
        .expect("rejected");
    assert!(error.to_json().contains("drop"), "{}", error.to_json());
    assert!(Client::new(r#"{"api_key": "k", "context": {"on_overflow": "trim"}}"#).is_ok());
    assert!(Client::new(r#"{"api_key": "k", "context": {}}"#).is_ok());
}
