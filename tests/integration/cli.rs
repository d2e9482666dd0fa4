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
    // A command that fails before reading its input closes the pipe: not the test's concern.
    let _ = child.stdin.take().unwrap().write_all(stdin.as_bytes());
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

/// The lines of stdout, each parsed as JSON.
fn stdout_lines(output: &Output) -> Vec<Value> {
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|line| {
            serde_json::from_str(line).unwrap_or_else(|e| panic!("a JSON line ({e}): {line}"))
        })
        .collect()
}

#[test]
fn chat_stream_json_prints_a_line_per_chunk_then_the_outcome() {
    let output = chat(
        "echo",
        "cli-stream-json-ok",
        "k",
        &["--stream", "--json", "streamed as json"],
        "",
    );
    assert_eq!(output.status.code(), Some(0));
    let lines = stdout_lines(&output);
    let (last, chunks) = lines.split_last().expect("at least the final line");
    assert!(chunks.len() >= 2, "one line per chunk: {lines:?}");
    for line in chunks {
        assert_eq!(line["chunk"]["object"], "chat.completion.chunk", "{line}");
    }
    let streamed: String = chunks
        .iter()
        .filter_map(|line| line.pointer("/chunk/choices/0/delta/content"))
        .filter_map(Value::as_str)
        .collect();
    assert_eq!(streamed, "streamed as json");
    assert_eq!(last["ok"], true);
    assert_eq!(
        last["response"]["choices"][0]["message"]["content"],
        "streamed as json"
    );
}

#[test]
fn chat_stream_json_reports_a_stream_that_fails_after_chunks() {
    let output = chat(
        "stream_error_after_chunks:chunks=2",
        "cli-stream-json-fail",
        "k",
        &["--json", "--stream", "hello there"],
        "",
    );
    assert_eq!(output.status.code(), Some(1), "a failed stream exits 1");
    let lines = stdout_lines(&output);
    let (last, chunks) = lines.split_last().unwrap();
    assert_eq!(chunks.len(), 2, "{lines:?}");
    assert!(chunks.iter().all(|line| line.get("chunk").is_some()));
    assert_eq!(last["ok"], false);
    assert_eq!(last["error"]["stop_reason"], "stream_started");
}

#[test]
fn chat_json_reports_usage_and_configuration_errors_as_one_object() {
    let missing = std::env::temp_dir().join("llmwire-cli-no-such-config.json");
    let missing = missing.to_str().unwrap();
    let cases: [(&[&str], &str); 5] = [
        (&["chat", "--json"], "invalid_argument"),
        (&["chat", "--json", "--bogus", "x"], "invalid_argument"),
        (
            &["chat", "--timeout-ms", "soon", "--json", "x"],
            "invalid_argument",
        ),
        (
            &["chat", "--json", "--provider", "nosuch", "x"],
            "invalid_config",
        ),
        (
            &["chat", "--json", "--config", missing, "x"],
            "invalid_config",
        ),
    ];
    for (args, class) in cases {
        let output = llmwire(args, "");
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        let printed = stdout_json(&output);
        assert_eq!(printed["ok"], false, "{args:?}");
        assert_eq!(printed["error"]["class"], class, "{args:?}: {printed}");
        assert!(printed["error"]["message"].as_str().unwrap().len() > 5);
    }
}

#[test]
fn chat_stream_error_starts_on_its_own_line() {
    // stdout and stderr into one file, as on a terminal.
    let path = std::env::temp_dir().join(format!("llmwire-cli-glued-{}.txt", std::process::id()));
    let file = std::fs::File::create(&path).unwrap();
    let base_url = server().scenario_base_url("stream_error_after_chunks:chunks=2", "cli-glued");
    let status = Command::new(env!("CARGO_BIN_EXE_llmwire"))
        .args([
            "chat",
            "--model",
            "m",
            "--api-key",
            "k",
            "--base-url",
            &base_url,
        ])
        .args(["--stream", "hello there"])
        .stdin(Stdio::null())
        .stdout(file.try_clone().unwrap())
        .stderr(file)
        .status()
        .unwrap();
    let printed = std::fs::read_to_string(&path).unwrap();
    let _ = std::fs::remove_file(&path);
    assert_eq!(status.code(), Some(1));
    let error_line = printed
        .lines()
        .find(|line| line.contains("llmwire chat:"))
        .unwrap_or_else(|| panic!("an error line: {printed:?}"));
    assert!(error_line.starts_with("llmwire chat:"), "{printed:?}");
    assert!(!printed.lines().next().unwrap().is_empty(), "{printed:?}");
}

#[test]
fn classify_takes_a_file_a_json_body_or_a_bare_body() {
    let quota = r#"{"error": {"message": "You exceeded your current quota", "type": "insufficient_quota", "code": "insufficient_quota"}}"#;
    // The body as JSON, not as a string.
    let as_value = format!(r#"{{"status": 429, "body": {quota}}}"#);
    let output = llmwire(&["classify"], &as_value);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(stdout_json(&output)["class"], "quota_exhausted");
    // Gemini's list-wrapped body as JSON.
    let list = r#"{"status": 503, "body": [{"error": {"code": 503, "message": "The model is overloaded.", "status": "UNAVAILABLE"}}]}"#;
    let output = llmwire(&["classify", "-"], list);
    assert_eq!(stdout_json(&output)["class"], "overloaded");
    // From a file.
    let path =
        std::env::temp_dir().join(format!("llmwire-cli-classify-{}.json", std::process::id()));
    std::fs::write(&path, &as_value).unwrap();
    let output = llmwire(&["classify", path.to_str().unwrap()], "");
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(stdout_json(&output)["class"], "quota_exhausted");
    // A bare body, with its status, provider and headers as flags (from the file, then stdin).
    std::fs::write(&path, "rate limited, slow down").unwrap();
    let output = llmwire(
        &[
            "classify",
            "--status",
            "429",
            "--header",
            "retry-after: 3",
            path.to_str().unwrap(),
        ],
        "",
    );
    let _ = std::fs::remove_file(&path);
    let classification = stdout_json(&output);
    assert_eq!(classification["class"], "rate_limited");
    assert_eq!(classification["retry_after_ms"], 3000);
    let output = llmwire(
        &["classify", "--status", "429", "--provider", "openai"],
        quota,
    );
    let classification = stdout_json(&output);
    assert_eq!(classification["class"], "quota_exhausted");
    assert_eq!(classification["provider"], "openai");
    // Unusable flags are usage errors.
    for args in [
        &["classify", "--status", "many"][..],
        &["classify", "--header", "retry-after: 1"],
        &["classify", "--status", "429", "--header", "no colon"],
        &["classify", "a", "b"],
    ] {
        let output = llmwire(args, "x");
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        assert!(output.stdout.is_empty());
    }
}

#[test]
fn help_for_a_command_prints_that_commands_help() {
    for command in ["chat", "classify", "validate", "trim", "mock"] {
        let via_help = llmwire(&["help", command], "");
        let via_flag = llmwire(&[command, "--help"], "");
        assert_eq!(via_help.status.code(), Some(0), "help {command}");
        assert_eq!(via_help.stdout, via_flag.stdout, "help {command}");
        let text = String::from_utf8_lossy(&via_help.stdout);
        assert!(text.contains(&format!("llmwire {command}")), "{text}");
        assert_ne!(
            via_help.stdout,
            llmwire(&["help"], "").stdout,
            "help {command}"
        );
    }
    let chat_help = String::from_utf8_lossy(&llmwire(&["chat", "--help"], "").stdout).to_string();
    for provider in llmwire::provider::Provider::ALL {
        assert!(
            chat_help.contains(provider.as_str()),
            "{provider:?} in {chat_help}"
        );
    }
    for key in [
        "\"retry\"",
        "max_attempts",
        "initial_backoff_ms",
        "\"timeouts\"",
        "deadline_ms",
        "attempt_ms",
    ] {
        assert!(chat_help.contains(key), "{key} in {chat_help}");
    }
    assert!(chat_help.contains("{\"chunk\": …}"), "{chat_help}");
}
