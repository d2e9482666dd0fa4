//! The text entry points: options parsing, malformed input, the report JSON contract, the CLI
//! function, and the profile accessors the client will use.

use llmwire::error::Error;
use llmwire::profile::{AuthStyle, Profile, SchemaDialect};
use llmwire::provider::Provider;
use llmwire::validate::{validate_json, validate_to_json, Code, ValidateOptions};
use serde_json::{json, Value};

const REQUEST: &str = r#"{"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}]}"#;

fn invalid_argument(result: Result<impl std::fmt::Debug, Error>) -> String {
    match result {
        Err(Error::InvalidArgument(message)) => message,
        other => panic!("expected InvalidArgument, got {other:?}"),
    }
}

#[test]
fn options_default_to_the_generic_profile_without_repair() {
    let report = validate_json(REQUEST, None).unwrap();
    assert_eq!(report.provider, Provider::Generic);
    assert!(report.repairs.is_none());
    let report = validate_json(REQUEST, Some("{}")).unwrap();
    assert_eq!(report.provider, Provider::Generic);
}

#[test]
fn options_are_parsed_with_every_key() {
    let options = ValidateOptions::from_json(
        r#"{"provider": "azure", "repair": true, "model": "o3", "window_tokens": 1000, "max_output_tokens": 10}"#,
    )
    .unwrap();
    assert_eq!(
        options,
        ValidateOptions {
            provider: Provider::Azure,
            repair: true,
            model: Some("o3".into()),
            window_tokens: Some(1000),
            max_output_tokens: Some(10)
        }
    );
    let nulls = ValidateOptions::from_json(r#"{"model": null, "window_tokens": null}"#).unwrap();
    assert_eq!(nulls, ValidateOptions::default());
}

#[test]
fn unknown_option_keys_are_rejected_with_the_key_named() {
    let message = invalid_argument(validate_json(
        REQUEST,
        Some(r#"{"provider": "gemini", "strict": true}"#),
    ));
    assert!(message.contains("\"strict\""), "{message}");
    let message = invalid_argument(validate_json(REQUEST, Some(r#"{"max_tokens": null}"#)));
    assert!(message.contains("\"max_tokens\""), "{message}");
}

#[test]
fn option_values_of_the_wrong_type_name_the_key() {
    for (options, key) in [
        (r#"{"repair": "yes"}"#, "repair"),
        (r#"{"provider": 3}"#, "provider"),
        (r#"{"window_tokens": -1}"#, "window_tokens"),
        (r#"{"max_output_tokens": 1.5}"#, "max_output_tokens"),
        (r#"{"model": []}"#, "model"),
    ] {
        let message = invalid_argument(validate_json(REQUEST, Some(options)));
        assert!(message.contains(key), "{options}: {message}");
    }
    let message = invalid_argument(validate_json(REQUEST, Some("[]")));
    assert!(message.contains("JSON object"), "{message}");
}

#[test]
fn unknown_providers_are_named_with_the_valid_list() {
    let message = invalid_argument(validate_json(REQUEST, Some(r#"{"provider": "bard"}"#)));
    assert!(
        message.contains("\"bard\"") && message.contains("gemini"),
        "{message}"
    );
    let message = invalid_argument(validate_to_json(REQUEST, "bard", false));
    assert!(message.contains("\"bard\""), "{message}");
}

#[test]
fn malformed_json_reports_line_and_column() {
    let message = invalid_argument(validate_json(
        "{\n  \"model\": \"m\",\n  \"messages\": [,]\n}",
        None,
    ));
    assert!(message.contains("line 3 column"), "{message}");
    let message = invalid_argument(validate_json(REQUEST, Some("{\"provider\": }")));
    assert!(message.contains("line 1 column"), "{message}");
    let message = invalid_argument(validate_to_json("not json", "openai", false));
    assert!(message.contains("line 1 column"), "{message}");
}

#[test]
fn a_request_that_is_valid_json_but_not_an_object_is_an_invalid_request_not_an_error() {
    let report = validate_json("[1, 2, 3]", None).unwrap();
    assert!(!report.ok);
    assert!(report.has_error(Code::RequestNotObject));
}

#[test]
fn report_json_has_the_contract_fields_and_repair_fields_only_in_repair_mode() {
    let (json, ok) = validate_to_json(REQUEST, "openai", false).unwrap();
    assert!(ok);
    let report: Value = serde_json::from_str(&json).unwrap();
    let keys: Vec<&str> = report
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    for key in [
        "ok",
        "errors",
        "warnings",
        "estimated_prompt_tokens",
        "provider",
        "model",
    ] {
        assert!(keys.contains(&key), "{key} missing in {json}");
    }
    assert!(
        !keys.contains(&"repairs") && !keys.contains(&"request"),
        "{json}"
    );
    assert!(
        json.starts_with("{\"ok\":true,\"errors\":[],\"warnings\":[],"),
        "{json}"
    );
    assert_eq!(report["provider"], "openai");

    let (json, ok) = validate_to_json(r#"{"model": "gemini-2.5-flash", "store": true, "messages": [{"role": "user", "content": "x"}]}"#, "gemini", true).unwrap();
    assert!(ok);
    let report: Value = serde_json::from_str(&json).unwrap();
    assert_eq!(
        report["repairs"],
        json!([{"code": "unsupported_param", "path": "/store", "message": report["repairs"][0]["message"]}])
    );
    assert_eq!(
        report["request"],
        json!({"model": "gemini-2.5-flash", "messages": [{"role": "user", "content": "x"}]})
    );
}

#[test]
fn findings_serialise_as_code_path_message() {
    let (json, ok) =
        validate_to_json(r#"{"model": "gpt-4o", "messages": []}"#, "openai", false).unwrap();
    assert!(!ok);
    let report: Value = serde_json::from_str(&json).unwrap();
    let finding = &report["errors"][0];
    assert_eq!(finding["code"], "empty_messages");
    assert_eq!(finding["path"], "/messages");
    assert!(finding["message"]
        .as_str()
        .unwrap()
        .contains("at least one"));
    assert_eq!(finding.as_object().unwrap().len(), 3);
}

#[test]
fn profile_accessors_give_the_client_what_it_needs() {
    let openai = Profile::for_provider(Provider::OpenAI);
    assert_eq!(openai.base_url(), Some("https://api.openai.com/v1"));
    assert_eq!(openai.auth_style(), AuthStyle::Bearer);
    assert_eq!(openai.auth_style().header_name(), "authorization");
    assert_eq!(openai.api_key_env(), Some("OPENAI_API_KEY"));
    let azure = Profile::for_provider(Provider::Azure);
    assert_eq!(azure.base_url(), None);
    assert_eq!(azure.auth_style(), AuthStyle::ApiKeyHeader);
    assert_eq!(azure.api_key_env(), Some("AZURE_OPENAI_API_KEY"));
    assert_eq!(
        Profile::for_provider(Provider::Ollama).base_url(),
        Some("http://localhost:11434/v1")
    );
    assert_eq!(Profile::for_provider(Provider::Ollama).api_key_env(), None);
    assert_eq!(
        Profile::for_provider(Provider::Gemini).schema_dialect(),
        SchemaDialect::GeminiOpenApi
    );
}

#[test]
fn model_limits_come_from_the_table_or_a_flagged_default() {
    let gemini = Profile::for_provider(Provider::Gemini);
    let known = gemini.model_limits("gemini-2.5-pro");
    assert!(known.known);
    assert_eq!(known.limits.context_window, 1_048_576);
    assert_eq!(known.limits.max_output_tokens, Some(65_536));
    let unknown = gemini.model_limits("gemini-9-ultra");
    assert!(!unknown.known);
    assert_eq!(unknown.limits.max_output_tokens, None);
}
