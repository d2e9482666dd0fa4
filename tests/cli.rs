//! The `llmwire` command line, run as a real process: output shapes and exit codes.

use std::io::Write;
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;

use llmwire::mock::{MockOptions, MockServer};
use serde_json::Value;

fn llmwire(args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_llmwire"))
        .args(args)
        .env_remove("OPENAI_API_KEY")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

fn stdout_json(output: &Output) -> Value {
    let text = String::from_utf8_lossy(&output.stdout);
    serde_json::from_str(text.trim())
        .unwrap_or_else(|e| panic!("stdout is one JSON object ({e}): {text}"))
}

fn server() -> &'static MockServer {
    static SERVER: OnceLock<MockServer> = OnceLock::new();
    SERVER.get_or_init(|| MockServer::start(MockOptions::default()).unwrap())
}

/// `llmwire chat --model m --base-url <scenario's URL> --api-key KEY EXTRA...` with `stdin`.
fn chat(scenario: &str, session: &str, key: &str, extra: &[&str], stdin: &str) -> Output {
    let base_url = server().scenario_base_url(scenario, session);
    let mut args = vec![
        "chat",
        "--model",
        "m",
        "--base-url",
        &base_url,
        "--api-key",
        key,
    ];
    args.extend_from_slice(extra);
    llmwire(&args, stdin)
}

#[test]
fn classify_reads_stdin_and_prints_one_classification() {
    let input = r#"{"status": 429, "body": "{\"error\": {\"message\": \"You exceeded your current quota\", \"type\": \"insufficient_quota\", \"code\": \"insufficient_quota\"}}"}"#;
    let output = llmwire(&["classify"], input);
    assert_eq!(output.status.code(), Some(0));
    let classification = stdout_json(&output);
    assert_eq!(classification["class"], "quota_exhausted");
    assert_eq!(classification["retryable"], false);
}

#[test]
fn classify_rejects_malformed_input_with_exit_2_and_a_reason() {
    for bad in ["{\"status\": ", "[]", "{\"stauts\": 500}", ""] {
        let output = llmwire(&["classify"], bad);
        assert_eq!(output.status.code(), Some(2), "input {bad:?}");
        assert!(output.stdout.is_empty());
        assert!(!output.stderr.is_empty(), "a reason on stderr for {bad:?}");
    }
}

#[test]
fn validate_exits_0_for_valid_1_for_invalid_2_for_unreadable() {
    let valid = r#"{"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}]}"#;
    let output = llmwire(&["validate", "--provider", "openai", "-"], valid);
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(stdout_json(&output)["ok"], true);

    let invalid = r#"{"model": "gpt-4o", "messages": []}"#;
    let output = llmwire(&["validate", "-"], invalid);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(stdout_json(&output)["errors"][0]["code"], "empty_messages");

    assert_eq!(
        llmwire(&["validate", "-"], "{not json").status.code(),
        Some(2)
    );
    assert_eq!(
        llmwire(&["validate", "/no/such/file.json"], "")
            .status
            .code(),
        Some(2)
    );
    assert_eq!(
        llmwire(&["validate", "--provider", "nosuch", "-"], valid)
            .status
            .code(),
        Some(2)
    );
    assert_eq!(llmwire(&["validate"], "").status.code(), Some(2));
}

#[test]
fn validate_repair_prints_the_repaired_request() {
    let request =
        r#"{"model": "models/gemini-2.5-flash", "messages": [{"role": "user", "content": "hi"}]}"#;
    let output = llmwire(
        &["validate", "--provider", "gemini", "--repair", "-"],
        request,
    );
    assert_eq!(output.status.code(), Some(0));
    let report = stdout_json(&output);
    assert_eq!(report["request"]["model"], "gemini-2.5-flash");
    assert_eq!(report["repairs"][0]["code"], "model_name_prefix");
}

#[test]
fn chat_json_prints_exactly_one_object_on_success() {
    let output = chat("echo", "cli-ok", "k", &["--json", "hello cli"], "");
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let printed = stdout_json(&output);
    assert_eq!(printed["ok"], true);
    assert_eq!(
        printed["response"]["choices"][0]["message"]["content"],
        "hello cli"
    );
}

#[test]
fn chat_json_prints_the_error_object_and_exits_1_on_failure() {
    let output = chat(
        "quota_exhausted",
        "cli-quota",
        "k",
        &["--json", "-"],
        "from stdin",
    );
    assert_eq!(output.status.code(), Some(1));
    let printed = stdout_json(&output);
    assert_eq!(printed["ok"], false);
    assert_eq!(printed["error"]["class"], "quota_exhausted");
    assert_eq!(printed["error"]["attempts"].as_array().unwrap().len(), 1);
}

#[test]
fn chat_prints_the_answer_and_streams_it() {
    let output = chat("echo", "cli-plain", "k", &["plain answer"], "");
    assert_eq!(
        String::from_utf8_lossy(&output.stdout).trim(),
        "plain answer"
    );
    let output = chat(
        "echo",
        "cli-plain",
        "k",
        &["--stream", "streamed answer"],
        "",
    );
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(
        String::from_utf8_lossy(&output.stdout).trim(),
        "streamed answer"
    );
}

#[test]
fn chat_usage_errors_exit_2() {
    assert_eq!(llmwire(&["chat"], "").status.code(), Some(2));
    assert_eq!(
        llmwire(&["chat", "--bogus", "x"], "").status.code(),
        Some(2)
    );
    assert_eq!(
        llmwire(&["chat", "--timeout-ms", "soon", "x"], "")
            .status
            .code(),
        Some(2)
    );
    let output = llmwire(&["chat", "--provider", "nosuch", "x"], "");
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("nosuch"));
}

#[test]
fn chat_failure_without_json_prints_the_summary_and_never_the_key() {
    let key = "sk-cli-SECRET-abcdef123456";
    let output = chat(
        "invalid_api_key:format=openai",
        "cli-auth",
        key,
        &["hi"],
        "",
    );
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("authentication"), "{stderr}");
    assert!(!stderr.contains(key) && !String::from_utf8_lossy(&output.stdout).contains(key));
}

#[test]
fn unknown_commands_and_no_command_exit_2() {
    assert_eq!(llmwire(&["frobnicate"], "").status.code(), Some(2));
    assert_eq!(llmwire(&[], "").status.code(), Some(2));
    assert_eq!(llmwire(&["help"], "").status.code(), Some(0));
}
