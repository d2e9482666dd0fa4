//! Top-level parameters: the model name, parameters the provider rejects or ignores, value ranges,
//! the output-token field, response formats, and the context window.

use serde_json::{Map, Value};

mod model;
mod output;

pub(super) use model::check_model;

use super::messages::MessagesSummary;
use super::report::{join, show, Code, Findings, Severity};
use super::tools::ToolsSummary;
use super::Context;
use crate::json::Field;
use crate::profile::models::{is_gemini_before_3, is_openai_reasoning_model};
use crate::profile::params::is_default_value;
use crate::profile::{MaxTokensField, ParamVerdict, Profile};
use crate::provider::Provider;
use output::{check_max_tokens, check_response_format, check_window};

/// Every parameter of OpenAI's chat-completions request.
pub(super) const OPENAI_PARAMS: &[&str] = &[
    "model",
    "messages",
    "audio",
    "frequency_penalty",
    "function_call",
    "functions",
    "logit_bias",
    "logprobs",
    "max_completion_tokens",
    "max_tokens",
    "metadata",
    "modalities",
    "n",
    "parallel_tool_calls",
    "prediction",
    "presence_penalty",
    "prompt_cache_key",
    "prompt_cache_retention",
    "reasoning_effort",
    "response_format",
    "safety_identifier",
    "seed",
    "service_tier",
    "stop",
    "store",
    "stream",
    "stream_options",
    "temperature",
    "tool_choice",
    "tools",
    "top_logprobs",
    "top_p",
    "user",
    "verbosity",
    "web_search_options",
];

/// Extensions a provider documents on top of OpenAI's parameters.
fn extension_params(provider: Provider) -> &'static [&'static str] {
    match provider {
        // https://ai.google.dev/gemini-api/docs/openai: Gemini options travel in extra_body.google.
        Provider::Gemini => &["extra_body"],
        _ => &[],
    }
}

/// How a provider judges parameter `key` with `value`: `None` when it accepts it.
pub(super) fn judge_param(
    profile: &Profile,
    model: &str,
    key: &str,
    value: &Value,
    request: &Map<String, Value>,
) -> Option<(Severity, Code, String)> {
    let provider = profile.provider();
    // `null` means "not set" to most providers; Gemini's proto parser rejects unknown names whatever
    // their value.
    if value.is_null() && provider != Provider::Gemini {
        return None;
    }
    let verdict = profile.param_verdict(key, model)?;
    Some(match verdict {
        ParamVerdict::Rejected { hint } => (
            Severity::Error,
            Code::UnsupportedParam,
            format!("{provider} rejects \"{key}\": {hint}"),
        ),
        ParamVerdict::RejectedUnlessDefault { hint } => {
            if is_default_value(key, value) {
                return None;
            }
            // GPT-5.1 and later accept sampling parameters when reasoning is turned off.
            let reasoning_off =
                request.field("reasoning_effort").and_then(Value::as_str) == Some("none");
            let severity = Severity::error_if(!reasoning_off);
            let code = if reasoning_off {
                Code::ParamMaybeUnsupported
            } else {
                Code::UnsupportedParam
            };
            (
                severity,
                code,
                format!(
                    "model \"{model}\" does not accept \"{key}\": {}: {hint}",
                    show(value)
                ),
            )
        }
        ParamVerdict::Ignored => (
            Severity::Warning,
            Code::ParamIgnored,
            format!("{provider} ignores \"{key}\" for this model; it has no effect"),
        ),
        ParamVerdict::MaybeUnsupported { hint } => (
            Severity::Warning,
            Code::ParamMaybeUnsupported,
            format!("\"{key}\" may be rejected: {hint}"),
        ),
    })
}

/// The output-token field `model` rejects on this provider, and the one to use instead.
pub(super) fn wrong_max_tokens_field(
    profile: &Profile,
    model: &str,
) -> Option<(&'static str, &'static str)> {
    match profile.max_tokens_field {
        MaxTokensField::Either => None,
        MaxTokensField::MaxTokensOnly => Some(("max_completion_tokens", "max_tokens")),
        MaxTokensField::MaxCompletionTokensForReasoningModels => {
            is_openai_reasoning_model(model).then_some(("max_tokens", "max_completion_tokens"))
        }
    }
}

/// Gemini before generation 3 has no `minimal` reasoning effort; `low` is the nearest level.
pub(super) fn unsupported_reasoning_effort(
    profile: &Profile,
    model: &str,
    value: &Value,
) -> Option<&'static str> {
    (profile.provider() == Provider::Gemini
        && value.as_str() == Some("minimal")
        && is_gemini_before_3(model))
    .then_some("low")
}

pub(super) fn check_params(
    request: &Map<String, Value>,
    context: &Context<'_>,
    tools: &ToolsSummary<'_>,
    messages: &MessagesSummary,
    estimate: u64,
    findings: &mut Findings,
) {
    let profile = context.profile;
    let provider = context.provider();
    for (key, value) in request {
        if let Some((severity, code, message)) =
            judge_param(profile, context.model, key, value, request)
        {
            findings.add(severity, code, join("", key), message);
        } else if profile.flags_unknown_params
            && !OPENAI_PARAMS.contains(&key.as_str())
            && !extension_params(provider).contains(&key.as_str())
            && profile.param_verdict(key, context.model).is_none()
        {
            findings.warn(Code::UnknownParam, join("", key), format!("\"{key}\" is not a chat-completions parameter {provider} documents; check its spelling, or remove it"));
        }
    }
    let range = context.strictly();
    number_in(request, "temperature", 0.0, 2.0, range, findings);
    if let (Some(cap), Some(temperature)) = (
        profile.temperature_cap,
        request.field("temperature").and_then(Value::as_f64),
    ) {
        if temperature > cap && temperature <= 2.0 {
            findings.warn(
                Code::ParamOutOfRange,
                "/temperature".into(),
                format!("{provider} caps temperature at {cap}; {temperature} behaves as {cap}"),
            );
        }
    }
    number_in(request, "top_p", 0.0, 1.0, range, findings);
    number_in(request, "presence_penalty", -2.0, 2.0, range, findings);
    number_in(request, "frequency_penalty", -2.0, 2.0, range, findings);
    check_choices(request, context, findings);
    integer_in(request, "top_logprobs", 0, 20, range, findings);
    boolean(request, "logprobs", findings);
    boolean(request, "stream", findings);
    boolean(request, "parallel_tool_calls", findings);
    integer_in(request, "seed", i64::MIN, i64::MAX, range, findings);
    let openai_rules = Severity::error_if(profile.openai_request_rules);
    if is_set(request, "top_logprobs") && request.field("logprobs") != Some(&Value::Bool(true)) {
        findings.add(
            openai_rules,
            Code::TopLogprobsWithoutLogprobs,
            "/top_logprobs".into(),
            "\"top_logprobs\" needs \"logprobs\": true; set it or drop top_logprobs".into(),
        );
    }
    if request
        .field("stream_options")
        .is_some_and(|options| !options.is_null())
        && request.field("stream") != Some(&Value::Bool(true))
    {
        findings.add(openai_rules, Code::StreamOptionsWithoutStream, "/stream_options".into(), "\"stream_options\" is only allowed with \"stream\": true; set stream or drop stream_options".into());
    }
    if is_set(request, "parallel_tool_calls") && !tools.present && profile.openai_request_rules {
        findings.error(
            Code::ParallelToolCallsWithoutTools,
            "/parallel_tool_calls".into(),
            "\"parallel_tool_calls\" is only allowed when \"tools\" are given; drop it".into(),
        );
    }
    if let Some(effort) = request
        .field("reasoning_effort")
        .filter(|effort| !effort.is_null())
    {
        if let Some(nearest) = unsupported_reasoning_effort(profile, context.model, effort) {
            findings.error(
                Code::UnsupportedParamValue,
                "/reasoning_effort".into(),
                format!(
                    "\"{}\" has no \"minimal\" reasoning effort; use \"{nearest}\"",
                    context.model
                ),
            );
        } else if !effort.is_string() {
            findings.error(
                Code::InvalidParamType,
                "/reasoning_effort".into(),
                "\"reasoning_effort\" must be a string such as \"low\"".into(),
            );
        }
    }
    check_stop(request, context, findings);
    let output_tokens = check_max_tokens(request, context, findings);
    check_response_format(request, context, messages, findings);
    check_window(context, estimate, output_tokens, findings);
}

/// Whether `key` is present with a value other than `null` (which clients send for "not set").
fn is_set(request: &Map<String, Value>, key: &str) -> bool {
    request.field(key).is_some_and(|value| !value.is_null())
}

fn number_in(
    request: &Map<String, Value>,
    key: &str,
    low: f64,
    high: f64,
    severity: Severity,
    findings: &mut Findings,
) {
    let Some(value) = request.field(key).filter(|value| !value.is_null()) else {
        return;
    };
    match value.as_f64() {
        None => findings.error(
            Code::InvalidParamType,
            join("", key),
            format!("\"{key}\" must be a number, not {}", show(value)),
        ),
        Some(number) if number < low || number > high => findings.add(
            severity,
            Code::ParamOutOfRange,
            join("", key),
            format!("\"{key}\" is {number}; it must be between {low} and {high}"),
        ),
        Some(_) => {}
    }
}

fn integer_in(
    request: &Map<String, Value>,
    key: &str,
    low: i64,
    high: i64,
    severity: Severity,
    findings: &mut Findings,
) -> Option<i64> {
    let value = request.field(key).filter(|value| !value.is_null())?;
    let Some(number) = value.as_i64() else {
        findings.error(
            Code::InvalidParamType,
            join("", key),
            format!("\"{key}\" must be an integer, not {}", show(value)),
        );
        return None;
    };
    if number < low || number > high {
        findings.add(
            severity,
            Code::ParamOutOfRange,
            join("", key),
            format!("\"{key}\" is {number}; it must be between {low} and {high}"),
        );
    }
    Some(number)
}

fn boolean(request: &Map<String, Value>, key: &str, findings: &mut Findings) {
    if let Some(value) = request
        .field(key)
        .filter(|value| !value.is_null() && !value.is_boolean())
    {
        findings.error(
            Code::InvalidParamType,
            join("", key),
            format!("\"{key}\" must be true or false, not {}", show(value)),
        );
    }
}

fn check_choices(request: &Map<String, Value>, context: &Context<'_>, findings: &mut Findings) {
    let max = if context.profile.openai_request_rules {
        128
    } else {
        i64::MAX
    };
    let Some(n) = integer_in(request, "n", 1, max, context.strictly(), findings) else {
        return;
    };
    if context.profile.single_choice_only && n != 1 {
        findings.error(
            Code::ParamOutOfRange,
            "/n".into(),
            format!(
                "{} supports only \"n\": 1; make one request per completion",
                context.provider()
            ),
        );
    }
}

fn check_stop(request: &Map<String, Value>, context: &Context<'_>, findings: &mut Findings) {
    let sequences: Vec<&str> = match request.field("stop") {
        None | Some(Value::Null) => return,
        Some(Value::String(text)) => vec![text.as_str()],
        Some(Value::Array(items)) if items.iter().all(Value::is_string) => {
            items.iter().filter_map(Value::as_str).collect()
        }
        Some(other) => {
            findings.error(
                Code::InvalidStop,
                "/stop".into(),
                format!(
                    "\"stop\" must be a string or an array of strings, not {}",
                    show(other)
                ),
            );
            return;
        }
    };
    if let Some(limit) = context.profile.max_stop_sequences {
        if sequences.len() > limit {
            findings.error(
                Code::TooManyStopSequences,
                "/stop".into(),
                format!(
                    "{} accepts at most {limit} stop sequences, not {}; keep the most important",
                    context.provider(),
                    sequences.len()
                ),
            );
        }
    }
    let anthropic = context.provider() == Provider::Anthropic;
    for (index, sequence) in sequences.iter().enumerate() {
        let whitespace = sequence.trim().is_empty();
        if sequence.is_empty() || (anthropic && whitespace) {
            let path = if request.field("stop").is_some_and(Value::is_array) {
                format!("/stop/{index}")
            } else {
                "/stop".into()
            };
            findings.add(
                Severity::error_if(anthropic),
                Code::EmptyStopSequence,
                path,
                "empty or whitespace-only stop sequence; remove it".into(),
            );
        }
    }
}
