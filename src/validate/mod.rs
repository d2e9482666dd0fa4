//! Local request validation and safe repair, per provider profile: a request a provider is known
//! to reject never leaves the machine.
//!
//! [`validate`] checks a chat-completions request against a provider [`Profile`] in one pass and
//! returns a [`Report`] (docs/design.md §5): `errors` are shapes the provider is known to reject, `warnings`
//! are suspicious shapes (ignored or possibly unsupported parameters, likely mistakes). In repair
//! mode the request is first rewritten, only where the rewrite is provably safe, every rewrite is
//! listed under `repairs`, and the repaired request is validated and returned under `request`.
//! [`validate_json`] and [`validate_to_json`] are the text entry points used by the C API and the
//! CLI.
//!
//! Not here: sending, trimming history to fit, or anything with I/O — the module is pure.
//!
//! ```
//! use llmwire::validate::{validate_json, Code};
//!
//! let request = r#"{"model": "gemini-2.5-flash", "store": false,
//!                   "messages": [{"role": "user", "content": "hi"}]}"#;
//! let report = validate_json(request, Some(r#"{"provider": "gemini", "repair": true}"#)).unwrap();
//! assert!(report.ok);
//! assert_eq!(report.repairs.unwrap()[0].code, Code::UnsupportedParam);
//! assert!(report.request.unwrap().get("store").is_none());
//! ```
//!
//! # Finding codes
//!
//! Each finding has a stable `code`, a JSON Pointer `path` and a `message` saying what to change.
//! Whether a code is an error or a warning can depend on the provider (E: error where the provider
//! is known to reject it, W: warning). "Repair" marks codes repair mode rewrites away; a repair
//! entry carries the code of the finding it fixed.
//!
//! | code | meaning | repair |
//! |---|---|---|
//! | `request_not_object` | the request is not a JSON object | |
//! | `missing_messages` | no `messages` | |
//! | `invalid_messages` | `messages` is not an array | |
//! | `empty_messages` | `messages` is empty | |
//! | `invalid_message` | a message is not an object | |
//! | `invalid_role` | `role` missing or not system/developer/user/assistant/tool | |
//! | `role_maybe_unsupported` | `developer` on a provider that does not document it (W) | to `system` |
//! | `deprecated_role` | the legacy `function` role (W) | |
//! | `invalid_message_name` | `name` not matching `^[a-zA-Z0-9_-]+$` (E OpenAI) | |
//! | `missing_content` | no `content` (assistant: and no `tool_calls`) | |
//! | `null_content` | `content: null` where only an assistant with `tool_calls` may have it | |
//! | `invalid_content` | `content` neither a string nor an array of parts | |
//! | `invalid_content_part` | a part that is not an object, has an unknown `type` or lacks its field | |
//! | `content_part_not_allowed` | an image (or other non-text) part outside a user message | |
//! | `empty_content` | empty content (E Gemini, Anthropic: "contents.parts must not be empty") | |
//! | `empty_text_part` | `{"type":"text","text":""}` (E Gemini, Anthropic) | |
//! | `whitespace_content` | whitespace-only text (E Anthropic, W elsewhere) | |
//! | `multiple_text_parts` | several text parts in one message (E xAI) | |
//! | `no_conversation_messages` | only system messages (E Gemini "contents is not specified", Anthropic) | |
//! | `first_turn_not_user` | the first non-system message is not a user message (W Gemini) | |
//! | `invalid_image_url` | an image URL that is neither http(s) nor a data URL | |
//! | `invalid_data_url` | a data URL without `data:<type>;base64,` or without data | |
//! | `unsupported_image_type` | an image MIME type the provider does not accept | |
//! | `empty_image_data` | a data URL with an empty payload | |
//! | `invalid_base64` | a data URL payload that is not valid base64 | |
//! | `image_type_mismatch` | the image bytes are not of the declared type (W) | |
//! | `invalid_image_detail` | `detail` not auto/low/high | |
//! | `tool_calls_not_allowed` | `tool_calls` on a message that is not from the assistant | |
//! | `invalid_tool_call` | a tool call without id, type `function` or a function name | |
//! | `duplicate_tool_call_id` | a tool-call id used twice (E within a message, and on Anthropic) | |
//! | `invalid_tool_call_name` | a called function name the provider's name rule rejects | |
//! | `tool_call_unknown_function` | a call to a function not in `tools` (W) | |
//! | `tool_call_arguments_not_string` | `arguments` is not a JSON string | |
//! | `invalid_tool_call_arguments` | `arguments` does not parse to a JSON object (E Gemini, Anthropic) | |
//! | `tool_call_unanswered` | a tool call with no `tool` message right after its assistant turn | |
//! | `orphan_tool_message` | a `tool` message that answers no call of the turn just before it | |
//! | `duplicate_tool_result` | two `tool` messages for one call (E Gemini: counts must match) | |
//! | `tool_call_turn_position` | a function-call turn not after a user or tool turn (Gemini) | |
//! | `missing_thought_signature` | Gemini 3 function call of the current turn without its signature | |
//! | `invalid_tools` | `tools` is not a (non-empty) array | |
//! | `invalid_tool` | a tool that is not `{type, function: {name, ...}}` | |
//! | `unsupported_tool_type` | a tool type other than `function` (E Gemini) | |
//! | `invalid_tool_name` | a tool name the provider's name rule rejects | |
//! | `duplicate_tool_name` | two tools with one name | |
//! | `unknown_function_key` | keys in a function declaration Gemini does not know | drop |
//! | `invalid_tool_parameters` | `parameters` not a JSON-Schema object of type `object` | |
//! | `tool_parameters_missing_type` | `parameters` with properties but no `"type": "object"` | add type |
//! | `invalid_tool_choice` | `tool_choice` not none/auto/required or a named function | |
//! | `tool_choice_without_tools` | `tool_choice` without `tools` | |
//! | `tool_choice_unknown_function` | `tool_choice` names a function not in `tools` | |
//! | `parallel_tool_calls_without_tools` | `parallel_tool_calls` without `tools` (E OpenAI) | |
//! | `schema_not_object` | a subschema that is not an object (or, outside Gemini, a boolean) | |
//! | `schema_invalid_type` | a `type` that is not a JSON-Schema type name | |
//! | `schema_type_array` | `"type": [...]` where Gemini wants one type | to type + `nullable`, or `anyOf` |
//! | `schema_keyword_unsupported` | a keyword the dialect rejects (Gemini allow-list; OpenAI strict) | strip / convert |
//! | `schema_ref_unsupported` | `$ref` where Gemini has none | inline |
//! | `schema_ref_unresolvable` | `$ref` that is recursive, remote or dangling | |
//! | `schema_combinator_unsupported` | `allOf` (Gemini, strict), or a combinator at the root (Anthropic) | |
//! | `schema_properties_is_array` | `"properties": []` (PHP) | to `{}` / drop |
//! | `schema_invalid_properties` | `properties` not an object | |
//! | `schema_properties_on_non_object` | `properties`/`required` on a non-object (Gemini) | drop |
//! | `schema_missing_object_type` | `properties` on a node without `type` (Gemini) | add type |
//! | `schema_empty_properties` | `"properties": {}` on an object (Gemini "should be non-empty") | drop |
//! | `schema_invalid_required` | `required` not an array of strings | |
//! | `schema_required_unknown_property` | `required` names an absent property (E Gemini) | drop entry |
//! | `schema_enum_not_strings` | Gemini `enum` on a non-string or with non-string values | |
//! | `schema_enum_empty` | `"enum": []` | drop |
//! | `schema_format_unsupported` | a string `format` other than `enum`/`date-time` (Gemini) | drop |
//! | `schema_format_enum_without_values` | `"format": "enum"` without a non-empty `enum` | drop |
//! | `schema_invalid_items` | `items` not a schema (Gemini, strict: no tuple form) | |
//! | `schema_array_missing_items` | `"type": "array"` without `items` (Gemini) | |
//! | `schema_too_deep` | a schema nested deeper than 64 levels | |
//! | `strict_schema_additional_properties` | strict mode: an object without `additionalProperties: false` | |
//! | `strict_schema_required` | strict mode: `required` does not list every property | |
//! | `unsupported_param` | a parameter the provider (or model) rejects | drop / move |
//! | `unsupported_param_value` | a value the provider rejects (Gemini 2.x `reasoning_effort: minimal`) | to nearest |
//! | `param_ignored` | a parameter the provider documents as ignored (W) | |
//! | `param_maybe_unsupported` | a parameter the provider does not document (W) | |
//! | `unknown_param` | a top-level key that is no chat-completions parameter (W) | |
//! | `invalid_param_type` | a parameter of the wrong JSON type | |
//! | `param_out_of_range` | temperature, top_p, n, penalties, top_logprobs, max tokens out of range | |
//! | `wrong_max_tokens_field` | `max_tokens` for OpenAI reasoning models, `max_completion_tokens` for Mistral | rename |
//! | `duplicate_max_tokens` | both fields with the same value | drop one |
//! | `conflicting_max_tokens` | both fields with different values | |
//! | `max_tokens_exceeds_model_limit` | output budget above the model's output limit | |
//! | `context_window_exceeded` | estimated prompt plus output budget above the window | |
//! | `too_many_stop_sequences` | more stop sequences than the provider allows | |
//! | `invalid_stop` | `stop` not a string or an array of strings | |
//! | `empty_stop_sequence` | an empty (Anthropic: whitespace-only) stop sequence | |
//! | `top_logprobs_without_logprobs` | `top_logprobs` without `logprobs: true` | |
//! | `stream_options_without_stream` | `stream_options` without `stream: true` | |
//! | `invalid_response_format` | `response_format` of unknown type or without its schema | |
//! | `json_object_without_json_word` | `json_object` mode but no message says "json" (E OpenAI) | |
//! | `missing_model` | no `model` | |
//! | `invalid_model` | `model` not a non-empty string | |
//! | `model_name_prefix` | Gemini model name with the `models/` prefix (W) | strip |
//! | `unknown_model` | a model not in the limits table: defaults apply (W) | |
//! | `retired_model` | a model the provider has shut down (W) | |
//! | `model_provider_mismatch` | a model name that belongs to another provider (W) | |

mod images;
mod messages;
mod params;
mod repair;
mod report;
mod schema;
mod schema_repair;
mod tools;

pub use report::{Code, Finding, Report};

use std::borrow::Cow;

use serde_json::Value;

use crate::error::Error;
use crate::json::Field;
use crate::profile::{ModelLimits, Profile};
use crate::provider::Provider;
use report::{Findings, Severity};

/// How to validate: for which provider, whether to repair, and overrides of the model's limits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidateOptions {
    /// The provider profile to validate against (default `generic`).
    pub provider: Provider,
    /// Rewrite what can be rewritten safely, and return the repaired request.
    pub repair: bool,
    /// Validate as if the request named this model (e.g. the model behind an Azure deployment).
    pub model: Option<String>,
    /// The context window to check against, instead of the model table's.
    pub window_tokens: Option<u64>,
    /// The output limit to check against, instead of the model table's.
    pub max_output_tokens: Option<u64>,
}

const OPTION_KEYS: &str = "provider, repair, model, window_tokens, max_output_tokens";

fn unknown_provider_message(name: &str) -> String {
    format!(
        "unknown provider \"{name}\" (expected one of: {})",
        Provider::ALL.map(Provider::as_str).join(", ")
    )
}

impl Default for ValidateOptions {
    fn default() -> ValidateOptions {
        ValidateOptions::for_provider(Provider::Generic)
    }
}

impl ValidateOptions {
    /// Options for `provider`, without repair or overrides.
    pub fn for_provider(provider: Provider) -> ValidateOptions {
        ValidateOptions {
            provider,
            repair: false,
            model: None,
            window_tokens: None,
            max_output_tokens: None,
        }
    }

    /// Parses the options JSON: `{"provider", "repair", "model", "window_tokens",
    /// "max_output_tokens"}`, all optional (`null` is the same as absent). Unknown keys and values of
    /// the wrong type are rejected with the key named.
    pub fn from_json(text: &str) -> Result<ValidateOptions, Error> {
        let invalid =
            |message: String| Error::InvalidArgument(format!("validation options: {message}"));
        let value: Value =
            serde_json::from_str(text).map_err(|e| invalid(format!("not valid JSON: {e}")))?;
        let Value::Object(entries) = value else {
            return Err(invalid(format!(
                "must be a JSON object with any of: {OPTION_KEYS}"
            )));
        };
        let mut options = ValidateOptions::default();
        for (key, value) in entries {
            if value.is_null() {
                if OPTION_KEYS.split(", ").any(|known| known == key) {
                    continue;
                }
                return Err(invalid(format!(
                    "unknown key \"{key}\" (expected one of: {OPTION_KEYS})"
                )));
            }
            let wrong_type = |expected: &str| {
                invalid(format!(
                    "\"{key}\" must be {expected}, not {}",
                    report::show(&value)
                ))
            };
            match key.as_str() {
                "provider" => {
                    let name = value
                        .as_str()
                        .ok_or_else(|| wrong_type("a provider name"))?;
                    options.provider = Provider::from_name(name)
                        .ok_or_else(|| invalid(unknown_provider_message(name)))?;
                }
                "repair" => {
                    options.repair = value.as_bool().ok_or_else(|| wrong_type("true or false"))?
                }
                "model" => {
                    options.model = Some(
                        value
                            .as_str()
                            .ok_or_else(|| wrong_type("a model name"))?
                            .to_owned(),
                    )
                }
                "window_tokens" => {
                    options.window_tokens =
                        Some(value.as_u64().ok_or_else(|| wrong_type("a token count"))?)
                }
                "max_output_tokens" => {
                    options.max_output_tokens =
                        Some(value.as_u64().ok_or_else(|| wrong_type("a token count"))?)
                }
                _ => {
                    return Err(invalid(format!(
                        "unknown key \"{key}\" (expected one of: {OPTION_KEYS})"
                    )))
                }
            }
        }
        Ok(options)
    }
}

/// Validates `request` against `options.provider` (repairing a copy first in repair mode).
pub fn validate(request: &Value, options: &ValidateOptions) -> Report {
    validate_estimated(Cow::Borrowed(request), options, None)
}

/// Like [`validate`], taking the request by value so repair mode rewrites it in place.
pub fn validate_owned(request: Value, options: &ValidateOptions) -> Report {
    validate_estimated(Cow::Owned(request), options, None)
}

/// Validation for a caller that already holds the request's prompt estimate
/// (`context::estimate_request_tokens`, as the client's call makes it once): the validator reads
/// `estimate` instead of estimating again, unless a repair changed the request. In repair mode the
/// report carries the repaired request.
pub(crate) fn validate_estimated(
    request: Cow<'_, Value>,
    options: &ValidateOptions,
    estimate: Option<u64>,
) -> Report {
    if !options.repair {
        let (findings, estimate) = check(&request, options, estimate);
        return build_report(findings, estimate, options, &request, None, None);
    }
    let mut request = request.into_owned();
    let profile = Profile::for_provider(options.provider);
    let repairs = repair::repair_request(&mut request, profile, options);
    let estimate = estimate.filter(|_| repairs.is_empty());
    let (findings, estimate) = check(&request, options, estimate);
    let mut report = build_report(findings, estimate, options, &request, Some(repairs), None);
    report.request = Some(request);
    report
}

/// Validates request JSON text with options JSON text (`None`: defaults).
///
/// Errors (`Error::InvalidArgument`): the options or the request are not valid JSON (the message
/// gives the line and column), an option key is unknown (named), or the provider name is unknown.
/// A request that parses but that a provider would reject is not an error: it is a report with
/// `ok: false`.
pub fn validate_json(request_text: &str, options_json: Option<&str>) -> Result<Report, Error> {
    let options = match options_json {
        Some(text) => ValidateOptions::from_json(text)?,
        None => ValidateOptions::default(),
    };
    let request = crate::json::parse(request_text)
        .map_err(|e| Error::InvalidArgument(format!("request is not valid JSON: {e}")))?;
    Ok(validate_owned(request, &options))
}

/// The CLI's entry point: validates request text for the provider named `provider_name`, returning
/// the report JSON and whether the request is valid (`ok`).
///
/// ```
/// let (json, ok) = llmwire::validate::validate_to_json(
///     r#"{"model": "gpt-4o", "messages": []}"#, "openai", false).unwrap();
/// assert!(!ok);
/// assert!(json.contains("\"empty_messages\""));
/// ```
pub fn validate_to_json(
    request_text: &str,
    provider_name: &str,
    repair: bool,
) -> Result<(String, bool), Error> {
    let provider = Provider::from_name(provider_name)
        .ok_or_else(|| Error::InvalidArgument(unknown_provider_message(provider_name)))?;
    let request = crate::json::parse(request_text)
        .map_err(|e| Error::InvalidArgument(format!("request is not valid JSON: {e}")))?;
    let options = ValidateOptions {
        repair,
        ..ValidateOptions::for_provider(provider)
    };
    let report = validate_owned(request, &options);
    Ok((report.to_json(), report.ok))
}

fn build_report(
    findings: Findings,
    estimate: u64,
    options: &ValidateOptions,
    request: &Value,
    repairs: Option<Vec<Finding>>,
    repaired: Option<Value>,
) -> Report {
    Report {
        ok: findings.errors.is_empty(),
        errors: findings.errors,
        warnings: findings.warnings,
        repairs,
        estimated_prompt_tokens: estimate,
        provider: options.provider,
        model: effective_model(request, options).map(str::to_owned),
        request: repaired,
    }
}

fn effective_model<'a>(request: &'a Value, options: &'a ValidateOptions) -> Option<&'a str> {
    options
        .model
        .as_deref()
        .or_else(|| request.field("model").and_then(Value::as_str))
}

/// What every rule needs to know about the call being validated.
pub(crate) struct Context<'a> {
    pub(crate) profile: &'static Profile,
    /// The model name (option override, else the request's), `""` when there is none.
    pub(crate) model: &'a str,
    pub(crate) limits: ModelLimits,
    /// Whether the model is in the provider's table.
    pub(crate) model_known: bool,
    /// Whether the window figure is authoritative (from the table or the caller): then exceeding it
    /// is an error; with a default it is a warning.
    pub(crate) window_known: bool,
    pub(crate) output_known: bool,
}

impl<'a> Context<'a> {
    fn new(request: &'a Value, options: &'a ValidateOptions) -> Context<'a> {
        let profile = Profile::for_provider(options.provider);
        let model = effective_model(request, options).unwrap_or("");
        let matched = profile.model_limits(model);
        let mut limits = matched.limits;
        if let Some(window) = options.window_tokens {
            limits.context_window = window;
        }
        if let Some(output) = options.max_output_tokens {
            limits.max_output_tokens = Some(output);
        }
        Context {
            profile,
            model,
            limits,
            model_known: matched.known,
            window_known: matched.known || options.window_tokens.is_some(),
            output_known: matched.known || options.max_output_tokens.is_some(),
        }
    }

    pub(crate) fn provider(&self) -> Provider {
        self.profile.provider()
    }

    /// Severity for a rule a hosted provider enforces but local servers may not.
    pub(crate) fn strictly(&self) -> Severity {
        Severity::error_if(self.profile.validates_strictly)
    }
}

/// One validation pass; returns the findings and the prompt estimate (`known`, when the caller
/// already made it).
fn check(request: &Value, options: &ValidateOptions, known: Option<u64>) -> (Findings, u64) {
    let mut findings = Findings::default();
    let Some(object) = request.as_object() else {
        findings.error(
            Code::RequestNotObject,
            String::new(),
            format!(
                "the request must be a JSON object with \"model\" and \"messages\", not {}",
                report::show(request)
            ),
        );
        return (findings, crate::context::REPLY_PRIMER_TOKENS);
    };
    let context = Context::new(request, options);
    params::check_model(object, &context, &mut findings);
    let tools = tools::check_tools(object, &context, &mut findings);
    let messages =
        messages::check_messages(object, &context, &tools, known.is_none(), &mut findings);
    let estimate = known.unwrap_or_else(|| {
        messages.estimated_tokens
            + crate::context::estimate_definitions_tokens(request)
            + crate::context::REPLY_PRIMER_TOKENS
    });
    params::check_params(object, &context, &tools, &messages, estimate, &mut findings);
    (findings, estimate)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_is_documented_in_the_module_table() {
        let docs = include_str!("mod.rs");
        for code in Code::ALL {
            assert!(
                docs.contains(&format!("| `{}` |", code.as_str())),
                "{code} is not in the table"
            );
        }
    }

    #[test]
    fn unknown_option_keys_are_named() {
        let error =
            ValidateOptions::from_json(r#"{"provider": "gemini", "repiar": true}"#).unwrap_err();
        assert!(error.to_string().contains("repiar"), "{error}");
    }

    #[test]
    fn unknown_providers_are_named() {
        let error = ValidateOptions::from_json(r#"{"provider": "gemeni"}"#).unwrap_err();
        assert!(error.to_string().contains("gemeni"), "{error}");
    }
}
