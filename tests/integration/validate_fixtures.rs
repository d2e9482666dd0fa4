//! The fixture set: real-world valid requests pass every profile where they are legal, and the
//! requests behind the corpus's real 400s are caught (and repaired where repair is safe).

use std::fs;
use std::path::{Path, PathBuf};

use crate::validate_checks::{error_codes, model_of};
use llmwire::provider::Provider;
use llmwire::validate::{validate, Code, ValidateOptions};
use serde_json::Value;

fn fixtures(kind: &str) -> Vec<(PathBuf, Value)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/requests")
        .join(kind);
    let mut files: Vec<PathBuf> = fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "json"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no fixtures in {}", dir.display());
    files
        .into_iter()
        .map(|path| {
            let text = fs::read_to_string(&path).unwrap();
            let value =
                serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            (path, value)
        })
        .collect()
}

fn code_named(name: &str) -> Code {
    *Code::ALL
        .iter()
        .find(|code| code.as_str() == name)
        .unwrap_or_else(|| panic!("unknown code {name}"))
}

/// The model to validate a fixture with on `provider`: the fixture's own model when it belongs to
/// the provider, a `model_override`, or the provider's representative model.
fn model_for(fixture: &Value, provider: Provider) -> Option<String> {
    if let Some(model) = fixture["model_override"][provider.as_str()].as_str() {
        return Some(model.to_owned());
    }
    let own = fixture["request"]["model"].as_str().unwrap_or_default();
    let belongs = match provider {
        Provider::OpenAI | Provider::Azure => own.starts_with("gpt-") || own.starts_with('o'),
        Provider::Gemini => own.starts_with("gemini"),
        Provider::Anthropic => own.starts_with("claude"),
        _ => false,
    };
    if belongs {
        Some(own.to_owned())
    } else {
        model_of(provider).map(str::to_owned)
    }
}

#[test]
fn valid_fixtures_pass_every_profile_where_they_are_legal() {
    let mut checked = 0;
    for (path, fixture) in fixtures("valid") {
        let legal_on = fixture["legal_on"].as_array().expect("legal_on");
        for provider in legal_on
            .iter()
            .map(|name| Provider::from_name(name.as_str().unwrap()).unwrap())
        {
            let options = ValidateOptions {
                model: model_for(&fixture, provider),
                ..ValidateOptions::for_provider(provider)
            };
            let report = validate(&fixture["request"], &options);
            assert!(
                report.ok,
                "{} on {provider} ({:?}): {:#?}",
                path.display(),
                options.model,
                report.errors
            );
            checked += 1;
        }
    }
    assert!(checked >= 60, "only {checked} fixture/profile pairs");
}

#[test]
fn valid_fixtures_are_left_unchanged_by_repair_on_their_native_profile() {
    for (path, fixture) in fixtures("valid") {
        let model = fixture["request"]["model"].as_str().unwrap_or_default();
        let provider = if model.starts_with("gemini") {
            Provider::Gemini
        } else if model.starts_with("claude") {
            Provider::Anthropic
        } else {
            Provider::OpenAI
        };
        let options = ValidateOptions {
            repair: true,
            ..ValidateOptions::for_provider(provider)
        };
        let report = validate(&fixture["request"], &options);
        assert_eq!(
            report.repairs.as_deref(),
            Some(&[][..]),
            "{} on {provider}",
            path.display()
        );
        assert_eq!(
            report.request.as_ref(),
            Some(&fixture["request"]),
            "{}",
            path.display()
        );
    }
}

#[test]
fn valid_fixtures_raise_no_warnings_on_openai() {
    // On OpenAI, the fixtures written for OpenAI models should not even look suspicious.
    for (path, fixture) in fixtures("valid") {
        let model = fixture["request"]["model"].as_str().unwrap_or_default();
        if !fixture["legal_on"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p == "openai")
            || !(model.starts_with("gpt-") || model.starts_with('o'))
        {
            continue;
        }
        let options = ValidateOptions {
            model: model_for(&fixture, Provider::OpenAI),
            ..ValidateOptions::for_provider(Provider::OpenAI)
        };
        let report = validate(&fixture["request"], &options);
        assert!(
            report.warnings.is_empty(),
            "{}: {:#?}",
            path.display(),
            report.warnings
        );
    }
}

#[test]
fn corpus_requests_are_caught_with_the_expected_codes() {
    for (path, fixture) in fixtures("invalid") {
        let provider = Provider::from_name(fixture["provider"].as_str().unwrap()).unwrap();
        let report = validate(
            &fixture["request"],
            &ValidateOptions::for_provider(provider),
        );
        assert!(!report.ok, "{} passed on {provider}", path.display());
        let codes = error_codes(&report);
        for expected in fixture["expect_errors"].as_array().unwrap() {
            let code = code_named(expected.as_str().unwrap());
            assert!(
                codes.contains(&code),
                "{}: expected {code}, got {:#?}",
                path.display(),
                report.errors
            );
        }
        for finding in report.errors.iter().chain(&report.warnings) {
            assert!(
                finding.path.is_empty() || finding.path.starts_with('/'),
                "{}: bad pointer {:?}",
                path.display(),
                finding
            );
            assert!(!finding.message.is_empty());
        }
    }
}

#[test]
fn corpus_requests_after_repair_keep_only_the_expected_errors() {
    for (path, fixture) in fixtures("invalid") {
        let provider = Provider::from_name(fixture["provider"].as_str().unwrap()).unwrap();
        let options = ValidateOptions {
            repair: true,
            ..ValidateOptions::for_provider(provider)
        };
        let report = validate(&fixture["request"], &options);
        let mut remaining: Vec<&str> = report
            .errors
            .iter()
            .map(|finding| finding.code.as_str())
            .collect();
        remaining.sort_unstable();
        remaining.dedup();
        let mut expected: Vec<&str> = fixture["errors_after_repair"]
            .as_array()
            .unwrap()
            .iter()
            .map(|code| code.as_str().unwrap())
            .collect();
        expected.sort_unstable();
        assert_eq!(
            remaining,
            expected,
            "{}: {:#?}",
            path.display(),
            report.errors
        );
        assert_eq!(report.ok, expected.is_empty());
        let repaired = report.request.expect("repair mode returns the request");
        if expected.is_empty() {
            // The repaired request validates cleanly on its own, too.
            let again = validate(&repaired, &ValidateOptions::for_provider(provider));
            assert!(again.ok, "{}: {:#?}", path.display(), again.errors);
            assert!(!report.repairs.unwrap().is_empty(), "{}", path.display());
        }
    }
}

#[test]
fn a_prompt_over_gemini_s_window_is_caught_before_sending() {
    // gemini-400-input-token-count-exceeds-sdk-wrapped-retried-as-5xx-1: "The input token count
    // (1091639) exceeds the maximum number of tokens allowed (1048576)."
    // About 1.2 million tokens (o200k_base: " lorem", " ipsum").
    let text = " lorem ipsum".repeat(600_000);
    let request = serde_json::json!({"model": "gemini-2.5-pro", "messages": [{"role": "user", "content": text}]});
    let report = validate(&request, &ValidateOptions::for_provider(Provider::Gemini));
    assert!(
        report.has_error(Code::ContextWindowExceeded),
        "{:#?}",
        report.errors
    );
    assert!(report.estimated_prompt_tokens > 1_048_576);
}

#[test]
fn anthropic_prompt_too_long_is_caught_before_sending() {
    // anthropic-400-prompt-too-long-1: "prompt is too long: 200251 tokens > 200000 maximum".
    // About 210,000 tokens (o200k_base: one per " word").
    let text = " word".repeat(210_000);
    let request = serde_json::json!({"model": "claude-sonnet-4-5", "max_tokens": 1024, "messages": [{"role": "user", "content": text}]});
    let report = validate(
        &request,
        &ValidateOptions::for_provider(Provider::Anthropic),
    );
    assert!(
        report.has_error(Code::ContextWindowExceeded),
        "{:#?}",
        report.errors
    );
}

#[test]
fn vllm_prompt_plus_completion_over_the_window_is_caught_with_a_window_override() {
    // vllm-400-context-length-object-error-code-int-1: 152536 in the messages + 4096 > 131072.
    // About 130,000 tokens (o200k_base: one per " word"): 130,000 + 4,096 > 131,072.
    let text = " word".repeat(130_000);
    let request = serde_json::json!({"model": "meta-llama/Llama-3.1-70B-Instruct", "max_tokens": 4096,
        "messages": [{"role": "user", "content": text}]});
    let options = ValidateOptions {
        window_tokens: Some(131_072),
        ..ValidateOptions::for_provider(Provider::Vllm)
    };
    let report = validate(&request, &options);
    assert!(
        report.has_error(Code::ContextWindowExceeded),
        "{:#?}",
        report
    );
    // Without the override the default window is not authoritative: a warning only.
    let report = validate(&request, &ValidateOptions::for_provider(Provider::Vllm));
    assert!(report.ok);
    assert!(report.has_warning(Code::ContextWindowExceeded));
}
