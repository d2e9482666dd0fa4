//! `llmwire trim`: result JSON on stdout; exit 0 trimmed or fitting, 1 cannot fit, 2 usage.

use std::io::Write;
use std::process::{Command, Output, Stdio};

use serde_json::{json, Value};

fn request() -> Value {
    json!({"model": "gpt-4", "max_tokens": 100, "messages": [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": " weather".repeat(9_000)},
        {"role": "assistant", "content": "Noted."},
        {"role": "user", "content": "Summarise."}]})
}

fn run(args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_llmwire"))
        .arg("trim")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the CLI runs");
    // A usage error exits before reading stdin: a closed pipe is expected then.
    let mut pipe = child.stdin.take().expect("stdin is piped");
    let _ = pipe.write_all(stdin.as_bytes());
    drop(pipe);
    child.wait_with_output().expect("the CLI exits")
}

fn stdout_json(output: &Output) -> Value {
    serde_json::from_slice(&output.stdout).expect("stdout is JSON")
}

#[test]
fn a_request_over_the_model_window_is_trimmed_from_stdin() {
    let output = run(&["--provider", "openai", "-"], &request().to_string());
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let result = stdout_json(&output);
    assert_eq!(result["report"]["trimmed"], true);
    assert_eq!(result["report"]["window_tokens"], 8192);
    assert_eq!(result["report"]["reserve_output_tokens"], 100);
    assert_eq!(result["report"]["dropped_indices"], json!([1, 2]));
    assert_eq!(result["request"]["messages"].as_array().unwrap().len(), 2);
}

#[test]
fn a_file_that_fits_is_printed_unchanged() {
    let path = std::env::temp_dir().join(format!("llmwire-trim-{}.json", std::process::id()));
    std::fs::write(&path, request().to_string()).unwrap();
    let output = run(
        &[
            "--window",
            "1000000",
            "--reserve",
            "10",
            path.to_str().unwrap(),
        ],
        "",
    );
    std::fs::remove_file(&path).ok();
    assert_eq!(output.status.code(), Some(0));
    let result = stdout_json(&output);
    assert_eq!(result["report"]["trimmed"], false);
    assert_eq!(result["request"], request());
}

#[test]
fn nothing_fitting_exits_1_with_the_reason() {
    let output = run(&["--budget", "5", "-"], &request().to_string());
    assert_eq!(output.status.code(), Some(1));
    assert!(output.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("budget of 5 tokens"), "{stderr}");
}

#[test]
fn usage_and_input_errors_exit_2() {
    for args in [
        vec!["--budget", "5", "--window", "9", "-"],
        vec!["--budget", "many", "-"],
        vec!["--provider", "nobody", "-"],
        vec!["--frobnicate", "-"],
        vec![],
    ] {
        let output = run(&args, "{}");
        assert_eq!(output.status.code(), Some(2), "{args:?}");
    }
    let output = run(&["-"], "{\"messages\": [");
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("line 1 column"));
    // An unknown model without a budget: no window to trim to.
    let output = run(&["-"], "{\"model\": \"my-model\", \"messages\": []}");
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("my-model"));
}
