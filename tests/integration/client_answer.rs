//! The answer of a successful call, as text (`Client::chat_json`, what the C API hands out) and as
//! a `Value` (`Client::chat`): the provider's own text is kept byte for byte, the `llmwire` report
//! is added exactly once, and both forms say the same thing whichever way the body was read.

use std::sync::OnceLock;

use llmwire::client::Client;
use llmwire::mock::{MockOptions, MockServer};
use serde_json::{json, Value};

/// A pretty-printed answer: the fast path keeps its layout.
const PRETTY: &str = "{\n  \"id\": \"chatcmpl-pretty\",\n  \"choices\": [\n    {\"index\": 0, \"message\": {\"role\": \"assistant\", \"content\": \"caf\\u00e9 \\\"ok\\\"\"}, \"finish_reason\": \"stop\"}\n  ]\n}\n";
/// Content as parts: usable, but only the full reading proves it.
const PARTS: &str = r#"{"id":"chatcmpl-parts","choices":[{"index":0,"message":{"role":"assistant","content":[{"type":"text","text":"from parts"}]},"finish_reason":"stop"}]}"#;
/// A proxy that already added a report of its own: ours replaces it.
const REPORTED: &str = r#"{"id":"chatcmpl-reported","choices":[{"index":0,"message":{"role":"assistant","content":"hi"},"finish_reason":"stop"}],"llmwire":{"attempts":"someone else's"}}"#;

fn server() -> &'static MockServer {
    static SERVER: OnceLock<MockServer> = OnceLock::new();
    SERVER.get_or_init(|| {
        let scenario = |body: &str| json!({ "steps": [{ "status": 200, "headers": {"content-type": "application/json"}, "body": body }] });
        let document = json!({ "scenarios": {
            "pretty": scenario(PRETTY),
            "parts": scenario(PARTS),
            "reported": scenario(REPORTED),
        }});
        MockServer::start(MockOptions {
            scenario_documents: vec![document.to_string()],
            ..MockOptions::default()
        })
        .expect("the mock starts")
    })
}

fn client(scenario: &str, session: &str) -> Client {
    let config = json!({
        "base_url": server().scenario_base_url(scenario, session),
        "api_key": "sk-test-answer",
        "model": "gpt-4o-mini",
    });
    Client::new(&config.to_string()).expect("a valid config")
}

fn request() -> Value {
    json!({ "messages": [{ "role": "user", "content": "hello" }] })
}

fn report_of(answer: &Value) -> &Value {
    let report = &answer["llmwire"];
    assert_eq!(
        report["attempts"].as_array().map(Vec::len),
        Some(1),
        "{answer}"
    );
    assert_eq!(report["attempts"][0]["http_status"], 200);
    report
}

#[test]
fn ordinary_text_is_handed_on_byte_for_byte_with_the_report_appended() {
    let text = client("pretty", "text")
        .chat_json(&request(), None)
        .expect("usable");
    let kept = PRETTY.trim_end().strip_suffix('}').unwrap();
    assert!(text.starts_with(kept), "layout not kept: {text}");
    assert!(text[kept.len()..].starts_with(",\"llmwire\":{"), "{text}");
    let parsed: Value = serde_json::from_str(&text).expect("valid JSON");
    assert_eq!(parsed["choices"][0]["message"]["content"], "café \"ok\"");
    report_of(&parsed);
}

#[test]
fn text_and_value_forms_agree() {
    for scenario in ["pretty", "parts", "reported"] {
        let text = client(scenario, "agree-text")
            .chat_json(&request(), None)
            .expect("usable");
        let mut value = client(scenario, "agree-value")
            .chat(&request(), None)
            .expect("usable");
        let mut from_text: Value = serde_json::from_str(&text).expect("valid JSON");
        // Only the elapsed times may differ between two calls.
        for answer in [&mut from_text, &mut value] {
            answer["llmwire"]["attempts"][0]["elapsed_ms"] = json!(0);
        }
        assert_eq!(from_text, value, "{scenario}");
    }
}

#[test]
fn bodies_the_quick_proof_leaves_alone_are_still_answered() {
    let text = client("parts", "parts")
        .chat_json(&request(), None)
        .expect("content parts are usable");
    let parsed: Value = serde_json::from_str(&text).expect("valid JSON");
    assert_eq!(
        parsed["choices"][0]["message"]["content"][0]["text"],
        "from parts"
    );
    report_of(&parsed);
}

#[test]
fn a_report_already_in_the_body_is_replaced_not_duplicated() {
    let text = client("reported", "reported")
        .chat_json(&request(), None)
        .expect("usable");
    assert_eq!(text.matches("\"llmwire\"").count(), 1, "{text}");
    let parsed: Value = serde_json::from_str(&text).expect("valid JSON");
    assert!(report_of(&parsed)["attempts"].is_array());
}
