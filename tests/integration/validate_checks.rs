//! Helpers shared by the validator tests.
#![allow(dead_code)]

use llmwire::provider::Provider;
use llmwire::validate::{validate, Code, Report, ValidateOptions};
use serde_json::Value;

/// Validates `request` for `provider` (no repair, no overrides).
pub fn check(provider: Provider, request: &Value) -> Report {
    validate(request, &ValidateOptions::for_provider(provider))
}

/// Validates in repair mode.
pub fn repair(provider: Provider, request: &Value) -> Report {
    validate(
        request,
        &ValidateOptions {
            repair: true,
            ..ValidateOptions::for_provider(provider)
        },
    )
}

/// The codes of the report's errors.
pub fn error_codes(report: &Report) -> Vec<Code> {
    report.errors.iter().map(|finding| finding.code).collect()
}

/// The codes of the report's warnings.
pub fn warning_codes(report: &Report) -> Vec<Code> {
    report.warnings.iter().map(|finding| finding.code).collect()
}

/// Asserts the report has an error with `code` at `path`.
#[track_caller]
pub fn assert_error_at(report: &Report, code: Code, path: &str) {
    assert!(
        report
            .errors
            .iter()
            .any(|finding| finding.code == code && finding.path == path),
        "expected error {code} at {path}, got {:#?}",
        report.errors
    );
}

/// Asserts the report has a warning with `code` at `path`.
#[track_caller]
pub fn assert_warning_at(report: &Report, code: Code, path: &str) {
    assert!(
        report
            .warnings
            .iter()
            .any(|finding| finding.code == code && finding.path == path),
        "expected warning {code} at {path}, got {:#?}",
        report.warnings
    );
}

/// Asserts `code` is neither an error nor a warning of the report.
#[track_caller]
pub fn assert_silent(report: &Report, code: Code) {
    assert!(
        !report
            .errors
            .iter()
            .chain(&report.warnings)
            .any(|finding| finding.code == code),
        "did not expect {code}: {:#?} {:#?}",
        report.errors,
        report.warnings
    );
}

/// Asserts there are no errors.
#[track_caller]
pub fn assert_ok(report: &Report) {
    assert!(
        report.ok && report.errors.is_empty(),
        "expected no errors, got {:#?}",
        report.errors
    );
}

/// A representative current model of each provider.
pub fn model_of(provider: Provider) -> Option<&'static str> {
    Some(match provider {
        Provider::OpenAI | Provider::Azure => "gpt-4.1",
        Provider::Gemini => "gemini-2.5-flash",
        Provider::Anthropic => "claude-sonnet-4-5",
        Provider::OpenRouter => "openai/gpt-4o",
        Provider::Groq => "llama-3.3-70b-versatile",
        Provider::DeepSeek => "deepseek-chat",
        Provider::Mistral => "mistral-large-latest",
        Provider::Xai => "grok-3",
        Provider::Ollama => "llama3.2",
        Provider::Vllm => "meta-llama/Llama-3.1-8B-Instruct",
        Provider::Generic => return None,
    })
}
