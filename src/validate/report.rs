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
    /// The request is not a JSON object.
    RequestNotObject = "request_not_object", repairable = false;
    /// The request has no `messages` key.
    MissingMessages = "missing_messages", repairable = false;
    /// `messages` is not an array.
    InvalidMessages = "invalid_messages", repairable = false;
    /// `messages` is an empty array.
    EmptyMessages = "empty_messages", repairable = false;
    /// A message is not an object.
    InvalidMessage = "invalid_message", repairable = false;
    /// A message has no `role`, or one that is not a string or not a known role.
    InvalidRole = "invalid_role", repairable = false;
    /// A `developer` message for a provider that does not document that role (repair: `system`).
    RoleMaybeUnsupported = "role_maybe_unsupported", repairable = true;
    /// A message with the legacy `function` role instead of `tool`.
    DeprecatedRole = "deprecated_role", repairable = false;
    /// A message's `name` has characters outside `[a-zA-Z0-9_-]`.
    InvalidMessageName = "invalid_message_name", repairable = false;
    /// A message that needs `content` has none.
    MissingContent = "missing_content", repairable = false;
    /// `content: null` on a message other than an assistant message with tool calls.
    NullContent = "null_content", repairable = false;
    /// `content` is neither a string nor an array of parts.
    InvalidContent = "invalid_content", repairable = false;
    /// A content part is not an object with a string `type` and that type's fields.
    InvalidContentPart = "invalid_content_part", repairable = false;
    /// A part kind the message's role may not carry (e.g. an image outside a user message).
    ContentPartNotAllowed = "content_part_not_allowed", repairable = false;
    /// Content that is an empty string or an empty array of parts.
    EmptyContent = "empty_content", repairable = false;
    /// A text part whose `text` is empty.
    EmptyTextPart = "empty_text_part", repairable = false;
    /// Text that is only whitespace.
    WhitespaceContent = "whitespace_content", repairable = false;
    /// Several text parts in one message, for a provider that expects one.
    MultipleTextParts = "multiple_text_parts", repairable = false;
    /// Only system or developer messages: nothing for the model to answer.
    NoConversationMessages = "no_conversation_messages", repairable = false;
    /// The conversation's first turn is not a user message, for a provider that requires one.
    FirstTurnNotUser = "first_turn_not_user", repairable = false;
    /// An image URL that is neither `http(s)://` nor `data:`.
    InvalidImageUrl = "invalid_image_url", repairable = false;
    /// A `data:` URL that is malformed or not base64-encoded.
    InvalidDataUrl = "invalid_data_url", repairable = false;
    /// An image media type the provider does not take, or one that is not an image.
    UnsupportedImageType = "unsupported_image_type", repairable = false;
    /// A `data:` URL with nothing after the comma.
    EmptyImageData = "empty_image_data", repairable = false;
    /// A `data:` URL whose payload does not decode as base64.
    InvalidBase64 = "invalid_base64", repairable = false;
    /// A `data:` URL whose declared media type differs from what its bytes are.
    ImageTypeMismatch = "image_type_mismatch", repairable = false;
    /// An image `detail` other than `auto`, `low` or `high`.
    InvalidImageDetail = "invalid_image_detail", repairable = false;
    /// `tool_calls` on a message that is not from the assistant.
    ToolCallsNotAllowed = "tool_calls_not_allowed", repairable = false;
    /// `tool_calls` is not a non-empty array of well-formed calls.
    InvalidToolCall = "invalid_tool_call", repairable = false;
    /// Two tool calls share an `id`.
    DuplicateToolCallId = "duplicate_tool_call_id", repairable = false;
    /// A tool call's function name is missing or malformed.
    InvalidToolCallName = "invalid_tool_call_name", repairable = false;
    /// A tool call names a function that `tools` does not declare.
    ToolCallUnknownFunction = "tool_call_unknown_function", repairable = false;
    /// A tool call's `arguments` is JSON data rather than a string holding it.
    ToolCallArgumentsNotString = "tool_call_arguments_not_string", repairable = false;
    /// A tool call's `arguments` string is not a JSON object.
    InvalidToolCallArguments = "invalid_tool_call_arguments", repairable = false;
    /// An assistant's tool call with no tool message answering it before the next turn.
    ToolCallUnanswered = "tool_call_unanswered", repairable = false;
    /// A tool message that answers no earlier tool call (or has no `tool_call_id`).
    OrphanToolMessage = "orphan_tool_message", repairable = false;
    /// Two tool messages answer the same call.
    DuplicateToolResult = "duplicate_tool_result", repairable = false;
    /// A function-call turn where the provider does not allow one (e.g. first in the conversation).
    ToolCallTurnPosition = "tool_call_turn_position", repairable = false;
    /// A Gemini 3 tool-call turn replayed without the thought signature Gemini requires.
    MissingThoughtSignature = "missing_thought_signature", repairable = false;
    /// `tools` is not an array, or is empty.
    InvalidTools = "invalid_tools", repairable = false;
    /// A tool is not an object of the form `{"type": "function", "function": {…}}`.
    InvalidTool = "invalid_tool", repairable = false;
    /// A tool `type` other than `function`, where the provider takes functions only.
    UnsupportedToolType = "unsupported_tool_type", repairable = false;
    /// A function name that is missing, too long, or has characters the provider refuses.
    InvalidToolName = "invalid_tool_name", repairable = false;
    /// Two tools declare the same function name.
    DuplicateToolName = "duplicate_tool_name", repairable = false;
    /// A key in a function declaration that the provider rejects (repair: removed).
    UnknownFunctionKey = "unknown_function_key", repairable = true;
    /// A function's `parameters` is not a JSON-Schema object.
    InvalidToolParameters = "invalid_tool_parameters", repairable = false;
    /// `parameters` has properties but no `"type": "object"` (repair: added).
    ToolParametersMissingType = "tool_parameters_missing_type", repairable = true;
    /// `tool_choice` is neither a known mode nor a named function.
    InvalidToolChoice = "invalid_tool_choice", repairable = false;
    /// `tool_choice` without any `tools`.
    ToolChoiceWithoutTools = "tool_choice_without_tools", repairable = false;
    /// `tool_choice` names a function that `tools` does not declare.
    ToolChoiceUnknownFunction = "tool_choice_unknown_function", repairable = false;
    /// `parallel_tool_calls` without any `tools`.
    ParallelToolCallsWithoutTools = "parallel_tool_calls_without_tools", repairable = false;
    /// A schema (or a combinator's entry) that is not an object.
    SchemaNotObject = "schema_not_object", repairable = false;
    /// A schema `type` that is not a JSON-Schema type name.
    SchemaInvalidType = "schema_invalid_type", repairable = false;
    /// A list of types (`["string", "null"]`) where the provider takes one per schema.
    SchemaTypeArray = "schema_type_array", repairable = true;
    /// A schema keyword the provider or strict mode rejects (repair: removed).
    SchemaKeywordUnsupported = "schema_keyword_unsupported", repairable = true;
    /// A `$ref` the provider does not resolve (repair: inlined).
    SchemaRefUnsupported = "schema_ref_unsupported", repairable = true;
    /// A `$ref` that cannot be inlined, for a provider that does not resolve references.
    SchemaRefUnresolvable = "schema_ref_unresolvable", repairable = false;
    /// An `allOf`/`anyOf`/`oneOf` the provider does not support.
    SchemaCombinatorUnsupported = "schema_combinator_unsupported", repairable = false;
    /// `properties: []`, the way PHP encodes an empty map (repair: `{}`).
    SchemaPropertiesIsArray = "schema_properties_is_array", repairable = true;
    /// `properties` is not an object of schemas.
    SchemaInvalidProperties = "schema_invalid_properties", repairable = false;
    /// Object keywords on a schema of another type, which the provider rejects (repair: removed).
    SchemaPropertiesOnNonObject = "schema_properties_on_non_object", repairable = true;
    /// `properties` on a schema without `"type": "object"` (repair: added).
    SchemaMissingObjectType = "schema_missing_object_type", repairable = true;
    /// An object schema with no properties, which the provider rejects.
    SchemaEmptyProperties = "schema_empty_properties", repairable = true;
    /// `required` is not an array of property names.
    SchemaInvalidRequired = "schema_invalid_required", repairable = false;
    /// `required` names a property the schema does not define (repair: removed).
    SchemaRequiredUnknownProperty = "schema_required_unknown_property", repairable = true;
    /// An `enum` with values other than strings, where the provider takes strings only.
    SchemaEnumNotStrings = "schema_enum_not_strings", repairable = false;
    /// An empty `enum`.
    SchemaEnumEmpty = "schema_enum_empty", repairable = true;
    /// A string `format` the provider does not support (repair: removed).
    SchemaFormatUnsupported = "schema_format_unsupported", repairable = true;
    /// `"format": "enum"` without an `enum` list (repair: removed).
    SchemaFormatEnumWithoutValues = "schema_format_enum_without_values", repairable = true;
    /// `items` is not a single schema object.
    SchemaInvalidItems = "schema_invalid_items", repairable = false;
    /// An array schema without `items`, which the provider requires.
    SchemaArrayMissingItems = "schema_array_missing_items", repairable = false;
    /// A schema nested deeper than the validator follows.
    SchemaTooDeep = "schema_too_deep", repairable = false;
    /// A strict schema's object without `"additionalProperties": false`.
    StrictSchemaAdditionalProperties = "strict_schema_additional_properties", repairable = false;
    /// A strict schema's object whose `required` does not list every property.
    StrictSchemaRequired = "strict_schema_required", repairable = false;
    /// A parameter the provider rejects for this model (repair: removed or replaced).
    UnsupportedParam = "unsupported_param", repairable = true;
    /// A parameter value the model does not accept (repair: the nearest it has).
    UnsupportedParamValue = "unsupported_param_value", repairable = true;
    /// A parameter the provider accepts and ignores.
    ParamIgnored = "param_ignored", repairable = false;
    /// A parameter the provider does not document; it may be rejected.
    ParamMaybeUnsupported = "param_maybe_unsupported", repairable = false;
    /// A key that is not a chat-completions parameter the provider documents.
    UnknownParam = "unknown_param", repairable = false;
    /// A parameter of the wrong JSON type.
    InvalidParamType = "invalid_param_type", repairable = false;
    /// A parameter value outside the range the provider accepts or applies.
    ParamOutOfRange = "param_out_of_range", repairable = false;
    /// `max_tokens` where the model takes `max_completion_tokens`, or the reverse (repair: renamed).
    WrongMaxTokensField = "wrong_max_tokens_field", repairable = true;
    /// Both output-budget fields with the same value (repair: one removed).
    DuplicateMaxTokens = "duplicate_max_tokens", repairable = true;
    /// Both output-budget fields with different values.
    ConflictingMaxTokens = "conflicting_max_tokens", repairable = false;
    /// An output budget above the model's output limit.
    MaxTokensExceedsModelLimit = "max_tokens_exceeds_model_limit", repairable = false;
    /// The request's token estimate is over the model's context window.
    ContextWindowExceeded = "context_window_exceeded", repairable = false;
    /// More stop sequences than the provider accepts.
    TooManyStopSequences = "too_many_stop_sequences", repairable = false;
    /// `stop` is neither a string nor an array of strings.
    InvalidStop = "invalid_stop", repairable = false;
    /// A stop sequence that is empty or only whitespace.
    EmptyStopSequence = "empty_stop_sequence", repairable = false;
    /// `top_logprobs` without `"logprobs": true`.
    TopLogprobsWithoutLogprobs = "top_logprobs_without_logprobs", repairable = false;
    /// `stream_options` without `"stream": true`.
    StreamOptionsWithoutStream = "stream_options_without_stream", repairable = false;
    /// A `response_format` of an unknown type, or a `json_schema` one without a usable name or schema.
    InvalidResponseFormat = "invalid_response_format", repairable = false;
    /// JSON mode (`json_object`) but no message mentions JSON, which OpenAI requires.
    JsonObjectWithoutJsonWord = "json_object_without_json_word", repairable = false;
    /// Neither the request nor the client names a model.
    MissingModel = "missing_model", repairable = false;
    /// `model` is not a non-empty string.
    InvalidModel = "invalid_model", repairable = false;
    /// A model name with a prefix the provider does not take, such as `models/` (repair: stripped).
    ModelNamePrefix = "model_name_prefix", repairable = true;
    /// A model name that is not in the provider's table or naming scheme.
    UnknownModel = "unknown_model", repairable = false;
    /// A model the provider has shut down.
    RetiredModel = "retired_model", repairable = false;
    /// A model name of another provider.
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
    /// The stable code naming the problem.
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
    /// The provider whose rules were applied.
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
