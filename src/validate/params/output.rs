//! The requested output: its token limit (`max_tokens` / `max_completion_tokens`), its structured
//! format, and whether prompt plus output fit the context window. (The messages to users say
//! "output budget"; the code says output tokens, keeping "budget" for the retry budget.)

use serde_json::{Map, Value};

use super::{integer_in, wrong_max_tokens_field};
use crate::json::Field;
use crate::validate::messages::MessagesSummary;
use crate::validate::report::{join, show, Code, Findings, Severity};
use crate::validate::schema::{check_schema, SchemaRules};
use crate::validate::Context;

/// Checks the output-token fields; returns the output tokens asked for, for the window check.
pub(super) fn check_max_tokens(
    request: &Map<String, Value>,
    context: &Context<'_>,
    findings: &mut Findings,
) -> u64 {
    let range = context.strictly();
    let legacy = integer_in(request, "max_tokens", 1, i64::MAX, range, findings);
    let current = integer_in(
        request,
        "max_completion_tokens",
        1,
        i64::MAX,
        range,
        findings,
    );
    let wrong = wrong_max_tokens_field(context.profile, context.model);
    match (legacy, current) {
        (Some(a), Some(b)) if a == b => findings.add(
            Severity::error_if(wrong.is_some()),
            Code::DuplicateMaxTokens,
            "/max_tokens".into(),
            format!(
                "both \"max_tokens\" and \"max_completion_tokens\" are {a}; send only {}",
                wrong.map_or("max_completion_tokens", |(_, right)| right)
            ),
        ),
        (Some(a), Some(b)) => findings.add(
            Severity::error_if(wrong.is_some() || context.profile.openai_request_rules),
            Code::ConflictingMaxTokens,
            "/max_tokens".into(),
            format!(
                "\"max_tokens\" ({a}) and \"max_completion_tokens\" ({b}) disagree; send only one"
            ),
        ),
        _ => {
            if let Some((wrong_field, right_field)) = wrong
                .filter(|(field, _)| request.field(field).is_some_and(|value| !value.is_null()))
            {
                findings.error(
                    Code::WrongMaxTokensField,
                    join("", wrong_field),
                    format!(
                        "{} rejects \"{wrong_field}\" for \"{}\"; use \"{right_field}\"",
                        context.provider(),
                        context.model
                    ),
                );
            }
        }
    }
    let output_tokens = current
        .or(legacy)
        .filter(|&n| n > 0)
        .map_or(0, |n| n as u64);
    if let Some(limit) = context
        .limits
        .max_output_tokens
        .filter(|&limit| output_tokens > limit)
    {
        let field = if current.is_some() {
            "/max_completion_tokens"
        } else {
            "/max_tokens"
        };
        findings.add(
            Severity::error_if(context.output_known),
            Code::MaxTokensExceedsModelLimit,
            field.into(),
            format!(
                "the output budget {output_tokens} is above the {limit}-token output limit of \"{}\"{}; lower it to at most {limit}",
                context.model,
                if context.output_known { "" } else { " (a default; pass max_output_tokens for the real limit)" }
            ),
        );
    }
    output_tokens
}

pub(super) fn check_response_format(
    request: &Map<String, Value>,
    context: &Context<'_>,
    messages: &MessagesSummary,
    findings: &mut Findings,
) {
    let Some(format) = request
        .field("response_format")
        .filter(|format| !format.is_null())
    else {
        return;
    };
    let kind = format.field("type").and_then(Value::as_str);
    match kind {
        Some("text") => {}
        Some("json_object") => {
            if !messages.mentions_json {
                findings.add(
                    Severity::error_if(context.profile.openai_request_rules),
                    Code::JsonObjectWithoutJsonWord,
                    "/response_format/type".into(),
                    "json_object mode needs the word \"json\" in some message (OpenAI rejects it otherwise); say \"Answer in JSON\" in the system message".into(),
                );
            }
        }
        Some("json_schema") => {
            let Some(spec) = format.field("json_schema").and_then(Value::as_object) else {
                findings.error(
                    Code::InvalidResponseFormat,
                    "/response_format".into(),
                    "json_schema mode needs \"json_schema\": {\"name\": …, \"schema\": {…}}".into(),
                );
                return;
            };
            let name_ok = spec
                .field("name")
                .and_then(Value::as_str)
                .is_some_and(|name| crate::profile::ToolNameRule::OpenAi.check(name).is_ok());
            if !name_ok {
                findings.add(
                    context.strictly(),
                    Code::InvalidResponseFormat,
                    "/response_format/json_schema/name".into(),
                    "json_schema needs a \"name\" matching ^[a-zA-Z0-9_-]{1,64}$".into(),
                );
            }
            let strict = spec.field("strict").and_then(Value::as_bool) == Some(true)
                && context.profile.openai_request_rules;
            match spec.field("schema") {
                Some(schema @ Value::Object(_)) => check_schema(
                    "/response_format/json_schema/schema",
                    schema,
                    SchemaRules::for_response_format(context, strict),
                    findings,
                ),
                None if !strict => {}
                _ => findings.error(
                    Code::InvalidResponseFormat,
                    "/response_format/json_schema/schema".into(),
                    "json_schema needs a \"schema\" object".into(),
                ),
            }
        }
        _ => findings.error(
            Code::InvalidResponseFormat,
            "/response_format/type".into(),
            format!(
                "response_format type {} must be \"text\", \"json_object\" or \"json_schema\"",
                format
                    .field("type")
                    .map(show)
                    .unwrap_or_else(|| "(missing)".into())
            ),
        ),
    }
}

pub(super) fn check_window(
    context: &Context<'_>,
    estimate: u64,
    output_tokens: u64,
    findings: &mut Findings,
) {
    let window = context.limits.context_window;
    if estimate.saturating_add(output_tokens) <= window {
        return;
    }
    let model = if context.model.is_empty() {
        "the model"
    } else {
        context.model
    };
    let whose = if context.window_known {
        format!("\"{model}\"")
    } else {
        format!("{model} (a default; pass window_tokens for the real window)")
    };
    let message = if estimate > window {
        format!("the prompt alone is about {estimate} tokens, over the {window}-token window of {whose}; trim the history")
    } else {
        format!(
            "about {estimate} prompt tokens plus an output budget of {output_tokens} exceed the {window}-token window of {whose}; \
             trim the history or lower the output budget to at most {}",
            window - estimate
        )
    };
    findings.add(
        Severity::error_if(context.window_known),
        Code::ContextWindowExceeded,
        "/messages".into(),
        message,
    );
}
