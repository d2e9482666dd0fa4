//! Each parameter, model and context rule fires on its target shape and not on its legal neighbour.

use crate::validate_checks::*;
use llmwire::provider::Provider::{
    self, Anthropic, Azure, DeepSeek, Gemini, Generic, Groq, Mistral, OpenAI, OpenRouter, Xai,
};
use llmwire::validate::{validate, Code, ValidateOptions};
use serde_json::{json, Value};

fn request(model: &str, extra: Value) -> Value {
    let mut request = json!({"model": model, "messages": [{"role": "user", "content": "Say hi"}]});
    for (key, value) in extra.as_object().unwrap() {
        request[key] = value.clone();
    }
    request
}

#[test]
fn gemini_rejects_store_parallel_tool_calls_reasoning_and_a_bare_google_key() {
    for key in ["store", "parallel_tool_calls", "reasoning", "google"] {
        let report = check(Gemini, &request("gemini-2.5-flash", json!({key: {"x": 1}})));
        assert_error_at(&report, Code::UnsupportedParam, &format!("/{key}"));
        assert_silent(
            &check(Gemini, &request("gemini-2.5-flash", json!({}))),
            Code::UnsupportedParam,
        );
    }
    let nested = request(
        "gemini-2.5-flash",
        json!({"extra_body": {"google": {"thinking_config": {"thinking_budget": 0}}}}),
    );
    assert!(check(Gemini, &nested).warnings.is_empty());
}

#[test]
fn gemini_penalties_are_a_warning_not_an_error() {
    let report = check(
        Gemini,
        &request("gemini-2.5-flash", json!({"frequency_penalty": 0.5})),
    );
    assert!(report.ok);
    assert_warning_at(&report, Code::ParamMaybeUnsupported, "/frequency_penalty");
}

#[test]
fn gemini_2_has_no_minimal_reasoning_effort_but_gemini_3_does() {
    let report = check(
        Gemini,
        &request("gemini-2.5-flash", json!({"reasoning_effort": "minimal"})),
    );
    assert_error_at(&report, Code::UnsupportedParamValue, "/reasoning_effort");
    assert_ok(&check(
        Gemini,
        &request(
            "gemini-3-flash-preview",
            json!({"reasoning_effort": "minimal"}),
        ),
    ));
    assert_ok(&check(
        Gemini,
        &request("gemini-2.5-flash", json!({"reasoning_effort": "low"})),
    ));
}

#[test]
fn openai_rejects_the_reasoning_object_of_other_apis() {
    assert_error_at(
        &check(
            OpenAI,
            &request("gpt-4o", json!({"reasoning": {"effort": "low"}})),
        ),
        Code::UnsupportedParam,
        "/reasoning",
    );
    assert_ok(&check(
        OpenRouter,
        &request("openai/gpt-4o", json!({"reasoning": {"effort": "low"}})),
    ));
}

#[test]
fn openai_reasoning_models_reject_non_default_sampling_parameters() {
    for (key, value) in [
        ("temperature", json!(0.2)),
        ("top_p", json!(0.5)),
        ("presence_penalty", json!(1)),
        ("logprobs", json!(true)),
        ("top_logprobs", json!(3)),
        ("logit_bias", json!({"50256": -100})),
    ] {
        let mut extra = json!({key: value});
        if key == "top_logprobs" {
            extra["logprobs"] = json!(true);
        }
        let report = check(OpenAI, &request("o3-mini", extra));
        assert_error_at(&report, Code::UnsupportedParam, &format!("/{key}"));
    }
    assert_ok(&check(
        OpenAI,
        &request(
            "o3-mini",
            json!({"temperature": 1, "top_p": 1, "presence_penalty": 0}),
        ),
    ));
    assert_ok(&check(
        OpenAI,
        &request("gpt-4o", json!({"temperature": 0.2, "top_p": 0.5})),
    ));
    assert_ok(&check(
        OpenAI,
        &request("gpt-5-chat-latest", json!({"temperature": 0.2})),
    ));
}

#[test]
fn reasoning_effort_none_turns_sampling_rejections_into_warnings() {
    let report = check(
        OpenAI,
        &request(
            "gpt-5.1",
            json!({"temperature": 0.2, "reasoning_effort": "none"}),
        ),
    );
    assert!(report.ok);
    assert_warning_at(&report, Code::ParamMaybeUnsupported, "/temperature");
}

#[test]
fn azure_follows_openai_rules_without_requiring_a_model() {
    let no_model = json!({"messages": [{"role": "user", "content": "hi"}], "max_tokens": 10});
    assert_ok(&check(Azure, &no_model));
    let options = ValidateOptions {
        model: Some("o4-mini".into()),
        ..ValidateOptions::for_provider(Azure)
    };
    let report = validate(&no_model, &options);
    assert_error_at(&report, Code::WrongMaxTokensField, "/max_tokens");
    assert_eq!(report.model.as_deref(), Some("o4-mini"));
}

#[test]
fn anthropic_documents_ignored_parameters_and_single_choice() {
    let report = check(
        Anthropic,
        &request(
            "claude-sonnet-4-5",
            json!({"response_format": {"type": "json_object"}, "seed": 3}),
        ),
    );
    assert!(report.ok);
    assert_warning_at(&report, Code::ParamIgnored, "/response_format");
    assert_warning_at(&report, Code::ParamIgnored, "/seed");
    assert_error_at(
        &check(Anthropic, &request("claude-sonnet-4-5", json!({"n": 2}))),
        Code::ParamOutOfRange,
        "/n",
    );
    assert_warning_at(
        &check(
            Anthropic,
            &request("claude-sonnet-4-5", json!({"temperature": 1.5})),
        ),
        Code::ParamOutOfRange,
        "/temperature",
    );
}

#[test]
fn groq_supports_only_one_choice() {
    assert_error_at(
        &check(Groq, &request("llama-3.3-70b-versatile", json!({"n": 3}))),
        Code::ParamOutOfRange,
        "/n",
    );
    assert_ok(&check(OpenAI, &request("gpt-4o", json!({"n": 3}))));
}

#[test]
fn deepseek_reasoner_rejects_logprobs_and_ignores_sampling() {
    let report = check(
        DeepSeek,
        &request(
            "deepseek-reasoner",
            json!({"logprobs": true, "temperature": 0.3}),
        ),
    );
    assert_error_at(&report, Code::UnsupportedParam, "/logprobs");
    assert_warning_at(&report, Code::ParamIgnored, "/temperature");
    assert_ok(&check(
        DeepSeek,
        &request(
            "deepseek-chat",
            json!({"logprobs": true, "temperature": 0.3}),
        ),
    ));
}

#[test]
fn xai_reasoning_models_reject_penalties_and_stop() {
    let report = check(
        Xai,
        &request(
            "grok-4",
            json!({"presence_penalty": 0.5, "stop": ["x"], "reasoning_effort": "high"}),
        ),
    );
    assert_error_at(&report, Code::UnsupportedParam, "/presence_penalty");
    assert_error_at(&report, Code::UnsupportedParam, "/stop");
    assert_error_at(&report, Code::UnsupportedParam, "/reasoning_effort");
    assert_ok(&check(
        Xai,
        &request("grok-3", json!({"presence_penalty": 0.5, "stop": ["x"]})),
    ));
    assert_ok(&check(
        Xai,
        &request("grok-3-mini", json!({"reasoning_effort": "high"})),
    ));
}

#[test]
fn mistral_flags_parameters_it_may_forbid() {
    let report = check(
        Mistral,
        &request("mistral-large-latest", json!({"seed": 1})),
    );
    assert!(report.ok);
    assert_warning_at(&report, Code::ParamMaybeUnsupported, "/seed");
}

#[test]
fn unknown_parameters_are_warnings_on_openai_and_gemini() {
    let report = check(OpenAI, &request("gpt-4o", json!({"temprature": 0.2})));
    assert!(report.ok);
    assert_warning_at(&report, Code::UnknownParam, "/temprature");
    assert!(check(
        Provider::Vllm,
        &request("m", json!({"top_k": 5, "repetition_penalty": 1.1}))
    )
    .warnings
    .is_empty());
}

#[test]
fn parameters_of_the_wrong_type_are_errors() {
    for (key, value) in [
        ("temperature", json!("hot")),
        ("n", json!(1.5)),
        ("stream", json!("yes")),
        ("seed", json!("x")),
        ("max_tokens", json!("100")),
    ] {
        let report = check(Generic, &request("m", json!({key: value})));
        assert_error_at(&report, Code::InvalidParamType, &format!("/{key}"));
    }
}

#[test]
fn out_of_range_values_are_errors_on_hosted_providers() {
    for (key, value) in [
        ("temperature", json!(2.5)),
        ("top_p", json!(1.5)),
        ("presence_penalty", json!(-3)),
        ("frequency_penalty", json!(2.1)),
        ("n", json!(0)),
        ("top_logprobs", json!(21)),
        ("max_tokens", json!(0)),
    ] {
        let extra = if key == "top_logprobs" {
            json!({key: value, "logprobs": true})
        } else {
            json!({key: value})
        };
        let report = check(OpenAI, &request("gpt-4o", extra.clone()));
        assert_error_at(&report, Code::ParamOutOfRange, &format!("/{key}"));
        let report = check(Provider::Ollama, &request("llama3.2", extra));
        assert_warning_at(&report, Code::ParamOutOfRange, &format!("/{key}"));
    }
    assert_ok(&check(
        OpenAI,
        &request(
            "gpt-4o",
            json!({"temperature": 2, "top_p": 0, "presence_penalty": -2, "n": 128}),
        ),
    ));
}

#[test]
fn stop_sequences_are_counted_and_checked() {
    let five = json!({"stop": ["a", "b", "c", "d", "e"]});
    assert_error_at(
        &check(OpenAI, &request("gpt-4o", five.clone())),
        Code::TooManyStopSequences,
        "/stop",
    );
    assert_ok(&check(Gemini, &request("gemini-2.5-flash", five)));
    assert_error_at(
        &check(
            Gemini,
            &request(
                "gemini-2.5-flash",
                json!({"stop": ["a", "b", "c", "d", "e", "f"]}),
            ),
        ),
        Code::TooManyStopSequences,
        "/stop",
    );
    assert_error_at(
        &check(OpenAI, &request("gpt-4o", json!({"stop": 3}))),
        Code::InvalidStop,
        "/stop",
    );
    assert_warning_at(
        &check(OpenAI, &request("gpt-4o", json!({"stop": ["", "x"]}))),
        Code::EmptyStopSequence,
        "/stop/0",
    );
    assert_error_at(
        &check(
            Anthropic,
            &request("claude-sonnet-4-5", json!({"stop": "\n"})),
        ),
        Code::EmptyStopSequence,
        "/stop",
    );
}

#[test]
fn top_logprobs_needs_logprobs() {
    assert_error_at(
        &check(OpenAI, &request("gpt-4o", json!({"top_logprobs": 2}))),
        Code::TopLogprobsWithoutLogprobs,
        "/top_logprobs",
    );
    assert_ok(&check(
        OpenAI,
        &request("gpt-4o", json!({"top_logprobs": 2, "logprobs": true})),
    ));
}

#[test]
fn stream_options_need_stream() {
    assert_error_at(
        &check(
            OpenAI,
            &request("gpt-4o", json!({"stream_options": {"include_usage": true}})),
        ),
        Code::StreamOptionsWithoutStream,
        "/stream_options",
    );
    assert_ok(&check(
        OpenAI,
        &request(
            "gpt-4o",
            json!({"stream": true, "stream_options": {"include_usage": true}}),
        ),
    ));
}

#[test]
fn parallel_tool_calls_need_tools_on_openai() {
    assert_error_at(
        &check(
            OpenAI,
            &request("gpt-4o", json!({"parallel_tool_calls": false})),
        ),
        Code::ParallelToolCallsWithoutTools,
        "/parallel_tool_calls",
    );
}

#[test]
fn output_budget_fields_follow_the_provider_and_model() {
    assert_error_at(
        &check(OpenAI, &request("o3", json!({"max_tokens": 100}))),
        Code::WrongMaxTokensField,
        "/max_tokens",
    );
    assert_ok(&check(
        OpenAI,
        &request("o3", json!({"max_completion_tokens": 100})),
    ));
    assert_ok(&check(
        OpenAI,
        &request("gpt-4o", json!({"max_tokens": 100})),
    ));
    assert_error_at(
        &check(
            Mistral,
            &request(
                "mistral-large-latest",
                json!({"max_completion_tokens": 100}),
            ),
        ),
        Code::WrongMaxTokensField,
        "/max_completion_tokens",
    );
    assert_ok(&check(
        Mistral,
        &request("mistral-large-latest", json!({"max_tokens": 100})),
    ));
    assert_warning_at(
        &check(
            DeepSeek,
            &request("deepseek-chat", json!({"max_completion_tokens": 100})),
        ),
        Code::ParamMaybeUnsupported,
        "/max_completion_tokens",
    );
}

#[test]
fn both_output_budget_fields_are_reported() {
    let same = json!({"max_tokens": 100, "max_completion_tokens": 100});
    assert_error_at(
        &check(OpenAI, &request("o3", same.clone())),
        Code::DuplicateMaxTokens,
        "/max_tokens",
    );
    assert_warning_at(
        &check(OpenAI, &request("gpt-4o", same)),
        Code::DuplicateMaxTokens,
        "/max_tokens",
    );
    let different = json!({"max_tokens": 100, "max_completion_tokens": 200});
    assert_error_at(
        &check(OpenAI, &request("gpt-4o", different.clone())),
        Code::ConflictingMaxTokens,
        "/max_tokens",
    );
    assert_warning_at(
        &check(Generic, &request("m", different)),
        Code::ConflictingMaxTokens,
        "/max_tokens",
    );
}

#[test]
fn output_budget_above_the_model_limit_is_an_error_for_known_models() {
    assert_error_at(
        &check(OpenAI, &request("gpt-4o", json!({"max_tokens": 20000}))),
        Code::MaxTokensExceedsModelLimit,
        "/max_tokens",
    );
    assert_ok(&check(
        OpenAI,
        &request("gpt-4o", json!({"max_tokens": 16384})),
    ));
    assert_error_at(
        &check(
            Gemini,
            &request("gemini-2.0-flash", json!({"max_completion_tokens": 8193})),
        ),
        Code::MaxTokensExceedsModelLimit,
        "/max_completion_tokens",
    );
    assert_ok(&check(
        Gemini,
        &request("gemini-2.5-pro", json!({"max_tokens": 65536})),
    ));
}

#[test]
fn output_limit_override_applies_to_unknown_models() {
    let big = request("my-finetune", json!({"max_tokens": 9000}));
    assert_ok(&check(Generic, &big));
    let options = ValidateOptions {
        max_output_tokens: Some(8192),
        ..ValidateOptions::for_provider(Generic)
    };
    assert_error_at(
        &validate(&big, &options),
        Code::MaxTokensExceedsModelLimit,
        "/max_tokens",
    );
}

#[test]
fn prompt_plus_output_over_the_window_is_an_error_and_under_it_is_fine() {
    // About 120,000 tokens (o200k_base: one per " word").
    let text = " word".repeat(120_000);
    let over = json!({"model": "gpt-4o", "max_tokens": 10000, "messages": [{"role": "user", "content": text}]});
    let report = check(OpenAI, &over);
    assert_error_at(&report, Code::ContextWindowExceeded, "/messages");
    let under = json!({"model": "gpt-4.1", "max_tokens": 10000, "messages": [{"role": "user", "content": text}]});
    assert_ok(&check(OpenAI, &under));
    let options = ValidateOptions {
        window_tokens: Some(2_000_000),
        ..ValidateOptions::for_provider(OpenAI)
    };
    assert_ok(&validate(&over, &options));
}

#[test]
fn response_format_rules() {
    assert_error_at(
        &check(
            OpenAI,
            &request("gpt-4o", json!({"response_format": {"type": "xml"}})),
        ),
        Code::InvalidResponseFormat,
        "/response_format/type",
    );
    assert_error_at(
        &check(
            OpenAI,
            &request(
                "gpt-4o",
                json!({"response_format": {"type": "json_schema"}}),
            ),
        ),
        Code::InvalidResponseFormat,
        "/response_format",
    );
    let bad_name = json!({"response_format": {"type": "json_schema", "json_schema": {"name": "my schema", "schema": {"type": "object"}}}});
    assert_error_at(
        &check(OpenAI, &request("gpt-4o", bad_name)),
        Code::InvalidResponseFormat,
        "/response_format/json_schema/name",
    );
    let strict_open = json!({"response_format": {"type": "json_schema", "json_schema": {"name": "s", "strict": true,
        "schema": {"type": "object", "properties": {"a": {"type": "string"}}}}}});
    let report = check(OpenAI, &request("gpt-4o", strict_open));
    assert_error_at(
        &report,
        Code::StrictSchemaAdditionalProperties,
        "/response_format/json_schema/schema",
    );
    assert_error_at(
        &report,
        Code::StrictSchemaRequired,
        "/response_format/json_schema/schema",
    );
}

#[test]
fn json_object_mode_needs_the_word_json_on_openai() {
    let report = check(
        OpenAI,
        &request(
            "gpt-4o",
            json!({"response_format": {"type": "json_object"}}),
        ),
    );
    assert_error_at(
        &report,
        Code::JsonObjectWithoutJsonWord,
        "/response_format/type",
    );
    let with_word = json!({"model": "gpt-4o", "response_format": {"type": "json_object"},
        "messages": [{"role": "user", "content": [{"type": "text", "text": "answer as Json please"}]}]});
    assert_ok(&check(OpenAI, &with_word));
    assert_warning_at(
        &check(
            Generic,
            &request("m", json!({"response_format": {"type": "json_object"}})),
        ),
        Code::JsonObjectWithoutJsonWord,
        "/response_format/type",
    );
}

#[test]
fn model_must_be_a_non_empty_string_where_required() {
    let missing = json!({"messages": [{"role": "user", "content": "x"}]});
    assert_error_at(&check(OpenAI, &missing), Code::MissingModel, "");
    assert_ok(&check(Generic, &missing));
    assert_error_at(
        &check(OpenAI, &request("", json!({}))),
        Code::InvalidModel,
        "/model",
    );
    let numeric = json!({"model": 4, "messages": [{"role": "user", "content": "x"}]});
    assert_error_at(&check(OpenAI, &numeric), Code::InvalidModel, "/model");
}

#[test]
fn gemini_model_names_are_checked_for_prefix_retirement_and_family() {
    let report = check(Gemini, &request("models/gemini-2.5-flash", json!({})));
    assert!(report.ok);
    assert_warning_at(&report, Code::ModelNamePrefix, "/model");
    assert_silent(&report, Code::UnknownModel);
    assert_warning_at(
        &check(Gemini, &request("gemini-1.5-pro", json!({}))),
        Code::RetiredModel,
        "/model",
    );
    assert_warning_at(
        &check(Gemini, &request("gpt-4o", json!({}))),
        Code::ModelProviderMismatch,
        "/model",
    );
}

#[test]
fn unknown_models_get_a_warning_and_default_limits() {
    let report = check(
        OpenAI,
        &request("gpt-7-turbo", json!({"max_tokens": 50000})),
    );
    assert!(report.ok, "{:#?}", report.errors);
    assert_warning_at(&report, Code::UnknownModel, "/model");
    assert_silent(
        &check(OpenAI, &request("gpt-4o-2024-08-06", json!({}))),
        Code::UnknownModel,
    );
    assert_warning_at(
        &check(OpenRouter, &request("gpt-4o", json!({}))),
        Code::UnknownModel,
        "/model",
    );
}

#[test]
fn the_report_carries_provider_model_and_estimate() {
    let report = check(OpenAI, &request("gpt-4o", json!({})));
    assert_eq!(report.provider, OpenAI);
    assert_eq!(report.model.as_deref(), Some("gpt-4o"));
    assert_eq!(
        report.estimated_prompt_tokens,
        llmwire::context::estimate_request_tokens(&request("gpt-4o", json!({})))
    );
    assert!(report.repairs.is_none() && report.request.is_none());
}

#[test]
fn explicit_nulls_are_treated_as_not_set() {
    let nulls = json!({"temperature": null, "top_p": null, "n": null, "stop": null, "max_tokens": null,
        "max_completion_tokens": null, "tools": null, "tool_choice": null, "response_format": null,
        "stream": null, "stream_options": null, "logprobs": null, "top_logprobs": null, "seed": null,
        "presence_penalty": null, "frequency_penalty": null, "parallel_tool_calls": null, "reasoning_effort": null, "user": null});
    for (provider, model) in [
        (OpenAI, "gpt-4o"),
        (OpenAI, "o3"),
        (Azure, "gpt-4.1"),
        (Mistral, "mistral-large-latest"),
        (Generic, "m"),
    ] {
        let report = check(provider, &request(model, nulls.clone()));
        assert!(report.ok, "{provider} {model}: {:#?}", report.errors);
    }
}
