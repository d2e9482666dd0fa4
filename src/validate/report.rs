//! The report: finding codes, findings, and the JSON Pointers that locate them.

use serde::Serialize;
use serde_json::Value;

use crate::provider::Provider;

macro_rules! codes {
    ($( $(#[$doc:meta])* $variant:ident = $name:literal, repairable = $repairable:literal; )*) => {
        /// A stable finding code. Codes are a contract: never renamed or reused.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Code {
            $( $(#[$doc])* $variant, )*
        }

        impl Code {
            /// Every code, in documentation order.
            pub const ALL: &'static [Code] = &[ $( Code::$variant, )* ];

            /// The snake_case name used in JSON.
            pub const fn as_str(self) -> &'static str {
                match self { $( Code::$variant => $name, )* }
            }

            /// Whether repair mode rewrites every error with this code away (warnings with the code may
            /// stay: e.g. a `required` entry naming no property is legal JSON Schema, only suspicious).
            pub const fn is_repairable(self) -> bool {
                match self { $( Code::$variant => $repairable, )* }
            }
        }
    };
}

codes! {
    RequestNotObject = "request_not_object", repairable = false;
    MissingMessages = "missing_messages", repairable = false;
    InvalidMessages = "invalid_messages", repairable = false;
    EmptyMessages = "empty_messages", repairable = false;
    InvalidMessage = "invalid_message", repairable = false;
    InvalidRole = "invalid_role", repairable = false;
    RoleMaybeUnsupported = "role_maybe_unsupported", repairable = true;
    DeprecatedRole = "deprecated_role", repairable = false;
    InvalidMessageName = "invalid_message_name", repairable = false;
    MissingContent = "missing_content", repairable = false;
    NullContent = "null_content", repairable = false;
    InvalidContent = "invalid_content", repairable = false;
    InvalidContentPart = "invalid_content_part", repairable = false;
    ContentPartNotAllowed = "content_part_not_allowed", repairable = false;
    EmptyContent = "empty_content", repairable = false;
    EmptyTextPart = "empty_text_part", repairable = false;
    WhitespaceContent = "whitespace_content", repairable = false;
    MultipleTextParts = "multiple_text_parts", repairable = false;
    NoConversationMessages = "no_conversation_messages", repairable = false;
    FirstTurnNotUser = "first_turn_not_user", repairable = false;
    InvalidImageUrl = "invalid_image_url", repairable = false;
    InvalidDataUrl = "invalid_data_url", repairable = false;
    UnsupportedImageType = "unsupported_image_type", repairable = false;
    EmptyImageData = "empty_image_data", repairable = false;
    InvalidBase64 = "invalid_base64", repairable = false;
    ImageTypeMismatch = "image_type_mismatch", repairable = false;
    InvalidImageDetail = "invalid_image_detail", repairable = false;
    ToolCallsNotAllowed = "tool_calls_not_allowed", repairable = false;
    InvalidToolCall = "invalid_tool_call", repairable = false;
    DuplicateToolCallId = "duplicate_tool_call_id", repairable = false;
    InvalidToolCallName = "invalid_tool_call_name", repairable = false;
    ToolCallUnknownFunction = "tool_call_unknown_function", repairable = false;
    ToolCallArgumentsNotString = "tool_call_arguments_not_string", repairable = false;
    InvalidToolCallArguments = "invalid_tool_call_arguments", repairable = false;
    ToolCallUnanswered = "tool_call_unanswered", repairable = false;
    OrphanToolMessage = "orphan_tool_message", repairable = false;
    DuplicateToolResult = "duplicate_tool_result", repairable = false;
    ToolCallTurnPosition = "tool_call_turn_position", repairable = false;
    MissingThoughtSignature = "missing_thought_signature", repairable = false;
    InvalidTools = "invalid_tools", repairable = false;
    InvalidTool = "invalid_tool", repairable = false;
    UnsupportedToolType = "unsupported_tool_type", repairable = false;
    InvalidToolName = "invalid_tool_name", repairable = false;
    DuplicateToolName = "duplicate_tool_name", repairable = false;
    UnknownFunctionKey = "unknown_function_key", repairable = true;
    InvalidToolParameters = "invalid_tool_parameters", repairable = false;
    ToolParametersMissingType = "tool_parameters_missing_type", repairable = true;
    InvalidToolChoice = "invalid_tool_choice", repairable = false;
    ToolChoiceWithoutTools = "tool_choice_without_tools", repairable = false;
    ToolChoiceUnknownFunction = "tool_choice_unknown_function", repairable = false;
    ParallelToolCallsWithoutTools = "parallel_tool_calls_without_tools", repairable = false;
    SchemaNotObject = "schema_not_object", repairable = false;
    SchemaInvalidType = "schema_invalid_type", repairable = false;
    SchemaTypeArray = "schema_type_array", repairable = true;
    SchemaKeywordUnsupported = "schema_keyword_unsupported", repairable = true;
    SchemaRefUnsupported = "schema_ref_unsupported", repairable = true;
    SchemaRefUnresolvable = "schema_ref_unresolvable", repairable = false;
    SchemaCombinatorUnsupported = "schema_combinator_unsupported", repairable = false;
    SchemaPropertiesIsArray = "schema_properties_is_array", repairable = true;
    SchemaInvalidProperties = "schema_invalid_properties", repairable = false;
    SchemaPropertiesOnNonObject = "schema_properties_on_non_object", repairable = true;
    SchemaMissingObjectType = "schema_missing_object_type", repairable = true;
    SchemaEmptyProperties = "schema_empty_properties", repairable = true;
    SchemaInvalidRequired = "schema_invalid_required", repairable = false;
    SchemaRequiredUnknownProperty = "schema_required_unknown_property", repairable = true;
    SchemaEnumNotStrings = "schema_enum_not_strings", repairable = false;
    SchemaEnumEmpty = "schema_enum_empty", repairable = true;
    SchemaFormatUnsupported = "schema_format_unsupported", repairable = true;
    SchemaFormatEnumWithoutValues = "schema_format_enum_without_values", repairable = true;
    SchemaInvalidItems = "schema_invalid_items", repairable = false;
    SchemaArrayMissingItems = "schema_array_missing_items", repairable = false;
    SchemaTooDeep = "schema_too_deep", repairable = false;
    StrictSchemaAdditionalProperties = "strict_schema_additional_properties", repairable = false;
    StrictSchemaRequired = "strict_schema_required", repairable = false;
    UnsupportedParam = "unsupported_param", repairable = true;
    UnsupportedParamValue = "unsupported_param_value", repairable = true;
    ParamIgnored = "param_ignored", repairable = false;
    ParamMaybeUnsupported = "param_maybe_unsupported", repairable = false;
    UnknownParam = "unknown_param", repairable = false;
    InvalidParamType = "invalid_param_type", repairable = false;
    ParamOutOfRange = "param_out_of_range", repairable = false;
    WrongMaxTokensField = "wrong_max_tokens_field", repairable = true;
    DuplicateMaxTokens = "duplicate_max_tokens", repairable = true;
    ConflictingMaxTokens = "conflicting_max_tokens", repairable = false;
    MaxTokensExceedsModelLimit = "max_tokens_exceeds_model_limit", repairable = false;
    ContextWindowExceeded = "context_window_exceeded", repairable = false;
    TooManyStopSequences = "too_many_stop_sequences", repairable = false;
    InvalidStop = "invalid_stop", repairable = false;
    EmptyStopSequence = "empty_stop_sequence", repairable = false;
    TopLogprobsWithoutLogprobs = "top_logprobs_without_logprobs", repairable = false;
    StreamOptionsWithoutStream = "stream_options_without_stream", repairable = false;
    InvalidResponseFormat = "invalid_response_format", repairable = false;
    JsonObjectWithoutJsonWord = "json_object_without_json_word", repairable = false;
    MissingModel = "missing_model", repairable = false;
    InvalidModel = "invalid_model", repairable = false;
    ModelNamePrefix = "model_name_prefix", repairable = true;
    UnknownModel = "unknown_model", repairable = false;
    RetiredModel = "retired_model", repairable = false;
    ModelProviderMismatch = "model_provider_mismatch", repairable = false;
}

impl Serialize for Code {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl std::fmt::Display for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One finding (or, under `repairs`, one rewrite): what, where, and what to do about it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub code: Code,
    /// JSON Pointer (RFC 6901) to the offending value in the request.
    pub path: String,
    /// What is wrong and what to change.
    pub message: String,
}

/// The validation report (docs/design.md §5). Serialises to the report JSON.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    /// No errors: the provider is not known to reject the request (after repair, in repair mode).
    pub ok: bool,
    /// Shapes the provider is known to reject.
    pub errors: Vec<Finding>,
    /// Suspicious shapes: ignored or possibly unsupported parameters, likely mistakes.
    pub warnings: Vec<Finding>,
    /// Every rewrite made, in repair mode only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub repairs: Option<Vec<Finding>>,
    /// A conservative estimate of the prompt (see `context::estimate_request_tokens`).
    pub estimated_prompt_tokens: u64,
    pub provider: Provider,
    /// The model the request was validated for (the `model` option, else the request's `model`).
    pub model: Option<String>,
    /// The repaired request, in repair mode only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request: Option<Value>,
}

impl Report {
    /// The report as JSON.
    pub fn to_json(&self) -> String {
        // Plain data with string keys: serialisation cannot fail.
        serde_json::to_string(self).unwrap_or_else(|_| String::from("{\"ok\":false}"))
    }

    /// Whether any error carries `code`.
    pub fn has_error(&self, code: Code) -> bool {
        self.errors.iter().any(|finding| finding.code == code)
    }

    /// Whether any warning carries `code`.
    pub fn has_warning(&self, code: Code) -> bool {
        self.warnings.iter().any(|finding| finding.code == code)
    }
}

/// Whether a finding is an error or a warning.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Severity {
    Error,
    Warning,
}

impl Severity {
    /// `Error` when the provider is known to reject the shape, else `Warning`.
    pub(crate) fn error_if(rejected: bool) -> Severity {
        if rejected {
            Severity::Error
        } else {
            Severity::Warning
        }
    }
}

/// Collects findings during one validation pass.
#[derive(Debug, Default)]
pub(crate) struct Findings {
    pub(crate) errors: Vec<Finding>,
    pub(crate) warnings: Vec<Finding>,
}

impl Findings {
    pub(crate) fn add(&mut self, severity: Severity, code: Code, path: String, message: String) {
        let finding = Finding {
            code,
            path,
            message,
        };
        match severity {
            Severity::Error => self.errors.push(finding),
            Severity::Warning => self.warnings.push(finding),
        }
    }

    pub(crate) fn error(&mut self, code: Code, path: String, message: String) {
        self.add(Severity::Error, code, path, message);
    }

    pub(crate) fn warn(&mut self, code: Code, path: String, message: String) {
        self.add(Severity::Warning, code, path, message);
    }
}

/// Appends one reference token to a JSON Pointer, escaping `~` as `~0` and `/` as `~1` (RFC 6901).
pub(crate) fn push_token(pointer: &mut String, token: &str) {
    pointer.push('/');
    for ch in token.chars() {
        match ch {
            '~' => pointer.push_str("~0"),
            '/' => pointer.push_str("~1"),
            other => pointer.push(other),
        }
    }
}

/// A JSON Pointer from `base` plus one (escaped) token.
pub(crate) fn join(base: &str, token: &str) -> String {
    let mut pointer = String::with_capacity(base.len() + token.len() + 1);
    pointer.push_str(base);
    push_token(&mut pointer, token);
    pointer
}

/// A short rendering of a JSON value for messages (long values are cut).
pub(crate) fn show(value: &Value) -> String {
    let text = value.to_string();
    if text.len() <= 60 {
        return text;
    }
    format!("{}...", crate::utf8::prefix(&text, 57))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pointer_tokens_are_escaped_per_rfc_6901() {
        assert_eq!(join("/tools/0", "a/b~c"), "/tools/0/a~1b~0c");
        assert_eq!(join("", "store"), "/store");
    }

    #[test]
    fn codes_are_unique_snake_case() {
        let mut seen = std::collections::HashSet::new();
        for code in Code::ALL {
            assert!(seen.insert(code.as_str()), "{code} twice");
            assert!(
                code.as_str()
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_'),
                "{code}"
            );
        }
    }
}
